"""d2lite.ising under bad and extreme input: clear errors, stable limits, a cache that never loses work.

* A campaign of bad arguments to every public function: each raises an error that
  names the argument and the value received (Keras's wording, `_validate.invalid`).
* Extreme but valid temperatures: the exact results are finite and tend to their
  limits (e -> -2, C -> 0 as T -> 0; e -> 0, C -> 0 as T -> ∞), checked against exact
  enumeration in 60-digit arithmetic; the sampler gives the ground state as T -> 0
  and independent spins as T -> ∞.
* The cache: headers are checked before anything is read, a damaged or foreign file
  is resampled and overwritten, and a cache that cannot be written costs a warning,
  never the samples.

Every `sample` call is seeded; hypothesis runs derandomized, so the file is deterministic.
"""

import contextlib
import decimal
import errno
import functools
import hashlib
import io
import math
import os
import pathlib
import re
import zipfile
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from d2lite import _validate, ising

TC = 2.0 / np.log(1.0 + np.sqrt(2.0))
OK = dict(temperatures=2.0, n_per_temperature=1, equilibration_sweeps=0, decorrelation_sweeps=1,
          seed=0)
SMALL = dict(L=6, temperatures=[1.5, 3.0], n_per_temperature=64, equilibration_sweeps=5,
             decorrelation_sweeps=1)
UP = np.ones((2, 4, 4), np.int8)


# ------------------------------------------------------------------ the campaign


def _sample(**kwargs):
    return lambda: ising.sample(**{**OK, **kwargs})


def _dataset(tmp_path, **kwargs):
    return lambda: ising.dataset(**{**OK, "cache_dir": tmp_path, **kwargs})


# (call, exception, regex naming the argument and the value). `{tmp}` calls get tmp_path.
CAMPAIGN = [
    # sample: L
    ("sample L=1", _sample(L=1), ValueError, r"`L`, expected an integer >= 2, got 1\."),
    ("sample L=0", _sample(L=0), ValueError, r"`L`.*got 0\."),
    ("sample L=4.0", _sample(L=4.0), ValueError, r"`L`.*got 4\.0\."),
    ("sample L=True", _sample(L=True), ValueError, r"`L`.*got True\."),
    ("sample L='10'", _sample(L="10"), ValueError, r"`L`.*got '10'\."),
    ("sample L=None", _sample(L=None), ValueError, r"`L`.*got None\."),
    ("sample L=huge", _sample(L=10**6), ValueError,
     r"`L`, `temperatures` and `chains`.*2\*\*24.*got 1 \* 64 \* 1000000\*\*2"),
    # sample: temperatures
    ("sample T=0", _sample(temperatures=0.0), ValueError, r"`temperatures`.*> 0, got 0\.0\."),
    ("sample T=-1", _sample(temperatures=[1.0, -1]), ValueError, r"`temperatures`.*got -1\.0\."),
    ("sample T=nan", _sample(temperatures=[np.nan]), ValueError, r"`temperatures`.*got nan\."),
    ("sample T=inf", _sample(temperatures=np.inf), ValueError, r"`temperatures`.*got inf\."),
    ("sample T=[]", _sample(temperatures=[]), ValueError, r"`temperatures`.*non-empty 1-D.*got \[\]\."),
    ("sample T=2-D", _sample(temperatures=[[1.0, 2.0]]), ValueError, r"`temperatures`.*got \[\[1\.0, 2\.0\]\]"),
    ("sample T='2.5'", _sample(temperatures="2.5"), ValueError, r"`temperatures`.*got '2\.5'\."),
    ("sample T=strings", _sample(temperatures=["1", "2"]), ValueError, r"`temperatures`.*dtype <U1"),
    ("sample T=True", _sample(temperatures=True), ValueError, r"`temperatures`.*got True\."),
    ("sample T=[True, 2]", _sample(temperatures=[True, 2.0]), ValueError, r"`temperatures`.*holding a bool"),
    ("sample T=complex", _sample(temperatures=1 + 0j), ValueError, r"`temperatures`.*got \(1\+0j\)"),
    ("sample T=None", _sample(temperatures=None), ValueError, r"`temperatures`.*got None\."),
    ("sample T=ragged", _sample(temperatures=[1, [2, 3]]), ValueError, r"`temperatures`.*got \[1, \[2, 3\]\]"),
    ("sample T=10**400", _sample(temperatures=10**400), ValueError, r"`temperatures`.*too large for float64"),
    ("sample T=[Fraction, None]", _sample(temperatures=[Fraction(3, 2), None]), ValueError,
     r"`temperatures`.*got None\."),
    # sample: counts and sweeps
    ("sample n=0", _sample(n_per_temperature=0), ValueError, r"`n_per_temperature`.*positive integer, got 0\."),
    ("sample n=2.5", _sample(n_per_temperature=2.5), ValueError, r"`n_per_temperature`.*got 2\.5\."),
    ("sample n=True", _sample(n_per_temperature=True), ValueError, r"`n_per_temperature`.*got True\."),
    ("sample n=huge", _sample(n_per_temperature=10**12), ValueError,
     r"`L`, `temperatures` and `n_per_temperature`.*2\*\*30.*got 1 \* 1000000000000 \* 10\*\*2"),
    ("sample chains=0", _sample(chains=0), ValueError, r"`chains`.*got 0\."),
    ("sample chains=64.0", _sample(chains=64.0), ValueError, r"`chains`.*got 64\.0\."),
    ("sample chains=False", _sample(chains=False), ValueError, r"`chains`.*got False\."),
    ("sample chains=huge", _sample(chains=10**9), ValueError, r"`chains`.*got 1 \* 1000000000 \* 10\*\*2"),
    ("sample eq=-1", _sample(equilibration_sweeps=-1), ValueError,
     r"`equilibration_sweeps`.*non-negative integer, got -1\."),
    ("sample eq=None", _sample(equilibration_sweeps=None), ValueError, r"`equilibration_sweeps`.*got None"),
    ("sample eq=huge", _sample(equilibration_sweeps=10**15), ValueError,
     r"`equilibration_sweeps`.*2\*\*45 spin updates.*got 1000000000000001 sweeps"),
    ("sample dec=0", _sample(decorrelation_sweeps=0), ValueError, r"`decorrelation_sweeps`.*got 0\."),
    ("sample dec=2.0", _sample(decorrelation_sweeps=2.0), ValueError, r"`decorrelation_sweeps`.*got 2\.0"),
    ("sample dec=huge", _sample(decorrelation_sweeps=10**15), ValueError,
     r"`decorrelation_sweeps`.*got 1000000000000000 sweeps"),
    ("sample every=0", _sample(cluster_every=0), ValueError, r"`cluster_every`.*got 0\."),
    ("sample every=1.5", _sample(cluster_every=1.5), ValueError, r"`cluster_every`.*got 1\.5\."),
    # sample: seed, cluster, progress
    ("sample seed=-1", _sample(seed=-1), ValueError, r"`seed`.*non-negative integer, got -1\."),
    ("sample seed=1.5", _sample(seed=1.5), ValueError, r"`seed`.*got 1\.5\."),
    ("sample seed=True", _sample(seed=True), ValueError, r"`seed`.*got True\."),
    ("sample seed='0'", _sample(seed="0"), ValueError, r"`seed`.*got '0'\."),
    ("sample seed=[1, 2]", _sample(seed=[1, 2]), ValueError, r"`seed`.*got \[1, 2\]\."),
    ("sample seed=Generator", _sample(seed=np.random.default_rng(0)), ValueError, r"`seed`.*got Generator"),
    ("sample cluster='Wolff'", _sample(cluster="Wolff"), ValueError, r"`cluster`.*'wolff'.*got 'Wolff'\."),
    ("sample cluster=True", _sample(cluster=True), ValueError, r"`cluster`.*got True\."),
    ("sample cluster=array", _sample(cluster=np.array("wolff")), ValueError, r"`cluster`.*got array\('wolff'"),
    ("sample cluster=[...]", _sample(cluster=["wolff"]), ValueError, r"`cluster`.*got \['wolff'\]\."),
    ("sample progress='yes'", _sample(progress="yes"), ValueError, r"`progress`.*True or False, got 'yes'\."),
    ("sample progress=1", _sample(progress=1), ValueError, r"`progress`.*got 1\."),
    # dataset and cache_path
    ("dataset seed=None", "{tmp}dataset", dict(seed=None), ValueError,
     r"`seed`.*reproducible\), got None\."),
    ("dataset cache_dir=''", "{tmp}dataset", dict(cache_dir=""), ValueError, r"`cache_dir`.*got ''\."),
    ("dataset cache_dir=1.5", "{tmp}dataset", dict(cache_dir=1.5), ValueError, r"`cache_dir`.*got 1\.5\."),
    ("dataset cache_dir=bytes", "{tmp}dataset", dict(cache_dir=b"/tmp"), ValueError,
     r"`cache_dir`.*got b'/tmp'\."),
    ("dataset progress=None", "{tmp}dataset", dict(progress=None), ValueError, r"`progress`.*got None\."),
    ("dataset L=1", "{tmp}dataset", dict(L=1), ValueError, r"`L`.*got 1\."),
    ("cache_path cache_dir=NUL", lambda: ising.cache_path("a\0b", seed=0), ValueError,
     r"`cache_dir`.*got 'a\\x00b'\."),
    ("cache_path cache_dir=123", lambda: ising.cache_path(123, seed=0), ValueError,
     r"`cache_dir`.*got 123\."),
    ("cache_path progress", lambda: ising.cache_path(seed=0, progress=True), TypeError,
     r"Unexpected arguments \['progress'\]"),
    ("cache_path unknown", lambda: ising.cache_path(seed=0, sweeps=3), TypeError,
     r"Unexpected arguments \['sweeps'\]"),
    ("cache_path seed=-2", lambda: ising.cache_path(seed=-2), ValueError, r"`seed`.*got -2\."),
    ("cache_path T=0", lambda: ising.cache_path(seed=0, temperatures=[0.0]), ValueError,
     r"`temperatures`.*got 0\.0\."),
    # energy and magnetization
    ("energy zeros", lambda: ising.energy(np.zeros((4, 4))), ValueError,
     r"`spins`, expected only \+1 and -1, got 0\.0\."),
    ("energy 2", lambda: ising.energy(np.full((3, 3), 2)), ValueError, r"`spins`.*got 2\."),
    ("energy nan", lambda: ising.energy(np.full((2, 2), np.nan)), ValueError, r"`spins`.*got nan\."),
    ("energy 255 uint8", lambda: ising.energy(np.array([[1, 255], [1, 1]], np.uint8)), ValueError,
     r"`spins`.*got 255\."),
    ("energy 1-D", lambda: ising.energy(np.ones(5)), ValueError, r"`spins`.*got shape \(5,\)\."),
    ("energy L=1", lambda: ising.energy(np.ones((5, 1))), ValueError, r"`spins`.*L >= 2, got shape \(5, 1\)"),
    ("energy scalar", lambda: ising.energy(1), ValueError, r"`spins`.*got shape \(\)\."),
    ("energy bool array", lambda: ising.energy(np.ones((4, 4), bool)), ValueError,
     r"`spins`.*not booleans.*got a boolean array of shape \(4, 4\)\."),
    ("energy bool list", lambda: ising.energy([[1, True], [1, 1]]), ValueError,
     r"`spins`.*got a sequence holding a bool\."),
    ("energy complex", lambda: ising.energy(np.ones((4, 4), complex)), ValueError,
     r"`spins`.*got an array of dtype complex128\."),
    ("energy strings", lambda: ising.energy(np.array([["1", "1"], ["1", "1"]])), ValueError,
     r"`spins`.*dtype <U1"),
    ("energy None inside", lambda: ising.energy(np.array([[1, 1], [1, None]], dtype=object)),
     ValueError, r"`spins`.*got None\."),
    ("energy ragged", lambda: ising.energy([[1, 1], [1]]), ValueError, r"`spins`.*got \[\[1, 1\], \[1\]\]"),
    ("magnetization 'up'", lambda: ising.magnetization("up"), ValueError, r"`spins`.*got 'up'\."),
    ("magnetization None", lambda: ising.magnetization(None), ValueError, r"`spins`.*got None\."),
    ("magnetization inf", lambda: ising.magnetization(np.full((2, 2), np.inf)), ValueError,
     r"`spins`.*got inf\."),
    ("magnetization bool", lambda: ising.magnetization(np.ones((2, 3, 3), bool)), ValueError,
     r"`spins`.*boolean array of shape \(2, 3, 3\)"),
    # observables
    ("observables 2-D", lambda: ising.observables(np.ones((4, 4)), 1.0), ValueError,
     r"`spins`.*\(n, L, L\).*got shape \(4, 4\)\."),
    ("observables 4-D", lambda: ising.observables(np.ones((2, 2, 4, 4)), [1.0, 1.0]), ValueError,
     r"`spins`.*got shape \(2, 2, 4, 4\)\."),
    ("observables empty", lambda: ising.observables(np.ones((0, 4, 4)), []), ValueError,
     r"`spins`.*n >= 1, got shape \(0, 4, 4\)\."),
    ("observables length", lambda: ising.observables(UP, [1.0]), ValueError,
     r"`temperatures`.*one temperature per configuration.*got 1 temperatures"),
    ("observables T=0", lambda: ising.observables(UP, [1.0, 0.0]), ValueError,
     r"`temperatures`.*got 0\.0\."),
    ("observables T bool", lambda: ising.observables(UP, [True, True]), ValueError,
     r"`temperatures`.*got a boolean array of shape \(2,\)\."),
    ("observables T None", lambda: ising.observables(UP, None), ValueError, r"`temperatures`.*got None"),
    ("observables bad spin", lambda: ising.observables(np.zeros((2, 4, 4)), [1, 1]), ValueError,
     r"`spins`.*got 0\.0\."),
    # exact results
    ("onsager_energy 0", lambda: ising.onsager_energy(0.0), ValueError, r"`T`.*> 0, got 0\.0\."),
    ("onsager_energy -1", lambda: ising.onsager_energy(np.array([[0.5, -1.0]])), ValueError,
     r"`T`.*got -1\.0\."),
    ("onsager_energy nan", lambda: ising.onsager_energy([1.0, np.nan]), ValueError, r"`T`.*got nan\."),
    ("onsager_energy []", lambda: ising.onsager_energy([]), ValueError, r"`T`.*non-empty.*got \[\]\."),
    ("onsager_energy '2.0'", lambda: ising.onsager_energy("2.0"), ValueError, r"`T`.*got '2\.0'\."),
    ("onsager_energy True", lambda: ising.onsager_energy(True), ValueError, r"`T`.*got True\."),
    ("onsager_magnetization inf", lambda: ising.onsager_magnetization(np.inf), ValueError,
     r"`T`.*got inf\."),
    ("onsager_magnetization 1j", lambda: ising.onsager_magnetization(1j), ValueError, r"`T`.*got 1j\."),
    ("onsager_magnetization None", lambda: ising.onsager_magnetization(None), ValueError,
     r"`T`.*got None\."),
    ("onsager_magnetization {}", lambda: ising.onsager_magnetization({}), ValueError, r"`T`.*got \{\}\."),
    ("kaufman_energy L=1", lambda: ising.kaufman_energy(2.0, 1), ValueError, r"`L`.*>= 2, got 1\."),
    ("kaufman_energy L=2.0", lambda: ising.kaufman_energy(2.0, 2.0), ValueError, r"`L`.*got 2\.0\."),
    ("kaufman_energy L=True", lambda: ising.kaufman_energy(2.0, True), ValueError, r"`L`.*got True\."),
    ("kaufman_energy L huge", lambda: ising.kaufman_energy(2.0, 10**6), ValueError,
     r"`L`.*2\*\*16.*got 1000000\."),
    ("kaufman_energy T=-1", lambda: ising.kaufman_energy(-1.0, 10), ValueError, r"`T`.*got -1\.0\."),
    ("kaufman_energy T=[]", lambda: ising.kaufman_energy([], 10), ValueError, r"`T`.*got \[\]\."),
    ("kaufman_energy T='2'", lambda: ising.kaufman_energy("2", 10), ValueError, r"`T`.*got '2'\."),
    ("kaufman_specific_heat L=None", lambda: ising.kaufman_specific_heat(2.0, None), ValueError,
     r"`L`.*got None\."),
    ("kaufman_specific_heat L='10'", lambda: ising.kaufman_specific_heat(2.0, "10"), ValueError,
     r"`L`.*got '10'\."),
    ("kaufman_specific_heat T=inf", lambda: ising.kaufman_specific_heat([2.0, np.inf], 10),
     ValueError, r"`T`.*got inf\."),
    ("kaufman_specific_heat T=True", lambda: ising.kaufman_specific_heat(True, 10), ValueError,
     r"`T`.*got True\."),
    ("kaufman_specific_heat work", lambda: ising.kaufman_specific_heat(np.ones(10**5), 4096),
     ValueError, r"`T` and `L`.*2\*\*27.*got 100000 \* 4096 = 409600000\."),
]


def _campaign_params():
    params = []
    for case in CAMPAIGN:
        if isinstance(case[1], str):  # ("id", "{tmp}dataset", kwargs, exception, regex)
            label, _, kwargs, exception, regex = case
            params.append(pytest.param(kwargs, exception, regex, id=label))
        else:
            label, call, exception, regex = case
            params.append(pytest.param(call, exception, regex, id=label))
    return params


@pytest.mark.parametrize("call, exception, regex", _campaign_params())
def test_bad_input_gives_a_clear_error(call, exception, regex, tmp_path, monkeypatch):
    def no_sampling(*args, **kwargs):
        raise AssertionError("sampled before the arguments were checked")

    if isinstance(call, dict):
        call = _dataset(tmp_path, **call)
        monkeypatch.setattr(ising, "sample", no_sampling)
    with pytest.raises(exception, match=regex):
        call()
    assert os.listdir(tmp_path) == []  # nothing written


def test_campaign_covers_every_public_function():
    assert len(CAMPAIGN) >= 60
    tried = {case[0].split()[0] for case in CAMPAIGN}
    functions = {name for name in ising.__all__ if callable(getattr(ising, name))}
    assert tried == functions, functions ^ tried


def test_constants_are_read_only():
    with pytest.raises(ValueError, match="read-only"):
        ising.LAB_TEMPERATURES[0] = 5.0
    assert ising.LAB_TEMPERATURES[0] == 1.0 and len(ising.LAB_TEMPERATURES) == 36


def test_valid_unusual_inputs_are_accepted():
    # Numbers of any numpy type, Fractions, 0-d arrays, float spins and an empty batch.
    spins, T = ising.sample(L=np.int64(4), temperatures=[Fraction(3, 2), np.float32(2.5)],
                            n_per_temperature=np.uint8(3), seed=np.uint64(5), chains=1,
                            equilibration_sweeps=0, decorrelation_sweeps=1, cluster="wolff")
    assert spins.shape == (6, 4, 4) and T.tolist() == [1.5, 1.5, 1.5, 2.5, 2.5, 2.5]
    assert ising.energy(np.ones((0, 4, 4))).shape == (0,)
    assert ising.energy(np.array([[1.0, -1.0], [-1.0, 1.0]])) == 2.0
    assert ising.energy(np.array([[1, 1], [1, Fraction(1)]], dtype=object)) == -2.0
    assert ising.onsager_energy(np.array(2.0)) == pytest.approx(-1.7456, abs=1e-4)


# ------------------------------------------------------------------ exact results at the extremes


@functools.cache
def _levels(L):
    """(energy, number of configurations) of every level of the periodic L×L lattice."""
    N = L * L
    codes = np.arange(2**N, dtype=np.int64)
    s = (((codes[:, None] >> np.arange(N)) & 1) * 2 - 1).astype(np.int8).reshape(-1, L, L)
    E = -(s * (np.roll(s, -1, axis=2) + np.roll(s, -1, axis=1))).sum(axis=(1, 2))
    values, counts = np.unique(E, return_counts=True)
    return tuple(zip(values.tolist(), counts.tolist()))


def _exact_energy_and_heat(T, L):
    """<e> and C by exact enumeration, in 60-digit decimal arithmetic (exact for any T)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        K = 1 / decimal.Decimal(T)
        levels = _levels(L)
        ground = min(E for E, _ in levels)
        weights = [(E, count * (-K * (E - ground)).exp()) for E, count in levels]
        Z = sum(w for _, w in weights)
        mean = sum(E * w for E, w in weights) / Z
        variance = sum((E - mean) ** 2 * w for E, w in weights) / Z
        return float(mean / (L * L)), float(K * K * variance / (L * L))


EXTREME_T = [1e-3, 0.05, 0.2, 0.3, 1.0, TC, 3.0, 1e2, 1e3, 1e5, 1e6, 1e12, 1e40]


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no overflow on the way
@pytest.mark.parametrize("L", [2, 3, 4])
def test_kaufman_at_extreme_temperatures_matches_exact_enumeration(L):
    e = ising.kaufman_energy(EXTREME_T, L)
    C = ising.kaufman_specific_heat(EXTREME_T, L)
    assert np.all(np.isfinite(e)) and np.all(np.isfinite(C))
    for T, e_T, C_T in zip(EXTREME_T, e, C):
        e_exact, C_exact = _exact_energy_and_heat(T, L)
        assert e_T == pytest.approx(e_exact, rel=1e-12, abs=1e-15), T
        # C is exact to ~1e-14 absolute (1e-6 relative in the low-T expansion, T <= 0.29)
        assert C_T == pytest.approx(C_exact, rel=1e-5, abs=1e-13), T


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no overflow on the way
def test_exact_results_tend_to_their_limits():
    # The NaNs: now the limits, for the infinite and the finite lattice.
    assert ising.onsager_energy(0.001) == -2.0
    assert ising.onsager_magnetization(0.001) == 1.0
    assert ising.onsager_magnetization(5e-324) == 1.0  # 1/T overflows to inf
    assert ising.onsager_energy(5e-324) == -2.0
    assert ising.kaufman_energy(1e5, 10) == pytest.approx(-2e-5, rel=1e-4)  # -2 tanh K + O(K^3)
    assert ising.kaufman_specific_heat(1e3, 10) == pytest.approx(2e-6, rel=1e-4)  # ~ 2 / T^2
    for L in (2, 10, 64):
        assert ising.kaufman_energy(1e-3, L) == -2.0 and ising.kaufman_specific_heat(1e-3, L) == 0.0
        assert ising.kaufman_energy(5e-324, L) == -2.0
        assert ising.kaufman_specific_heat(5e-324, L) == 0.0
        for T in (1e6, 1e100, 1e300):
            e, C = ising.kaufman_energy(T, L), ising.kaufman_specific_heat(T, L)
            assert -8 / T <= e < 0 and 0 <= C <= 8 / T / T, (L, T)
    assert ising.kaufman_energy(1e300, 2) == pytest.approx(-4e-300)  # doubled bonds of the 2×2
    for T in (1e5, 1e100, 1.7e308):
        assert ising.onsager_energy(T) == pytest.approx(-2 / T, rel=1e-9)
    # Kaufman's large lattice still tends to Onsager's, at the extremes too.
    np.testing.assert_allclose(ising.kaufman_energy([0.05, 0.5, 50.0, 1e5], 128),
                               ising.onsager_energy([0.05, 0.5, 50.0, 1e5]), rtol=1e-9)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.floats(-3, 6), st.integers(2, 64))
def test_kaufman_is_finite_and_bounded(log_T, L):
    T = 10.0**log_T
    e, C = ising.kaufman_energy(T, L), ising.kaufman_specific_heat(T, L)
    assert np.isfinite(e) and -2.0 <= e <= 0.0
    assert np.isfinite(C) and C >= 0.0


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.floats(-3, 6), st.floats(1e-6, 1.0), st.integers(2, 40))
def test_exact_energies_increase_with_temperature(log_T, step, L):
    T1, T2 = 10.0**log_T, 10.0 ** (log_T + step)
    assert ising.onsager_energy(T1) <= ising.onsager_energy(T2) + 1e-15
    assert ising.kaufman_energy(T1, L) <= ising.kaufman_energy(T2, L) + 1e-13
    assert ising.onsager_magnetization(T1) >= ising.onsager_magnetization(T2)
    assert -2.0 <= ising.onsager_energy(T1) <= 0.0 and 0.0 <= ising.onsager_magnetization(T1) <= 1.0


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_float_temperature_is_a_result_or_a_clear_error(T):
    try:
        u, m = ising.onsager_energy(T), ising.onsager_magnetization(T)
    except ValueError as err:
        assert not (np.isfinite(T) and T > 0)
        assert "`T`" in str(err) and "got" in str(err)
    else:
        assert np.isfinite(T) and T > 0
        assert -2.0 <= u <= 0.0 and 0.0 <= m <= 1.0


# ------------------------------------------------------------------ the sampler at the extremes


def _mean_abs_m_of_independent_spins(N):
    """E|m| for N independent ±1 spins: E|2k - N| / N with k ~ Binomial(N, 1/2).

    For large N, m is nearly normal with variance 1/N, so E|m| -> sqrt(2 / (pi N)).
    """
    return sum(math.comb(N, k) * abs(2 * k - N) for k in range(N + 1)) / 2**N / N


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no overflow on the way
@pytest.mark.parametrize("cluster", [None, "swendsen-wang", "wolff"])
def test_sample_near_zero_temperature_is_the_ground_state(cluster):
    # Chains start aligned; no Metropolis flip is accepted, a cluster is the whole lattice.
    spins, _ = ising.sample(L=8, temperatures=[1e-3, 1e-300, 6e-309, 5e-324], n_per_temperature=64,
                            seed=21, equilibration_sweeps=10, decorrelation_sweeps=1,
                            cluster=cluster, cluster_every=1)
    np.testing.assert_array_equal(ising.energy(spins), -2.0)
    np.testing.assert_array_equal(np.abs(ising.magnetization(spins)), 1.0)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no overflow on the way
@pytest.mark.parametrize("T", [1e5, 1e9, 1e300])
@pytest.mark.parametrize("cluster", [None, "swendsen-wang"])
def test_sample_near_infinite_temperature_has_independent_spins(T, cluster):
    # Metropolis alone: at 1e5 the old sampler flipped every spin every sweep (<|m|> = 0.99);
    # at 1e9 an acceptance probability of 1 was encoded as 0 (no spin ever flipped).
    L, n = 8, 2048
    N = L * L
    spins, _ = ising.sample(L=L, temperatures=T, n_per_temperature=n, seed=22, chains=256,
                            equilibration_sweeps=5, decorrelation_sweeps=1, cluster=cluster)
    abs_m, e = np.abs(ising.magnetization(spins)), ising.energy(spins)
    expected = _mean_abs_m_of_independent_spins(N)
    assert expected == pytest.approx(np.sqrt(2 / (np.pi * N)), rel=0.01)
    assert np.sqrt(2 / (np.pi * N)) / 3 < abs_m.mean() < 3 * np.sqrt(2 / (np.pi * N))
    # within 5 standard errors of the exact values: Var|m| = 1/N - E|m|^2, Var e = 2/N
    assert abs(abs_m.mean() - expected) < 5 * np.sqrt((1 / N - expected**2) / n)
    assert abs(e.mean()) < 5 * np.sqrt(2 / N / n)
    assert abs(np.mean(ising.magnetization(spins) ** 2) - 1 / N) < 5 * np.sqrt(2 / N**2 / n)


def _enumeration_moments(L, T):
    """Exact <e>, <|m|>, <m^2> and their variances, by enumeration (float64, T >= 1)."""
    N = L * L
    codes = np.arange(2**N, dtype=np.int64)
    s = (((codes[:, None] >> np.arange(N)) & 1) * 2 - 1).astype(np.int8).reshape(-1, L, L)
    e = -(s * (np.roll(s, -1, axis=2) + np.roll(s, -1, axis=1))).sum(axis=(1, 2)) / N
    m = s.mean(axis=(1, 2))
    w = np.exp(-(e - e.min()) * N / T)
    w /= w.sum()
    out = {}
    for key, q in {"e": e, "abs_m": np.abs(m), "m2": m**2}.items():
        mean = float(w @ q)
        out[key] = (mean, float(w @ q**2) - mean**2)
    return out


@pytest.mark.parametrize("L, cluster", [(4, None), (3, None), (4, "wolff")])
def test_hot_proposals_keep_the_exact_distribution(L, cluster):
    # Above T = 8 / ln 2 each flip is proposed with probability 1/2; the chain must still
    # sample exp(-E/T), here against exact enumeration at 20 (just hot), 1e3 and 1e9 (p = 1).
    temperatures = [5.0, 20.0, 1e3, 1e9]
    n = 4096
    spins, T = ising.sample(L=L, temperatures=temperatures, n_per_temperature=n, seed=23,
                            chains=512, equilibration_sweeps=20, decorrelation_sweeps=3,
                            cluster=cluster, cluster_every=2)
    e, m = ising.energy(spins), ising.magnetization(spins)
    sampled = {"e": e, "abs_m": np.abs(m), "m2": m**2}
    for temperature in temperatures:
        at = T == temperature
        for key, (mean, var) in _enumeration_moments(L, temperature).items():
            assert abs(sampled[key][at].mean() - mean) < 5 * np.sqrt(var / n) + 1e-12, (temperature, key)


def test_acceptance_thresholds_encode_probability_one_and_zero():
    # p rounds to q / 2**24; the test is u <= q - 1 (carry set) for q >= 1, never for q = 0.
    p = np.array([0.0, 1e-9, 0.5, 1 - 1e-9, 1.0, 2.0**-24])
    digits, carry = ising._bit_masks(p)
    weights = 2 ** np.arange(ising._BITS - 1, -1, -1, dtype=np.int64)
    threshold = (digits == ising._ALL_ONES).astype(np.int64).T @ weights
    assert threshold.tolist() == [0, 0, 2**23 - 1, 2**24 - 1, 2**24 - 1, 0]
    assert (carry == ising._ALL_ONES).tolist() == [False, False, True, True, True, True]


def test_samples_change_only_with_the_algorithm_version():
    # If this fails, `sample` gives other samples for the same arguments: bump
    # ising._ALGORITHM_VERSION (so that no old cache is reused) and update the digest.
    spins, _ = ising.sample(L=6, temperatures=[1.5, 3.0, 20.0], n_per_temperature=70, seed=24,
                            equilibration_sweeps=4, decorrelation_sweeps=2, cluster_every=2)
    digest = hashlib.sha256(spins.tobytes()).hexdigest()[:16]
    assert (ising._ALGORITHM_VERSION, digest) == ("msc-checkerboard-24bit+csgraph-clusters/2",
                                                  "b5aa961b881ee09b")


@settings(derandomize=True, max_examples=25, deadline=None)
@given(st.integers(2, 5), st.floats(-3, 9), st.integers(0, 2**32), st.sampled_from(
    [None, "swendsen-wang", "wolff"]))
def test_sample_gives_valid_lattices_at_any_temperature(L, log_T, seed, cluster):
    spins, T = ising.sample(L=L, temperatures=[10.0**log_T], n_per_temperature=3, seed=seed,
                            chains=1, equilibration_sweeps=2, decorrelation_sweeps=1,
                            cluster=cluster, cluster_every=1)
    assert spins.shape == (3, L, L) and spins.dtype == np.int8
    assert set(np.unique(spins)) <= {-1, 1} and np.all(T == 10.0**log_T)


# ------------------------------------------------------------------ observables at the edges


def test_observables_variances_are_never_negative_and_binder_nan_is_announced():
    checkerboard = np.where(np.indices((4, 4)).sum(0) % 2 == 0, 1, -1).astype(np.int8)
    with pytest.warns(UserWarning, match=r"Binder cumulant is undefined.*T = \[2\.0\]"):
        obs = ising.observables([checkerboard] * 3 + [np.ones((4, 4))], [2.0, 2.0, 2.0, 1e-200])
    assert obs["specific_heat"].tolist() == [0.0, 0.0]  # no 0/0 at T = 1e-200
    assert obs["susceptibility"].tolist() == [0.0, 0.0]
    assert np.isnan(obs["binder"][1]) and obs["binder"][0] == pytest.approx(2 / 3)


@pytest.mark.filterwarnings("ignore:The Binder cumulant is undefined")  # all m = 0 happens
@settings(derandomize=True, max_examples=50, deadline=None)
@given(st.integers(2, 8), st.integers(1, 20), st.integers(0, 2**32))
def test_observables_of_random_lattices_are_in_range(L, n, seed):
    rng = np.random.default_rng(seed)
    spins = np.where(rng.random((n, L, L)) < 0.5, 1, -1).astype(np.int8)
    e, m = ising.energy(spins), ising.magnetization(spins)
    assert np.all((-2 <= e) & (e <= 2)) and np.all((-1 <= m) & (m <= 1))
    np.testing.assert_array_equal(ising.energy(-spins), e)
    obs = ising.observables(spins, np.full(n, 2.0))
    assert obs["specific_heat"][0] >= 0 and obs["susceptibility"][0] >= 0


# ------------------------------------------------------------------ the cache


def _write_npz(path, arrays, headers=None):
    """An .npz of `arrays`, with the .npy headers of `headers` {name: dict} where given."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w") as f:
                header = np.lib.format.header_data_from_array_1_0(array)
                header.update((headers or {}).get(name, {}))
                np.lib.format.write_array_header_1_0(f, header)
                f.write(np.ascontiguousarray(array).tobytes())


def _cache(tmp_path, seed=1):
    return ising.cache_path(seed=seed, cache_dir=tmp_path, **SMALL)


def _valid_arrays(seed=1):
    spins, T = ising.sample(seed=seed, **SMALL)
    settings_text = ising._cache_key(ising._dataset_settings(dict(SMALL, seed=seed)))[0]
    return {"spins": spins, "temperatures": T, "settings": np.array(settings_text)}


def _no_sampling(*args, **kwargs):
    raise AssertionError("sampled although a valid cache exists")


def test_header_claiming_a_huge_array_is_never_read(tmp_path, monkeypatch):
    path = _cache(tmp_path)
    arrays = _valid_arrays()
    _write_npz(path, arrays, {"spins": {"shape": (10**12, 6, 6)}})
    real_load = np.load

    def no_load(*args, **kwargs):
        raise AssertionError("np.load called on a file whose header does not match")

    monkeypatch.setattr(np, "load", no_load)
    with pytest.warns(UserWarning, match=r"unreadable: ValueError: spins\.npy holds \d+ bytes of data, "
                                         r"not an array of shape \(1000000000000, 6, 6\).*; "
                                         r"sampling again and overwriting it\."):
        spins, _ = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)
    monkeypatch.setattr(np, "load", real_load)
    np.testing.assert_array_equal(spins, arrays["spins"])
    monkeypatch.setattr(ising, "sample", _no_sampling)
    again, _ = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)  # the file was replaced
    np.testing.assert_array_equal(again, spins)


@pytest.mark.parametrize("damage", ["float spins", "pickled object", "truncated", "extra member",
                                    "missing member", "zeros", "other temperatures", "fortran huge",
                                    "version 3"])
def test_damaged_cache_is_resampled_and_overwritten(tmp_path, monkeypatch, damage):
    path = _cache(tmp_path)
    arrays = _valid_arrays()
    if damage == "float spins":
        _write_npz(path, {**arrays, "spins": arrays["spins"].astype(np.float64)})
    elif damage == "pickled object":
        with zipfile.ZipFile(path, "w") as archive, archive.open("spins.npy", "w") as f:
            np.lib.format.write_array(f, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    elif damage == "truncated":
        _write_npz(path, arrays)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "extra member":
        _write_npz(path, {**arrays, "more": np.zeros(3)})
    elif damage == "missing member":
        _write_npz(path, {k: v for k, v in arrays.items() if k != "temperatures"})
    elif damage == "zeros":
        _write_npz(path, {**arrays, "spins": np.zeros_like(arrays["spins"])})
    elif damage == "other temperatures":
        _write_npz(path, {**arrays, "temperatures": arrays["temperatures"] + 1})
    elif damage == "fortran huge":
        _write_npz(path, arrays, {"temperatures": {"shape": (2**62,), "fortran_order": True}})
    elif damage == "version 3":
        _write_npz(path, arrays)
        data = bytearray(path.read_bytes())
        magic = data.find(b"\x93NUMPY\x01\x00")
        data[magic + 6] = 3
        path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match=r"Ignoring Ising cache .*(damaged|unreadable).*overwriting it"):
        spins, T = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)
    np.testing.assert_array_equal(spins, arrays["spins"])
    np.testing.assert_array_equal(T, arrays["temperatures"])
    monkeypatch.setattr(ising, "sample", _no_sampling)
    again, _ = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)
    np.testing.assert_array_equal(again, spins)
    assert os.listdir(tmp_path) == [path.name]


def test_folder_in_place_of_the_cache_file_costs_a_warning_not_the_samples(tmp_path):
    path = _cache(tmp_path)
    path.mkdir()
    with pytest.warns(UserWarning) as record:
        spins, _ = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)
    messages = [str(w.message) for w in record]
    assert any("it is a folder, not a file" in text for text in messages), messages
    assert any(f"Could not write the Ising cache {path.name} in {tmp_path}" in text
               and "IsADirectoryError" in text for text in messages), messages
    np.testing.assert_array_equal(spins, ising.sample(seed=1, **SMALL)[0])
    assert path.is_dir() and os.listdir(tmp_path) == [path.name]  # no temporary file left


def test_cache_folder_that_is_a_file_costs_a_warning_not_the_samples(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.warns(UserWarning, match=rf"Could not write the Ising cache .* in {re.escape(str(not_a_folder))} "
                                         r"\(FileExistsError"):
        spins, _ = ising.dataset(seed=1, cache_dir=not_a_folder, **SMALL)
    np.testing.assert_array_equal(spins, ising.sample(seed=1, **SMALL)[0])


@pytest.mark.parametrize("error", [
    PermissionError(errno.EACCES, "Permission denied"),
    OSError(errno.ENOSPC, "No space left on device"),
    OSError(errno.EROFS, "Read-only file system"),
])
def test_unwritable_cache_returns_the_samples_with_a_warning(tmp_path, monkeypatch, error):
    # Simulated (the tests may run as root, for whom chmod does not bite): opening the
    # temporary file fails (read-only folder), or writing to it does (full disk).
    written = []

    @contextlib.contextmanager
    def failing_write(path, mode="wb", **kwargs):
        class Full(io.BytesIO):
            def write(self, data):
                written.append(len(data))
                raise error

        if error.errno == errno.ENOSPC:
            yield Full()
        else:
            raise error

    monkeypatch.setattr(_validate, "atomic_write", failing_write)
    reason = type(error).__name__ + r": \[Errno \d+\] " + error.strerror
    with pytest.warns(UserWarning, match=rf"Could not write the Ising cache ising_L6_\w+\.npz in "
                                         rf"{re.escape(str(tmp_path))} \({reason}\); returning the samples uncached"):
        spins, T = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)
    expected = ising.sample(seed=1, **SMALL)
    np.testing.assert_array_equal(spins, expected[0])
    np.testing.assert_array_equal(T, expected[1])
    assert bool(written) == (error.errno == errno.ENOSPC)
    assert not _cache(tmp_path).exists()


def test_read_only_valid_cache_is_used(tmp_path, monkeypatch):
    spins, _ = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)

    def no_write(*args, **kwargs):
        raise AssertionError("wrote although a valid cache exists")

    monkeypatch.setattr(_validate, "atomic_write", no_write)
    monkeypatch.setattr(ising, "sample", _no_sampling)
    again, _ = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)
    np.testing.assert_array_equal(again, spins)


def test_cache_path_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LITE_DATA", str(tmp_path / "not yet"))
    path = ising.cache_path(seed=0)
    assert path.parent == tmp_path / "not yet" and not path.parent.exists()


def test_cache_that_cannot_even_be_looked_at_is_resampled(tmp_path, monkeypatch):
    path = _cache(tmp_path)
    real_exists = pathlib.Path.exists

    def exists(self, *args, **kwargs):  # as for a folder without search permission
        if self == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "exists", exists)
    with pytest.warns(UserWarning, match=r"unreadable: PermissionError.*sampling again"):
        spins, _ = ising.dataset(seed=1, cache_dir=tmp_path, **SMALL)
    np.testing.assert_array_equal(spins, ising.sample(seed=1, **SMALL)[0])
