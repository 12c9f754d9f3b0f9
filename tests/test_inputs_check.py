"""d2lite.check under bad student answers: every check answers with a clear CheckFailed.

A student's code is untrusted wherever it is checked. Each row of `CAMPAIGN` is one
bad answer to one public check (None, something that is not a function, a function
that raises, has the wrong signature, returns the wrong type, dtype or shape, NaN or
infinity, an empty array, an object that claims to equal everything, an ndarray
subclass, changes its inputs to fool the comparison, or loops forever) and a regex
the CheckFailed message must match: it says what was called with what and what is
wrong. `INSTRUCTOR` rows are bad instructor-side arguments (`tau`, `n_train`, `L`,
`gap`, `timeout`, ...): a ValueError naming the argument and the value.

Then the time limit itself (SIGALRM handler and timer restored, nesting, no limit
where SIGALRM cannot be used), and `check_ising_model` on valid and invalid models.
Endless loops run with a 0.3 s limit, so the file stays fast.
"""

import math
import signal
import threading
import time

import keras
import numpy as np
import pytest

from d2lite import check, layers
from d2lite.check import CheckFailed, _core
from test_check_adding import adding_problem

TC = 2.0 / np.log(1.0 + np.sqrt(2.0))
LIMIT = 0.3  # seconds, for the endless loops
LOOP = rf"did not return within {LIMIT:g} s: an endless loop\?"


# ----------------------------------------------------------------- the bad answers


class AlwaysEqual:
    """An object that claims to equal everything (and is not a number)."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


class Liar(np.ndarray):
    """An ndarray subclass whose comparisons always say "equal"."""

    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool)

    __hash__ = None


class LyingInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class LyingFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def liar(shape):
    return np.zeros(shape).view(Liar)


def loop(*args, **kwargs):
    while True:
        pass


def sleepy(*args, **kwargs):
    time.sleep(100)


def raises(*args, **kwargs):
    return 1 / 0


def swallows_everything_once(*args, **kwargs):
    try:
        while True:
            pass
    except BaseException:  # catches the time limit's exception once
        pass
    while True:
        pass


def one_argument(x):
    return x


# ----------------------------------------------------------------- right answers to build on


def forecast(predict, history, k, tau):
    values = list(history)
    for _ in range(k):
        values.append(predict(np.array(values[-tau:])))
    return np.array(values[len(history):])


def perplexity(p):
    return float(np.exp(-np.mean(np.log(p))))


def clip(grads, theta):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * min(1.0, theta / norm) for g in grads]


def bptt(x, h, g, W_h):
    dW_h, dW_x, from_later = np.zeros_like(W_h), np.zeros((len(W_h), x.shape[1])), np.zeros(len(W_h))
    for t in range(len(x), 0, -1):
        delta = (1 - h[t] ** 2) * (g[t - 1] + from_later)
        dW_h, dW_x = dW_h + np.outer(delta, h[t - 1]), dW_x + np.outer(delta, x[t - 1])
        from_later = W_h.T @ delta
    return dW_h, dW_x, from_later


def pad(seqs, max_len, padding="post", truncating="post"):
    return keras.utils.pad_sequences(seqs, maxlen=max_len, padding=padding,
                                     truncating=truncating, value=0)


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def gru_step(X, H, kernel, recurrent_kernel, bias):
    W_xz, W_xr, W_xh = np.split(kernel, 3, axis=1)
    W_hz, W_hr, W_hh = np.split(recurrent_kernel, 3, axis=1)
    b_z, b_r, b_h = np.split(bias, 3)
    Z = sigmoid(X @ W_xz + H @ W_hz + b_z)
    R = sigmoid(X @ W_xr + H @ W_hr + b_r)
    return Z * H + (1 - Z) * np.tanh(X @ W_xh + (R * H) @ W_hh + b_h)


def lstm_step(X, H, C, kernel, recurrent_kernel, bias):
    a_i, a_f, a_c, a_o = np.split(X @ kernel + H @ recurrent_kernel + bias, 4, axis=1)
    C = sigmoid(a_f) * C + sigmoid(a_i) * np.tanh(a_c)
    return sigmoid(a_o) * np.tanh(C), C


def bidirectional(forward_step, backward_step, X, H0):
    T = X.shape[1]
    H, forward = H0, []
    for t in range(T):
        H = forward_step(X[:, t], H)
        forward.append(H)
    H, backward = H0, [None] * T
    for t in reversed(range(T)):
        H = backward_step(X[:, t], H)
        backward[t] = H
    return np.concatenate([np.stack(forward, 1), np.stack(backward, 1)], axis=-1)


def num_params(vocab_size, units, num_layers, cell):
    g = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    V, h = vocab_size, units
    return sum(g * (d * h + h * h + h) for d in [V] + [h] * (num_layers - 1)) + h * V + V


def make_windows(series, tau):
    return np.stack([series[i:i + tau] for i in range(len(series) - tau)]), series[tau:]


def rmse(y, p):
    return float(np.sqrt(np.mean((np.ravel(y) - np.ravel(p)) ** 2)))


def mae(y, p):
    return float(np.mean(np.abs(np.ravel(y) - np.ravel(p))))


def crossing(t, p):
    i = np.flatnonzero(p < 0.5)[0]
    return t[i - 1] + (p[i - 1] - 0.5) / (p[i - 1] - p[i]) * (t[i] - t[i - 1])


def beam(next_log_probs, eos, beam_width, max_len):
    beams = [((), 0.0)]
    for _ in range(max_len):
        candidates = []
        for tokens, score in beams:
            if tokens and tokens[-1] == eos:
                candidates.append((tokens, score))
                continue
            candidates += [(tokens + (v,), score + lp) for v, lp in enumerate(next_log_probs(tokens))]
        beams = sorted(candidates, key=lambda c: -c[1])[:beam_width]
    return list(beams[0][0]), beams[0][1]


TOKENS = list("abacab")
VOCAB = {"<unk>": 0, "a": 1, "b": 2, "c": 3}
PRICES = 100 + np.cumsum(np.random.default_rng(1).normal(0, 1, 120))
N_TRAIN = 80
SPLIT = dict(tau=5, n_train=28, n_val=34, num_windows=35)
DAY = np.arange(5, 40)
TRAIN, VAL, TEST = DAY < 28, (DAY >= 28) & (DAY < 34), DAY >= 34
BASE_DAYS = np.arange(100, 120)
PERSISTENCE = PRICES[BASE_DAYS - 1]
MOVING = np.array([PRICES[t - 10:t].mean() for t in BASE_DAYS])
TEMPS = np.repeat([1.5, 2.0, 2.2, 2.3, 2.6, 3.0], 2)
LABELS = (TEMPS < TC).astype(float)
MASK = np.abs(TEMPS - TC) > 0.1


def baselines(persistence=PERSISTENCE, moving=MOVING, **kw):
    return lambda: check.check_stock_baselines(persistence, moving, PRICES,
                                               **{"n_val": 100, "tau": 10, **kw})


def labels(y=LABELS, mask=MASK, T=TEMPS, gap=0.1):
    return lambda: check.check_ising_labels(y, mask, T, gap=gap)


def split(train=TRAIN, val=VAL, test=TEST, **kw):
    return lambda: check.check_stock_split(train, val, test, **{**SPLIT, **kw})


def scaler(value, series=PRICES, n_train=N_TRAIN):
    return lambda: check.check_stock_scaler(value, series, n_train)


# ----------------------------------------------------------------- tampering students


def forecast_tampering(predict, history, k, tau):
    history.setflags(write=True)  # a copy it owns: it may make it writable
    history[:] = 0.0
    return np.zeros(k)  # what the model predicts from a history of zeros


def forecast_writing(predict, history, k, tau):
    history[-1] = 0.0  # the history is read-only
    return forecast(predict, history, k, tau)


def perplexity_tampering(p):
    p[:] = 1.0  # a perfect model ...
    return 1.0  # ... scores 1


def clip_tampering(grads, theta):
    for g in grads:
        g.setflags(write=True)
        g[...] = 0.0
    return [g.copy() for g in grads]  # "clipped" the zeroed gradients: unchanged


def bptt_tampering(x, h, g, W_h):
    for a in (x, h, g, W_h):
        a.setflags(write=True)
        a[...] = 0.0
    return np.zeros_like(W_h), np.zeros((len(W_h), x.shape[1])), np.zeros(len(W_h))


def pad_tampering(seqs, max_len, padding="post", truncating="post"):
    for seq in seqs:
        seq.clear()  # no tokens left ...
    return np.zeros((len(seqs), max_len), dtype=int)  # ... so all padding is "right"


def pad_always_equal(seqs, max_len, padding="post", truncating="post"):
    out = pad(seqs, max_len, padding, truncating)
    for seq in seqs:
        seq[:] = [AlwaysEqual()] * len(seq)  # tokens that claim to be the ones given
    return out


def gru_tampering(X, H, kernel, recurrent_kernel, bias):
    for a in (X, H, kernel, recurrent_kernel, bias):
        a[...] = 0.0
    return np.zeros(H.shape)  # the GRU step of all zeros


def lstm_tampering(X, H, C, kernel, recurrent_kernel, bias):
    for a in (X, H, C, kernel, recurrent_kernel, bias):
        a[...] = 0.0
    return np.zeros(H.shape), np.zeros(C.shape)


def bidirectional_tampering(forward_step, backward_step, X, H0):
    X.setflags(write=True)
    X[...] = 0.0
    return bidirectional(forward_step, backward_step, X, H0)


def windows_tampering(series, tau):
    series.setflags(write=True)
    series[:] = np.arange(len(series)) + 1000.0 + 1
    return make_windows(series, tau)


def metrics_tampering(y, p):
    p[...] = np.reshape(y, np.shape(p)) if np.size(p) == np.size(y) else p
    return 0.0  # the error of a perfect prediction


def crossing_tampering(t, p):
    t[:] = 2.5
    return float(t[0])


# ----------------------------------------------------------------- the campaign


def row(id, call, pattern):
    return pytest.param(call, pattern, id=id)


def fn_rows(name, run, *, right, shape_of_nan, empty, signature=one_argument, what=None):
    """The rows every check of a student's function gets.

    `run(fn, **kw)` runs the check on `fn`; `shape_of_nan(value)` builds a right-shaped
    answer with a NaN in it from `value`; `empty` is the regex for an empty answer. The
    answers take keyword arguments too (`pad(seqs, max_len, padding=..., truncating=...)`).
    """
    what = what or name
    return [
        row(f"{name}-none", lambda: run(None), rf"cannot be run: `{what}` should be a function, "
                                              "got None"),
        row(f"{name}-not-callable", lambda: run(np.zeros(3)),
            rf"`{what}` should be a function, got an array of shape \(3,\).*Pass the function "
            "itself"),
        row(f"{name}-number", lambda: run(42), rf"`{what}` should be a function, got 42"),
        row(f"{name}-raises", lambda: run(raises),
            r"raised ZeroDivisionError: division by zero \(at line \d+: return 1 / 0\)"),
        row(f"{name}-signature", lambda: run(signature),
            rf"cannot be called: your `{what}` is defined as {what}\("),
        row(f"{name}-returns-none", lambda: run(lambda *a, **k: None),
            r"None: does the function end with `return"),
        row(f"{name}-returns-string", lambda: run(lambda *a, **k: "1.5"), r"string '1\.5'"),
        row(f"{name}-returns-bool", lambda: run(lambda *a, **k: True), r"True \(a bool\)"),
        row(f"{name}-returns-always-equal", lambda: run(lambda *a, **k: AlwaysEqual()),
            r"AlwaysEqual object"),
        row(f"{name}-returns-nan", lambda: run(
            lambda *a, **k: shape_of_nan(right(*a, **k), np.nan)), r"NaN"),
        row(f"{name}-returns-inf", lambda: run(
            lambda *a, **k: shape_of_nan(right(*a, **k), np.inf)), r"infinity|returned inf"),
        row(f"{name}-returns-empty", lambda: run(lambda *a, **k: np.array([])), empty),
        row(f"{name}-loops", lambda: run(loop, timeout=LIMIT),
            LOOP + r" .*running line \d+ \(`(while True:|pass)`\)"),
        row(f"{name}-sleeps", lambda: run(sleepy, timeout=LIMIT),
            LOOP + r" .*\(`time\.sleep\(100\)`\)"),
    ]


def with_nan(value, bad):
    """`value` (an array, a number or a pair of arrays) with `bad` in its first entry."""
    if isinstance(value, tuple):
        return (with_nan(value[0], bad), value[1])
    if np.ndim(value) == 0:
        return bad
    value = np.array(value, dtype=float)
    value.flat[0] = bad
    return value


CAMPAIGN = [
    # ---------------------------------------------------------- 01 check_k_step_forecast
    *fn_rows("forecast", lambda fn, **kw: check.check_k_step_forecast(fn, **kw), right=forecast,
             shape_of_nan=with_nan, empty=r"should return the 5 predicted values, got 0"),
    row("forecast-describes-the-call", lambda: check.check_k_step_forecast(raises),
        r"^forecast\(predict, history, k=5, tau=2\) with history = \[1\.0, 2\.0, 3\.0, 4\.0\] "
        "raised ZeroDivisionError"),
    row("forecast-wrong-length", lambda: check.check_k_step_forecast(
        lambda p, h, k, tau: forecast(p, h, k, tau)[:3]), r"got 3 value\(s\)"),
    row("forecast-ragged", lambda: check.check_k_step_forecast(lambda *a: [[1.0], [1.0, 2.0]]),
        "rows have different lengths"),
    row("forecast-list-of-none", lambda: check.check_k_step_forecast(lambda *a: [None] * 5),
        "holds None"),
    row("forecast-strings", lambda: check.check_k_step_forecast(lambda *a: ["1"] * 5),
        "got strings"),
    row("forecast-complex", lambda: check.check_k_step_forecast(lambda *a: np.ones(5) * 1j),
        "complex"),
    row("forecast-liar-array", lambda: check.check_k_step_forecast(lambda *a: liar(5)),
        r"prediction 1 of 5 is 0; expected 5\.5"),
    row("forecast-tampers-with-history", lambda: check.check_k_step_forecast(forecast_tampering),
        "changed the history"),
    row("forecast-writes-into-read-only-history",
        lambda: check.check_k_step_forecast(forecast_writing), "changed the history"),
    row("forecast-bad-window", lambda: check.check_k_step_forecast(
        lambda predict, h, k, tau: [predict("ab")] * k), "`predict` was given the string"),
    row("forecast-swallows-the-limit", lambda: check.check_k_step_forecast(
        swallows_everything_once, timeout=LIMIT), LOOP),
    row("forecast-exit", lambda: check.check_k_step_forecast(lambda *a: exit()),
        r"called exit\(\)"),
    # ---------------------------------------------------------- 03 check_perplexity
    *fn_rows("perplexity", lambda fn, **kw: check.check_perplexity(fn, **kw), right=perplexity,
             shape_of_nan=with_nan, signature=lambda p, q: 1.0,
             empty=r"should return one number .*got an array of shape \(0,\)"),
    row("perplexity-string-number", lambda: check.check_perplexity(lambda p: str(perplexity(p))),
        r"got the string '4\.57.*not text"),
    row("perplexity-array", lambda: check.check_perplexity(lambda p: -np.log(p)),
        r"got an array of shape \(5,\), not one number: reduce it"),
    row("perplexity-lying-float", lambda: check.check_perplexity(lambda p: LyingFloat(0.0)),
        r"the perplexity is exp\(mean\(-log p\)\) = 4\.573, got 0\."),
    row("perplexity-tampering", lambda: check.check_perplexity(perplexity_tampering),
        r"= 4\.573, got 1\."),
    row("perplexity-raises-key-error", lambda: check.check_perplexity(lambda p: {}[0]),
        r"^perplexity\(probs\) with probs = \[0\.5, .*\] raised KeyError: 0"),
    row("perplexity-complex", lambda: check.check_perplexity(lambda p: 4.57 + 0j),
        "complex number"),
    # ---------------------------------------------------------- 04 check_clip_gradients
    *fn_rows("clip", lambda fn, **kw: check.check_clip_gradients(fn, **kw), right=clip,
             shape_of_nan=lambda v, bad: [with_nan(v[0], bad), v[1]],
             empty=r"should return a list of arrays, got an array of shape \(0,\)"),
    row("clip-in-place", lambda: check.check_clip_gradients(
        lambda grads, theta: [g.__imul__(0.5) for g in grads]), "in place"),
    row("clip-tampering", lambda: check.check_clip_gradients(clip_tampering), "in place"),
    row("clip-list-of-none", lambda: check.check_clip_gradients(lambda g, t: [None, None]),
        r"gradient 0 returned by `clip` should be an array, got None"),
    row("clip-list-of-always-equal", lambda: check.check_clip_gradients(
        lambda g, t: [AlwaysEqual(), AlwaysEqual()]), "gradient 0 .* AlwaysEqual object"),
    row("clip-empty-list", lambda: check.check_clip_gradients(lambda g, t: []),
        r"one array per gradient.*got \[\]"),
    row("clip-dict", lambda: check.check_clip_gradients(lambda g, t: {0: g[0]}),
        "list of arrays, got dict"),
    row("clip-liars", lambda: check.check_clip_gradients(
        lambda g, t: [liar(2), liar((1, 1))]), "global norm 13"),
    row("clip-generator", lambda: check.check_clip_gradients(
        lambda g, t: (x for x in clip(g, t))), "^Correct"),  # a generator is fine
    # ---------------------------------------------------------- 04 check_bptt
    *fn_rows("bptt", lambda fn, **kw: check.check_bptt(fn, **kw), right=bptt,
             shape_of_nan=lambda v, bad: (with_nan(v[0], bad), *v[1:]),
             empty=r"should return the triple \(dW_h, dW_x, dh_0\), got an array of shape \(0,\)"),
    row("bptt-describes-the-call", lambda: check.check_bptt(raises),
        r"^bptt\(x, h, g, W_h\) with T = 4 steps, n = 3 units and d = 5 inputs \(x \(4, 5\), "
        r"h \(5, 3\), g \(4, 3\), W_h \(3, 3\)\) raised ZeroDivisionError"),
    row("bptt-tampering", lambda: check.check_bptt(bptt_tampering), "changed the arrays"),
    row("bptt-writes-read-only", lambda: check.check_bptt(
        lambda x, h, g, W_h: g.__iadd__(1.0)), r"changed the arrays .*read-only"),
    row("bptt-pair", lambda: check.check_bptt(lambda *a: bptt(*a)[:2]),
        r"triple \(dW_h, dW_x, dh_0\), got tuple with 2 items\.$"),
    row("bptt-dict", lambda: check.check_bptt(lambda *a: dict(zip("abc", bptt(*a)))),
        r"triple .*got dict with 3 entries"),
    row("bptt-triple-of-none", lambda: check.check_bptt(lambda *a: (None, None, None)),
        r"dW_h returned by `bptt` should be an array, got None"),
    row("bptt-triple-of-always-equal", lambda: check.check_bptt(
        lambda *a: (AlwaysEqual(),) * 3), r"dW_h returned by .*AlwaysEqual object"),
    row("bptt-liars", lambda: check.check_bptt(
        lambda x, h, g, W_h: (liar(W_h.shape), liar((len(W_h), x.shape[1])), liar(len(W_h)))),
        r"dW_h and dW_x and dh_0 are wrong"),
    row("bptt-strings", lambda: check.check_bptt(lambda *a: ("dW_h", "dW_x", "dh_0")),
        r"dW_h returned by `bptt` .*string 'dW_h'"),
    row("bptt-wrong-shape", lambda: check.check_bptt(lambda *a: (bptt(*a)[0], bptt(*a)[1],
                                                                 bptt(*a)[2][:, None])),
        r"dh_0 returned by `bptt` has shape \(3, 1\); expected \(3,\)\.$"),
    row("bptt-inf-in-dh_0", lambda: check.check_bptt(lambda *a: (*bptt(*a)[:2], bptt(*a)[2] + np.inf)),
        r"dh_0 returned by `bptt` holds .*infinity"),
    row("bptt-generator", lambda: check.check_bptt(lambda *a: (v for v in bptt(*a))),
        r"triple .*got generator object"),
    # ---------------------------------------------------------- 04 check_pad_truncate
    *fn_rows("pad", lambda fn, **kw: check.check_pad_truncate(fn, **kw), right=pad,
             shape_of_nan=with_nan, empty=r"should return an array of shape \(len\(seqs\), "
                                          r"max_len\) = \(4, 5\), one row per sequence; got "
                                          r"shape \(0,\)"),
    row("pad-describes-the-call", lambda: check.check_pad_truncate(raises),
        r"^pad\(seqs, max_len=5, padding='post', truncating='post'\) with seqs = \[\[5, 2, 8\], "
        r"\[7, 1, 4, 6, 3, 9, 2\], \[\], \[3, 6, 2, 4, 1\]\] raised ZeroDivisionError"),
    row("pad-tampering", lambda: check.check_pad_truncate(pad_tampering),
        r"changed the lists it was given: seqs\[0\] was \[5, 2, 8\] and is now \[\]"),
    row("pad-always-equal-tokens", lambda: check.check_pad_truncate(pad_always_equal),
        r"seqs\[0\] was \[5, 2, 8\] and is now list with 3 items"),
    row("pad-replaces-a-list", lambda: check.check_pad_truncate(
        lambda seqs, *a, **k: seqs.__setitem__(1, seqs[1][:5]) or pad(seqs, *a, **k)),
        r"seqs\[1\] was replaced"),
    row("pad-list-of-none", lambda: check.check_pad_truncate(lambda *a, **k: [None] * 4),
        "holds None"),
    row("pad-ragged", lambda: check.check_pad_truncate(lambda seqs, m, **k: seqs),
        "rows have different lengths"),
    row("pad-strings", lambda: check.check_pad_truncate(
        lambda *a, **k: pad(*a, **k).astype(str)), "got strings"),
    row("pad-complex", lambda: check.check_pad_truncate(lambda *a, **k: pad(*a, **k) * 1j),
        "complex"),
    row("pad-liar-array", lambda: check.check_pad_truncate(lambda *a, **k: liar((4, 5))),
        r"the row of seqs\[0\] = \[5, 2, 8\] \(3 token\(s\)\) should be \[5, 2, 8, 0, 0\], "
        r"got \[0, 0, 0, 0, 0\]"),
    row("pad-lying-ints", lambda: check.check_pad_truncate(
        lambda *a, **k: np.array([[LyingInt(0)] * 5] * 4, dtype=object)),
        r"should be \[5, 2, 8, 0, 0\], got \[0, 0, 0, 0, 0\]"),
    row("pad-generator", lambda: check.check_pad_truncate(
        lambda *a, **k: (row for row in pad(*a, **k))), "generator"),
    row("pad-float-dtype", lambda: check.check_pad_truncate(
        lambda *a, **k: pad(*a, **k).astype(np.float32)), "dtype float32"),
    row("pad-swallows-the-limit", lambda: check.check_pad_truncate(
        swallows_everything_once, timeout=LIMIT), LOOP),
    row("pad-exit", lambda: check.check_pad_truncate(lambda *a, **k: exit()),
        r"called exit\(\)"),
    # ---------------------------------------------------------- 05 check_gru_step
    *fn_rows("gru_step", lambda fn, **kw: check.check_gru_step(fn, **kw), right=gru_step,
             shape_of_nan=with_nan, empty=r"the new state has shape \(2, 3\).*got \(0,\)"),
    row("gru-describes-shapes", lambda: check.check_gru_step(raises),
        r"X of shape \(2, 4\), H_prev \(2, 3\), kernel \(4, 9\), recurrent_kernel \(3, 9\), "
        r"bias \(9,\) raised ZeroDivisionError"),
    row("gru-tampering", lambda: check.check_gru_step(gru_tampering), "differs from the slides"),
    row("gru-liar-array", lambda: check.check_gru_step(lambda X, H, *a: liar(H.shape)),
        "differs from the slides"),
    row("gru-bools", lambda: check.check_gru_step(lambda X, H, *a: H > 0), "booleans"),
    row("gru-object-array", lambda: check.check_gru_step(
        lambda X, H, *a: np.full(H.shape, AlwaysEqual(), dtype=object)), "AlwaysEqual object"),
    row("gru-transposed", lambda: check.check_gru_step(lambda *a: gru_step(*a).T),
        r"shape \(2, 3\).*got \(3, 2\)"),
    # ---------------------------------------------------------- 06 check_lstm_step
    *fn_rows("lstm_step", lambda fn, **kw: check.check_lstm_step(fn, **kw), right=lstm_step,
             shape_of_nan=with_nan, empty=r"should return the pair \(H_t, C_t\).*ndarray"),
    row("lstm-pair-of-none", lambda: check.check_lstm_step(lambda *a: (None, None)),
        r"H_t returned by .* should be an array, got None"),
    row("lstm-pair-of-strings", lambda: check.check_lstm_step(lambda *a: ("H", "C")),
        r"H_t returned by .*string 'H'"),
    row("lstm-nan-memory", lambda: check.check_lstm_step(
        lambda *a: (lstm_step(*a)[0], lstm_step(*a)[1] * np.nan)), r"C_t returned by .* NaN"),
    row("lstm-tampering", lambda: check.check_lstm_step(lstm_tampering), "differs from the slides"),
    row("lstm-liars", lambda: check.check_lstm_step(
        lambda X, H, *a: (liar(H.shape), liar(H.shape))), "differs from the slides"),
    row("lstm-always-equal-pair", lambda: check.check_lstm_step(
        lambda *a: (AlwaysEqual(), AlwaysEqual())), "H_t returned by .*AlwaysEqual object"),
    # ---------------------------------------------------------- 06 part 2 check_adding_problem
    *fn_rows("adding_problem", lambda fn, **kw: check.check_adding_problem(fn, **kw),
             right=adding_problem, shape_of_nan=with_nan,
             empty=r"should return the pair \(X, y\).*ndarray"),
    row("adding-pair-of-none", lambda: check.check_adding_problem(lambda *a: (None, None)),
        r"X returned by .* should be an array, got None"),
    row("adding-pair-of-always-equal", lambda: check.check_adding_problem(
        lambda *a: (AlwaysEqual(), AlwaysEqual())), r"X returned by .*AlwaysEqual object"),
    row("adding-triple", lambda: check.check_adding_problem(
        lambda *a: (*adding_problem(*a), None)), r"should return the pair \(X, y\), got tuple of "
                                                 r"length 3"),
    row("adding-y-nan", lambda: check.check_adding_problem(
        lambda *a: (adding_problem(*a)[0], adding_problem(*a)[1] * np.nan)),
        r"y returned by .* NaN"),
    row("adding-transposed", lambda: check.check_adding_problem(
        lambda *a: adding_problem(*a, transpose=True)), "the two features come last"),
    row("adding-sums-everything", lambda: check.check_adding_problem(
        lambda *a: adding_problem(*a, target="all")), "y is the sum of every value"),
    row("adding-seed-ignored", lambda: check.check_adding_problem(
        lambda *a: adding_problem(*a, ignore_seed=True)), "ignores its seed"),
    row("adding-list-pair", lambda: check.check_adding_problem(
        lambda *a: list(adding_problem(*a))), "^Correct"),
    # ---------------------------------------------------------- 07 check_bidirectional
    *fn_rows("bidirectional", lambda fn, **kw: check.check_bidirectional(fn, **kw),
             right=bidirectional, shape_of_nan=with_nan,
             empty=r"the result has shape \(0,\); expected \(batch, T, 2h\) = \(2, 5, 4\)"),
    row("bidirectional-tampering", lambda: check.check_bidirectional(bidirectional_tampering),
        "changed X or H0 in place"),
    row("bidirectional-writes-read-only", lambda: check.check_bidirectional(
        lambda f, b, X, H0: X.__setitem__(0, 0.0)), "changed X or H0 in place"),
    row("bidirectional-liar", lambda: check.check_bidirectional(lambda *a: liar((2, 5, 4))),
        r"the first half \(the forward RNN\) is wrong"),
    row("bidirectional-bad-step-call", lambda: check.check_bidirectional(
        lambda f, b, X, H0: f(X, H0)), r"raised ValueError: .*\(at line \d+: lambda f, b, X, H0"),
    # ---------------------------------------------------------- 08 check_stacked_num_params
    *fn_rows("num_params", lambda fn, **kw: check.check_stacked_num_params(fn, **kw),
             right=num_params, shape_of_nan=lambda v, bad: bad,
             empty=r"returned an array of shape \(0,\) and dtype float64; a parameter count"),
    row("num_params-lying-int", lambda: check.check_stacked_num_params(lambda *a: LyingInt(0)),
        r"returned 0, expected 80,156"),
    row("num_params-negative", lambda: check.check_stacked_num_params(
        lambda *a: -num_params(*a)), "never negative"),
    row("num_params-float-string", lambda: check.check_stacked_num_params(
        lambda *a: "7964"), r"returned the string '7964'; a parameter count is an integer"),
    row("num_params-half", lambda: check.check_stacked_num_params(lambda *a: 7964.5),
        "a parameter count is an integer"),
    # ---------------------------------------------------------- 09 check_stock_windows
    *fn_rows("make_windows", lambda fn, **kw: check.check_stock_windows(fn, tau=3, **kw),
             right=make_windows, shape_of_nan=lambda v, bad: (v[0], with_nan(v[1], bad)),
             empty=r"should return a pair \(X, y\), got an array of shape \(0,\)"),
    row("windows-tampering", lambda: check.check_stock_windows(windows_tampering, tau=3),
        "changed the series"),
    row("windows-in-place", lambda: check.check_stock_windows(
        lambda s, tau: make_windows(s.__isub__(1000), tau), tau=3), "changed the series"),
    row("windows-pair-of-none", lambda: check.check_stock_windows(lambda s, t: (None, None),
                                                                  tau=3),
        "X returned by make_windows should be an array, got None"),
    row("windows-empty-pair", lambda: check.check_stock_windows(
        lambda s, t: (np.zeros((0, t)), np.zeros(0)), tau=3), "X holds no window"),
    row("windows-liars", lambda: check.check_stock_windows(
        lambda s, t: (liar((4, 3)), liar(4)), tau=3), "the first window should hold days 0..2"),
    row("windows-always-equal", lambda: check.check_stock_windows(
        lambda s, t: (AlwaysEqual(), AlwaysEqual()), tau=3), "X returned by .*AlwaysEqual"),
    row("windows-three", lambda: check.check_stock_windows(
        lambda s, t: (*make_windows(s, t), None), tau=3), "pair .*of length 3"),
    # ---------------------------------------------------------- 09 check_stock_metrics
    *fn_rows("rmse", lambda fn, **kw: check.check_stock_metrics(fn, mae, **kw), right=rmse,
             shape_of_nan=with_nan, empty=r"did not return one number .*shape \(0,\)"),
    *fn_rows("mae", lambda fn, **kw: check.check_stock_metrics(rmse, fn, **kw), right=mae,
             shape_of_nan=with_nan, empty=r"did not return one number .*shape \(0,\)"),
    row("rmse-tampering", lambda: check.check_stock_metrics(metrics_tampering, mae),
        r"`rmse` returned 0 for .*expected 0\.9682"),
    row("mae-lying-float", lambda: check.check_stock_metrics(rmse, lambda y, p: LyingFloat(0)),
        r"`mae` returned 0 for .*expected 0\.875"),
    row("rmse-column-raises", lambda: check.check_stock_metrics(
        lambda y, p: rmse(y, p) if np.ndim(p) == 1 else np.broadcast_to(p, (5, 5)), mae),
        r"with y_pred of shape \(4, 1\) .*raised ValueError.*; flatten both arguments"),
    row("rmse-column-nan", lambda: check.check_stock_metrics(
        lambda y, p: rmse(y, p) if np.ndim(p) == 1 else math.nan, mae),
        r"y_pred of shape \(4, 1\) .*returned nan, which is not a finite number"),
    # ---------------------------------------------------------- 10 check_ising_crossing
    *fn_rows("crossing", lambda fn, **kw: check.check_ising_crossing(fn, **kw), right=crossing,
             shape_of_nan=with_nan, empty=r"should return one temperature .*shape \(0,\)"),
    row("crossing-string", lambda: check.check_ising_crossing(lambda t, p: "2.5"),
        r"should return one temperature \(got the string '2\.5'"),
    row("crossing-tampering", lambda: check.check_ising_crossing(crossing_tampering),
        r"returned 2\.5, expected 3\.25"),
    row("crossing-lying-float", lambda: check.check_ising_crossing(lambda t, p: LyingFloat(0)),
        r"returned 0, expected 2\.5"),
    row("crossing-index-error", lambda: check.check_ising_crossing(lambda t, p: t[99]),
        r"raised IndexError: index 99 is out of bounds .*\(at line"),
    # ---------------------------------------------------------- 02 check_vocab
    row("vocab-none", lambda: check.check_vocab(None, TOKENS), "expected a dict token -> index, "
                                                              "got None"),
    row("vocab-list", lambda: check.check_vocab(list(VOCAB), TOKENS), "got list"),
    row("vocab-float-indices", lambda: check.check_vocab(
        {t: float(i) for t, i in VOCAB.items()}, TOKENS),
        r"the index of '<unk>' should be an integer, got 0\.0 \(a float"),
    row("vocab-bool-index", lambda: check.check_vocab({**VOCAB, "<unk>": False}, TOKENS),
        r"index of '<unk>' should be an integer, got False \(a bool\)"),
    row("vocab-string-index", lambda: check.check_vocab({**VOCAB, "a": "1"}, TOKENS),
        r"index of 'a' should be an integer, got the string '1'"),
    row("vocab-none-index", lambda: check.check_vocab({**VOCAB, "c": None}, TOKENS),
        "index of 'c' should be an integer, got None"),
    row("vocab-nan-index", lambda: check.check_vocab({**VOCAB, "c": math.nan}, TOKENS),
        "index of 'c' should be an integer, got nan"),
    row("vocab-always-equal-index", lambda: check.check_vocab(
        {t: AlwaysEqual() for t in VOCAB}, TOKENS), "should be an integer, got AlwaysEqual"),
    row("vocab-lying-int", lambda: check.check_vocab(
        {"<unk>": LyingInt(0), "a": LyingInt(3), "b": LyingInt(2), "c": LyingInt(1)}, TOKENS),
        r"'c' \(count 1\) comes before 'b' \(count 2\)"),
    row("vocab-always-equal-key", lambda: check.check_vocab({AlwaysEqual(): 0}, TOKENS),
        "keys should be the tokens .*AlwaysEqual object"),
    row("vocab-reversed", lambda: check.check_vocab({i: t for t, i in VOCAB.items()}, TOKENS),
        "maps indices to tokens"),
    row("vocab-empty", lambda: check.check_vocab({}, TOKENS), "the vocabulary is empty"),
    row("vocab-numpy-ints", lambda: check.check_vocab(
        {t: np.int64(i) for t, i in VOCAB.items()}, TOKENS), "^Correct"),  # numpy ints are fine
    # ---------------------------------------------------------- 09 check_stock_scaler
    row("scaler-none", scaler(None), r"a pair \(mean, std\), got None"),
    row("scaler-strings", scaler(("100", "5")), r"the pair \(mean, std\) .*got strings"),
    row("scaler-bools", scaler((True, False)), r"the pair \(mean, std\) .*booleans"),
    row("scaler-nan", scaler((math.nan, 1.0)), r"are \(nan, 1\.0\), which are not finite"),
    row("scaler-inf", scaler((PRICES[:80].mean(), math.inf)), "not finite numbers"),
    row("scaler-always-equal", scaler(AlwaysEqual()), r"pair \(mean, std\).*AlwaysEqual"),
    row("scaler-pair-of-always-equal", scaler((AlwaysEqual(), AlwaysEqual())),
        r"pair \(mean, std\).*AlwaysEqual"),
    row("scaler-empty", scaler(()), r"a pair \(mean, std\), got tuple with 0 items"),
    row("scaler-dict", scaler({"mean": 1.0, "std": 2.0}), r"pair \(mean, std\), got dict"),
    row("scaler-liar", scaler(np.zeros(2).view(Liar)), "do not match the first 80 days"),
    row("scaler-raising-property", scaler(type("Broken", (), {
        "mean_": property(lambda self: 1 / 0), "scale_": 1.0})()),
        "the scaler could not be read: ZeroDivisionError"),
    row("scaler-looping-property", lambda: _with_timeout(LIMIT, scaler(type("Slow", (), {
        "mean_": property(loop), "scale_": 1.0})())), r"did not finish within 0\.3 s"),
    row("scaler-none-mean", scaler(type("NoMean", (), {"mean_": None, "scale_": np.ones(1)})()),
        "mean_ is None"),
    row("scaler-nan-attribute", scaler(type("NaNs", (), {"mean_": np.array([np.nan]),
                                                         "scale_": np.ones(1)})()),
        "not finite numbers"),
    # ---------------------------------------------------------- 09 check_stock_split
    row("split-none", split(train=None), "`train` should be a slice, a boolean mask or a 1-D "
                                         "array of window positions, got None"),
    row("split-string", split(val="28:34"), "`val` should be .*got the string"),
    row("split-always-equal", split(test=AlwaysEqual()), "`test` should be .*dtype object"),
    row("split-list-of-always-equal", split(test=[AlwaysEqual()] * 3), "dtype object"),
    row("split-float-slice", split(train=slice(0, 23.0)), "slice with 23.0 as a bound"),
    row("split-zero-step", split(train=slice(0, 23, 0)), "step 0"),
    row("split-empty-list", split(val=[]), "`val` selects no window"),
    row("split-2d", split(train=np.arange(23)[None]), r"shape \(1, 23\)"),
    row("split-nan-positions", split(train=np.r_[np.arange(22), np.nan]), "dtype float64"),
    row("split-negative", split(train=np.arange(-1, 23)), "outside 0..34"),
    row("split-bool", split(train=True), "got True"),
    row("split-mask-of-ints", split(train=TRAIN.astype(int)), r"`train` holds only 0s and 1s.*"
                                                             "Make it boolean"),
    # ---------------------------------------------------------- 09 check_stock_baselines
    row("baselines-empty", baselines(persistence=[]), r"one forecast per test day \(20 days, "
                                                      r"from day 100 to 119\), got 0 values"),
    row("baselines-none", baselines(moving=None), "`moving_average` should be an array, got None"),
    row("baselines-strings", baselines(persistence=PERSISTENCE.astype(str)), "got strings"),
    row("baselines-one-string", baselines(persistence="101.5"), "string '101.5'"),
    row("baselines-bools", baselines(persistence=PERSISTENCE > 100), "booleans"),
    row("baselines-nan", baselines(persistence=np.r_[np.nan, PERSISTENCE[1:]]),
        r"`persistence` holds NaN at 1 of 20"),
    row("baselines-none-inside", baselines(moving=[None] * 20), "holds None"),
    row("baselines-inf", baselines(moving=np.r_[MOVING[:-1], np.inf]), "infinity"),
    row("baselines-always-equal", baselines(persistence=AlwaysEqual()), "AlwaysEqual object"),
    row("baselines-liar", baselines(persistence=PERSISTENCE.view(Liar) + 1.0),
        "`persistence` for test day 100"),
    row("baselines-too-long", baselines(persistence=PRICES), "got 120 values"),
    # ---------------------------------------------------------- 10 check_ising_labels
    row("labels-none", labels(y=None), "`labels` should be an array of 0/1 labels, got None"),
    row("labels-string", labels(y="1100"), "got the string"),
    row("labels-strings", labels(y=LABELS.astype(int).astype(str)), "got an array of shape .*<U"),
    row("labels-always-equal", labels(y=[AlwaysEqual()] * 12), "dtype object"),
    row("labels-nan", labels(y=np.r_[np.nan, LABELS[1:]]), r"0 \(disordered\) or 1"),
    row("labels-empty", labels(y=[]), r"one label per configuration, shape \(12,\), got \(0,\)"),
    row("labels-ragged", labels(y=[[1], [1, 0]]), "should be an array of 0/1 labels"),
    row("mask-none", labels(mask=None), "`train_mask` should be a boolean array .*dtype object"),
    row("mask-always-equal", labels(mask=np.full(12, AlwaysEqual())), "dtype object"),
    row("mask-floats", labels(mask=MASK * 1.0), "boolean array"),
    # ---------------------------------------------------------- 11 check_beam_search
    *fn_rows("beam", lambda fn, **kw: check.check_beam_search(fn, **kw), right=beam,
             shape_of_nan=lambda v, bad: (v[0], bad), what="beam_search",
             empty=r"should return a pair \(tokens, log_prob\), got an array of shape \(0,\)"),
    row("beam-describes-the-call", lambda: check.check_beam_search(raises),
        r"^beam_search\(next_log_probs, eos=0, beam_width=1, max_len=4\) raised ZeroDivisionError"),
    row("beam-tokens-nan", lambda: check.check_beam_search(lambda *a: ([np.nan], 0.0)), "NaN"),
    row("beam-tokens-strings", lambda: check.check_beam_search(lambda *a: ("ab", 0.0)), "string"),
    row("beam-tokens-fractions", lambda: check.check_beam_search(lambda *a: ([0.5], 0.0)),
        r"integers in \[0, 5\), got \[0\.5\]"),
    row("beam-tokens-always-equal", lambda: check.check_beam_search(
        lambda *a: (AlwaysEqual(), 0.0)), "AlwaysEqual object"),
    row("beam-tokens-liar", lambda: check.check_beam_search(lambda *a: (liar(4), 0.0)),
        r"returned \(\[0, 0, 0, 0\], 0\.0000\), expected"),
    row("beam-lying-score", lambda: check.check_beam_search(
        lambda *a: (beam(*a)[0], LyingFloat(0.0))), "score is not the sum"),
    row("beam-score-array", lambda: check.check_beam_search(
        lambda *a: (beam(*a)[0], np.ones(3))), r"got an array of shape \(3,\), not one number"),
    row("beam-score-none", lambda: check.check_beam_search(lambda *a: (beam(*a)[0], None)),
        r"log_prob .* \(got None"),
    row("beam-dict", lambda: check.check_beam_search(lambda *a: dict(tokens=[0], score=0.0)),
        r"pair \(tokens, log_prob\), got dict with 2 entries"),
    row("beam-generator", lambda: check.check_beam_search(lambda *a: (x for x in beam(*a))),
        r"pair \(tokens, log_prob\), got generator object"),
    row("beam-tampering", lambda: check.check_beam_search(
        lambda f, *a: f(()).__setitem__(0, 0.0)), "read-only"),
    row("beam-bad-prefix", lambda: check.check_beam_search(
        lambda f, *a: (f([9]), 0.0)), r"next_log_probs\(prefix\) takes the tokens"),
    row("beam-swallows-the-limit", lambda: check.check_beam_search(
        swallows_everything_once, timeout=LIMIT), LOOP),
    row("beam-exit", lambda: check.check_beam_search(lambda *a: exit()), r"called exit\(\)"),
]

# The checks that take a student's function, and those that take values.
FUNCTION_CHECKS = ["check_k_step_forecast", "check_perplexity", "check_clip_gradients", "check_bptt",
                   "check_pad_truncate",
                   "check_gru_step", "check_lstm_step", "check_adding_problem",
                   "check_bidirectional",
                   "check_stacked_num_params", "check_stock_windows", "check_stock_metrics",
                   "check_ising_crossing", "check_ising_model", "check_beam_search"]


def _with_timeout(seconds, call):
    old = check.TIMEOUT
    check.TIMEOUT = seconds
    try:
        return call()
    finally:
        check.TIMEOUT = old


@pytest.mark.parametrize("call, pattern", CAMPAIGN)
def test_bad_answer_is_a_clear_check_failure(call, pattern):
    if pattern == "^Correct":  # rows of unusual but right answers
        assert call().startswith("Correct")
        return
    before = signal.getsignal(signal.SIGALRM)
    start = time.perf_counter()
    with pytest.raises(CheckFailed, match=pattern) as info:
        call()
    assert time.perf_counter() - start < 10 * LIMIT + 5  # the loops end at the limit
    message = str(info.value)
    assert "Correct" not in message and "Traceback" not in message
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_campaign_covers_every_check_and_kind():
    ids = [p.id for p in CAMPAIGN]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 200
    for prefix in ("forecast", "perplexity", "clip", "pad", "gru_step", "lstm_step",
                   "adding_problem",
                   "bidirectional", "num_params", "make_windows", "rmse", "mae", "crossing", "beam"):
        for kind in ("none", "not-callable", "raises", "signature", "returns-none",
                     "returns-string", "returns-bool", "returns-always-equal", "returns-nan",
                     "returns-inf", "returns-empty", "loops", "sleeps"):
            assert f"{prefix}-{kind}" in ids
    for prefix in ("vocab", "scaler", "split", "baselines", "labels", "mask"):
        assert sum(i.startswith(prefix + "-") for i in ids) >= 3, prefix


def test_a_raised_error_is_kept_as_the_cause():
    with pytest.raises(CheckFailed) as info:
        check.check_gru_step(raises)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    with pytest.raises(CheckFailed) as info:
        check.check_k_step_forecast(None)
    assert info.value.__cause__ is None  # nothing was raised: the message says it all


# ----------------------------------------------------------------- the instructor's arguments


def _invalid(name, got):
    return rf"argument `{name}`, expected .*, got {got}\."


INSTRUCTOR = [
    # the time limit, for every check that calls student code
    *[pytest.param(lambda name=name, t=t: getattr(check, name)(*{
        "check_stock_metrics": (rmse, mae), "check_ising_model": (None,)}.get(name, (None,)),
        timeout=t), _invalid("timeout", got), id=f"{name}-timeout-{got}")
      for name in FUNCTION_CHECKS
      for t, got in ((0, "0"), (-1.0, r"-1\.0"), ("10", "'10'"), (True, "True"),
                     (math.nan, "nan"))],
    pytest.param(lambda: _with_timeout(0, lambda: check.check_perplexity(perplexity)),
                 _invalid("d2lite.check.TIMEOUT", "0"), id="module-timeout-zero"),
    pytest.param(lambda: _with_timeout(None, lambda: check.check_perplexity(perplexity)),
                 _invalid("d2lite.check.TIMEOUT", "None"), id="module-timeout-none"),
    # 02
    pytest.param(lambda: check.check_vocab(VOCAB, "abacab"), _invalid("tokens", "the string 'abacab'"),
                 id="vocab-tokens-string"),
    pytest.param(lambda: check.check_vocab(VOCAB, []), _invalid("tokens", r"\[\]"),
                 id="vocab-tokens-empty"),
    pytest.param(lambda: check.check_vocab(VOCAB, [1, 2]), _invalid("tokens", "a list holding 1"),
                 id="vocab-tokens-ints"),
    pytest.param(lambda: check.check_vocab(VOCAB, None), _invalid("tokens", "None"),
                 id="vocab-tokens-none"),
    # 09 windows
    *[pytest.param(lambda tau=tau: check.check_stock_windows(make_windows, tau=tau),
                   _invalid("tau", got), id=f"windows-tau-{got}")
      for tau, got in ((0, "0"), (-3, "-3"), (2.5, r"2\.5"), (True, "True"), ("3", "'3'"),
                       (None, "None"))],
    # 09 scaler
    *[pytest.param(lambda n=n: check.check_stock_scaler((1.0, 1.0), PRICES, n),
                   _invalid("n_train", got), id=f"scaler-n_train-{got}")
      for n, got in ((0, "0"), (120, "120"), (500, "500"), (80.0, r"80\.0"), (True, "True"),
                     (None, "None"))],
    *[pytest.param(lambda s=s: check.check_stock_scaler((1.0, 1.0), s, 2),
                   _invalid("series", got), id=f"scaler-series-{i}")
      for i, (s, got) in enumerate(((None, "None"), ("abc", "'abc'"), ([1.0, np.nan, 2.0], r"\[1\.0, nan, 2\.0\]"),
                                    ([1.0], r"\[1\.0\]"), ([], r"\[\]"), (["1", "2"], ".*<U1"),
                                    ([True, False], ".*dtype bool"), ([[1.0], [1.0, 2.0]], "list with 2 items")))],
    # 09 split
    *[pytest.param(lambda kw=kw: check.check_stock_split(TRAIN, VAL, TEST, **{**SPLIT, **kw}),
                   _invalid(name, got), id=f"split-{name}-{got}")
      for kw, name, got in (({"tau": 0}, "tau", "0"), ({"tau": 5.0}, "tau", r"5\.0"),
                            ({"n_train": 5}, "n_train", "5"), ({"n_train": True}, "n_train", "True"),
                            ({"n_val": 28}, "n_val", "28"), ({"n_val": 40}, "n_val", "40"),
                            ({"n_val": "34"}, "n_val", "'34'"),
                            ({"num_windows": 0}, "num_windows", "0"),
                            ({"num_windows": None}, "num_windows", "None"))],
    # 09 baselines
    *[pytest.param(lambda kw=kw: check.check_stock_baselines(PERSISTENCE, MOVING, PRICES, **{
        "n_val": 100, "tau": 10, **kw}), _invalid(name, got), id=f"baselines-{name}-{got}")
      for kw, name, got in (({"n_val": 120}, "n_val", "120"), ({"n_val": 5}, "n_val", "5"),
                            ({"n_val": 100.0}, "n_val", r"100\.0"), ({"tau": 0}, "tau", "0"),
                            ({"tau": False}, "tau", "False"), ({"n_val": -1}, "n_val", "-1"))],
    pytest.param(lambda: check.check_stock_baselines([], [], PRICES[:100], n_val=100, tau=10),
                 _invalid("n_val", "100"), id="baselines-no-test-days"),
    pytest.param(lambda: check.check_stock_baselines(PERSISTENCE, MOVING, np.r_[PRICES[:-1], np.inf],
                                                     n_val=100, tau=10),
                 _invalid("close", ".*"), id="baselines-close-inf"),
    pytest.param(lambda: check.check_stock_baselines(PERSISTENCE, MOVING, None, n_val=100, tau=10),
                 _invalid("close", "None"), id="baselines-close-none"),
    # 10 labels
    *[pytest.param(lambda g=g: check.check_ising_labels(LABELS, MASK, TEMPS, gap=g),
                   _invalid("gap", got), id=f"labels-gap-{got}")
      for g, got in ((-0.1, r"-0\.1"), (math.nan, "nan"), (math.inf, "inf"), (True, "True"),
                     ("0.1", "'0.1'"), (None, "None"))],
    *[pytest.param(lambda T=T: check.check_ising_labels(LABELS, MASK, T, gap=0.1),
                   _invalid("temperatures", got), id=f"labels-temperatures-{i}")
      for i, (T, got) in enumerate(((None, "None"), ([], r"\[\]"), (np.r_[np.nan, TEMPS[1:]], ".*"),
                                    (-TEMPS, r"\[-1\.5, -1\.5, -2\.0\]"), ("hot", "'hot'")))],
    # 10 model
    *[pytest.param(lambda L=L: check.check_ising_model(None, L=L), _invalid("L", got),
                   id=f"model-L-{got}")
      for L, got in ((1, "1"), (0, "0"), (10.0, r"10\.0"), (True, "True"), ("10", "'10'"),
                     (10**6, "1000000"))],
]


@pytest.mark.parametrize("call, pattern", INSTRUCTOR)
def test_bad_instructor_argument_is_a_value_error(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


# ----------------------------------------------------------------- the time limit


def test_a_slow_right_answer_passes_with_a_larger_limit():
    def slow(*args):
        time.sleep(0.05)
        return num_params(*args)

    with pytest.raises(CheckFailed, match=r"did not return within 0\.01 s"):
        check.check_stacked_num_params(slow, timeout=0.01)
    assert check.check_stacked_num_params(slow, timeout=5).startswith("Correct")
    assert check.check_stacked_num_params(slow, timeout=math.inf).startswith("Correct")


def test_the_module_setting_is_the_default(monkeypatch):
    assert check.TIMEOUT == 10.0
    monkeypatch.setattr(check, "TIMEOUT", LIMIT)
    start = time.perf_counter()
    with pytest.raises(CheckFailed, match=LOOP):
        check.check_ising_crossing(loop)
    assert time.perf_counter() - start < LIMIT + 2
    with pytest.raises(CheckFailed, match=r"within 0\.1 s"):  # the keyword wins
        check.check_ising_crossing(sleepy, timeout=0.1)


@pytest.fixture
def foreign_alarm():
    """A SIGALRM handler of someone else's, put back afterwards."""
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(time.monotonic()))
    try:
        yield fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("student", [loop, sleepy, raises, num_params],
                         ids=["loops", "sleeps", "raises", "right"])
def test_the_previous_handler_and_timer_are_restored(foreign_alarm, student):
    handler = signal.getsignal(signal.SIGALRM)
    signal.setitimer(signal.ITIMER_REAL, 30.0)
    try:
        check.check_stacked_num_params(student, timeout=LIMIT)
    except CheckFailed:
        pass
    assert signal.getsignal(signal.SIGALRM) is handler
    remaining, interval = signal.getitimer(signal.ITIMER_REAL)
    assert 30.0 - 2 * LIMIT - 1 < remaining <= 30.0 and interval == 0.0
    assert not foreign_alarm


def test_an_outside_timer_that_falls_due_still_fires(foreign_alarm):
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    start = time.monotonic()
    with pytest.raises(CheckFailed, match=r"within 0\.5 s"):
        check.check_ising_crossing(loop, timeout=0.5)
    assert len(foreign_alarm) == 1 and foreign_alarm[0] - start < 0.4  # on time, not after
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_limits_nest():
    def expired(tag):
        def fail(error):
            assert isinstance(error, _core._TimedOut)
            raise CheckFailed(tag)
        return fail

    # The inner limit runs out first: the inner call fails, the outer one goes on.
    def outer_body():
        with pytest.raises(CheckFailed, match="^inner$"):
            _core._limited(loop, 0.1, expired("inner"))
        return "outer went on"

    assert _core._limited(outer_body, 5.0, expired("outer")) == "outer went on"
    # The outer limit runs out first: it ends the inner call too, and says so.
    with pytest.raises(CheckFailed, match="^outer$"):
        _core._limited(lambda: _core._limited(loop, 5.0, expired("inner")), 0.2,
                       expired("outer"))
    # A check inside a student's function: each call has its own limit.
    def student(t, p):
        with pytest.raises(CheckFailed, match=LOOP):
            check.check_stacked_num_params(loop, timeout=LIMIT)
        return crossing(t, p)

    assert check.check_ising_crossing(student, timeout=10).startswith("Correct")
    assert _core._limits == [] and _core._outside is None
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_no_limit_outside_the_main_thread_or_without_sigalrm(monkeypatch):
    def slow(*args):
        time.sleep(0.05)
        return num_params(*args)

    results = []
    thread = threading.Thread(target=lambda: results.append(
        check.check_stacked_num_params(slow, timeout=0.01)))
    thread.start()
    thread.join()
    assert results and results[0].startswith("Correct")  # ran to the end, no limit
    monkeypatch.delattr(signal, "setitimer")  # as on Windows
    assert check.check_stacked_num_params(slow, timeout=0.01).startswith("Correct")


# ----------------------------------------------------------------- 10: the models


def seq(*middle, out=None, shape=(10, 10)):
    out = keras.layers.Dense(1, activation="sigmoid") if out is None else out
    return keras.Sequential([keras.Input(shape), *middle, out])


class Classifier(keras.Model):
    """A subclassed model: its `call` decides what comes out."""

    def __init__(self, rnn=None, activation="sigmoid", loops=False):
        super().__init__()
        self.rnn = keras.layers.GRU(4) if rnn is None else rnn
        self.out = keras.layers.Dense(1, activation=activation)
        self.loops = loops

    def call(self, x):
        while self.loops:
            pass
        return self.out(self.rnn(x))


def functional_with_a_sub_model():
    inner_input = keras.Input((10, 10))
    inner = keras.Model(inner_input, keras.layers.LSTM(4)(inner_input))
    inputs = keras.Input((10, 10))
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inner(inputs)))


VALID_MODELS = {
    "nested-sequential": lambda: seq(keras.Sequential([keras.layers.GRU(4)])),
    "twice-nested": lambda: seq(keras.Sequential([keras.Sequential([keras.layers.LSTM(3)])])),
    "functional-sub-model": functional_with_a_sub_model,
    "subclassed-sigmoid": lambda: Classifier(),
    "subclassed-d2lite-cell": lambda: Classifier(keras.layers.RNN(layers.LSTMCell(3))),
    "bidirectional": lambda: seq(keras.layers.Bidirectional(keras.layers.GRU(4))),
    "bidirectional-d2lite": lambda: seq(keras.layers.Bidirectional(
        keras.layers.RNN(layers.SimpleRNNCell(4)))),
    "keras-gru": lambda: seq(keras.layers.GRU(4)),
    "keras-lstm": lambda: seq(keras.layers.LSTM(4)),
    "keras-simple-rnn": lambda: seq(keras.layers.SimpleRNN(4)),
    "rnn-d2lite-gru": lambda: seq(keras.layers.RNN(layers.GRUCell(4))),
    "rnn-d2lite-lstm": lambda: seq(keras.layers.RNN(layers.LSTMCell(4))),
    "rnn-d2lite-simple": lambda: seq(keras.layers.RNN(layers.SimpleRNNCell(4))),
    "stacked": lambda: seq(keras.layers.GRU(4, return_sequences=True), keras.layers.LSTM(3)),
    "row-embedding-first": lambda: seq(keras.layers.Dense(6), keras.layers.GRU(4)),
    "no-input-layer": lambda: keras.Sequential([keras.layers.GRU(4),
                                                keras.layers.Dense(1, activation="sigmoid")]),
}


@pytest.mark.parametrize("make", list(VALID_MODELS.values()), ids=list(VALID_MODELS))
def test_valid_models_pass(make):
    keras.utils.set_random_seed(0)
    assert check.check_ising_model(make()).startswith(
        "Correct: the model reads 10 rows of 10 spins")


INVALID_MODELS = [
    ("linear-output", lambda: seq(keras.layers.GRU(4), out=keras.layers.Dense(1, name="logit")),
     "with activation 'linear', gives values that are not probabilities"),
    ("relu-output", lambda: seq(keras.layers.GRU(4), out=keras.layers.Dense(1, activation="relu")),
     "with activation 'relu'"),
    ("subclassed-linear", lambda: Classifier(activation=None), "which are not probabilities"),
    ("subclassed-tanh", lambda: Classifier(activation="tanh"), "which are not probabilities"),
    ("no-recurrent-layer", lambda: seq(keras.layers.Flatten(), keras.layers.Dense(4)),
     "no recurrent layer"),
    ("reads-100-steps", lambda: seq(keras.layers.Reshape((100, 1)), keras.layers.GRU(4)),
     r"reads sequences of shape \(100, 1\)"),
    ("subclassed-reads-100-steps", lambda: Classifier(keras.Sequential([
        keras.layers.Reshape((100, 1)), keras.layers.GRU(4)])), r"shape \(100, 1\)"),
    ("softmax-over-one", lambda: seq(keras.layers.GRU(4), out=keras.layers.Dense(
        1, activation="softmax")), "softmax over one output"),
]


@pytest.mark.filterwarnings("ignore:You are using a softmax over axis:UserWarning")
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("make, pattern", [m[1:] for m in INVALID_MODELS],
                         ids=[m[0] for m in INVALID_MODELS])
def test_invalid_models_fail_under_every_seed(make, pattern, seed):
    keras.utils.set_random_seed(seed)
    with pytest.raises(CheckFailed, match=pattern):
        check.check_ising_model(make())


def test_bad_models_get_clear_messages():
    def build_rnn():
        return seq(keras.layers.GRU(4))

    with pytest.raises(CheckFailed, match=r"pass the model it builds, e\.g\. "
                                          r"check_ising_model\(build_rnn\(\)\)"):
        check.check_ising_model(build_rnn)
    with pytest.raises(CheckFailed, match="should be a Keras model .*got None"):
        check.check_ising_model(None)
    with pytest.raises(CheckFailed, match="should be a Keras model .*got AlwaysEqual object"):
        check.check_ising_model(AlwaysEqual())
    start = time.perf_counter()
    with pytest.raises(CheckFailed, match=r"model\(lattices\) with lattices of shape "
                                          r"\(2, 10, 10\) " + LOOP + r" .*`while self\.loops:`"):
        check.check_ising_model(Classifier(loops=True), timeout=LIMIT)
    assert time.perf_counter() - start < LIMIT + 5
    model = build_rnn()
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    with pytest.raises(CheckFailed, match="NaN or infinity instead of probabilities"):
        check.check_ising_model(model)
    with pytest.raises(CheckFailed, match=r"cannot take a batch of lattices of shape "
                                          r"\(batch, 10, 10\)") as info:
        check.check_ising_model(seq(shape=(100,)))
    assert info.value.__cause__ is not None
