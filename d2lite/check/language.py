"""Checks for notebooks 02-04: a vocabulary built by hand (02 tokenization), perplexity from
probabilities (03 language models), gradient clipping by the global norm and backpropagation
through time by hand (04 RNNs)."""

import collections

import numpy as np

from d2lite import _validate, text
from d2lite.check._core import (
    _array,
    _call,
    _describe,
    _diagnose,
    _fail,
    _finite,
    _frozen,
    _number,
    _ok,
    _read,
    _same,
)

__all__ = ["check_vocab", "check_perplexity", "check_clip_gradients", "check_bptt"]


def _tokens(tokens):
    """The instructor's `tokens` as a list of str, or ValueError."""
    expected = "a non-empty list of tokens (strings)"
    if isinstance(tokens, (str, bytes)) or not hasattr(tokens, "__iter__"):
        raise _validate.invalid("tokens", expected, _validate.Described(_describe(tokens)))
    tokens = list(tokens)
    if not tokens:
        raise _validate.invalid("tokens", expected, tokens)
    for token in tokens:
        if not isinstance(token, str):
            raise _validate.invalid("tokens", expected,
                                    _validate.Described(f"a list holding {_describe(token)}"))
    return [str.__str__(token) for token in tokens]


def _vocabulary(token_to_idx):
    """The student's vocabulary as a plain dict str -> int, or CheckFailed saying what it holds.

    Keys must be strings and indices integers (not bools, not floats), so that no
    object that claims to equal everything, and no 1.0 for 1, passes.
    """
    if not isinstance(token_to_idx, dict):
        got = "None" if token_to_idx is None else type(token_to_idx).__name__
        _fail(f"expected a dict token -> index, got {got}.")
    items = _read("the vocabulary", lambda: list(dict.items(token_to_idx)))
    if not items:
        _fail("the vocabulary is empty; it should hold '<unk>' and every token of the text.")
    plain = {}
    for token, index in items:
        if not isinstance(token, str):
            if isinstance(index, str):
                _fail(f"the dict maps indices to tokens (e.g. {_describe(token)} -> "
                      f"{_describe(index)}); it should map each token to its index, "
                      "e.g. {'<unk>': 0, ...}.")
            _fail(f"the keys should be the tokens (strings); got the key {_describe(token)}.")
        token = str.__str__(token)
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            hint = (" (a float: use int indices, e.g. from enumerate)"
                    if isinstance(index, (float, np.floating)) else "")
            _fail(f"the index of {token!r} should be an integer, got {_describe(index)}{hint}.")
        plain[token] = int(index)
    if len(plain) != len(items):
        _fail("some tokens appear twice among the keys; each token has one index.")
    return plain


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
        CheckFailed: naming the first rule broken and the tokens involved, or what
            the dict holds that is not a token or an integer index.
        ValueError: `tokens` is not a non-empty list of strings.

    Example:
        >>> check_vocab({"<unk>": 0, "a": 1, "b": 2, "c": 3}, list("abacab"))
        "Correct: 4 entries: '<unk>' at 0, then 3 tokens by descending frequency."
    """
    counts = collections.Counter(_tokens(tokens))
    token_to_idx = _vocabulary(token_to_idx)
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


def check_perplexity(perplexity, *, timeout=None):
    """Check a function `perplexity(probs)` of the probabilities given to the true tokens.

    .. math:: \\mathrm{PPL} = \\exp\\Big(-\\frac1n \\sum_{t=1}^n \\log p_t\\Big)

    Tried on known cases: a perfect model (every p = 1) scores 1, uniform guessing
    among 28 characters scores 28, and a mixed example must match
    `d2lite.text.perplexity`.

    Args:
        perplexity: the student's function taking a 1-D array of probabilities.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (a sum instead of a mean, the arithmetic
            mean of 1/p, the inverse (a missing minus sign), exp of the mean
            probability), or that the function raised, did not return in time,
            or returned something other than one finite number.

    Example:
        >>> check_perplexity(lambda p: float(np.exp(-np.mean(np.log(p)))))
        'Correct: 1 for a perfect model, 28 for guessing among 28 characters, and exp of the mean negative log-likelihood in general.'
    """
    def value_for(probs):
        return _number("`perplexity` should return one number for a 1-D array of "
                       "probabilities", perplexity, probs.copy(),
                       call=f"perplexity(probs) with probs = {np.round(probs, 4).tolist()}",
                       timeout=timeout)

    p = np.array([0.5, 0.25, 0.1, 0.8, 0.05])
    right = text.perplexity(p)
    special = [(probs, what, text.perplexity(probs))
               for probs, what in [(np.ones(6), "a perfect model (every p = 1)"),
                                   (np.full(10, 1 / 28), "uniform guessing among 28 characters")]]
    value = value_for(p)
    if not _same(value, right, rtol=1e-6):
        _diagnose(value, [
            (np.exp(-np.log(p).sum()), "exp of the *sum* of the negative log-likelihoods; "
                                       "divide by the number of tokens first"),
            (np.mean(1 / p), "the arithmetic mean of 1/p; perplexity is the geometric mean"),
            (1 / right, "1 / perplexity (the geometric mean of p); the minus sign is missing"),
            (np.exp(-p.mean()), "exp of the mean probability; take logs first"),
        ], rtol=1e-6,
            say=lambda what: (f"for p = {p.tolist()} you return {value:.4g}, which is {what}; "
                              f"expected {right:.4g}."),
            otherwise=(f"for p = {p.tolist()} the perplexity is exp(mean(-log p)) = "
                       f"{right:.4g}, got {value:.4g}."))
    for probs, what, expected in special:
        value = value_for(probs)
        if not _same(value, expected, rtol=1e-6):
            _fail(f"for {what} the perplexity is {expected:g}, got {value:.4g}.")
    return _ok("1 for a perfect model, 28 for guessing among 28 characters, and exp of "
               "the mean negative log-likelihood in general.")


def check_clip_gradients(clip, *, timeout=None):
    """Check a NumPy gradient-clipping function `clip(grads, theta)`.

    .. math:: \\mathbf g \\leftarrow \\min\\Big(1, \\frac{\\theta}{\\|\\mathbf g\\|}\\Big)\\,
              \\mathbf g, \\qquad \\|\\mathbf g\\| = \\sqrt{\\textstyle\\sum_W \\|\\mathbf g_W\\|^2}

    `grads` is a list of arrays (one per weight tensor); the norm is taken over all
    of them together (Keras's `global_clipnorm`).

    The gradients are passed read-only: the function must return new arrays.

    Args:
        clip: the student's function, returning a list of arrays of the same shapes.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (clipping each tensor on its own, clipping
            element-wise, scaling small gradients up, changing the inputs in place),
            or that the function raised, did not return in time, or returned
            something other than a list of arrays of finite numbers.

    Example:
        >>> def clip(grads, theta):
        ...     norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
        ...     return [g * min(1.0, theta / norm) for g in grads]
        >>> check_clip_gradients(clip)
        'Correct: all gradients are scaled together to a global norm of at most theta; small ones are left alone.'
    """
    in_place = "`clip` changed the gradients it was given in place; return new arrays."

    def clipped(grads):
        given = [_frozen(g) for g in grads]
        result = _call(f"clip(grads, theta={theta:g}) with grads = {[g.tolist() for g in grads]}",
                       clip, list(given), theta, timeout=timeout, read_only=in_place)
        if any(not np.array_equal(g, o) for g, o in zip(given, grads)):
            _fail(in_place)
        if isinstance(result, np.ndarray) or not isinstance(result, (list, tuple)):
            if result is None or isinstance(result, (str, bytes, dict, np.ndarray)) or not hasattr(
                    result, "__iter__"):
                _fail(f"`clip` should return a list of arrays, got {_describe(result)}"
                      + (": does the function end with `return ...`?" if result is None else "."))
            result = _read("what `clip` returned", lambda: list(result), timeout=timeout)
        return [_array(r, f"gradient {i} returned by `clip`", timeout=timeout)
                for i, r in enumerate(result)]

    theta = 1.0
    grads = [np.array([3.0, 4.0]), np.array([[12.0]])]  # global norm 13
    result = clipped(grads)
    if len(result) != 2 or [r.shape for r in result] != [(2,), (1, 1)]:
        _fail("`clip` should return one array per gradient, with the same shapes "
              f"[(2,), (1, 1)]; got {[r.shape for r in result]}.")
    expected = [g / 13.0 for g in grads]
    if not _same(result, expected):
        _diagnose(result, [
            ([np.array([0.6, 0.8]), np.array([[1.0]])],
             "each tensor was clipped to norm theta on its own (Keras's `clipnorm`), "
             "which changes the direction of the whole gradient. Compute one norm over "
             "all tensors together and scale every tensor by the same factor."),
            ([np.array([1.0, 1.0]), np.array([[1.0]])],
             "the entries were clipped one by one (like np.clip / `clipvalue`), which "
             "changes the direction. Scale all gradients by min(1, theta / ||g||)."),
        ], otherwise=(f"grads {[g.tolist() for g in grads]} have global norm 13, so with "
                      f"theta = 1 they become {[e.round(4).tolist() for e in expected]}; got "
                      f"{[r.round(4).tolist() for r in result]}."))
    small = [np.array([0.3, 0.4]), np.array([[0.0]])]  # norm 0.5 < theta
    result = clipped(small)
    if not _same(result, small):
        _fail("gradients whose global norm (0.5) is already below theta = 1 must be left "
              "alone; you scaled them (did you forget the min(1, ...)?). Got "
              f"{[r.tolist() for r in result]}.")
    return _ok("all gradients are scaled together to a global norm of at most theta; small "
               "ones are left alone.")


# ----------------------------------------------------------------- 04: backpropagation through time

_BPTT_PARTS = ("dW_h", "dW_x", "dh_0")


def _bptt_cases(seed):
    """Two sequences of the slides' RNN, h_t = tanh(W_x x_t + W_h h_{t-1}), of different sizes.

    Each is (x (T, d), h (T + 1, n) with h[0] = h_0, g (T, n), W_h (n, n)): x[t - 1] is x_t,
    g[t - 1] = de/dh_t through the output at step t only. n != d, so that a transposed
    dW_x has the wrong shape; h_0 is not zero, so that dW_h has a term at t = 1.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for steps, n, d in ((4, 3, 5), (6, 4, 2)):
        W_x, W_h = rng.normal(scale=0.9, size=(n, d)), rng.normal(scale=0.9, size=(n, n))
        x = rng.normal(size=(steps, d))
        h = [np.tanh(rng.normal(size=n))]
        for x_t in x:
            h.append(np.tanh(W_x @ x_t + W_h @ h[-1]))
        cases.append((x, np.array(h), rng.normal(size=(steps, n)), W_h))
    return cases


def _bptt_variant(x, h, g, W_h, *, derivative="1 - h_t^2", carry="W_h^T delta", uses="h_{t-1}",
                  steps="all", start="W_h^T delta_1"):
    """(dW_h, dW_x, dh_0) of the column-vector BPTT, right by default; each keyword a mistake."""
    T, n = g.shape
    dW_h, dW_x = np.zeros((n, n)), np.zeros((n, x.shape[1]))
    from_later, delta = np.zeros(n), np.zeros(n)
    for t in range(T, 0, -1):
        dh = g[t - 1] + from_later  # de/dh_t: its own output, and what flows back from h_{t+1}
        tanh_prime = {"1 - h_t^2": 1 - h[t] ** 2, "none": 1.0, "1 - tanh(h_t)^2": 1 - np.tanh(h[t]) ** 2,
                      "1 - h_{t-1}^2": 1 - h[t - 1] ** 2}[derivative]
        delta = tanh_prime * dh
        if steps == "all" or (steps == "last" and t == T) or (steps == "first" and t == 1):
            dW_h = dW_h + np.outer(delta, h[t] if uses == "h_t" else h[t - 1])
            dW_x = dW_x + np.outer(delta, x[t - 1])
        from_later = {"W_h^T delta": W_h.T @ delta, "none": np.zeros(n), "W_h delta": W_h @ delta,
                      "W_h^T dh": W_h.T @ dh}[carry]
        if t == 1:
            dh_0 = {"W_h^T delta_1": from_later, "delta_1": delta, "dh_1": dh}[start]
    return dW_h, dW_x, dh_0


_BPTT_MISTAKES = [
    (dict(derivative="none"),
     "tanh' is missing: delta_t = tanh'(a_t) * de/dh_t with tanh'(a_t) = 1 - h_t^2 (element by "
     "element), and that delta_t, not de/dh_t, goes into the gradients and back to h_{t-1}."),
    (dict(derivative="1 - tanh(h_t)^2"),
     "tanh' is applied to the state: h_t is already tanh(a_t), so tanh'(a_t) = 1 - h_t^2, not "
     "1 - tanh(h_t)^2."),
    (dict(derivative="1 - h_{t-1}^2"),
     "tanh' is taken at the wrong step: step t uses 1 - h_t^2, the derivative at its own output "
     "h_t = tanh(a_t), not 1 - h_{t-1}^2."),
    (dict(carry="none"),
     "nothing flows back through time: de/dh_t is the gradient from the output at step t *plus* "
     "W_h^T delta_{t+1} from step t + 1. Loop from t = T down to 1 and carry it."),
    (dict(carry="W_h delta"),
     "the gradient flows back through W_h instead of its transpose: de/dh_{t-1} = W_h^T delta_t "
     "(W_h.T @ delta)."),
    (dict(carry="W_h^T dh"),
     "what flows back to h_{t-1} skips tanh': it is W_h^T delta_t with delta_t = (1 - h_t^2) * "
     "de/dh_t, not W_h^T de/dh_t."),
    (dict(steps="first"),
     "the weight gradients hold only the term of step 1: W_h and W_x act at every step, so "
     "their gradients are sums over t = 1..T. Accumulate with += instead of overwriting."),
    (dict(steps="last"),
     "the weight gradients hold only the term of step T: W_h and W_x act at every step, so "
     "their gradients are sums over t = 1..T of delta_t h_{t-1}^T and delta_t x_t^T."),
    (dict(uses="h_t"),
     "dW_h uses h_t; step t multiplies W_h by the state it starts from, so "
     "de/dW_h = sum_t delta_t h_{t-1}^T."),
    (dict(start="delta_1"),
     "dh_0 is delta_1; h_0 reaches the loss through W_h h_0, so de/dh_0 = W_h^T delta_1."),
    (dict(start="dh_1"),
     "dh_0 is de/dh_1, the gradient one step later; de/dh_0 = W_h^T delta_1."),
]


def _bptt_result(result, call, shapes, timeout):
    """The student's (dW_h, dW_x, dh_0) as three float arrays of the right shapes, or CheckFailed."""
    if isinstance(result, dict) or not isinstance(result, (tuple, list)) or len(result) != 3:
        _fail(f"{call} should return the triple (dW_h, dW_x, dh_0), got {_describe(result)}"
              + (": does the function end with `return dW_h, dW_x, dh_0`?"
                 if result is None else "."))
    parts = [_array(r, f"{name} returned by {call}", finite=False, empty=True, timeout=timeout)
             for r, name in zip(result, _BPTT_PARTS)]
    for part, name, shape in zip(parts, _BPTT_PARTS, shapes):
        if part.shape != shape:
            hint = (" That is the transpose: in the column form the gradient has the shape of the "
                    "matrix, and de/dW = sum_t delta_t (input)^T is np.outer(delta, input)."
                    if part.shape == shape[::-1] and len(shape) == 2 else "")
            _fail(f"{name} returned by {call} has shape {part.shape}; expected {shape}.{hint}")
    for part, name in zip(parts, _BPTT_PARTS):
        _finite(part, f"{name} returned by {call}")
    return parts


def check_bptt(bptt, *, timeout=None):
    r"""Check backpropagation through time for the slides' RNN, in column vectors.

    `bptt(x, h, g, W_h)` gets one sequence of
    :math:`h_t = \tanh(W_x x_t + W_h h_{t-1})`: `x` of shape `(T, d)` (`x[t - 1]`
    is :math:`x_t`), the states `h` of shape `(T + 1, n)` (`h[0]` is
    :math:`h_0`), `g` of shape `(T, n)` with `g[t - 1]` the gradient that reaches
    :math:`h_t` directly from the loss at step t, and `W_h` `(n, n)`. It returns
    the triple `(dW_h, dW_x, dh_0)`, of shapes `(n, n)`, `(n, d)` and `(n,)`:

    .. math::
        \frac{\partial e}{\partial h_t} = g_t + W_h^\top \delta_{t+1},\quad
        \delta_t = (1 - h_t^2) \odot \frac{\partial e}{\partial h_t},\quad
        \frac{\partial e}{\partial W_h} = \sum_t \delta_t h_{t-1}^\top,\quad
        \frac{\partial e}{\partial W_x} = \sum_t \delta_t x_t^\top,\quad
        \frac{\partial e}{\partial h_0} = W_h^\top \delta_1 .

    Tried on two sequences of different sizes with a nonzero :math:`h_0`; the
    answers are computed before the student's function runs, and it gets
    read-only copies.

    Args:
        bptt: the student's function.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (tanh' missing or taken at the wrong
            step, no gradient carried back through time or carried through
            :math:`W_h` instead of :math:`W_h^\top` or without tanh', a weight
            gradient of one step instead of the sum over steps, :math:`h_t` in
            place of :math:`h_{t-1}`, a transposed gradient, the wrong
            :math:`\partial e / \partial h_0`), or that the function raised,
            changed its inputs, did not return in time, or returned something
            that is not three arrays of finite numbers.

    Example:
        >>> def bptt(x, h, g, W_h):
        ...     dW_h, dW_x = np.zeros_like(W_h), np.zeros((len(W_h), x.shape[1]))
        ...     from_later = np.zeros(len(W_h))
        ...     for t in range(len(x), 0, -1):
        ...         delta = (1 - h[t] ** 2) * (g[t - 1] + from_later)
        ...         dW_h += np.outer(delta, h[t - 1])
        ...         dW_x += np.outer(delta, x[t - 1])
        ...         from_later = W_h.T @ delta
        ...     return dW_h, dW_x, from_later
        >>> check_bptt(bptt)
        'Correct: delta_t = (1 - h_t^2) * (g_t + W_h^T delta_{t+1}) from t = T down to 1; dW_h and dW_x sum delta_t h_{t-1}^T and delta_t x_t^T over the steps, and dh_0 = W_h^T delta_1.'
    """
    in_place = "`bptt` changed the arrays it was given in place; copy them first (e.g. g.copy())."
    for x, h, g, W_h in _bptt_cases(seed=4):
        T, n, d = len(x), len(W_h), x.shape[1]
        right = _bptt_variant(x, h, g, W_h)
        mistakes = [(_bptt_variant(x, h, g, W_h, **change), what)
                    for change, what in _BPTT_MISTAKES]
        given = [_frozen(a) for a in (x, h, g, W_h)]
        call = (f"bptt(x, h, g, W_h) with T = {T} steps, n = {n} units and d = {d} inputs "
                f"(x {x.shape}, h {h.shape}, g {g.shape}, W_h {W_h.shape})")
        result = _call(call, bptt, *given, timeout=timeout, read_only=in_place)
        if any(not np.array_equal(a, b) for a, b in zip(given, (x, h, g, W_h))):
            _fail(in_place)
        parts = _bptt_result(result, "`bptt`", [(n, n), (n, d), (n,)], timeout)
        wrong = [i for i in range(3) if not _same(parts[i], right[i], atol=1e-8)]
        if not wrong:
            continue
        names = " and ".join(_BPTT_PARTS[i] for i in wrong)
        for value, what in mistakes:
            if all(_same(parts[i], value[i], atol=1e-8) for i in wrong):
                _fail(f"for T = {T} steps, n = {n} units, {names} {'is' if len(wrong) == 1 else 'are'} "
                      f"wrong: {what}")
        if 0 in wrong and _same(parts[0], right[0].T, atol=1e-8):
            _fail(f"for T = {T} steps, n = {n} units, dW_h is the transpose of de/dW_h: in the "
                  "column form step t adds np.outer(delta_t, h_{t-1}) = delta_t h_{t-1}^T (the "
                  "row form of the notebook adds H_{t-1}^T delta_t, the transpose).")
        worst = max(wrong, key=lambda i: np.abs(parts[i] - right[i]).max())
        _fail(f"for T = {T} steps, n = {n} units, {names} {'is' if len(wrong) == 1 else 'are'} "
              f"wrong ({_BPTT_PARTS[worst]} by up to "
              f"{np.abs(parts[worst] - right[worst]).max():.3g}). Go backwards from t = T: "
              "de/dh_t = g_t + W_h^T delta_{t+1}, delta_t = (1 - h_t^2) * de/dh_t, add "
              "np.outer(delta_t, h_{t-1}) to dW_h and np.outer(delta_t, x_t) to dW_x.")
    return _ok("delta_t = (1 - h_t^2) * (g_t + W_h^T delta_{t+1}) from t = T down to 1; dW_h and "
               "dW_x sum delta_t h_{t-1}^T and delta_t x_t^T over the steps, and dh_0 = "
               "W_h^T delta_1.")
