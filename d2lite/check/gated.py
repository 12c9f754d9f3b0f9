"""Checks for notebooks 05 (GRU) and 06 (LSTM): one step in NumPy from Keras's fused weights;
and for notebook 06, part 2 (long-range memory): the adding problem's data.

The right step is what `d2lite.layers.GRUCell` / `LSTMCell` compute (the equations live
there only); each wrong step that students commonly write (a gate order, the reset gate
in the wrong place, a swapped convention) is computed here too, in NumPy, so that the
message can name it. Keras is imported only when a check runs.
"""

import numpy as np

from d2lite.check._core import (
    _array,
    _call,
    _describe,
    _diagnose,
    _fail,
    _finite,
    _ok,
    _same,
)

__all__ = ["check_gru_step", "check_lstm_step", "check_adding_problem"]


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _cases(gates, seed):
    """Two sets of random inputs and fused weights: (X, H_prev, C_prev, kernel, rec, bias).

    Different sizes, so that a function with sizes written into it fails the second.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for batch, features, units in ((2, 4, 3), (1, 2, 5)):
        cases.append((rng.normal(size=(batch, features)),
                      rng.normal(size=(batch, units)),
                      rng.normal(size=(batch, units)),
                      rng.normal(scale=0.8, size=(features, gates * units)),
                      rng.normal(scale=0.8, size=(units, gates * units)),
                      rng.normal(scale=0.8, size=(gates * units,))))
    return cases


def _reference_step(cell_name, X, states, kernel, rec, bias):
    """The new states of one step of `d2lite.layers.<cell_name>` with the given weights.

    The cell gets a fixed name and zero initializers, so that the check draws no random
    seed and uses no layer name: a notebook's later results stay as they were.
    """
    import keras

    from d2lite import layers

    cell = getattr(layers, cell_name)(
        states[0].shape[1], name=f"d2lite_check_{cell_name}", dtype="float64",
        kernel_initializer="zeros", recurrent_initializer="zeros", bias_initializer="zeros")
    cell.build((None, X.shape[1]))
    cell.kernel.assign(kernel)
    cell.recurrent_kernel.assign(rec)
    cell.bias.assign(bias)
    _, new_states = cell(X, list(states))
    return [keras.ops.convert_to_numpy(state) for state in new_states]


def _gru_mistakes(X, H, kernel, rec, bias):
    """The wrong GRU steps, each as (H_t, what is wrong)."""
    u = H.shape[1]
    block = {"z": slice(0, u), "r": slice(u, 2 * u), "h": slice(2 * u, 3 * u)}
    no_bias = np.zeros_like(bias)

    def gate(g, b=bias):
        return _sigmoid(X @ kernel[:, block[g]] + H @ rec[:, block[g]] + b[block[g]])

    def candidate(R, after=False, activation=np.tanh, b=bias):
        W_hh = rec[:, block["h"]]
        hidden = R * (H @ W_hh) if after else (R * H) @ W_hh
        return activation(X @ kernel[:, block["h"]] + hidden + b[block["h"]])

    def mix(Z, H_tilde):
        return Z * H + (1 - Z) * H_tilde

    Z, R = gate("z"), gate("r")
    return [
        (mix(1 - Z, candidate(R)),
         "Z and 1 - Z are swapped. On the slides (and in Keras) Z is the share of the OLD "
         "state that is kept: H_t = Z * H_prev + (1 - Z) * H_tilde, so Z = 1 copies H_prev."),
        (mix(R, candidate(Z)),
         "the update and reset gates are swapped. Keras fuses the gates in the order z, r, h: "
         f"kernel[:, :{u}] is W_xz, kernel[:, {u}:{2 * u}] is W_xr, kernel[:, {2 * u}:] is W_xh "
         "(the same for recurrent_kernel and bias)."),
        (mix(Z, candidate(R, after=True)),
         "the reset gate multiplies H_prev @ W_hh, after the product. That is Keras's "
         "default GRU(reset_after=True); the slides (reset_after=False) reset the state "
         "first: tanh(X @ W_xh + (R * H_prev) @ W_hh + b_h)."),
        (mix(Z, candidate(1.0)),
         "the candidate state ignores the reset gate: use (R * H_prev) @ W_hh, not "
         "H_prev @ W_hh."),
        (mix(Z, candidate(R, activation=_sigmoid)),
         "the candidate state H_tilde uses the sigmoid; it uses tanh (the gates use the "
         "sigmoid)."),
        (candidate(R), "you return the candidate state H_tilde; the new state mixes it with the "
                       "old one: H_t = Z * H_prev + (1 - Z) * H_tilde."),
        (mix(gate("z", no_bias), candidate(gate("r", no_bias), b=no_bias)),
         "the biases are missing: add b_z, b_r and b_h (bias[:u], bias[u:2u], bias[2u:])."),
    ]


def _kind_of(result):
    """What a step returned instead of a pair: 'ndarray of shape (2, 3)', 'None', ..."""
    if isinstance(result, np.ndarray):
        return f"ndarray of shape {result.shape}"
    if isinstance(result, (tuple, list)):
        return type(result).__name__
    return _describe(result)


def _shapes(names, arrays):
    """'X of shape (2, 4), H_prev (2, 3), ...' for a call's description."""
    return ", ".join(f"{name} {a.shape}" if i else f"{name} of shape {a.shape}"
                     for i, (name, a) in enumerate(zip(names, arrays)))


def check_gru_step(gru_step, *, timeout=None):
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

    The answer is compared with `d2lite.layers.GRUCell` given the same weights,
    computed before the student's function runs; the function gets copies (it may
    change them).

    Args:
        gru_step: the student's function.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (Z and 1 - Z swapped, the gate order, the
            reset gate after the product, no reset gate, a sigmoid candidate, the
            candidate returned, missing biases, a wrong shape), or that the function
            raised, did not return in time, or returned something that is not an
            array of finite numbers.

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
    call = "`gru_step(X, H_prev, kernel, recurrent_kernel, bias)`"
    names = ("X", "H_prev", "kernel", "recurrent_kernel", "bias")
    for X, H, _, kernel, rec, bias in _cases(3, seed=5):
        [right] = _reference_step("GRUCell", X, [H], kernel, rec, bias)
        args = [a.copy() for a in (X, H, kernel, rec, bias)]
        result = _call(f"gru_step(X, H_prev, kernel, recurrent_kernel, bias) with "
                       f"{_shapes(names, args)}", gru_step, *args, timeout=timeout)
        result = _array(result, call, finite=False, empty=True, timeout=timeout)
        if result.shape != right.shape:
            _fail(f"for X of shape {X.shape} and H_prev of shape {H.shape} the new state has "
                  f"shape {right.shape} (batch, units); got {result.shape}. Return H_t only.")
        _finite(result, f"the new state returned by {call}")
        if _same(result, right, atol=1e-6):
            continue
        _diagnose(result, _gru_mistakes(X, H, kernel, rec, bias), atol=1e-6, otherwise=(
            f"for X of shape {X.shape}, H_prev of shape {H.shape} the new state differs from "
            f"the slides' GRU by up to {np.abs(result - right).max():.3g}. Split the fused "
            "weights into z, r, h blocks (np.split(..., 3, axis=1)) and follow the slides' "
            "equations one by one."))
    return _ok("Z, R and H_tilde from the fused weights in the order z, r, h, and "
               "H_t = Z * H_prev + (1 - Z) * H_tilde.")


def _lstm_mistakes(X, H, C, kernel, rec, bias, right):
    """The wrong LSTM steps, each as ((H_t, C_t), what is wrong); `right` is (H_t, C_t)."""
    a = dict(zip("ifco", np.split(X @ kernel + H @ rec + bias, 4, axis=1)))
    I, F, O = _sigmoid(a["i"]), _sigmoid(a["f"]), _sigmoid(a["o"])
    C_tilde = np.tanh(a["c"])

    def step(O=O, F=F, I=I, C_tilde=C_tilde, C_prev=C, output=np.tanh, reads=None):
        """(H_t, C_t) with one piece replaced; `reads` replaces C_t in the output."""
        C_new = F * C_prev + I * C_tilde
        return O * output(C_new if reads is None else reads), C_new

    return [
        (right[::-1],
         "you return (C_t, H_t); return (H_t, C_t), the order of Keras's states [h, c]."),
        (step(O=_sigmoid(a["c"]), C_tilde=np.tanh(a["o"])),
         "the gate blocks are taken in the order i, f, o, c. Keras fuses them in the order "
         "i, f, c, o: the third block is the candidate C_tilde, the fourth the output gate."),
        (step(F=I, I=F),
         "the forget and input gates are swapped: C_t = F * C_prev + I * C_tilde (F decides "
         "how much old memory flows on, I how much new content flows in)."),
        (step(output=lambda c: c),
         "H_t = O * C_t misses the tanh: H_t = O * tanh(C_t)."),
        (step(reads=C_tilde),
         "H_t reads the candidate; it reads the new memory: H_t = O * tanh(C_t)."),
        (step(reads=C),
         "H_t reads the old memory C_prev; it reads the new one: H_t = O * tanh(C_t)."),
        (step(C_tilde=_sigmoid(a["c"])),
         "the candidate C_tilde uses the sigmoid; it uses tanh (only the gates use the "
         "sigmoid)."),
        (step(C_prev=0.0),
         "C_t forgets C_prev completely: C_t = F * C_prev + I * C_tilde keeps the share F of "
         "the old memory."),
    ]


def check_lstm_step(lstm_step, *, timeout=None):
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

    The answer is compared with `d2lite.layers.LSTMCell` given the same weights,
    computed before the student's function runs; the function gets copies (it may
    change them).

    Args:
        lstm_step: the student's function.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (the gate order, forget and input gates
            swapped, a missing tanh, H_t from the wrong memory, a sigmoid
            candidate, (C_t, H_t) returned in the wrong order, wrong shapes), or
            that the function raised, did not return in time, or returned
            something that is not a pair of arrays of finite numbers.

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
    names = ("X", "H_prev", "C_prev", "kernel", "recurrent_kernel", "bias")
    for X, H, C, kernel, rec, bias in _cases(4, seed=6):
        H_right, C_right = _reference_step("LSTMCell", X, [H, C], kernel, rec, bias)
        args = [a.copy() for a in (X, H, C, kernel, rec, bias)]
        result = _call(f"lstm_step(X, H_prev, C_prev, kernel, recurrent_kernel, bias) with "
                       f"{_shapes(names, args)}", lstm_step, *args, timeout=timeout)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            _fail(f"{call} should return the pair (H_t, C_t): the output and the new memory, "
                  f"got {_kind_of(result)}"
                  f"{f' of length {len(result)}' if isinstance(result, (tuple, list)) else ''}"
                  f"{': does the function end with `return H_t, C_t`?' if result is None else '.'}")
        H_new, C_new = (_array(r, f"{name} returned by {call}", finite=False, empty=True,
                               timeout=timeout)
                        for r, name in zip(result, ("H_t", "C_t")))
        if H_new.shape != H_right.shape or C_new.shape != C_right.shape:
            _fail(f"for X of shape {X.shape} and states of shape {H.shape}, H_t and C_t have "
                  f"shape {H_right.shape} each; got {H_new.shape} and {C_new.shape}.")
        for part, name in ((H_new, "H_t"), (C_new, "C_t")):
            _finite(part, f"{name} returned by {call}")
        if _same((H_new, C_new), (H_right, C_right), atol=1e-6):
            continue
        wrong_c = not _same(C_new, C_right, atol=1e-6)
        part, error = ("C_t", C_new - C_right) if wrong_c else ("H_t", H_new - H_right)
        _diagnose((H_new, C_new), _lstm_mistakes(X, H, C, kernel, rec, bias, (H_right, C_right)),
                  atol=1e-6, otherwise=(
                      f"for X of shape {X.shape} and states of shape {H.shape}, {part} differs "
                      f"from the slides' LSTM by up to {np.abs(error).max():.3g}. Split "
                      "X @ kernel + H_prev @ recurrent_kernel + bias into four blocks, i, f, c, "
                      "o, and follow the slides' equations one by one."))
    return _ok("I, F, C_tilde, O from the fused weights in the order i, f, c, o; "
               "C_t = F * C_prev + I * C_tilde and H_t = O * tanh(C_t).")


# ----------------------------------------------------------------- 06, part 2: the adding problem


def _pair(result, call):
    """The two arrays `(X, y)` that `call` returned, as float64 copies, or CheckFailed."""
    if type(result) not in (tuple, list) or len(result) != 2:
        _fail(f"`{call}` should return the pair (X, y), got {_kind_of(result)}"
              f"{f' of length {len(result)}' if type(result) in (tuple, list) else ''}"
              f"{': does the function end with `return X, y`?' if result is None else '.'}")
    return (_array(result[0], f"X returned by `{call}`", empty=True),
            _array(result[1], f"y returned by `{call}`", empty=True))


def _adding_shapes(X, y, n, length, call):
    if X.shape == (n, 2, length) and length != 2:
        _fail(f"X returned by `{call}` has shape {X.shape}: the two features come last, "
              f"as Keras's recurrent layers read them, (num_examples, length, 2) = "
              f"{(n, length, 2)}; build it with `np.stack([values, markers], axis=-1)`.")
    if X.shape != (n, length, 2):
        _fail(f"X returned by `{call}` should have shape (num_examples, length, 2) = "
              f"{(n, length, 2)}, got {X.shape}.")
    if y.shape != (n,):
        hint = (": one target per sequence, a 1-D array; `.ravel()` or `.sum(axis=1)` "
                "gives one") if y.size == n else ""
        _fail(f"y returned by `{call}` should have shape (num_examples,) = {(n,)}, got "
              f"{y.shape}{hint}.")


def _adding_values(X, y, length, call):
    values, markers = X[..., 0], X[..., 1]
    if values.min() < 0 or values.max() >= 1:
        _fail(f"X[..., 0] returned by `{call}` holds values from {values.min():.3g} to "
              f"{values.max():.3g}; the values are drawn uniformly from [0, 1) "
              "(`rng.uniform(size=...)` or `rng.random(...)`).")
    if not np.isin(markers, (0.0, 1.0)).all():
        bad = markers[~np.isin(markers, (0.0, 1.0))][0]
        _fail(f"X[..., 1] returned by `{call}` holds {bad:.3g}; the markers are 1 at the two "
              "positions to add and 0 everywhere else.")
    counts = markers.sum(axis=1)
    if (counts != 2).any():
        row = int(np.flatnonzero(counts != 2)[0])
        _fail(f"row {row} of X returned by `{call}` has {int(counts[row])} marker(s); every "
              "sequence has exactly two: one in the first half and one in the second. (Two "
              "positions drawn independently can coincide.)")
    half = length // 2
    first, second = markers[:, :half].sum(axis=1), markers[:, half:].sum(axis=1)
    if (first != 1).any() or (second != 1).any():
        row = int(np.flatnonzero((first != 1) | (second != 1))[0])
        where = np.flatnonzero(markers[row]).tolist()
        _fail(f"row {row} of X returned by `{call}` has its markers at positions {where}; "
              f"one belongs in the first half (positions 0 to {half - 1}) and one in the "
              f"second ({half} to {length - 1}), so that a model must carry the first value "
              "across the middle of the sequence.")
    right = (values * markers).sum(axis=1)
    if not _same(y, right, rtol=1e-5, atol=1e-6):
        _diagnose(y, [
            (values.sum(axis=1), "y is the sum of every value; add only the two marked "
             "ones: `(X[..., 0] * X[..., 1]).sum(axis=1)`."),
            (markers.sum(axis=1), "y counts the markers; it is the sum of the two values "
             "they mark."),
            (values.mean(axis=1), "y is the mean of every value; it is the sum of the two "
             "marked ones."),
            (right / 2, "y is the mean of the two marked values; the target is their sum."),
        ], rtol=1e-5, atol=1e-6, say=lambda what: f"`{call}`: {what}", otherwise=(
            f"`{call}`: y differs from the sum of the two marked values by up to "
            f"{np.abs(y - right).max():.3g}."))


def check_adding_problem(adding_problem, *, timeout=None):
    """Check a generator of the adding problem, a classic long-range memory task.

    `adding_problem(num_examples, length, seed)` returns `(X, y)`: `X` of shape
    `(num_examples, length, 2)`, whose first feature holds values drawn uniformly
    from [0, 1) and whose second marks two positions with 1 (0 elsewhere), one in
    the first half (`t < length // 2`) and one in the second; and `y` of shape
    `(num_examples,)`, the sum of the two marked values:

    .. math:: y = \\sum_{t=1}^{T} x_{t,1}\\, x_{t,2}.

    The same seed gives the same data, another seed other data.

    The check calls it with 2,000 sequences of length 10 (twice with seed 0, once
    with seed 1) and 3 of length 2, and checks every row. All it reads are the
    returned arrays, copied, so the function cannot change what is checked.

    Args:
        adding_problem: the student's function `adding_problem(num_examples, length, seed)`.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (the axes of X swapped, values outside
            [0, 1) or not uniform, a row without exactly two markers or with both in
            one half, markers always in the same places, y summing every value or
            counting the markers, the seed ignored or fresh randomness for the same
            seed), or that the function raised, did not return in time, or did not
            return a pair of arrays of finite numbers.

    Example:
        >>> def adding_problem(num_examples, length, seed):
        ...     rng = np.random.default_rng(seed)
        ...     values = rng.uniform(size=(num_examples, length))
        ...     markers = np.zeros((num_examples, length))
        ...     rows, half = np.arange(num_examples), length // 2
        ...     markers[rows, rng.integers(0, half, num_examples)] = 1
        ...     markers[rows, rng.integers(half, length, num_examples)] = 1
        ...     return np.stack([values, markers], axis=-1), (values * markers).sum(axis=1)
        >>> check_adding_problem(adding_problem)
        'Correct: values uniform in [0, 1), two markers per row, one in each half, y their sum; the seed decides.'
    """
    n, length = 2000, 10
    runs = {}
    for key, args in (("first", (n, length, 0)), ("again", (n, length, 0)),
                      ("other", (n, length, 1)), ("short", (3, 2, 1))):
        call = f"adding_problem({', '.join(map(str, args))})"
        X, y = _pair(_call(call, adding_problem, *args, timeout=timeout), call)
        _adding_shapes(X, y, args[0], args[1], call)
        _adding_values(X, y, args[1], call)
        runs[key] = (X, y, call)
    X, _, call = runs["first"]
    values, markers = X[..., 0], X[..., 1]
    # Uniform on [0, 1): mean 1/2, standard deviation 1/sqrt(12) = 0.289; with 20,000
    # values each is off by more than 0.02 with a probability below 1e-20.
    if abs(values.mean() - 0.5) > 0.02 or abs(values.std() - 12 ** -0.5) > 0.02:
        _fail(f"the values X[..., 0] returned by `{call}` have mean {values.mean():.3f} and "
              f"standard deviation {values.std():.3f}; values uniform in [0, 1) have 0.5 and "
              f"0.289 (`rng.uniform(size=...)`).")
    for name, part in (("first", markers[:, :length // 2]), ("second", markers[:, length // 2:])):
        used = np.unique(np.argmax(part, axis=1))
        if len(used) < part.shape[1]:
            _fail(f"in the 2000 rows of `{call}`, the marker of the {name} half is only ever "
                  f"at offset(s) {used.tolist()} of that half; draw its position at random "
                  "for every row, so a model cannot learn where to look.")
    if not (_same(runs["first"][0], runs["again"][0], rtol=0, atol=0)
            and _same(runs["first"][1], runs["again"][1], rtol=0, atol=0)):
        _fail(f"`{call}` gave different data when called twice with seed 0: draw every "
              "random number from `rng = np.random.default_rng(seed)`, not from `np.random` "
              "or a generator made outside the function.")
    if _same(runs["first"][0], runs["other"][0], rtol=0, atol=0):
        _fail(f"`{call}` and `{runs['other'][2]}` gave the same X: the function ignores its "
              "seed; make the generator with `np.random.default_rng(seed)`.")
    return _ok("values uniform in [0, 1), two markers per row, one in each half, y their "
               "sum; the seed decides.")
