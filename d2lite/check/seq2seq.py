"""Checks for notebook 11 (sequence to sequence): beam search written out."""

import numpy as np

from d2lite.check._core import _array, _call, _describe, _fail, _ok, _scalar

__all__ = ["check_beam_search"]

_VOCAB = 5


class _Model:
    """A tiny language model: log P(next | prefix) from a fixed table of (last token, step)."""

    def __init__(self, seed, eos, first_eos=False):
        rng = np.random.default_rng(seed)
        logits = rng.normal(scale=1.5, size=(_VOCAB + 1, 8, _VOCAB))
        logits[..., eos] -= 1.0  # hypotheses of several tokens compete with ending early
        if first_eos:
            logits[_VOCAB, 0, eos] += 7.0
        self.table = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        self.eos = eos

    def __call__(self, prefix):
        try:
            tokens = np.asarray(prefix)
        except Exception:  # a student's object that cannot be read
            tokens = None
        if tokens is None or tokens.ndim != 1 or tokens.dtype.kind not in "iuf" or (
                tokens.size and (np.any(tokens != np.round(tokens)) or tokens.min() < 0
                                 or tokens.max() >= _VOCAB)):
            raise ValueError(f"next_log_probs(prefix) takes the tokens of a hypothesis so far, a "
                             f"tuple of integers in [0, {_VOCAB}) (() at the start), got "
                             f"{_describe(prefix)}.")
        last = _VOCAB if tokens.size == 0 else int(tokens[-1])
        row = self.table[last, min(tokens.size, 7)].copy()
        row.setflags(write=False)
        return row


def _search(model, k, max_len, *, carry_finished=True, extend_finished=False, branch=True,
            rank="sum", pick="best"):
    """Beam search over `model`, with switches that reproduce the common mistakes."""
    beams = [((), 0.0, 0.0)]  # tokens, sum of log-probs, log-prob of the last token
    finished = []
    for t in range(max_len):
        candidates = []
        for tokens, score, last in beams:
            if tokens and tokens[-1] == model.eos and not extend_finished:
                if carry_finished:
                    candidates.append((tokens, score, last))
                continue
            log_probs = model(tokens)
            options = [int(np.argmax(log_probs))] if not branch and t > 0 else range(_VOCAB)
            for v in options:
                candidates.append((tokens + (v,), score + log_probs[v], log_probs[v]))
        if not carry_finished:
            finished += [c for c in candidates if c[0][-1] == model.eos]
            candidates = [c for c in candidates if c[0][-1] != model.eos]
        key = {"sum": lambda c: -c[1], "last": lambda c: -c[2],
               "mean": lambda c: -c[1] / len(c[0])}[rank]
        candidates.sort(key=key)
        beams = candidates[:k]
        if not beams:
            break
    if not carry_finished:
        beams = sorted(beams + finished, key=lambda c: -c[1])[:1] if pick == "best" else beams
    chosen = beams[0] if pick == "best" else beams[-1]
    return list(chosen[0]), float(chosen[1])


def check_beam_search(beam_search, *, timeout=None):
    r"""Check `beam_search(next_log_probs, eos, beam_width, max_len)`, written out.

    `next_log_probs(prefix)` gives the log-probabilities of the next token (an array
    of the vocabulary's size) after the tokens `prefix` (a tuple of ints, `()` at the
    start). The answer is the best hypothesis found and its score, `(tokens,
    log_prob)`: the tokens up to and including `eos` (or `max_len` tokens without
    it) and the sum of their log-probabilities,

    .. math:: \operatorname{score}(y_1, \dots, y_t) = \sum_{t'=1}^{t} \log P(y_{t'} \mid y_{<t'}).

    At every step each kept hypothesis is extended by every token and the
    `beam_width` best candidates of all of them are kept; a hypothesis that ended
    with `eos` stays a candidate, unchanged. The check runs it with beam widths 1
    (greedy), 2, 3, one larger than the number of hypotheses (exhaustive search),
    `max_len` 1, and a model that most likely ends at once.

    Args:
        beam_search: the student's function.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: naming the mistake (finished hypotheses dropped or extended past
            `eos`, beams that never branch, a score that is not the sum of
            log-probabilities, the last token's log-probability used to rank, length
            normalisation, the worst beam returned), or that the function raised,
            did not return in time, or returned something that is not a pair of
            tokens and a finite number.

    Example:
        >>> def beam_search(next_log_probs, eos, beam_width, max_len):
        ...     beams = [((), 0.0)]
        ...     for _ in range(max_len):
        ...         candidates = []
        ...         for tokens, score in beams:
        ...             if tokens and tokens[-1] == eos:
        ...                 candidates.append((tokens, score))
        ...                 continue
        ...             for v, lp in enumerate(next_log_probs(tokens)):
        ...                 candidates.append((tokens + (v,), score + lp))
        ...         beams = sorted(candidates, key=lambda c: -c[1])[:beam_width]
        ...     return list(beams[0][0]), beams[0][1]
        >>> check_beam_search(beam_search)
        'Correct: the beam_width best of all extensions kept at every step, finished hypotheses kept as they are, scored by the sum of log-probabilities.'
    """
    cases = [  # seed, eos, beam_width, max_len, first_eos
        (124, 0, 1, 4, False), (124, 0, 2, 4, False), (136, 4, 3, 5, False),
        (154, 3, 2, 4, False), (136, 4, _VOCAB ** 5, 5, False), (113, 2, 2, 1, False),
        (114, 3, 2, 4, True),
    ]
    pending = None  # the message of a wrong answer that several mistakes explain
    for seed, eos, k, max_len, first_eos in cases:
        model = _Model(seed, eos, first_eos)
        right_tokens, right_score = _search(model, k, max_len)
        call = (f"beam_search(next_log_probs, eos={eos}, beam_width={k}, max_len={max_len})")
        result = _call(call, beam_search, model, eos, k, max_len, timeout=timeout)
        if result is None:
            _fail(f"{call} returned None: does the function end with `return ...`? It should "
                  "return the pair (tokens, log_prob).")
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            _fail(f"{call} should return a pair (tokens, log_prob), got {_describe(result)}.")
        tokens = _array(result[0], f"the tokens returned by {call}", empty=True,
                        timeout=timeout).ravel()
        if tokens.size and (np.any(tokens != np.round(tokens)) or tokens.min() < 0
                            or tokens.max() >= _VOCAB):
            _fail(f"the tokens returned by {call} should be integers in [0, {_VOCAB}), got "
                  f"{tokens.tolist()}.")
        tokens = [int(v) for v in tokens]
        score = _scalar(result[1], f"the log_prob returned by {call} should be one number",
                        call=call, timeout=timeout)
        if tokens == right_tokens and abs(score - right_score) <= 1e-6 * max(1, abs(right_score)):
            continue
        said = f"{call} returned ({tokens}, {score:.4f}), expected ({right_tokens}, {right_score:.4f})"
        if tokens == right_tokens:
            if abs(score - np.exp(right_score)) <= 1e-6:
                _fail(f"{said}: the score is the probability, not its log. Add "
                      "log-probabilities (a product of many probabilities underflows).")
            if abs(score - right_score / len(right_tokens)) <= 1e-6:
                _fail(f"{said}: the score is divided by the length; return the sum of "
                      "log-probabilities.")
            _fail(f"{said}: the tokens are right but the score is not the sum of their "
                  "log-probabilities.")
        mistakes = [
            (_search(model, k, max_len, extend_finished=True),
             "hypotheses that ended with eos were extended further; once a hypothesis ends "
             "with eos, keep it unchanged as a candidate."),
            (_search(model, k, max_len, carry_finished=False),
             "finished hypotheses (ending with eos) were dropped from the beam; keep them as "
             "candidates, unchanged, so that they compete with the longer ones."),
            (_search(model, k, max_len, branch=False),
             "each beam is extended by its single best token only, so the beams never branch; "
             "extend every kept hypothesis by every token and keep the beam_width best."),
            (_search(model, k, max_len, rank="last"),
             "candidates were ranked by the log-probability of their last token; rank them by "
             "the sum over all their tokens."),
            (_search(model, k, max_len, rank="mean"),
             "candidates were ranked by their mean log-probability (length normalisation); "
             "this exercise ranks by the sum."),
            (_search(model, k, max_len, pick="worst"),
             "the worst hypothesis of the final beam was returned; return the best (sort "
             "by descending score)."),
        ]
        matches = [what for (wrong_tokens, wrong_score), what in mistakes
                   if tokens == wrong_tokens and wrong_tokens != right_tokens
                   and abs(score - wrong_score) <= 1e-6 * max(1, abs(wrong_score))]
        if len(matches) == 1:
            _fail(f"{said}: {matches[0]}")
        if not matches:
            _fail(f"{said}. Extend every kept hypothesis by every token, add the "
                  "log-probability of the token to its score, keep the beam_width best "
                  "candidates, and carry hypotheses that ended with eos unchanged.")
        # Several mistakes give this answer: a later case may tell them apart.
        pending = pending or f"{said}: one of these mistakes: " + " Or: ".join(matches)
    if pending:
        _fail(pending)
    return _ok("the beam_width best of all extensions kept at every step, finished hypotheses "
               "kept as they are, scored by the sum of log-probabilities.")
