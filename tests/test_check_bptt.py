"""The check of notebook 04's BPTT exercise accepts right answers and explains wrong ones.

The student writes backpropagation through time for the slides' RNN in column vectors,
h_t = tanh(W_x x_t + W_h h_{t-1}): `bptt(x, h, g, W_h)` returns (dW_h, dW_x, dh_0).
"""

import numpy as np
import pytest

from d2lite import check
from d2lite.check import CheckFailed, language


def bptt(x, h, g, W_h, *, derivative="right", carry="right", uses="h_prev", accumulate=True,
         transpose=False, dh_0="right"):
    """The backward pass with a switch for each mistake the check should name."""
    T, n = g.shape
    dW_h, dW_x = np.zeros((n, n)), np.zeros((n, x.shape[1]))
    from_later = np.zeros(n)
    for t in range(T, 0, -1):
        dh = g[t - 1] + from_later
        tanh_prime = {"right": 1 - h[t] ** 2, "none": 1.0, "of-state": 1 - np.tanh(h[t]) ** 2,
                      "previous": 1 - h[t - 1] ** 2}[derivative]
        delta = tanh_prime * dh
        terms = np.outer(delta, h[t] if uses == "h_t" else h[t - 1]), np.outer(delta, x[t - 1])
        if accumulate:
            dW_h, dW_x = dW_h + terms[0], dW_x + terms[1]
        else:  # `=` where `+=` belongs
            dW_h, dW_x = terms
        first_delta, first_dh = delta, dh
        from_later = {"right": W_h.T @ delta, "none": 0 * delta, "not-transposed": W_h @ delta,
                      "skips-tanh": W_h.T @ dh}[carry]
    start = {"right": from_later, "delta_1": first_delta, "dh_1": first_dh}[dh_0]
    if transpose:
        return dW_h.T, dW_x.T, start
    return dW_h, dW_x, start


def bptt_stored(x, h, g, W_h):
    # All deltas first, then the sums as matrix products: the same gradients.
    T, n = g.shape
    deltas = np.zeros((T + 1, n))  # deltas[T] = 0: nothing comes from after the last step
    for t in range(T, 0, -1):
        deltas[t - 1] = (1 - h[t] ** 2) * (g[t - 1] + W_h.T @ deltas[t])
    return deltas[:T].T @ h[:T], deltas[:T].T @ x, W_h.T @ deltas[0]


def finite_differences(x, h0, g, W_x, W_h, eps=1e-6):
    """(dW_h, dW_x, dh_0) of e = sum_t g_t . h_t by central differences, h_t recomputed."""
    def e(W_x, W_h, h0):
        state, total = h0, 0.0
        for x_t, g_t in zip(x, g):
            state = np.tanh(W_x @ x_t + W_h @ state)
            total += g_t @ state
        return total

    def grad(f, a):
        out = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            up, down = a.copy(), a.copy()
            up[i] += eps
            down[i] -= eps
            out[i] = (f(up) - f(down)) / (2 * eps)
        return out

    return (grad(lambda W: e(W_x, W, h0), W_h), grad(lambda W: e(W, W_h, h0), W_x),
            grad(lambda s: e(W_x, W_h, s), h0))


def test_the_reference_is_the_gradient_of_the_slides_rnn():
    rng = np.random.default_rng(0)
    n, d, T = 3, 4, 5
    W_x, W_h = rng.normal(scale=0.9, size=(n, d)), rng.normal(scale=0.9, size=(n, n))
    x, g = rng.normal(size=(T, d)), rng.normal(size=(T, n))
    h = [np.tanh(rng.normal(size=n))]
    for x_t in x:
        h.append(np.tanh(W_x @ x_t + W_h @ h[-1]))
    h = np.array(h)
    expected = finite_differences(x, h[0], g, W_x, W_h)
    for got, want in zip(language._bptt_variant(x, h, g, W_h), expected):
        assert np.allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", [bptt, bptt_stored], ids=["loop", "stored-deltas"])
def test_bptt_accepts_right_answers(fn):
    assert check.check_bptt(fn).startswith("Correct: delta_t = (1 - h_t^2)")


@pytest.mark.parametrize("change, message", [
    (dict(derivative="none"), r"dW_h and dW_x and dh_0 are wrong: tanh' is missing"),
    (dict(derivative="of-state"), r"tanh' is applied to the state"),
    (dict(derivative="previous"), r"tanh' is taken at the wrong step"),
    (dict(carry="none"), r"nothing flows back through time"),
    (dict(carry="not-transposed"), r"through W_h instead of its transpose"),
    (dict(carry="skips-tanh"), r"what flows back to h_\{t-1\} skips tanh'"),
    (dict(accumulate=False), r"dW_h and dW_x are wrong: the weight gradients hold only the term of "
                             r"step 1.*\+="),
    (dict(uses="h_t"), r"^for T = 4 steps, n = 3 units, dW_h is wrong: dW_h uses h_t"),
    (dict(dh_0="delta_1"), r"dh_0 is wrong: dh_0 is delta_1"),
    (dict(dh_0="dh_1"), r"dh_0 is de/dh_1"),
    (dict(transpose=True), r"dW_x returned by `bptt` has shape \(5, 3\); expected \(3, 5\)\. "
                           r"That is the transpose"),
], ids=["no-tanh-prime", "tanh-of-state", "tanh-prime-of-h-prev", "no-carry", "W_h-not-transposed",
        "carry-skips-tanh", "overwrites", "h_t-for-h_prev", "dh_0-delta", "dh_0-dh_1", "transposed"])
def test_bptt_explains_wrong_answers(change, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_bptt(lambda *a: bptt(*a, **change))


def test_bptt_names_the_last_step_only_and_a_transposed_square_gradient():
    def last_step_only(x, h, g, W_h):
        T, n = g.shape
        dW_h, dW_x, dh_0 = bptt(x, h, g, W_h)
        from_later, deltas = np.zeros(n), []
        for t in range(T, 0, -1):
            deltas.append((1 - h[t] ** 2) * (g[t - 1] + from_later))
            from_later = W_h.T @ deltas[-1]
        return np.outer(deltas[0], h[T - 1]), np.outer(deltas[0], x[T - 1]), dh_0

    with pytest.raises(CheckFailed, match="only the term of step T"):
        check.check_bptt(last_step_only)
    with pytest.raises(CheckFailed, match=r"dW_h is the transpose of de/dW_h.*np\.outer"):
        check.check_bptt(lambda *a: (bptt(*a)[0].T, *bptt(*a)[1:]))
    with pytest.raises(CheckFailed, match=r"dW_x is wrong \(dW_x by up to .*\)\. Go backwards"):
        check.check_bptt(lambda *a: (bptt(*a)[0], bptt(*a)[1] + 0.1, bptt(*a)[2]))


def test_every_mistake_differs_from_the_right_answer_and_from_the_others():
    for x, h, g, W_h in language._bptt_cases(seed=4):
        right = language._bptt_variant(x, h, g, W_h)
        values = [language._bptt_variant(x, h, g, W_h, **change)
                  for change, _ in language._BPTT_MISTAKES]
        for i, value in enumerate(values):
            assert not np.allclose(np.concatenate([np.ravel(v) for v in value]),
                                   np.concatenate([np.ravel(v) for v in right]), atol=1e-6), i
            for j in range(i):
                assert not all(np.allclose(a, b, atol=1e-6) for a, b in zip(value, values[j])), (i, j)


def test_bptt_notices_changed_inputs():
    def in_place(x, h, g, W_h):
        g[:] = 0.0  # read-only: raises
        return bptt(x, h, g, W_h)

    def tampering(x, h, g, W_h):
        for a in (x, h, g, W_h):
            a.setflags(write=True)
            a[...] = 0.0
        return bptt(x, h, g, W_h)

    with pytest.raises(CheckFailed, match=r"changed the arrays it was given in place.*read-only"):
        check.check_bptt(in_place)
    with pytest.raises(CheckFailed, match="changed the arrays it was given in place"):
        check.check_bptt(tampering)
