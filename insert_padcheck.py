"""Add the checked padding exercise to notebook 04, part 3 (inputs of different lengths).

    python insert_padcheck.py NOTEBOOK_PATH

In place, it
(a) appends a numbered item "(Easy, checked) ..." to the "## Exercises" list of the markdown
    cell that holds "## Exercises" (the next number, after the last item), and
(b) appends one code cell at the end of the notebook: the solution cell, which defines
    `pad(seqs, max_len, padding="post", truncating="post")` between nbgrader's solution
    markers, prints `check.check_pad_truncate(pad)` and asserts that `pad` agrees with
    `sequences.pad_truncate` on the notebook's `toy` sentences.

The cell's grading metadata and the autograded test cell after it are not written here:
`python tools/nbgrader_metadata.py` makes them from the markers (`make notebook NB=04`).
The notebook's setup must give `np`, `sequences` and `toy`.

It refuses to run twice: if the notebook already calls `check_pad_truncate`, it changes
nothing and exits with status 1.
"""

import re
import sys
from pathlib import Path

import nbformat

MARKER = "check_pad_truncate"

EXERCISE = (
    "(Easy, checked) Write padding and truncation yourself, in NumPy: "
    '`pad(seqs, max_len, padding="post", truncating="post")` takes a list of lists of token '
    "indices and returns an integer array of shape `(len(seqs), max_len)`, with 0 as the "
    "padding, and leaves the lists it is given unchanged. `check.check_pad_truncate(pad)` "
    "compares it with `keras.utils.pad_sequences` for every combination of `padding` and "
    "`truncating`, on sequences shorter than `max_len`, longer, exactly `max_len` long and "
    "empty, and tells you if you padded or cut at the wrong end or let one argument decide "
    "both. Then check that it agrees with `sequences.pad_truncate` on `toy`."
)

SOLUTION = '''\
from d2lite import check


def pad(seqs, max_len, padding="post", truncating="post"):
    ### BEGIN SOLUTION
    out = np.zeros((len(seqs), max_len), dtype=int)
    for i, seq in enumerate(seqs):
        seq = seq[-max_len:] if truncating == "pre" else seq[:max_len]  # a slice: a new list
        start = max_len - len(seq) if padding == "pre" else 0
        out[i, start:start + len(seq)] = seq
    return out
    ### END SOLUTION


print(check.check_pad_truncate(pad))
assert all(np.array_equal(pad(toy, 4, p, t), sequences.pad_truncate(toy, 4, p, t)) for p in ("pre", "post") for t in ("pre", "post"))'''

ITEM = re.compile(r"^(\d+)\. ")


def add_exercise(source):
    """`source` (a markdown cell with "## Exercises") with EXERCISE as the list's next item."""
    lines = source.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == "## Exercises")
    items = [i for i in range(start + 1, len(lines)) if ITEM.match(lines[i])]
    if not items:
        raise SystemExit("the ## Exercises section has no numbered item (lines starting 'N. ')")
    last = items[-1]
    end = last + 1
    while end < len(lines) and lines[end].strip() and not ITEM.match(lines[end]) and (
            lines[end].startswith((" ", "\t"))):  # the last item's continuation lines
        end += 1
    number = int(ITEM.match(lines[last]).group(1)) + 1
    return "\n".join(lines[:end] + [f"{number}. {EXERCISE}"] + lines[end:])


def insert(path):
    nb = nbformat.read(path, as_version=4)
    if any(MARKER in cell.source for cell in nb.cells):
        print(f"{path}: already has the checked padding exercise ({MARKER}); nothing changed.",
              file=sys.stderr)
        return 1
    exercises = [cell for cell in nb.cells
                 if cell.cell_type == "markdown" and any(
                     line.strip() == "## Exercises" for line in cell.source.split("\n"))]
    if len(exercises) != 1:
        print(f"{path}: expected one markdown cell with '## Exercises', found {len(exercises)}; "
              "nothing changed.", file=sys.stderr)
        return 1
    exercises[0].source = add_exercise(exercises[0].source)
    cell = nbformat.v4.new_code_cell(SOLUTION)
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):  # cell ids came with nbformat 4.5
        del cell["id"]
    nb.cells.append(cell)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    print(f"{path}: exercise added to the ## Exercises list, solution cell appended.")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = Path(argv[0])
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 2
    return insert(path)


if __name__ == "__main__":
    sys.exit(main())
