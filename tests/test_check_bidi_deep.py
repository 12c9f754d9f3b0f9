"""The checks for the exercises of notebooks 07 (bidirectional) and 08 (deep RNNs)
accept right answers and explain wrong ones."""


import numpy as np
import pytest

from d2lite import check, networks
from d2lite.check import CheckFailed
from d2lite.check.architectures import _lm_params


# ----------------------------------------------------------------- 07: bidirectional


def run(step, X, H, times):
    states = []
    for t in times:
        H = step(X[:, t], H)
        states.append(H)
    return np.stack(states, axis=1)


def two_loops(forward_step, backward_step, X, H0):
    T = X.shape[1]
    forward = run(forward_step, X, H0, range(T))
    backward = run(backward_step, X, H0, reversed(range(T)))[:, ::-1]
    return np.concatenate([forward, backward], axis=-1)


def by_reversal(forward_step, backward_step, X, H0):
    # The backward RNN is a forward RNN on the reversed sequence, reversed back.
    T = X.shape[1]
    forward = run(forward_step, X, H0, range(T))
    backward = np.flip(run(backward_step, np.flip(X, axis=1), H0, range(T)), axis=1)
    return np.concatenate([forward, backward], axis=-1)


def with_a_preallocated_array(forward_step, backward_step, X, H0):
    n, T, _ = X.shape
    h = H0.shape[1]
    out = np.zeros((n, T, 2 * h))
    H = H0
    for t in range(T):
        H = forward_step(X[:, t], H)
        out[:, t, :h] = H
    H = H0
    for t in range(T - 1, -1, -1):
        H = backward_step(X[:, t], H)
        out[:, t, h:] = H
    return out.tolist()  # a nested list is fine too


@pytest.mark.parametrize("answer", [two_loops, by_reversal, with_a_preallocated_array])
def test_bidirectional_accepts_right_answers(answer):
    assert check.check_bidirectional(answer).startswith("Correct: H_t = [forward H_t ;")


def _concat(forward, backward, axis=-1):
    return np.concatenate([forward, backward], axis=axis)


def _mutating(forward_step, backward_step, X, H0):
    X[:] = X[:, ::-1]
    return two_loops(forward_step, backward_step, X, H0)


def _raising(forward_step, backward_step, X, H0):
    return forward_step(X, H0)  # X is 3-D: the matmul fails


@pytest.mark.parametrize("answer, message", [
    (lambda f, b, X, H0: _concat(run(f, X, H0, range(X.shape[1])),
                                 run(b, X, H0, reversed(range(X.shape[1])))[:, ::-1], axis=1),
     "stacked along the time axis"),
    (lambda f, b, X, H0: run(f, X, H0, range(X.shape[1])), "you kept one direction or summed"),
    (lambda f, b, X, H0: run(f, X, H0, range(X.shape[1]))
     + run(b, X, H0, reversed(range(X.shape[1])))[:, ::-1], "you kept one direction or summed"),
    (lambda f, b, X, H0: _concat(run(b, X, H0, reversed(range(X.shape[1])))[:, ::-1],
                                 run(f, X, H0, range(X.shape[1]))), "the halves are swapped"),
    (lambda f, b, X, H0: _concat(run(f, X, H0, range(X.shape[1])),
                                 run(b, X, H0, reversed(range(X.shape[1])))),
     "reversed time order"),
    (lambda f, b, X, H0: _concat(run(f, X, H0, range(X.shape[1])),
                                 run(b, X, H0, range(X.shape[1]))), "reads the sequence forwards"),
    (lambda f, b, X, H0: _concat(run(f, X, H0, range(X.shape[1])),
                                 run(f, X, H0, reversed(range(X.shape[1])))[:, ::-1]),
     "uses forward_step"),
    (lambda f, b, X, H0: _concat(run(f, X, H0, range(X.shape[1])),
                                 run(b, X, run(f, X, H0, range(X.shape[1]))[:, -1],
                                     reversed(range(X.shape[1])))[:, ::-1]),
     "starts from the forward RNN's last state"),
    (lambda f, b, X, H0: _concat(run(f, X, H0, range(X.shape[1])),
                                 run(b, X, 0 * H0, reversed(range(X.shape[1])))[:, ::-1]),
     "backward RNN starts from zeros"),
    (lambda f, b, X, H0: _concat(run(f, X, 0 * H0, range(X.shape[1])),
                                 run(b, X, H0, reversed(range(X.shape[1])))[:, ::-1]),
     "forward RNN starts from zeros"),
    (lambda f, b, X, H0: _concat(run(f, X, H0, range(X.shape[1])),
                                 run(b, X[::-1], H0, reversed(range(X.shape[1])))[:, ::-1]),
     "along the batch axis"),
    (lambda f, b, X, H0: _concat(run(f, X[:, ::-1], H0, range(X.shape[1])),
                                 run(b, X, H0, reversed(range(X.shape[1])))[:, ::-1]),
     "the first half .the forward RNN. is wrong"),
    (lambda f, b, X, H0: _concat(run(f, X, H0, range(X.shape[1])),
                                 2 * run(b, X, H0, reversed(range(X.shape[1])))[:, ::-1]),
     "wrong from time step 0 on"),
    (lambda f, b, X, H0: two_loops(f, b, X, H0)[:, :, None], r"expected \(batch, T, 2h\)"),
    (_mutating, "changed X or H0 in place"),
    (_raising, "raised ValueError"),
])
def test_bidirectional_explains_wrong_answers(answer, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_bidirectional(answer)


def test_bidirectional_check_agrees_with_keras():
    # The check's convention is Keras's: Bidirectional(RNN(cell)) with the same weights and
    # initial state H0 for both directions gives the answer the check accepts.
    import keras
    from keras import ops

    from d2lite import layers

    rng = np.random.default_rng(0)
    n, T, d, h = 2, 5, 3, 4
    X = rng.normal(size=(n, T, d)).astype("float32")
    H0 = rng.normal(size=(n, h)).astype("float32")
    bi = keras.layers.Bidirectional(
        keras.layers.RNN(layers.SimpleRNNCell(h), return_sequences=True))
    expected = ops.convert_to_numpy(bi(X, initial_state=[H0, H0]))
    Wf, Uf, bf, Wb, Ub, bb = bi.get_weights()

    def forward_step(x, H):
        return np.tanh(x @ Wf + H @ Uf + bf)

    def backward_step(x, H):
        return np.tanh(x @ Wb + H @ Ub + bb)

    np.testing.assert_allclose(two_loops(forward_step, backward_step, X, H0), expected,
                               atol=1e-5)


# ----------------------------------------------------------------- 08: stacked parameters


GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def num_params(vocab_size, units, num_layers, cell):
    g, V, h = GATES[cell], vocab_size, units
    return sum(g * (d * h + h * h + h) for d in [V] + [h] * (num_layers - 1)) + h * V + V


def by_building_the_model(vocab_size, units, num_layers, cell):
    model = networks.language_model(vocab_size, cell=cell, units=units, num_layers=num_layers,
                                    dropout=0.2 if num_layers > 1 else 0.0, compile=False)
    return model.count_params()


@pytest.mark.parametrize("answer", [num_params, by_building_the_model,
                                    lambda *args: float(num_params(*args)),
                                    lambda *args: np.int64(num_params(*args))])
def test_num_params_accepts_right_answers(answer):
    assert check.check_stacked_num_params(answer).startswith("Correct: g(|V|h + h^2 + h)")


@pytest.mark.parametrize("vocab_size, units, num_layers, cell", [
    (28, 256, 1, "rnn"), (28, 128, 2, "gru"), (28, 128, 3, "lstm"), (40, 64, 4, "gru")])
def test_the_formula_is_the_keras_count(vocab_size, units, num_layers, cell):
    assert _lm_params(vocab_size, units, num_layers, cell) == by_building_the_model(
        vocab_size, units, num_layers, cell)


def _gates(cell):
    return GATES[cell]


@pytest.mark.parametrize("answer, message", [
    (lambda V, h, L, c: L * _gates(c) * (V * h + h * h + h) + h * V + V,
     "every layer was counted as reading the 28 one-hot features"),
    (lambda V, h, L, c: num_params(V, h, 1, c), "only one recurrent layer was counted"),
    (lambda V, h, L, c: sum(d * h + h * h + h for d in [V] + [h] * (L - 1)) + h * V + V,
     "the gates were forgotten: a GRU layer has 3 blocks"),
    (lambda V, h, L, c: num_params(V, h, L, c) - h * V - V, "the output layer is missing"),
    (lambda V, h, L, c: num_params(V, h, L, c) - V, "output layer's bias"),
    (lambda V, h, L, c: num_params(V, h, L, c) - L * _gates(c) * h,
     "recurrent layers' biases are missing"),
    (lambda V, h, L, c: num_params(V, h, L, c) - L * _gates(c) * h * h,
     "recurrent kernels .* are missing"),
    (lambda V, h, L, c: num_params(V, h, L, c) + 1, r"returned 80,157, expected 80,156\. Count"),
    (lambda V, h, L, c: str(num_params(V, h, L, c)), "a parameter count is an integer"),
    (lambda V, h, L, c: num_params(V, h, L, c) + 0.5, "a parameter count is an integer"),
    (lambda V, h, L, c: {"rnn": 1, "gru": 3}[c] and num_params(V, h, L, c),
     "cell='lstm'.* raised KeyError"),
])
def test_num_params_explains_wrong_answers(answer, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_stacked_num_params(answer)
