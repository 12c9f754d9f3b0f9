"""tools/render_site.py: the index follows README's table and the notebooks; pages link up;
the site works offline (MathJax is served from the site, nothing loads from a CDN).

Rendering is tested on a small synthetic series (fast, nothing executed); the real README
table is checked against notebooks/ without rendering, and the real site is rendered once to
check that none of its pages loads a script or a style from the network. That MathJax really
typesets a page with the network blocked is tested in Chromium by tests/test_browser.py.
"""

import re
import sys
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # dev scripts, not a package

import render_site  # noqa: E402

README = """# course — a test series

The first paragraph,
on two lines.

## The notebooks

| # | notebook | what it teaches | CPU time |
|---|----------|-----------------|---------:|
| 01 | [Intro](notebooks/01_intro.ipynb) | the basics | 1 s |
| 02 | [Middle](notebooks/02_middle.ipynb) | more, with `code` | 2 s |
| 03 | [Later](notebooks/03_later.ipynb) | not written yet | TBD |
| 04 | [End](notebooks/04_end.ipynb) | the end | 4 s |

A note under the table.

## Another section

Not on the index.
"""


def hrefs(html):
    return re.findall(r'href="([^"#][^"]*)"', html)


def script_sources(html):
    return re.findall(r'<script\b[^>]*\bsrc="([^"]*)"', html)


def stylesheets(html):
    return [href for tag in re.findall(r"<link\b[^>]*>", html) if "stylesheet" in tag
            for href in re.findall(r'href="([^"]*)"', tag)]


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    titles = {"01_intro": "Introduction to things", "02_middle": "The middle part",
              "04_end": "The end"}
    for stem, title in titles.items():
        nb = new_notebook(cells=[
            new_markdown_cell(f"# {stem[:2]} · {title}\n\nGoals."),
            new_markdown_cell("See [the intro](01_intro.ipynb#Goals) and the [README](../README.md)."),
            new_markdown_cell("The cell $\\mathbf C_t$ and $$\\mathbf H_t = \\tanh(\\mathbf C_t).$$"),
            new_code_cell("print('hi')", execution_count=1,
                          outputs=[new_output("stream", name="stdout", text="stored output\n")]),
            new_code_cell("raise RuntimeError('executed!')"),  # never run: it has no output
        ])
        nbformat.write(nb, folder / f"{stem}.ipynb")
    (tmp_path / "README.md").write_text(README)
    return tmp_path


def render(course):
    with pytest.warns(UserWarning, match="03_later.ipynb .* does not exist"):
        return render_site.render(course / "notebooks", course / "README.md", course / "site")


def test_pages_and_index_are_written(course):
    (course / "site").mkdir()
    (course / "site" / "99_stale.html").write_text("old")
    written = render(course)
    assert [p.name for p in written] == ["01_intro.html", "02_middle.html", "04_end.html", "index.html"]
    assert sorted(p.name for p in (course / "site").iterdir()) == sorted(
        [p.name for p in written] + ["_static"])  # MathJax, below


def test_index_lists_titles_linked_and_keeps_readme_columns(course):
    render(course)
    index = (course / "site" / "index.html").read_text()
    assert hrefs(index) == ["01_intro.html", "02_middle.html", "04_end.html"]
    for text in ("Introduction to things", "The middle part", "The end", "the basics",
                 "<code>code</code>", "4 s", "not available yet", "A note under the table",
                 "The first paragraph", "course — a test series"):
        assert text in index, text
    assert "Not on the index" not in index and "Intro</a>" not in index


def test_pages_have_previous_next_and_index_links_and_stored_outputs(course):
    render(course)
    pages = {p.stem: (course / "site" / f"{p.stem}.html").read_text()
             for p in (course / "notebooks").glob("*.ipynb")}
    prose = ["01_intro.html#Goals", "index.html"]  # the second cell's links, rewritten
    first = ["index.html", "02_middle.html"]  # no previous page

    def colab(stem):  # the badge above the links at the top; the foot has the links only
        return [f"https://colab.research.google.com/github/d2lite/d2lite/blob/main/notebooks/{stem}.ipynb"]

    assert hrefs(pages["01_intro"]) == colab("01_intro") + first + prose + first
    neighbours = ["01_intro.html", "index.html", "04_end.html"]
    assert hrefs(pages["02_middle"]) == colab("02_middle") + neighbours + prose + neighbours
    assert hrefs(pages["04_end"])[:3] == colab("04_end") + ["02_middle.html", "index.html"]
    for html in pages.values():
        assert "stored output" in html
        assert html.count("executed!") == 1  # in the input only: rendered, never run
        local = [h for h in hrefs(html) if not h.startswith("https://colab.research.google.com/")]
        assert ".ipynb" not in "".join(local)  # links between notebooks now go to pages
    assert "<title>02 · The middle part</title>" in pages["02_middle"]


def test_a_notebook_missing_from_the_table_is_an_error(course):
    nbformat.write(new_notebook(cells=[new_markdown_cell("# 05 · New")]),
                   course / "notebooks" / "05_new.ipynb")
    with pytest.raises(render_site.SiteError, match="05_new.ipynb is not in README.md's notebook table"):
        render_site.render(course / "notebooks", course / "README.md", course / "site")
    assert not (course / "site").exists()


def test_a_wrong_number_in_the_table_is_an_error(course):
    readme = README.replace("| 02 | [Middle]", "| 12 | [Middle]")
    with pytest.raises(render_site.SiteError, match="lists 02_middle.ipynb as number 12"):
        render_site.index_markdown(readme, sorted((course / "notebooks").glob("*.ipynb")))


def test_the_real_readme_table_lists_every_notebook():
    _, rows, _ = render_site.readme_table((ROOT / "README.md").read_text())
    numbers = [int(row["#"]) for row in rows]  # the parts of a lesson share its number
    assert numbers == sorted(numbers) and sorted(set(numbers)) == list(range(1, max(numbers) + 1))
    listed = {Path(row["path"]).name: row["#"] for row in rows}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert listed.get(path.name) == path.name[:2], f"{path.name} is missing from README.md's table"


def test_pages_load_no_script_or_style_from_the_network(course):
    render(course)
    for page in sorted((course / "site").glob("*.html")):
        html = page.read_text()
        assert render_site.remote_resources(html) == [], page.name
        remote = [url for url in script_sources(html) + stylesheets(html) if urlsplit(url).netloc]
        assert remote == [], page.name
        for cdn in ("cdnjs", "unpkg", "jsdelivr", "require.js", "require.min.js", "mermaid.esm"):
            assert cdn not in html, (page.name, cdn)


def test_pages_load_mathjax_from_the_site(course):
    render(course)
    site = course / "site"
    for page in sorted(site.glob("*.html")):
        sources = script_sources(page.read_text())
        assert [s for s in sources if "MathJax" in s] == [render_site.MATHJAX_URL], page.name
        for src in sources:  # every script a page loads is in the site
            path = urlsplit(src).path
            assert not path.startswith("/") and (page.parent / path).is_file(), (page.name, src)
    mathjax = site / render_site.MATHJAX_DIR
    config = urlsplit(render_site.MATHJAX_URL).query.removeprefix("config=").split(",")
    assert config == ["TeX-AMS-MML_HTMLorMML-full", "Safe"]
    for name in config:  # what MathJax.js loads next, then the fonts the pages ask for
        assert (mathjax / "config" / f"{name}.js").is_file(), name
    assert (mathjax / "jax" / "output" / "HTML-CSS" / "fonts" / "STIX-Web" / "fontdata.js").is_file()
    assert list((mathjax / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").glob("*.woff"))
    assert "Apache License" in (mathjax / "LICENSE").read_text()  # MathJax's own licence ships too
    page = (site / "01_intro.html").read_text()
    assert r"$\mathbf C_t$" in page  # left for MathJax to typeset in the browser
    assert 'webFont: "STIX-Web"' in page


def test_stale_mathjax_files_are_replaced(course):
    stale = course / "site" / render_site.MATHJAX_DIR / "old-version.js"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    render(course)
    assert not stale.exists()
    assert (stale.parent / "MathJax.js").is_file()


def test_remote_resources_are_scripts_and_styles_not_links_or_images():
    # What nbconvert's own lab template loads from its CDN, and what it does not count.
    nb = new_notebook(cells=[new_markdown_cell("$x$ [a link](https://example.org/page.js)")])
    html, _ = render_site.HTMLExporter(template_name="lab").from_notebook_node(nb)
    found = render_site.remote_resources(html)
    assert [re.search(r"(require|mathjax|mermaid)", f).group(1) for f in found] == [
        "require", "mathjax", "mermaid"]
    assert render_site.remote_resources(
        '<a href="https://colab.research.google.com/x"><img src="https://colab.research.google'
        '.com/assets/colab-badge.svg"/></a> <script src="_static/mathjax/MathJax.js"></script>') == []
    for remote in ('<script type="text/javascript" src="//cdn.example.org/x.js">',
                   "<link rel='stylesheet' href='https://fonts.example.org/a.css'>",
                   "<style>@import url(https://fonts.example.org/a.css);</style>",
                   '<style>@font-face { src: url("http://example.org/f.woff") }</style>',
                   'const m = await import("https://example.org/m.mjs");'):
        assert render_site.remote_resources(remote), remote


@pytest.mark.parametrize("markdown, message", [
    ('<script src="https://example.org/widget.js"></script>', "would load a script or style"),
    ('<link rel="stylesheet" href="https://example.org/style.css">', "would load a script or style"),
    ("```mermaid\ngraph LR; a-->b\n```", "mermaid diagram"),
], ids=["script", "stylesheet", "mermaid"])
def test_a_page_that_needs_the_network_is_an_error(course, markdown, message):
    path = course / "notebooks" / "02_middle.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_markdown_cell(markdown))
    nbformat.write(nb, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 03_later's row
        with pytest.raises(render_site.SiteError, match=f"02_middle.html .*{message}"):
            render_site.render(course / "notebooks", course / "README.md", course / "site")
    assert not (course / "site").exists()  # nothing written


def test_without_the_mathjax_package_the_site_is_an_error(course, monkeypatch):
    monkeypatch.setattr(render_site, "MATHJAX_PACKAGE", "d2lite_no_such_mathjax_package")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(render_site.SiteError, match="jupyter-server-mathjax"):
            render_site.render(course / "notebooks", course / "README.md", course / "site")
    assert not (course / "site").exists()


def test_the_real_site_loads_nothing_from_the_network(tmp_path):
    written = render_site.render(output_dir=tmp_path)  # the committed notebooks, not executed
    assert len(written) == len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))) + 1
    for page in written:
        html = page.read_text()
        assert render_site.remote_resources(html) == [], page.name
        assert [s for s in script_sources(html) if urlsplit(s).netloc] == [], page.name
        assert render_site.MATHJAX_URL in script_sources(html), page.name
    assert (tmp_path / urlsplit(render_site.MATHJAX_URL).path).is_file()
