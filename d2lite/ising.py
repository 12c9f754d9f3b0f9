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
  (the precision of a float32 uniform). A probability that rounds to 1 always
  accepts and one that rounds to 0 never does.
* **Half-rate proposals when hot.** Above :math:`T = 8/\\ln 2 \\approx 11.5`
  every Metropolis flip is more likely than not, and the checkerboard update
  tends to a deterministic flip of every spin (at T → ∞ the lattice would only
  alternate between two configurations). There each flip is first proposed with
  probability 1/2, which keeps detailed balance and gives independent spins at
  T → ∞. Below that temperature nothing changes.
* **Cluster updates against critical slowing down.** Every few sweeps a
  Swendsen–Wang step (default) or a Wolff step flips whole clusters, built by
  bond percolation with :math:`p = 1 - e^{-2/T}` between aligned neighbours;
  `scipy.sparse.csgraph` finds the clusters of all lattices in one call.

`dataset` is `sample` with an ``.npz`` cache in `d2lite.data.data_dir()`, keyed by
every generating parameter. Everything is deterministic for a given seed.

Every public function checks its arguments and raises a `ValueError` that names
the argument and the value received; the sizes `sample` accepts are bounded (see
its docstring) so that a typo cannot exhaust the memory or run for years.
"""

import hashlib
import inspect
import json
import numbers
import os
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

#: The lab's 36 temperatures, 1.0 to 3.5 in steps of 1/14 (read-only: it is a default).
LAB_TEMPERATURES = np.linspace(1.0, 3.5, 36)
LAB_TEMPERATURES.flags.writeable = False

_CLUSTER_ALGORITHMS = ("swendsen-wang", "wolff")
_BITS = 24  # precision of the Metropolis acceptance test, as a float32 uniform
_CHUNK_WORDS = 4096  # words updated per numpy call: big enough to vectorize, small enough for cache
# Part of the cache key: change it whenever the same arguments would give other samples.
# /2: a probability that rounds to 1 accepts (it was encoded as 0), and half-rate
# proposals above _HOT_TEMPERATURE; samples at T <= 11.5 are bit for bit those of /1.
_ALGORITHM_VERSION = "msc-checkerboard-24bit+csgraph-clusters/2"
_ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
# Above it e^{-8/T} > 1/2: every Metropolis flip would be more likely than not.
_HOT_TEMPERATURE = 8.0 / np.log(2.0)

# Size limits of `sample` (checked before anything is allocated) and of the Kaufman results.
_MAX_CHAIN_SPINS = 2**24  # spins in all chains; a cluster step needs up to ~140 bytes each
_MAX_SAMPLE_SPINS = 2**30  # spins returned: 1 GiB of int8
_MAX_SPIN_UPDATES = 2**45  # ~3.5e13: days of computing at 1e8 updates per second
_MAX_KAUFMAN_L = 2**16
_MAX_KAUFMAN_WORK = 2**27  # temperatures times L, about a minute of computing


# ------------------------------------------------------------------ validation


def _holds_bool(values):
    """Whether a (nested) list or tuple holds a bool that numpy would turn into 0 or 1."""
    if isinstance(values, (bool, np.bool_)):
        return True
    if isinstance(values, np.ndarray):
        return values.dtype.kind == "b"
    if isinstance(values, (list, tuple)):
        return any(_holds_bool(v) for v in values)
    return False


def _numeric(values, name, expected):
    """`values` as an int, uint or float ndarray, if every element is a real number, not a bool."""
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError, OverflowError):  # ragged nesting, odd objects
        raise _validate.invalid(name, expected, _validate.shown(values)) from None
    kind = raw.dtype.kind
    if kind == "O":  # Python objects: Fractions are fine, None, strings and bools are not
        for item in raw.flat:
            if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Real):
                raise _validate.invalid(name, expected, _validate.shown(item))
        try:
            with np.errstate(over="ignore"):
                return raw.astype(np.float64)
        except OverflowError:  # a Python int beyond float64
            raise _validate.invalid(name, expected,
                                    _validate.Described("a number too large for float64")) from None
    if kind not in "iuf":  # bool, complex, str, bytes, datetime, void
        got = (_validate.shown(values) if raw.size == 1
               else _validate.Described(f"a boolean array of shape {raw.shape}") if kind == "b"
               else _validate.Described(f"an array of dtype {raw.dtype}"))
        raise _validate.invalid(name, expected, got)
    if isinstance(values, (list, tuple)) and _holds_bool(values):
        raise _validate.invalid(name, expected, _validate.Described("a sequence holding a bool"))
    return raw


def _real_array(values, name, expected):
    """`values` as a float64 ndarray (see `_numeric`)."""
    return _numeric(values, name, expected).astype(np.float64, copy=False)


def _temperatures(temperatures, name="temperatures"):
    """Return `temperatures` as a 1-D float64 array of finite, positive values."""
    expected = "a number or a non-empty 1-D sequence of numbers"
    T = np.atleast_1d(_real_array(temperatures, name, expected))
    if T.ndim != 1 or T.size == 0:
        raise _validate.invalid(name, expected, _validate.shown(temperatures))
    return _positive_finite(T, name)


def _positive_finite(T, name):
    bad = ~np.isfinite(T) | (T <= 0)
    if bad.any():
        raise _validate.invalid(name, "finite temperatures > 0", T[bad].flat[0].item())
    return T


def _temperature_array(T, name="T"):
    """`T` as a float64 array of any shape (not empty), checked like `temperatures`."""
    expected = "a number or a non-empty array of numbers"
    T_arr = _real_array(T, name, expected)
    if T_arr.size == 0:
        raise _validate.invalid(name, expected, _validate.shown(T))
    return _positive_finite(T_arr, name)


def _spins(spins, name="spins"):
    """`spins` as an array of shape (..., L, L), L >= 2, holding only +1 and -1."""
    s = _numeric(spins, name, "an array of +1 and -1 (numbers, not booleans) of shape (..., L, L)")
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


def _boolean(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise _validate.invalid(name, "True or False", _validate.shown(value))
    return bool(value)


def _cache_dir(cache_dir):
    """`cache_dir` as a `Path`, or None; a non-empty str or os.PathLike without NUL."""
    if cache_dir is None:
        return None
    text = os.fspath(cache_dir) if isinstance(cache_dir, (str, os.PathLike)) else None
    if not isinstance(text, str) or not text or "\0" in text:
        raise _validate.invalid("cache_dir", "None or a folder (a non-empty str or os.PathLike)",
                                _validate.shown(cache_dir))
    return Path(text)


def _settings(L, temperatures, n_per_temperature, seed, chains, equilibration_sweeps,
              decorrelation_sweeps, cluster, cluster_every):
    """Check the arguments of `sample` and return them normalised, as a dict."""
    if seed is not None:
        _validate.integer(seed, "seed", minimum=0)
    if not (cluster is None or (isinstance(cluster, str) and cluster in _CLUSTER_ALGORITHMS)):
        raise ValueError(
            "Received an invalid value for argument `cluster`, expected one of "
            f"{_CLUSTER_ALGORITHMS} or None, got {_validate.shown(cluster)!r}."
        )
    cfg = {
        "L": _validate.integer(L, "L", minimum=2),
        "temperatures": _temperatures(temperatures).tolist(),
        "n_per_temperature": _validate.integer(n_per_temperature, "n_per_temperature"),
        "seed": None if seed is None else int(seed),
        "chains": _validate.integer(chains, "chains"),
        "equilibration_sweeps": _validate.integer(equilibration_sweeps, "equilibration_sweeps", 0),
        "decorrelation_sweeps": _validate.integer(decorrelation_sweeps, "decorrelation_sweeps"),
        "cluster": None if cluster is None else str(cluster),
        "cluster_every": _validate.integer(cluster_every, "cluster_every"),
    }
    _check_size(cfg)
    return cfg


def _check_size(cfg):
    """Refuse, before anything is allocated, a run beyond the documented limits."""
    n_T, N, n = len(cfg["temperatures"]), cfg["L"] ** 2, cfg["n_per_temperature"]
    C = 64 * -(-cfg["chains"] // 64)
    if n_T * C * N > _MAX_CHAIN_SPINS:
        raise ValueError(
            "Received invalid values for arguments `L`, `temperatures` and `chains`, expected "
            f"len(temperatures) * chains (rounded up to a multiple of 64) * L**2 <= 2**24 spins "
            f"in the Markov chains, got {n_T} * {C} * {cfg['L']}**2 = {n_T * C * N}."
        )
    if n_T * n * N > _MAX_SAMPLE_SPINS:
        raise ValueError(
            "Received invalid values for arguments `L`, `temperatures` and `n_per_temperature`, "
            f"expected len(temperatures) * n_per_temperature * L**2 <= 2**30 spins returned "
            f"(1 GiB), got {n_T} * {n} * {cfg['L']}**2 = {n_T * n * N}."
        )
    sweeps = cfg["equilibration_sweeps"] + -(-n // C) * cfg["decorrelation_sweeps"]
    if sweeps * n_T * C * N > _MAX_SPIN_UPDATES:
        raise ValueError(
            "Received invalid values for arguments `equilibration_sweeps`, "
            "`decorrelation_sweeps` and `n_per_temperature`, expected at most 2**45 spin "
            f"updates (days of computing), got {sweeps} sweeps of {n_T * C * N} spins = "
            f"{sweeps * n_T * C * N}."
        )


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
    """The acceptance test u < p, u a uniform 24-bit integer, for probabilities `p` (K,).

    p is rounded to q / 2**24, q = 0 .. 2**24. For q >= 1 the test is u <= q - 1,
    whose threshold fits in 24 bits even for q = 2**24 (p = 1: always accept); for
    q = 0 it is u < 0 (never accept). Returns `(digits, carry)`: `digits` (_BITS, K)
    words, most significant first, all ones where that binary digit of the
    threshold (q - 1, or 0) is 1, so 64 chains at one temperature compare their
    random bits against the same digits; `carry` (K,) words, all ones where the
    comparison is u <= threshold rather than u < threshold (q >= 1).
    """
    q = np.round(np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0) * 2.0**_BITS).astype(np.int64)
    accepts = q > 0
    threshold = np.where(accepts, q - 1, 0)
    digits = (threshold[None, :] >> np.arange(_BITS - 1, -1, -1)[:, None]) & 1
    return (np.where(digits == 1, _ALL_ONES, np.uint64(0)),
            np.where(accepts, _ALL_ONES, np.uint64(0)))


def _random_words(rng, shape):
    return rng.integers(0, 2**64 - 1, size=shape, dtype=np.uint64, endpoint=True)


def _metropolis_sweep(packed, groups, accept, rng):
    """One checkerboard Metropolis sweep over every site of every chain, in place.

    A spin with n anti-aligned neighbours has ΔE = 8 - 4n when flipped: it flips
    always for n >= 2, with probability e^{-4β} for n = 1 and e^{-8β} for n = 0.
    So each spin compares one uniform u with p = e^{-4β} (n >= 1) or e^{-8β}
    (n = 0), and flips if n >= 2 or u < p. `accept` is `(digits4, carry4, digits8,
    carry8, cold)` from `_bit_masks` of the two probabilities, and `cold`: None,
    or (K,) words that are all ones where the chains are not hot; in the hot
    columns (zero words) a flip is first proposed with probability 1/2.
    """
    digits4, carry4, digits8, carry8, cold = accept
    K = packed.shape[1]
    step = max(1, _CHUNK_WORDS // K)
    digits_differ = digits4 ^ digits8
    carry_differ = carry4 ^ carry8
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
            # below_i = majority(r_i, below_{i+1}, p_i) with r_i = 1 - u_i. The carry
            # in (below_24) is each spin's own carry: u <= threshold where it is set.
            below = at_least_one & carry_differ
            below ^= carry8
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
            if cold is not None:  # hot chains: propose each flip with probability 1/2
                propose = _random_words(rng, s.shape)
                propose |= cold
                below &= propose
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
    `cluster_every`-th sweep a cluster update follows. Above T = 8/ln 2 ≈ 11.5
    each Metropolis flip is first proposed with probability 1/2 (see the module
    docstring), so the chains decorrelate up to T -> ∞.

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
        progress: True to show a `keras.utils.Progbar` of the sweeps (default False).

    Limits, checked before anything is allocated: len(temperatures) × chains
    (rounded up) × L² <= 2**24 spins in the chains (a cluster step needs up to
    about 140 bytes per spin), len(temperatures) × n_per_temperature × L² <=
    2**30 spins returned (1 GiB), and at most 2**45 spin updates in all.

    Returns:
        A tuple `(spins, temperatures)`: `spins` of shape
        `(len(temperatures) * n_per_temperature, L, L)`, dtype int8, values ±1,
        grouped by temperature in the given order; `temperatures` of shape
        `(len(temperatures) * n_per_temperature,)`, the temperature of each.

    Raises:
        ValueError: for L < 2, a temperature that is not finite or not > 0, a
            count that is not a positive integer, a seed that is not an integer
            >= 0, an unknown `cluster`, a `progress` that is not a bool, or a run
            beyond the limits above.

    Example:
        >>> spins, T = sample(L=10, temperatures=[1.5, 3.5], n_per_temperature=100, seed=0)
        >>> spins.shape, spins.dtype, T.shape
        ((200, 10, 10), dtype('int8'), (200,))
        >>> bool(np.abs(spins.mean(axis=(1, 2)))[T == 1.5].mean() > 0.9)
        True
    """
    cfg = _settings(L, temperatures, n_per_temperature, seed, chains, equilibration_sweeps,
                    decorrelation_sweeps, cluster, cluster_every)
    progress = _boolean(progress, "progress")
    L, N = cfg["L"], cfg["L"] ** 2
    T = np.asarray(cfg["temperatures"])
    n = cfg["n_per_temperature"]
    words = -(-cfg["chains"] // 64)  # words (of 64 chains) per temperature
    C = 64 * words
    snapshots = -(-n // C)

    rng = np.random.default_rng(cfg["seed"])
    betas = _couplings(T)  # at most 1e300: p = 0 and a bond probability of 1 long before
    beta_words = np.repeat(betas, words)  # (K,): temperature of each word column
    hot = np.repeat(T > _HOT_TEMPERATURE, words)
    accept = (*_bit_masks(np.exp(-4.0 * beta_words)), *_bit_masks(np.exp(-8.0 * beta_words)),
              np.where(hot, np.uint64(0), _ALL_ONES) if hot.any() else None)
    beta_chains = np.repeat(betas, C)  # (M,): temperature of each unpacked chain
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
    out = np.empty((len(T), n, N), np.int8)
    sweep = 0

    def advance(sweeps):
        nonlocal packed, sweep
        for _ in range(sweeps):
            _metropolis_sweep(packed, groups, accept, rng)
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
        kept = min(C, n - k * C)
        out[:, k * C:k * C + kept] = _unpack(packed).reshape(len(T), C, N)[:, :kept]
    return out.reshape(len(T) * n, L, L), np.repeat(T, n)


# ------------------------------------------------------------------ cache


def _cache_key(cfg):
    settings = dict(cfg, algorithm=_ALGORITHM_VERSION)
    text = json.dumps(settings, sort_keys=True)
    return text, hashlib.sha256(text.encode()).hexdigest()[:20]


def cache_path(cache_dir=None, **settings):
    """Where `dataset` caches the samples of these `sample` arguments.

    Args:
        cache_dir: the folder, a non-empty str or os.PathLike (default None:
            `d2lite.data.data_dir()`). Nothing is created.
        **settings: the generating arguments of `dataset` (`L`, `temperatures`,
            ..., `seed`); missing ones take `dataset`'s defaults.

    Returns:
        A `pathlib.Path` such as ``data/ising_L10_<hash>.npz``; it changes with
        every generating parameter.

    Raises:
        TypeError: for an argument that `sample` does not have.
        ValueError: for a bad value, as `dataset`.

    Example:
        >>> cache_path(L=10, seed=0).name.startswith("ising_L10_")
        True
    """
    folder = _cache_dir(cache_dir)
    cfg = _dataset_settings(settings)
    return _cache_file(cfg, folder)


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


def _cache_file(cfg, folder):
    from d2lite.data import data_dir

    folder = data_dir(create=False) if folder is None else folder
    return folder / f"ising_L{cfg['L']}_{_cache_key(cfg)[1]}.npz"


def _npy_headers(path):
    """{member: (shape, dtype)} of the arrays in an .npz file, from their headers only.

    Nothing but the headers is read, so a damaged file that claims a huge array
    costs nothing. Raises ValueError if a member is not an .npy array whose size
    on record matches its header.
    """
    headers = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            with archive.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"{info.filename} has .npy format version {version}")
                data_bytes = info.file_size - f.tell()
            if dtype.hasobject or data_bytes != int(np.prod(shape, dtype=object)) * dtype.itemsize:
                raise ValueError(f"{info.filename} holds {data_bytes} bytes of data, not an "
                                 f"array of shape {shape} and dtype {dtype}")
            headers[info.filename] = (shape, dtype)
    return headers


_UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, NotImplementedError,
               RuntimeError)  # RuntimeError: an encrypted member; NotImplementedError: compression


def _load(path, cfg):
    """The cached (spins, temperatures), or None if the file is missing or does not match.

    The shapes and dtypes in the file's headers are compared with what `cfg`
    implies before any array is read, and every value is checked after; a file
    that does not pass is reported in a warning.
    """
    try:
        if not path.exists():
            return None
        cached, problem = _read_cache(path, cfg)
    except _UNREADABLE as err:
        cached, problem = None, f"unreadable: {type(err).__name__}: {err}"
    if cached is None:
        warnings.warn(f"Ignoring Ising cache {path}: {problem}; sampling again and overwriting it.",
                      UserWarning, stacklevel=3)
    return cached


def _read_cache(path, cfg):
    """((spins, temperatures), None) from a matching cache file, or (None, what is wrong)."""
    if path.is_dir():
        return None, "it is a folder, not a file"
    settings = _cache_key(cfg)[0]
    n_total = cfg["n_per_temperature"] * len(cfg["temperatures"])
    expected = {"spins.npy": ((n_total, cfg["L"], cfg["L"]), np.dtype(np.int8)),
                "temperatures.npy": ((n_total,), np.dtype(np.float64)),
                "settings.npy": ((), np.array(settings).dtype)}
    damaged = "it was made with other parameters or is damaged"
    if _npy_headers(path) != expected:
        return None, damaged
    with np.load(path, allow_pickle=False) as f:
        stored, spins, T = str(f["settings"]), f["spins"], f["temperatures"]
    expected_T = np.repeat(cfg["temperatures"], cfg["n_per_temperature"])
    if stored != settings or not np.array_equal(T, expected_T) or not np.all(np.abs(spins) == 1):
        return None, damaged
    return (spins, T), None


def dataset(L=10, temperatures=LAB_TEMPERATURES, n_per_temperature=1000, *, seed=0, chains=64,
            equilibration_sweeps=200, decorrelation_sweeps=10, cluster="swendsen-wang",
            cluster_every=5, progress=False, cache_dir=None):
    """`sample`, cached as an ``.npz`` file in `d2lite.data.data_dir()`.

    The file name holds a hash of every generating parameter (and of the
    sampler's version), and the file stores the parameters themselves; a file
    whose parameters, shapes or values do not match is never used: it is
    sampled again and overwritten, with a warning. Shapes and dtypes are checked
    from the file's headers before any array is read, and arrays are read with
    ``allow_pickle=False``. Files are written to a temporary name first and
    renamed, so an interrupted run leaves no half file. If the file cannot be
    written (a folder in the way, a read-only folder, a full disk), the samples
    are returned all the same, with a warning that names the folder and the reason.

    Args:
        L, temperatures, n_per_temperature, chains, equilibration_sweeps,
            decorrelation_sweeps, cluster, cluster_every, progress: as in `sample`.
        seed: an integer >= 0 (default 0); None is refused, as it cannot be cached.
        cache_dir: the cache folder, a non-empty str or os.PathLike (default
            None: `d2lite.data.data_dir()`).

    Returns:
        `(spins, temperatures)` as from `sample`.

    Raises:
        ValueError: as `sample`, for `seed=None`, and for a `cache_dir` that is
            not a path.

    Warns:
        UserWarning: when a cache file is ignored, or cannot be written.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> spins, T = dataset(temperatures=[1.5, 3.5], n_per_temperature=100, cache_dir=folder)
        >>> spins.shape, cache_path(temperatures=[1.5, 3.5], n_per_temperature=100,
        ...                         cache_dir=folder).exists()
        ((200, 10, 10), True)
    """
    folder = _cache_dir(cache_dir)
    cfg = _dataset_settings(dict(
        L=L, temperatures=temperatures, n_per_temperature=n_per_temperature, seed=seed,
        chains=chains, equilibration_sweeps=equilibration_sweeps,
        decorrelation_sweeps=decorrelation_sweeps, cluster=cluster, cluster_every=cluster_every))
    progress = _boolean(progress, "progress")
    path = _cache_file(cfg, folder)
    cached = _load(path, cfg)
    if cached is not None:
        return cached
    spins, T = sample(**cfg, progress=progress)
    try:
        with _validate.atomic_write(path, "wb") as f:
            np.savez(f, spins=spins, temperatures=T, settings=np.array(_cache_key(cfg)[0]))
    except OSError as err:  # a folder in the way, no permission, a full disk
        warnings.warn(f"Could not write the Ising cache {path.name} in {path.parent} "
                      f"({type(err).__name__}: {err}); returning the samples uncached.",
                      UserWarning, stacklevel=2)
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
        spins: array of ±1 (integers or floats, not booleans) of shape `(..., L, L)`;
            an empty batch gives an empty result.

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
        spins: array of ±1 of shape `(..., L, L)`, as for `energy`.

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
    0 in the disordered one; its curves for different L cross near T_c. The
    variances are computed about the means (two passes), so they are never
    negative.

    Args:
        spins: array of ±1 of shape `(n, L, L)`, n >= 1.
        temperatures: the temperature of each configuration, shape `(n,)`.

    Returns:
        A dict of 1-D arrays, one entry per distinct temperature (sorted):
        `"temperature"`, `"count"`, `"energy"` (⟨e⟩), `"magnetization"` (⟨m⟩),
        `"abs_magnetization"` (⟨|m|⟩), `"specific_heat"` (C), `"susceptibility"`
        (χ), `"binder"` (U_4). `pandas.DataFrame(observables(...))` makes a table.
        U_4 is undefined, and NaN with a warning, at a temperature where every
        sample has m = 0.

    Raises:
        ValueError: for bad spins, no configuration, temperatures that are not
            finite and > 0, or a length mismatch.

    Example:
        >>> obs = observables(np.ones((4, 10, 10), np.int8), [1.0, 1.0, 2.0, 2.0])
        >>> obs["temperature"].tolist(), obs["energy"].tolist(), obs["binder"].tolist()
        ([1.0, 2.0], [-2.0, -2.0], [0.6666666666666667, 0.6666666666666667])
    """
    s = _spins(spins)
    if s.ndim != 3 or len(s) == 0:
        raise _validate.invalid("spins", "configurations of shape (n, L, L) with n >= 1",
                                _validate.Described(f"shape {s.shape}"))
    T = _temperatures(temperatures)
    if len(T) != len(s):
        raise ValueError(
            "Received an invalid value for argument `temperatures`, expected one temperature "
            f"per configuration (spins of shape {s.shape}), got {len(T)} temperatures."
        )
    N = s.shape[1] * s.shape[2]
    e, m = energy(s), magnetization(s)
    values, group, count = np.unique(T, return_inverse=True, return_counts=True)
    group = group.ravel()

    def mean(x):
        return np.bincount(group, weights=x, minlength=len(values)) / count

    e1, m_abs = mean(e), mean(np.abs(m))
    e_var, m_abs_var = mean((e - e1[group]) ** 2), mean((np.abs(m) - m_abs[group]) ** 2)
    m2, m4 = mean(m**2), mean(m**4)
    defined = m2 > 0
    if not defined.all():
        warnings.warn("The Binder cumulant is undefined (NaN) at T = "
                      f"{values[~defined].tolist()}: every sample there has m = 0.",
                      UserWarning, stacklevel=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        binder = np.where(defined, 1.0 - m4 / (3.0 * m2**2), np.nan)
    return {
        "temperature": values,
        "count": count,
        "energy": e1,
        "magnetization": mean(m),
        "abs_magnetization": m_abs,
        "specific_heat": N * e_var / values / values,
        "susceptibility": N * m_abs_var / values,
        "binder": binder,
    }


# ------------------------------------------------------------------ exact results


def _couplings(T_arr):
    """K = 1/T, at most 1e300 (every result is at its T -> 0 limit long before)."""
    with np.errstate(over="ignore", divide="ignore"):  # 1/T overflows for a subnormal T
        return np.minimum(1.0 / T_arr, 1e300)


def onsager_magnetization(T):
    """Onsager–Yang spontaneous magnetization of the infinite lattice.

    .. math:: m_0(T) = \\left(1 - \\sinh(2/T)^{-4}\\right)^{1/8} \\text{ for } T < T_c,
              \\quad 0 \\text{ above.}

    Computed with :math:`1/\\sinh 2K = 2e^{-2K}/(1 - e^{-4K})`, so it tends to 1
    as T -> 0 without overflow.

    Args:
        T: temperature(s), finite and > 0 (a number or a non-empty array).

    Returns:
        m_0 with the shape of `T` (a float for a scalar).

    Raises:
        ValueError: for a temperature that is not a finite number > 0.

    Example:
        >>> round(float(onsager_magnetization(2.0)), 3)
        0.911
    """
    T_arr = _temperature_array(T)
    K = _couplings(T_arr)
    below = T_arr < CRITICAL_TEMPERATURE
    inverse_sinh = 2.0 * np.exp(-2.0 * K[below]) / -np.expm1(-4.0 * K[below])
    m = np.zeros_like(T_arr)
    m[below] = np.clip(1.0 - inverse_sinh**4, 0.0, None) ** 0.125
    return m if m.ndim else float(m)


def onsager_energy(T):
    """Onsager's exact energy per spin of the infinite lattice.

    .. math:: u(T) = -\\coth 2K \\left[1 + \\frac{2}{\\pi}\\left(2\\tanh^2 2K - 1\\right)
              K_1(k)\\right], \\quad K = 1/T, \\quad k = \\frac{2\\sinh 2K}{\\cosh^2 2K},

    with the complete elliptic integral
    :math:`K_1(k) = \\int_0^{\\pi/2} d\\theta / \\sqrt{1 - k^2\\sin^2\\theta}
    = \\pi / (2\\,\\mathrm{AGM}(1, \\sqrt{1-k^2}))`, computed with the
    arithmetic-geometric mean. u(T_c) = -√2. For stability at both ends,
    :math:`k = 4x(1 - x^2)/(1 + x^2)^2` with :math:`x = e^{-2K}`, the bracket is
    :math:`(2\\tanh^2 2K - (1 - \\mathrm{AGM}))/\\mathrm{AGM}` with 1 - AGM summed
    from the AGM's positive half-differences, and u = -2 tanh K for K < 1e-8:
    u -> -2 as T -> 0 and u ~ -2/T as T -> ∞.

    Args:
        T: temperature(s), finite and > 0 (a number or a non-empty array).

    Returns:
        u with the shape of `T` (a float for a scalar).

    Raises:
        ValueError: for a temperature that is not a finite number > 0.

    Example:
        >>> round(float(onsager_energy(1.0)), 3), round(float(onsager_energy(2.0)), 4)
        (-1.997, -1.7456)
    """
    T_arr = _temperature_array(T)
    K = _couplings(T_arr)
    x = np.exp(-2.0 * K)
    k = np.minimum(4.0 * x * -np.expm1(-4.0 * K) / (1.0 + x * x) ** 2, 1.0)
    a, b = np.ones_like(k), np.sqrt((1.0 - k) * (1.0 + k))
    c = k * k / (2.0 * (1.0 + b))  # c_1 = (a_0 - b_0) / 2
    one_minus_agm = np.zeros_like(k)
    for _ in range(60):  # AGM: quadratic convergence, slower only right next to T_c
        one_minus_agm += c  # 1 - AGM = c_1 + c_2 + ..., c_{n+1} = (a_n - b_n) / 2
        a, b = (a + b) / 2.0, np.sqrt(a * b)
        c = c * c / (2.0 * (a + b))  # c_{n+2} = c_{n+1}^2 / (4 a_{n+2})
    t = np.tanh(2.0 * K)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = -(2.0 * t * t - one_minus_agm) / (a * t)
    u = np.where(k >= 1.0, -np.sqrt(2.0), u)
    u = np.where(K < 1e-8, -2.0 * np.tanh(K), u)  # high-T series; the next term is -4K^3
    return u if u.ndim else float(u)


_KAUFMAN_K_MIN = 1e-30  # below it <e> ∝ K and C ∝ K^2, to a relative 1e-30
_KAUFMAN_K_LOW_T = 3.5  # from it on the low-temperature expansion is used


def _kaufman_terms(K, L):
    """(1/N) d ln Z/dK and (1/N) d² ln Z/dK² of the periodic L×L lattice, for 1-D K.

    Kaufman (1949): Z = ½ (2 sinh 2K)^{N/2} (Z₁ + Z₂ + Z₃ + Z₄), Z₁,₂ = ∏_{r odd} 2 cosh,
    2 sinh (L γ_r / 2) and Z₃,₄ = ∏_{r even} 2 cosh, 2 sinh (L γ_r / 2), r = 0..2L-1,
    where cosh γ_r = cosh 2K coth 2K - cos(π r / L) and γ_0 = 2K + ln tanh K
    (negative above T_c). Each factor is written e^{L |γ_r| / 2}(1 ± e^{-L |γ_r|}),
    and (2 sinh 2K)^{1/2} e^{|γ_r|/2} = e^{g_r/2} with g_r = ln 2(q + √(q² - s²)),
    s = sinh 2K, q = 1 + s² - s cos(π r / L): smooth in K, with no cancellation
    at small K. The derivatives of g_r and γ_r are analytic (g_r' + 2 cos(π r / L)
    in a form that vanishes with s, as Σ cos(π r / L) over odd or even r is 0),
    the four Z_i are summed in logarithms, and the second derivative as a
    weighted variance, so nothing overflows and the absolute error is ~1e-14.
    """
    N = L * L
    K = K[:, None]
    theta = np.pi * np.arange(1, 2 * L) / L  # r = 1..2L-1; r = 0 separately
    cos, one_minus_cos = np.cos(theta), 2.0 * np.sin(theta / 2) ** 2
    s, ch = np.sinh(2 * K), np.cosh(2 * K)
    q = 1 + s * (s - cos)
    q_minus_s = (1 - s) ** 2 + s * one_minus_cos
    R = np.sqrt(q_minus_s * (q + s))
    w = q + R
    dq = 2 * ch * (2 * s - cos)
    dR = (q * dq - 2 * s * ch) / R
    dg = (dq + dR) / w
    ddq = 8 * s**2 - 4 * s * cos + 8 * ch**2
    ddR = (dq**2 + q * ddq - 4 * (ch**2 + s**2) - dR**2) / R
    g = np.log(2 * w)
    G = s * ((4 * ch - 2 * cos * (2 * cos * (1 + s**2) - s * (cos**2 + s**2)) / (ch + R)) / R
             - 2 * ch / (R * w))  # g' + 2 cos
    ddg = (ddq + ddR) / w - dg**2
    c_minus_1 = q_minus_s / s  # cosh γ_r - 1
    gamma = np.log1p(c_minus_1 + np.sqrt(c_minus_1 * (c_minus_1 + 2)))
    coth = ch / s
    # r = 0, in closed form on either side of T_c (s = 1), γ_0 >= 0 counted as above
    above = s >= 1
    x = np.exp(-2 * K)
    with np.errstate(divide="ignore"):  # the branch not taken
        g0 = np.where(above, 2 * (2 * K + np.log1p(-x)), 2 * np.log1p(x))
        G0 = np.where(above, 2 - 4 / np.expm1(-2 * K), 2 * np.tanh(K))
        ddg0 = np.where(above, -2 / np.sinh(K) ** 2, 2 / np.cosh(K) ** 2)
    u0 = (1 - s) ** 2 / s
    gamma0 = np.log1p(u0 + np.sqrt(u0 * (u0 + 2)))  # |γ_0|
    g = np.concatenate([g0, g], axis=1)
    G = np.concatenate([G0, G], axis=1)
    ddg = np.concatenate([ddg0, ddg], axis=1)
    gamma = np.concatenate([gamma0, gamma], axis=1)
    dgamma = np.concatenate([G0 - 2, dg], axis=1) - 2 * coth  # |γ_r|' = g_r' - 2 coth 2K
    ddgamma = ddg + 4 / s**2
    # ln(1 ± e^{-L|γ|}) and their derivatives
    t = np.exp(-L * gamma)
    La = L * dgamma
    h_plus = np.log1p(t)
    dh_plus = -La * t / (1 + t)
    ddh_plus = -L * ddgamma * t / (1 + t) + La**2 * t / (1 + t) ** 2
    # Column 0 is t = 1 where γ_0 = 0 (T = T_c exactly: sinh 2K rounds to 1.0 with some
    # libms); it is replaced by the factor φ below, so its infinities are never used.
    with np.errstate(divide="ignore", invalid="ignore"):
        h_minus = np.log1p(-t)
        dh_minus = La * t / (1 - t)
        ddh_minus = L * ddgamma * t / (1 - t) - La**2 * t / (1 - t) ** 2
    # The r = 0 factor of Z₄, sign(γ_0)(1 - e^{-L|γ_0|}), vanishes at T_c: kept as a factor φ.
    t0, a0, aa0 = t[:, 0], dgamma[:, 0], ddgamma[:, 0]
    sign0 = np.where(above[:, 0], 1.0, -1.0)
    h_minus[:, 0] = dh_minus[:, 0] = ddh_minus[:, 0] = 0.0
    base, dbase, ddbase = L / 2 * g, L / 2 * G, L / 2 * ddg

    def four(x_base, x_plus, x_minus):
        odd, even = x_base[:, 1::2], x_base[:, 0::2]
        return np.stack([(odd + x_plus[:, 1::2]).sum(1), (odd + x_minus[:, 1::2]).sum(1),
                         (even + x_plus[:, 0::2]).sum(1), (even + x_minus[:, 0::2]).sum(1)])

    ell = four(base, h_plus, h_minus)
    d_ell = four(dbase, dh_plus, dh_minus)
    dd_ell = four(ddbase, ddh_plus, ddh_minus)
    one, zero = np.ones_like(t0), np.zeros_like(t0)
    phi = np.stack([one, one, one, sign0 * -np.expm1(-L * gamma[:, 0])])
    d_phi = np.stack([zero, zero, zero, sign0 * La[:, 0] * t0])
    dd_phi = np.stack([zero, zero, zero, sign0 * L * t0 * (aa0 - L * a0**2)])
    weight = np.exp(ell - ell.max(axis=0))
    Z = (weight * phi).sum(axis=0)
    first = (weight * (d_ell * phi + d_phi)).sum(axis=0) / Z
    delta = d_ell - first
    second = (weight * ((dd_ell + delta**2) * phi + 2 * delta * d_phi + dd_phi)).sum(axis=0) / Z
    return first / N, second / N


def _kaufman(T, L):
    """(T as an array, ⟨e⟩, C) of the periodic L×L lattice, exactly (Kaufman 1949)."""
    T_arr = _temperature_array(T)
    L = _validate.integer(L, "L", minimum=2)
    if L > _MAX_KAUFMAN_L:
        raise _validate.invalid("L", f"an integer from 2 to 2**16 = {_MAX_KAUFMAN_L} (for a "
                                     "larger lattice use the infinite one, onsager_*)", L)
    if T_arr.size * L > _MAX_KAUFMAN_WORK:
        raise ValueError(
            "Received invalid values for arguments `T` and `L`, expected T.size * L <= 2**27 "
            f"(about a minute of computing), got {T_arr.size} * {L} = {T_arr.size * L}."
        )
    K = _couplings(T_arr).ravel()
    first, heat = np.empty_like(K), np.empty_like(K)
    # Low T: ln Z / N = 2K + κ e^{-8K} + O(e^{-12K}), κ = 1 (one spin flipped; 3/2 on the
    # 2×2 torus, whose adjacent pairs cost as much), to a relative 1e-6 at K = 3.5.
    cold = K >= _KAUFMAN_K_LOW_T
    kappa = 1.5 if L == 2 else 1.0
    K_cold = K[cold]
    first[cold] = 2.0 - 8.0 * kappa * np.exp(-8.0 * K_cold)
    heat[cold] = 64.0 * kappa * np.exp(2.0 * np.log(K_cold) - 8.0 * K_cold)
    hot = K < _KAUFMAN_K_MIN
    if hot.any():  # ⟨e⟩ ∝ K and C ∝ K^2 as K -> 0
        f, s2 = _kaufman_terms(np.array([_KAUFMAN_K_MIN]), L)
        first[hot] = f[0] * (K[hot] / _KAUFMAN_K_MIN)
        heat[hot] = s2[0] * K[hot] ** 2
    middle = np.flatnonzero(~cold & ~hot)
    step = max(1, 2**16 // L)  # couplings per call: arrays of about 2**17 numbers
    for start in range(0, len(middle), step):
        i = middle[start:start + step]
        f, s2 = _kaufman_terms(K[i], L)
        first[i], heat[i] = f, K[i] ** 2 * s2
    # ⟨e⟩ is in [-2, 0] (Griffiths) and C >= 0: clip round-off at the bounds.
    e = np.clip(-first, -2.0, 0.0).reshape(T_arr.shape)
    heat = np.maximum(heat, 0.0).reshape(T_arr.shape)
    return T_arr, e, heat


def kaufman_energy(T, L):
    r"""Exact mean energy per spin of the finite periodic L×L lattice (Kaufman 1949).

    :math:`\langle e \rangle = -\frac{1}{N} \frac{\partial \ln Z}{\partial K}`, K = 1/T,
    from Kaufman's closed form of Z for the torus, differentiated analytically.
    This is what `sample` must reproduce at every temperature, T_c included;
    for large L it tends to `onsager_energy`. Stable at both ends: ⟨e⟩ -> -2 as
    T -> 0 and ⟨e⟩ ~ -2/T (-4/T for L = 2) as T -> ∞, absolute error ~1e-14.

    Args:
        T: temperature(s), finite and > 0 (a number or a non-empty array).
        L: the lattice side, an integer from 2 to 2**16 (T.size × L <= 2**27).

    Returns:
        ⟨e⟩ with the shape of `T` (a float for a scalar).

    Raises:
        ValueError: for a temperature that is not a finite number > 0, or a bad L.

    Example:
        >>> round(float(kaufman_energy(CRITICAL_TEMPERATURE, 10)), 4)
        -1.4762
    """
    T_arr, e, _ = _kaufman(T, L)
    return e if T_arr.ndim else float(e)


def kaufman_specific_heat(T, L):
    r"""Exact specific heat per spin of the finite periodic L×L lattice (Kaufman 1949).

    :math:`C = \frac{K^2}{N} \frac{\partial^2 \ln Z}{\partial K^2}`, K = 1/T, the same
    quantity that `observables` estimates from energy fluctuations. For L = 10
    it peaks near T = 2.36, above T_c: a finite lattice rounds and shifts the
    transition. C -> 0 at both ends (as 64 e^{-8/T}/T² and ~2/T²), absolute
    error ~1e-14.

    Args:
        T: temperature(s), finite and > 0 (a number or a non-empty array).
        L: the lattice side, an integer from 2 to 2**16 (T.size × L <= 2**27).

    Returns:
        C with the shape of `T` (a float for a scalar).

    Raises:
        ValueError: for a temperature that is not a finite number > 0, or a bad L.

    Example:
        >>> round(float(kaufman_specific_heat(2.0, 10)), 3)
        0.723
    """
    T_arr, _, heat = _kaufman(T, L)
    return heat if T_arr.ndim else float(heat)
