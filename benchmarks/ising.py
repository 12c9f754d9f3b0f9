"""Speed of d2lite.ising: spin updates per second and the time to make the lab's dataset.

    python benchmarks/ising.py [--quick]

Prints, for the multi-spin-coded checkerboard Metropolis sweep (numpy only):
* spin updates per second on lattices of several sizes (best of a few runs);
* what bounds it: the share of the time spent drawing the 24 random words that
  each 64 spins need for the acceptance test;
* for comparison, a plain int8 checkerboard sweep with one float32 uniform per spin;
* the cost of one Swendsen–Wang cluster step per spin;
* the wall time of `ising.sample()` with the lab's defaults (36 temperatures x
  1000 lattices of 10x10), which is what notebook 10 generates when not cached.

Timings depend on the machine and on what else runs on it; the sampler is
single-threaded numpy, so on a quiet machine CPU time ~ wall time, and a CPU time
much below the wall time means other processes took the core.
"""

import argparse
import time

import numpy as np

from d2lite import ising


def best_of(repeats, fn, cpu=False):
    """Best wall time (or CPU time) of `repeats` runs of `fn`, in seconds."""
    return min(cpu_and_wall(fn)[0 if cpu else 1] for _ in range(repeats))


def cpu_and_wall(fn):
    """(CPU seconds of this process, wall seconds) of one run of `fn`."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def metropolis_rate(L, n_temperatures, chains, sweeps, repeats):
    """Spin updates per second of `sample` with Metropolis only (one snapshot at the end)."""
    T = np.linspace(1.0, 3.5, n_temperatures)

    def run():
        ising.sample(L=L, temperatures=T, n_per_temperature=1, seed=0, chains=chains,
                     equilibration_sweeps=sweeps - 1, decorrelation_sweeps=1, cluster=None)

    updates = sweeps * L * L * n_temperatures * chains
    times = [cpu_and_wall(run) for _ in range(repeats)]
    return updates / min(t[1] for t in times), updates / min(t[0] for t in times)


def random_share(L, n_temperatures, chains, sweeps, repeats, rate):
    """Fraction of the sweep's CPU time spent drawing the acceptance test's random words."""
    words = L * L * n_temperatures * chains // 64
    rng = np.random.default_rng(0)
    step = max(1, ising._CHUNK_WORDS)

    def draw():
        for _ in range(sweeps * ising._BITS):
            for start in range(0, words, step):
                ising._random_words(rng, min(step, words - start))

    seconds = best_of(repeats, draw, cpu=True)
    sweep_seconds = sweeps * L * L * n_temperatures * chains / rate
    return seconds / sweep_seconds


def int8_checkerboard_rate(L, n_lattices, sweeps, repeats, T=2.269):
    """The textbook vectorization: int8 spins, np.roll neighbours, one float32 per spin."""
    rng = np.random.default_rng(0)
    s = np.ones((n_lattices, L, L), np.int8)
    colour = (np.indices((L, L)).sum(0) % 2).astype(bool)
    accept = np.exp(-np.arange(-8, 9) / T).astype(np.float32)  # indexed by dE + 8

    def run():
        for _ in range(sweeps):
            for mask in (colour, ~colour):
                h = (np.roll(s, 1, 1) + np.roll(s, -1, 1) + np.roll(s, 1, 2) + np.roll(s, -1, 2))
                dE = 2 * s * h
                flip = (rng.random(s.shape, dtype=np.float32) < accept[dE + 8]) & mask
                s[flip] *= -1

    seconds = best_of(repeats, run)
    return sweeps * L * L * n_lattices / seconds


def cluster_cost(L, n_lattices, repeats):
    """Seconds per spin of one Swendsen–Wang step."""
    rng = np.random.default_rng(0)
    spins = np.where(rng.random((n_lattices, L * L)) < 0.5, 1, -1).astype(np.int8)
    betas = np.full(n_lattices, 1 / ising.CRITICAL_TEMPERATURE)
    neighbours = ising._neighbours(L)
    seconds = best_of(repeats, lambda: ising._cluster_step(spins, betas, neighbours,
                                                            "swendsen-wang", rng))
    return seconds / (n_lattices * L * L)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sweeps and repeats")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else 3
    scale = 0.3 if args.quick else 1.0

    print("Checkerboard Metropolis, multi-spin coded (64 chains per uint64 word):")
    cases = [  # (L, temperatures, chains per temperature, sweeps)
        (10, 36, 64, 200),    # the lab's dataset shape
        (10, 36, 512, 40),
        (32, 8, 256, 40),
        (64, 4, 256, 20),
    ]
    rates = []
    for L, nT, chains, sweeps in cases:
        sweeps = max(5, int(sweeps * scale))
        rate, cpu_rate = metropolis_rate(L, nT, chains, sweeps, repeats)
        rates.append(rate)
        share = random_share(L, nT, chains, sweeps, repeats, cpu_rate)
        print(f"  L={L:3d}, {nT:2d} temperatures x {chains:3d} chains: {rate:.3g} spin updates/s"
              f" ({cpu_rate:.3g} per CPU second; random words {share:.0%} of the CPU time)")
    print(f"  best: {max(rates):.3g} spin updates/s (goal 1e8)")

    sweeps = max(3, int(20 * scale))
    print(f"Plain int8 checkerboard, one float32 per spin (L=32, 256 lattices): "
          f"{int8_checkerboard_rate(32, 256, sweeps, repeats):.3g} spin updates/s")
    print(f"Swendsen-Wang step at T_c (L=10, 2304 lattices): "
          f"{cluster_cost(10, 2304, repeats) * 1e9:.0f} ns per spin")

    cpu, wall = cpu_and_wall(lambda: ising.sample(seed=0))
    print(f"Lab dataset, ising.sample(seed=0) defaults (36 temperatures x 1000 lattices of "
          f"10x10): {wall:.1f} s wall, {cpu:.1f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
