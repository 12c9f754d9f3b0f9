"""Execute notebooks the way nbval will, and store clean outputs.

    python tools/nbexec.py notebooks/01_sequences.ipynb [more.ipynb ...]   # in place
    python tools/nbexec.py --output-dir build/run notebooks/[0-9][0-9]_*.ipynb

Each notebook is run top to bottom in a fresh python3 kernel from its own folder
(so relative paths resolve as in JupyterLab); stderr streams (TensorFlow's C++ logs)
are dropped from the stored outputs, the kernelspec is set to python3, and the run
fails on any error output. What the kernel process itself writes to stderr (CUDA
probing, XLA start-up) goes to a log file next to the output instead of the
terminal, so the terminal shows one line per notebook with its wall time, and the
total. `make run`, `make notebook` and `benchmarks/notebook_times.py` all come here.
"""

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _clean(nb):
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [o for o in cell.outputs
                        if not (o.output_type == "stream" and o.get("name") == "stderr")]
        cell.metadata.pop("execution", None)


def _cell_time(cell):
    """Seconds a code cell ran, from nbclient's execution timestamps (0 if missing)."""
    timing = cell.metadata.get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return (end - start).total_seconds()


def execute(path, timeout=600, write=True, output=None, log=None, cwd=None, cell_seconds=None):
    """Run one notebook; return (seconds, notebook). Raises on a cell error.

    Args:
        path: the notebook to run (its folder is the kernel's working directory).
        timeout: seconds allowed per cell.
        write: store the executed notebook (default True).
        output: where to store it (default: over `path`).
        log: a file for the kernel process's own stderr (default: discarded).
        cwd: the kernel's working directory (default: the notebook's folder).
        cell_seconds: a list to receive (cell index, seconds) for every code cell.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(Path(cwd or path.parent).resolve())}})
    start = time.perf_counter()
    if log is None:
        client.execute(stderr=open(os.devnull, "w"))
    else:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w", encoding="utf-8") as stderr:
            client.execute(stderr=stderr)
    seconds = time.perf_counter() - start
    if cell_seconds is not None:
        cell_seconds.extend((i, _cell_time(cell)) for i, cell in enumerate(nb.cells)
                            if cell.cell_type == "code")
    _clean(nb)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    if errors:  # nbclient raises first; this guards allow_errors cells
        raise RuntimeError(f"{path}: {len(errors)} error output(s)")
    if write:
        target = Path(output) if output is not None else path
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.validate(nb)
        nbformat.write(nb, target)
    return seconds, nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (600)")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help="write executed copies here instead of over the notebooks")
    args = parser.parse_args(argv)
    logs = (args.output_dir or Path("build")) / "logs"
    total, failed = 0.0, []
    for path in args.notebooks:
        output = None if args.output_dir is None else args.output_dir / path.name
        log = logs / f"{path.stem}.stderr.log"
        try:
            seconds, _ = execute(path, timeout=args.timeout, output=output, log=log)
        except (CellExecutionError, RuntimeError) as err:
            failed.append(path.name)
            first = str(err).strip().splitlines()
            print(f"{path.name:<32} FAILED  {first[-1] if first else err}", flush=True)
            print(f"{'':<32} (kernel stderr: {log})", flush=True)
            continue
        total += seconds
        print(f"{path.name:<32} {seconds:7.1f} s", flush=True)
    print(f"{'total':<32} {total:7.1f} s" + (f"  ({len(failed)} failed)" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
