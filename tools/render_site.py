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
* The site works offline: MathJax (2.7, from the `jupyter-server-mathjax` package, which the
  Jupyter project ships for the same purpose) is copied to `_static/mathjax/` and every page
  loads it with a relative URL. require.js and the mermaid loader, which nbconvert's template
  fetches from a CDN, are left out: no page needs them. A page that would still load a script
  or a stylesheet from the network, or that has a mermaid diagram, is an error.
"""

import argparse
import importlib.util
import re
import shutil
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

MATHJAX_PACKAGE = "jupyter_server_mathjax"  # PyPI: jupyter-server-mathjax (MathJax 2.7.9)
MATHJAX_DIR = "_static/mathjax"  # inside the output folder
MATHJAX_URL = f"{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
# nbconvert's lab template, with MathJax served from the site and no CDN scripts: require.js
# is only for widget and JavaScript outputs (the series has none), and the mermaid loader
# only for diagrams (none either; render() refuses a page that has one).
# The package's MathJax has the STIX-Web fonts only (not MathJax's default TeX fonts), so the
# HTML-CSS output is told to use them, as the classic notebook did with the same files.
TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null, imageFont: null,
                                 webFont: "STIX-Web", linebreaks: {automatic: true}}});
</script>
{{ super() }}
{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""
# What a browser would fetch: <script src>, <link href> (stylesheets, preloads), CSS @import
# and url(...) in <style>, dynamic import() in module scripts. Plain links (<a href>) and
# images (the Colab badge) are not matched.
REMOTE_RESOURCE = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?(?:https?:)?//"""
    r"""|\burl\(\s*["']?(?:https?:)?//"""
    r"""|\bimport\(\s*["'](?:https?:)?//""", re.IGNORECASE)


class SiteError(ValueError):
    """The site cannot be built: README.md's notebook table and the notebooks disagree, MathJax
    is not installed, or a page would need the network."""


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


def mathjax_source():
    """The folder of the MathJax distribution that the site copies (MathJax.js in it).

    Raises:
        SiteError: when the `jupyter-server-mathjax` package is not installed.
    """
    spec = importlib.util.find_spec(MATHJAX_PACKAGE)  # located, not imported (no server)
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" if spec else None
    if folder is None or not (folder / "MathJax.js").is_file():
        raise SiteError("the site serves MathJax from the jupyter-server-mathjax package, which "
                        "is not installed: pip install -e '.[notebooks]' (or make html)")
    return folder


def remote_resources(html):
    """The places in `html` where a browser would load a script or a style from the network.

    Args:
        html: a page.

    Returns:
        The matched snippets (each cut to 120 characters), in page order; empty when the page
        loads nothing remote. Links and images do not count.
    """
    return [html[m.start():m.start() + 120] for m in REMOTE_RESOURCE.finditer(html)]


def _check_offline(name, html):
    remote = remote_resources(html)
    if remote:
        raise SiteError(f"{name} would load a script or style from the network: {remote[0]!r}")
    if 'class="jp-Mermaid"' in html:
        raise SiteError(f"{name} has a mermaid diagram, which needs mermaid.js: the site does "
                        "not ship it (draw the diagram as an image instead)")


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
        The paths written, the index last (MathJax, copied to `_static/mathjax/`, not listed).

    Raises:
        SiteError: when README's table and the notebooks disagree, MathJax's package is not
            installed, or a page would load a script or style from the network.
    """
    paths = navigation.series(notebooks)
    index = index_markdown(Path(readme).read_text(encoding="utf-8"), paths)  # fail before writing
    mathjax = mathjax_source()
    exporter = HTMLExporter(template_name="lab", raw_template=TEMPLATE, mathjax_url=MATHJAX_URL)
    pages = {}
    for path, nb in navigation.add_navigation(paths).items():
        top = next(cell for cell in nb.cells if navigation.is_navigation(cell))
        foot = top.source.splitlines()[-1]  # the links, without the Colab badge
        nb.cells.append(nbformat.from_dict({**top, "id": "d2lite-navigation-foot", "source": foot}))
        html, _ = exporter.from_notebook_node(_markdown_links_to_pages(nb),
                                              {"metadata": {"name": navigation.title(nb)}})
        pages[f"{path.stem}.html"] = html
    index_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(index)])
    pages["index.html"], _ = exporter.from_notebook_node(index_nb, {"metadata": {"name": "d2lite"}})
    for name, html in pages.items():
        _check_offline(name, html)

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    for stale in output_dir.glob("*.html"):
        stale.unlink()
    target = output_dir / MATHJAX_DIR
    if target.exists():
        shutil.rmtree(target)  # no stale files from another MathJax version
    shutil.copytree(mathjax, target)
    written = []
    for name, html in pages.items():
        written.append(output_dir / name)
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
