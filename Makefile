# d2lite: `make lab` opens the series, `make test` runs every test and notebook.
# Each target creates and uses .venv, so a fresh clone needs nothing else.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.d2lite-installed
NBVAL  := --nbval-lax --nbval-current-env --nbval-cell-timeout=600 --sanitize-with tests/nbval_sanitize.cfg

export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help venv lab run student html test browser-deps test-package test-backends test-torch test-notebooks benchmarks clean

help:
	@echo "make lab    - set up .venv and open the series in JupyterLab"
	@echo "make test   - set up .venv and run every test, every notebook included"
	@echo "make run    - execute every notebook headless into build/ (notebooks + HTML)"
	@echo "make student - student copies in build/student/ (solutions and outputs cleared)"
	@echo "make html   - the executed series as a website in build/site/ (no re-execution)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

run: $(STAMP)
	mkdir -p build
	$(BIN)/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
		--output-dir build notebooks/*.ipynb
	$(BIN)/jupyter nbconvert --to html --output-dir build build/*.ipynb

# Student copies: solution regions replaced as nbgrader does, outputs cleared (tools/student.py).
student: $(STAMP)
	$(BIN)/python tools/student.py --output-dir build/student notebooks/[0-9][0-9]_*.ipynb

# The committed, already executed notebooks as HTML pages with an index (tools/render_site.py).
html: $(STAMP)
	$(BIN)/python tools/render_site.py --output-dir build/site

# Layer tests again under JAX (Keras picks the backend from KERAS_BACKEND).
test-backends: $(STAMP)
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q -m backend tests

# Opt-in: the layer tests under PyTorch. torch==2.13.0 is a CPU wheel on the course machines;
# elsewhere pip may fetch a multi-GB CUDA build, so `make test` does not install it.
test-torch: $(STAMP)
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	KERAS_BACKEND=torch $(BIN)/python -m pytest -q -m backend tests

test-package: $(STAMP)
	$(BIN)/python -m pytest tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL) notebooks

# tests/test_browser.py drives JupyterLab in Debian's chromium; CI (CI=true, as root on
# Debian) installs it here, elsewhere the test is skipped with the reason when it is missing.
browser-deps:
	@if [ "$$CI" = "true" ] && ! command -v chromium >/dev/null 2>&1 \
	    && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# The whole suite: JAX layer tests first, then the package and every notebook on TF.
test: $(STAMP) browser-deps
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q -m backend tests
	$(BIN)/python -m pytest $(NBVAL) tests notebooks

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/notebook_times.py

clean:
	rm -rf build .pytest_cache
