"""Checks for notebook 01 (sequences): a k-step forecast that feeds its own predictions back."""

import numpy as np

from d2lite.check._core import (
    _array,
    _call,
    _describe,
    _diagnose,
    _fail,
    _finite,
    _frozen,
    _ok,
    _same,
)

__all__ = ["check_k_step_forecast"]


def _feed_back(values, k, predict):
    """The k values after `values`, each predicted from the values so far."""
    values = list(values)
    for _ in range(k):
        values.append(predict(values))
    return np.array(values[-k:])


def check_k_step_forecast(forecast, *, timeout=None):
    """Check a function that forecasts `k` steps ahead by feeding predictions back.

    `forecast(predict, history, k, tau)` is given a one-step model `predict(window)`
    (a 1-D array of the last `tau` values, oldest first → the next value), the
    observed `history` (at least `tau` values), a horizon `k` and the window
    length `tau`, and returns the
    `k` predicted values: the first from the last `tau` observations, each later
    one from a window that ends with the predictions made so far.

    The check uses `tau = 2` and `predict(w) = w[-1] + 0.5 w[0]`, a model whose
    answer changes when the window is reversed, shifted or mixed with observations.

    `history` is passed read-only: the function must not change it.

    Args:
        forecast: the student's function `forecast(predict, history, k, tau)`.
        timeout: seconds the function may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (wrong number of values, windows that
            never contain the predictions, a reversed window, a changed history),
            or what went wrong running the function (it raised, did not return in
            time, returned None or something that is not numbers).

    Example:
        >>> def forecast(predict, history, k, tau):
        ...     values = list(history)
        ...     for _ in range(k):
        ...         values.append(predict(np.array(values[-2:])))
        ...     return np.array(values[len(history):])
        >>> check_k_step_forecast(forecast)
        'Correct: 5 values, each predicted from a window that holds the previous predictions.'
    """
    tau, k = 2, 5
    original = np.array([1.0, 2.0, 3.0, 4.0])
    expected = _feed_back(original, k, lambda v: v[-1] + 0.5 * v[-2])
    mistakes = [
        (np.full(k, original[-1] + 0.5 * original[-2]),
         "every prediction comes from the same window of observations: append each "
         "prediction to the values and take the next window from their end, so that "
         "later windows contain earlier predictions."),
        (_feed_back(original, k, lambda v: v[-2] + 0.5 * v[-1]),
         "the windows are reversed (newest value first); pass them oldest first, in "
         "the order of the series, as the model was trained."),
    ]
    history = _frozen(original)
    calls = []
    changed = ("`forecast` changed the history it was given; copy it (e.g. `list(history)`) "
               "before appending predictions.")

    def predict(window):
        try:
            window = np.array(window, dtype=float).ravel()
        except (TypeError, ValueError):
            _fail(f"`predict` was given {_describe(window)}; give it a window of the last "
                  f"tau = {tau} values as an array, e.g. `predict(np.array(values[-{tau}:]))`.")
        calls.append(window.copy())
        if window.shape != (tau,):
            _fail(f"`predict` was given a window of {window.size} values; the model takes the "
                  f"last tau = {tau} values, e.g. `predict(values[-{tau}:])`.")
        return window[-1] + 0.5 * window[0]

    call = f"forecast(predict, history, k={k}, tau={tau})"
    result = _call(f"{call} with history = {original.tolist()}", forecast, predict, history, k,
                   tau, timeout=timeout, read_only=changed)
    result = _array(result, f"`{call}`", finite=False, empty=True, timeout=timeout).ravel()
    if not np.array_equal(history, original):
        _fail(changed)
    if result.shape != (k,):
        _fail(f"`{call}` should return the {k} predicted values, "
              f"got {result.size} value(s). Return only the predictions, not the history.")
    _finite(result, f"`{call}`")
    if _same(result, expected):
        return _ok(f"{k} values, each predicted from a window that holds the previous "
                   "predictions.")
    _diagnose(result, mistakes)
    bad = int(np.flatnonzero(~np.isclose(result, expected))[0])
    _fail(f"prediction {bad + 1} of {k} is {result[bad]:.4g}; expected {expected[bad]:.4g} "
          f"(history {original.tolist()}, one-step model w[-1] + 0.5 w[0]). The "
          "windows given to `predict` were: " + ", ".join(str(c.tolist()) for c in calls[:k]))
