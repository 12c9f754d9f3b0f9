"""Settings shared by the package tests and the nbval notebook run."""

import os

# Quieten TensorFlow's C++ logging in this process and in the notebook kernels it starts.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_collectstart(collector):
    # nbval: TensorFlow writes C++ log lines to stderr that no variable silences and
    # ipykernel does not capture under pytest, so stored stderr never matches.
    # Figures and rich HTML are compared by the text next to them, not by bytes.
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb":
        collector.skip_compare += ("stderr", "image/png", "image/svg+xml", "text/html",
                                   "application/javascript")


def pytest_configure(config):
    config.addinivalue_line("markers", "backend: layer tests that also run under KERAS_BACKEND=jax")
    config.addinivalue_line("markers", "browser: JupyterLab driven in headless Chromium")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _doctest_namespace(request, doctest_namespace):
    # `pytest --doctest-modules d2lite`: every `>>>` example sees np, keras and d2lite,
    # and starts from the same seeds, as a notebook's setup cell gives it.
    if request.node.__class__.__name__ != "DoctestItem":
        return
    import keras
    import numpy as np

    import d2lite

    keras.utils.set_random_seed(0)
    doctest_namespace.update(np=np, keras=keras, d2lite=d2lite)


@pytest.fixture(autouse=True)
def _no_open_figures():
    # A helper that draws on plt.gca() must not find another test's (or doctest's) figure.
    import sys

    def close():
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    close()
    yield
    close()
