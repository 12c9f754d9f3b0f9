"""tools/render_site.py: the index follows README's table and the notebooks; pages link up.

Rendering is tested on a small synthetic series (fast, nothing executed); the real README
table is checked against notebooks/ without rendering.
"""

import re
import sys
from pathlib import Path

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
    assert sorted(p.name for p in (course / "site").iterdir()) == sorted(p.name for p in written)


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
    assert [row["#"] for row in rows] == [f"{n:02d}" for n in range(1, len(rows) + 1)]
    listed = {Path(row["path"]).name: row["#"] for row in rows}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert listed.get(path.name) == path.name[:2], f"{path.name} is missing from README.md's table"
