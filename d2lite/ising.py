"""2D Ising model: a fast Monte Carlo sampler, its observables and Onsager's exact results.

The model: spins :math:`s_i = \\pm 1` on an L×L square lattice with periodic
boundaries, coupling J = 1 and k_B = 1,

.. math:: E(s) = -\\sum_{\\langle ij \\rangle} s_i s_j, \\qquad
          p(s) \\propto e^{-E(s)/T}.

`sample` draws configurations at many temperatures at once:

* **Checkerboard Metropolis with multi-spin coding.** Sites of one colour have
  no neighbour of the same colour, so all of them are updated at once. The spins
  of 64 independent chains at the same temperature and site share one `uint64`
  word, so one bitwise numpy operation updates 64 spins; the acceptance test
  :math:`u < e^{-\\beta\\Delta E}` is done on 24-bit random numbers, bit by bit
  (the precision of a float32 uniform).
* **Cluster updates against critical slowing down.** Every few sweeps a
  Swendsen–Wang step (default) or a Wolff step flips whole clusters, built by
  bond percolation with :math:`p = 1 - e^{-2/T}` between aligned neighbours;
  `scipy.sparse.csgraph` finds the clusters of all lattices in one call.

`dataset` is `sample` with an ``.npz`` cache in `d2lite.data.data_dir()`, keyed by
every generating parameter. Everything is deterministic for a given seed.
"""

import hashlib
import inspect
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np

from d2lite import _validate

__all__ = [
    "CRITICAL_TEMPERATURE",
    "LAB_TEMPERATURES",
    "cache_path",
    "dataset",
    "energy",
    "kaufman_energy",
    "kaufman_specific_heat",
    "magnetization",
    "observables",
    "onsager_energy",
    "onsager_magnetization",
    "sample",
]

#: Onsager's critical temperature, :math:`T_c = 2 / \\ln(1 + \\sqrt 2) \\approx 2.269`.
CRITICAL_TEMPERATURE = 2.0 / np.log1p(np.sqrt(2.0))

#: The lab's 36 temperatures, 1.0 to 3.5 in steps of 1/14.
LAB_TEMPERATURES = np.linspace(1.0, 3.5, 36)

_CLUSTER_ALGORITHMS = ("swendsen-wang", "wolff")
_BITS = 24  # precision of the Metropolis acceptance test, as a float32 uniform
_CHUNK_WORDS = 4096  # words updated per numpy call: big enough to vectorize, small enough for cache
# Part of the cache key: change it whenever the same arguments would give other samples.
_ALGORITHM_VERSION = "msc-checkerboard-24bit+csgraph-clusters/1"
_ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


# ------------------------------------------------------------------ validation


def _temperatures(temperatures):
    """Return `temperatures` as a 1-D float64 array of finite, positive values."""
    try:
        T = np.atleast_1d(np.asarray(temperatures, dtype=np.float64))
    except (TypeError, ValueError):
        T = None
    if T is None or T.ndim != 1 or T.size == 0:
        raise ValueError(
            "Received an invalid value for argument `temperatures`, expected a number or a "
            f"non-empty 1-D sequence of numbers, got {temperatures!r}."
        )
    bad = ~np.isfinite(T) | (T <= 0)
    if bad.any():
        raise ValueError(
            "Received an invalid value for argument `temperatures`, expected finite "
            f"temperatures > 0, got {T[bad][0].item()!r}."
        )
    return T


def _temperature_array(T):
    """`T` as a float64 array of any shape, checked like `temperatures`."""
    T_arr = np.asarray(T, dtype=np.float64)
    _temperatures(T_arr.ravel())
    return T_arr


def _spins(spins):
    s = np.asarray(spins)
    if s.ndim < 2 or min(s.shape[-2:]) < 2:
        raise ValueError(
            "Received an invalid value for argument `spins`, expected lattices of shape "
            f"(..., L, L) with L >= 2, got shape {s.shape}."
        )
    if not np.all((s == 1) | (s == -1)):
        bad = s[(s != 1) & (s != -1)].flat[0].item()
        raise ValueError(
            f"Received an invalid value for argument `spins`, expected only +1 and -1, got {bad!r}."
        )
    return s


def _settings(L, temperatures, n_per_temperature, seed, chains, equilibration_sweeps,
              decorrelation_sweeps, cluster, cluster_every):
    """Check the arguments of `sample` and return them normalised, as a dict."""
    if seed is not None:
        _validate.integer(seed, "seed", minimum=0)
    if cluster not in _CLUSTER_ALGORITHMS + (None,):
        raise ValueError(
            "Received an invalid value for argument `cluster`, expected one of "
            f"{_CLUSTER_ALGORITHMS} or None, got {cluster!r}."
        )
    return {
        "L": _validate.integer(L, "L", minimum=2),
        "temperatures": _temperatures(temperatures).tolist(),
        "n_per_temperature": _validate.integer(n_per_temperature, "n_per_temperature"),
        "seed": None if seed is None else int(seed),
        "chains": _validate.integer(chains, "chains"),
        "equilibration_sweeps": _validate.integer(equilibration_sweeps, "equilibration_sweeps", 0),
        "decorrelation_sweeps": _validate.integer(decorrelation_sweeps, "decorrelation_sweeps"),
        "cluster": cluster,
        "cluster_every": _validate.integer(cluster_every, "cluster_every"),
    }


# ------------------------------------------------------------------ lattice geometry


def _neighbours(L):
    """(L*L, 4) flat indices of the up, down, left and right neighbours (periodic)."""
    i, j = np.indices((L, L))

    def flat(a, b):
        return ((a % L) * L + b % L).ravel()

    return np.stack([flat(i - 1, j), flat(i + 1, j), flat(i, j - 1), flat(i, j + 1)], axis=1)


def _colours(L):
    """A colouring of the periodic L×L lattice in which no two neighbours match.

    Two colours (the checkerboard) for even L. For odd L the checkerboard wraps
    onto itself, so three colours: (g(i) + g(j)) mod 3 with g a proper colouring
    of the ring 0, 1, 0, 1, ..., 0, 1, 2.
    """
    i, j = np.indices((L, L))
    if L % 2 == 0:
        return ((i + j) % 2).ravel()
    g = np.arange(L) % 2
    g[-1] = 2
    return ((g[i] + g[j]) % 3).ravel()


# ------------------------------------------------------------------ multi-spin coding


def _pack(spins):
    """(64*K, N) ±1 spins -> (N, K) uint64; bit b of word k is chain 64*k + b (1 = up)."""
    bits = np.ascontiguousarray((spins > 0).T)
    return np.packbits(bits, axis=1, bitorder="little").view(np.uint64)


def _unpack(packed):
    """Inverse of `_pack`: (N, K) uint64 -> (64*K, N) int8 spins of ±1."""
    bits = np.unpackbits(packed.view(np.uint8), axis=1, bitorder="little")
    spins = bits.T.astype(np.int8)
    spins *= 2
    spins -= 1
    return spins


def _bit_masks(p):
    """Binary digits of probabilities `p` (K,) as (_BITS, K) words, most significant first.

    Row i is all ones where digit i+1 of p is 1, so 64 chains at one temperature
    compare their random bits against the same digits.
    """
    q = np.round(np.asarray(p) * 2.0**_BITS).astype(np.int64)
    digits = (q[None, :] >> np.arange(_BITS - 1, -1, -1)[:, None]) & 1
    return np.where(digits == 1, _ALL_ONES, np.uint64(0))


def _random_words(rng, shape):
    return rng.integers(0, 2**64 - 1, size=shape, dtype=np.uint64, endpoint=True)


def _metropolis_sweep(packed, groups, digits4, digits8, rng):
    """One checkerboard Metropolis sweep over every site of every chain, in place.

    A spin with n anti-aligned neighbours has ΔE = 8 - 4n when flipped: it flips
    always for n >= 2, with probability e^{-4β} for n = 1 and e^{-8β} for n = 0.
    So each spin compares one uniform u with p = e^{-4β} (n >= 1) or e^{-8β}
    (n = 0), and flips if n >= 2 or u < p.
    """
    K = packed.shape[1]
    step = max(1, _CHUNK_WORDS // K)
    digits_differ = digits4 ^ digits8
    for sites, nbrs in groups:  # one colour at a time
        for start in range(0, len(sites), step):
            idx = sites[start:start + step]
            s = packed[idx]
            anti = np.take(packed, nbrs[start:start + step], axis=0)
            anti ^= s[:, None, :]  # bit set where the neighbour points the other way
            a0, a1, a2, a3 = anti[:, 0], anti[:, 1], anti[:, 2], anti[:, 3]
            any01, any23 = a0 | a1, a2 | a3
            two_or_more = (a0 & a1) | (a2 & a3) | (any01 & any23)
            at_least_one = any01 | any23
            # u < p bit-serially, from the least significant digit up, one random word
            # per digit: below_i = u_i < p_i or (u_i == p_i and below_{i+1}), i.e.
            # below_i = majority(r_i, below_{i+1}, p_i) with r_i = 1 - u_i.
            below = np.zeros_like(s)
            digit = np.empty_like(s)
            tmp = np.empty_like(s)
            for i in range(_BITS - 1, -1, -1):
                np.bitwise_and(at_least_one, digits_differ[i], out=digit)
                digit ^= digits8[i]  # digit i of each spin's own p
                r = _random_words(rng, s.shape)
                np.bitwise_or(r, below, out=tmp)
                tmp &= digit
                below &= r
                below |= tmp
            below |= two_or_more
            packed[idx] = s ^ below


def _cluster_step(spins, betas, neighbours, algorithm, rng):
    """One Swendsen–Wang or Wolff step on (M, N) int8 spins, in place.

    Aligned neighbours are bonded with probability 1 - e^{-2β}. Swendsen–Wang
    flips each cluster with probability 1/2; Wolff flips the cluster of one
    random site per lattice (the bond-percolation cluster of a site has exactly
    the distribution of a Wolff cluster grown from it).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    M, N = spins.shape
    p_bond = (-np.expm1(-2.0 * betas)).astype(np.float32)[:, None, None]
    forward = neighbours[:, [1, 3]]  # down and right: each bond once
    bonded = (spins[:, :, None] == spins[:, forward]) & (
        rng.random((M, N, 2), dtype=np.float32) < p_bond)
    lattice, site, direction = np.nonzero(bonded)
    offset = lattice * N
    graph = csr_matrix((np.ones(len(site), np.int8), (offset + site, offset + forward[site, direction])),
                       shape=(M * N, M * N))
    n_clusters, labels = connected_components(graph, directed=False)
    labels = labels.reshape(M, N)
    if algorithm == "wolff":
        seeds = rng.integers(0, N, size=M)
        flip = labels == labels[np.arange(M), seeds][:, None]
    else:
        flip = (rng.random(n_clusters) < 0.5)[labels]
    spins[flip] *= -1


# ------------------------------------------------------------------ sampling


def sample(L=10, temperatures=LAB_TEMPERATURES, n_per_temperature=1000, *, seed=None, chains=64,
           equilibration_sweeps=200, decorrelation_sweeps=10, cluster="swendsen-wang",
           cluster_every=5, progress=False):
    """Sample equilibrium configurations of the 2D Ising model at several temperatures.

    For each temperature, `chains` independent Markov chains start from an
    aligned lattice of random sign, run `equilibration_sweeps` sweeps, then give one configuration every
    `decorrelation_sweeps` sweeps until `n_per_temperature` are collected. A
    sweep is one checkerboard Metropolis update of every spin; after every
    `cluster_every`-th sweep a cluster update follows.

    Args:
        L: lattice side, an integer >= 2 (default 10).
        temperatures: a temperature or a 1-D sequence of them, finite and > 0
            (default `LAB_TEMPERATURES`, 36 values from 1.0 to 3.5).
        n_per_temperature: configurations returned per temperature (default 1000).
        seed: an integer >= 0 for reproducible samples, or None for fresh
            randomness (default None).
        chains: independent chains per temperature, rounded up to a multiple of
            64 (default 64). More chains mean fewer sweeps but more memory.
        equilibration_sweeps: sweeps before the first configuration is kept,
            an integer >= 0 (default 200).
        decorrelation_sweeps: sweeps between two kept configurations of one chain
            (default 10).
        cluster: `"swendsen-wang"` (default), `"wolff"`, or None for Metropolis only.
            Near T_c Metropolis decorrelates in ~L^2.17 sweeps; cluster updates
            in a few.
        cluster_every: sweeps per cluster update (default 5).
        progress: show a `keras.utils.Progbar` of the sweeps (default False).

    Returns:
        A tuple `(spins, temperatures)`: `spins` of shape
        `(len(temperatures) * n_per_temperature, L, L)`, dtype int8, values ±1,
        grouped by temperature in the given order; `temperatures` of shape
        `(len(temperatures) * n_per_temperature,)`, the temperature of each.

    Raises:
        ValueError: for L < 2, a temperature that is not finite or not > 0, a
            count that is not a positive integer, or an unknown `cluster`.

    Example:
        >>> spins, T = sample(L=10, temperatures=[1.5, 3.5], n_per_temperature=100, seed=0)
        >>> spins.shape, spins.dtype, T.shape
        ((200, 10, 10), dtype('int8'), (200,))
        >>> bool(np.abs(spins.mean(axis=(1, 2)))[T == 1.5].mean() > 0.9)
        True
    """
    cfg = _settings(L, temperatures, n_per_temperature, seed, chains, equilibration_sweeps,
                    decorrelation_sweeps, cluster, cluster_every)
    L, N = cfg["L"], cfg["L"] ** 2
    T = np.asarray(cfg["temperatures"])
    n = cfg["n_per_temperature"]
    words = -(-cfg["chains"] // 64)  # words (of 64 chains) per temperature
    C = 64 * words
    snapshots = -(-n // C)

    rng = np.random.default_rng(cfg["seed"])
    beta_words = np.repeat(1.0 / T, words)  # (K,): temperature of each word column
    digits4 = _bit_masks(np.exp(-4.0 * beta_words))
    digits8 = _bit_masks(np.exp(-8.0 * beta_words))
    beta_chains = np.repeat(1.0 / T, C)  # (M,): temperature of each unpacked chain
    neighbours = _neighbours(L)
    colours = _colours(L)
    groups = [(np.flatnonzero(colours == c), neighbours[colours == c])
              for c in range(colours.max() + 1)]
    # Start every chain fully aligned, up or down at random. A random start can lie in
    # one of the rare closed cycles of sublattice Metropolis (every spin of a colour
    # flips with certainty, e.g. diagonal ++-- stripes); no chain can ever enter them
    # from an aligned lattice. On tiny odd lattices a random start hits one ~2% of the time.
    packed = np.repeat(_random_words(rng, (1, len(beta_words))), N, axis=0)

    total = cfg["equilibration_sweeps"] + snapshots * cfg["decorrelation_sweeps"]
    bar = None
    if progress:
        import keras

        bar = keras.utils.Progbar(total, unit_name="sweep")
    out = np.empty((len(T), snapshots * C, N), np.int8)
    sweep = 0

    def advance(sweeps):
        nonlocal packed, sweep
        for _ in range(sweeps):
            _metropolis_sweep(packed, groups, digits4, digits8, rng)
            sweep += 1
            if cfg["cluster"] is not None and sweep % cfg["cluster_every"] == 0:
                spins = _unpack(packed)
                _cluster_step(spins, beta_chains, neighbours, cfg["cluster"], rng)
                packed = _pack(spins)
            if bar is not None:
                bar.update(sweep)

    advance(cfg["equilibration_sweeps"])
    for k in range(snapshots):
        advance(cfg["decorrelation_sweeps"])
        out[:, k * C:(k + 1) * C] = _unpack(packed).reshape(len(T), C, N)
    spins = out[:, :n].reshape(len(T) * n, L, L)
    return spins, np.repeat(T, n)


# ------------------------------------------------------------------ cache


def _cache_key(cfg):
    settings = dict(cfg, algorithm=_ALGORITHM_VERSION)
    text = json.dumps(settings, sort_keys=True)
    return text, hashlib.sha256(text.encode()).hexdigest()[:20]


def cache_path(cache_dir=None, **settings):
    """Where `dataset` caches the samples of these `sample` arguments.

    Args:
        cache_dir: the folder (default None: `d2lite.data.data_dir()`).
        **settings: the generating arguments of `dataset` (`L`, `temperatures`,
            ..., `seed`); missing ones take `dataset`'s defaults.

    Returns:
        A `pathlib.Path` such as ``data/ising_L10_<hash>.npz``; it changes with
        every generating parameter.

    Example:
        >>> cache_path(L=10, seed=0).name.startswith("ising_L10_")
        True
    """
    cfg = _dataset_settings(settings)
    return _cache_file(cfg, cache_dir)


def _dataset_settings(settings):
    unknown = set(settings) - set(_SAMPLE_DEFAULTS)
    if unknown:
        raise TypeError(f"Unexpected arguments {sorted(unknown)}; expected arguments of `sample`.")
    cfg = _settings(**{**_SAMPLE_DEFAULTS, **settings})
    if cfg["seed"] is None:
        raise ValueError(
            "Received an invalid value for argument `seed`, expected an integer >= 0 "
            "(a cached dataset must be reproducible), got None."
        )
    return cfg


def _cache_file(cfg, cache_dir):
    from d2lite.data import data_dir

    folder = data_dir() if cache_dir is None else Path(cache_dir)
    return folder / f"ising_L{cfg['L']}_{_cache_key(cfg)[1]}.npz"


def _load(path, cfg):
    """The cached (spins, temperatures), or None if the file is missing or does not match."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            stored, spins, T = str(f["settings"]), f["spins"], f["temperatures"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        warnings.warn(f"Ignoring unreadable Ising cache {path} ({err}); sampling again.",
                      stacklevel=3)
        return None
    n, L = cfg["n_per_temperature"], cfg["L"]
    expected_T = np.repeat(cfg["temperatures"], n)
    if (stored != _cache_key(cfg)[0] or spins.dtype != np.int8
            or spins.shape != (len(expected_T), L, L) or not np.array_equal(T, expected_T)
            or not np.all(np.abs(spins) == 1)):
        warnings.warn(f"Ignoring Ising cache {path}: it was made with other parameters or is "
                      "damaged; sampling again.", stacklevel=3)
        return None
    return spins, T


def dataset(L=10, temperatures=LAB_TEMPERATURES, n_per_temperature=1000, *, seed=0, chains=64,
            equilibration_sweeps=200, decorrelation_sweeps=10, cluster="swendsen-wang",
            cluster_every=5, progress=False, cache_dir=None):
    """`sample`, cached as an ``.npz`` file in `d2lite.data.data_dir()`.

    The file name holds a hash of every generating parameter (and of the
    sampler's version), and the file stores the parameters themselves; a file
    whose parameters, shapes or values do not match is never used: it is
    sampled again (with a warning) and overwritten. Files are written to a
    temporary name first and renamed, so an interrupted run leaves no half file,
    and read with ``allow_pickle=False``.

    Args:
        L, temperatures, n_per_temperature, chains, equilibration_sweeps,
            decorrelation_sweeps, cluster, cluster_every, progress: as in `sample`.
        seed: an integer >= 0 (default 0); None is refused, as it cannot be cached.
        cache_dir: the cache folder (default None: `d2lite.data.data_dir()`).

    Returns:
        `(spins, temperatures)` as from `sample`.

    Raises:
        ValueError: as `sample`, and for `seed=None`.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> spins, T = dataset(temperatures=[1.5, 3.5], n_per_temperature=100, cache_dir=folder)
        >>> spins.shape, cache_path(temperatures=[1.5, 3.5], n_per_temperature=100,
        ...                         cache_dir=folder).exists()
        ((200, 10, 10), True)
    """
    cfg = _dataset_settings(dict(
        L=L, temperatures=temperatures, n_per_temperature=n_per_temperature, seed=seed,
        chains=chains, equilibration_sweeps=equilibration_sweeps,
        decorrelation_sweeps=decorrelation_sweeps, cluster=cluster, cluster_every=cluster_every))
    path = _cache_file(cfg, cache_dir)
    cached = _load(path, cfg)
    if cached is not None:
        return cached
    spins, T = sample(**cfg, progress=progress)
    with _validate.atomic_write(path, "wb") as f:
        np.savez(f, spins=spins, temperatures=T, settings=np.array(_cache_key(cfg)[0]))
    return spins, T


# The generating arguments and their defaults, as `dataset` has them (seed=0).
_SAMPLE_DEFAULTS = {name: parameter.default
                    for name, parameter in inspect.signature(dataset).parameters.items()
                    if name not in ("progress", "cache_dir")}


# ------------------------------------------------------------------ observables


def energy(spins):
    """Energy per spin of each configuration, :math:`e = -\\frac1N \\sum_{\\langle ij\\rangle} s_i s_j`.

    Each bond is counted once: every spin with its right and lower neighbour
    (periodic boundaries).

    Args:
        spins: array of ±1 of shape `(..., L, L)`.

    Returns:
        A float array of shape `(...)`; -2 for a fully aligned lattice.

    Raises:
        ValueError: if `spins` is not (..., L, L) with L >= 2 or holds values other than ±1.

    Example:
        >>> energy(np.ones((3, 4, 4), np.int8))
        array([-2., -2., -2.])
    """
    s = _spins(spins).astype(np.int8)
    bonds = s * (np.roll(s, -1, axis=-1) + np.roll(s, -1, axis=-2))
    return -bonds.sum(axis=(-2, -1)) / (s.shape[-1] * s.shape[-2])


def magnetization(spins):
    """Magnetization per spin of each configuration, :math:`m = \\frac1N \\sum_i s_i`.

    Args:
        spins: array of ±1 of shape `(..., L, L)`.

    Returns:
        A float array of shape `(...)`, values in [-1, 1].

    Raises:
        ValueError: as `energy`.

    Example:
        >>> magnetization(-np.ones((2, 4, 4), np.int8))
        array([-1., -1.])
    """
    return _spins(spins).mean(axis=(-2, -1), dtype=np.float64)


def observables(spins, temperatures):
    """Thermal averages per temperature, estimated from samples.

    With N = L² spins, e and m per spin, and averages over the samples at one
    temperature:

    .. math::
        C = \\frac{N}{T^2}\\left(\\langle e^2\\rangle - \\langle e\\rangle^2\\right), \\quad
        \\chi = \\frac{N}{T}\\left(\\langle m^2\\rangle - \\langle |m|\\rangle^2\\right), \\quad
        U_4 = 1 - \\frac{\\langle m^4\\rangle}{3\\langle m^2\\rangle^2}.

    χ uses ⟨|m|⟩, the usual finite-lattice estimator (⟨m⟩ = 0 on a finite
    lattice). The Binder cumulant U_4 tends to 2/3 in the ordered phase and to
    0 in the disordered one; its curves for different L cross near T_c.

    Args:
        spins: array of ±1 of shape `(n, L, L)`.
        temperatures: the temperature of each configuration, shape `(n,)`.

    Returns:
        A dict of 1-D arrays, one entry per distinct temperature (sorted):
        `"temperature"`, `"count"`, `"energy"` (⟨e⟩), `"magnetization"` (⟨m⟩),
        `"abs_magnetization"` (⟨|m|⟩), `"specific_heat"` (C), `"susceptibility"`
        (χ), `"binder"` (U_4). `pandas.DataFrame(observables(...))` makes a table.

    Raises:
        ValueError: for bad spins, temperatures that are not finite and > 0, or
            a length mismatch.

    Example:
        >>> obs = observables(np.ones((4, 10, 10), np.int8), [1.0, 1.0, 2.0, 2.0])
        >>> obs["temperature"].tolist(), obs["energy"].tolist(), obs["binder"].tolist()
        ([1.0, 2.0], [-2.0, -2.0], [0.6666666666666667, 0.6666666666666667])
    """
    s = _spins(spins)
    T = _temperatures(temperatures)
    if s.ndim != 3 or len(T) != len(s):
        raise ValueError(
            f"Expected `spins` of shape (n, L, L) and one temperature per configuration, got "
            f"spins of shape {s.shape} and {len(T)} temperatures."
        )
    N = s.shape[1] * s.shape[2]
    e, m = energy(s), magnetization(s)
    values, group, count = np.unique(T, return_inverse=True, return_counts=True)

    def mean(x):
        return np.bincount(group, weights=x, minlength=len(values)) / count

    e1, e2 = mean(e), mean(e**2)
    m_abs, m2, m4 = mean(np.abs(m)), mean(m**2), mean(m**4)
    return {
        "temperature": values,
        "count": count,
        "energy": e1,
        "magnetization": mean(m),
        "abs_magnetization": m_abs,
        "specific_heat": N * (e2 - e1**2) / values**2,
        "susceptibility": N * (m2 - m_abs**2) / values,
        "binder": 1.0 - m4 / (3.0 * m2**2),
    }


# ------------------------------------------------------------------ exact results


def onsager_magnetization(T):
    """Onsager–Yang spontaneous magnetization of the infinite lattice.

    .. math:: m_0(T) = \\left(1 - \\sinh(2/T)^{-4}\\right)^{1/8} \\text{ for } T < T_c,
              \\quad 0 \\text{ above.}

    Args:
        T: temperature(s), finite and > 0 (scalar or array).

    Returns:
        m_0 with the shape of `T` (a float for a scalar).

    Raises:
        ValueError: for a temperature that is not finite or not > 0.

    Example:
        >>> round(float(onsager_magnetization(2.0)), 3)
        0.911
    """
    T_arr = _temperature_array(T)
    with np.errstate(over="ignore"):
        x = 1.0 - np.sinh(2.0 / T_arr) ** -4.0
    m = np.where(T_arr < CRITICAL_TEMPERATURE, np.clip(x, 0.0, None) ** 0.125, 0.0)
    return m if m.ndim else float(m)


def onsager_energy(T):
    """Onsager's exact energy per spin of the infinite lattice.

    .. math:: u(T) = -\\coth 2K \\left[1 + \\frac{2}{\\pi}\\left(2\\tanh^2 2K - 1\\right)
              K_1(k)\\right], \\quad K = 1/T, \\quad k = \\frac{2\\sinh 2K}{\\cosh^2 2K},

    with the complete elliptic integral
    :math:`K_1(k) = \\int_0^{\\pi/2} d\\theta / \\sqrt{1 - k^2\\sin^2\\theta}
    = \\pi / (2\\,\\mathrm{AGM}(1, \\sqrt{1-k^2}))`, computed with the
    arithmetic-geometric mean. u(T_c) = -√2.

    Args:
        T: temperature(s), finite and > 0 (scalar or array).

    Returns:
        u with the shape of `T` (a float for a scalar).

    Raises:
        ValueError: for a temperature that is not finite or not > 0.

    Example:
        >>> round(float(onsager_energy(1.0)), 3), round(float(onsager_energy(2.0)), 4)
        (-1.997, -1.7456)
    """
    T_arr = _temperature_array(T)
    K2 = 2.0 / T_arr
    k = np.minimum(2.0 * np.sinh(K2) / np.cosh(K2) ** 2, 1.0)
    a, b = np.ones_like(k), np.sqrt(1.0 - k**2)
    for _ in range(60):  # AGM: quadratic convergence, slower only right next to T_c
        a, b = (a + b) / 2.0, np.sqrt(a * b)
    with np.errstate(divide="ignore", invalid="ignore"):
        elliptic = np.pi / (2.0 * a)
        u = -(1.0 + (2.0 / np.pi) * (2.0 * np.tanh(K2) ** 2 - 1.0) * elliptic) / np.tanh(K2)
    u = np.where(k >= 1.0, -np.sqrt(2.0), u)
    return u if u.ndim else float(u)


def _kaufman_log_z(K, L):
    """ln Z of the periodic L×L lattice at couplings K (any shape), after Kaufman (1949).

    Z = ½ (2 sinh 2K)^{N/2} (Z₁ + Z₂ + Z₃ + Z₄), Z₁,₂ = ∏_{r odd} 2 cosh, 2 sinh (L γ_r / 2) and
    Z₃,₄ = ∏_{r even} 2 cosh, 2 sinh (L γ_r / 2), r = 0..2L-1, where
    cosh γ_r = cosh 2K coth 2K - cos(π r / L) and γ_0 = 2K + ln tanh K (negative above T_c).
    Summed in logarithms, with signs, so large lattices do not overflow.
    """
    K = np.asarray(K, dtype=np.float64)[..., None]
    r = np.arange(2 * L)
    gamma = np.arccosh(np.maximum(np.cosh(2 * K) / np.tanh(2 * K) - np.cos(np.pi * r / L), 1.0))
    gamma[..., 0] = (2 * K + np.log(np.tanh(K)))[..., 0]
    x = L * gamma / 2
    log_cosh = np.abs(x) + np.log1p(np.exp(-2 * np.abs(x)))  # ln(2 cosh x)
    with np.errstate(divide="ignore"):
        log_sinh = np.abs(x) + np.log(-np.expm1(-2 * np.abs(x)))  # ln|2 sinh x|
    sign_sinh = np.sign(x)
    odd, even = (slice(1, None, 2), slice(0, None, 2))
    logs = np.stack([log_cosh[..., odd].sum(-1), log_sinh[..., odd].sum(-1),
                     log_cosh[..., even].sum(-1), log_sinh[..., even].sum(-1)])
    signs = np.stack([np.ones(K.shape[:-1]), sign_sinh[..., odd].prod(-1),
                      np.ones(K.shape[:-1]), sign_sinh[..., even].prod(-1)])
    top = logs.max(axis=0)
    total = (signs * np.exp(logs - top)).sum(axis=0)
    K = K[..., 0]
    return np.log(0.5) + L * L / 2 * np.log(2 * np.sinh(2 * K)) + top + np.log(total)


def _kaufman_derivatives(T, L):
    T_arr = _temperature_array(T)
    L = _validate.integer(L, "L", minimum=2)
    K, N = 1.0 / T_arr, L * L
    # Central differences. Near T_c higher derivatives of ln Z / N grow with L, so the
    # steps shrink with L; the second derivative takes a wider one to keep round-off small.
    h1, h2 = 1e-4 * min(1.0, 10 / L), 1e-3 * min(1.0, 10 / L)
    first = (_kaufman_log_z(K + h1, L) - _kaufman_log_z(K - h1, L)) / (2 * h1) / N
    second = (_kaufman_log_z(K + h2, L) - 2 * _kaufman_log_z(K, L)
              + _kaufman_log_z(K - h2, L)) / h2**2 / N
    return T_arr, K, first, second


def kaufman_energy(T, L):
    r"""Exact mean energy per spin of the finite periodic L×L lattice (Kaufman 1949).

    :math:`\langle e \rangle = -\frac{1}{N} \frac{\partial \ln Z}{\partial K}`, K = 1/T,
    from Kaufman's closed form of Z for the torus, differentiated numerically.
    This is what `sample` must reproduce at every temperature, T_c included;
    for large L it tends to `onsager_energy`.

    Args:
        T: temperature(s), finite and > 0 (scalar or array).
        L: the lattice side, an integer >= 2.

    Returns:
        ⟨e⟩ with the shape of `T` (a float for a scalar).

    Raises:
        ValueError: for a temperature that is not finite or not > 0, or L < 2.

    Example:
        >>> round(float(kaufman_energy(CRITICAL_TEMPERATURE, 10)), 4)
        -1.4762
    """
    T_arr, _, first, _ = _kaufman_derivatives(T, L)
    e = -first
    return e if T_arr.ndim else float(e)


def kaufman_specific_heat(T, L):
    r"""Exact specific heat per spin of the finite periodic L×L lattice (Kaufman 1949).

    :math:`C = \frac{K^2}{N} \frac{\partial^2 \ln Z}{\partial K^2}`, K = 1/T, the same
    quantity that `observables` estimates from energy fluctuations. For L = 10
    it peaks near T = 2.36, above T_c: a finite lattice rounds and shifts the
    transition.

    Args:
        T: temperature(s), finite and > 0 (scalar or array).
        L: the lattice side, an integer >= 2.

    Returns:
        C with the shape of `T` (a float for a scalar).

    Raises:
        ValueError: for a temperature that is not finite or not > 0, or L < 2.

    Example:
        >>> round(float(kaufman_specific_heat(2.0, 10)), 3)
        0.723
    """
    T_arr, K, _, second = _kaufman_derivatives(T, L)
    c = K**2 * second
    return c if T_arr.ndim else float(c)
