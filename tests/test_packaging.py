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


def pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
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
