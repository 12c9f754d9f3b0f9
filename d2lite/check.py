"""Feedback for exercises and labs: checks that say what is wrong.

Each ``check_*`` function takes a student's answer, raises `CheckFailed` with a
message that names the problem (a wrong shape, leaked future data, a metric
out of range) and what was expected, and returns a short "Correct" message
otherwise, so a notebook cell shows immediate, specific feedback.

The functions are grouped by notebook below.
"""

__all__ = ["CheckFailed"]


class CheckFailed(AssertionError):
    """A student's answer is wrong; the message says how."""


def _fail(message):
    raise CheckFailed(message)


def _ok(what):
    return f"Correct: {what}"
