"""What every check shares: the failure, the success message, and the diagnosis of mistakes.

A check computes the right answer, and for the wrong answers that students commonly
write, the value each one gives. `_diagnose` compares the student's answer with those
values and, when it matches one, fails with the message that names that mistake.
"""

import numpy as np


class CheckFailed(AssertionError):
    """A student's answer is wrong; the message says how."""


CheckFailed.__module__ = "d2lite.check"  # shown (and pickled) as before the split


def _fail(message):
    raise CheckFailed(message)


def _ok(what):
    return f"Correct: {what}"


def _same(answer, value, *, rtol=1e-5, atol=1e-8):
    """Whether `answer` equals `value` within tolerances, with the same shape.

    Lists and tuples on both sides are compared element by element, so a list of
    arrays of different shapes (gradients) or a pair `(H_t, C_t)` works too; a value
    that is not numeric is never the same.
    """
    if isinstance(answer, (list, tuple)) and isinstance(value, (list, tuple)):
        return len(answer) == len(value) and all(
            _same(a, v, rtol=rtol, atol=atol) for a, v in zip(answer, value))
    try:
        answer, value = np.asarray(answer, dtype=float), np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return answer.shape == value.shape and bool(np.allclose(answer, value, rtol=rtol, atol=atol))


def _diagnose(answer, mistakes, *, rtol=1e-5, atol=1e-8, say=None, otherwise=None):
    """Fail with the message of the first known mistake that `answer` reproduces.

    Args:
        answer: the student's (wrong) answer.
        mistakes: pairs `(value, what)`: the value a known mistake gives, and what the
            message says about it.
        rtol, atol: the tolerances of `_same`.
        say: turns `what` into the message (default: `what` as it is).
        otherwise: the message when no mistake matches (default: return, so that the
            caller can say something more specific).

    Raises:
        CheckFailed: for a known mistake, or with `otherwise`.
    """
    for value, what in mistakes:
        if _same(answer, value, rtol=rtol, atol=atol):
            _fail(what if say is None else say(what))
    if otherwise is not None:
        _fail(otherwise)


def _array(value, what):
    """`value` as a float array, or CheckFailed saying that `what` should be one."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        _fail(f"{what} should be an array, got {type(value).__name__} ({err}).")


def _number(complaint, fn, *args, hint=""):
    """`float(fn(*args))`, or CheckFailed: the complaint, the error, then the hint."""
    try:
        return float(fn(*args))
    except (TypeError, ValueError) as err:
        _fail(f"{complaint} ({err}){hint}.")


def _call(description, fn, *args):
    """`fn(*args)` for a student's code, or CheckFailed: `description` raised what."""
    try:
        return fn(*args)
    except CheckFailed:
        raise
    except Exception as err:  # whatever a student's code raises
        _fail(f"{description} raised {type(err).__name__}: {err}")
