"""The public surface of `d2lite.check`: every check listed, documented with an example,
importable without Keras, and the shared diagnosis helper that the checks use.

The examples themselves run under `pytest --doctest-modules d2lite` (see conftest.py).
"""

import inspect
import subprocess
import sys

import numpy as np
import pytest

from d2lite import check
from d2lite.check import _core

CHECKS = [name for name in check.__all__ if name.startswith("check_")]

# The notebook each check belongs to, in the order of the series.
NOTEBOOK_ORDER = [
    ("check_k_step_forecast", "sequences"),
    ("check_vocab", "language"),
    ("check_perplexity", "language"),
    ("check_clip_gradients", "language"),
    ("check_bptt", "language"),
    ("check_pad_truncate", "sequences"),
    ("check_gru_step", "gated"),
    ("check_lstm_step", "gated"),
    ("check_adding_problem", "gated"),
    ("check_bidirectional", "architectures"),
    ("check_stacked_num_params", "architectures"),
    ("check_stock_scaler", "stocks"),
    ("check_stock_windows", "stocks"),
    ("check_stock_split", "stocks"),
    ("check_stock_metrics", "stocks"),
    ("check_stock_baselines", "stocks"),
    ("check_ising_labels", "ising"),
    ("check_ising_model", "ising"),
    ("check_ising_crossing", "ising"),
    ("check_beam_search", "seq2seq"),
]


def test_every_public_check_is_listed():
    public = sorted(n for n in dir(check) if n.startswith("check_") and callable(getattr(check, n)))
    assert sorted(CHECKS) == public


def test_all_is_in_notebook_order_and_each_check_lives_in_its_lesson_module():
    assert check.__all__ == ["CheckFailed"] + [name for name, _ in NOTEBOOK_ORDER]
    for name, module in NOTEBOOK_ORDER:
        assert getattr(check, name).__module__ == f"d2lite.check.{module}", name
        assert name in getattr(check, module).__all__
    assert check.CheckFailed is _core.CheckFailed
    assert issubclass(check.CheckFailed, AssertionError)
    assert repr(check.CheckFailed) == "<class 'd2lite.check.CheckFailed'>"  # as before the split


@pytest.mark.parametrize("name", CHECKS)
def test_every_check_has_an_example(name):
    doc = inspect.getdoc(getattr(check, name))
    assert doc and "Example:" in doc, f"{name} has no Example: section"
    example = doc[doc.index("Example:"):]
    assert ">>>" in example, f"{name}'s Example: has no >>> line"
    assert "'Correct: " in example or '"Correct: ' in example, f"{name}'s example shows no result"


def test_import_needs_no_keras():
    code = ("import sys, d2lite.check; "
            "print(','.join(m for m in ('tensorflow', 'keras', 'jax', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_one_definition_of_the_critical_temperature():
    from d2lite import ising

    assert check.ising.CRITICAL_TEMPERATURE is ising.CRITICAL_TEMPERATURE
    assert "2.0 / np.log1p" not in inspect.getsource(check.ising)


# ----------------------------------------------------------------- the shared helpers


def test_same_compares_values_shapes_and_nested_lists():
    same = _core._same
    assert same(1.0, 1.0 + 1e-9) and not same(1.0, 1.1)
    assert same(np.ones(3), [1.0, 1.0, 1.0])
    assert not same(np.ones(3), np.ones((3, 1)))  # no broadcasting
    assert same([np.ones(2), np.zeros((1, 1))], (np.ones(2), np.zeros((1, 1))))
    assert not same([np.ones(2)], [np.ones(2), np.ones(2)])
    assert not same("a", 1.0) and not same(np.nan, np.nan)
    assert same(10, 10, rtol=0, atol=0) and not same(10, 11, rtol=0, atol=0)


def test_diagnose_names_the_first_matching_mistake():
    mistakes = [(2.0, "doubled"), (0.5, "halved"), (2.0, "never reached")]
    with pytest.raises(check.CheckFailed, match="^doubled$"):
        _core._diagnose(2.0, mistakes)
    with pytest.raises(check.CheckFailed, match=r"^got 0\.5: halved\.$"):
        _core._diagnose(0.5, mistakes, say=lambda what: f"got 0.5: {what}.")
    with pytest.raises(check.CheckFailed, match="^3 is wrong$"):
        _core._diagnose(3.0, mistakes, otherwise="3 is wrong")
    assert _core._diagnose(3.0, mistakes) is None  # no match, nothing else to say: go on


def test_number_array_and_call_turn_errors_into_feedback():
    assert _core._number("`f` should return a number", lambda x: np.float32(x), 2) == 2.0
    with pytest.raises(check.CheckFailed, match=r"^`f` should return a number \(.*\); hint\.$"):
        _core._number("`f` should return a number", lambda: [1, 2], hint="; hint")
    with pytest.raises(check.CheckFailed, match="`f` should be an array, got dict"):
        _core._array({"a": 1}, "`f`")
    with pytest.raises(check.CheckFailed, match=r"^f\(3\) raised ZeroDivisionError: division"):
        _core._call("f(3)", lambda x: x / 0, 3)



# ----------------------------------------------------------------- the time limit

# The checks that run a student's code (a function or a model), each with a time limit.
TIMED = ["check_k_step_forecast", "check_perplexity", "check_clip_gradients", "check_bptt",
         "check_pad_truncate", "check_gru_step", "check_lstm_step", "check_adding_problem",
         "check_bidirectional",
         "check_stacked_num_params", "check_stock_windows", "check_stock_metrics",
         "check_ising_model", "check_ising_crossing", "check_beam_search"]


@pytest.mark.parametrize("name", CHECKS)
def test_checks_that_run_student_code_take_a_documented_timeout(name):
    fn = getattr(check, name)
    parameters = inspect.signature(fn).parameters
    if name not in TIMED:
        assert "timeout" not in parameters
        return
    timeout = parameters["timeout"]
    assert timeout.kind is inspect.Parameter.KEYWORD_ONLY and timeout.default is None
    assert "timeout: seconds" in inspect.getdoc(fn) and "d2lite.check.TIMEOUT" in inspect.getdoc(fn)


def test_the_default_time_limit_is_documented():
    assert check.TIMEOUT == _core.DEFAULT_TIMEOUT == 10.0
    assert "TIMEOUT" in check.__doc__ and "timeout=" in check.__doc__
    assert "Windows" in check.__doc__ and "main thread" in check.__doc__
    assert "TIMEOUT" not in check.__all__  # a setting, not a check


def test_array_and_scalar_accept_numbers_only():
    assert _core._array([1, 2.5], "`f`").dtype == np.float64
    assert type(_core._array(np.zeros(2).view(np.matrix), "`f`")) is np.ndarray
    for bad, message in [(None, "got None"), ("1.5", "string"), (True, "bool"),
                         ([True, False], "booleans"), ([1.0, np.nan], "NaN"),
                         ([np.inf], "infinity"), ([], "empty"), ([[1], [1, 2]], "different lengths"),
                         ([None, 1.0], "holds None"), ([1j], "complex")]:
        with pytest.raises(check.CheckFailed, match=message):
            _core._array(bad, "`f`")
    assert _core._scalar(np.float32(2.5), "`f` should return a number") == 2.5
    assert _core._scalar(np.array([[3]]), "`f` should return a number") == 3.0
    for bad, message in [(None, "got None"), ("2.5", "string"), (False, "bool"),
                         (np.ones(2), r"shape \(2,\)"), (float("nan"), "not a finite number"),
                         (1j, "complex"), (10**400, "too large")]:
        with pytest.raises(check.CheckFailed, match=message):
            _core._scalar(bad, "`f` should return a number")
