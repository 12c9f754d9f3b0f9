# d2lite: `make lab` opens the series, `make test` runs every test and notebook.
# Each target creates and uses .venv, so a fresh clone needs nothing else.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.d2lite-installed
NBVAL  := --nbval-lax --nbval-current-env --nbval-cell-timeout=600 --sanitize-with tests/nbval_sanitize.cfg

export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help venv lab run test test-package test-backends test-notebooks benchmarks clean

help:
	@echo "make lab    - set up .venv and open the series in JupyterLab"
	@echo "make test   - set up .venv and run every test, every notebook included"
	@echo "make run    - execute every notebook headless into build/ (notebooks + HTML)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

run: $(STAMP)
	mkdir -p build
	$(BIN)/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
		--output-dir build notebooks/*.ipynb
	$(BIN)/jupyter nbconvert --to html --output-dir build build/*.ipynb

# Layer tests again under JAX (Keras picks the backend from KERAS_BACKEND).
test-backends: $(STAMP)
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q -m backend tests

test-package: $(STAMP)
	$(BIN)/python -m pytest tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL) notebooks

# The whole suite: JAX layer tests first, then the package and every notebook on TF.
test: $(STAMP)
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q -m backend tests
	$(BIN)/python -m pytest $(NBVAL) tests notebooks

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/notebook_times.py

clean:
	rm -rf build .pytest_cache
