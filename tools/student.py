"""Write student copies of the notebooks: solutions cleared, outputs cleared.

    python tools/student.py                          # notebooks/*.ipynb -> build/student/
    python tools/student.py notebooks/04_rnn.ipynb --output-dir /tmp/student

This is what `make student` runs. In every cell, each region from a `### BEGIN SOLUTION` line
to the next `### END SOLUTION` line (both marker lines included) is replaced by

* in a code cell: `# YOUR CODE HERE` and `raise NotImplementedError()`,
* in a markdown cell: `YOUR ANSWER HERE`,

indented like the BEGIN line, so a solution inside a `def` body leaves a valid body behind.
These are the markers, stubs and indentation rule of nbgrader's `ClearSolutions`
preprocessor, so a course that uses nbgrader can take the solution notebooks as they are
(with `ClearSolutions.enforce_metadata = False`, since our cells carry no nbgrader metadata).
Cells without markers keep their source unchanged. Outputs and execution counts are cleared
(students run the notebooks); the kernelspec and all metadata are kept; each copy is checked
with `nbformat.validate` before it is written.

Why not nbgrader itself: `nbgrader` 0.9.6 installs cleanly but brings a grading server's
stack that the series never uses -- SQLAlchemy, Alembic and Mako (its gradebook database),
the classic `notebook` server, ipywidgets and rapidfuzz -- for one ~40-line preprocessor.
`ClearSolutions` below is that preprocessor on nbconvert's `Preprocessor` base, with one
deliberate difference: nbgrader treats any line *containing* "BEGIN SOLUTION" as a marker,
so prose that mentions the markers (the title cells of 09 and 10 do) would be cut out. Here
a marker is a line that holds the marker and nothing else; a line that only mentions one is
kept, and reported as a warning because nbgrader would not keep it.

Unbalanced markers (a BEGIN without END, an END without BEGIN, a BEGIN inside a solution)
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
        if BEGIN not in cell.source and END not in cell.source:
            return cell, resources
        name = (resources or {}).get("metadata", {}).get("name", "notebook")
        where = f"{name}, cell {index}" + (f" (id {cell.id})" if cell.get("id") else "")
        stub = self.code_stub if cell.cell_type == "code" else self.text_stub
        cell.source = clear_solutions(cell.source, stub, where)
        return cell, resources


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
    lines = source.split("\n")
    kept, begin_line, replaced = [], None, False
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN:
            if begin_line is not None:
                raise SolutionMarkerError(
                    f"{where}: `{BEGIN}` on line {number} is inside the solution that "
                    f"begins on line {begin_line}; add the missing `{END}`.")
            begin_line, replaced = number, True
            indent = line[: len(line) - len(line.lstrip())]
            kept += [indent + stub_line for stub_line in stub.split("\n")]
        elif marker == END:
            if begin_line is None:
                raise SolutionMarkerError(
                    f"{where}: `{END}` on line {number} has no `{BEGIN}` before it.")
            begin_line = None
        elif begin_line is None:
            if BEGIN in line or END in line:
                warnings.warn(
                    f"{where}, line {number}: mentions a solution marker without being a "
                    f"marker line; kept as text, but nbgrader would treat it as a marker: "
                    f"{line.strip()!r}", stacklevel=2)
            kept.append(line)
    if begin_line is not None:
        raise SolutionMarkerError(
            f"{where}: `{BEGIN}` on line {begin_line} has no matching `{END}`.")
    return "\n".join(kept) if replaced else source


def student_copy(nb, name="notebook"):
    """Return the student copy of a notebook node: solutions and outputs cleared.

    Args:
        nb: a version-4 `NotebookNode`; it is modified in place and returned.
        name: the notebook's name in error messages (default "notebook").

    Returns:
        The same notebook, valid under `nbformat.validate`.
    """
    resources = {"metadata": {"name": name}}
    nb, resources = ClearSolutions().preprocess(nb, resources)
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
