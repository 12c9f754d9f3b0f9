"""Autograde homework submissions with nbgrader, each in a sandbox: a gradebook CSV and feedback.

    make grade SUBMISSIONS=path/to/submissions
    python tools/grade.py path/to/submissions [--output-dir build/grades] [--timeout 120]
        [--memory 4G] [--sandbox auto|bwrap|limits]

`SUBMISSIONS` holds one folder per student with the notebooks they hand in, named as the
course's notebooks: ``<student>/<NN_name>.ipynb`` (e.g. ``ada/09_stock_lab.ipynb``). Each
notebook of the series is an nbgrader assignment of one notebook, whose source is the notebook
in notebooks/ with the metadata of `tools/nbgrader_metadata.py` (hidden tests included).

What it does, in a fresh nbgrader course folder (``build/grading/``, trusted: no student code
ever sees it):

1. `generate_assignment` for every notebook handed in: the gradebook (``gradebook.db``) gets
   the cells, points and hidden tests, ``release/`` the student copies (what `make student`
   writes);
2. every submission that is a valid notebook goes to ``submitted/<student>/<NN_name>/``; one
   that is not (bad JSON, not a notebook) scores 0 with the parser's message as its feedback;
3. `autograde`: nbgrader restores the locked and test cells from the gradebook (an edited test
   cell is graded with the instructor's copy) and runs each notebook in a fresh kernel of its
   own, started by ``tools/grading/sandbox_kernel.py`` in the sandbox, with a time limit per
   cell (``--timeout``), a memory limit (``--memory``, RLIMIT_DATA) and a wall-clock budget per
   submission (``--wall``); all nbgrader steps run in one process
   (``tools/grading/run_nbgrader.py``), since importing nbgrader takes seconds;
4. `generate_feedback`, hidden tests left out, with a "Grading notes" box on top of each page:
   what failed and why (a test's message, a cell past its time limit, memory, a kernel that
   was killed, a locked cell that was edited, code flagged for review);
5. writes ``<output dir>/grades.csv`` (``student,notebook,score,max_score``, one row per
   student and notebook, written atomically), ``<output dir>/notes.csv`` (the notes, one row
   each) and ``<output dir>/feedback/<student>/<NN_name>.html``.

Sandbox (``--sandbox``): ``bwrap`` runs each kernel under Debian's bubblewrap (no network, a
read-only system, only its own scratch folder writable, no view of the course folder, the
gradebook, the instructor's notebooks or other submissions); ``limits`` is the fallback for
machines where bubblewrap cannot make namespaces: a process of its own with the same time and
memory limits and, where ``unshare --net`` works, no network, but the whole file system as the
grader sees it -- only for submissions you trust. ``auto`` (default) is ``bwrap``, and stops with
an error saying how to install it when it does not work. docs/instructors.md says what each
isolates.
"""

import argparse
import csv
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools" / "grading"))

from d2lite import _validate  # noqa: E402  (atomic writes, the series' argument messages)

import hidden_tests  # noqa: E402  (tools/grading/hidden_tests.py: PREPARE)

KERNEL = "d2lite-sandbox"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")
# Code in a student's cells that can defeat tests run in the same kernel: flagged for review.
SUSPICIOUS = [
    (re.compile(r"\bsys\s*\.\s*modules\b"), "changes or reads sys.modules"),
    (re.compile(r"\b__builtins__\b|\bimport\s+builtins\b|\bfrom\s+builtins\b"), "touches builtins"),
    (re.compile(r"\b(set_custom_exc|input_transformers\w*|ast_transformers|events\s*\.\s*register)\b"),
     "hooks IPython's execution"),
    (re.compile(r"\bsys\s*\.\s*(settrace|setprofile|excepthook)\b"), "hooks the interpreter"),
    (re.compile(r"^\s*(check|d2lite(\.\w+)*|np|numpy|keras)\s*\.\s*[\w.]+\s*=(?!=)", re.M),
     "assigns to an attribute of check, d2lite, numpy or keras"),
    (re.compile(r"\bsetattr\s*\(\s*(check|d2lite|np|numpy|keras)\b"),
     "sets an attribute of check, d2lite, numpy or keras"),
    (re.compile(r"\bimportlib\s*\.\s*reload\b|\bctypes\b|\bgc\s*\.\s*get_objects\b"),
     "reloads modules or reaches into the interpreter"),
]


class GradingError(RuntimeError):
    """Grading cannot start (no submissions, no sandbox, notebooks without metadata)."""


def parse_size(text):
    """Bytes in a size such as "4G", "512M" or "1073741824".

    Example:
        >>> parse_size("4G"), parse_size("512M")
        (4294967296, 536870912)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", str(text), re.I)
    if not match:
        raise _validate.invalid("memory", 'a size such as "4G" or "512M"', text)
    factor = 1024 ** "_KMGT".index(match.group(2).upper() or "_")
    return int(float(match.group(1)) * factor)


# ------------------------------------------------------------------------------ the sandbox


def bwrap_works(bwrap="bwrap"):
    """Whether bubblewrap is installed and can make the namespaces the sandbox uses."""
    if shutil.which(bwrap) is None:
        return False
    try:
        probe = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--unshare-all", "--unshare-user", "--uid", "65534",
             "--gid", "65534", "--cap-drop", "ALL", "--as-pid-1", "--dev", "/dev", "--proc", "/proc",
             "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def resolve_sandbox(sandbox, bwrap="bwrap"):
    """The sandbox to use, "bwrap" or "limits"; raises GradingError when bwrap cannot run."""
    if sandbox not in ("auto", "bwrap", "limits"):
        raise _validate.invalid("sandbox", '"auto", "bwrap" or "limits"', sandbox)
    if sandbox == "limits":
        return "limits"
    if bwrap_works(bwrap):
        return "bwrap"
    raise GradingError(
        "bubblewrap cannot run here (not installed, or the kernel refuses user namespaces), so "
        "submissions cannot be isolated. Install it (Debian: apt-get install bubblewrap), or "
        "grade with --sandbox limits (make grade SANDBOX=limits): time and memory limits and no "
        "network where possible, but the student's code sees and can write whatever you can.")


# ------------------------------------------------------------------------------ submissions


def find_submissions(folder, source_dir):
    """The submissions in `folder`: ([(student, notebook stem, path)], [notes]).

    Notes (ignored files, unknown notebooks, bad student names) are (student, notebook, note).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise GradingError(f"SUBMISSIONS={folder} is not a folder; expected a folder with one "
                           "folder per student holding <NN_name>.ipynb files.")
    known = {p.stem for p in Path(source_dir).glob("[0-9][0-9]_*.ipynb")}
    found, notes = [], []
    for student_dir in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        student = student_dir.name
        if not student_dir.is_dir():
            notes.append(("", "", f"{student}: ignored, not a student's folder"))
            continue
        if not STUDENT_ID.match(student):
            notes.append((student, "", "ignored: a student folder's name must be letters, digits "
                                       "and . _ @ + - (at most 64), starting with a letter or digit"))
            continue
        for path in sorted(student_dir.iterdir()):
            if path.suffix == ".ipynb" and path.stem in known:
                found.append((student, path.stem, path))
            elif not path.name.startswith("."):
                notes.append((student, "", f"{path.name}: ignored, not one of the course's "
                                           "notebooks (expected <NN_name>.ipynb as in notebooks/)"))
    if not found:
        raise GradingError(f"no submissions in {folder}: expected <student>/<NN_name>.ipynb, "
                           f"NN_name one of {', '.join(sorted(known)) or '(none in the source folder)'}.")
    return found, notes


def read_submission(path):
    """The submitted notebook, or (None, why) when it is not a valid notebook."""
    try:
        json.loads(Path(path).read_text(encoding="utf-8"))
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except UnicodeDecodeError as err:
        return None, f"the file is not UTF-8 text ({err.reason} at byte {err.start})"
    except json.JSONDecodeError as err:
        return None, f"the file is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
    except Exception as err:  # nbformat's validation and reader errors
        return None, f"the file is not a valid notebook: {str(err).splitlines()[0][:300]}"
    return nb, None


def flagged(nb):
    """Why a submission's own cells deserve a look: code that can defeat in-kernel tests."""
    reasons = []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("locked") or meta.get("grade"):
            continue  # locked and test cells are replaced by the instructor's copy
        for pattern, what in SUSPICIOUS:
            if pattern.search(cell.source):
                reasons.append(f"cell {index} {what}: flagged for review")
    return reasons


def edited_cells(nb, release, source):
    """Notes on the locked and test cells of a submission that differ from the instructor's.

    A cell is as handed out when it equals the release copy or the source (hidden tests
    included); nbgrader grades it with the source either way.
    """
    def locked(notebook):
        return {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("locked")}

    released, original, notes = locked(release), locked(source), []
    present = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") in released}
    for grade_id, cell in released.items():
        kind = "test cell" if cell.metadata["nbgrader"].get("grade") else "locked cell"
        if grade_id not in present:
            notes.append(f"the {kind} {grade_id} was missing; the instructor's copy was put back")
        elif present[grade_id].source not in (cell.source, original[grade_id].source):
            notes.append(f"the {kind} {grade_id} was edited; it was graded with the instructor's copy")
    return notes


# ------------------------------------------------------------------------------ nbgrader


def _config_py(course, timeout, runtime):
    return f'''c = get_config()
c.CourseDirectory.root = {str(course)!r}
c.CourseDirectory.course_id = "d2lite"
c.Autograde.create_student = True
c.OverwriteCells.add_missing_cells = True
c.Execute.timeout = {int(timeout)}  # tools/grading/run_nbgrader.py sets it per assignment
c.Execute.kernel_name = {KERNEL!r}
c.KernelManager.transport = "ipc"
c.KernelManager.ip = {str(runtime / "kernel")!r}  # ipc: an absolute prefix for the sockets
# Feedback shows the student's cells, outputs and test messages, not the hidden tests' code.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
'''


def _base_env(runtime):
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # alembic
    env["JUPYTER_RUNTIME_DIR"] = env["TMPDIR"] = str(runtime)  # connection files go here
    env["JUPYTER_PATH"] = str(runtime / "share")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def _kernelspec(runtime):
    folder = runtime / "share" / "kernels" / KERNEL
    folder.mkdir(parents=True)
    spec = {"argv": [sys.executable, str(ROOT / "tools" / "grading" / "sandbox_kernel.py"),
                     "{connection_file}"],
            "display_name": "d2lite grading sandbox", "language": "python",
            "interrupt_mode": "signal"}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))


def _sandbox_env(env, mode, course, scratch, events, memory, wall):
    import d2lite.data

    python = Path(sys.executable)
    readonly = {sys.base_prefix, sys.prefix, str(ROOT / "d2lite")}
    data = d2lite.data.data_dir(create=False).resolve()
    if data.is_dir():
        readonly.add(str(data))
    env.update({"D2LITE_SANDBOX": mode, "D2LITE_SANDBOX_MEMORY": str(memory),
                "D2LITE_SANDBOX_WALL": json.dumps(wall), "D2LITE_SANDBOX_COURSE": str(course),
                "D2LITE_SANDBOX_SCRATCH": str(scratch), "D2LITE_SANDBOX_EVENTS": str(events),
                "D2LITE_SANDBOX_PYTHON": str(python), "D2LITE_SANDBOX_DATA": str(data),
                "D2LITE_SANDBOX_READONLY": os.pathsep.join(sorted(
                    str(Path(p).resolve()) for p in readonly))})
    return env


# ------------------------------------------------------------------------------ notes, feedback


def execution_notes(nb, timeout, memory):
    """What went wrong when the autograded notebook ran: a note per failing cell."""
    notes = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        name = meta.get("grade_id") or f"cell {index}"
        what = f"test {name} ({meta.get('points', 0):g} points)" if meta.get("grade") else name
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if any(o.get("ename") == "CellTimeoutError" for o in errors):  # its interrupt: no news
            errors = [o for o in errors if o.get("ename") != "KeyboardInterrupt"]
        for output in errors:
            ename, evalue = output.get("ename", ""), str(output.get("evalue", "")).strip()
            if ename == "CellTimeoutError":
                why = f"did not finish within the time limit of {timeout:g} s per cell (an endless loop?)"
            elif ename == "MemoryError":
                why = f"ran out of memory (the limit is {memory / 2**30:g} GiB)"
            else:
                why = f"raised {ename}" + (f": {evalue.splitlines()[0][:300]}" if evalue else "")
            notes.append(f"{what} {why}")
    return notes


def _banner(score, max_score, notes):
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes) or "<li>none: every test passed</li>"
    shown = "not graded" if score is None else f"{score:g} / {max_score:g}"
    return ('<div id="d2lite-grading-notes" style="border:2px solid #c60;padding:0.5em 1em;'
            'margin:1em auto;max-width:60em;font-family:sans-serif">'
            f"<h2>Score: {html.escape(shown)}</h2><h3>Grading notes</h3><ul>{items}</ul></div>")


def write_feedback(target, nbgrader_html, score, max_score, notes, title):
    """The feedback page: nbgrader's, with the grading notes on top, or the notes alone."""
    banner = _banner(score, max_score, notes)
    if nbgrader_html is not None and nbgrader_html.is_file():
        page = nbgrader_html.read_text(encoding="utf-8")
        match = re.search(r"<body[^>]*>", page)
        page = page[:match.end()] + banner + page[match.end():] if match else banner + page
    else:
        page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
                f"</title></head><body><h1>{html.escape(title)}</h1>{banner}</body></html>")
    with _validate.atomic_write(target, "w", encoding="utf-8") as f:
        f.write(page)


def _write_csv(path, header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with _validate.atomic_write(path, "w", encoding="utf-8", newline="") as f:
        f.write(buffer.getvalue())


# ------------------------------------------------------------------------------ grading


def grade(submissions, output_dir=ROOT / "build" / "grades", *, course_dir=ROOT / "build" / "grading",
          source_dir=ROOT / "notebooks", timeout=120, memory="4G", wall=None, sandbox="auto",
          bwrap="bwrap", log=print):
    """Grade every submission in `submissions`; return the rows of grades.csv as dicts.

    Args:
        submissions: the folder of ``<student>/<NN_name>.ipynb`` files.
        output_dir: where grades.csv, notes.csv and feedback/ go (default build/grades).
        course_dir: the nbgrader course folder, made anew (default build/grading); an existing
            folder is replaced only if it is empty or an earlier run's (it has nbgrader_config.py).
        source_dir: the instructor's notebooks, with nbgrader metadata (default notebooks/).
        timeout: seconds each cell may run (default 120), or a dict {notebook stem: seconds}
            (notebooks it does not name get 120).
        memory: the data-segment limit (RLIMIT_DATA) of each kernel, bytes or a size like "4G"
            (the default): arrays, tensors and thread stacks beyond it raise MemoryError.
        wall: seconds a whole submission may run, a number or a dict like `timeout` (default:
            60 + 10 * its timeout, at most 1800).
        sandbox: "auto", "bwrap" or "limits" (see the module docstring).
        bwrap: the bubblewrap command (default "bwrap").
        log: called with one line of progress at a time.
    """
    memory = parse_size(memory)
    mode = resolve_sandbox(sandbox, bwrap)
    found, notes_of_batch = find_submissions(submissions, source_dir)
    assignments = sorted({nb for _, nb, _ in found})
    timeout = _per_notebook(timeout, "timeout", assignments, lambda a: 120.0)
    wall = _per_notebook(wall, "wall", assignments, lambda a: min(60 + 10 * timeout[a], 1800.0))
    output_dir, course = Path(output_dir), Path(course_dir).resolve()
    if course.exists():
        if any(course.iterdir()) and not (course / "nbgrader_config.py").is_file():
            raise GradingError(f"course_dir {course} exists and is not an earlier grading run's "
                               "(no nbgrader_config.py): expected a new or empty folder.")
        shutil.rmtree(course)
    scratch = course.parent / f"{course.name}-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    course.mkdir(parents=True)
    runtime = Path(tempfile.mkdtemp(prefix="d2g-"))  # short: socket paths have ~100 characters
    (course / "nbgrader_config.py").write_text(_config_py(course, 120, runtime))
    logs = course / "logs"
    logs.mkdir()
    try:
        _kernelspec(runtime)
        env = _sandbox_env(_base_env(runtime), mode, course, scratch, course / "events", memory, wall)
        return _grade(found, notes_of_batch, course, Path(source_dir), output_dir, env, logs,
                      timeout, memory, wall, mode, log)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def _grade(found, batch_notes, course, source_dir, output_dir, env, logs, timeout, memory, wall,
           mode, log):
    assignments = sorted({nb for _, nb, _ in found})
    started = time.monotonic()
    log(f"grading {len(found)} submission(s) of {', '.join(assignments)} in the {mode!r} sandbox "
        f"(memory {memory / 2**30:g} GiB; per cell and per submission: "
        + ", ".join(f"{a} {timeout[a]:g} s and {wall[a]:g} s" for a in assignments) + ")")
    sources = {}
    for assignment in assignments:
        sources[assignment] = source = nbformat.read(source_dir / f"{assignment}.ipynb", as_version=4)
        if not any(c.metadata.get("nbgrader", {}).get("grade") for c in source.cells):
            raise GradingError(f"{source_dir / assignment}.ipynb has no autograded test cells; run "
                               "python tools/nbgrader_metadata.py first.")
        (course / "source" / assignment).mkdir(parents=True)
        shutil.copy(source_dir / f"{assignment}.ipynb", course / "source" / assignment)
        if assignment in hidden_tests.PREPARE:  # fill data caches outside the sandbox
            subprocess.run([sys.executable, "-c", hidden_tests.PREPARE[assignment]], check=True,
                           env=env, capture_output=True)

    notes = {(s, nb): [] for s, nb, _ in found}
    valid, submitted = set(), {}
    for student, assignment, path in found:
        nb, why = read_submission(path)
        if nb is None:
            notes[student, assignment].append(f"not graded: {why}")
            continue
        submitted[student, assignment] = nb
        target = course / "submitted" / student / assignment
        target.mkdir(parents=True)
        nbformat.write(nb, target / f"{assignment}.ipynb")
        valid.add((student, assignment))

    log(f"autograding {len(valid)} notebook(s) with nbgrader ...")
    budget = 600 + sum(wall[a] + 30 for _, a in valid)
    with open(logs / "nbgrader.log", "w", encoding="utf-8") as out:
        try:
            subprocess.run([sys.executable, str(ROOT / "tools" / "grading" / "run_nbgrader.py"),
                            str(course), json.dumps(timeout)], cwd=course, env=env, stdout=out,
                           stderr=subprocess.STDOUT, timeout=budget, start_new_session=True)
        except subprocess.TimeoutExpired:
            out.write(f"\nstopped after {budget:.0f} s\n")
    for assignment in assignments:
        released = course / "release" / assignment / f"{assignment}.ipynb"
        if not released.is_file():
            raise GradingError(f"nbgrader generate_assignment {assignment} failed; see "
                               f"{logs / 'nbgrader.log'}.")
        release = nbformat.read(released, as_version=4)
        for (student, name), nb in submitted.items():
            if name == assignment:
                notes[student, name] += edited_cells(nb, release, sources[name]) + flagged(nb)

    from nbgrader.api import Gradebook, MissingEntry

    rows, note_rows = [], [(s, nb, n) for s, nb, n in batch_notes]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, assignment, _ in found:
            max_score = gradebook.find_assignment(assignment).max_score
            score = None
            if (student, assignment) in valid:
                try:
                    score = gradebook.find_submission_notebook(assignment, assignment, student).score
                except MissingEntry:
                    pass
                graded = course / "autograded" / student / assignment / f"{assignment}.ipynb"
                if graded.is_file():
                    notes[student, assignment] += execution_notes(
                        nbformat.read(graded, as_version=4), timeout[assignment], memory)
                notes[student, assignment] += _event_notes(
                    course / "events" / student / f"{assignment}.json", memory, graded.is_file())
                if score is None or not graded.is_file():
                    score = None
                    notes[student, assignment].append(
                        "not graded: the autograder could not finish this notebook (see the notes "
                        f"above; the instructor's log is {logs / 'nbgrader.log'})")
            row = {"student": student, "notebook": assignment,
                   "score": round(float(score or 0.0), 6), "max_score": float(max_score)}
            rows.append(row)
            note_rows += [(student, assignment, n) for n in notes[student, assignment]]
            write_feedback(output_dir / "feedback" / student / f"{assignment}.html",
                           course / "feedback" / student / assignment / f"{assignment}.html",
                           score, max_score, notes[student, assignment], f"{assignment} · {student}")
    _write_csv(output_dir / "grades.csv", ["student", "notebook", "score", "max_score"],
               [[r["student"], r["notebook"], f"{r['score']:g}", f"{r['max_score']:g}"] for r in rows])
    _write_csv(output_dir / "notes.csv", ["student", "notebook", "note"], note_rows)
    seconds = time.monotonic() - started
    log(f"{len(rows)} grade(s) in {output_dir / 'grades.csv'}, feedback in {output_dir / 'feedback'} "
        f"({seconds:.0f} s)")
    return rows


def _per_notebook(value, name, assignments, default):
    """{assignment: positive seconds} from a number, a dict or None (then `default(assignment)`)."""
    if value is None:
        value = {}
    given = value if isinstance(value, dict) else {a: value for a in assignments}
    out = {}
    for assignment in assignments:
        seconds = given.get(assignment)
        seconds = default(assignment) if seconds is None else seconds
        try:
            seconds = float(seconds)
        except (TypeError, ValueError):
            seconds = float("nan")
        if not seconds > 0:
            raise _validate.invalid(name, "a positive number of seconds", given.get(assignment))
        out[assignment] = seconds
    return out


def _event_notes(path, memory, graded):
    """Notes from the sandbox's record of a kernel: killed, crashed, stopped, not isolated."""
    if not path.is_file():
        return ["the sandbox left no record of this kernel: it never started (see the "
                "instructor's log)"]
    event = json.loads(path.read_text())
    notes, code = [], event.get("returncode")
    if event.get("killed"):
        notes.append(f"the kernel was stopped: {event['killed']}")
    elif isinstance(code, int) and code not in (0, 1):
        signal_number = code - 128 if code > 128 else -code if code < 0 else None
        notes.append(f"the kernel crashed (exit status {code}" +
                     (f", signal {signal_number}" if signal_number else "") +
                     f"); with a memory limit of {memory / 2**30:g} GiB, running out of memory "
                     "is the usual cause")
    elif not graded and code is None:
        notes.append("the autograder stopped this notebook: its kernel did not answer after an "
                     "interrupt (code that ignores interrupts, or an endless loop in C code), so "
                     "none of its tests could run")
    if event.get("mode") == "limits":
        notes.append("graded without the sandbox (--sandbox limits): the code could read and "
                     "write the grader's files" + ("" if event.get("network_isolated") else
                                                   " and use the network"))
    return notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, help="folder of <student>/<NN_name>.ipynb")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "build" / "grades")
    parser.add_argument("--course-dir", type=Path, default=ROOT / "build" / "grading")
    parser.add_argument("--source-dir", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per cell (120)")
    parser.add_argument("--memory", default="4G", help="memory (RLIMIT_DATA) per kernel (4G)")
    parser.add_argument("--wall", type=float, default=None,
                        help="seconds per submission (60 + 10 x timeout, at most 1800)")
    parser.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "limits"])
    args = parser.parse_args(argv)
    try:
        grade(args.submissions, args.output_dir, course_dir=args.course_dir,
              source_dir=args.source_dir, timeout=args.timeout, memory=args.memory, wall=args.wall,
              sandbox=args.sandbox)
    except (GradingError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
