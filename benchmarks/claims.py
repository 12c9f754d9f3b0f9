"""How often every assert of every notebook holds when its seeds are shifted.

    .venv/bin/python benchmarks/claims.py                       # every notebook, TF and JAX
    .venv/bin/python benchmarks/claims.py notebooks/04_rnn.ipynb --backends jax --shifts 0 101
    .venv/bin/python benchmarks/claims.py --failures-only       # only the asserts that broke

A lesson's comparison (A beats B, masking helps, deeper is better) must not be an accident
of one seed. This runs each notebook once per backend and per seed shift k: every literal
seed in its code (`keras.utils.set_random_seed(4)`, `np.random.default_rng(4)`, `seed=4`,
`SEED = 4`) becomes seed + k, and every `assert` statement is rewritten so that a failing
one is recorded instead of stopping the notebook. It prints, for every assert, in how many
runs it held, per backend; runs that stopped on an exception are listed with the error.
Results go to build/claims.json as well. Shift 0 is the committed notebook.

Four shifts of ten notebooks on two backends are about 80 runs of the series' notebooks:
some 40 minutes on a 2-core machine. Run it after changing a lesson's experiment.
"""

import argparse
import ast
import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # a dev script, not a package

from nbexec import execute  # noqa: E402

SEED_PATTERNS = [  # (regex, group holding the integer)
    re.compile(r"(set_random_seed\(\s*)(\d+)"),
    re.compile(r"(default_rng\(\s*)(\d+)"),
    re.compile(r"(np\.random\.seed\(\s*)(\d+)"),
    re.compile(r"(\bseed\s*=\s*)(\d+)"),
    re.compile(r"(^SEED\s*=\s*)(\d+)", re.M),
]

RECORDER = '''\
import json as _claims_json
def __claim__(key, test):
    try:
        held, error = bool(test()), None
    except Exception as err:  # an assert whose test raises counts as failed
        held, error = False, f"{{type(err).__name__}}: {{err}}"
    with open({path!r}, "a") as _f:
        _f.write(_claims_json.dumps({{"key": key, "held": held, "error": error}}) + "\\n")
'''


def shift_seeds(source, k):
    """`source` with every literal seed increased by `k`."""
    for pattern in SEED_PATTERNS:
        source = pattern.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + k}", source)
    return source


class _Asserts(ast.NodeTransformer):
    """assert test, msg  ->  __claim__("cell:n", lambda: test)."""

    def __init__(self, cell):
        self.cell, self.n, self.found = cell, 0, {}

    def visit_Assert(self, node):
        self.n += 1
        key = f"{self.cell}:{self.n}"
        self.found[key] = ast.unparse(node.test)
        call = ast.Call(func=ast.Name("__claim__", ast.Load()),
                        args=[ast.Constant(key),
                              ast.Lambda(ast.arguments([], [], None, [], [], None, []), node.test)],
                        keywords=[])
        return ast.copy_location(ast.Expr(call), node)


def instrument(nb, k, record_path):
    """A copy of `nb` with seeds shifted by `k` and asserts recorded; returns (nb, asserts)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    asserts = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        source = shift_seeds(cell.source, k)
        try:
            tree = ast.parse(source)
        except SyntaxError:  # IPython magics: left as they are, asserts included
            cell.source = source
            continue
        visitor = _Asserts(i)
        tree = ast.fix_missing_locations(visitor.visit(tree))
        asserts.update(visitor.found)
        cell.source = ast.unparse(tree) if visitor.found else source
    nb.cells.insert(0, nbformat.v4.new_code_cell(RECORDER.format(path=str(record_path))))
    return nb, asserts


def run(path, backend, k, keep=None):
    """Run one instrumented notebook; return (asserts, {key: held in every call}, error)."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "claims.jsonl"
        record.touch()
        nb, asserts = instrument(nb, k, record)
        copy = Path(tmp) / path.name  # run from the notebook's folder: relative paths resolve
        nbformat.write(nb, copy)
        os.environ["KERAS_BACKEND"] = backend
        error = None
        try:
            output = keep / f"{path.stem}_{backend}_{k}.ipynb" if keep else None
            execute(copy, write=bool(keep), output=output, cwd=path.parent)
        except Exception as err:  # noqa: BLE001 - reported in the table
            message = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip()  # nbclient's colours
            error = message.splitlines()[-1][:300] if message else repr(err)
        held = {}
        for line in record.read_text().splitlines():
            entry = json.loads(line)
            held[entry["key"]] = held.get(entry["key"], True) and entry["held"]
    return asserts, held, error


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax"])
    parser.add_argument("--shifts", nargs="+", type=int, default=[0, 101, 202, 303])
    parser.add_argument("--failures-only", action="store_true",
                        help="print only the asserts that failed in some run")
    parser.add_argument("--json", type=Path, default=ROOT / "build" / "claims.json")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write every executed notebook here (to read its outputs)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

    results, stopped, sources = defaultdict(dict), [], {}
    for path in paths:
        for backend in args.backends:
            for k in args.shifts:
                start = time.perf_counter()
                asserts, held, error = run(path, backend, k, args.keep)
                for key, test in asserts.items():
                    sources[(path.name, key)] = test
                    # Not reached (the notebook stopped first) counts as not held.
                    results[(path.name, key)][(backend, k)] = held.get(key, False)
                if error:
                    stopped.append((path.name, backend, k, error))
                print(f"# {path.name} {backend} shift {k}: {sum(held.values())}/{len(asserts)} "
                      f"held, {time.perf_counter() - start:.0f} s"
                      + (f", stopped: {error}" if error else ""), file=sys.stderr, flush=True)

    runs = len(args.shifts)
    header = f"{'notebook':<24} {'assert':<7} " + " ".join(f"{b[:10]:>10}" for b in args.backends)
    print(f"Every assert: in how many of {runs} runs (seed shifts {args.shifts}) it held.")
    print(header + "  test")
    failing = 0
    for (name, key), by_run in sorted(results.items(), key=lambda kv: (kv[0][0], _order(kv[0][1]))):
        counts = [sum(by_run.get((b, k), False) for k in args.shifts) for b in args.backends]
        broke = any(c < runs for c in counts)
        failing += broke
        if args.failures_only and not broke:
            continue
        test = sources[(name, key)].replace("\n", " ")
        cells = " ".join(f"{f'{c}/{runs}':>10}" for c in counts)
        print(f"{name[:24]:<24} {key:<7} {cells}  {test[:90]}{' <-' if broke else ''}")
    print(f"{len(results)} asserts, {failing} failed in some run.")
    for name, backend, k, error in stopped:
        print(f"stopped: {name} on {backend}, shift {k}: {error}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(
        [{"notebook": n, "assert": key, "test": sources[(n, key)],
          "held": {f"{b}/{k}": h for (b, k), h in by_run.items()}}
         for (n, key), by_run in results.items()], indent=1))
    return 1 if failing or stopped else 0


def _order(key):
    cell, n = key.split(":")
    return int(cell), int(n)


if __name__ == "__main__":
    sys.exit(main())
