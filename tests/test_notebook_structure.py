"""Every notebook follows the template in CONVENTIONS.md and is committed clean.

nbval checks that the notebooks run; these tests check what a reader sees:
the title cell, the summary and exercises, balanced solution markers, a fixed
seed, and stored outputs without errors or TensorFlow's stderr noise.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param, json.loads(request.param.read_text())


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb files"


def test_file_names_are_numbered_in_lecture_order():
    # A lesson too long for one sitting is split into parts that share its number: the first
    # part's name is the lesson's (04_rnn), the others extend it (04_rnn_bptt), so name order
    # is lecture order.
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name
    assert numbers == sorted(numbers)
    assert sorted(set(numbers)) == list(range(1, len(set(numbers)) + 1)), "a lesson number is missing"
    for number in set(numbers):
        parts = [p.stem for p in NOTEBOOKS if int(p.name[:2]) == number]
        assert all(part.startswith(parts[0] + "_") for part in parts[1:]), parts


def test_parts_of_a_lesson_say_which_part_they_are(notebook):
    path, nb = notebook
    parts = sorted(p.stem for p in NOTEBOOKS if p.name[:2] == path.name[:2])
    title = _source(nb["cells"][0]).lstrip().splitlines()[0]
    if len(parts) > 1 and path.stem != parts[0]:
        assert f", part {parts.index(path.stem) + 1}: " in title, title


def test_title_cell(notebook):
    path, nb = notebook
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown"
    title = _source(first).lstrip().splitlines()[0]
    assert title.startswith(f"# {path.name[:2]} · "), title
    assert re.search(r"learning goals|you will learn|goals", _source(first), re.IGNORECASE)


def test_summary_and_exercises(notebook):
    _, nb = notebook
    markdown = [_source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert any(re.search(r"^## Summary", m, re.MULTILINE) for m in markdown)
    exercises = [m for m in markdown if re.search(r"^## Exercises", m, re.MULTILINE)]
    assert exercises, "no '## Exercises' cell"
    items = re.findall(r"^\s*\d+\.\s", exercises[0], re.MULTILINE)
    assert len(items) >= 3, f"only {len(items)} exercises"


def test_setup_fixes_a_seed_and_needs_no_path_hacks(notebook):
    _, nb = notebook
    code = "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "code")
    assert "set_random_seed(" in code
    assert "!pip" not in code and "%pip" not in code
    assert "sys.path" not in code


def test_solution_markers_are_balanced(notebook):
    _, nb = notebook
    for cell in nb["cells"]:
        src = _source(cell)
        begins, ends = src.count("### BEGIN SOLUTION"), src.count("### END SOLUTION")
        assert begins == ends, f"unbalanced solution markers in:\n{src[:200]}"


def test_committed_outputs_are_clean(notebook):
    _, nb = notebook
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        assert cell.get("execution_count") is not None, "notebook committed unexecuted"
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", _source(cell)[:200]
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), _source(cell)[:200]
