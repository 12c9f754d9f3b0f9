"""How long `make grade` takes: N synthetic submissions of one lab, graded in the sandbox.

    python benchmarks/grading.py                  # 30 submissions of 10_ising_lab
    python benchmarks/grading.py --lab 09_stock_lab -n 10

The submissions are made from the lab's solution notebook (with the metadata of
`tools/nbgrader_metadata.py`), in turn: the full solution, the student copy with only the first
exercise solved, and the untouched student copy. Prints the score of each kind (they must be
max_score, partial and 0), the median time one submission's kernel ran (from the sandbox's
records), and the total wall time of the run, nbgrader's set-up and feedback included.
Grading is sequential: one kernel at a time.
"""

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import grade  # noqa: E402
import nbgrader_metadata  # noqa: E402
import student  # noqa: E402


def half_done(solution, name):
    """The student copy with the first solution cell as the solution notebook has it."""
    copy_ = student.student_copy(copy.deepcopy(solution), name)
    first = next(i for i, c in enumerate(solution.cells)
                 if c.metadata.get("nbgrader", {}).get("solution"))
    copy_.cells[first].source = solution.cells[first].source
    return copy_


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="10_ising_lab")
    parser.add_argument("-n", type=int, default=30, help="number of submissions (30)")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--sandbox", default="auto")
    args = parser.parse_args(argv)
    path = ROOT / "notebooks" / f"{args.lab}.ipynb"
    solution = nbgrader_metadata.annotate(nbformat.read(path, as_version=4), args.lab)
    kinds = {"full": solution, "half": half_done(solution, path.name),
             "untouched": student.student_copy(copy.deepcopy(solution), path.name)}
    with tempfile.TemporaryDirectory(prefix="d2lite-grading-") as tmp:
        tmp = Path(tmp)
        (tmp / "source").mkdir()
        nbformat.write(solution, tmp / "source" / path.name)
        names = list(kinds)
        for i in range(args.n):
            kind = names[i % len(names)]
            folder = tmp / "submissions" / f"{kind}{i:03d}"
            folder.mkdir(parents=True)
            nbformat.write(kinds[kind], folder / path.name)
        start = time.perf_counter()
        rows = grade.grade(tmp / "submissions", tmp / "grades", course_dir=tmp / "course",
                           source_dir=tmp / "source", timeout=args.timeout, sandbox=args.sandbox)
        total = time.perf_counter() - start
        seconds = [json.loads(p.read_text()).get("seconds")
                   for p in sorted((tmp / "course" / "events").glob(f"*/{args.lab}.json"))]
    seconds = [s for s in seconds if s is not None]
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row["student"].rstrip("0123456789"), set()).add(
            f"{row['score']:g}/{row['max_score']:g}")
    print(f"{args.lab}: {len(rows)} submissions graded in {total:.0f} s "
          f"({total / len(rows):.1f} s per submission overall)")
    print(f"kernel time per submission: median {statistics.median(seconds):.1f} s, "
          f"min {min(seconds):.1f} s, max {max(seconds):.1f} s")
    print("scores:", {kind: sorted(scores) for kind, scores in by_kind.items()})


if __name__ == "__main__":
    main()
