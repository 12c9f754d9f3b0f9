"""Checks for notebook 01 (sequences): a k-step forecast that feeds its own predictions back;
and for notebook 04, part 3 (inputs of different lengths): padding and truncating token sequences."""

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
    _read,
    _same,
)

__all__ = ["check_k_step_forecast", "check_pad_truncate"]


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


# ----------------------------------------------------------------- padding and truncation

# The sequences the check pads to _MAX_LEN: shorter, longer, empty and exactly _MAX_LEN long;
# no token is 0 (the padding index) and no token repeats within a sequence, so that every
# wrong end gives another row.
_SEQS = ((5, 2, 8), (7, 1, 4, 6, 3, 9, 2), (), (3, 6, 2, 4, 1))
_MAX_LEN = 5
_EMPTY = 2  # the position of the empty sequence: its row is all padding
# Both ends alike first: a solution that passes them and fails the mixed ones ignores an argument.
_MODES = (("post", "post"), ("pre", "pre"), ("post", "pre"), ("pre", "post"))
_OTHER = {"pre": "post", "post": "pre"}
_PAD_END = {"pre": "at the start of the row, before the tokens",
            "post": "at the end of the row, after the tokens"}
_KEEP = {"pre": "cuts a long sequence at its start and keeps its last max_len tokens, "
                "`seq[-max_len:]`",
         "post": "cuts a long sequence at its end and keeps its first max_len tokens, "
                 "`seq[:max_len]`"}


def _pad_mistakes(reference, padding, truncating):
    """(value, message) of the wrong ends a solution may pad or truncate at."""
    flip_p, flip_t = _OTHER[padding], _OTHER[truncating]
    if padding != truncating:  # the ends alike passed: one argument is ignored or swapped
        return [
            (reference(padding, padding),
             f"`pad` ignores `truncating`: it truncated at the same end as it padded "
             f"(padding={padding!r}), but truncating={truncating!r} {_KEEP[truncating]}. Use "
             "`truncating` for the cut and `padding` for the zeros, independently."),
            (reference(truncating, truncating),
             f"`pad` ignores `padding`: it padded at the same end as it truncated "
             f"(truncating={truncating!r}), but padding={padding!r} puts the zeros "
             f"{_PAD_END[padding]}. Use `padding` for the zeros and `truncating` for the cut, "
             "independently."),
            (reference(truncating, padding),
             "`pad` padded where `truncating` says and truncated where `padding` says: are "
             "the two arguments swapped?"),
        ]
    hint = " (is the argument used at all?)"
    return [
        (reference(flip_p, flip_t),
         f"padding and truncation are both at the wrong end: {padding!r} means "
         f"{'the start' if padding == 'pre' else 'the end'} for both. padding={padding!r} "
         f"puts the zeros {_PAD_END[padding]}, and truncating={truncating!r} "
         f"{_KEEP[truncating]} (are `padding` and `truncating` used at all?)."),
        (reference(flip_p, truncating),
         f"the padding is at the wrong end: padding={padding!r} puts the zeros "
         f"{_PAD_END[padding]}; yours are {_PAD_END[flip_p].split(',')[0]}{hint}."),
        (reference(padding, flip_t),
         f"the truncation is at the wrong end: truncating={truncating!r} {_KEEP[truncating]}; "
         f"you kept its {'first' if truncating == 'pre' else 'last'} tokens instead{hint}."),
    ]


def _pad_shape(shape, call):
    """CheckFailed naming what is wrong with the `shape` of what `pad` returned."""
    n, longest = len(_SEQS), max(len(s) for s in _SEQS)
    expected = f"`{call}` should return an array of shape (len(seqs), max_len) = ({n}, {_MAX_LEN})"
    if len(shape) != 2:
        _fail(f"{expected}, one row per sequence; got shape {shape}.")
    if shape == (_MAX_LEN, n) and n != _MAX_LEN:
        _fail(f"{expected}; got {shape}, the transpose: one row per sequence, one column per "
              "time step.")
    if shape[0] == n - 1:
        _fail(f"{expected}; got {shape}, one row short: the empty sequence [] needs a row too, "
              "one of padding only.")
    if shape[1] == longest and shape[0] == n:
        _fail(f"{expected}; got {shape}: the rows are as long as the longest sequence "
              f"({longest} tokens). Cut the sequences longer than max_len = {_MAX_LEN}.")
    _fail(f"{expected}; got {shape}.")


def check_pad_truncate(pad, *, timeout=None):
    """Check a NumPy function that pads and truncates token sequences to one length.

    `pad(seqs, max_len, padding="post", truncating="post")` takes a list of 1-D
    lists of token indices and returns an integer array of shape
    `(len(seqs), max_len)`, as `keras.utils.pad_sequences(seqs, maxlen=max_len,
    padding=padding, truncating=truncating, value=0)` does: a short sequence is
    filled up with 0, the index reserved for padding, at the start
    (`padding="pre"`) or at the end (`"post"`); a long one loses tokens at its start
    (`truncating="pre"`, it keeps its last `max_len` tokens) or at its end
    (`"post"`); an empty one becomes a row of zeros.

    The check calls `pad(seqs, max_len=5, padding=..., truncating=...)` for the four
    combinations of "pre" and "post", on sequences shorter than, longer than and
    exactly `max_len` long and an empty one, and compares with
    `keras.utils.pad_sequences`. Each call gets fresh lists, which it must not
    change.

    Args:
        pad: the student's function `pad(seqs, max_len, padding, truncating)`.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (padding or truncating at the wrong end, an
            argument ignored, padding with another value than 0, a wrong shape, a
            list or a float array instead of an integer array, changing the given
            lists), or that the function raised, did not return in time, or returned
            something that is not an array of finite numbers.

    Example:
        >>> def pad(seqs, max_len, padding="post", truncating="post"):
        ...     out = np.zeros((len(seqs), max_len), dtype=int)
        ...     for i, seq in enumerate(seqs):
        ...         seq = seq[-max_len:] if truncating == "pre" else seq[:max_len]
        ...         if len(seq):
        ...             start = max_len - len(seq) if padding == "pre" else 0
        ...             out[i, start:start + len(seq)] = seq
        ...     return out
        >>> check_pad_truncate(pad)
        'Correct: every row has max_len tokens, padded with 0 and cut at the end that padding and truncating name.'
    """
    from keras.utils import pad_sequences

    def reference(padding, truncating, value=0):
        return pad_sequences([list(s) for s in _SEQS], maxlen=_MAX_LEN, padding=padding,
                             truncating=truncating, value=value).astype(np.float64)

    originals = [list(s) for s in _SEQS]
    hint = (". Does it handle every kind of sequence in seqs: shorter than max_len, longer, exactly "
            "max_len long, and empty ([], a row of padding only; `x[-0:]` is all of `x`)?")
    for padding, truncating in _MODES:
        expected = reference(padding, truncating)
        call = f"pad(seqs, max_len={_MAX_LEN}, padding={padding!r}, truncating={truncating!r})"
        given = [list(s) for s in _SEQS]
        outer = list(given)  # the same list objects, to see whether `pad` replaced any
        result = _call(f"{call} with seqs = {originals}", pad, given, _MAX_LEN, timeout=timeout,
                       hint=hint, kwargs={"padding": padding, "truncating": truncating})
        changed = _changed(given, outer)
        if changed is not None:
            _fail(f"`{call}` changed the lists it was given{changed}. Work on copies: slicing "
                  "(`seq[:max_len]`) and `list(seq)` make new lists, while `seq.extend`, "
                  "`seq.insert`, `seq += ...`, `del seq[...]` and `seqs[i] = ...` change the "
                  "caller's lists.")
        values = _array(result, f"`{call}`", empty=True, timeout=timeout)
        if values.shape != expected.shape:
            _pad_shape(values.shape, call)
        if not _same(values, expected, rtol=0, atol=0):
            row = values[_EMPTY]
            if row.size and np.all(row == row[0]) and row[0] != 0:
                v = row[0].item()
                v = int(v) if v == int(v) else v
                _fail(f"`{call}` pads with {v!r}: the row of the empty sequence [] is "
                      f"{row.astype(type(v)).tolist()}. Pad with 0, the index reserved for "
                      "padding, which `keras.layers.Embedding(mask_zero=True)` masks.")
            _diagnose(values, _pad_mistakes(reference, padding, truncating), rtol=0, atol=0,
                      say=lambda what, call=call: f"`{call}`: {what}")
            bad = int(np.flatnonzero(np.any(values != expected, axis=1))[0])
            _fail(f"`{call}`: the row of seqs[{bad}] = {originals[bad]} ({len(originals[bad])} "
                  f"token(s)) should be {expected[bad].astype(int).tolist()}, got "
                  f"{_short_list(values[bad])}.")
        if isinstance(result, (list, tuple)):
            _fail(f"`{call}` returned a {type(result).__name__} with the right numbers; return "
                  "a NumPy array, e.g. `np.array(rows)` or an array made with "
                  "`np.zeros((len(seqs), max_len), dtype=int)` and filled in.")
        dtype = _read(f"what `{call}` returned", lambda: np.asarray(result).dtype,
                      timeout=timeout)
        if dtype.kind not in "iu":
            _fail(f"`{call}` returned the right numbers as an array of dtype {dtype}; token "
                  "indices are integers, as in `keras.utils.pad_sequences` (int32): make the "
                  "array with `dtype=int` (`np.zeros` gives float64 by default) or "
                  "convert it with `.astype(int)`.")
    return _ok("every row has max_len tokens, padded with 0 and cut at the end that padding "
               "and truncating name.")


def _changed(given, outer):
    """What the student's function changed in the lists `given` (None: nothing).

    `outer` is a copy of `given` made before the call, holding the same list objects. Only
    `is`, `len`, `type` and int comparisons are used: nothing the student's objects define.
    """
    if len(given) != len(outer) or any(a is not b for a, b in zip(given, outer)):
        return (f": seqs now has {len(given)} item(s), not the {len(_SEQS)} lists it was given"
                if len(given) != len(outer) else
                f": seqs[{next(i for i, (a, b) in enumerate(zip(given, outer)) if a is not b)}] "
                "was replaced")
    for i, (seq, original) in enumerate(zip(given, _SEQS)):
        if len(seq) != len(original) or any(type(x) is not int or x != y
                                            for x, y in zip(seq, original)):
            now = (repr(seq) if len(seq) <= 12 and all(type(x) is int for x in seq)
                   else _describe(seq))
            return f": seqs[{i}] was {list(original)} and is now {now}"
    return None


def _short_list(values):
    """`values` as a list, whole numbers as ints, for a message."""
    values = np.asarray(values, dtype=np.float64).ravel()
    return [int(v) if v == int(v) else v for v in values.tolist()]
