"""The checks for the exercises of notebooks 01-04 accept right answers and explain wrong ones."""

import collections

import numpy as np
import pytest

from d2lite import check, text, training
from d2lite.check import CheckFailed


# ----------------------------------------------------------------- 01: k-step forecast


def forecast_list(predict, history, k, tau):
    values = list(history)
    for _ in range(k):
        values.append(predict(np.array(values[-tau:])))
    return values[len(history):]


def forecast_array(predict, history, k, tau):
    window = np.array(history[-tau:], dtype=float)
    out = np.empty(k)
    for i in range(k):
        out[i] = predict(window)
        window = np.append(window[1:], out[i])
    return out


@pytest.mark.parametrize("forecast", [forecast_list, forecast_array])
def test_k_step_forecast_accepts_right_answers(forecast):
    assert check.check_k_step_forecast(forecast).startswith("Correct: 5 values")


@pytest.mark.parametrize("forecast, message", [
    (lambda predict, history, k, tau: [predict(np.array(history[-tau:]))] * k,
     "same window of observations"),
    (lambda predict, history, k, tau: forecast_list(lambda w: predict(w[::-1]), history, k, tau),
     "reversed"),
    (lambda predict, history, k, tau: list(history) + forecast_list(predict, history, k, tau),
     "Return only the predictions"),
    (lambda predict, history, k, tau: forecast_list(predict, history, k - 1, tau), "got 4 value"),
    (lambda predict, history, k, tau: [predict(np.array(history))] * k, "window of 4 values"),
    (lambda predict, history, k, tau: forecast_list(lambda w: predict(w) + 1, history, k, tau),
     r"prediction 1 of 5 is 6\.5; expected 5\.5"),
], ids=["one-step-repeated", "reversed", "with-history", "too-few", "whole-history", "off"])
def test_k_step_forecast_explains_wrong_answers(forecast, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_k_step_forecast(forecast)


def test_k_step_forecast_notices_a_changed_history():
    def in_place(predict, history, k, tau):
        history[0] = 0.0
        return forecast_list(predict, history, k, tau)

    with pytest.raises(CheckFailed, match="changed the history"):
        check.check_k_step_forecast(in_place)


# ----------------------------------------------------------------- 02: vocabulary


TOKENS = list("the quick brown fox jumps over the lazy dog")  # every letter


def by_hand(tokens):
    counts = collections.Counter(tokens)
    order = sorted(counts, key=lambda t: (-counts[t], t))
    return {"<unk>": 0, **{t: i + 1 for i, t in enumerate(order)}}


def test_vocab_accepts_the_rules_and_agrees_with_d2lite_vocab():
    mapping = by_hand(TOKENS)
    assert check.check_vocab(mapping, TOKENS).startswith(f"Correct: {len(mapping)} entries")
    vocab = text.Vocab(TOKENS)
    assert mapping == {t: vocab[t] for t in vocab.idx_to_token}


def _swap(mapping, a, b):
    mapping = dict(mapping)
    mapping[a], mapping[b] = mapping[b], mapping[a]
    return mapping


@pytest.mark.parametrize("make, message", [
    (lambda m: {**m, "<unk>": len(m)}, "'<unk>' should have index 0"),
    (lambda m: {t: i + 1 for t, i in m.items()}, "'<unk>' should have index 0"),
    (lambda m: {**m, "q": max(m.values()) + 2}, "no gaps"),
    (lambda m: {t: i for t, i in m.items() if t != "e"}, "no gaps"),
    (lambda m: {**m, "zz": len(m)}, "not tokens of the text"),
    (lambda m: _swap(m, " ", "e"), "sort by descending frequency"),
    (lambda m: _swap(m, "a", "b"), "break ties alphabetically"),
], ids=["unk-last", "no-unk", "gap", "missing-index", "extra", "frequency", "ties"])
def test_vocab_explains_wrong_answers(make, message):
    mapping = by_hand(TOKENS)
    assert mapping["a"] + 1 == mapping["b"]  # both occur once: a tie the test relies on
    with pytest.raises(CheckFailed, match=message):
        check.check_vocab(make(mapping), TOKENS)


def test_vocab_names_a_missing_token():
    mapping = by_hand(TOKENS)
    del mapping["z"]
    with pytest.raises(CheckFailed, match=r"missing, e.g. \['z'\]"):
        check.check_vocab({t: i for i, t in enumerate(sorted(mapping, key=mapping.get))}, TOKENS)


def test_vocab_rejects_a_list():
    with pytest.raises(CheckFailed, match="expected a dict token -> index, got list"):
        check.check_vocab(["<unk>", "a"], ["a"])


# ----------------------------------------------------------------- 03: perplexity


@pytest.mark.parametrize("fn", [
    lambda p: float(np.exp(-np.mean(np.log(p)))),
    lambda p: float(2 ** np.mean(-np.log2(p))),
    lambda p: float(np.prod(p) ** (-1 / len(p))),
    text.perplexity,
], ids=["exp-mean-nll", "base-2", "geometric-mean", "d2lite"])
def test_perplexity_accepts_right_answers(fn):
    assert check.check_perplexity(fn).startswith("Correct: 1 for a perfect model")


@pytest.mark.parametrize("fn, message", [
    (lambda p: float(np.exp(-np.sum(np.log(p)))), r"you return 2000, which is exp of the \*sum\*"),
    (lambda p: float(np.mean(1 / p)), "arithmetic mean of 1/p"),
    (lambda p: float(np.exp(np.mean(np.log(p)))), "minus sign is missing"),
    (lambda p: float(np.exp(-np.mean(np.log(p)))) if len(p) == 5 else 0.0,
     r"for a perfect model \(every p = 1\) the perplexity is 1, got 0\."),
    (lambda p: float(np.exp(-np.mean(np.log(p[:-1])))), r"= 4\.573, got 3\.162\."),
    (lambda p: [1.0, 2.0], "should return one number .*not 'list'"),
], ids=["sum", "arithmetic", "no-minus", "special-cased", "drops-one", "not-a-number"])
def test_perplexity_explains_wrong_answers(fn, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_perplexity(fn)


def test_perplexity_is_checked_against_d2lite_text(monkeypatch):
    # The series has one definition of perplexity, d2lite.text.perplexity; the check uses it.
    def right(p):
        return float(np.exp(-np.mean(np.log(p))))

    monkeypatch.setattr(text, "perplexity", lambda probs: 2 * right(probs))
    with pytest.raises(CheckFailed, match=r"= 9\.146, got 4\.573\."):
        check.check_perplexity(right)
    # ... for the perfect model and uniform guessing too.
    assert check.check_perplexity(lambda p: 2 * right(p)).startswith("Correct")


# ----------------------------------------------------------------- 04: clipping


def numpy_clip(grads, theta):
    norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads))
    return [g * min(1.0, theta / norm) for g in grads]


@pytest.mark.parametrize("clip", [
    numpy_clip,
    lambda grads, theta: [np.asarray(g) for g in training.clip_gradients(grads, theta)],
], ids=["numpy", "d2lite"])
def test_clip_accepts_right_answers(clip):
    assert check.check_clip_gradients(clip).startswith("Correct: all gradients are scaled")


def _in_place(grads, theta):
    scale = min(1.0, theta / np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    for g in grads:
        g *= scale
    return grads


@pytest.mark.parametrize("clip, message", [
    (lambda grads, theta: [g * min(1.0, theta / np.linalg.norm(g)) for g in grads],
     "on its own"),
    (lambda grads, theta: [np.clip(g, -theta, theta) for g in grads], "one by one"),
    (lambda grads, theta: [g * theta / np.sqrt(sum(np.sum(h ** 2) for h in grads))
                           for g in grads], "left alone"),
    (_in_place, "in place"),
    (lambda grads, theta: [np.concatenate([np.ravel(g) for g in grads]) / 13], "same shapes"),
    (lambda grads, theta: [g / 12 for g in grads], r"global norm 13.*got \[\[0\.25, 0\.3333\]"),
], ids=["per-tensor", "element-wise", "scales-up", "in-place", "flattened", "wrong-scale"])
def test_clip_explains_wrong_answers(clip, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_clip_gradients(clip)
