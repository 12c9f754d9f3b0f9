"""Checks for notebooks 07 (a bidirectional RNN written with two loops) and 08 (the
parameter count of a stacked language model)."""

import numpy as np

from d2lite.check._core import (
    _array,
    _call,
    _describe,
    _diagnose,
    _fail,
    _NAN_HINT,
    _finite,
    _frozen,
    _ok,
    _same,
)

__all__ = ["check_bidirectional", "check_stacked_num_params"]


def _tanh_step(seed, d, h):
    """A tanh RNN step (x_t, H) -> H' with fixed random weights, for the checks."""
    rng = np.random.default_rng(seed)
    W, U, b = rng.normal(size=(d, h)), rng.normal(scale=0.5, size=(h, h)), rng.normal(size=h)
    for weights in (W, U, b):
        weights.setflags(write=False)
    return lambda x, H: np.tanh(np.asarray(x) @ W + np.asarray(H) @ U + b)


def _run_loop(step, X, H, times):
    """States of `step` visited in the order `times`, stored in that order."""
    states = []
    for t in times:
        H = step(X[:, t], H)
        states.append(H)
    return np.stack(states, axis=1)


def check_bidirectional(bidirectional, *, timeout=None):
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

    `X` and `H0` are passed read-only: the function must not change them.

    Args:
        bidirectional: the student's function.
        timeout: seconds the function may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (concatenation along time, the halves
            swapped, the backward states left in reversed order, a backward loop
            that runs forwards, the forward step used twice, the backward RNN
            started from the forward one's last state, `H0` ignored, `X` or `H0`
            changed), or that the function raised, did not return in time, or
            returned something that is not an array of finite numbers.

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
    rng = np.random.default_rng(72)
    X = rng.normal(size=(n, T, d))
    H0 = rng.normal(scale=0.5, size=(n, h))

    def backwards(step=backward_step, X=X, H=H0):
        """The states of a backward loop, stored at the position of the step they read."""
        return _run_loop(step, X, H, reversed(range(T)))[:, ::-1]

    forward, backward = _run_loop(forward_step, X, H0, range(T)), backwards()
    right = np.concatenate([forward, backward], axis=-1)
    X_given, H0_given = _frozen(X), _frozen(H0)
    in_place = ("your function changed X or H0 in place; reverse with a view or a copy "
                "(X[:, ::-1] or np.flip(X, axis=1)) instead of assigning into X.")
    call = (f"bidirectional(forward_step, backward_step, X, H0) with X of shape {X.shape} "
            f"and H0 of shape {H0.shape}")
    result = _call(call, bidirectional, forward_step, backward_step, X_given, H0_given,
                   timeout=timeout, read_only=in_place)
    if not (np.array_equal(X_given, X) and np.array_equal(H0_given, H0)):
        _fail(in_place)
    result = _array(result, f"what {call} returned", finite=False, empty=True, timeout=timeout)
    if result.shape == (n, 2 * T, h):
        _fail(f"the result has shape {result.shape}: the two directions were stacked along "
              f"the time axis. Concatenate them along the features (axis=-1) to get "
              f"(batch, T, 2h) = {right.shape}.")
    if result.shape == (n, T, h):
        one_direction = (f"the result has shape {result.shape}, one state per step: you kept "
                         "one direction or summed them. Concatenate [forward ; backward] along "
                         f"the features to get shape {right.shape}.")
        _diagnose(result, [(forward + backward, one_direction), (forward, one_direction)],
                  otherwise=(f"the result has shape {result.shape}; expected (batch, T, 2h) = "
                             f"{right.shape}, the two directions concatenated along the "
                             "features."))
    if result.shape != right.shape:
        _fail(f"the result has shape {result.shape}; expected (batch, T, 2h) = {right.shape} "
              f"for X of shape {X.shape} and h = {h}.")
    _finite(result, f"what {call} returned")
    if _same(result, right, atol=1e-6):
        return _ok("H_t = [forward H_t ; backward H_t], the backward state at t summarising "
                   "X_t, ..., X_T.")

    first, second = result[..., :h], result[..., h:]
    _diagnose((first, second), [(
        (backward, forward), "the halves are swapped: put the forward state first, "
                             "[forward ; backward], as Keras's Bidirectional does.")], atol=1e-6)
    if not _same(first, forward, atol=1e-6):
        _diagnose(first, [(_run_loop(forward_step, X, np.zeros_like(H0), range(T)),
                           "the forward RNN starts from zeros; start it from H0.")], atol=1e-6,
                  otherwise=("the first half (the forward RNN) is wrong: it should be H_t = "
                             "forward_step(X[:, t], H_{t-1}) for t = 0, ..., T-1, starting "
                             "from H0."))
    _diagnose(second, [
        (backward[:, ::-1], "the backward states are in reversed time order: the state "
                            "computed first belongs to the last step. Flip them back "
                            "(e.g. [:, ::-1]) so that position t holds the state after "
                            "reading X_T, ..., X_t."),
        (_run_loop(backward_step, X, H0, range(T)),
         "the backward RNN reads the sequence forwards (t = 0, 1, ...); loop over "
         "reversed(range(T)), or run it on X[:, ::-1] and flip its states back."),
        (backwards(step=forward_step),
         "the backward direction uses forward_step: the two directions have their own "
         "weights, so call backward_step."),
        (backwards(H=forward[:, -1]),
         "the backward RNN starts from the forward RNN's last state; both directions start "
         "from H0 (reset H before the backward loop)."),
        (backwards(H=np.zeros_like(H0)), "the backward RNN starts from zeros; start it from H0."),
        (backwards(X=X[::-1]),
         "the sequence was reversed along the batch axis (X[::-1]); reverse time, X[:, ::-1]."),
    ], atol=1e-6)
    bad = int(np.flatnonzero(~np.isclose(second, backward, atol=1e-6).all(axis=(0, 2)))[0])
    _fail(f"the second half (the backward RNN) is wrong from time step {bad} on: it should "
          "be H_t = backward_step(X[:, t], H_{t+1}) for t = T-1, ..., 0, starting from H0, "
          "stored at position t.")


_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def _lm_params(V, h, L, cell, gates=None, first_input=None, other_input=None,
               recurrent=True, rnn_bias=True, output=True, output_bias=True):
    """Parameter count of `d2lite.networks.language_model`, with switches for common mistakes."""
    g = _GATES[cell] if gates is None else gates
    d1 = V if first_input is None else first_input
    dl = h if other_input is None else other_input

    def layer(d):
        return g * (d * h + (h * h if recurrent else 0) + (h if rnn_bias else 0))

    total = layer(d1) + (L - 1) * layer(dl)
    if output:
        total += h * V + (V if output_bias else 0)
    return total


def _count(got, call):
    """A parameter count returned by `call` as an int, or CheckFailed.

    An int (Python or NumPy, not a bool) or a float with an integer value, such as
    `model.count_params()` or a formula with a division gives; nothing else, whatever
    its ``__eq__`` says.
    """
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)) and not (
        isinstance(got, (float, np.floating)) and float(got).is_integer()
    ):
        if got is None:
            _fail(f"{call} returned None: does the function end with `return ...`? A parameter "
                  "count is an integer.")
        if isinstance(got, (float, np.floating)) and not np.isfinite(got):
            _fail(f"{call} returned {float(got)}, which is not a finite number ({_NAN_HINT}); a "
                  "parameter count is an integer.")
        shown = repr(float(got)) if isinstance(got, (float, np.floating)) else _describe(got)
        _fail(f"{call} returned {shown}; a parameter count is an integer.")
    count = int(got)
    if count < 0:
        _fail(f"{call} returned {count:,}; a parameter count is never negative.")
    return count


def check_stacked_num_params(num_params, *, timeout=None):
    """Check `num_params(vocab_size, units, num_layers, cell)`, the size of a stacked language model.

    The model is `d2lite.networks.language_model(vocab_size, cell, units,
    num_layers)`: one-hot inputs, `num_layers` recurrent layers of `units`
    (with dropout between them, which has no parameters) and a `Dense`
    output layer over the vocabulary. With g = 1, 3, 4 gates for "rnn",
    "gru", "lstm", layer 1 reads the |V| one-hot features and layer l > 1 the
    h states of the layer below:

    .. math:: g(|V|h + h^2 + h) + (L - 1)\\, g(h \\cdot h + h^2 + h) + (h|V| + |V|).

    Args:
        num_params: the student's function, returning an integer.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake for the first configuration that is
            wrong (every layer reading the one-hot input, one layer counted,
            the gates forgotten, the output layer or the biases left out), or
            that the function raised, did not return in time, or returned
            something that is not an integer.

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
        got = _count(_call(call, num_params, V, h, L, cell, timeout=timeout), call)
        right = _lm_params(V, h, L, cell)
        if got == right:
            continue
        g = _GATES[cell]
        _diagnose(got, [
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
        ], rtol=0, atol=0, say=lambda what: f"{call} returned {got:,}, expected {right:,}: {what}",
            otherwise=(f"{call} returned {got:,}, expected {right:,}. Count g(d h + h^2 + h) for "
                       f"each recurrent layer (d = {V} for the first, h = {h} above it; g = {g} "
                       f"for {cell!r}) plus h|V| + |V| for the output layer."))
    return _ok("g(|V|h + h^2 + h) for layer 1, g(2h^2 + h) for each layer above it, and "
               "h|V| + |V| for the output layer.")
