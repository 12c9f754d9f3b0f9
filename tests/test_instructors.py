"""docs/instructors.md: its exercise map is generated from the notebooks and kept current."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # dev scripts, not a package

import instructors  # noqa: E402


def test_the_exercise_map_is_current():
    assert instructors.main(["--check"]) == 0, "run: python tools/instructors.py"


def _notebook(path, cells):
    nb = {"cells": [{"cell_type": t, "source": s, "metadata": {}} for t, s in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return path


def test_rows_name_solution_cells_by_section_and_list_checks(tmp_path):
    path = _notebook(tmp_path / "05_x.ipynb", [
        ("markdown", "# 05 · X\n\nLearning goals"),
        ("markdown", "## 2 · Your turn"),
        ("code", "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
                 "print(check.check_a(f))"),
        ("code", "# mentions ### BEGIN SOLUTION in a comment only"),
        ("markdown", "## Exercises\n\n1. one\n2. two\n3. three"),
        ("code", "### BEGIN SOLUTION\nx = check.check_b(1)\n### END SOLUTION"),
    ])
    assert instructors.notebook_row(path) == ("05 · X", 3, ["2 · Your turn", "Exercises"],
                                              ["check_a", "check_b"])
    row = instructors.table([path]).splitlines()[-1]
    assert row == ("| [05 · X](../notebooks/05_x.ipynb) | 3 | 2: 2 · Your turn; Exercises | "
                   "`check_a`, `check_b` |")


def test_render_needs_the_markers():
    with pytest.raises(ValueError, match="lacks the lines"):
        instructors.render("# no markers\n", [])
    text = f"intro\n{instructors.START}\nold\n{instructors.STOP}\noutro\n"
    assert instructors.render(text, []).endswith(f"{instructors.STOP}\noutro\n")
    assert "old" not in instructors.render(text, [])
