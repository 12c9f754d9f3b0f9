"""Checks for notebooks 02-04: a vocabulary built by hand (02 tokenization), perplexity from
probabilities (03 language models) and gradient clipping by the global norm (04 RNNs)."""

import collections

import numpy as np

from d2lite import text
from d2lite.check._core import _diagnose, _fail, _number, _ok, _same

__all__ = ["check_vocab", "check_perplexity", "check_clip_gradients"]


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
    among 28 characters scores 28, and a mixed example must match
    `d2lite.text.perplexity`.

    Args:
        perplexity: the student's function taking a 1-D array of probabilities.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (a sum instead of a mean, the arithmetic
            mean of 1/p, the inverse (a missing minus sign), exp of the mean
            probability).

    Example:
        >>> check_perplexity(lambda p: float(np.exp(-np.mean(np.log(p)))))
        'Correct: 1 for a perfect model, 28 for guessing among 28 characters, and exp of the mean negative log-likelihood in general.'
    """
    def value_for(probs):
        return _number("`perplexity` should return one number for a 1-D array of "
                       "probabilities", perplexity, probs.copy())

    p = np.array([0.5, 0.25, 0.1, 0.8, 0.05])
    right = text.perplexity(p)
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
    for probs, what in [(np.ones(6), "a perfect model (every p = 1)"),
                        (np.full(10, 1 / 28), "uniform guessing among 28 characters")]:
        expected, value = text.perplexity(probs), value_for(probs)
        if not _same(value, expected, rtol=1e-6):
            _fail(f"for {what} the perplexity is {expected:g}, got {value:.4g}.")
    return _ok("1 for a perfect model, 28 for guessing among 28 characters, and exp of "
               "the mean negative log-likelihood in general.")


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
    def clipped(grads):
        given = [g.copy() for g in grads]
        result = clip(grads, theta)
        if any(not np.array_equal(g, o) for g, o in zip(grads, given)):
            _fail("`clip` changed the gradients it was given in place; return new arrays.")
        try:
            return [np.asarray(r, dtype=float) for r in result]
        except TypeError:
            _fail(f"`clip` should return a list of arrays, got {type(result).__name__}.")

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
