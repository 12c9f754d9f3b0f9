"""Real-browser checks in headless Chromium: JupyterLab runs notebook 01 through its menus,
and a page of the rendered site typesets its equations with the network blocked.

nbval proves the notebooks run in a kernel; this proves a student's path works too: the
JupyterLab that `make lab` installs serves the notebook, the page loads, "Run > Run All
Cells" executes every cell, no error output appears, and the saved notebook holds every
result. The site test renders the series as `make html` does (tools/render_site.py) into a
temporary folder, opens one page from file:// with every request that leaves the machine
refused, and checks that MathJax, served from the site, turned the page's TeX into math.
Screenshots are written to build/browser/ for a person to look at.

It needs Debian's `chromium` (the Makefile installs it in CI) and the `playwright` package,
which drives that system browser (no browser download). Without either it is skipped with
the reason. JupyterLab runs on 127.0.0.1 with a random token, on a copy of the notebook in a
temporary folder with its own settings, so the repository is never written to.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "01_sequences.ipynb"
SITE_PAGE = "06_lstm"  # inline and display equations in its prose
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)"),
]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url, token, proc, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"jupyter lab did not answer at {url} within {timeout} s")


def run_all(page):
    """Open Run > Run All Cells once the menu item is enabled for the current notebook."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    item = page.locator(".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel",
                        has_text="Run All Cells").first
    item.wait_for(state="visible", timeout=30_000)
    item.click()


PROMPTS = """[...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
             .map(p => p.textContent.trim())"""
ERRORS = """[...document.querySelectorAll(
               ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")]
             .map(e => e.innerText).filter(t => /Traceback|Error/.test(t))"""
STARTED = f"() => {PROMPTS}.some(p => /^\\[(\\*|\\d+)\\]:$/.test(p))"
FINISHED = f"""n => {{
    const done = {PROMPTS}.filter(p => /^\\[\\d+\\]:$/.test(p)).length;
    const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
    const idle = status && status.getAttribute('data-status') === 'idle';
    return {ERRORS}.length > 0 || (done === n && idle);
}}"""
STATE = f"""() => ({{
    prompts: {PROMPTS},
    status: document.querySelector('.jp-Notebook-ExecutionIndicator')
                    ?.getAttribute('data-status'),
    errors: {ERRORS}.map(t => t.slice(0, 1500)),
    dialogs: [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText.slice(0, 500)),
}})"""


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on loopback serving a copy of the notebook; yields (url, token, folder)."""
    work = tmp_path / "notebooks"
    work.mkdir()
    # Outputs cleared, as a student starts: every prompt then shows a count only once its
    # cell has run here.
    notebook = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    (work / NOTEBOOK).write_text(json.dumps(notebook, indent=1))
    settings = tmp_path / "settings"
    # Render every cell (no windowing), so the page holds all prompts and outputs.
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "IPYTHONDIR": str(tmp_path / "ipython"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={work}", "--ServerApp.port_retries=0",
           "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    log = open(tmp_path / "jupyter.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_for_server(url, token, proc)
        except (RuntimeError, TimeoutError) as err:
            log.flush()
            tail = (tmp_path / "jupyter.log").read_text()[-3000:]
            raise RuntimeError(f"{err}; its log ends with:\n{tail}") from None
        yield url, token, work
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_notebook_runs_all_cells_in_jupyterlab(lab):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    url, token, work = lab
    source = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
    n_code = sum(c["cell_type"] == "code" for c in source["cells"])
    shots = ROOT / "build" / "browser"
    shots.mkdir(parents=True, exist_ok=True)

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            # The kernel has started once the toolbar reports it idle.
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                   timeout=90_000)
            # JupyterLab renders long notebooks in chunks: wait for all the code cells.
            page.wait_for_function(
                "n => document.querySelectorAll('.jp-Notebook .jp-CodeCell').length === n",
                arg=n_code, timeout=60_000)

            # Through the menus, as a student would: Run > Run All Cells. The menu item acts
            # on the current notebook, so focus it first and wait until the item is enabled.
            page.locator(".jp-Notebook .jp-Cell").first.click()
            run_all(page)
            try:  # the first prompt turns to [*] or [1] once the kernel takes the cells
                page.wait_for_function(STARTED, timeout=60_000, polling=500)
            except sync_api.TimeoutError:  # the click landed before the menu was live
                run_all(page)
                page.wait_for_function(STARTED, timeout=60_000, polling=500)

            # Done when every code cell shows an execution count and the kernel is idle, or
            # as soon as a cell shows an error (Run All stops there).
            try:
                page.wait_for_function(FINISHED, arg=n_code, timeout=300_000, polling=1000)
            except sync_api.TimeoutError:
                page.screenshot(path=str(shots / "timeout.png"), full_page=True)
                log = (work.parent / "jupyter.log").read_text()[-3000:]
                pytest.fail(f"Run All did not finish: {page.evaluate(STATE)}\n"
                            f"JupyterLab's log ends with:\n{log}")

            errors = page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            tracebacks = [t for t in errors.all_inner_texts()
                          if "Traceback" in t or "Error" in t]
            news = page.get_by_role("button", name="No", exact=True)
            if news.count():  # JupyterLab's "notified about news?" toast, in the screenshot
                news.first.click()
            page.locator(".jp-Notebook").first.click()
            page.keyboard.press("Control+s")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(shots / NOTEBOOK.replace(".ipynb", ".png")), full_page=True)
        finally:
            browser.close()

    assert not tracebacks, f"error output in the browser:\n{tracebacks[0][:2000]}"
    saved = json.loads((work / NOTEBOOK).read_text())
    code = [c for c in saved["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code), "a cell was not executed in the browser"
    outputs = [o for c in code for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    # The cells that nbval checks printed the same here as in the committed notebook.
    committed = [c for c in source["cells"] if c["cell_type"] == "code"]
    for ran, stored in zip(code, committed):
        if "".join(stored["source"]).startswith("# NBVAL_CHECK_OUTPUT"):
            text = lambda cell: "".join("".join(o.get("text", "")) for o in cell["outputs"]
                                        if o["output_type"] == "stream")
            assert text(ran) == text(stored), "".join(stored["source"])[:200]


def test_site_page_typesets_its_math_offline(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    sys.path.insert(0, str(ROOT / "tools"))  # dev scripts, not a package
    import render_site

    site = tmp_path / "site"
    assert render_site.main(["--output-dir", str(site)]) == 0  # what `make html` runs
    page_url = (site / f"{SITE_PAGE}.html").as_uri()
    shots = ROOT / "build" / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    refused = []  # (resource type, url) of every request that would have left the machine

    def offline(route):
        if route.request.url.startswith(("file:", "data:", "about:", "blob:")):
            route.continue_()
        else:
            refused.append((route.request.resource_type, route.request.url))
            route.abort("internetdisconnected")

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.route("**/*", offline)
            page = context.new_page()
            page.goto(page_url)
            try:
                page.wait_for_function("() => window.MathJax && MathJax.isReady === true",
                                       timeout=60_000)
            except sync_api.TimeoutError:
                pytest.fail(f"MathJax did not start offline; requests refused: {refused}")
            # Typesetting is queued: this resolves once everything queued before it is done.
            page.evaluate("() => new Promise(done => MathJax.Hub.Queue(done))")
            state = page.evaluate("""() => ({
                version: MathJax.version,
                tex: document.querySelectorAll('script[type^="math/tex"]').length,
                rendered: document.querySelectorAll('.MathJax, .MathJax_Display').length,
                errors: [...document.querySelectorAll('.MathJax_Error, merror')]
                        .map(e => e.textContent),
                fonts: [...document.fonts].filter(f => f.status === 'loaded'
                                                       && f.family.startsWith('STIXMathJax'))
                                          .map(f => f.family),
                message: document.getElementById('MathJax_Message')?.innerText || '',
            })""")
            prose = page.locator(".jp-RenderedMarkdown").all_inner_texts()
            paragraph = page.locator(".jp-RenderedMarkdown p", has_text="memory cell").first
            paragraph_text = paragraph.inner_text()
            paragraph_math = paragraph.locator(".MathJax").count()
            paragraph.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / f"site_{SITE_PAGE}.png"))
        finally:
            browser.close()

    assert state["version"].startswith("2.7"), state  # the copy in the site, not a CDN's
    assert state["tex"] > 10 and state["rendered"] >= state["tex"], state
    assert not state["errors"], state["errors"][:5]
    assert state["fonts"], "MathJax's STIX-Web fonts did not load from the site"
    assert paragraph_math >= 1, paragraph_text
    assert "$" not in paragraph_text and "\\mathbf" not in paragraph_text, paragraph_text
    raw = [t for t in prose if re.search(r"\$[^$\n]+\$|\\(mathbf|frac|odot|tanh)\b", t)]
    assert not raw, f"TeX left untypeset: {raw[0][:300]}"
    # Only the Colab badge (an image behind a link) asks for the network; no script or style.
    assert {kind for kind, _ in refused} <= {"image"}, refused
