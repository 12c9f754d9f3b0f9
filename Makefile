# d2lite: `make lab` opens the series, `make test` runs every test and notebook.
# Each target creates and uses .venv, so a fresh clone needs nothing else.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.d2lite-installed
GRADING := $(VENV)/.d2lite-grading-installed
OLDEST := .venv-oldest
# Notebooks under nbval: cells in order (never shuffled), outputs compared where marked.
NBVAL  := -p no:randomly --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
          --nbval-sanitize-with tests/nbval_sanitize.cfg
# Package tests: in a random order whose seed make echoes with the command (rerun that order
# with `make check SEED=N`), with every >>> example in d2lite, on every core (pytest-xdist).
SEED ?= $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
PACKAGE := -n auto -p randomly --randomly-seed=$(SEED) tests --doctest-modules d2lite \
           -m "not browser and not grading"
NOTEBOOKS := $(wildcard notebooks/[0-9][0-9]_*.ipynb)

export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help venv lab run notebook student grade html check test browser-deps grading-deps \
        test-package test-backends test-torch test-oldest test-notebooks test-grading benchmarks \
        claims clean

help:
	@echo "make lab      - set up .venv and open the series in JupyterLab"
	@echo "make test     - set up .venv and run every test, every notebook included"
	@echo "make check    - the package tests only (no notebooks, no browser): the fast loop"
	@echo "make notebook NB=04 - after editing notebook 04: navigation, execute, instructor map"
	@echo "make run      - execute every notebook headless into build/run/, one line each"
	@echo "make student  - student copies in build/student/ (solutions and outputs cleared)"
	@echo "make grade SUBMISSIONS=dir - autograde <student>/<NN_name>.ipynb: build/grades/grades.csv"
	@echo "make html     - the executed series as a website in build/site/ (works offline)"
	@echo "make test-oldest - the package tests against the oldest supported TensorFlow/Keras"
	@echo "make benchmarks - every notebook's wall time on TF and on JAX"
	@echo "make claims  - how often each lesson assert holds with the seeds shifted (slow)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[notebooks,test]"
	touch $@

# The instructor's extra (nbgrader), for `make grade` and the tests; `make lab` goes without.
$(GRADING): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[grading]"
	touch $@

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

# Executed copies in build/run/ (the committed notebooks are left alone), one line per notebook.
run: $(STAMP)
	$(BIN)/python tools/nbexec.py --output-dir build/run $(NOTEBOOKS)

# After editing a notebook, in the order the tests check them: navigation cells (all
# notebooks, since titles are linked from the neighbours), nbgrader's metadata and test cells
# (tools/nbgrader_metadata.py, idempotent), execution in place, then the instructor map that
# reads the executed notebook.
notebook: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make notebook NB=04"; exit 2; }
	@test -n "$(wildcard notebooks/$(NB)_*.ipynb)" || { echo "no notebook notebooks/$(NB)_*.ipynb"; exit 2; }
	$(BIN)/python tools/navigation.py
	$(BIN)/python tools/nbgrader_metadata.py
	$(BIN)/python tools/nbexec.py $(wildcard notebooks/$(NB)_*.ipynb)
	$(BIN)/python tools/instructors.py

# Student copies: what nbgrader's generate_assignment releases (tools/student.py): solutions
# replaced by stubs, hidden tests removed, test cells locked, outputs cleared.
student: $(STAMP)
	$(BIN)/python tools/student.py --output-dir build/student $(NOTEBOOKS)

# Autograding with nbgrader (tools/grade.py): SUBMISSIONS holds <student>/<NN_name>.ipynb; each
# submission runs in bubblewrap's sandbox with a time limit per cell and a memory limit. Writes
# build/grades/grades.csv, notes.csv and feedback/<student>/<NN_name>.html. SANDBOX=limits
# grades without bubblewrap (no file-system isolation: trusted submissions only).
SANDBOX ?= auto
TIMEOUT ?= 120
MEMORY  ?= 4G
grade: $(GRADING) grading-deps
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=path/to/submissions"; exit 2; }
	$(BIN)/python tools/grade.py "$(SUBMISSIONS)" --output-dir build/grades --sandbox $(SANDBOX) \
	    --timeout $(TIMEOUT) --memory $(MEMORY)

# The committed, already executed notebooks as HTML pages with an index (tools/render_site.py).
html: $(STAMP)
	$(BIN)/python tools/render_site.py --output-dir build/site

check: $(GRADING)
	$(BIN)/python -m pytest -q $(PACKAGE)

test-package: check

# Layer tests again under JAX (Keras picks the backend from KERAS_BACKEND).
test-backends: $(STAMP)
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q -n auto -m backend tests

# Opt-in: the layer tests under PyTorch. torch==2.13.0 is a CPU wheel on the course machines;
# elsewhere pip may fetch a multi-GB CUDA build, so `make test` does not install it.
test-torch: $(STAMP)
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	KERAS_BACKEND=torch $(BIN)/python -m pytest -q -n auto -m backend tests

# Opt-in: the package tests on the oldest TensorFlow and Keras that pyproject admits
# (constraints/oldest.txt), in a venv of their own. About 700 MB of downloads.
test-oldest:
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(OLDEST)/bin/python -m pip install --quiet -c constraints/oldest.txt -e ".[notebooks,test]"
	$(OLDEST)/bin/python -m pip list 2>/dev/null | grep -iE '^(tensorflow|keras|numpy) '
	$(OLDEST)/bin/python -m pytest -q $(PACKAGE)

# Every notebook under nbval on TensorFlow, then again on JAX (KERAS_BACKEND picks it).
test-notebooks: $(STAMP)
	$(BIN)/python -m pytest -q $(NBVAL) notebooks
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q $(NBVAL) notebooks

# tests/test_browser.py drives JupyterLab in Debian's chromium; CI (CI=true, as root on
# Debian) installs it here, elsewhere the test is skipped with the reason when it is missing.
browser-deps:
	@if [ "$$CI" = "true" ] && ! command -v chromium >/dev/null 2>&1 \
	    && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# The sandbox of `make grade` is Debian's bubblewrap; CI (CI=true, as root on Debian) installs
# it here, elsewhere tests/test_grading.py skips the sandboxed tests with the reason.
grading-deps:
	@if [ "$$CI" = "true" ] && ! command -v bwrap >/dev/null 2>&1 \
	    && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's bubblewrap for the grading sandbox"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	fi

# Synthetic submissions graded for real, one kernel at a time (a real lab included).
test-grading: $(GRADING) grading-deps
	$(BIN)/python -m pytest -q -p no:randomly -m grading tests

# The whole suite: JAX layer tests, the package tests (random order), the browser tests, the
# grading tests, then every notebook under nbval on TF and on JAX.
test: $(GRADING) browser-deps grading-deps
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q -n auto -m backend tests
	$(BIN)/python -m pytest -q $(PACKAGE)
	$(BIN)/python -m pytest -q -p no:randomly -m browser tests
	$(BIN)/python -m pytest -q -p no:randomly -m grading tests
	$(BIN)/python -m pytest -q $(NBVAL) notebooks
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q $(NBVAL) notebooks

# The series' wall time per notebook on each backend, and how often every lesson assert
# holds with the notebooks' seeds shifted (benchmarks/claims.py: about 40 minutes here).
benchmarks: $(STAMP)
	$(BIN)/python benchmarks/notebook_times.py --backend tensorflow
	$(BIN)/python benchmarks/notebook_times.py --backend jax

claims: $(STAMP)
	$(BIN)/python benchmarks/claims.py

clean:
	rm -rf build .pytest_cache
