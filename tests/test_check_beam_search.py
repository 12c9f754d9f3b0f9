"""The check of notebook 11's beam-search exercise accepts right answers and explains wrong ones."""

import heapq

import numpy as np
import pytest

from d2lite import check
from d2lite.check import CheckFailed


def student(carry_finished=True, extend_finished=False, branch=True, rank="sum", pick="best",
            score="sum"):
    """A student's beam search, with one of the common mistakes switched on."""
    def beam_search(next_log_probs, eos, beam_width, max_len):
        beams, done = [((), 0.0, 0.0)], []
        for t in range(max_len):
            candidates = []
            for tokens, total, last in beams:
                if tokens and tokens[-1] == eos and not extend_finished:
                    candidates.append((tokens, total, last))
                    continue
                log_probs = next_log_probs(tokens)
                options = [int(np.argmax(log_probs))] if not branch and t else range(len(log_probs))
                candidates += [(tokens + (v,), total + log_probs[v], log_probs[v]) for v in options]
            if not carry_finished:
                done += [c for c in candidates if c[0][-1] == eos]
                candidates = [c for c in candidates if c[0][-1] != eos]
            key = {"sum": lambda c: -c[1], "last": lambda c: -c[2],
                   "mean": lambda c: -c[1] / len(c[0])}[rank]
            beams = sorted(candidates, key=key)[:beam_width]
        if not carry_finished:
            beams = sorted(beams + done, key=lambda c: -c[1])
        tokens, total, _ = beams[0] if pick == "best" else beams[-1]
        value = {"sum": total, "prob": np.exp(total), "mean": total / len(tokens)}[score]
        return list(tokens), value
    return beam_search


def with_heap(next_log_probs, eos, beam_width, max_len):
    beams = [(0.0, ())]
    for _ in range(max_len):
        candidates = []
        for score, tokens in beams:
            if tokens and tokens[-1] == eos:
                candidates.append((score, tokens))
            else:
                candidates += [(score + lp, tokens + (v,))
                               for v, lp in enumerate(next_log_probs(tokens))]
        beams = heapq.nlargest(beam_width, candidates, key=lambda c: c[0])
    return np.array(beams[0][1]), np.float32(beams[0][0])


def with_arrays(next_log_probs, eos, beam_width, max_len):
    """Prefixes passed as NumPy arrays, the answer as a tuple of arrays."""
    beams = [(np.zeros(0, dtype=int), 0.0)]
    for _ in range(max_len):
        candidates = []
        for tokens, score in beams:
            if len(tokens) and tokens[-1] == eos:
                candidates.append((tokens, score))
                continue
            log_probs = np.asarray(next_log_probs(tokens))
            candidates += [(np.append(tokens, v), score + log_probs[v])
                           for v in range(len(log_probs))]
        beams = sorted(candidates, key=lambda c: -c[1])[:beam_width]
    return beams[0][0], np.array(beams[0][1])


@pytest.mark.parametrize("beam_search", [student(), with_heap, with_arrays],
                         ids=["lists", "heap", "arrays"])
def test_right_answers_pass(beam_search):
    assert check.check_beam_search(beam_search).startswith("Correct: the beam_width best")


@pytest.mark.parametrize("mistake, pattern", [
    (dict(extend_finished=True), "ended with eos were extended further"),
    (dict(carry_finished=False), "finished hypotheses .* were dropped"),
    (dict(branch=False), "the beams never branch"),
    (dict(rank="last"), "ranked by the log-probability of their last token"),
    (dict(rank="mean"), "mean log-probability"),
    (dict(pick="worst"), "the worst hypothesis of the final beam"),
    (dict(score="prob"), "the score is the probability, not its log"),
    (dict(score="mean"), "divided by the length"),
])
def test_common_mistakes_are_named(mistake, pattern):
    with pytest.raises(CheckFailed, match=pattern):
        check.check_beam_search(student(**mistake))


def test_a_greedy_answer_fails_at_width_two_with_the_call():
    def greedy(next_log_probs, eos, beam_width, max_len):
        return student()(next_log_probs, eos, 1, max_len)
    with pytest.raises(CheckFailed, match=r"^beam_search\(next_log_probs, eos=0, beam_width=2, "
                                          r"max_len=4\) returned \(\[4, 4, 3, 2\]"):
        check.check_beam_search(greedy)


def test_bad_tokens_and_bad_prefixes_are_explained():
    with pytest.raises(CheckFailed, match=r"should be integers in \[0, 5\), got \[7\.0\]"):
        check.check_beam_search(lambda f, eos, k, n: ([7], 0.0))
    with pytest.raises(CheckFailed, match=r"next_log_probs\(prefix\) takes the tokens .* got "
                                          "the string 'ab'"):
        check.check_beam_search(lambda f, eos, k, n: ([0], float(f("ab")[0])))
    with pytest.raises(CheckFailed, match=r"pair \(tokens, log_prob\), got tuple with 3 items"):
        check.check_beam_search(lambda f, eos, k, n: ([0], 0.0, 1))


def test_the_model_cannot_be_changed_by_the_student():
    def tamper(next_log_probs, eos, beam_width, max_len):
        next_log_probs(())[:] = 0.0
    with pytest.raises(CheckFailed, match="read-only"):
        check.check_beam_search(tamper)
