"""Feedback for exercises and labs: checks that say what is wrong.

Each ``check_*`` function takes a student's answer, raises `CheckFailed` with a
message that names the problem (a wrong shape, leaked future data, a metric
out of range) and what was expected, and returns a short "Correct" message
otherwise, so a notebook cell shows immediate, specific feedback.

The functions are grouped by notebook below.
"""

import numpy as _np

__all__ = [
    "CheckFailed",
    "check_bidirectional",
    "check_clip_gradients",
    "check_gru_step",
    "check_k_step_forecast",
    "check_lstm_step",
    "check_perplexity",
    "check_stacked_num_params",
    "check_vocab",
    "check_ising_crossing",
    "check_ising_labels",
    "check_ising_model",
    "check_stock_baselines",
    "check_stock_metrics",
    "check_stock_scaler",
    "check_stock_split",
    "check_stock_windows",
]


class CheckFailed(AssertionError):
    """A student's answer is wrong; the message says how."""


def _fail(message):
    raise CheckFailed(message)


def _ok(what):
    return f"Correct: {what}"



# ============================================================================
# Notebooks 01-04: sequences, tokenization, language models, RNNs
# ============================================================================
# Checks for the exercises of 01_sequences (a k-step forecast that feeds its own
# predictions back), 02_tokenization (a vocabulary built by hand), 03_language_models
# (perplexity from probabilities) and 04_rnn (gradient clipping by the global norm).


def check_k_step_forecast(forecast):
    """Check a function that forecasts `k` steps ahead by feeding predictions back.

    `forecast(predict, history, k, tau)` is given a one-step model `predict(window)`
    (a 1-D array of the last `tau` values, oldest first → the next value), the
    observed `history` (at least `tau` values), a horizon `k` and the window
    length `tau`, and returns the
    `k` predicted values: the first from the last `tau` observations, each later
    one from a window that ends with the predictions made so far.

    The check uses `tau = 2` and `predict(w) = w[-1] + 0.5 w[0]`, a model whose
    answer changes when the window is reversed, shifted or mixed with observations.

    Args:
        forecast: the student's function `forecast(predict, history, k, tau)`.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (wrong number of values, windows that
            never contain the predictions, a reversed window, a changed history).

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
    history = _np.array([1.0, 2.0, 3.0, 4.0])
    original = history.copy()
    calls = []

    def predict(window):
        window = _np.asarray(window, dtype=float).ravel()
        calls.append(window.copy())
        if window.shape != (tau,):
            _fail(f"`predict` was given a window of {window.size} values; the model takes the "
                  f"last tau = {tau} values, e.g. `predict(values[-{tau}:])`.")
        return window[-1] + 0.5 * window[0]

    result = _np.asarray(forecast(predict, history, k, tau), dtype=float).ravel()
    if not _np.array_equal(history, original):
        _fail("`forecast` changed the history it was given; copy it (e.g. `list(history)`) "
              "before appending predictions.")
    values = list(original)
    for _ in range(k):
        values.append(values[-1] + 0.5 * values[-2])
    expected = _np.array(values[len(original):])
    if result.shape != (k,):
        _fail(f"`forecast(predict, history, k={k}, tau={tau})` should return the {k} predicted values, "
              f"got {result.size} value(s). Return only the predictions, not the history.")
    if _np.allclose(result, expected):
        return _ok(f"{k} values, each predicted from a window that holds the previous "
                   "predictions.")
    # Which mistake? Predictions from observed windows only (one-step, repeated).
    if _np.allclose(result, _np.full(k, original[-1] + 0.5 * original[-2])):
        _fail("every prediction comes from the same window of observations: append each "
              "prediction to the values and take the next window from their end, so that "
              "later windows contain earlier predictions.")
    reversed_values = list(original)
    for _ in range(k):
        reversed_values.append(reversed_values[-2] + 0.5 * reversed_values[-1])
    if _np.allclose(result, reversed_values[len(original):]):
        _fail("the windows are reversed (newest value first); pass them oldest first, in "
              "the order of the series, as the model was trained.")
    bad = int(_np.flatnonzero(~_np.isclose(result, expected))[0])
    _fail(f"prediction {bad + 1} of {k} is {result[bad]:.4g}; expected {expected[bad]:.4g} "
          f"(history {original.tolist()}, one-step model w[-1] + 0.5 w[0]). The "
          "windows given to `predict` were: " + ", ".join(str(c.tolist()) for c in calls[:k]))


def check_vocab(token_to_idx, tokens):
    """Check a vocabulary built by hand: `<unk>` first, then by descending frequency.

    The rules of `d2lite.text.Vocab` (with `min_freq=0` and no reserved tokens):
    index 0 is `"<unk>"`; then every distinct token of `tokens`, the most frequent
    first, ties in alphabetical order; indices 0, 1, 2, ... without gaps.

    Args:
        token_to_idx: the student's dict mapping each token to its index.
        tokens: the tokens the vocabulary was built from (a flat list).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the first rule broken and the tokens involved.

    Example:
        >>> check_vocab({"<unk>": 0, "a": 1, "b": 2, "c": 3}, list("abacab"))
        "Correct: 4 entries: '<unk>' at 0, then 3 tokens by descending frequency."
    """
    import collections

    if not isinstance(token_to_idx, dict):
        _fail(f"expected a dict token -> index, got {type(token_to_idx).__name__}.")
    counts = collections.Counter(tokens)
    if token_to_idx.get("<unk>") != 0:
        _fail(f"'<unk>' should have index 0, got {token_to_idx.get('<unk>')!r}: unknown tokens "
              "map to index 0, so it must come first.")
    indices = sorted(token_to_idx.values())
    if indices != list(range(len(token_to_idx))):
        _fail(f"the indices should be 0, 1, ..., {len(token_to_idx) - 1} with no gaps or "
              f"repeats; got {len(set(indices))} distinct indices from {min(indices)} to "
              f"{max(indices)}.")
    missing = sorted(set(counts) - set(token_to_idx))
    if missing:
        _fail(f"{len(missing)} token(s) of the text are missing, e.g. {missing[:5]}.")
    extra = sorted(set(token_to_idx) - set(counts) - {"<unk>"})
    if extra:
        _fail(f"{len(extra)} entries are not tokens of the text, e.g. {extra[:5]}.")
    idx_to_token = sorted(token_to_idx, key=token_to_idx.get)[1:]
    for a, b in zip(idx_to_token, idx_to_token[1:]):
        if counts[a] < counts[b]:
            _fail(f"{a!r} (count {counts[a]}) comes before {b!r} (count {counts[b]}): "
                  "sort by descending frequency.")
        if counts[a] == counts[b] and a > b:
            _fail(f"{a!r} and {b!r} both occur {counts[a]} times; break ties alphabetically, "
                  f"so {b!r} comes first (sort by (-count, token)).")
    return _ok(f"{len(token_to_idx)} entries: '<unk>' at 0, then {len(counts)} tokens by "
               "descending frequency.")


def check_perplexity(perplexity):
    """Check a function `perplexity(probs)` of the probabilities given to the true tokens.

    .. math:: \\mathrm{PPL} = \\exp\\Big(-\\frac1n \\sum_{t=1}^n \\log p_t\\Big)

    Tried on known cases: a perfect model (every p = 1) scores 1, uniform guessing
    among 28 characters scores 28, and a mixed example must match the formula.

    Args:
        perplexity: the student's function taking a 1-D array of probabilities.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (a sum instead of a mean, base-2 logs,
            the arithmetic mean of 1/p, the inverse, a missing minus sign).

    Example:
        >>> check_perplexity(lambda p: float(np.exp(-np.mean(np.log(p)))))
        'Correct: 1 for a perfect model, 28 for guessing among 28 characters, and exp of the mean negative log-likelihood in general.'
    """
    p = _np.array([0.5, 0.25, 0.1, 0.8, 0.05])
    nll = -_np.log(p)
    right = float(_np.exp(nll.mean()))
    value = _number(perplexity, p)
    if not _np.isclose(value, right, rtol=1e-6):
        wrong = [(_np.exp(nll.sum()), "exp of the *sum* of the negative log-likelihoods; "
                                      "divide by the number of tokens first"),
                 (_np.mean(1 / p), "the arithmetic mean of 1/p; perplexity is the geometric "
                                   "mean"),
                 (1 / right, "1 / perplexity (the geometric mean of p); the minus sign is "
                             "missing"),
                 (_np.exp(-p.mean()), "exp of the mean probability; take logs first")]
        for wrong_value, what in wrong:
            if _np.isclose(value, wrong_value, rtol=1e-6):
                _fail(f"for p = {p.tolist()} you return {value:.4g}, which is {what}; "
                      f"expected {right:.4g}.")
        _fail(f"for p = {p.tolist()} the perplexity is exp(mean(-log p)) = {right:.4g}, got "
              f"{value:.4g}.")
    for probs, expected, what in [(_np.ones(6), 1.0, "a perfect model (every p = 1)"),
                                  (_np.full(10, 1 / 28), 28.0,
                                   "uniform guessing among 28 characters")]:
        value = _number(perplexity, probs)
        if not _np.isclose(value, expected, rtol=1e-6):
            _fail(f"for {what} the perplexity is {expected:g}, got {value:.4g}.")
    return _ok("1 for a perfect model, 28 for guessing among 28 characters, and exp of "
               "the mean negative log-likelihood in general.")


def _number(fn, probs):
    try:
        return float(fn(probs))
    except (TypeError, ValueError) as err:
        _fail(f"`perplexity` should return one number for a 1-D array of probabilities ({err}).")


def check_clip_gradients(clip):
    """Check a NumPy gradient-clipping function `clip(grads, theta)`.

    .. math:: \\mathbf g \\leftarrow \\min\\Big(1, \\frac{\\theta}{\\|\\mathbf g\\|}\\Big)\\,
              \\mathbf g, \\qquad \\|\\mathbf g\\| = \\sqrt{\\textstyle\\sum_W \\|\\mathbf g_W\\|^2}

    `grads` is a list of arrays (one per weight tensor); the norm is taken over all
    of them together (Keras's `global_clipnorm`).

    Args:
        clip: the student's function, returning a list of arrays of the same shapes.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (clipping each tensor on its own, clipping
            element-wise, scaling small gradients up, changing the inputs in place).

    Example:
        >>> def clip(grads, theta):
        ...     norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
        ...     return [g * min(1.0, theta / norm) for g in grads]
        >>> check_clip_gradients(clip)
        'Correct: all gradients are scaled together to a global norm of at most theta; small ones are left alone.'
    """
    grads = [_np.array([3.0, 4.0]), _np.array([[12.0]])]  # global norm 13
    originals = [g.copy() for g in grads]
    theta = 1.0
    result = clip(grads, theta)
    if any(not _np.array_equal(g, o) for g, o in zip(grads, originals)):
        _fail("`clip` changed the gradients it was given in place; return new arrays.")
    try:
        result = [_np.asarray(r, dtype=float) for r in result]
    except TypeError:
        _fail(f"`clip` should return a list of arrays, got {type(result).__name__}.")
    if len(result) != 2 or [r.shape for r in result] != [(2,), (1, 1)]:
        _fail("`clip` should return one array per gradient, with the same shapes "
              f"[(2,), (1, 1)]; got {[r.shape for r in result]}.")
    expected = [g / 13.0 for g in grads]
    if not all(_np.allclose(r, e) for r, e in zip(result, expected)):
        per_tensor = [_np.array([0.6, 0.8]), _np.array([[1.0]])]
        elementwise = [_np.array([1.0, 1.0]), _np.array([[1.0]])]
        if all(_np.allclose(r, e) for r, e in zip(result, per_tensor)):
            _fail("each tensor was clipped to norm theta on its own (Keras's `clipnorm`), "
                  "which changes the direction of the whole gradient. Compute one norm over "
                  "all tensors together and scale every tensor by the same factor.")
        if all(_np.allclose(r, e) for r, e in zip(result, elementwise)):
            _fail("the entries were clipped one by one (like np.clip / `clipvalue`), which "
                  "changes the direction. Scale all gradients by min(1, theta / ||g||).")
        _fail(f"grads {[g.tolist() for g in grads]} have global norm 13, so with theta = 1 "
              f"they become {[e.round(4).tolist() for e in expected]}; got "
              f"{[r.round(4).tolist() for r in result]}.")
    small = [_np.array([0.3, 0.4]), _np.array([[0.0]])]  # norm 0.5 < theta
    result = [_np.asarray(r, dtype=float) for r in clip(small, theta)]
    if not all(_np.allclose(r, s) for r, s in zip(result, small)):
        _fail("gradients whose global norm (0.5) is already below theta = 1 must be left "
              "alone; you scaled them (did you forget the min(1, ...)?). Got "
              f"{[r.tolist() for r in result]}.")
    return _ok("all gradients are scaled together to a global norm of at most theta; small "
               "ones are left alone.")


# ============================================================================
# Notebook 09: stock lab
# ============================================================================
# Checks for 09_stock_lab.ipynb: windows of past closes, a chronological split,
# a scaler fitted on the training part only, the two baselines and the metrics.



def _as_index_array(selection, n, name):
    """A slice, boolean mask or integer array over `n` windows, as integer positions."""
    if isinstance(selection, slice):
        return _np.arange(n)[selection]
    selection = _np.asarray(selection)
    if selection.dtype == bool:
        if selection.shape != (n,):
            _fail(f"`{name}` is a boolean mask of shape {selection.shape}; expected ({n},), "
                  "one entry per window.")
        return _np.flatnonzero(selection)
    if selection.ndim != 1 or not _np.issubdtype(selection.dtype, _np.integer):
        _fail(f"`{name}` should be a slice, a boolean mask or a 1-D array of window "
              f"positions, got an array of dtype {selection.dtype} and shape {selection.shape}.")
    return selection


def check_stock_windows(make_windows, tau=60):
    """Check a function that cuts a series into (past `tau` values, next value) pairs.

    The function is called on a short series whose values are their own
    time steps plus 1000, so a wrong window says exactly which days it holds.

    Args:
        make_windows: the student's function `make_windows(series, tau)` that
            returns `(X, y)` with `X[i] = series[i : i + tau]` and
            `y[i] = series[i + tau]`.
        tau: the window length (default 60).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: with the problem (wrong count, label inside the window,
            windows shifted, wrong shape) and what was expected.

    Example:
        >>> check_stock_windows(lambda s, tau: (np.stack([s[i:i + tau]
        ...     for i in range(len(s) - tau)]), s[tau:]), tau=3)
        'Correct: 4 windows of 3 past values from a series of 7, each labelled with the next value.'
    """
    length = tau + 4
    series = 1000.0 + _np.arange(length)
    original = series.copy()
    result = make_windows(series, tau)
    if not _np.array_equal(series, original):
        _fail("make_windows changed the series it was given; build new arrays instead.")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        _fail(f"make_windows should return a pair (X, y), got {type(result).__name__}.")
    X, y = (_np.asarray(a, dtype=float) for a in result)
    if X.ndim == 3 and X.shape[-1] == 1:
        X = X[..., 0]
    if y.ndim == 2 and y.shape[-1] == 1:
        y = y[:, 0]
    expected_n = length - tau
    if X.ndim != 2 or X.shape[1] != tau:
        _fail(f"X should have shape (number of windows, tau) = ({expected_n}, {tau}) for a "
              f"series of {length}, got {X.shape}.")
    if X.shape[0] == expected_n + 1:
        _fail(f"{X.shape[0]} windows from a series of {length} with tau={tau}: one too many. "
              "The last window has no next value to predict, so there are T - tau windows.")
    if X.shape[0] != expected_n or y.shape != (expected_n,):
        _fail(f"expected {expected_n} windows (T - tau for T={length}, tau={tau}) and "
              f"{expected_n} labels, got X of shape {X.shape} and y of shape {y.shape}.")
    days = X[0] - 1000.0
    if not _np.array_equal(X[0], series[:tau]):
        _fail(f"the first window should hold days 0..{tau - 1}, it holds days "
              f"{days[0]:g}..{days[-1]:g}.")
    if y[0] == series[tau - 1]:
        _fail(f"the label of the first window is day {tau - 1}, which is inside the window: "
              f"the model would be shown the answer. The label is the next day, {tau}.")
    expected_X = _np.stack([series[i:i + tau] for i in range(expected_n)])
    if not _np.array_equal(X, expected_X):
        bad = int(_np.flatnonzero(~(X == expected_X).all(axis=1))[0])
        _fail(f"window {bad} should hold days {bad}..{bad + tau - 1}, it holds "
              f"{X[bad, 0] - 1000:g}..{X[bad, -1] - 1000:g}.")
    if not _np.array_equal(y, series[tau:]):
        bad = int(_np.flatnonzero(y != series[tau:])[0])
        _fail(f"the label of window {bad} should be day {bad + tau}, got day {y[bad] - 1000:g}.")
    return _ok(f"{expected_n} windows of {tau} past values from a series of {length}, "
               "each labelled with the next value.")


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
            part (leaking the future into training) or are simply wrong.

    Example:
        >>> close = np.array([1.0, 2.0, 3.0, 10.0])
        >>> check_stock_scaler((1.5, 0.5), close, n_train=2)
        'Correct: the scaler knows only the first 2 days.'
    """
    series = _np.asarray(series, dtype=float).ravel()
    if not 0 < n_train < len(series):
        _fail(f"n_train should be between 1 and {len(series) - 1}, got {n_train}.")
    if hasattr(scaler, "data_min_") and hasattr(scaler, "data_max_"):
        kind = "min and max"
        fitted = (float(_np.ravel(scaler.data_min_)[0]), float(_np.ravel(scaler.data_max_)[0]))
        # Statistics of every leading part series[:k], k = 1..T, for each ddof accepted.
        prefix = [(_np.minimum.accumulate(series), _np.maximum.accumulate(series))]
    else:
        kind = "mean and standard deviation"
        if hasattr(scaler, "mean_") and hasattr(scaler, "scale_"):
            fitted = (float(_np.ravel(scaler.mean_)[0]), float(_np.ravel(scaler.scale_)[0]))
        elif hasattr(scaler, "fit"):
            _fail("the scaler has not been fitted yet (or is not a StandardScaler or "
                  "MinMaxScaler): call scaler.fit(train_part) first.")
        else:
            try:
                fitted = tuple(float(v) for v in scaler)
            except (TypeError, ValueError):
                fitted = ()
            if len(fitted) != 2:
                _fail(f"expected a fitted scaler or a pair (mean, std), got {scaler!r}.")
        k = _np.arange(1, len(series) + 1)
        mean = _np.cumsum(series) / k
        squares = _np.maximum(_np.cumsum(series ** 2) - k * mean ** 2, 0.0)
        prefix = [(mean, _np.sqrt(squares / k)),
                  (mean, _np.sqrt(squares / _np.maximum(k - 1, 1)))]

    def close_to(first, second):
        return (_np.isclose(first, fitted[0], rtol=1e-4, atol=1e-8)
                & _np.isclose(second, fitted[1], rtol=1e-4, atol=1e-8))

    leading = _np.zeros(len(series), dtype=bool)  # leading[k - 1]: matches series[:k]
    for first, second in prefix:
        leading |= close_to(first, second)
    if leading[n_train - 1]:
        return _ok(f"the scaler knows only the first {n_train} days.")
    if leading[-1]:
        _fail(f"the scaler's {kind} come from the whole series, test period included: "
              "the future leaks into training (through the scaling, the model is told how "
              f"high prices will go). Fit it on the first {n_train} days only.")
    later = _np.flatnonzero(leading[n_train:])
    if later.size:
        end = n_train + 1 + int(later[0])
        _fail(f"the scaler's {kind} come from the first {end} days, {end - n_train} day(s) "
              f"past the training part: fit it on the first {n_train} days only.")
    rest = series[n_train:]
    if any(_np.allclose(fitted, s, rtol=1e-4) for s in
           [(rest.min(), rest.max()), (rest.mean(), rest.std()), (rest.mean(), rest.std(ddof=1))]):
        _fail(f"the scaler's {kind} come from the days after the training part. Fit it on "
              f"the first {n_train} days only.")
    _fail(f"the scaler's {kind} {tuple(round(v, 4) for v in fitted)} do not match the first "
          f"{n_train} days (the training part) or any other leading part of the series.")


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
            lets training windows predict days of a later period.

    Example:
        >>> day = np.arange(3, 3 + 17)   # tau=3, 20 days, 17 windows
        >>> check_stock_split(day < 10, (day >= 10) & (day < 15), day >= 15,
        ...                   tau=3, n_train=10, n_val=15, num_windows=17)
        'Correct: 7 training, 5 validation and 5 test windows, in time order.'
    """
    parts = {"train": train, "val": val, "test": test}
    idx = {k: _as_index_array(v, num_windows, k) for k, v in parts.items()}
    for name, positions in idx.items():
        if len(positions) == 0:
            _fail(f"`{name}` selects no window.")
        if positions.min() < 0 or positions.max() >= num_windows:
            _fail(f"`{name}` holds window positions outside 0..{num_windows - 1}.")
        if _np.any(_np.diff(positions) <= 0):
            _fail(f"`{name}` is not in time order: a random split puts days of the future in "
                  "the training set. Split by the day each window predicts, without shuffling.")
    every = _np.concatenate(list(idx.values()))
    if len(_np.unique(every)) < len(every):
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
        "train": _np.arange(0, n_train - tau),
        "val": _np.arange(n_train - tau, n_val - tau),
        "test": _np.arange(n_val - tau, num_windows),
    }
    for name in ("train", "val", "test"):
        if not _np.array_equal(idx[name], expected[name]):
            _fail(f"`{name}` should be the {len(expected[name])} windows predicting days "
                  f"{expected[name][0] + tau}..{expected[name][-1] + tau}, got "
                  f"{len(idx[name])} predicting days {day[name][0]}..{day[name][-1]}.")
    return _ok(f"{len(idx['train'])} training, {len(idx['val'])} validation and "
               f"{len(idx['test'])} test windows, in time order.")


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
            (or is shifted by a day).

    Example:
        >>> close = np.arange(10.0)
        >>> check_stock_baselines(close[7:9], [6.0, 7.0], close, n_val=8, tau=3)
        'Correct: both baselines forecast the 2 test days from earlier days only.'
    """
    close = _np.asarray(close, dtype=float).ravel()
    days = _np.arange(n_val, len(close))
    expected_p = close[days - 1]
    expected_m = _np.array([close[t - tau:t].mean() for t in days])
    for name, got, expected in (("persistence", persistence, expected_p),
                                ("moving_average", moving_average, expected_m)):
        got = _np.asarray(got, dtype=float).ravel()
        if got.shape != expected.shape:
            _fail(f"`{name}` should hold one forecast per test day ({len(expected)} days, "
                  f"from day {n_val} to {len(close) - 1}), got {got.size} values.")
        if _np.allclose(got, expected, rtol=1e-5):
            continue
        if _np.allclose(got, close[days], rtol=1e-5):
            _fail(f"`{name}` equals the actual closes of the test days: it uses the day it "
                  "is predicting. Use only days before t.")
        if name == "moving_average":
            including = _np.array([close[t - tau + 1:t + 1].mean() for t in days])
            if _np.allclose(got, including, rtol=1e-5):
                _fail(f"`{name}` averages days t-{tau - 1}..t, which includes the day it "
                      f"predicts; average the {tau} days t-{tau}..t-1.")
        elif _np.allclose(got, close[days - 2], rtol=1e-5):
            _fail("`persistence` uses the close of two days before; it predicts day t with day t-1.")
        bad = int(_np.flatnonzero(~_np.isclose(got, expected, rtol=1e-5))[0])
        _fail(f"`{name}` for test day {days[bad]} is {got[bad]:.4g}, expected {expected[bad]:.4g}.")
    return _ok(f"both baselines forecast the {len(days)} test days from earlier days only.")


def check_stock_metrics(rmse, mae):
    """Check functions `rmse(y_true, y_pred)` and `mae(y_true, y_pred)`.

    .. math:: \\mathrm{RMSE} = \\sqrt{\\tfrac1n \\sum_i (y_i - \\hat y_i)^2}, \\qquad
              \\mathrm{MAE} = \\tfrac1n \\sum_i |y_i - \\hat y_i|

    They are tried on small arrays with known answers, including a prediction
    of shape `(n, 1)` (what `model.predict` returns) against targets of shape
    `(n,)`.

    Args:
        rmse: the student's root-mean-squared-error function.
        mae: the student's mean-absolute-error function.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (no square root, a sum instead of a
            mean, signed errors that cancel, an (n, n) broadcast).

    Example:
        >>> check_stock_metrics(lambda y, p: np.sqrt(np.mean((np.ravel(y) - np.ravel(p)) ** 2)),
        ...                     lambda y, p: np.mean(np.abs(np.ravel(y) - np.ravel(p))))
        'Correct: RMSE and MAE give the right values, in the units of the prices.'
    """
    # Errors of both signs (so signed errors cancel) and predictions correlated with
    # the targets (so an (n, n) broadcast changes the RMSE too).
    y = _np.array([1.0, 2.0, 3.0, 4.0])
    p = _np.array([1.5, 2.5, 2.0, 5.5])
    err = y - p
    right = {"rmse": _np.sqrt(_np.mean(err ** 2)), "mae": _np.mean(_np.abs(err))}
    wrong = {
        "rmse": [(_np.mean(err ** 2), "the mean squared error: the square root is missing "
                                      "(RMSE is in price units, MSE in squared units)"),
                 (_np.sqrt(_np.sum(err ** 2)), "a sum, not a mean, under the square root"),
                 (_np.mean(_np.abs(err)), "the MAE")],
        "mae": [(_np.mean(err), "the mean of the signed errors, which cancel; take the "
                                "absolute value first"),
                (-_np.mean(err), "the mean of the signed errors, which cancel; take the "
                                 "absolute value first"),
                (_np.sum(_np.abs(err)), "a sum, not a mean"),
                (right["rmse"], "the RMSE")],
    }
    for name, fn in (("rmse", rmse), ("mae", mae)):
        try:
            value = float(fn(y, p))
        except (TypeError, ValueError) as err_:
            _fail(f"`{name}(y_true, y_pred)` did not return one number ({err_}).")
        if not _np.isclose(value, right[name]):
            for wrong_value, what in wrong[name]:
                if _np.isclose(value, wrong_value):
                    _fail(f"`{name}` returned {value:.4g}, which is {what}; expected "
                          f"{right[name]:.4g}.")
            _fail(f"`{name}` returned {value:.4g} for y_true={y.tolist()}, "
                  f"y_pred={p.tolist()}; expected {right[name]:.4g}.")
        try:
            column = float(fn(y, p[:, None]))
        except (TypeError, ValueError) as err_:
            _fail(f"`{name}` fails when y_pred has shape (n, 1), as model.predict returns "
                  f"({err_}); flatten both arguments with np.ravel.")
        if not _np.isclose(column, right[name]):
            _fail(f"`{name}(y_true, y_pred)` gives {column:.4g} when y_pred has shape (n, 1), "
                  "as model.predict returns: (n,) minus (n, 1) broadcasts to an (n, n) "
                  "matrix of every pair. Flatten both arguments with np.ravel first.")
    return _ok("RMSE and MAE give the right values, in the units of the prices.")


# ============================================================================
# Notebook 10: Ising lab
# ============================================================================
# Checks for 10_ising_lab.ipynb: the ordered/disordered labels and the
# temperatures kept for training, the RNN that reads a lattice row by row, and
# the interpolated 0.5 crossing that estimates T_c.


_ISING_TC = 2.0 / _np.log1p(_np.sqrt(2.0))  # Onsager's T_c, as d2lite.ising.CRITICAL_TEMPERATURE


def check_ising_labels(labels, train_mask, temperatures, *, gap):
    """Check the lab's labels (1 = ordered, T < T_c) and the mask of training temperatures.

    Args:
        labels: one label per configuration, 1 (or True) for T < T_c, else 0.
        train_mask: one boolean per configuration, True where |T - T_c| > `gap`:
            the temperatures the classifier may be trained on.
        temperatures: the temperature of each configuration.
        gap: the half-width of the window around T_c left out of training.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: labels flipped or switching at the wrong temperature,
            a mask that keeps temperatures near T_c or drops far ones, wrong shapes.

    Example:
        >>> T = np.array([1.0, 2.2, 2.3, 3.0])
        >>> check_ising_labels(T < 2.269, np.abs(T - 2.269) > 0.1, T, gap=0.1)
        'Correct: 2 ordered and 2 disordered configurations; training on 2 of 4 temperatures, 2 held out within 0.1 of T_c.'
    """
    T = _np.asarray(temperatures, dtype=float).ravel()
    expected = T < _ISING_TC
    y = _np.asarray(labels)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != T.shape:
        _fail(f"`labels` should hold one label per configuration, shape {T.shape}, got {y.shape}.")
    if not _np.all((y == 0) | (y == 1)):
        _fail("`labels` should be 0 (disordered) or 1 (ordered), got values "
              f"{_np.unique(y)[:5].tolist()}.")
    y = y.astype(bool)
    if _np.array_equal(y, ~expected):
        _fail("the labels are flipped: 1 should mean ordered, i.e. T < T_c "
              f"= {_ISING_TC:.4f}.")
    if not _np.array_equal(y, expected):
        bad = _np.unique(T[y != expected])
        _fail(f"labels are wrong at T = {', '.join(f'{t:.3f}' for t in bad[:4])}: a configuration "
              f"is ordered (1) exactly when T < T_c = {_ISING_TC:.4f}, Onsager's "
              "2 / ln(1 + sqrt 2).")
    mask = _np.asarray(train_mask)
    if mask.shape != T.shape or mask.dtype != bool:
        _fail(f"`train_mask` should be a boolean array of shape {T.shape}, got dtype {mask.dtype} "
              f"and shape {mask.shape}.")
    far = _np.abs(T - _ISING_TC) > gap
    if far.any() and _np.array_equal(mask, ~far):
        _fail(f"`train_mask` selects the temperatures near T_c; it should keep those farther "
              f"than {gap} from T_c and leave out the ones near it.")
    if (mask & ~far).any():
        t = T[mask & ~far][0]
        _fail(f"`train_mask` keeps T = {t:.3f}, within {gap} of T_c = {_ISING_TC:.3f}: those "
              "temperatures must stay out of training (|T - T_c| > gap).")
    if (~mask & far).any():
        t = T[~mask & far][0]
        _fail(f"`train_mask` leaves out T = {t:.3f}, which is farther than {gap} from T_c; "
              "keep every temperature with |T - T_c| > gap.")
    kept, held = len(_np.unique(T[mask])), len(_np.unique(T[~mask]))
    return _ok(f"{int(y.sum())} ordered and {int((~y).sum())} disordered configurations; "
               f"training on {kept} of {kept + held} temperatures, {held} held out within "
               f"{gap} of T_c.")


def check_ising_model(model, L=10):
    """Check a classifier that reads an L×L lattice as L time steps of L spins.

    The model is called on two random lattices (it need not be trained).

    Args:
        model: a Keras model taking inputs of shape `(batch, L, L)`.
        L: the lattice side (default 10).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: no recurrent layer, a recurrent layer that reads other
            sequences than the L rows, or outputs that are not one probability
            per lattice.

    Example:
        >>> model = keras.Sequential([keras.Input((10, 10)), keras.layers.GRU(4),
        ...                           keras.layers.Dense(1, activation="sigmoid")])
        >>> check_ising_model(model)
        'Correct: the model reads 10 rows of 10 spins and gives one probability per lattice.'
    """
    import keras

    spins = _np.where(_np.random.default_rng(0).random((2, L, L)) < 0.5, 1.0, -1.0)
    try:
        out = _np.asarray(keras.ops.convert_to_numpy(model(spins.astype("float32"))))
    except Exception as err:  # whatever the backend raises for a shape mismatch
        _fail(f"the model cannot take a batch of lattices of shape (batch, {L}, {L}): {err}")
    if out.shape not in ((2, 1), (2,)):
        _fail(f"for 2 lattices the model returned shape {out.shape}; expected (2, 1): one "
              "probability of 'ordered' per lattice (end with Dense(1, activation='sigmoid')).")
    if not _np.all((out >= 0) & (out <= 1)):
        _fail(f"the model returned {out.ravel().round(3).tolist()}, which are not probabilities: "
              "end with Dense(1, activation='sigmoid').")
    recurrent = [layer for layer in model.layers
                 if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))]
    if not recurrent:
        _fail("the model has no recurrent layer: the lab reads the lattice as a sequence, "
              "e.g. keras.layers.RNN(d2lite.layers.GRUCell(units)).")
    shape = tuple(recurrent[0].input.shape[1:])
    if shape != (L, L):
        _fail(f"the recurrent layer reads sequences of shape {shape}; expected ({L}, {L}): "
              f"{L} time steps (the rows), each a vector of {L} spins.")
    return _ok(f"the model reads {L} rows of {L} spins and gives one probability per lattice.")


def check_ising_crossing(crossing):
    """Check `crossing(temperatures, probabilities)`, the T where a falling curve passes 0.5.

    It should interpolate linearly between the last temperature with
    probability >= 0.5 and the first one below 0.5.

    Args:
        crossing: the student's function; arguments are 1-D arrays, temperatures
            increasing and probabilities falling from about 1 to about 0.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: a wrong value, with the curve it was tried on and the
            expected answer (e.g. a grid temperature instead of an interpolation).

    Example:
        >>> def crossing(t, p):
        ...     i = np.flatnonzero(p < 0.5)[0]
        ...     return t[i - 1] + (p[i - 1] - 0.5) / (p[i - 1] - p[i]) * (t[i] - t[i - 1])
        >>> check_ising_crossing(crossing)
        'Correct: the 0.5 crossing is interpolated between the two temperatures around it.'
    """
    cases = [  # (temperatures, probabilities, crossing)
        ([1.0, 2.0, 3.0, 4.0], [1.0, 0.8, 0.2, 0.0], 2.5),
        ([1.0, 2.0, 3.0, 4.0, 5.0], [0.99, 0.9, 0.6, 0.2, 0.01], 3.25),
        ([2.0, 2.5, 3.0], [0.9, 0.5, 0.1], 2.5),
        ([1.0, 1.5, 2.0, 2.5, 3.0], [1.0, 0.98, 0.7, 0.45, 0.0], 2.0 + 0.5 * 0.2 / 0.25),
    ]
    for t, p, expected in cases:
        t, p = _np.array(t), _np.array(p)
        try:
            got = float(crossing(t.copy(), p.copy()))
        except Exception as err:
            _fail(f"crossing(temperatures={t.tolist()}, probabilities={p.tolist()}) raised "
                  f"{type(err).__name__}: {err}")
        if _np.isclose(got, expected, atol=1e-9):
            continue
        hint = ""
        if _np.any(_np.isclose(got, t)):
            hint = (" You returned a grid temperature: interpolate linearly between the two "
                    "temperatures where the probability passes 0.5.")
        _fail(f"crossing(temperatures={t.tolist()}, probabilities={p.tolist()}) returned "
              f"{got:.4g}, expected {expected:.4g}.{hint}")
    return _ok("the 0.5 crossing is interpolated between the two temperatures around it.")


# ============================================================================
# Notebooks 07-08: bidirectional and deep RNNs
# ============================================================================
# Checks for 07_bidirectional.ipynb (a bidirectional RNN written with two loops)
# and 08_deep_rnn.ipynb (the parameter count of a stacked language model).

import numpy as _np  # noqa: E402 (this section is appended to the module)


def _tanh_step(seed, d, h):
    """A tanh RNN step (x_t, H) -> H' with fixed random weights, for the checks."""
    rng = _np.random.default_rng(seed)
    W, U, b = rng.normal(size=(d, h)), rng.normal(scale=0.5, size=(h, h)), rng.normal(size=h)
    return lambda x, H: _np.tanh(_np.asarray(x) @ W + _np.asarray(H) @ U + b)


def _run_loop(step, X, H, times):
    """States of `step` visited in the order `times`, stored in that order."""
    states = []
    for t in times:
        H = step(X[:, t], H)
        states.append(H)
    return _np.stack(states, axis=1)


def check_bidirectional(bidirectional):
    """Check a from-scratch bidirectional RNN, `bidirectional(forward_step, backward_step, X, H0)`.

    .. math:: \\overrightarrow{\\mathbf H}_t = f(\\mathbf X_t, \\overrightarrow{\\mathbf H}_{t-1}),
              \\qquad
              \\overleftarrow{\\mathbf H}_t = g(\\mathbf X_t, \\overleftarrow{\\mathbf H}_{t+1}),
              \\qquad
              \\mathbf H_t = [\\overrightarrow{\\mathbf H}_t ; \\overleftarrow{\\mathbf H}_t]

    `forward_step(X_t, H)` and `backward_step(X_t, H)` compute one step of two
    RNNs with their own weights (inputs `(batch, d)` and `(batch, h)`, output
    `(batch, h)`); `X` has shape `(batch, T, d)`; both directions start from
    `H0`, of shape `(batch, h)`: the forward one before step 1, the backward one
    after step T. The answer has shape `(batch, T, 2h)`, the forward state
    first (Keras's `Bidirectional(merge_mode="concat")`).

    Args:
        bidirectional: the student's function.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (concatenation along time, the halves
            swapped, the backward states left in reversed order, a backward loop
            that runs forwards, the forward step used twice, the backward RNN
            started from the forward one's last state, `H0` ignored).

    Example:
        >>> def bidirectional(forward_step, backward_step, X, H0):
        ...     T = X.shape[1]
        ...     H, forward = H0, []
        ...     for t in range(T):
        ...         H = forward_step(X[:, t], H)
        ...         forward.append(H)
        ...     H, backward = H0, [None] * T
        ...     for t in reversed(range(T)):
        ...         H = backward_step(X[:, t], H)
        ...         backward[t] = H
        ...     return np.concatenate([np.stack(forward, 1), np.stack(backward, 1)], axis=-1)
        >>> check_bidirectional(bidirectional)
        'Correct: H_t = [forward H_t ; backward H_t], the backward state at t summarising X_t, ..., X_T.'
    """
    n, T, d, h = 2, 5, 3, 2
    forward_step, backward_step = _tanh_step(70, d, h), _tanh_step(71, d, h)
    rng = _np.random.default_rng(72)
    X = rng.normal(size=(n, T, d))
    H0 = rng.normal(scale=0.5, size=(n, h))
    X_given, H0_given = X.copy(), H0.copy()
    try:
        result = bidirectional(forward_step, backward_step, X_given, H0_given)
        result = _np.asarray(result, dtype=float)
    except CheckFailed:
        raise
    except Exception as err:  # whatever a student's code raises
        _fail(f"bidirectional(forward_step, backward_step, X, H0) with X of shape {X.shape} and "
              f"H0 of shape {H0.shape} raised {type(err).__name__}: {err}")
    if not (_np.array_equal(X_given, X) and _np.array_equal(H0_given, H0)):
        _fail("your function changed X or H0 in place; reverse with a view or a copy "
              "(X[:, ::-1] or np.flip(X, axis=1)) instead of assigning into X.")

    forward = _run_loop(forward_step, X, H0, range(T))
    backward = _run_loop(backward_step, X, H0, reversed(range(T)))[:, ::-1]
    right = _np.concatenate([forward, backward], axis=-1)
    if result.shape == (n, 2 * T, h):
        _fail(f"the result has shape {result.shape}: the two directions were stacked along "
              f"the time axis. Concatenate them along the features (axis=-1) to get "
              f"(batch, T, 2h) = {right.shape}.")
    if result.shape == (n, T, h):
        if _np.allclose(result, forward + backward) or _np.allclose(result, forward):
            _fail(f"the result has shape {result.shape}, one state per step: you kept one "
                  "direction or summed them. Concatenate [forward ; backward] along the "
                  f"features to get shape {right.shape}.")
        _fail(f"the result has shape {result.shape}; expected (batch, T, 2h) = {right.shape}, "
              "the two directions concatenated along the features.")
    if result.shape != right.shape:
        _fail(f"the result has shape {result.shape}; expected (batch, T, 2h) = {right.shape} "
              f"for X of shape {X.shape} and h = {h}.")
    if _np.allclose(result, right, atol=1e-6):
        return _ok("H_t = [forward H_t ; backward H_t], the backward state at t summarising "
                   "X_t, ..., X_T.")

    first, second = result[..., :h], result[..., h:]
    if _np.allclose(first, backward, atol=1e-6) and _np.allclose(second, forward, atol=1e-6):
        _fail("the halves are swapped: put the forward state first, [forward ; backward], "
              "as Keras's Bidirectional does.")
    if not _np.allclose(first, forward, atol=1e-6):
        if _np.allclose(first, _run_loop(forward_step, X, _np.zeros_like(H0), range(T)),
                        atol=1e-6):
            _fail("the forward RNN starts from zeros; start it from H0.")
        _fail("the first half (the forward RNN) is wrong: it should be H_t = "
              "forward_step(X[:, t], H_{t-1}) for t = 0, ..., T-1, starting from H0.")
    wrong = [
        (backward[:, ::-1], "the backward states are in reversed time order: the state "
                            "computed first belongs to the last step. Flip them back "
                            "(e.g. [:, ::-1]) so that position t holds the state after "
                            "reading X_T, ..., X_t."),
        (_run_loop(backward_step, X, H0, range(T)),
         "the backward RNN reads the sequence forwards (t = 0, 1, ...); loop over "
         "reversed(range(T)), or run it on X[:, ::-1] and flip its states back."),
        (_run_loop(forward_step, X, H0, reversed(range(T)))[:, ::-1],
         "the backward direction uses forward_step: the two directions have their own "
         "weights, so call backward_step."),
        (_run_loop(backward_step, X, forward[:, -1], reversed(range(T)))[:, ::-1],
         "the backward RNN starts from the forward RNN's last state; both directions start "
         "from H0 (reset H before the backward loop)."),
        (_run_loop(backward_step, X, _np.zeros_like(H0), reversed(range(T)))[:, ::-1],
         "the backward RNN starts from zeros; start it from H0."),
        (_run_loop(backward_step, X[::-1], H0, reversed(range(T)))[:, ::-1],
         "the sequence was reversed along the batch axis (X[::-1]); reverse time, X[:, ::-1]."),
    ]
    for candidate, message in wrong:
        if _np.allclose(second, candidate, atol=1e-6):
            _fail(message)
    bad = int(_np.flatnonzero(~_np.isclose(second, backward, atol=1e-6).all(axis=(0, 2)))[0])
    _fail(f"the second half (the backward RNN) is wrong from time step {bad} on: it should "
          "be H_t = backward_step(X[:, t], H_{t+1}) for t = T-1, ..., 0, starting from H0, "
          "stored at position t.")


_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def _lm_params(V, h, L, cell, gates=None, first_input=None, other_input=None,
               recurrent=True, rnn_bias=True, output=True, output_bias=True):
    """Parameter count of `training.language_model`, with switches for common mistakes."""
    g = _GATES[cell] if gates is None else gates
    d1 = V if first_input is None else first_input
    dl = h if other_input is None else other_input

    def layer(d):
        return g * (d * h + (h * h if recurrent else 0) + (h if rnn_bias else 0))

    total = layer(d1) + (L - 1) * layer(dl)
    if output:
        total += h * V + (V if output_bias else 0)
    return total


def check_stacked_num_params(num_params):
    """Check `num_params(vocab_size, units, num_layers, cell)`, the size of a stacked language model.

    The model is `d2lite.training.language_model(vocab_size, cell, units,
    num_layers)`: one-hot inputs, `num_layers` recurrent layers of `units`
    (with dropout between them, which has no parameters) and a `Dense`
    output layer over the vocabulary. With g = 1, 3, 4 gates for "rnn",
    "gru", "lstm", layer 1 reads the |V| one-hot features and layer l > 1 the
    h states of the layer below:

    .. math:: g(|V|h + h^2 + h) + (L - 1)\\, g(h \\cdot h + h^2 + h) + (h|V| + |V|).

    Args:
        num_params: the student's function, returning an integer.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake for the first configuration that is
            wrong (every layer reading the one-hot input, one layer counted,
            the gates forgotten, the output layer or the biases left out).

    Example:
        >>> def num_params(vocab_size, units, num_layers, cell):
        ...     g = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
        ...     V, h = vocab_size, units
        ...     per_layer = [g * (d * h + h * h + h) for d in [V] + [h] * (num_layers - 1)]
        ...     return sum(per_layer) + h * V + V
        >>> check_stacked_num_params(num_params)
        'Correct: g(|V|h + h^2 + h) for layer 1, g(2h^2 + h) for each layer above it, and h|V| + |V| for the output layer.'
    """
    cases = [(28, 256, 1, "rnn"), (28, 128, 2, "gru"), (28, 128, 3, "lstm"),
             (40, 64, 4, "gru"), (28, 32, 3, "rnn")]
    for V, h, L, cell in cases:
        call = f"num_params(vocab_size={V}, units={h}, num_layers={L}, cell={cell!r})"
        try:
            got = num_params(V, h, L, cell)
        except Exception as err:  # whatever a student's code raises
            _fail(f"{call} raised {type(err).__name__}: {err}")
        if isinstance(got, bool) or not isinstance(got, (int, _np.integer)) and not (
            isinstance(got, (float, _np.floating)) and float(got).is_integer()
        ):
            _fail(f"{call} returned {got!r}; a parameter count is an integer.")
        got = int(got)
        right = _lm_params(V, h, L, cell)
        if got == right:
            continue
        g = _GATES[cell]
        mistakes = [
            (_lm_params(V, h, L, cell, other_input=V),
             f"every layer was counted as reading the {V} one-hot features; layer l > 1 reads "
             f"the {h} hidden states of the layer below, so its kernel is h x {g}h."),
            (_lm_params(V, h, 1, cell), "only one recurrent layer was counted; add one per "
                                         "layer (num_layers in all)."),
            (_lm_params(V, h, L, cell, gates=1),
             f"the gates were forgotten: a {cell.upper()} layer has {g} blocks (its kernel, "
             f"recurrent kernel and bias are {g} times wider than a simple RNN's)."),
            (_lm_params(V, h, L, cell, output=False),
             f"the output layer is missing: Dense({V}) on h = {h} features has h|V| + |V| "
             "parameters."),
            (_lm_params(V, h, L, cell, output_bias=False),
             f"the output layer's bias (|V| = {V} parameters) is missing."),
            (_lm_params(V, h, L, cell, rnn_bias=False),
             "the recurrent layers' biases are missing: each has g*h of them."),
            (_lm_params(V, h, L, cell, recurrent=False),
             "the recurrent kernels (h x gh, hidden to hidden) are missing."),
        ]
        for value, message in mistakes:
            if got == value:
                _fail(f"{call} returned {got:,}, expected {right:,}: {message}")
        _fail(f"{call} returned {got:,}, expected {right:,}. Count g(d h + h^2 + h) for each "
              f"recurrent layer (d = {V} for the first, h = {h} above it; g = {g} for "
              f"{cell!r}) plus h|V| + |V| for the output layer.")
    return _ok("g(|V|h + h^2 + h) for layer 1, g(2h^2 + h) for each layer above it, and "
               "h|V| + |V| for the output layer.")


# ============================================================================
# Notebooks 05-06: GRU and LSTM
# ============================================================================
# Checks for the exercises of 05_gru (one GRU step in NumPy from Keras's fused weights)
# and 06_lstm (one LSTM step in NumPy from Keras's fused weights). Each wrong answer that
# students commonly write (a gate order, the reset gate in the wrong place, a swapped
# convention) is computed too, so that the message can name it.

import numpy as _np  # noqa: E402 (this section is appended to the module)


def _gates_sigmoid(a):
    return 1.0 / (1.0 + _np.exp(-a))


def _gates_cases(gates, seed):
    """Two sets of random inputs and fused weights: (X, H_prev, C_prev, kernel, rec, bias).

    Different sizes, so that a function with sizes written into it fails the second.
    """
    rng = _np.random.default_rng(seed)
    cases = []
    for batch, features, units in ((2, 4, 3), (1, 2, 5)):
        cases.append((rng.normal(size=(batch, features)),
                      rng.normal(size=(batch, units)),
                      rng.normal(size=(batch, units)),
                      rng.normal(scale=0.8, size=(features, gates * units)),
                      rng.normal(scale=0.8, size=(units, gates * units)),
                      rng.normal(scale=0.8, size=(gates * units,))))
    return cases


def _gates_array(value, what):
    try:
        return _np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        _fail(f"{what} should be an array, got {type(value).__name__} ({err}).")


def _gru_variants(X, H, kernel, rec, bias):
    """The right GRU step and the wrong ones, each as (H_t, what is wrong)."""
    u = H.shape[1]
    W_xz, W_xr, W_xh = _np.split(kernel, 3, axis=1)
    W_hz, W_hr, W_hh = _np.split(rec, 3, axis=1)
    b_z, b_r, b_h = _np.split(bias, 3)
    Z = _gates_sigmoid(X @ W_xz + H @ W_hz + b_z)
    R = _gates_sigmoid(X @ W_xr + H @ W_hr + b_r)
    H_tilde = _np.tanh(X @ W_xh + (R * H) @ W_hh + b_h)
    right = Z * H + (1 - Z) * H_tilde
    # Gate order r, z, h: R and Z read from each other's slices.
    Z_swapped = _gates_sigmoid(X @ W_xr + H @ W_hr + b_r)
    R_swapped = _gates_sigmoid(X @ W_xz + H @ W_hz + b_z)
    H_tilde_swapped = _np.tanh(X @ W_xh + (R_swapped * H) @ W_hh + b_h)
    wrong = [
        ((1 - Z) * H + Z * H_tilde,
         "Z and 1 - Z are swapped. On the slides (and in Keras) Z is the share of the OLD "
         "state that is kept: H_t = Z * H_prev + (1 - Z) * H_tilde, so Z = 1 copies H_prev."),
        (Z_swapped * H + (1 - Z_swapped) * H_tilde_swapped,
         "the update and reset gates are swapped. Keras fuses the gates in the order z, r, h: "
         f"kernel[:, :{u}] is W_xz, kernel[:, {u}:{2 * u}] is W_xr, kernel[:, {2 * u}:] is W_xh "
         "(the same for recurrent_kernel and bias)."),
        (Z * H + (1 - Z) * _np.tanh(X @ W_xh + R * (H @ W_hh) + b_h),
         "the reset gate multiplies H_prev @ W_hh, after the product. That is Keras's "
         "default GRU(reset_after=True); the slides (reset_after=False) reset the state "
         "first: tanh(X @ W_xh + (R * H_prev) @ W_hh + b_h)."),
        (Z * H + (1 - Z) * _np.tanh(X @ W_xh + H @ W_hh + b_h),
         "the candidate state ignores the reset gate: use (R * H_prev) @ W_hh, not "
         "H_prev @ W_hh."),
        (Z * H + (1 - Z) * _gates_sigmoid(X @ W_xh + (R * H) @ W_hh + b_h),
         "the candidate state H_tilde uses the sigmoid; it uses tanh (the gates use the "
         "sigmoid)."),
        (H_tilde, "you return the candidate state H_tilde; the new state mixes it with the "
                  "old one: H_t = Z * H_prev + (1 - Z) * H_tilde."),
        (_gru_variants(X, H, kernel, rec, 0 * bias)[0] if bias.any() else right,
         "the biases are missing: add b_z, b_r and b_h (bias[:u], bias[u:2u], bias[2u:])."),
    ]
    return right, wrong


def check_gru_step(gru_step):
    """Check a NumPy GRU step written from Keras's fused weights.

    `gru_step(X, H_prev, kernel, recurrent_kernel, bias)` gets `X` of shape
    `(batch, d)`, `H_prev` of shape `(batch, h)` and the weights of
    `d2lite.layers.GRUCell` (or `keras.layers.GRU(reset_after=False)`), whose
    gate blocks are fused in Keras's order z, r, h:
    `kernel` = [W_xz | W_xr | W_xh] `(d, 3h)`, `recurrent_kernel` =
    [W_hz | W_hr | W_hh] `(h, 3h)`, `bias` = [b_z | b_r | b_h] `(3h,)`. It returns

    .. math::
        Z = \\sigma(X W_{xz} + H W_{hz} + b_z),\\quad
        R = \\sigma(X W_{xr} + H W_{hr} + b_r),\\quad
        \\tilde H = \\tanh(X W_{xh} + (R \\odot H) W_{hh} + b_h),\\quad
        H_t = Z \\odot H + (1 - Z) \\odot \\tilde H.

    Args:
        gru_step: the student's function.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (Z and 1 - Z swapped, the gate order, the
            reset gate after the product, no reset gate, a sigmoid candidate, the
            candidate returned, missing biases, a wrong shape).

    Example:
        >>> def gru_step(X, H, kernel, recurrent_kernel, bias):
        ...     sigmoid = lambda a: 1 / (1 + np.exp(-a))
        ...     W_xz, W_xr, W_xh = np.split(kernel, 3, axis=1)
        ...     W_hz, W_hr, W_hh = np.split(recurrent_kernel, 3, axis=1)
        ...     b_z, b_r, b_h = np.split(bias, 3)
        ...     Z = sigmoid(X @ W_xz + H @ W_hz + b_z)
        ...     R = sigmoid(X @ W_xr + H @ W_hr + b_r)
        ...     H_tilde = np.tanh(X @ W_xh + (R * H) @ W_hh + b_h)
        ...     return Z * H + (1 - Z) * H_tilde
        >>> check_gru_step(gru_step)
        'Correct: Z, R and H_tilde from the fused weights in the order z, r, h, and H_t = Z * H_prev + (1 - Z) * H_tilde.'
    """
    for X, H, _, kernel, rec, bias in _gates_cases(3, seed=5):
        args = [a.copy() for a in (X, H, kernel, rec, bias)]
        result = _gates_array(gru_step(*args), "`gru_step(X, H_prev, kernel, recurrent_kernel, "
                                            "bias)`")
        right, wrong = _gru_variants(X, H, kernel, rec, bias)
        if result.shape != right.shape:
            _fail(f"for X of shape {X.shape} and H_prev of shape {H.shape} the new state has "
                  f"shape {right.shape} (batch, units); got {result.shape}. Return H_t only.")
        if _np.allclose(result, right, atol=1e-6):
            continue
        for value, what in wrong:
            if _np.allclose(result, value, atol=1e-6):
                _fail(what)
        _fail(f"for X of shape {X.shape}, H_prev of shape {H.shape} the new state differs from "
              f"the slides' GRU by up to {_np.abs(result - right).max():.3g}. Split the fused "
              "weights into z, r, h blocks (np.split(..., 3, axis=1)) and follow the slides' "
              "equations one by one.")
    return _ok("Z, R and H_tilde from the fused weights in the order z, r, h, and "
               "H_t = Z * H_prev + (1 - Z) * H_tilde.")


def _lstm_variants(X, H, C, kernel, rec, bias):
    """The right LSTM step (H_t, C_t) and the wrong ones, each as ((H_t, C_t), what)."""
    def gates(order):
        blocks = dict(zip(order, _np.split(X @ kernel + H @ rec + bias, 4, axis=1)))
        return (_gates_sigmoid(blocks["i"]), _gates_sigmoid(blocks["f"]), _np.tanh(blocks["c"]),
                _gates_sigmoid(blocks["o"]))

    I, F, C_tilde, O = gates("ifco")
    C_new = F * C + I * C_tilde
    right = (O * _np.tanh(C_new), C_new)
    I2, F2, C_tilde2, O2 = gates("ifoc")
    C2 = F2 * C + I2 * C_tilde2
    C_swapped = I * C + F * C_tilde
    C_sig = F * C + I * _gates_sigmoid(_np.split(X @ kernel + H @ rec + bias, 4, axis=1)[2])
    wrong = [
        ((O2 * _np.tanh(C2), C2),
         "the gate blocks are taken in the order i, f, o, c. Keras fuses them in the order "
         "i, f, c, o: the third block is the candidate C_tilde, the fourth the output gate."),
        ((O * _np.tanh(C_swapped), C_swapped),
         "the forget and input gates are swapped: C_t = F * C_prev + I * C_tilde (F decides "
         "how much old memory flows on, I how much new content flows in)."),
        ((O * C_new, C_new),
         "H_t = O * C_t misses the tanh: H_t = O * tanh(C_t)."),
        ((O * _np.tanh(C_tilde), C_new),
         "H_t reads the candidate; it reads the new memory: H_t = O * tanh(C_t)."),
        ((O * _np.tanh(C), C_new),
         "H_t reads the old memory C_prev; it reads the new one: H_t = O * tanh(C_t)."),
        ((O * _np.tanh(C_sig), C_sig),
         "the candidate C_tilde uses the sigmoid; it uses tanh (only the gates use the "
         "sigmoid)."),
        ((O * _np.tanh(I * C_tilde), I * C_tilde),
         "C_t forgets C_prev completely: C_t = F * C_prev + I * C_tilde keeps the share F of "
         "the old memory."),
    ]
    return right, wrong


def check_lstm_step(lstm_step):
    """Check a NumPy LSTM step written from Keras's fused weights.

    `lstm_step(X, H_prev, C_prev, kernel, recurrent_kernel, bias)` gets `X` of
    shape `(batch, d)`, `H_prev` and `C_prev` of shape `(batch, h)` and the
    weights of `d2lite.layers.LSTMCell` (or `keras.layers.LSTM`), fused in
    Keras's gate order i, f, c, o: `kernel` = [W_xi | W_xf | W_xc | W_xo]
    `(d, 4h)`, `recurrent_kernel` `(h, 4h)`, `bias` `(4h,)`. It returns the
    pair `(H_t, C_t)`:

    .. math::
        I, F, O = \\sigma(\\cdot),\\quad \\tilde C = \\tanh(\\cdot),\\quad
        C_t = F \\odot C_{t-1} + I \\odot \\tilde C,\\quad H_t = O \\odot \\tanh(C_t).

    Args:
        lstm_step: the student's function.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (the gate order, forget and input gates
            swapped, a missing tanh, H_t from the wrong memory, a sigmoid
            candidate, (C_t, H_t) returned in the wrong order, wrong shapes).

    Example:
        >>> def lstm_step(X, H, C, kernel, recurrent_kernel, bias):
        ...     sigmoid = lambda a: 1 / (1 + np.exp(-a))
        ...     a_i, a_f, a_c, a_o = np.split(X @ kernel + H @ recurrent_kernel + bias, 4, axis=1)
        ...     C = sigmoid(a_f) * C + sigmoid(a_i) * np.tanh(a_c)
        ...     return sigmoid(a_o) * np.tanh(C), C
        >>> check_lstm_step(lstm_step)
        'Correct: I, F, C_tilde, O from the fused weights in the order i, f, c, o; C_t = F * C_prev + I * C_tilde and H_t = O * tanh(C_t).'
    """
    call = "`lstm_step(X, H_prev, C_prev, kernel, recurrent_kernel, bias)`"
    for X, H, C, kernel, rec, bias in _gates_cases(4, seed=6):
        args = [a.copy() for a in (X, H, C, kernel, rec, bias)]
        result = lstm_step(*args)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            _fail(f"{call} should return the pair (H_t, C_t): the output and the new memory, "
                  f"got {type(result).__name__}"
                  f"{f' of length {len(result)}' if isinstance(result, (tuple, list)) else ''}.")
        H_new, C_new = (_gates_array(r, f"{name} returned by {call}")
                        for r, name in zip(result, ("H_t", "C_t")))
        (H_right, C_right), wrong = _lstm_variants(X, H, C, kernel, rec, bias)
        if H_new.shape != H_right.shape or C_new.shape != C_right.shape:
            _fail(f"for X of shape {X.shape} and states of shape {H.shape}, H_t and C_t have "
                  f"shape {H_right.shape} each; got {H_new.shape} and {C_new.shape}.")
        if _np.allclose(H_new, H_right, atol=1e-6) and _np.allclose(C_new, C_right, atol=1e-6):
            continue
        if _np.allclose(H_new, C_right, atol=1e-6) and _np.allclose(C_new, H_right, atol=1e-6):
            _fail("you return (C_t, H_t); return (H_t, C_t), the order of Keras's states "
                  "[h, c].")
        for (H_wrong, C_wrong), what in wrong:
            if _np.allclose(H_new, H_wrong, atol=1e-6) and _np.allclose(C_new, C_wrong,
                                                                          atol=1e-6):
                _fail(what)
        part = "C_t" if not _np.allclose(C_new, C_right, atol=1e-6) else "H_t"
        _fail(f"for X of shape {X.shape} and states of shape {H.shape}, {part} differs from "
              "the slides' LSTM by up to "
              f"{_np.abs((C_new - C_right) if part == 'C_t' else (H_new - H_right)).max():.3g}. "
              "Split X @ kernel + H_prev @ recurrent_kernel + bias into four blocks, i, f, c, o, "
              "and follow the slides' equations one by one.")
    return _ok("I, F, C_tilde, O from the fused weights in the order i, f, c, o; "
               "C_t = F * C_prev + I * C_tilde and H_t = O * tanh(C_t).")
