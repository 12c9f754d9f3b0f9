"""tools/navigation.py on copies of the notebooks: one navigation cell, idempotent, nothing else moves.

The real notebooks in notebooks/ are only read, never written.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # dev scripts, not a package

import navigation  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture
def series(tmp_path):
    """Copies of the real notebooks in tmp_path, in order, without the script's cells."""
    paths = []
    for path in NOTEBOOKS:
        nb = read(path)
        nb.cells = [cell for cell in nb.cells if not ours(cell)]
        nbformat.write(nb, tmp_path / path.name)
        paths.append(tmp_path / path.name)
    return paths


def test_the_committed_notebooks_are_current(tmp_path):
    copies = [Path(shutil.copy(path, tmp_path)) for path in NOTEBOOKS]
    assert navigation.update_folder(tmp_path) == [], "run: python tools/navigation.py"
    assert all(navigation.is_colab_setup(read(path).cells[2]) for path in copies)


def read(path):
    return nbformat.read(path, as_version=4)


def links(cell):
    """The links of the navigation line (the cell's last line; the Colab badge is above it)."""
    return re.findall(r"\[([^\]]+)\]\(([^)]+)\)", cell.source.splitlines()[-1])


def ours(cell):
    return navigation.is_navigation(cell) or navigation.is_colab_setup(cell)


def test_running_twice_changes_nothing_byte_for_byte(series, tmp_path):
    assert navigation.update_folder(tmp_path) == series
    first = {path: path.read_bytes() for path in series}
    assert navigation.update_folder(tmp_path) == []
    assert {path: path.read_bytes() for path in series} == first


def test_navigation_cell_is_second_and_marked(series, tmp_path):
    navigation.update_folder(tmp_path)
    for path in series:
        nb = read(path)
        assert nb.cells[0].source.startswith(f"# {path.name[:2]} · ")  # the title stays first
        assert nb.cells[1].cell_type == "markdown" and nb.cells[1].id == navigation.CELL_ID
        assert nb.cells[1].metadata == {"d2lite": {"navigation": True}}
        assert sum(navigation.is_navigation(c) for c in nb.cells) == 1
        nbformat.validate(nb)


def test_links_go_to_the_neighbours_and_the_index(series, tmp_path):
    navigation.update_folder(tmp_path)
    titles = [navigation.title(read(path)) for path in series]
    for i, path in enumerate(series):
        found = links(read(path).cells[1])
        expected = []
        if i > 0:
            expected.append((f"← {titles[i - 1]}", series[i - 1].name))
        expected.append(("Index", "../README.md#the-notebooks"))
        if i + 1 < len(series):
            expected.append((f"{titles[i + 1]} →", series[i + 1].name))
        assert found == expected
        for _, target in found:
            assert (tmp_path / target.split("#")[0]).exists() or target.startswith("../README.md")
    assert len(links(read(series[0]).cells[1])) == 2  # first and last: one neighbour
    assert len(links(read(series[-1]).cells[1])) == 2
    assert (ROOT / "README.md").read_text().count("\n## The notebooks\n") == 1  # the anchor exists


def test_other_cells_outputs_and_metadata_are_untouched(series, tmp_path):
    navigation.update_folder(tmp_path)
    for original, path in zip(NOTEBOOKS, series):
        before, after = read(original), read(path)
        assert after.metadata == before.metadata
        assert [c for c in after.cells if not ours(c)] == [c for c in before.cells if not ours(c)]


def test_an_existing_cell_is_updated_in_place(series, tmp_path):
    navigation.update_folder(tmp_path)
    series[1].unlink()  # the neighbours of the others change
    nb = read(series[2])
    nb.cells.append(nb.cells.pop(1))  # the cell moved to the end by hand
    nbformat.write(nb, series[2])
    changed = navigation.update_folder(tmp_path)
    assert series[0] in changed and series[2] in changed
    for path in (series[0], series[2]):
        nb = read(path)
        assert navigation.is_navigation(nb.cells[1])
        assert sum(navigation.is_navigation(c) for c in nb.cells) == 1
        assert series[1].name not in nb.cells[1].source
    assert navigation.update_folder(tmp_path) == []


def test_synthetic_series_and_an_nbformat_4_4_notebook(tmp_path):
    for number, name in enumerate(["a", "b", "c"], start=1):
        nb = new_notebook(cells=[new_markdown_cell(f"# 0{number} · Lesson [{name}]\n\nGoals."),
                                 new_code_cell("x = 1")])
        if name == "b":  # no cell ids before nbformat 4.5
            nb.nbformat_minor = 4
            for cell in nb.cells:
                del cell["id"]
        nbformat.write(nb, tmp_path / f"0{number}_{name}.ipynb")
    (tmp_path / "notes.ipynb").write_text("not part of the series")
    assert len(navigation.update_folder(tmp_path)) == 3
    middle = read(tmp_path / "02_b.ipynb")
    nbformat.validate(middle)
    assert "id" not in middle.cells[1]
    assert middle.cells[1].source == (navigation.colab_badge("02_b.ipynb") + "\n\n"
                                      r"[← 01 · Lesson \[a\]](01_a.ipynb) | "
                                      "[Index](../README.md#the-notebooks) | "
                                      r"[03 · Lesson \[c\] →](03_c.ipynb)")
    assert navigation.update_folder(tmp_path) == []


def test_command_line(series, tmp_path, capsys):
    assert navigation.main([str(tmp_path)]) == 0
    assert f"{len(series)} of {len(series)} notebook(s) changed" in capsys.readouterr().out
    assert navigation.main([str(tmp_path)]) == 0
    assert f"0 of {len(series)} notebook(s) changed" in capsys.readouterr().out


# ----------------------------------------------------------------------------- Colab

COMMIT = navigation.pinned_commit()
COLAB = navigation.colab_source(COMMIT)


def _git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def test_the_install_cell_pins_a_commit_with_the_package_as_committed():
    # A branch can be moved by whoever controls the address; a commit hash cannot.
    commit = COMMIT
    assert len(commit) == 40 and f"@{commit}\"" in COLAB
    if _git("rev-parse", "--is-shallow-repository").stdout.strip() != "false":
        pytest.skip("not a full git clone: the pinned commit cannot be looked up")
    assert _git("merge-base", "--is-ancestor", commit, "HEAD").returncode == 0
    changed = _git("diff", "--name-only", commit, "HEAD", "--", *navigation.PACKAGE_PATHS)
    assert changed.returncode == 0 and changed.stdout == "", (
        f"d2lite changed since the pinned commit: commit it, then run python tools/navigation.py "
        f"({changed.stdout.split()})")


@pytest.mark.parametrize("bad", ["main", "v0.1.0", "abc123", None, "A" * 40])
def test_the_install_cell_takes_only_a_full_commit_hash(bad):
    with pytest.raises(ValueError, match="40-digit commit hash"):
        navigation.colab_source(bad)


def test_colab_badge_and_install_cell_follow_the_title(series, tmp_path):
    navigation.update_folder(tmp_path)
    for path in series:
        nb = read(path)
        badge = nb.cells[1].source.splitlines()[0]
        assert badge == navigation.colab_badge(path.name)
        assert badge.endswith(f"/blob/main/notebooks/{path.name})")
        assert "colab.research.google.com/github/d2lite/d2lite" in badge
        setup = nb.cells[2]
        assert setup.cell_type == "code" and navigation.is_colab_setup(setup)
        assert setup.source == COLAB
        assert sum(navigation.is_colab_setup(c) for c in nb.cells) == 1
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert first_code is setup or first_code == setup  # the first code cell of the notebook


def test_an_executed_install_cell_is_kept_as_it_is(series, tmp_path):
    navigation.update_folder(tmp_path)
    nb = read(series[0])
    nb.cells[2].execution_count = 1
    nbformat.write(nb, series[0])
    assert navigation.update_folder(tmp_path) == []
    assert read(series[0]).cells[2].execution_count == 1
    nb = read(series[0])
    nb.cells[2].source = "print('edited')"  # a hand edit is replaced by the current source
    nbformat.write(nb, series[0])
    assert navigation.update_folder(tmp_path) == [series[0]]
    assert read(series[0]).cells[2].source == COLAB


@pytest.mark.parametrize("installed", [True, False])
def test_install_cell_runs_pip_only_where_d2lite_is_missing(installed, monkeypatch):
    import importlib.util
    import subprocess

    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: real_find_spec(name, *a) if installed or name != "d2lite"
                        else None)
    exec(compile(COLAB, "colab-cell", "exec"), {})
    if installed:
        assert calls == []
    else:
        (command,), kwargs = calls[0]
        assert command[1:5] == ["-m", "pip", "install", "--quiet"]
        assert command[-1] == f"d2lite @ git+https://github.com/d2lite/d2lite@{COMMIT}"
        assert kwargs == {"check": True}
