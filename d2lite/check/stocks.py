"""Checks for notebook 09 (the stock lab), in the lab's order: a scaler fitted on the training
part only, windows of past closes, a chronological split, the metrics and the two baselines."""

import numpy as np

from d2lite import _validate
from d2lite.check._core import (
    _array,
    _call,
    _describe,
    _diagnose,
    _fail,
    _finite,
    _frozen,
    _given_array,
    _integer,
    _number,
    _ok,
    _read,
    _same,
)

__all__ = [
    "check_stock_scaler",
    "check_stock_windows",
    "check_stock_split",
    "check_stock_metrics",
    "check_stock_baselines",
]


def check_stock_scaler(scaler, series, n_train):
    """Check that a scaler was fitted on the training part of `series` only.

    Args:
        scaler: a fitted scikit-learn `StandardScaler` or `MinMaxScaler`, or a
            pair `(mean, std)` computed by hand.
        series: the whole price series, training part first.
        n_train: the number of leading days in the training part.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: the statistics come from the whole series or another
            part (leaking the future into training), are simply wrong, or are
            not finite numbers; the scaler is not fitted or not a scaler.
        ValueError: `series` is not an array of finite numbers, or `n_train` is
            not an integer between 1 and ``len(series) - 1``.

    Example:
        >>> close = np.array([1.0, 2.0, 3.0, 10.0])
        >>> check_stock_scaler((1.5, 0.5), close, n_train=2)
        'Correct: the scaler knows only the first 2 days.'
    """
    series = _given_array(series, "series", min_size=2)
    n_train = _integer(n_train, "n_train")
    if n_train >= len(series):
        raise _validate.invalid("n_train", f"an integer between 1 and {len(series) - 1} (the "
                                f"series has {len(series)} values)", n_train)

    def statistics():
        if hasattr(scaler, "data_min_") and hasattr(scaler, "data_max_"):
            return "min and max", ("data_min_", "data_max_")
        if hasattr(scaler, "mean_") and hasattr(scaler, "scale_"):
            return "mean and standard deviation", ("mean_", "scale_")
        return "mean and standard deviation", "unfitted" if hasattr(scaler, "fit") else None

    kind, attributes = _read("the scaler", statistics)
    if attributes == "unfitted":
        _fail("the scaler has not been fitted yet (or is not a StandardScaler or "
              "MinMaxScaler): call scaler.fit(train_part) first.")
    if attributes is not None:
        fitted = []
        for name in attributes:
            value = _read(f"the scaler's {name}", lambda name=name: getattr(scaler, name))
            if value is None:
                _fail(f"the scaler's {name} is None (a scaler made with with_mean=False or "
                      "with_std=False?): fit one with the defaults.")
            fitted.append(_array(value, f"the scaler's {name}", finite=False).ravel()[0])
        fitted = tuple(float(v) for v in fitted)
    else:
        if scaler is None or isinstance(scaler, (str, bytes, bool, np.bool_, dict)):
            _fail(f"expected a fitted scaler or a pair (mean, std), got {_describe(scaler)}.")
        pair = _array(scaler, "the pair (mean, std)", finite=False, empty=True).ravel()
        if pair.shape != (2,):
            _fail(f"expected a fitted scaler or a pair (mean, std), got {_describe(scaler)}.")
        fitted = tuple(float(v) for v in pair)
    if not np.isfinite(fitted).all():
        _fail(f"the scaler's {kind} are {fitted}, which are not finite numbers: fit it on the "
              f"first {n_train} days, whose statistics are finite.")
    if kind == "min and max":
        # Statistics of every leading part series[:k], k = 1..T, for each ddof accepted.
        prefix = [(np.minimum.accumulate(series), np.maximum.accumulate(series))]
    else:
        k = np.arange(1, len(series) + 1)
        mean = np.cumsum(series) / k
        squares = np.maximum(np.cumsum(series ** 2) - k * mean ** 2, 0.0)
        prefix = [(mean, np.sqrt(squares / k)),
                  (mean, np.sqrt(squares / np.maximum(k - 1, 1)))]

    def close_to(first, second):
        return (np.isclose(first, fitted[0], rtol=1e-4, atol=1e-8)
                & np.isclose(second, fitted[1], rtol=1e-4, atol=1e-8))

    leading = np.zeros(len(series), dtype=bool)  # leading[k - 1]: matches series[:k]
    for first, second in prefix:
        leading |= close_to(first, second)
    if leading[n_train - 1]:
        return _ok(f"the scaler knows only the first {n_train} days.")
    if leading[-1]:
        _fail(f"the scaler's {kind} come from the whole series, test period included: "
              "the future leaks into training (through the scaling, the model is told how "
              f"high prices will go). Fit it on the first {n_train} days only.")
    later = np.flatnonzero(leading[n_train:])
    if later.size:
        end = n_train + 1 + int(later[0])
        _fail(f"the scaler's {kind} come from the first {end} days, {end - n_train} day(s) "
              f"past the training part: fit it on the first {n_train} days only.")
    rest = series[n_train:]
    after = (f"the scaler's {kind} come from the days after the training part. Fit it on "
             f"the first {n_train} days only.")
    _diagnose(fitted, [((rest.min(), rest.max()), after), ((rest.mean(), rest.std()), after),
                       ((rest.mean(), rest.std(ddof=1)), after)], rtol=1e-4,
              otherwise=(f"the scaler's {kind} {tuple(round(v, 4) for v in fitted)} do not "
                         f"match the first {n_train} days (the training part) or any other "
                         "leading part of the series."))


def check_stock_windows(make_windows, tau=60, *, timeout=None):
    """Check a function that cuts a series into (past `tau` values, next value) pairs.

    The function is called on a short series whose values are their own
    time steps plus 1000, so a wrong window says exactly which days it holds.

    Args:
        make_windows: the student's function `make_windows(series, tau)` that
            returns `(X, y)` with `X[i] = series[i : i + tau]` and
            `y[i] = series[i + tau]`. The series is passed read-only.
        tau: the window length (default 60), a positive integer.
        timeout: seconds the function may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: with the problem (wrong count, label inside the window,
            windows shifted, wrong shape, the series changed) and what was
            expected, or that the function raised, did not return in time, or
            returned something other than a pair of arrays of finite numbers.
        ValueError: `tau` is not a positive integer.

    Example:
        >>> check_stock_windows(lambda s, tau: (np.stack([s[i:i + tau]
        ...     for i in range(len(s) - tau)]), s[tau:]), tau=3)
        'Correct: 4 windows of 3 past values from a series of 7, each labelled with the next value.'
    """
    tau = _integer(tau, "tau")
    length = tau + 4
    original = 1000.0 + np.arange(length)
    expected_n = length - tau
    expected_X = np.stack([original[i:i + tau] for i in range(expected_n)])
    expected_y = original[tau:]
    series = _frozen(original)
    changed = "make_windows changed the series it was given; build new arrays instead."
    result = _call(f"make_windows(series, tau={tau}) with a series of {length} values",
                   make_windows, series, tau, timeout=timeout, read_only=changed)
    if not np.array_equal(series, original):
        _fail(changed)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        got = type(result).__name__ if isinstance(result, (tuple, list)) else _describe(result)
        _fail(f"make_windows should return a pair (X, y), got {got}"
              f"{f' of length {len(result)}' if isinstance(result, (tuple, list)) else ''}"
              f"{': does the function end with `return X, y`?' if result is None else '.'}")
    X, y = (_array(a, f"{name} returned by make_windows", finite=False, empty=True,
                   timeout=timeout) for a, name in zip(result, ("X", "y")))
    if X.ndim == 3 and X.shape[-1] == 1:
        X = X[..., 0]
    if y.ndim == 2 and y.shape[-1] == 1:
        y = y[:, 0]
    if X.ndim != 2 or X.shape[1] != tau:
        _fail(f"X should have shape (number of windows, tau) = ({expected_n}, {tau}) for a "
              f"series of {length}, got {X.shape}.")
    if X.shape[0] == 0:
        _fail(f"X holds no window; expected {expected_n} (T - tau for T={length}, tau={tau}).")
    if X.shape[0] == expected_n + 1:
        _fail(f"{X.shape[0]} windows from a series of {length} with tau={tau}: one too many. "
              "The last window has no next value to predict, so there are T - tau windows.")
    if X.shape[0] != expected_n or y.shape != (expected_n,):
        _fail(f"expected {expected_n} windows (T - tau for T={length}, tau={tau}) and "
              f"{expected_n} labels, got X of shape {X.shape} and y of shape {y.shape}.")
    _finite(X, "X returned by make_windows")
    _finite(y, "y returned by make_windows")
    days = X[0] - 1000.0
    if not np.array_equal(X[0], original[:tau]):
        _fail(f"the first window should hold days 0..{tau - 1}, it holds days "
              f"{days[0]:g}..{days[-1]:g}.")
    if y[0] == original[tau - 1]:
        _fail(f"the label of the first window is day {tau - 1}, which is inside the window: "
              f"the model would be shown the answer. The label is the next day, {tau}.")
    if not np.array_equal(X, expected_X):
        bad = int(np.flatnonzero(~(X == expected_X).all(axis=1))[0])
        _fail(f"window {bad} should hold days {bad}..{bad + tau - 1}, it holds "
              f"{X[bad, 0] - 1000:g}..{X[bad, -1] - 1000:g}.")
    if not np.array_equal(y, expected_y):
        bad = int(np.flatnonzero(y != expected_y)[0])
        _fail(f"the label of window {bad} should be day {bad + tau}, got day {y[bad] - 1000:g}.")
    return _ok(f"{expected_n} windows of {tau} past values from a series of {length}, "
               "each labelled with the next value.")


def _as_index_array(selection, n, name):
    """A slice, boolean mask or integer array over `n` windows, as integer positions."""
    expected = "a slice, a boolean mask or a 1-D array of window positions"
    if isinstance(selection, slice):
        for bound in (selection.start, selection.stop, selection.step):
            if bound is not None and (isinstance(bound, (bool, np.bool_))
                                      or not isinstance(bound, (int, np.integer))):
                _fail(f"`{name}` is a slice with {_describe(bound)} as a bound; its bounds "
                      "should be integers (window positions) or None.")
        if selection.step == 0:
            _fail(f"`{name}` is a slice with step 0; use step 1 (or leave it out).")
        return np.arange(n)[selection]
    if selection is None or isinstance(selection, (str, bytes, bool, np.bool_, dict, set)):
        _fail(f"`{name}` should be {expected}, got {_describe(selection)}.")
    selection = _read(f"`{name}`", lambda: np.asarray(selection), message=lambda error: (
        f"`{name}` should be {expected}, got {_describe(selection)} ({error})."))
    if selection.size == 0 and selection.ndim == 1:
        return np.zeros(0, dtype=int)
    if selection.dtype == bool:
        if selection.shape != (n,):
            _fail(f"`{name}` is a boolean mask of shape {selection.shape}; expected ({n},), "
                  "one entry per window.")
        return np.flatnonzero(selection)
    if selection.ndim != 1 or not np.issubdtype(selection.dtype, np.integer):
        _fail(f"`{name}` should be a slice, a boolean mask or a 1-D array of window "
              f"positions, got an array of dtype {selection.dtype} and shape {selection.shape}.")
    if selection.shape == (n,) and n > 2 and np.isin(selection, (0, 1)).all():
        _fail(f"`{name}` holds only 0s and 1s, one per window: a mask of integers, which "
              "indexing reads as the positions 0 and 1. Make it boolean (e.g. day < n_train, "
              "or .astype(bool)).")
    return selection.astype(np.int64)


def check_stock_split(train, val, test, *, tau, n_train, n_val, num_windows):
    """Check a chronological split of windows by the day each window predicts.

    Window `i` predicts day `t = i + tau`. Training windows predict days
    before `n_train`, validation windows days in `[n_train, n_val)`, and test
    windows the days from `n_val` on; no window is left out or used twice.

    Args:
        train, val, test: the windows of each part, each as a slice, a boolean
            mask over the windows or an array of window positions.
        tau: the window length.
        n_train: first day of the validation period.
        n_val: first day of the test period.
        num_windows: the number of windows (days in the series minus `tau`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: the split is shuffled, overlaps, leaves windows out, or
            lets training windows predict days of a later period; a part is not
            a slice, a mask or positions.
        ValueError: `tau`, `n_train`, `n_val` or `num_windows` are not integers
            with ``tau < n_train < n_val < tau + num_windows``.

    Example:
        >>> day = np.arange(3, 3 + 17)   # tau=3, 20 days, 17 windows
        >>> check_stock_split(day < 10, (day >= 10) & (day < 15), day >= 15,
        ...                   tau=3, n_train=10, n_val=15, num_windows=17)
        'Correct: 7 training, 5 validation and 5 test windows, in time order.'
    """
    tau = _integer(tau, "tau")
    num_windows = _integer(num_windows, "num_windows")
    n_train = _integer(n_train, "n_train")
    n_val = _integer(n_val, "n_val")
    if n_train <= tau:
        raise _validate.invalid("n_train", f"an integer greater than tau = {tau} (training "
                                "windows predict days tau, ..., n_train - 1)", n_train)
    if not n_train < n_val < tau + num_windows:
        raise _validate.invalid("n_val", f"an integer between n_train + 1 = {n_train + 1} and "
                                f"tau + num_windows - 1 = {tau + num_windows - 1} (the days "
                                "the windows predict)", n_val)
    parts = {"train": train, "val": val, "test": test}
    idx = {k: _as_index_array(v, num_windows, k) for k, v in parts.items()}
    for name, positions in idx.items():
        if len(positions) == 0:
            _fail(f"`{name}` selects no window.")
        if positions.min() < 0 or positions.max() >= num_windows:
            _fail(f"`{name}` holds window positions outside 0..{num_windows - 1}.")
        if np.any(np.diff(positions) <= 0):
            _fail(f"`{name}` is not in time order: a random split puts days of the future in "
                  "the training set. Split by the day each window predicts, without shuffling.")
    every = np.concatenate(list(idx.values()))
    if len(np.unique(every)) < len(every):
        _fail("some windows are in two parts at once; each window belongs to exactly one.")
    day = {k: v + tau for k, v in idx.items()}
    if day["train"].max() >= n_train:
        _fail(f"training windows predict days up to {day['train'].max()}, past the end of the "
              f"training period (day {n_train - 1}). Window i predicts day i + tau: split on "
              "that day, not on the window's position.")
    if day["val"].max() >= n_val:
        _fail(f"validation windows predict days up to {day['val'].max()}, inside the test "
              f"period that starts on day {n_val}.")
    expected = {
        "train": np.arange(0, n_train - tau),
        "val": np.arange(n_train - tau, n_val - tau),
        "test": np.arange(n_val - tau, num_windows),
    }
    for name in ("train", "val", "test"):
        if not np.array_equal(idx[name], expected[name]):
            _fail(f"`{name}` should be the {len(expected[name])} windows predicting days "
                  f"{expected[name][0] + tau}..{expected[name][-1] + tau}, got "
                  f"{len(idx[name])} predicting days {day[name][0]}..{day[name][-1]}.")
    return _ok(f"{len(idx['train'])} training, {len(idx['val'])} validation and "
               f"{len(idx['test'])} test windows, in time order.")


def check_stock_metrics(rmse, mae, *, timeout=None):
    """Check functions `rmse(y_true, y_pred)` and `mae(y_true, y_pred)`.

    .. math:: \\mathrm{RMSE} = \\sqrt{\\tfrac1n \\sum_i (y_i - \\hat y_i)^2}, \\qquad
              \\mathrm{MAE} = \\tfrac1n \\sum_i |y_i - \\hat y_i|

    They are tried on small arrays with known answers, including a prediction
    of shape `(n, 1)` (what `model.predict` returns) against targets of shape
    `(n,)`.

    Args:
        rmse: the student's root-mean-squared-error function.
        mae: the student's mean-absolute-error function.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (no square root, a sum instead of a
            mean, signed errors that cancel, an (n, n) broadcast), or that a
            function raised, did not return in time, or returned something other
            than one finite number.

    Example:
        >>> check_stock_metrics(lambda y, p: np.sqrt(np.mean((np.ravel(y) - np.ravel(p)) ** 2)),
        ...                     lambda y, p: np.mean(np.abs(np.ravel(y) - np.ravel(p))))
        'Correct: RMSE and MAE give the right values, in the units of the prices.'
    """
    # Errors of both signs (so signed errors cancel) and predictions correlated with
    # the targets (so an (n, n) broadcast changes the RMSE too).
    y = np.array([1.0, 2.0, 3.0, 4.0])
    p = np.array([1.5, 2.5, 2.0, 5.5])
    err = y - p
    right = {"rmse": np.sqrt(np.mean(err ** 2)), "mae": np.mean(np.abs(err))}
    wrong = {
        "rmse": [(np.mean(err ** 2), "the mean squared error: the square root is missing "
                                      "(RMSE is in price units, MSE in squared units)"),
                 (np.sqrt(np.sum(err ** 2)), "a sum, not a mean, under the square root"),
                 (np.mean(np.abs(err)), "the MAE")],
        "mae": [(np.mean(err), "the mean of the signed errors, which cancel; take the "
                                "absolute value first"),
                (-np.mean(err), "the mean of the signed errors, which cancel; take the "
                                 "absolute value first"),
                (np.sum(np.abs(err)), "a sum, not a mean"),
                (right["rmse"], "the RMSE")],
    }
    for name, fn in (("rmse", rmse), ("mae", mae)):
        value = _number(f"`{name}(y_true, y_pred)` did not return one number", fn, y.copy(),
                        p.copy(), timeout=timeout,
                        call=f"`{name}(y_true, y_pred)` with y_true = {y.tolist()} and "
                             f"y_pred = {p.tolist()}")
        if not _same(value, right[name]):
            _diagnose(value, wrong[name],
                      say=lambda what: (f"`{name}` returned {value:.4g}, which is {what}; "
                                        f"expected {right[name]:.4g}."),
                      otherwise=(f"`{name}` returned {value:.4g} for y_true={y.tolist()}, "
                                 f"y_pred={p.tolist()}; expected {right[name]:.4g}."))
        column = _number(f"`{name}` fails when y_pred has shape (n, 1), as model.predict "
                         "returns", fn, y.copy(), p[:, None].copy(),
                         hint="; flatten both arguments with np.ravel", timeout=timeout,
                         call=f"`{name}(y_true, y_pred)` with y_pred of shape (4, 1) (what "
                              "model.predict returns)")
        if not _same(column, right[name]):
            _fail(f"`{name}(y_true, y_pred)` gives {column:.4g} when y_pred has shape (n, 1), "
                  "as model.predict returns: (n,) minus (n, 1) broadcasts to an (n, n) "
                  "matrix of every pair. Flatten both arguments with np.ravel first.")
    return _ok("RMSE and MAE give the right values, in the units of the prices.")


def check_stock_baselines(persistence, moving_average, close, *, n_val, tau=60):
    """Check the persistence and moving-average forecasts for the test days.

    For each test day `t` (from `n_val` to the end), persistence predicts
    yesterday's close, ``close[t - 1]``, and the moving average predicts the
    mean of the `tau` closes before `t`, ``close[t - tau : t]``.

    Args:
        persistence: the student's persistence forecasts, one per test day.
        moving_average: the student's moving-average forecasts, one per test day.
        close: the closing prices of the whole series (price units).
        n_val: the first test day.
        tau: the window of the moving average (default 60).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: wrong length, or a forecast that uses the day it predicts
            (or is shifted by a day); forecasts that are not finite numbers.
        ValueError: `close` is not an array of finite numbers, `tau` not a
            positive integer, or `n_val` not an integer from `tau` to
            ``len(close) - 1``.

    Example:
        >>> close = np.arange(10.0)
        >>> check_stock_baselines(close[7:9], [6.0, 7.0], close, n_val=8, tau=3)
        'Correct: both baselines forecast the 2 test days from earlier days only.'
    """
    close = _given_array(close, "close", min_size=2)
    tau = _integer(tau, "tau")
    n_val = _integer(n_val, "n_val")
    if not tau <= n_val < len(close):
        raise _validate.invalid("n_val", f"an integer from tau = {tau} to {len(close) - 1} (the "
                                f"first test day; the series has {len(close)} days)", n_val)
    days = np.arange(n_val, len(close))
    expected_p = close[days - 1]
    expected_m = np.array([close[t - tau:t].mean() for t in days])
    mistakes = {
        "persistence": [
            (close[days - 2], "`persistence` uses the close of two days before; it predicts "
                              "day t with day t-1.")] if n_val >= 2 else [],
        "moving_average": [
            (np.array([close[t - tau + 1:t + 1].mean() for t in days]),
             f"`moving_average` averages days t-{tau - 1}..t, which includes the day it "
             f"predicts; average the {tau} days t-{tau}..t-1.")],
    }
    for name, got, expected in (("persistence", persistence, expected_p),
                                ("moving_average", moving_average, expected_m)):
        got = _array(got, f"`{name}`", finite=False, empty=True).ravel()
        if got.shape != expected.shape:
            _fail(f"`{name}` should hold one forecast per test day ({len(expected)} days, "
                  f"from day {n_val} to {len(close) - 1}), got {got.size} values.")
        _finite(got, f"`{name}`")
        if _same(got, expected):
            continue
        _diagnose(got, [(close[days], f"`{name}` equals the actual closes of the test days: it "
                                      "uses the day it is predicting. Use only days before t."),
                        *mistakes[name]])
        bad = int(np.flatnonzero(~np.isclose(got, expected, rtol=1e-5))[0])
        _fail(f"`{name}` for test day {days[bad]} is {got[bad]:.4g}, expected {expected[bad]:.4g}.")
    return _ok(f"both baselines forecast the {len(days)} test days from earlier days only.")
