"""d2lite.ising against exact results: enumeration of small lattices, Kaufman's exact
finite-lattice partition function (itself checked against enumeration), and Onsager's
infinite-lattice solution (by scipy quadrature here, independently of the package).

Statistical checks use margins of several standard errors (or the issue's fixed
margins), with fixed seeds, so they fail only when the physics is wrong.
"""

import os

import numpy as np
import pytest
from scipy import integrate

from d2lite import ising

TC = 2.0 / np.log(1.0 + np.sqrt(2.0))


# ------------------------------------------------------------------ exact references


def enumerate_lattice(L):
    """Energy per spin and magnetization per spin of all 2^(L*L) configurations."""
    N = L * L
    codes = np.arange(2**N, dtype=np.int64)
    s = (((codes[:, None] >> np.arange(N)) & 1) * 2 - 1).astype(np.int8).reshape(-1, L, L)
    bonds = s * (np.roll(s, -1, axis=2) + np.roll(s, -1, axis=1))
    return -bonds.sum(axis=(1, 2)) / N, s.mean(axis=(1, 2))


def exact_moments(e, m, N, T):
    """Boltzmann averages of e, e^2, |m|, m^2, m^4 and their variances, from enumeration."""
    w = np.exp(-(e - e.min()) * N / T)
    w /= w.sum()
    quantities = {"e": e, "e2": e**2, "abs_m": np.abs(m), "m2": m**2, "m4": m**4}
    mean = {k: float(w @ q) for k, q in quantities.items()}
    var = {k: float(w @ q**2) - mean[k] ** 2 for k, q in quantities.items()}
    return mean, var


def onsager_energy_by_quadrature(T):
    """u = -d(-βf)/dK from Onsager's double integral for -βf, by scipy quadrature."""
    K = 1.0 / T
    ch, sh = np.cosh(2 * K), np.sinh(2 * K)

    def integrand(t1, t2):
        c = np.cos(t1) + np.cos(t2)
        return (2 * np.sinh(4 * K) - 2 * ch * c) / (ch**2 - sh * c)

    value, _ = integrate.dblquad(integrand, 0, np.pi, 0, np.pi, epsabs=1e-10)
    return -value / (2 * np.pi**2)


def test_kaufman_finite_lattice_formulas_match_enumeration_and_onsager():
    # Brute force on 2x2, 3x3 and 4x4, then trusted for the sampler at L = 10.
    for L in (2, 3, 4):
        e, m = enumerate_lattice(L)
        for T in (0.5, 1.0, TC, 3.0):
            mean, var = exact_moments(e, m, L * L, T)
            assert ising.kaufman_energy(T, L) == pytest.approx(mean["e"], abs=1e-6)
            assert ising.kaufman_specific_heat(T, L) == pytest.approx(L * L * var["e"] / T**2,
                                                                      abs=1e-5)
    # Large lattices tend to the infinite one, without overflow.
    np.testing.assert_allclose(ising.kaufman_energy([2.0, 3.0], 256),
                               ising.onsager_energy([2.0, 3.0]), atol=1e-6)
    assert ising.kaufman_energy(TC, 256) == pytest.approx(-np.sqrt(2), abs=0.005)
    # C at T_c grows like (8 / pi) K_c^2 ln L (Ferdinand & Fisher): +0.3431 per doubling.
    growth = ising.kaufman_specific_heat(TC, 256) - ising.kaufman_specific_heat(TC, 128)
    assert growth == pytest.approx(8 / np.pi * np.log(2) / TC**2, abs=0.001)
    assert np.shape(ising.kaufman_energy(np.ones((2, 3)), 10)) == (2, 3)
    with pytest.raises(ValueError, match="`L`"):
        ising.kaufman_energy(2.0, 1)
    with pytest.raises(ValueError, match="got -1.0"):
        ising.kaufman_specific_heat([2.0, -1.0], 10)


# ------------------------------------------------------------------ Monte Carlo vs exact


def _check_against_enumeration(L, temperatures, spins, T_of, n_sigma=5.0):
    e_all, m_all = enumerate_lattice(L)
    e, m = ising.energy(spins), ising.magnetization(spins)
    sampled = {"e": e, "e2": e**2, "abs_m": np.abs(m), "m2": m**2, "m4": m**4}
    for T in temperatures:
        at = T_of == T
        mean, var = exact_moments(e_all, m_all, L * L, T)
        for key, values in sampled.items():
            error = np.sqrt(var[key] / at.sum())
            assert abs(values[at].mean() - mean[key]) < n_sigma * error + 1e-12, (T, key)


@pytest.mark.parametrize("cluster", [None, "swendsen-wang", "wolff"])
def test_small_lattice_matches_exact_enumeration(cluster):
    temperatures = [1.5, 2.3, 3.5]
    spins, T = ising.sample(L=4, temperatures=temperatures, n_per_temperature=4096, seed=1,
                            chains=256, equilibration_sweeps=50, decorrelation_sweeps=6,
                            cluster=cluster, cluster_every=3)
    _check_against_enumeration(4, temperatures, spins, T)


def test_odd_lattice_three_colour_update_matches_exact_enumeration():
    # Odd L cannot be a checkerboard with periodic boundaries; three colours are used.
    temperatures = [1.0, 2.0, 4.0]
    spins, T = ising.sample(L=3, temperatures=temperatures, n_per_temperature=4096, seed=2,
                            chains=256, equilibration_sweeps=50, decorrelation_sweeps=4,
                            cluster=None)
    _check_against_enumeration(3, temperatures, spins, T)


def test_update_split_into_tiny_chunks_is_still_exact(monkeypatch):
    monkeypatch.setattr(ising, "_CHUNK_WORDS", 1)  # one site per numpy call
    temperatures = [2.0, 3.0]
    spins, T = ising.sample(L=4, temperatures=temperatures, n_per_temperature=2048, seed=3,
                            chains=128, equilibration_sweeps=30, decorrelation_sweeps=5,
                            cluster=None)
    _check_against_enumeration(4, temperatures, spins, T)


def test_observables_match_exact_enumeration_values():
    L, temperatures = 4, [1.8, 2.6]
    spins, T = ising.sample(L=L, temperatures=temperatures, n_per_temperature=8192, seed=4,
                            chains=512, equilibration_sweeps=40, decorrelation_sweeps=5)
    _check_against_enumeration(L, temperatures, spins, T)  # the moments, within 5 sigma
    obs = ising.observables(spins, T)
    e, m = enumerate_lattice(L)
    # Fluctuations are noisier than means: margins about twice the worst error over 8 seeds.
    for i, temp in enumerate(temperatures):
        mean, var = exact_moments(e, m, L * L, temp)
        assert obs["specific_heat"][i] == pytest.approx(L * L * var["e"] / temp**2, rel=0.1)
        chi = L * L * (mean["m2"] - mean["abs_m"] ** 2) / temp
        assert obs["susceptibility"][i] == pytest.approx(chi, rel=0.2)
        assert obs["binder"][i] == pytest.approx(1 - mean["m4"] / (3 * mean["m2"] ** 2), abs=0.015)


# ------------------------------------------------------------------ the physics tests


def test_ten_by_ten_ordered_disordered_and_ground_state():
    spins, T = ising.sample(L=10, temperatures=[0.5, 1.0, 1.5, 3.5], n_per_temperature=1024,
                            seed=5)
    obs = ising.observables(spins, T)
    abs_m = dict(zip(obs["temperature"], obs["abs_magnetization"]))
    e = dict(zip(obs["temperature"], obs["energy"]))
    assert abs_m[1.5] > 0.97
    assert abs_m[3.5] < 0.35
    assert e[0.5] == pytest.approx(-2.0, abs=1e-3)  # ground state as T -> 0
    assert e[1.0] == pytest.approx(onsager_energy_by_quadrature(1.0), abs=0.003)  # -1.997
    assert onsager_energy_by_quadrature(1.0) == pytest.approx(-1.997, abs=5e-4)


def test_larger_lattice_against_onsager():
    spins, T = ising.sample(L=32, temperatures=[2.0, 3.0], n_per_temperature=640, seed=6)
    obs = ising.observables(spins, T)
    m0 = (1 - np.sinh(2 / 2.0) ** -4) ** 0.125
    assert m0 == pytest.approx(0.911, abs=5e-4)
    assert obs["abs_magnetization"][0] == pytest.approx(m0, abs=0.02)
    for i, temp in enumerate([2.0, 3.0]):
        assert obs["energy"][i] == pytest.approx(onsager_energy_by_quadrature(temp), abs=0.01)


def test_specific_heat_of_ten_by_ten_peaks_near_tc_as_kaufman_says():
    temperatures = np.round(np.arange(1.9, 2.81, 0.05), 2)
    spins, T = ising.sample(L=10, temperatures=temperatures, n_per_temperature=2048, seed=7,
                            chains=128, equilibration_sweeps=100, decorrelation_sweeps=10)
    obs = ising.observables(spins, T)
    peak = obs["temperature"][np.argmax(obs["specific_heat"])]
    assert 2.2 <= peak <= 2.45
    exact_heat = ising.kaufman_specific_heat(temperatures, 10)
    assert 2.2 <= temperatures[np.argmax(exact_heat)] <= 2.45
    # Energies within 5 standard errors of the exact finite-lattice values, at every T.
    e = ising.energy(spins)
    sem = np.array([e[T == t].std() for t in temperatures]) / np.sqrt(2048)
    exact_energy = ising.kaufman_energy(temperatures, 10)
    np.testing.assert_array_less(np.abs(obs["energy"] - exact_energy), 5 * sem + 1e-4)
    np.testing.assert_allclose(obs["specific_heat"], exact_heat, rtol=0.15)


# ------------------------------------------------------------------ sampler contract


def test_sample_shapes_dtype_order_and_chain_rounding():
    spins, T = ising.sample(L=6, temperatures=[3.0, 1.0], n_per_temperature=100, seed=0,
                            chains=65, equilibration_sweeps=0, decorrelation_sweeps=1)
    assert spins.shape == (200, 6, 6) and spins.dtype == np.int8
    assert set(np.unique(spins)) == {-1, 1}
    np.testing.assert_array_equal(T, np.repeat([3.0, 1.0], 100))
    spins, T = ising.sample(L=2, temperatures=2.0, n_per_temperature=1, seed=0)
    assert spins.shape == (1, 2, 2) and T.tolist() == [2.0]


@pytest.mark.parametrize("cluster", [None, "swendsen-wang", "wolff"])
def test_deterministic_for_a_seed(cluster):
    kwargs = dict(L=8, temperatures=[1.5, 2.5], n_per_temperature=70, cluster=cluster,
                  cluster_every=2, equilibration_sweeps=10)
    a, _ = ising.sample(seed=11, **kwargs)
    b, _ = ising.sample(seed=11, **kwargs)
    c, _ = ising.sample(seed=12, **kwargs)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_pack_unpack_round_trip():
    spins = np.where(np.random.default_rng(0).random((128, 25)) < 0.5, 1, -1).astype(np.int8)
    packed = ising._pack(spins)
    assert packed.shape == (25, 2) and packed.dtype == np.uint64
    np.testing.assert_array_equal(ising._unpack(packed), spins)


def test_colourings_are_proper():
    for L in (2, 3, 4, 5, 7, 10):
        colours, neighbours = ising._colours(L), ising._neighbours(L)
        assert (colours[:, None] != colours[neighbours]).all(), L


def test_progress_bar_is_opt_in(capsys):
    ising.sample(L=4, temperatures=2.0, n_per_temperature=64, seed=0, equilibration_sweeps=3)
    assert capsys.readouterr().out == ""
    ising.sample(L=4, temperatures=2.0, n_per_temperature=64, seed=0, equilibration_sweeps=3,
                 progress=True)
    assert "sweep" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, match", [
    (dict(L=1), "`L`.*integer >= 2"),
    (dict(L=0), "`L`"),
    (dict(L=4.0), "`L`"),
    (dict(L=True), "`L`"),
    (dict(temperatures=0.0), "finite temperatures > 0, got 0.0"),
    (dict(temperatures=[1.0, -2.0]), "got -2.0"),
    (dict(temperatures=[np.nan]), "got nan"),
    (dict(temperatures=np.inf), "got inf"),
    (dict(temperatures=[]), "non-empty 1-D"),
    (dict(temperatures=[[1.0, 2.0]]), "non-empty 1-D"),
    (dict(temperatures="hot"), "`temperatures`"),
    (dict(n_per_temperature=0), "`n_per_temperature`.*positive integer, got 0"),
    (dict(n_per_temperature=-3), "`n_per_temperature`"),
    (dict(n_per_temperature=2.5), "`n_per_temperature`"),
    (dict(chains=0), "`chains`"),
    (dict(seed=-1), "`seed`"),
    (dict(equilibration_sweeps=-1), "`equilibration_sweeps`"),
    (dict(decorrelation_sweeps=0), "`decorrelation_sweeps`"),
    (dict(cluster="metropolis"), "`cluster`.*'swendsen-wang'"),
    (dict(cluster_every=0), "`cluster_every`"),
])
def test_bad_input_raises_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ising.sample(**{"temperatures": 2.0, "n_per_temperature": 1, **kwargs})


# ------------------------------------------------------------------ observables


def test_observables_of_hand_made_configurations():
    up = np.ones((4, 4), np.int8)
    checkerboard = np.where(np.indices((4, 4)).sum(0) % 2 == 0, 1, -1).astype(np.int8)
    one_flipped = up.copy()
    one_flipped[1, 2] = -1
    np.testing.assert_allclose(ising.energy([up, checkerboard, one_flipped]), [-2, 2, -1.5])
    np.testing.assert_allclose(ising.magnetization([up, -up, checkerboard, one_flipped]),
                               [1, -1, 0, 14 / 16])
    # Two configurations at T = 2: <e> = 0, <e^2> = 4, <|m|> = <m^2> = 1/2, <m^4> = 1/2.
    obs = ising.observables([up, checkerboard, up, -up], [2.0, 2.0, 1.0, 1.0])
    np.testing.assert_array_equal(obs["temperature"], [1.0, 2.0])
    np.testing.assert_array_equal(obs["count"], [2, 2])
    np.testing.assert_allclose(obs["energy"], [-2, 0])
    np.testing.assert_allclose(obs["magnetization"], [0, 0.5])
    np.testing.assert_allclose(obs["abs_magnetization"], [1, 0.5])
    np.testing.assert_allclose(obs["specific_heat"], [0, 16 * 4 / 4])
    np.testing.assert_allclose(obs["susceptibility"], [0, 16 * (0.5 - 0.25) / 2])
    np.testing.assert_allclose(obs["binder"], [2 / 3, 1 - 0.5 / (3 * 0.25)])


def test_rectangular_energy_counts_each_bond_once():
    stripes = np.ones((2, 3), np.int8)
    stripes[1] = -1  # rows alternate: every vertical bond is broken, horizontal ones are not
    assert ising.energy(stripes) == pytest.approx((-6 + 6) / 6)


@pytest.mark.parametrize("spins, match", [
    (np.zeros((4, 4)), "only \\+1 and -1, got 0"),
    (np.full((3, 3), 2), "got 2"),
    (np.ones(5), "shape \\(..., L, L\\)"),
    (np.ones((5, 1)), "L >= 2"),
])
def test_observables_reject_bad_spins(spins, match):
    with pytest.raises(ValueError, match=match):
        ising.energy(spins)


def test_observables_reject_mismatched_temperatures():
    with pytest.raises(ValueError, match="one temperature per configuration"):
        ising.observables(np.ones((3, 4, 4)), [1.0, 2.0])
    with pytest.raises(ValueError, match="got 0.0"):
        ising.observables(np.ones((2, 4, 4)), [1.0, 0.0])


# ------------------------------------------------------------------ exact formulas in the package


def test_onsager_formulas():
    assert ising.CRITICAL_TEMPERATURE == pytest.approx(2.269185, abs=1e-6)
    assert ising.onsager_magnetization(2.0) == pytest.approx(0.9113, abs=1e-4)
    np.testing.assert_array_equal(ising.onsager_magnetization([2.3, 3.0, 100.0]), 0.0)
    assert ising.onsager_magnetization(0.1) == pytest.approx(1.0)
    assert ising.onsager_magnetization(TC * (1 - 1e-9)) < 0.2  # m ~ (Tc - T)^(1/8) -> 0
    for T in (0.8, 1.5, 2.0, 2.2, 2.4, 3.0, 5.0):
        assert ising.onsager_energy(T) == pytest.approx(onsager_energy_by_quadrature(T), abs=1e-7)
    assert ising.onsager_energy(ising.CRITICAL_TEMPERATURE) == pytest.approx(-np.sqrt(2))
    assert ising.onsager_energy(TC + 1e-9) == pytest.approx(-np.sqrt(2), abs=1e-6)
    assert ising.onsager_energy(0.05) == pytest.approx(-2.0)
    assert np.shape(ising.onsager_energy(np.ones((2, 3)))) == (2, 3)
    with pytest.raises(ValueError, match="got 0.0"):
        ising.onsager_energy(0.0)
    with pytest.raises(ValueError, match="got nan"):
        ising.onsager_magnetization([1.0, np.nan])


# ------------------------------------------------------------------ cache


SMALL = dict(L=6, temperatures=[1.5, 3.0], n_per_temperature=64, equilibration_sweeps=5,
             decorrelation_sweeps=1)


def test_dataset_is_cached_sample(tmp_path, monkeypatch):
    spins, T = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)
    path = ising.cache_path(seed=1, cache_dir=tmp_path, **SMALL)
    assert path.exists() and path.parent == tmp_path and path.suffix == ".npz"
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind
    expected = ising.sample(seed=1, **SMALL)
    np.testing.assert_array_equal(spins, expected[0])
    np.testing.assert_array_equal(T, expected[1])
    with np.load(path, allow_pickle=False) as f:  # nothing pickled
        assert f["spins"].dtype == np.int8 and '"seed": 1' in str(f["settings"])

    def no_sampling(*args, **kwargs):
        raise AssertionError("sampled although a valid cache exists")

    monkeypatch.setattr(ising, "sample", no_sampling)
    again, T_again = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)
    np.testing.assert_array_equal(again, spins)
    np.testing.assert_array_equal(T_again, T)


def test_every_generating_parameter_changes_the_cache_file(tmp_path):
    base = ising.cache_path(seed=0, cache_dir=tmp_path, **SMALL)
    changes = [dict(seed=1), dict(L=8), dict(temperatures=[1.5, 3.0001]),
               dict(n_per_temperature=65), dict(chains=128), dict(equilibration_sweeps=6),
               dict(decorrelation_sweeps=2), dict(cluster="wolff"), dict(cluster=None),
               dict(cluster_every=4)]
    paths = {ising.cache_path(cache_dir=tmp_path, **{**SMALL, "seed": 0, **c}) for c in changes}
    assert base not in paths and len(paths) == len(changes)


def test_cache_made_with_other_parameters_is_never_reused(tmp_path):
    ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)
    path1 = ising.cache_path(seed=1, cache_dir=tmp_path, **SMALL)
    path2 = ising.cache_path(seed=2, cache_dir=tmp_path, **SMALL)
    os.replace(path1, path2)  # a seed-1 file under the seed-2 name
    with pytest.warns(UserWarning, match="other parameters"):
        spins, _ = ising.dataset(seed=2, cache_dir=tmp_path, **SMALL)
    np.testing.assert_array_equal(spins, ising.sample(seed=2, **SMALL)[0])
    path2.write_bytes(b"not a zip file")
    with pytest.warns(UserWarning, match="unreadable"):
        again, _ = ising.dataset(seed=2, cache_dir=tmp_path, **SMALL)
    np.testing.assert_array_equal(again, spins)
    with np.load(path2, allow_pickle=False) as f:  # and the bad file was replaced
        np.testing.assert_array_equal(f["spins"], spins)


def test_dataset_needs_an_integer_seed_and_known_arguments(tmp_path):
    with pytest.raises(ValueError, match="`seed`.*got None"):
        ising.dataset(seed=None, cache_dir=tmp_path, **SMALL)
    with pytest.raises(TypeError, match="progress"):
        ising.cache_path(seed=0, progress=True)
    with pytest.raises(ValueError, match="`L`"):
        ising.cache_path(seed=0, L=1)


# ------------------------------------------------------------------ d2lite.check, notebook 10


from d2lite import check  # noqa: E402


def test_check_ising_labels_accepts_the_answer_and_names_mistakes():
    T = np.repeat(ising.LAB_TEMPERATURES, 3)
    right_y, right_mask = (T < TC).astype("float32"), np.abs(T - TC) > 0.1
    assert check.check_ising_labels(right_y, right_mask, T, gap=0.1).startswith("Correct")
    assert check.check_ising_labels(right_y[:, None] == 1, right_mask, T, gap=0.1)
    wrong = [
        ((T > TC), right_mask, "flipped"),
        ((T < 2.5), right_mask, "wrong at T = 2.286"),
        (right_y[:-1], right_mask, "one label per configuration"),
        (right_y * 2, right_mask, "0 \\(disordered\\) or 1"),
        (right_y, ~right_mask, "selects the temperatures near T_c"),
        (right_y, np.abs(T - TC) > 0.05, "keeps T = 2.214"),
        (right_y, np.abs(T - TC) > 0.5, "leaves out T = 1.786"),
        (right_y, right_mask.astype(int), "boolean array"),
    ]
    for y, mask, message in wrong:
        with pytest.raises(check.CheckFailed, match=message):
            check.check_ising_labels(y, mask, T, gap=0.1)


@pytest.mark.filterwarnings("ignore:You are using a softmax over axis:UserWarning")  # Keras agrees
def test_check_ising_model():
    import keras

    from d2lite import layers

    def build(*middle, out=None, shape=(10, 10)):
        out = keras.layers.Dense(1, activation="sigmoid") if out is None else out
        return keras.Sequential([keras.Input(shape), *middle, out])

    def seeded(make, seed=0):
        # Layers draw their initial weights' seeds when they are made: seed before that.
        keras.utils.set_random_seed(seed)
        return make()

    def gru():
        return keras.layers.RNN(layers.GRUCell(4))

    class Classifier(keras.Model):  # a subclassed model: `call` decides what comes out
        def __init__(self, activation="sigmoid", squash=False, reshape=False):
            super().__init__()
            self.rnn = keras.layers.RNN(layers.GRUCell(4))
            self.out = keras.layers.Dense(1, activation=activation)
            self.squash, self.reshape = squash, reshape

        def call(self, x):
            x = keras.ops.reshape(x, (-1, 100, 1)) if self.reshape else x
            y = self.out(self.rnn(x))
            return keras.ops.sigmoid(y) if self.squash else y

    def functional(squash):
        inputs = keras.Input((10, 10))
        y = keras.layers.Dense(1, activation=None if squash else "sigmoid")(gru()(inputs))
        return keras.Model(inputs, keras.ops.sigmoid(y) if squash else y)

    good = [
        lambda: build(gru()),
        lambda: build(keras.Sequential([gru()])),  # the recurrent layer in a nested model
        lambda: build(gru(), out=keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])),
        lambda: build(keras.layers.Bidirectional(keras.layers.GRU(4))),
        lambda: build(gru(), keras.layers.Dense(1), out=keras.layers.Activation("sigmoid")),
        lambda: Classifier(),
        lambda: Classifier(activation=None, squash=True),  # keras.ops.sigmoid in call
        lambda: functional(squash=False),
        lambda: functional(squash=True),
    ]
    for make in good:
        assert check.check_ising_model(seeded(make)).startswith("Correct")

    linear = "Dense 'logit' with activation 'linear', gives values that are not probabilities"
    wrong = [
        (lambda: build(keras.layers.Flatten(), keras.layers.Dense(4)), "no recurrent layer"),
        (lambda: build(gru(), out=keras.layers.Dense(1, name="logit")), linear),
        (lambda: build(gru(), out=keras.layers.Dense(2, activation="softmax")),
         "expected \\(2, 1\\)"),
        (lambda: build(gru(), out=keras.layers.Dense(1, activation="softmax")),
         "softmax over one output, which is always 1"),
        (lambda: build(gru(), out=keras.layers.Dense(1, activation="relu")),
         "with activation 'relu', gives values that are not probabilities"),
        (lambda: build(keras.layers.Reshape((100, 1)), keras.layers.GRU(4)), "shape \\(100, 1\\)"),
        (lambda: Classifier(reshape=True), r"reads 1 value\(s\) per time step; expected \(10, 10\)"),
        (lambda: build(shape=(100,)), "cannot take a batch"),
    ]
    for make, message in wrong:
        with pytest.raises(check.CheckFailed, match=message):
            check.check_ising_model(seeded(make))
    # A linear output is rejected whatever its weights: by its layer where the model says
    # which layer gives its output, and by its values (outside [0, 1]) where only `call` does.
    for seed in range(5):
        with pytest.raises(check.CheckFailed, match=linear):
            check.check_ising_model(seeded(lambda: build(gru(), out=keras.layers.Dense(
                1, name="logit")), seed))
        with pytest.raises(check.CheckFailed, match="returned \\[-?[0-9].*\\], which are not "
                                                    "probabilities"):
            check.check_ising_model(seeded(lambda: Classifier(activation=None), seed))


def test_check_ising_crossing():
    def interpolated(t, p):
        i = np.flatnonzero(p < 0.5)[0]
        return t[i - 1] + (p[i - 1] - 0.5) / (p[i - 1] - p[i]) * (t[i] - t[i - 1])

    assert check.check_ising_crossing(interpolated).startswith("Correct")
    with pytest.raises(check.CheckFailed, match="grid temperature"):
        check.check_ising_crossing(lambda t, p: t[np.flatnonzero(p < 0.5)[0]])
    with pytest.raises(check.CheckFailed, match="returned 0.5, expected 2.5"):
        check.check_ising_crossing(lambda t, p: 0.5)
    with pytest.raises(check.CheckFailed, match="raised IndexError"):
        check.check_ising_crossing(lambda t, p: t[99])
