"""The set-up contract: pyproject and environment.yml agree, the README and CI use `make`."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _split(requirement):
    """'numpy>=1.26' -> ('numpy', '>=1.26'); names normalised as in PEP 503."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*?)\s*", requirement)
    if match is None:
        raise ValueError(f"Cannot parse requirement {requirement!r}")
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    return name, match.group(3).replace(" ", "")


# The instructor's extra: `make grade` installs it; the students' environment does not.
INSTRUCTOR_EXTRAS = {"grading"}


def pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for name, extra in project.get("optional-dependencies", {}).items():
        if name not in INSTRUCTOR_EXTRAS:
            reqs += extra
    return dict(_split(r) for r in reqs)


def environment_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    reqs = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep["pip"]:
                if not pip_dep.startswith("-"):
                    name, spec = _split(pip_dep)
                    reqs[name] = spec
        else:
            name, spec = _split(dep.replace("=", "==", 1) if re.fullmatch(r"[\w-]+=[^=<>].*", dep) else dep)
            reqs[name] = spec
    return reqs


def test_split_parses_specifiers():
    assert _split("tensorflow==2.21.*") == ("tensorflow", "==2.21.*")
    assert _split("scikit_learn >= 1.5") == ("scikit-learn", ">=1.5")
    with pytest.raises(ValueError, match="Cannot parse"):
        _split(">=1.0")


def test_environment_yml_matches_pyproject():
    env = environment_requirements()
    env.pop("python"), env.pop("pip")
    assert env == pyproject_requirements()


def test_students_environment_has_no_grader():
    # nbgrader is the instructor's: not in environment.yml, not in what `make lab` installs.
    assert "nbgrader" not in environment_requirements()
    makefile = (ROOT / "Makefile").read_text()
    stamp_recipe = makefile.split("$(STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "grading" not in stamp_recipe
    assert "nbgrader" in dict(_split(r) for r in _extra("grading"))


def test_environment_installs_the_package_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "--editable ." in pip_section
    assert "python=3.11" in env["dependencies"]


def test_readme_and_ci_use_the_two_make_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab:", "test:", "run:"):
        assert re.search(rf"^{target}", makefile, re.MULTILINE), target


def test_import_has_no_side_effects():
    import subprocess
    import sys

    code = (
        "import sys, d2lite; "
        "heavy = [m for m in ('tensorflow', 'keras', 'jax', 'torch', 'matplotlib.pyplot') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ------------------------------------------------------------------ what is declared


def _core():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(_split(r) for r in project["dependencies"])


def _extra(name):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(_split(r) for r in project["optional-dependencies"][name])


# Import names that differ from their distribution's name.
_DISTRIBUTION = {"IPython": "ipython", "sklearn": "scikit-learn", "yaml": "pyyaml"}


def _third_party_imports(folder):
    """Top-level names of the non-stdlib, non-d2lite modules that the .py files import."""
    import ast
    import sys

    names = set()
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    local = {p.stem for p in (ROOT / folder).rglob("*.py")}  # sibling scripts in tools/
    return {n for n in names if n not in sys.stdlib_module_names and n != "d2lite" and n not in local}


def _normal(name):
    return re.sub(r"[-_.]+", "-", _DISTRIBUTION.get(name, name)).lower()


def test_core_dependencies_are_what_d2lite_imports():
    imported = {_normal(n) for n in _third_party_imports("d2lite")}
    core, notebooks = set(_core()), set(_extra("notebooks"))
    # yfinance is imported only inside stock_prices, which says how to install it; jax and
    # torch only inside d2lite.autodiff, on the backend Keras already runs on.
    assert imported - core == {"yfinance", "jax", "torch"} and "yfinance" in notebooks
    assert core <= imported, f"declared but never imported by d2lite: {sorted(core - imported)}"


def test_tools_imports_are_declared():
    imported = {_normal(n) for n in _third_party_imports("tools")}
    # nbgrader only in the grader (tools/grade.py and tools/grading/), from the `grading` extra.
    declared = set(_core()) | set(_extra("notebooks")) | set(_extra("grading"))
    assert imported <= declared, f"tools/ imports undeclared {sorted(imported - declared)}"


def test_tensorflow_is_a_range_not_a_pin():
    spec = _core()["tensorflow"]
    assert "==" not in spec and ">=2.16" in spec, spec


def test_oldest_constraints_are_the_declared_lower_bounds():
    pins = {}
    for line in (ROOT / "constraints" / "oldest.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = _split(line)
            pins[name] = version.removeprefix("==")
    core = _core()
    assert set(pins) == set(core)
    for name, spec in core.items():
        lower = re.search(r">=([\w.]+)", spec).group(1)
        assert pins[name] == lower or pins[name].startswith(lower + "."), (name, spec, pins[name])


def test_licence_file_matches_the_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    licence = (ROOT / "LICENSE").read_text()
    assert project["license"] == "MIT" and licence.startswith("MIT License")
    assert "LICENSE" in project.get("license-files", ["LICENSE"])


def test_contributor_docs_live_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "../shared" not in readme and "CONVENTIONS.md" not in readme
    assert (ROOT / "CONTRIBUTING.md").is_file() and "CONTRIBUTING.md" in readme
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    for needed in ("make check", "make notebook NB=", "### BEGIN SOLUTION", "NBVAL_CHECK_OUTPUT"):
        assert needed in contributing, needed


def test_python_sources_compile_without_warnings():
    # Invalid escapes in docstrings ("\frac" becoming a form feed) warn at compile time.
    import warnings

    for folder in ("d2lite", "tools", "tests", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                compile(path.read_text(encoding="utf-8"), str(path), "exec")


# ------------------------------------------------------------------ importing has no side effects

_SNAPSHOT = """
import json, logging, random, sys, warnings
import numpy as np
import matplotlib
import keras

def snapshot():
    return {
        "rcParams": {k: repr(v) for k, v in matplotlib.rcParams.items()},
        "matplotlib_backend": matplotlib.get_backend(),
        "keras": [keras.config.backend(), keras.config.floatx(), keras.config.epsilon(),
                  keras.config.image_data_format(), str(keras.config.dtype_policy().name)],
        "numpy_random": repr(np.random.get_state()[1][:8].tolist()),
        "python_random": repr(random.getstate()[1][:8]),
        "logging": {name: logging.getLogger(name).level
                    for name in ("", "tensorflow", "keras", "matplotlib", "yfinance")},
        "warnings": [repr(f) for f in warnings.filters],
        "custom_objects": sorted(keras.saving.get_custom_objects()),
    }

before = snapshot()
import importlib, pkgutil, d2lite
modules = sorted(m.name for m in pkgutil.walk_packages(d2lite.__path__, "d2lite."))
for name in modules:
    importlib.import_module(name)
after = snapshot()
print(json.dumps({"modules": modules, "before": before, "after": after}))
"""


def test_importing_every_submodule_leaves_global_state_alone():
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _SNAPSHOT], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    expected = {f"d2lite.{m}" for m in ("data", "text", "sequences", "layers", "ising",
                                         "plotting", "check", "training")}
    assert expected <= set(result["modules"]), result["modules"]
    before, after = result["before"], result["after"]
    # Registering d2lite's layers for saving is the one intended change, and only under d2lite>.
    added = set(after.pop("custom_objects")) - set(before.pop("custom_objects"))
    assert added and all(name.startswith("d2lite>") for name in added), added
    for key in before:
        assert after[key] == before[key], key


def test_doctests_run_through_pytest_only():
    # `pytest --doctest-modules d2lite` runs every example; no test file keeps a harness of its own.
    import ast

    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert not (node.value.id == "doctest" and node.attr in (
                    "testmod", "DocTestRunner", "DocTestFinder")), f"{path.name}: {node.attr}"
    makefile = (ROOT / "Makefile").read_text()
    assert "--doctest-modules d2lite" in makefile
