"""Render the executed series as a static HTML site: one page per notebook and an index.

    python tools/render_site.py                       # notebooks/ + README.md -> build/site/
    python tools/render_site.py --output-dir /tmp/site

This is what `make html` runs. It renders the committed notebooks as they are, outputs
included, with nbconvert's `HTMLExporter` (lab template, figures embedded): nothing is
executed, so it takes seconds; `make run` is the target that re-executes the series.

* Every page gets a "← previous | Index | next →" line below its title and again at its
  foot, made by `navigation.py` in memory (so pages have it whether or not the committed
  notebooks carry the cell yet, and it names the neighbours that exist now).
* Links between notebooks (`04_rnn.ipynb`) become links between pages (`04_rnn.html`), and
  links to README.md become links to the index.
* `index.html` is README.md's title, its first paragraph and its "## The notebooks" section,
  with the table's "notebook" column replaced by each notebook's own title (the first line
  of its title cell) linked to its page. The other columns are copied from the README. So
  the index cannot drift: a notebook that the table does not list, or lists under another
  number, is an error; a row whose notebook does not exist yet is shown without a link, with
  a warning.
"""

import argparse
import re
import sys
import warnings
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import navigation  # noqa: E402  (a sibling script, not a package)

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## The notebooks"
NOTEBOOK_LINK = re.compile(r"\]\((?:\.\./)?(?:notebooks/)?(\d\d_[a-z0-9_]+)\.ipynb(#[^)\s]*)?\)")
README_LINK = re.compile(r"\]\((?:\.\./)?README\.md(#[^)\s]*)?\)")


class SiteError(ValueError):
    """README.md's notebook table and the notebooks disagree."""


def _row(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def readme_table(readme):
    """Parse the notebook table of README.md.

    Args:
        readme: the text of README.md.

    Returns:
        `(header, rows, section)`: the column names, one dict per row (column name ->
        markdown text, plus "name" and "path" parsed from the "notebook" column's link), and
        the section's text from its heading up to the next `## ` heading.

    Raises:
        SiteError: when the section, its table or a row's link is missing.
    """
    match = re.search(rf"^{re.escape(SECTION)}\s*$(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    if match is None:
        raise SiteError(f"README.md has no '{SECTION}' section")
    section = match.group(0)
    lines = [line for line in section.splitlines() if line.startswith("|")]
    if len(lines) < 3 or "notebook" not in _row(lines[0]):
        raise SiteError(f"README.md's '{SECTION}' section has no table with a 'notebook' column")
    header, rows = _row(lines[0]), []
    for line in lines[2:]:
        row = dict(zip(header, _row(line)))
        link = re.fullmatch(r"\[(.+)\]\((.+\.ipynb)\)", row["notebook"])
        if link is None:
            raise SiteError(f"README.md's notebook table: no link to a notebook in {line!r}")
        row["name"], row["path"] = link.groups()
        rows.append(row)
    return header, rows, section


def _markdown_links_to_pages(nb):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = NOTEBOOK_LINK.sub(lambda m: f"]({m.group(1)}.html{m.group(2) or ''})",
                                            cell.source)
            cell.source = README_LINK.sub("](index.html)", cell.source)
    return nb


def index_markdown(readme, paths):
    """The markdown of the index page.

    Args:
        readme: the text of README.md.
        paths: the notebooks of the series (rendered as `<stem>.html` next to the index).

    Returns:
        Markdown: README's title and first paragraph, then its notebook section with the
        table's "notebook" column made of the notebooks' titles linked to their pages.

    Raises:
        SiteError: when a notebook is not in the table, or is listed under another number.
    """
    header, rows, section = readme_table(readme)
    by_name = {Path(row["path"]).name: row for row in rows}
    for path in paths:
        row = by_name.get(path.name)
        if row is None:
            raise SiteError(f"{path.name} is not in README.md's notebook table; add a row for it")
        if "#" in row and row["#"] != path.name[:2]:
            raise SiteError(f"README.md's notebook table lists {path.name} as number {row['#']}")
    existing = {path.name: path for path in paths}
    table = [line for line in section.splitlines() if line.startswith("|")]
    new_table = table[:2]
    for row in rows:
        path = existing.get(Path(row["path"]).name)
        if path is None:
            warnings.warn(f"{row['path']} (README.md's notebook table) does not exist: "
                          "listed without a link", stacklevel=2)
            cell = f"{row['name']} *(not available yet)*"
        else:
            title = navigation.title(nbformat.read(path, as_version=4))
            title = re.sub(r"^\d+ · ", "", title)  # the "#" column holds the number
            cell = f"[{title}]({path.stem}.html)"
        new_table.append("| " + " | ".join(cell if col == "notebook" else row[col]
                                           for col in header) + " |")
    section = section.replace("\n".join(table), "\n".join(new_table))
    heading = next(line for line in readme.splitlines() if line.startswith("# "))
    intro = readme.split(heading, 1)[1].strip().split("\n\n")[0]
    return f"{heading}\n\n{intro}\n\n{section.strip()}\n"


def render(notebooks=ROOT / "notebooks", readme=ROOT / "README.md", output_dir=ROOT / "build" / "site"):
    """Write one HTML page per notebook of `notebooks` and `index.html` into `output_dir`.

    Args:
        notebooks: the folder of the series (default notebooks/).
        readme: README.md, which holds the notebook table (default the repository's).
        output_dir: where the site goes (default build/site/); stale pages are removed.

    Returns:
        The paths written, the index last.
    """
    paths = navigation.series(notebooks)
    index = index_markdown(Path(readme).read_text(encoding="utf-8"), paths)  # fail before writing
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    for stale in output_dir.glob("*.html"):
        stale.unlink()
    exporter = HTMLExporter(template_name="lab")
    written = []
    for path, nb in navigation.add_navigation(paths).items():
        top = next(cell for cell in nb.cells if navigation.is_navigation(cell))
        foot = top.source.splitlines()[-1]  # the links, without the Colab badge
        nb.cells.append(nbformat.from_dict({**top, "id": "d2lite-navigation-foot", "source": foot}))
        html, _ = exporter.from_notebook_node(_markdown_links_to_pages(nb),
                                              {"metadata": {"name": navigation.title(nb)}})
        written.append(output_dir / f"{path.stem}.html")
        written[-1].write_text(html, encoding="utf-8")
    index_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(index)])
    html, _ = exporter.from_notebook_node(index_nb, {"metadata": {"name": "d2lite"}})
    written.append(output_dir / "index.html")
    written[-1].write_text(html, encoding="utf-8")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "build" / "site")
    args = parser.parse_args(argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = render(args.notebooks, args.readme, args.output_dir)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    print(f"{len(written) - 1} page(s) and index.html in {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
