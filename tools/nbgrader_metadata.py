"""Make the notebooks an nbgrader course: cell metadata, autograded test cells, hidden tests.

    python tools/nbgrader_metadata.py                 # every notebook in notebooks/, in place
    python tools/nbgrader_metadata.py --check         # exit 1 (and say why) if a run would change any
    python tools/nbgrader_metadata.py notebooks/09_stock_lab.ipynb

It reads what the notebooks already mark and writes nbgrader's cell metadata
(``metadata.nbgrader``: `solution`, `grade`, `locked`, `points`, `grade_id`, `schema_version`):

* a cell with a `### BEGIN SOLUTION` marker line is a **solution cell** (grade_id
  ``solution_<anchor>``, or ``solution_<cell id>`` when it calls no check);
* its *anchor* is the `d2lite.check` function it calls (``print(check.check_stock_scaler(...))``),
  in the same cell or in the next code cell; after it the script inserts the **autograded test
  cells** of that anchor: locked grade cells with points, whose hidden tests (between
  `### BEGIN HIDDEN TESTS` / `### END HIDDEN TESTS`) come from `tools/grading/hidden_tests.py`
  for the labs, and re-run the check with a fresh `d2lite.check` for the lectures (01-08);
* in the labs, every other code cell is **locked** (read-only; autograding runs the
  instructor's version of it), so the lab's given code is what every submission runs.

Running it again changes nothing: generated cells carry ``metadata.d2lite.grading = "test"``
and a fixed id (``test-<name>``); they are rebuilt from the spec each run (keeping the
execution count and outputs of an executed cell whose source did not change), put back right
after their solution cell if cells moved, and removed when their anchor leaves the spec. A grade_id
already in a cell is kept. Errors name the notebook and the anchor or cell: an anchor of the
spec that no solution cell calls, a check called by two solution cells, a checked lab
exercise without hidden tests, a notebook the spec does not know, and a non-solution cell
holding a line that nbgrader would take for a marker (it matches "BEGIN SOLUTION" anywhere
in a line).

`tools/student.py` then makes the student copies nbgrader's `generate_assignment` makes from
these notebooks, and `tools/grade.py` (`make grade`) autogrades submissions with nbgrader.
"""

import argparse
import ast
import copy
import json
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "grading"))

import hidden_tests  # noqa: E402  (tools/grading/hidden_tests.py, the spec)

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
GENERATED = "test"  # metadata.d2lite.grading of the cells this script inserts
SPEC = "tools/grading/hidden_tests.py"


class GradingMetadataError(ValueError):
    """The notebooks and the grading spec do not fit together; the message says where."""


def _has_marker(source):
    return any(line.strip() == BEGIN for line in source.split("\n"))


def _nbgrader_would_see_marker(source):
    return any(word in line for line in source.split("\n")
               for word in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))


def check_calls(source):
    """The `check.check_*(...)` calls in a code cell's source: [(function name, call source)].

    Calls through any name ending in `check` count (``check.check_x``, ``d2lite.check.check_x``).

    Example:
        >>> check_calls("x = 1\\nprint(check.check_vocab(token_to_idx, chars))")
        [('check_vocab', 'check.check_vocab(token_to_idx, chars)')]
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr.startswith("check_")):
            owner = node.func.value
            owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if owner_name == "check":
                calls.append((node.func.attr, ast.get_source_segment(source, node)))
    return sorted(calls, key=lambda c: source.index(c[1]))


def _indent(text, prefix="    "):
    return "\n".join(prefix + line if line.strip() else "" for line in text.rstrip("\n").split("\n"))


def test_source(what, points, body):
    """The source of an autograded test cell: a visible comment, then the hidden test."""
    plural = "" if points == 1 else "s"
    return (f"# Autograded, {points} point{plural}: hidden tests of {what}.\n"
            "# Locked: grading runs the instructor's copy of this cell.\n"
            f"{BEGIN_HIDDEN}\n"
            "def _hidden_test():\n"
            f"{_indent(body)}\n\n\n"
            "_hidden_test()\n"
            "del _hidden_test\n"
            f"{END_HIDDEN}")


def _nbgrader(**fields):
    return {"schema_version": hidden_tests.SCHEMA_VERSION, **fields}


def _test_cell(name, points, source):
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"test-{name}".replace("_", "-")
    cell.metadata = {
        "deletable": False,
        "editable": False,
        "d2lite": {"grading": GENERATED},
        "nbgrader": _nbgrader(grade=True, solution=False, locked=True, points=points,
                              grade_id=f"test_{name}"),
    }
    return cell


def _tests_for(notebook, anchor, call):
    """The test cells of `anchor` in `notebook`: a list of (name, points, source)."""
    if notebook in hidden_tests.TESTS:
        return [(t.name, t.points, test_source(t.what, t.points, t.body))
                for t in hidden_tests.TESTS[notebook][anchor]]
    fresh_call = call.replace("d2lite.check.", "fresh.", 1) if call.startswith("d2lite.") else \
        "fresh." + call.split(".", 1)[1]
    body = hidden_tests.FRESH_CHECK.format(call=fresh_call)
    name = anchor.removeprefix("check_")
    return [(name, hidden_tests.LECTURE_POINTS,
             test_source(f"`{anchor}`, run again with a fresh copy of d2lite.check",
                         hidden_tests.LECTURE_POINTS, body))]


def annotate(nb, notebook):
    """Return a copy of `nb` with nbgrader metadata and test cells, for notebook stem `notebook`.

    Raises:
        GradingMetadataError: as the module docstring lists, naming the notebook and anchor.
    """
    where = f"{notebook}.ipynb"
    lab = notebook in hidden_tests.TESTS
    if not lab and notebook not in hidden_tests.LECTURES:
        raise GradingMetadataError(
            f"{where}: not in the grading spec {SPEC}; add it to TESTS (a lab, with hidden "
            "tests) or to LECTURES (its checks are re-run).")
    nb = copy.deepcopy(nb)
    generated = {c.get("id"): c for c in nb.cells
                 if c.metadata.get("d2lite", {}).get("grading") == GENERATED}
    cells = [c for c in nb.cells if c.get("id") not in generated]
    anchored, out, seen = {}, [], set()
    for index, cell in enumerate(cells):
        out.append(cell)
        label = f"{where}, cell {index} (id {cell.get('id')})"
        if _has_marker(cell.source):
            calls = check_calls(cell.source) if cell.cell_type == "code" else []
            after = cells[index + 1] if index + 1 < len(cells) else None
            if not calls and after is not None and after.cell_type == "code" and not _has_marker(after.source):
                calls = check_calls(after.source)
            anchors = sorted({name for name, _ in calls})
            if len(anchors) > 1:
                raise GradingMetadataError(f"{label}: a solution cell should call one check, it "
                                           f"calls {', '.join(anchors)}.")
            anchor = anchors[0] if anchors else None
            old = cell.metadata.get("nbgrader", {})
            grade_id = old.get("grade_id") or (f"solution_{anchor.removeprefix('check_')}" if anchor
                                               else f"solution_{cell.get('id')}".replace("-", "_"))
            cell.metadata["nbgrader"] = _nbgrader(grade=False, solution=True, locked=False,
                                                  grade_id=grade_id)
            if anchor is None:
                continue
            if anchor in anchored:
                raise GradingMetadataError(
                    f"{where}: `{anchor}` is called by two solution cells (ids {anchored[anchor]} "
                    f"and {cell.get('id')}); the anchor of its tests must be unique.")
            anchored[anchor] = cell.get("id")
            if lab and anchor not in hidden_tests.TESTS[notebook]:
                raise GradingMetadataError(
                    f"{label}: the solution cell calls `{anchor}`, which has no hidden tests in "
                    f"{SPEC} (TESTS[{notebook!r}]).")
            call = next(c for name, c in calls if name == anchor)
            for name, points, source in _tests_for(notebook, anchor, call):
                if name in seen:
                    raise GradingMetadataError(f"{where}: two test cells are named {name!r} in {SPEC}.")
                seen.add(name)
                cell = _test_cell(name, points, source)
                old = generated.get(cell.id)
                if old is not None and old.source == cell.source:  # executed: keep its run
                    cell.execution_count, cell.outputs = old.get("execution_count"), old.get("outputs", [])
                out.append(cell)
        elif _nbgrader_would_see_marker(cell.source):
            raise GradingMetadataError(
                f"{label}: a line mentions a solution or hidden-test marker outside a solution "
                "cell; nbgrader takes any line containing one for a marker. Reword it.")
        elif lab and cell.cell_type == "code":
            old = cell.metadata.get("nbgrader", {})
            cell.metadata["nbgrader"] = _nbgrader(
                grade=False, solution=False, locked=True,
                grade_id=old.get("grade_id") or f"locked_{cell.get('id')}".replace("-", "_"))
        elif "nbgrader" in cell.metadata and not lab:
            del cell.metadata["nbgrader"]  # a lecture's given cells stay editable
    wanted = set(hidden_tests.TESTS[notebook]) if lab else set()
    missing = sorted(wanted - set(anchored))
    if missing:
        raise GradingMetadataError(
            f"{where}: no solution cell calls {', '.join(f'`{m}`' for m in missing)}, the anchor of "
            f"hidden tests in {SPEC}; a cell was removed or its check call renamed.")
    if not anchored and not lab:
        raise GradingMetadataError(f"{where}: no solution cell calls a d2lite.check function, so "
                                   "nothing in it can be autograded; remove it from LECTURES.")
    nb.cells = out
    nbformat.validate(nb)
    return nb


def _dump(nb):
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False)


def process(paths, check=False):
    """Annotate each notebook in place (or, with `check`, only report); return the changed paths."""
    changed = []
    for path in map(Path, paths):
        nb = nbformat.read(path, as_version=4)
        new = annotate(nb, path.stem)
        if _dump(new) != _dump(nb):
            changed.append(path)
            if not check:
                nbformat.write(new, path)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        default=sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any notebook would change")
    args = parser.parse_args(argv)
    try:
        changed = process(args.notebooks, check=args.check)
    except GradingMetadataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    verb = "would change" if args.check else "changed"
    print(f"{len(changed)} of {len(args.notebooks)} notebook(s) {verb}"
          + "".join(f"\n  {p}" for p in changed))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
