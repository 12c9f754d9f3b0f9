"""Keep the exercise map in docs/instructors.md in step with the notebooks.

    python tools/instructors.py           # rewrite the generated part of docs/instructors.md
    python tools/instructors.py --check   # exit 1 if it is out of date (tests/test_site.py runs this)

For every notebook the table lists the exercises at its end, each cell that holds a solution
(between nbgrader's solution markers; `make student` empties exactly these cells), named by
the section heading above it, and the `d2lite.check` functions that give students feedback.
Only the part between the two GENERATED markers is written; the rest of the page is prose.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "instructors.md"
START = "<!-- BEGIN GENERATED: python tools/instructors.py -->"
STOP = "<!-- END GENERATED -->"
BEGIN = "### BEGIN SOLUTION"


def _source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def notebook_row(path):
    """(title, number of exercises, [section of each solution cell], sorted check names)."""
    cells = json.loads(Path(path).read_text())["cells"]
    title = _source(cells[0]).splitlines()[0].lstrip("# ").strip()
    section, solutions, checks, exercises = title, [], set(), 0
    for cell in cells:
        src = _source(cell)
        if cell["cell_type"] == "markdown":
            headings = re.findall(r"^#{2,3} (.+)$", src, re.MULTILINE)
            if headings:
                section = headings[-1].strip()
            if re.search(r"^## Exercises", src, re.MULTILINE):
                exercises = len(re.findall(r"^\d+\.\s", src[src.index("## Exercises"):],
                                           re.MULTILINE))
            continue
        checks.update(re.findall(r"\bcheck\.(check_\w+)\(", src))
        if any(line.strip() == BEGIN for line in src.splitlines()):
            solutions.append(section)
    return title, exercises, solutions, sorted(checks)


def table(notebooks):
    lines = ["| notebook | exercises at the end | cells with a solution (section) | feedback from |",
             "|---|---:|---|---|"]
    for path in notebooks:
        title, exercises, solutions, checks = notebook_row(path)
        counted = {}
        for s in solutions:
            counted[s] = counted.get(s, 0) + 1
        where = "; ".join(f"{s} ({n})" if n > 1 else s for s, n in counted.items()) or "none"
        feedback = ", ".join(f"`{c}`" for c in checks) or "asserts only"
        lines.append(f"| [{title}](../notebooks/{Path(path).name}) | {exercises} | "
                     f"{len(solutions)}: {where} | {feedback} |")
    return "\n".join(lines) + "\n"


def render(doc_text, notebooks):
    if START not in doc_text or STOP not in doc_text:
        raise ValueError(f"{DOC} lacks the lines {START!r} and {STOP!r}")
    head, rest = doc_text.split(START, 1)
    _, tail = rest.split(STOP, 1)
    return f"{head}{START}\n{table(notebooks)}{STOP}{tail}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether it is current")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    old = DOC.read_text()
    new = render(old, notebooks)
    if args.check:
        if new != old:
            print(f"{DOC.relative_to(ROOT)} is out of date: run python tools/instructors.py")
            return 1
        return 0
    DOC.write_text(new)
    print(f"wrote the exercise map of {len(notebooks)} notebooks to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
