"""Insert or update a "← previous | Index | next →" cell in every notebook of the series.

    python tools/navigation.py                # the notebooks in notebooks/
    python tools/navigation.py path/to/dir    # the NN_*.ipynb notebooks in another folder

The series is the `NN_*.ipynb` files of the folder in name order; each notebook gets one
markdown cell linking its neighbours by their titles (the first line of their title cell):

    [← 03 · Language models](03_language_models.ipynb) | [Index](../README.md#the-notebooks) | [05 · GRU →](05_gru.ipynb)

The first notebook has no "previous" link, the last no "next" link. The cell sits second,
right after the `# NN · Title` cell: a reader sees where the lesson sits before starting,
next to the prerequisites that the title cell names, and the title cell stays first as
tests/test_notebook_structure.py requires. (`make html` also repeats it at the foot of each
rendered page, where "next" is wanted.)

Above the links the cell shows an "Open in Colab" badge for the notebook, and right after it
sits a code cell that installs d2lite from the repository when it cannot be imported (on
Colab), pinned to one commit (`pinned_commit`: the newest that changed the package); where d2lite is installed (`make lab`, nbval) that cell does nothing and prints
nothing. Its stored execution count and (empty) outputs are kept while its source is unchanged.

The cell is recognised by its metadata `{"d2lite": {"navigation": true}}` and has the fixed
id `d2lite-navigation`, so the script is idempotent: a second run rewrites nothing (files are
written only when their text changes, and an unchanged notebook is byte-identical). Other
cells, outputs and metadata are left alone. The links name neighbours that exist in the
folder, so rerun the script after adding or renaming a notebook, or changing a title.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

import nbformat

from d2lite.data import REPOSITORY_URL

ROOT = Path(__file__).resolve().parent.parent
INDEX = "../README.md#the-notebooks"
CELL_ID = "d2lite-navigation"
COLAB_CELL_ID = "d2lite-colab"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
# The package files whose content the Colab cell pins: the commit it installs must have
# these exactly as HEAD has them.
PACKAGE_PATHS = ("d2lite", "pyproject.toml")
_COMMIT = re.compile(r"@([0-9a-f]{40})\"")


def _git(*args):
    out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def pinned_commit():
    """The commit the Colab cells install: the newest one that changed the package.

    Pinning a commit, not a branch, means that whoever controls the repository's address
    cannot change what runs in a student's Colab session: pip checks out exactly that
    commit (its hash covers every file), or fails. The package must be committed: after a
    change to d2lite/ or pyproject.toml, commit it, then rerun this script. Without git
    (an unpacked archive), the pin already in notebook 01 is kept.
    """
    commit = _git("log", "-1", "--format=%H", "--", *PACKAGE_PATHS)
    if commit:
        return commit
    first = next(iter(series(ROOT / "notebooks")), None)
    found = _COMMIT.search(first.read_text(encoding="utf-8")) if first else None
    if found is None:
        raise RuntimeError("cannot find the commit to pin: not a git checkout, and notebook 01 "
                           "holds no pinned install cell")
    return found.group(1)


def colab_source(commit):
    """The install-on-Colab cell that installs d2lite at `commit` (40 hex digits)."""
    if not re.fullmatch(r"[0-9a-f]{40}", commit or ""):
        raise ValueError(f"expected a full 40-digit commit hash, got {commit!r}")
    return f"""\
# On Colab (or wherever d2lite is not installed) install the d2lite these notebooks were
# written for: one commit of the repository, so the code cannot change under you. With
# `make lab` d2lite is installed already and this cell does nothing.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("d2lite") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "d2lite @ git+{REPOSITORY_URL}@{commit}"], check=True)"""


NOTEBOOK_NAME = re.compile(r"\d\d_[a-z0-9_]+\.ipynb")


def is_navigation(cell):
    """True for the navigation cell that this script wrote (by its metadata)."""
    return bool(cell.get("metadata", {}).get("d2lite", {}).get("navigation"))


def is_colab_setup(cell):
    """True for the install-on-Colab code cell that this script wrote (by its metadata)."""
    return bool(cell.get("metadata", {}).get("d2lite", {}).get("colab"))


def colab_badge(name):
    """The "Open in Colab" badge of notebook `name`, as markdown.

    Example:
        >>> colab_badge("04_rnn.ipynb")  # doctest: +ELLIPSIS
        '[![Open In Colab](https://colab...badge.svg)](https://colab.research.google.com/github/d2lite/d2lite/blob/main/notebooks/04_rnn.ipynb)'
    """
    repository = REPOSITORY_URL.removeprefix("https://github.com/")
    return (f"[![Open In Colab]({COLAB_BADGE})](https://colab.research.google.com/github/"
            f"{repository}/blob/main/notebooks/{name})")


def title(nb):
    """The notebook's title: the first line of its first cell without the leading '#'.

    Example:
        >>> title(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 04 · RNNs\\n")]))
        '04 · RNNs'
    """
    return nb.cells[0].source.strip().splitlines()[0].lstrip("#").strip()


def series(folder):
    """The notebooks of the series in `folder`, in lecture (name) order."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if NOTEBOOK_NAME.fullmatch(p.name))


def navigation_source(previous=None, following=None, index=INDEX):
    """The markdown of a navigation cell.

    Args:
        previous: `(title, link)` of the previous notebook, or None for the first one.
        following: `(title, link)` of the next notebook, or None for the last one.
        index: the link of the index (default: the notebook table of README.md).

    Returns:
        One line of markdown links separated by " | ".
    """
    def escape(text):
        return re.sub(r"([\[\]])", r"\\\1", text)

    links = []
    if previous is not None:
        links.append(f"[← {escape(previous[0])}]({previous[1]})")
    links.append(f"[Index]({index})")
    if following is not None:
        links.append(f"[{escape(following[0])} →]({following[1]})")
    return " | ".join(links)


def set_navigation(nb, source, position=1, colab=True, colab_cell=None):
    """Put one navigation cell holding `source` at `position`, replacing any earlier one.

    Args:
        nb: a version-4 `NotebookNode`, modified in place.
        source: the cell's markdown (see `navigation_source`).
        position: where the cell goes once earlier navigation cells are removed (default 1,
            right after the title cell).
        colab: also put the install-on-Colab code cell right after it (default True). An
            existing one keeps its execution count; its source is set to `colab_cell`.
        colab_cell: that cell's source (default: `colab_source(pinned_commit())`).

    Returns:
        The notebook.
    """
    if colab and colab_cell is None:
        colab_cell = colab_source(pinned_commit())
    old_setup = next((cell for cell in nb.cells if is_colab_setup(cell)), None)
    nb.cells = [cell for cell in nb.cells if not (is_navigation(cell) or is_colab_setup(cell))]
    cell = nbformat.v4.new_markdown_cell(source, id=CELL_ID,
                                         metadata={"d2lite": {"navigation": True}})
    cells = [cell]
    if colab:
        if old_setup is not None:
            # Where d2lite is installed the cell prints nothing and changes nothing, whatever
            # commit it pins: a new pin keeps the cell's execution count (no re-execution).
            setup = old_setup
            if setup.source != colab_cell:
                setup.source, setup.outputs = colab_cell, []
        else:
            setup = nbformat.v4.new_code_cell(colab_cell, id=COLAB_CELL_ID,
                                              metadata={"d2lite": {"colab": True}})
        cells.append(setup)
    for new in cells:
        if nb.nbformat_minor < 5:  # cell ids arrived in nbformat 4.5
            new.pop("id", None)
    nb.cells[position:position] = cells
    return nb


def add_navigation(paths, index=INDEX, link=lambda path: path.name):
    """Return `{path: notebook}` with each notebook's navigation cell set from its neighbours.

    Args:
        paths: the notebooks of the series, in order.
        index: the link of the index.
        link: maps a neighbour's path to the link target (default: its file name).

    Returns:
        A dict from path to the updated `NotebookNode` (nothing is written).
    """
    notebooks = {path: nbformat.read(path, as_version=4) for path in paths}
    colab_cell = colab_source(pinned_commit())
    entries = [(title(nb), link(path)) for path, nb in notebooks.items()]
    for i, (path, nb) in enumerate(notebooks.items()):
        previous = entries[i - 1] if i > 0 else None
        following = entries[i + 1] if i + 1 < len(entries) else None
        links = navigation_source(previous, following, index)
        set_navigation(nb, f"{colab_badge(path.name)}\n\n{links}", colab_cell=colab_cell)
    return notebooks


def _text(nb):
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"  # as nbformat.write does


def update_folder(folder, index=INDEX):
    """Set the navigation cell of every notebook in `folder`; return the paths rewritten."""
    changed = []
    for path, nb in add_navigation(series(folder), index).items():
        text = _text(nb)
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--index", default=INDEX, help=f"link of the index (default {INDEX})")
    args = parser.parse_args(argv)
    changed = update_folder(args.folder, args.index)
    for path in changed:
        print(f"updated {path}")
    print(f"{len(changed)} of {len(series(args.folder))} notebook(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
