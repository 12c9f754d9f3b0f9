"""Execute every notebook (or those named) and print its wall time.

    .venv/bin/python benchmarks/notebook_times.py [notebooks/04_rnn.ipynb ...]
    .venv/bin/python benchmarks/notebook_times.py --backend jax --repeat 3

Notebooks run one after another in fresh kernels, exactly as nbval runs them,
without writing anything back. The machine is noisy: compare figures from one
run, and rerun with --repeat N to get medians.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # a dev script, not a notebook

from nbexec import execute  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebook in notebooks/")
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook (median reported)")
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"),
                        choices=["tensorflow", "jax", "torch"], help="Keras backend of the kernels")
    parser.add_argument("--cells", type=int, default=0, metavar="N",
                        help="also print the N slowest cells of each notebook (last run)")
    args = parser.parse_args(argv)
    os.environ["KERAS_BACKEND"] = args.backend  # the kernels inherit the environment
    paths = [Path(p) for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    print(f"{'notebook (' + args.backend + ')':<32} {'median s':>9}  runs")
    for path in paths:
        times, cells = [], []
        for _ in range(args.repeat):
            cells.clear()
            times.append(execute(path, write=False, cell_seconds=cells)[0])
        median = statistics.median(times)
        total += median
        print(f"{path.name:<32} {median:9.1f}  {', '.join(f'{t:.1f}' for t in times)}", flush=True)
        for index, seconds in sorted(cells, key=lambda c: -c[1])[:args.cells]:
            print(f"    cell {index:3d} {seconds:7.1f} s", flush=True)
    print(f"{'total':<32} {total:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
