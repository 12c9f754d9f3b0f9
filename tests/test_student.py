"""tools/student.py: student copies clear solutions the way nbgrader does, and nothing else.

Synthetic notebooks pin each rule; the real notebooks in notebooks/ are checked too (without
executing them). One small student notebook is executed to see that only exercise cells fail.
"""

import json
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # dev scripts, not a package

import student  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BEGIN, END = student.BEGIN, student.END
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def notebook(*cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    return nb


def executed(source, text="out\n"):
    return new_code_cell(source, execution_count=1,
                         outputs=[new_output("stream", name="stdout", text=text)])


def copy_of(nb, name="synthetic.ipynb"):
    return student.student_copy(nbformat.from_dict(json.loads(json.dumps(nb))), name)


def has_magic(source):
    return any(line.lstrip().startswith(("%", "!")) for line in source.splitlines())


# ----------------------------------------------------------------------------- synthetic


def test_solution_inside_a_function_keeps_its_indentation():
    source = f"def f(x):\n    {BEGIN}\n    y = 2 * x\n    return y\n    {END}\n\n\nprint(f(1))"
    copy = copy_of(notebook(new_code_cell(source)))
    assert copy.cells[0].source == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\n\nprint(f(1))")
    compile(copy.cells[0].source, "cell", "exec")


def test_whole_cell_solution_and_several_regions_in_one_cell():
    source = f"{BEGIN}\na = 1\n{END}\nb = 2\n{BEGIN}\nc = 3\n{END}"
    copy = copy_of(notebook(new_code_cell(source)))
    stub = "# YOUR CODE HERE\nraise NotImplementedError()"
    assert copy.cells[0].source == f"{stub}\nb = 2\n{stub}"


def test_markdown_answer_becomes_your_answer_here():
    source = f"**Answer.**\n\n{BEGIN}\nBecause the gradient vanishes.\n{END}\n\nMore text."
    copy = copy_of(notebook(new_markdown_cell(source)))
    assert copy.cells[0].source == "**Answer.**\n\nYOUR ANSWER HERE\n\nMore text."


def test_other_cells_unchanged_outputs_cleared_metadata_kept():
    cells = [new_markdown_cell("# 01 · Title\n\nGoals."),
             executed("import numpy as np\nx = np.arange(3)\nprint(x)", "[0 1 2]\n"),
             executed(f"{BEGIN}\nprint(x.sum())\n{END}", "3\n")]
    cells[1].metadata["tags"] = ["keep-me"]
    original = notebook(*cells)
    copy = copy_of(original)
    nbformat.validate(copy)
    assert copy.metadata == original.metadata  # kernelspec included
    assert [c.source for c in copy.cells[:2]] == [c.source for c in original.cells[:2]]
    assert [c.id for c in copy.cells] == [c.id for c in original.cells]
    assert copy.cells[1].metadata == {"tags": ["keep-me"]}
    for cell in copy.cells[1:]:
        assert cell.outputs == [] and cell.execution_count is None
    assert "x.sum()" not in copy.cells[2].source


def test_hidden_tests_are_removed_and_test_cells_locked():
    test = new_code_cell("# Autograded, 2 points.\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n"
                         "### END HIDDEN TESTS")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 2,
                                 "grade_id": "test_f", "schema_version": 3}
    answer = new_code_cell("x = 1")
    answer.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False,
                                   "grade_id": "solution_x", "schema_version": 3}
    copy = copy_of(notebook(answer, test))
    assert copy.cells[0].source == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert copy.cells[0].metadata["deletable"] is False and "editable" not in copy.cells[0].metadata
    assert copy.cells[1].source == "# Autograded, 2 points."
    assert copy.cells[1].metadata["editable"] is False and copy.cells[1].metadata["deletable"] is False


def test_unbalanced_hidden_test_markers_fail():
    with pytest.raises(student.SolutionMarkerError, match=r"`### BEGIN HIDDEN TESTS` on line 1 has no "
                       r"matching"):
        copy_of(notebook(new_code_cell("### BEGIN HIDDEN TESTS\nassert True")))


def test_a_line_that_only_mentions_a_marker_is_kept_with_a_warning():
    source = f"Solutions sit between `{BEGIN}` and\n`{END}`."
    with pytest.warns(UserWarning, match="nbgrader would treat it as a marker"):
        copy = copy_of(notebook(new_markdown_cell(source)))
    assert copy.cells[0].source == source


@pytest.mark.parametrize("source, message", [
    (f"a = 1\n{BEGIN}\nb = 2", r"`### BEGIN SOLUTION` on line 2 has no matching"),
    (f"a = 1\n{END}", r"`### END SOLUTION` on line 2 has no `### BEGIN SOLUTION` before it"),
    (f"{BEGIN}\n{BEGIN}\n{END}", r"on line 2 is inside the solution that begins on line 1"),
])
def test_unbalanced_markers_name_the_notebook_and_cell(tmp_path, source, message):
    nb = notebook(new_markdown_cell("# 01 · T"), new_code_cell("x = 1"), new_code_cell(source))
    path = tmp_path / "07_broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(student.SolutionMarkerError, match=message) as info:
        student.write_student_copies([path], tmp_path / "out")
    assert f"07_broken.ipynb, cell 2 (id {nb.cells[2].id})" in str(info.value)
    assert not (tmp_path / "out" / "07_broken.ipynb").exists()


def test_command_line_writes_the_copies(tmp_path, capsys):
    nb = notebook(new_markdown_cell("# 01 · T"), executed(f"{BEGIN}\nx = 1\n{END}"))
    nbformat.write(nb, tmp_path / "01_t.ipynb")
    assert student.main([str(tmp_path / "01_t.ipynb"), "--output-dir", str(tmp_path / "out")]) == 0
    copy = nbformat.read(tmp_path / "out" / "01_t.ipynb", as_version=4)
    assert "raise NotImplementedError()" in copy.cells[1].source
    assert "1 student notebook(s)" in capsys.readouterr().out


def test_executing_a_student_copy_fails_only_in_exercise_cells():
    from nbclient import NotebookClient

    nb = notebook(
        new_markdown_cell("# 01 · T"),
        new_code_cell("import numpy as np\nx = np.arange(4)"),
        new_code_cell(f"def double(v):\n    {BEGIN}\n    return 2 * v\n    {END}\n\n\nprint(double(x))"),
        new_code_cell("print(x.sum())"),
        new_code_cell(f"{BEGIN}\ny = x ** 2\n{END}"),
        new_code_cell("print('still running')"),
    )
    copy = copy_of(nb)
    NotebookClient(copy, timeout=60, kernel_name="python3", allow_errors=True).execute()
    errors = {i: o.ename for i, cell in enumerate(copy.cells) if cell.cell_type == "code"
              for o in cell.outputs if o.output_type == "error"}
    assert errors == {2: "NotImplementedError", 4: "NotImplementedError"}
    assert copy.cells[3].outputs[0].text == "6\n"
    assert copy.cells[5].outputs[0].text == "still running\n"


# ----------------------------------------------------------------------------- real notebooks


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def pair(request):
    original = nbformat.read(request.param, as_version=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        copy = student.student_copy(nbformat.read(request.param, as_version=4), request.param.name)
    for warning in caught:  # prose that names the markers (09, 10) is the only thing to flag
        assert "mentions a solution marker" in str(warning.message)
    return original, copy


def _regions(source):
    """(lines outside solutions, lines inside solutions, number of regions) of a source."""
    outside, inside, regions, in_solution = [], [], 0, False
    for line in source.split("\n"):
        if line.strip() == BEGIN:
            in_solution, regions = True, regions + 1
        elif line.strip() == END:
            in_solution = False
        else:
            (inside if in_solution else outside).append(line)
    return outside, inside, regions


def _without_hidden_tests(source):
    """`source` without its hidden-test regions (what nbgrader's ClearHiddenTests removes)."""
    kept, hidden = [], False
    for line in source.split("\n"):
        if line.strip() == student.BEGIN_HIDDEN:
            hidden = True
        elif line.strip() == student.END_HIDDEN:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def test_real_notebooks_lose_every_solution_line_and_nothing_else(pair):
    original, copy = pair
    assert len(copy.cells) == len(original.cells)
    for before, after in zip(original.cells, copy.cells):
        assert (after.cell_type, after.get("id")) == (before.cell_type, before.get("id"))
        outside, inside, regions = _regions(_without_hidden_tests(before.source))
        if regions == 0:
            assert after.source == _without_hidden_tests(before.source)
            continue
        stub = ["YOUR ANSWER HERE"] if before.cell_type == "markdown" else \
            ["# YOUR CODE HERE", "raise NotImplementedError()"]
        lines = after.source.split("\n")
        assert [line for line in lines if line.strip() not in stub] == outside
        assert sum(line.strip() == stub[-1] for line in lines) == regions
        assert BEGIN not in after.source and END not in after.source
        for line in inside:
            if line.strip() and line not in outside:
                assert line not in lines, f"solution line survived: {line!r}"


def test_real_notebooks_copies_are_valid_clean_and_compile(pair):
    original, copy = pair
    nbformat.validate(copy)
    assert copy.metadata["kernelspec"] == original.metadata["kernelspec"]
    compiled = 0
    for cell in copy.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None
        if not has_magic(cell.source):
            compile(cell.source, "student cell", "exec")
            compiled += 1
    assert compiled > 0


def test_real_notebooks_have_exercises_to_clear(pair):
    _, copy = pair
    assert any("raise NotImplementedError()" in c.source for c in copy.cells if c.cell_type == "code")
