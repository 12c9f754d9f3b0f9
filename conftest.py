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
