"""Write student copies of the notebooks: solutions and hidden tests cleared, outputs cleared.

    python tools/student.py                          # notebooks/*.ipynb -> build/student/
    python tools/student.py notebooks/04_rnn.ipynb --output-dir /tmp/student

This is what `make student` runs, and what nbgrader's `generate_assignment` makes of the same
notebooks (the course's release copies; `tests/test_grading.py` compares them cell by cell):

* in every cell, each region from a `### BEGIN SOLUTION` line to the next `### END SOLUTION`
  line (both marker lines included) is replaced by `# YOUR CODE HERE` and
  `raise NotImplementedError()` in a code cell, `YOUR ANSWER HERE` in a markdown cell, indented
  like the BEGIN line, so a solution inside a `def` body leaves a valid body behind; a cell that
  nbgrader's metadata marks as a solution but that holds no marker becomes the stub entirely;
* each region from `### BEGIN HIDDEN TESTS` to `### END HIDDEN TESTS` (marker lines included)
  is removed: the autograded test cells that `tools/nbgrader_metadata.py` inserts keep only
  their visible comment;
* cells that nbgrader locks (grade cells, `locked` cells) get `editable: false` and
  `deletable: false`, solution cells `deletable: false`, as nbgrader's `LockCells` does;
* outputs and execution counts are cleared; the kernelspec and all other metadata are kept;
  each copy is checked with `nbformat.validate` before it is written.

These are the markers, stubs and rules of nbgrader's `ClearSolutions`, `ClearHiddenTests`
and `LockCells` preprocessors. Students need no nbgrader for their copies: nbgrader is the
`grading` extra of the instructor (`make grade`), and brings a grading server's stack
(SQLAlchemy, Alembic, the classic `notebook` server) that a student never uses. One
deliberate difference: nbgrader treats any line *containing* "BEGIN SOLUTION" as a marker,
so prose that mentions the markers would be cut out. Here a marker is a line that holds the
marker and nothing else; a line that only mentions one is kept, and reported as a warning
because nbgrader would not keep it (`tools/nbgrader_metadata.py` refuses such a line, so the
course's notebooks have none).

Unbalanced markers (a BEGIN without END, an END without BEGIN, a BEGIN inside a region)
raise `SolutionMarkerError` naming the notebook, the cell and the line.
"""

import argparse
import sys
import warnings
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, Preprocessor
from traitlets import Unicode

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


class SolutionMarkerError(ValueError):
    """Solution markers in a cell do not pair up."""


class ClearSolutions(Preprocessor):
    """Replace each `### BEGIN SOLUTION` ... `### END SOLUTION` region by a stub.

    The notebook's name for error messages is read from `resources["metadata"]["name"]`
    (nbconvert sets it when exporting from a file).

    Example:
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        ...     "def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION")])
        >>> nb, _ = ClearSolutions().preprocess(nb, {})
        >>> print(nb.cells[0].source)
        def f(x):
            # YOUR CODE HERE
            raise NotImplementedError()
    """

    code_stub = Unicode("# YOUR CODE HERE\nraise NotImplementedError()",
                        help="Replaces a solution region in a code cell.").tag(config=True)
    text_stub = Unicode("YOUR ANSWER HERE",
                        help="Replaces a solution region in a markdown cell.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        stub = self.code_stub if cell.cell_type == "code" else self.text_stub
        if BEGIN not in cell.source and END not in cell.source:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = stub  # a solution cell without markers: all of it is the answer
            return cell, resources
        cell.source = clear_solutions(cell.source, stub, _where(cell, resources, index))
        return cell, resources


class ClearHiddenTests(Preprocessor):
    """Remove each `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` region, markers included.

    Example:
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        ...     "# 2 points\\n### BEGIN HIDDEN TESTS\\nassert f(3) == 6\\n### END HIDDEN TESTS")])
        >>> nb, _ = ClearHiddenTests().preprocess(nb, {})
        >>> nb.cells[0].source
        '# 2 points'
    """

    def preprocess_cell(self, cell, resources, index):
        if BEGIN_HIDDEN in cell.source or END_HIDDEN in cell.source:
            cell.source = clear_regions(cell.source, None, _where(cell, resources, index),
                                        BEGIN_HIDDEN, END_HIDDEN)
        return cell, resources


class LockCells(Preprocessor):
    """Make nbgrader's grade and locked cells read-only and solution cells undeletable.

    The rules of nbgrader's `LockCells` with its defaults: a grade cell that is not a
    solution, or a locked cell, gets ``editable: false`` and ``deletable: false``; a solution
    cell gets ``deletable: false``.
    """

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.metadata["deletable"] = False
        elif meta.get("grade") or meta.get("locked"):
            cell.metadata["deletable"] = False
            cell.metadata["editable"] = False
        return cell, resources


def _where(cell, resources, index):
    name = (resources or {}).get("metadata", {}).get("name", "notebook")
    return f"{name}, cell {index}" + (f" (id {cell.id})" if cell.get("id") else "")


def clear_solutions(source, stub, where="cell"):
    """Return `source` with each marked solution region replaced by `stub`.

    Args:
        source: the cell's source text.
        stub: the replacement text; each of its lines gets the BEGIN line's indentation.
        where: how error messages name the cell (default "cell").

    Returns:
        The new source; `source` itself when it holds no marker line.

    Raises:
        SolutionMarkerError: when the markers do not pair up.
    """
    return clear_regions(source, stub, where, BEGIN, END)


def clear_regions(source, stub, where, begin, end):
    """`source` with each region from a `begin` line to an `end` line replaced by `stub`.

    A marker line holds the marker and nothing else (indentation aside); `stub` None removes
    the region. See `clear_solutions`.
    """
    lines = source.split("\n")
    kept, begin_line, replaced = [], None, False
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == begin:
            if begin_line is not None:
                raise SolutionMarkerError(
                    f"{where}: `{begin}` on line {number} is inside the "
                    f"{'solution' if begin == BEGIN else 'hidden tests'} that "
                    f"begins on line {begin_line}; add the missing `{end}`.")
            begin_line, replaced = number, True
            indent = line[: len(line) - len(line.lstrip())]
            if stub is not None:
                kept += [indent + stub_line for stub_line in stub.split("\n")]
        elif marker == end:
            if begin_line is None:
                raise SolutionMarkerError(
                    f"{where}: `{end}` on line {number} has no `{begin}` before it.")
            begin_line = None
        elif begin_line is None:
            if begin in line or end in line:
                warnings.warn(
                    f"{where}, line {number}: mentions a solution marker without being a "
                    f"marker line; kept as text, but nbgrader would treat it as a marker: "
                    f"{line.strip()!r}", stacklevel=3)
            kept.append(line)
    if begin_line is not None:
        raise SolutionMarkerError(
            f"{where}: `{begin}` on line {begin_line} has no matching `{end}`.")
    return "\n".join(kept) if replaced else source


def student_copy(nb, name="notebook"):
    """Return the student copy of a notebook node: solutions, hidden tests and outputs cleared.

    Args:
        nb: a version-4 `NotebookNode`; it is modified in place and returned.
        name: the notebook's name in error messages (default "notebook").

    Returns:
        The same notebook, valid under `nbformat.validate`.
    """
    resources = {"metadata": {"name": name}}
    nb, resources = LockCells().preprocess(nb, resources)
    nb, resources = ClearSolutions().preprocess(nb, resources)
    nb, resources = ClearHiddenTests().preprocess(nb, resources)
    nb, resources = ClearOutputPreprocessor().preprocess(nb, resources)
    nbformat.validate(nb)
    return nb


def write_student_copies(paths, output_dir):
    """Write the student copy of each notebook in `paths` into `output_dir`; return the paths."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in map(Path, paths):
        nb = student_copy(nbformat.read(path, as_version=4), name=path.name)
        target = output_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        default=sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    parser.add_argument("--output-dir", type=Path, default=ROOT / "build" / "student")
    args = parser.parse_args(argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = write_student_copies(args.notebooks, args.output_dir)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    print(f"{len(written)} student notebook(s) in {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
