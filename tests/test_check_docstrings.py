"""Every public `d2lite.check` function has an `Example:` that runs as written."""

import doctest

import keras
import numpy as np
import pytest

from d2lite import check

CHECKS = [name for name in check.__all__ if name.startswith("check_")]


def test_every_public_check_is_listed():
    public = sorted(n for n in dir(check) if n.startswith("check_") and callable(getattr(check, n)))
    assert sorted(CHECKS) == public


@pytest.mark.parametrize("name", CHECKS)
def test_docstring_examples_run(name):
    fn = getattr(check, name)
    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(fn, name, globs={"keras": keras, "np": np, name: fn}):
        runner.run(test)
    summary = runner.summarize(verbose=False)
    assert summary.failed == 0
    assert summary.attempted >= 1, f"{name} has no example"
