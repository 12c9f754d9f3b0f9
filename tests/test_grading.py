"""Grading with nbgrader: the metadata script, the student copies, and `make grade`.

The fast tests check `tools/nbgrader_metadata.py` (idempotent, loud about missing anchors) on
synthetic notebooks and on the real ones, and the grader's pieces. The tests marked `grading`
grade synthetic submissions for real, in the sandbox: one batch of a small assignment made for
the tests (``99_fixture``: two exercises, three points) with every kind of bad submission, one
real lab end to end, and the fallback without bubblewrap. They need nbgrader (the `grading`
extra) and, for the sandbox, bubblewrap; without them they are skipped with the reason.
"""

import copy
import csv
import hashlib
import json
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "grading"))

import grade  # noqa: E402
import hidden_tests  # noqa: E402
import nbgrader_metadata as meta  # noqa: E402
import student  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
BEGIN, END = meta.BEGIN, meta.END
POISON = ROOT / "d2lite" / "grading-test-poison.txt"  # what a submission tries to add to d2lite

try:
    import nbgrader  # noqa: F401
    HAVE_NBGRADER = True
except ImportError:
    HAVE_NBGRADER = False
needs_nbgrader = pytest.mark.skipif(not HAVE_NBGRADER, reason="nbgrader is not installed "
                                    "(pip install -e '.[grading]')")
needs_bwrap = pytest.mark.skipif(not grade.bwrap_works(), reason="bubblewrap cannot make "
                                 "namespaces here (Debian: apt-get install bubblewrap)")


def annotated(path):
    return meta.annotate(nbformat.read(path, as_version=4), path.stem)


def sources(nb):
    return [(c.cell_type, c.source) for c in nb.cells]


# ----------------------------------------------------------------------------- the metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_metadata_is_idempotent_and_complete(path):
    once = annotated(path)
    twice = meta.annotate(copy.deepcopy(once), path.stem)
    assert meta._dump(twice) == meta._dump(once)
    for cell in once.cells:  # as after `make notebook`: the test cells have run
        if cell.metadata.get("d2lite", {}).get("grading") == "test":
            cell.execution_count = 7
    assert meta._dump(meta.annotate(copy.deepcopy(once), path.stem)) == meta._dump(once)
    graded = [c for c in once.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded, "every notebook has autograded test cells"
    for cell in once.cells:
        info = cell.metadata.get("nbgrader")
        if info is None:
            continue
        assert info["schema_version"] == 3 and info["grade_id"]
        if info["grade"]:  # an autograded test cell: locked, with points, hidden tests
            assert info["locked"] and not info["solution"] and info["points"] > 0
            assert meta.BEGIN_HIDDEN in cell.source and meta.END_HIDDEN in cell.source
    ids = [c.metadata["nbgrader"]["grade_id"] for c in once.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids))
    solutions = [c for c in once.cells if any(line.strip() == BEGIN for line in c.source.split("\n"))]
    assert all(c.metadata["nbgrader"]["solution"] for c in solutions)


def _carries_grading_cells(path):
    return any(c.metadata.get("nbgrader", {}).get("grade")
               for c in nbformat.read(path, as_version=4).cells)


def test_the_committed_notebooks_carry_current_metadata():
    """Every notebook carries its grading cells, and none are stale (after an edit, run
    `make notebook NB=..`, which runs tools/nbgrader_metadata.py)."""
    assert all(_carries_grading_cells(path) for path in NOTEBOOKS)
    changed = meta.process(NOTEBOOKS, check=True)
    assert not changed, f"run python tools/nbgrader_metadata.py: {[p.name for p in changed]}"


def test_each_test_cell_follows_its_solution_cell_even_when_cells_move():
    path = ROOT / "notebooks" / "09_stock_lab.ipynb"
    nb = annotated(path)
    moved = copy.deepcopy(nb)
    test = next(c for c in moved.cells if c.get("id") == "test-stock-windows")
    moved.cells.remove(test)
    moved.cells.insert(3, test)  # somewhere else, as after an edit of the lesson
    moved.cells.insert(5, new_markdown_cell("A new paragraph of the lesson."))
    again = meta.annotate(moved, path.stem)
    index = next(i for i, c in enumerate(again.cells) if c.get("id") == "test-stock-windows")
    assert "make_windows" in again.cells[index - 1].source
    assert [c.get("id") for c in again.cells].count("test-stock-windows") == 1


def test_a_missing_anchor_fails_naming_the_notebook_and_the_anchor():
    path = ROOT / "notebooks" / "09_stock_lab.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.source = cell.source.replace("check.check_stock_split(", "print_split(")
    with pytest.raises(meta.GradingMetadataError, match=r"09_stock_lab\.ipynb: no solution cell "
                       r"calls `check_stock_split`"):
        meta.annotate(nb, path.stem)


def test_a_checked_lab_exercise_without_hidden_tests_fails(monkeypatch):
    monkeypatch.setitem(hidden_tests.TESTS, "10_ising_lab",
                        {k: v for k, v in hidden_tests.LAB_10.items() if k != "check_ising_crossing"})
    with pytest.raises(meta.GradingMetadataError, match=r"10_ising_lab\.ipynb, cell \d+ .*calls "
                       r"`check_ising_crossing`, which has no hidden tests"):
        annotated(ROOT / "notebooks" / "10_ising_lab.ipynb")


def test_unknown_notebooks_and_stray_markers_fail():
    nb = new_notebook(cells=[new_code_cell(f"{BEGIN}\nx = 1\n{END}\nprint(check.check_vocab(x, y))")])
    with pytest.raises(meta.GradingMetadataError, match=r"11_new\.ipynb: not in the grading spec"):
        meta.annotate(nb, "11_new")
    nb.cells.append(new_markdown_cell("Write it between BEGIN SOLUTION and END SOLUTION."))
    with pytest.raises(meta.GradingMetadataError, match=r"02_tokenization\.ipynb, cell 1 .*nbgrader "
                       r"takes any line containing one for a marker"):
        meta.annotate(nb, "02_tokenization")


def test_command_line_check_mode(tmp_path, capsys):
    target = tmp_path / "03_language_models.ipynb"
    shutil.copy(ROOT / "notebooks" / "03_language_models.ipynb", target)
    nb = nbformat.read(target, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("d2lite", {}).get("grading") != "test"]
    nbformat.write(nb, target)
    assert meta.main([str(target), "--check"]) == 1
    assert meta.main([str(target)]) == 0
    assert meta.main([str(target), "--check"]) == 0
    assert "0 of 1 notebook(s) would change" in capsys.readouterr().out


def test_hidden_tests_do_not_call_the_labs_checks():
    for tests in hidden_tests.TESTS.values():
        for anchored in tests.values():
            for test in anchored:
                assert "check." not in test.body and "d2lite" not in test.body, test.name
                compile(meta.test_source(test.what, test.points, test.body), test.name, "exec")


# ----------------------------------------------------------------------------- student copies


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_copies_keep_no_hidden_test_and_lock_the_test_cells(path):
    copy_ = student.student_copy(annotated(path), path.name)
    for cell in copy_.cells:
        assert "HIDDEN TESTS" not in cell.source and "_hidden_test" not in cell.source
        info = cell.metadata.get("nbgrader", {})
        if info.get("grade") or info.get("locked"):
            assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False


# ----------------------------------------------------------------------------- grader pieces


def test_sizes_and_bad_arguments_name_the_value():
    assert grade.parse_size("1.5G") == 3 * 2 ** 29 and grade.parse_size(4096) == 4096
    with pytest.raises(ValueError, match=r"argument `memory`.*got 'lots'"):
        grade.parse_size("lots")
    with pytest.raises(ValueError, match=r"argument `sandbox`.*got 'docker'"):
        grade.resolve_sandbox("docker")


def test_without_bubblewrap_grading_stops_and_says_what_to_do(tmp_path):
    with pytest.raises(grade.GradingError, match=r"apt-get install bubblewrap.*--sandbox limits"):
        grade.resolve_sandbox("auto", bwrap=str(tmp_path / "no-bwrap"))
    assert grade.resolve_sandbox("limits", bwrap=str(tmp_path / "no-bwrap")) == "limits"


def test_submissions_layout_is_checked(tmp_path):
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "notes.txt").write_text("hi")
    (tmp_path / "bad name").mkdir()
    with pytest.raises(grade.GradingError, match=r"no submissions in .*<student>/<NN_name>\.ipynb"):
        grade.find_submissions(tmp_path, ROOT / "notebooks")
    (tmp_path / "ada" / "09_stock_lab.ipynb").write_text("{}")
    found, notes = grade.find_submissions(tmp_path, ROOT / "notebooks")
    assert [(s, nb) for s, nb, _ in found] == [("ada", "09_stock_lab")]
    assert any("notes.txt: ignored" in n for _, _, n in notes)
    assert any(s == "bad name" and "ignored" in n for s, _, n in notes)


def test_code_that_can_defeat_in_kernel_tests_is_flagged():
    nb = new_notebook(cells=[
        new_code_cell("check.check_vocab = lambda *a: 'Correct'"),
        new_code_cell("import sys\nsys.modules['d2lite.check'] = fake"),
        new_code_cell("get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)"),
        new_code_cell("x = np.mean(y)\nif check.TIMEOUT == 10: pass"),
    ])
    reasons = grade.flagged(nb)
    assert [r.split(" ")[1] for r in reasons] == ["0", "1", "2"]


# ----------------------------------------------------------------------------- the fixture assignment


def fixture_source():
    """`99_fixture`, as `tools/nbgrader_metadata.py` would make it: 2 + 1 points."""
    def cell(source, **nbgrader):
        c = new_code_cell(source)
        if nbgrader:
            c.metadata["nbgrader"] = {"schema_version": 3, "grade": False, "solution": False,
                                      "locked": False, **nbgrader}
        return c

    nb = new_notebook(cells=[
        new_markdown_cell("# 99 · Fixture\n\nTwo exercises."),
        cell("import numpy as np\n\nfrom d2lite import check", locked=True, grade_id="locked_setup"),
        cell(f"def perplexity(probs):\n    {BEGIN}\n    return float(np.exp(-np.mean(np.log(probs))))\n"
             f"    {END}\n\n\nprint(check.check_perplexity(perplexity))", solution=True,
             grade_id="solution_perplexity"),
        cell(meta.test_source("`perplexity`", 2, "import numpy as np\n\n"
                              "p = np.array([0.5, 0.25, 0.125])\n"
                              "assert abs(float(perplexity(p.copy())) - 4.0) < 1e-9, "
                              "'perplexity([0.5, 0.25, 0.125]) should be 4'"),
             grade=True, locked=True, points=2, grade_id="test_perplexity"),
        cell(f"def mean_square(x):\n    {BEGIN}\n    return float(np.mean(np.square(x)))\n    {END}",
             solution=True, grade_id="solution_mean_square"),
        cell(meta.test_source("`mean_square`", 1, "import numpy as np\n\n"
                              "assert mean_square(np.array([1.0, 2.0, 3.0])) == 14 / 3, "
                              "'mean_square([1, 2, 3]) should be 14/3'"),
             grade=True, locked=True, points=1, grade_id="test_mean_square"),
    ])
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    for i, c in enumerate(nb.cells):
        c.id = f"cell-{i}"
    return nb


def _replace(nb, grade_id, source):
    nb = copy.deepcopy(nb)
    next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id).source = source
    return nb


def fixture_submissions(folder, source_dir):
    """One student per case; returns what each should score and a phrase its notes must hold."""
    source = fixture_source()
    untouched = student.student_copy(copy.deepcopy(source), "99_fixture.ipynb")
    right_p, right_m = source.cells[2].source, source.cells[4].source
    wrong_p = "def perplexity(probs):\n    return 1.0\n\n\nprint(check.check_perplexity(perplexity))"
    targets = [POISON, folder / "course" / "gradebook.db",
               source_dir / "99_fixture.ipynb", folder / "submissions" / "full" / "99_fixture.ipynb"]
    outside = (f"failed = []\nfor target in {[str(t) for t in targets]!r}:\n    try:\n"
               "        with open(target, 'w') as f:\n            f.write('graded by me')\n"
               "    except OSError as err:\n        failed.append(f'{target}: {err.strerror}')\n"
               "if failed:\n    raise PermissionError('; '.join(failed))")
    cases = {
        "full": (source, 3, None),
        "untouched": (untouched, 0, "raised NotImplementedError"),
        "half": (_replace(untouched, "solution_perplexity", right_p), 2, "test test_mean_square"),
        "loop": (_replace(_replace(source, "solution_mean_square", "while True:\n    pass"),
                          "solution_perplexity", right_p), 2, "did not finish within the time limit"),
        "stubborn": (_replace(source, "solution_perplexity",
                              "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
                     0, "its kernel did not answer after an interrupt"),
        "memory": (_replace(source, "solution_mean_square",
                            "chunks = []\nwhile True:\n    chunks.append(np.empty(2 ** 27))"),
                   2, "ran out of memory"),
        "raises": (_replace(source, "solution_perplexity", "raise RuntimeError('first cell')"),
                   1, "raised RuntimeError: first cell"),
        "edited": (_replace(_replace(source, "test_perplexity", "pass"), "solution_perplexity", wrong_p),
                   1, "the test cell test_perplexity was edited"),
        "patcher": (_replace(source, "solution_perplexity",
                             "import d2lite.check\nd2lite.check.check_perplexity = lambda *a, **k: 'Correct'\n"
                             "check.check_perplexity = d2lite.check.check_perplexity\n" + wrong_p),
                    1, "flagged for review"),
        "vandal": (_replace(source, "solution_mean_square", right_m + "\n\n\n" + outside),
                   3, "Read-only file system"),
    }
    for name, (nb, _, _) in cases.items():
        (folder / "submissions" / name).mkdir(parents=True)
        nbformat.write(nb, folder / "submissions" / name / "99_fixture.ipynb")
    (folder / "submissions" / "garbled").mkdir()
    (folder / "submissions" / "garbled" / "99_fixture.ipynb").write_text('{"cells": [')
    cases["garbled"] = (None, 0, "not graded: the file is not valid JSON")
    return {name: (points, phrase) for name, (_, points, phrase) in cases.items()}


def _read_grades(output):
    with open(output / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(output / "notes.csv", newline="", encoding="utf-8") as f:
        notes = list(csv.DictReader(f))
    return rows, notes


def html_escape(text):
    import html

    return html.escape(text)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_nbgrader
@needs_bwrap
@pytest.mark.grading
def test_a_batch_of_good_and_bad_submissions_and_a_real_lab_is_graded(tmp_path):
    """One `make grade` run: every kind of bad submission of `99_fixture`, and the Ising lab.

    The lab is graded end to end: its full solution gets every point, and nbgrader's release
    copy of it is what `make student` writes. (Its untouched student copy scores 0 in
    benchmarks/grading.py; here the fixture's untouched copy stands for it, to save a minute.)
    """
    lab = ROOT / "notebooks" / "10_ising_lab.ipynb"
    source_dir = tmp_path / "source"
    source_dir.mkdir()
    nbformat.write(fixture_source(), source_dir / "99_fixture.ipynb")
    solution = annotated(lab)
    nbformat.write(solution, source_dir / lab.name)
    expected = fixture_submissions(tmp_path, source_dir)
    (tmp_path / "submissions" / "lab_solved").mkdir(parents=True)
    nbformat.write(solution, tmp_path / "submissions" / "lab_solved" / lab.name)
    protected = [source_dir / "99_fixture.ipynb", tmp_path / "submissions" / "full" / "99_fixture.ipynb"]
    before = {p: _digest(p) for p in protected}
    output = tmp_path / "grades"
    try:
        rows = grade.grade(tmp_path / "submissions", output, course_dir=tmp_path / "course",
                           source_dir=source_dir, timeout={"99_fixture": 4, lab.stem: 300},
                           wall={"99_fixture": 20}, memory="3G", sandbox="bwrap", log=lambda line: None)
    finally:
        poisoned = POISON.exists()
        POISON.unlink(missing_ok=True)
    assert not poisoned, "a submission wrote into d2lite/"
    lab_points = sum(t.points for tests in hidden_tests.LAB_10.values() for t in tests)
    want = {(name, "99_fixture"): (points, 3) for name, (points, _) in expected.items()}
    want[("lab_solved", lab.stem)] = (lab_points, lab_points)
    assert [(r["student"], r["notebook"]) for r in rows] == sorted(want)
    written, notes = _read_grades(output)
    assert list(written[0]) == ["student", "notebook", "score", "max_score"]
    assert {(r["student"], r["notebook"]): (float(r["score"]), float(r["max_score"]))
            for r in written} == want
    for name, (_, phrase) in expected.items():
        page = (output / "feedback" / name / "99_fixture.html").read_text(encoding="utf-8")
        assert "Grading notes" in page
        if phrase:
            assert any(phrase in n["note"] for n in notes if n["student"] == name), (name, phrase)
            assert html_escape(phrase) in page, (name, phrase)
    assert not [n for n in notes if n["student"] in ("full", "lab_solved")], notes
    assert not [n for n in notes if "crashed" in n["note"] or "no record" in n["note"]], notes
    assert "patcher" in {n["student"] for n in notes if "flagged" in n["note"]}
    # Nothing outside a submission's own folder changed, and the hidden tests stayed hidden.
    assert {p: _digest(p) for p in protected} == before
    assert not POISON.exists()
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'course' / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission_notebook("99_fixture", "99_fixture", "full").score == 3
    for name in ("full", "lab_solved"):
        page = next((output / "feedback" / name).glob("*.html")).read_text(encoding="utf-8")
        assert "_hidden_test" not in page and "should be 4" not in page
    # `make student` writes what nbgrader's generate_assignment released, cell by cell.
    released = nbformat.read(tmp_path / "course" / "release" / lab.stem / lab.name, as_version=4)
    ours = student.student_copy(annotated(lab), lab.name)
    assert sources(ours) == sources(released)
    for a, b in zip(ours.cells, released.cells):
        assert {k: v for k, v in a.metadata.items() if k != "nbgrader"} == \
            {k: v for k, v in b.metadata.items() if k != "nbgrader"}


@needs_nbgrader
@pytest.mark.grading
def test_the_fallback_without_bubblewrap_keeps_time_and_memory_limits(tmp_path):
    source_dir = tmp_path / "source"
    source_dir.mkdir()
    nbformat.write(fixture_source(), source_dir / "99_fixture.ipynb")
    source = fixture_source()
    cases = {"full": source, "loop": _replace(source, "solution_mean_square", "while True:\n    pass"),
             "memory": _replace(source, "solution_mean_square",
                                "chunks = []\nwhile True:\n    chunks.append(np.empty(2 ** 27))")}
    for name, nb in cases.items():
        (tmp_path / "submissions" / name).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "submissions" / name / "99_fixture.ipynb")
    grade.grade(tmp_path / "submissions", tmp_path / "grades", course_dir=tmp_path / "course",
                source_dir=source_dir, timeout=4, memory="1G", wall=20, sandbox="limits",
                log=lambda line: None)
    rows, notes = _read_grades(tmp_path / "grades")
    assert {r["student"]: float(r["score"]) for r in rows} == {"full": 3, "loop": 2, "memory": 2}
    text = {n["student"]: " ".join(m["note"] for m in notes if m["student"] == n["student"]) for n in notes}
    assert "time limit" in text["loop"] and "out of memory" in text["memory"]
    assert "graded without the sandbox" in text["full"]


# ----------------------------------------------------------------------------- the hidden tests


def _run_hidden(test, namespace):
    exec(compile(meta.test_source(test.what, test.points, test.body), test.name, "exec"), namespace)


@pytest.fixture(scope="module")
def stock_lab_answers():
    """The stock lab's variables as its solution computes them (no notebook run)."""
    import numpy as np
    from sklearn.preprocessing import StandardScaler

    from d2lite import data

    close = data.stock_prices("^GSPC", "1999-01-04", "2018-12-31")["Close"].to_numpy("float64")
    T, tau = len(close), 60
    n_train, n_val = int(0.70 * T), int(0.85 * T)
    day, days = np.arange(tau, T), np.arange(n_val, T)
    return {
        "np": np, "close": close,
        "scaler": StandardScaler().fit(close[:n_train, None]),
        "make_windows": lambda s, t: (np.stack([s[i:i + t] for i in range(len(s) - t)]), s[t:]),
        "train": day < n_train, "val": (day >= n_train) & (day < n_val), "test": day >= n_val,
        "rmse": lambda a, b: float(np.sqrt(np.mean((np.ravel(a) - np.ravel(b)) ** 2))),
        "mae": lambda a, b: float(np.mean(np.abs(np.ravel(a) - np.ravel(b)))),
        "persistence": close[days - 1],
        "moving_average": np.array([close[t - tau:t].mean() for t in days]),
    }


def test_the_stock_labs_hidden_tests_pass_right_answers_and_fail_wrong_ones(stock_lab_answers):
    np = stock_lab_answers["np"]
    close = stock_lab_answers["close"]
    n_val = int(0.85 * len(close))
    days = np.arange(n_val, len(close))
    from sklearn.preprocessing import StandardScaler

    wrong = {  # the classic mistakes, one per test
        "stock_scaler": {"scaler": StandardScaler().fit(close[:, None])},  # fitted on all days
        "stock_windows": {"make_windows": lambda s, t: (np.stack([s[i:i + t] for i in range(len(s) - t)]),
                                                         s[t - 1:-1])},  # labels one day early
        "stock_split": {"train": np.arange(len(close) - 60) < int(0.70 * len(close))},  # by window start
        "stock_rmse": {"rmse": lambda a, b: float(np.mean((np.ravel(a) - np.ravel(b)) ** 2))},  # MSE
        "stock_mae": {"mae": lambda a, b: float(np.mean(np.abs(a - b)))},  # (n,) - (n, 1) broadcasts
        "stock_baselines": {"moving_average": np.array([close[t - 59:t + 1].mean() for t in days])},
        "replaced close": {"close": close * 1.01},
    }
    tests = {t.name: t for anchored in hidden_tests.LAB_09.values() for t in anchored}
    for name, test in tests.items():
        _run_hidden(test, dict(stock_lab_answers))
        with pytest.raises(AssertionError):
            _run_hidden(test, {**stock_lab_answers, **wrong[name]})
    with pytest.raises(AssertionError, match="`close` is not the S&P 500 series"):
        _run_hidden(tests["stock_scaler"], {**stock_lab_answers, **wrong["replaced close"]})


def test_the_ising_labs_hidden_tests_pass_right_answers_and_fail_wrong_ones():
    import keras
    import numpy as np

    from d2lite import layers

    T = np.repeat(np.linspace(1.0, 3.5, 36), 1000)
    T_c = 2 / np.log(1 + np.sqrt(2))

    def crossing(t, p):
        i = np.flatnonzero(p < 0.5)[0]
        return t[i - 1] + (p[i - 1] - 0.5) / (p[i - 1] - p[i]) * (t[i] - t[i - 1])

    def build_rnn(units=32):
        return keras.Sequential([keras.Input((10, 10)), keras.layers.RNN(layers.GRUCell(units)),
                                 keras.layers.Dense(1, activation="sigmoid")])

    right = {"T": T, "y": (T < T_c).astype("float32"), "train_mask": np.abs(T - T_c) > 0.1,
             "crossing": crossing, "build_rnn": build_rnn}
    wrong = {
        "ising_labels": {"train_mask": np.abs(T - T_c) > 0.2},
        "ising_model": {"build_rnn": lambda units=32: build_rnn(32)},  # ignores `units`
        "ising_crossing": {"crossing": lambda t, p: t[np.flatnonzero(p < 0.5)[0]]},  # a grid point
    }
    for anchored in hidden_tests.LAB_10.values():
        for test in anchored:
            _run_hidden(test, dict(right))
            with pytest.raises(AssertionError):
                _run_hidden(test, {**right, **wrong[test.name]})
