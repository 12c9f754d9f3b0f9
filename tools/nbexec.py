"""Execute notebooks in place the way nbval will, and store clean outputs.

    python tools/nbexec.py notebooks/01_sequences.ipynb [more.ipynb ...]

Each notebook is run top to bottom in a fresh python3 kernel from its own folder;
stderr streams (TensorFlow's C++ logs) are dropped from the stored outputs, the
kernelspec is set to python3, and the run fails on any error output. Prints the
wall time of each notebook. `benchmarks/notebook_times.py` reuses `execute`.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def execute(path, timeout=600, write=True):
    """Run one notebook; return (seconds, notebook). Raises on a cell error."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [o for o in cell.outputs
                        if not (o.output_type == "stream" and o.get("name") == "stderr")]
        cell.metadata.pop("execution", None)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    if errors:  # nbclient raises first; this guards allow_errors cells
        raise RuntimeError(f"{path}: {len(errors)} error output(s)")
    if write:
        nbformat.validate(nb)
        nbformat.write(nb, path)
    return seconds, nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args(argv)
    for nb_path in args.notebooks:
        seconds, _ = execute(nb_path, timeout=args.timeout)
        print(f"{nb_path}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
