"""The checks for notebooks 05 (GRU) and 06 (LSTM) accept right answers and explain wrong ones."""


import keras
import numpy as np
import pytest

from d2lite import check, layers
from d2lite.check import CheckFailed


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# ----------------------------------------------------------------- 05: GRU step


def gru_step(X, H, kernel, recurrent_kernel, bias, *, swap_update=False, order="zrh",
             reset="before", candidate=np.tanh, use_bias=True, output="H"):
    """A GRU step with switches for each mistake the check should name."""
    u = H.shape[1]
    blocks = {g: slice(i * u, (i + 1) * u) for i, g in enumerate(order)}
    b = bias if use_bias else np.zeros_like(bias)
    Z = sigmoid(X @ kernel[:, blocks["z"]] + H @ recurrent_kernel[:, blocks["z"]] + b[blocks["z"]])
    R = sigmoid(X @ kernel[:, blocks["r"]] + H @ recurrent_kernel[:, blocks["r"]] + b[blocks["r"]])
    W_hh = recurrent_kernel[:, blocks["h"]]
    recurrent = {"before": (R * H) @ W_hh, "after": R * (H @ W_hh), "none": H @ W_hh}[reset]
    H_tilde = candidate(X @ kernel[:, blocks["h"]] + recurrent + b[blocks["h"]])
    if output == "H_tilde":
        return H_tilde
    if swap_update:
        return (1 - Z) * H + Z * H_tilde
    return Z * H + (1 - Z) * H_tilde


def gru_step_by_d2lite(X, H, kernel, recurrent_kernel, bias):
    # The check's reference must be what d2lite's GRUCell (= Keras's reset_after=False) does.
    cell = layers.GRUCell(H.shape[1], dtype="float64")
    cell.build((None, X.shape[1]))
    cell.kernel.assign(kernel)
    cell.recurrent_kernel.assign(recurrent_kernel)
    cell.bias.assign(bias)
    out, _ = cell(X, [H])
    return keras.ops.convert_to_numpy(out)


def gru_step_by_keras(X, H, kernel, recurrent_kernel, bias):
    cell = keras.layers.GRUCell(H.shape[1], reset_after=False, dtype="float64")
    cell.build((None, X.shape[1]))
    cell.set_weights([kernel, recurrent_kernel, bias])
    out, _ = cell(X, [H])
    return keras.ops.convert_to_numpy(out)


@pytest.mark.parametrize("step", [gru_step, gru_step_by_d2lite, gru_step_by_keras],
                         ids=["numpy", "d2lite-cell", "keras-cell"])
def test_gru_step_accepts_right_answers(step):
    assert check.check_gru_step(step).startswith("Correct: Z, R and H_tilde")


@pytest.mark.parametrize("kwargs, message", [
    ({"swap_update": True}, "Z and 1 - Z are swapped"),
    ({"order": "rzh"}, "update and reset gates are swapped.*order z, r, h"),
    ({"reset": "after"}, "reset_after=True"),
    ({"reset": "none"}, "ignores the reset gate"),
    ({"candidate": sigmoid}, "H_tilde uses the sigmoid"),
    ({"output": "H_tilde"}, "you return the candidate state"),
    ({"use_bias": False}, "biases are missing"),
], ids=["swapped-update", "gate-order", "reset-after", "no-reset", "sigmoid", "candidate",
        "no-bias"])
def test_gru_step_names_each_mistake(kwargs, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_gru_step(lambda *args: gru_step(*args, **kwargs))


@pytest.mark.parametrize("step, message", [
    (lambda X, H, k, r, b: gru_step(X, H, k, r, b)[:, :1], r"shape \(2, 3\).*got \(2, 1\)"),
    (lambda X, H, k, r, b: (gru_step(X, H, k, r, b), H), r"shape \(2, 3\).*got \(2, 2, 3\)"),
    (lambda X, H, k, r, b: gru_step(X, H, k, r, b) + 0.01, "differs from the slides' GRU"),
    (lambda X, H, k, r, b: gru_step(X[:, :4], H[:, :3], k[:4, :9], r[:3, :9], b[:9]),
     "shape"),
    (lambda X, H, k, r, b: "H", "should be an array"),
], ids=["slice", "tuple", "off", "hard-coded-sizes", "string"])
def test_gru_step_explains_wrong_shapes_and_values(step, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_gru_step(step)


# ----------------------------------------------------------------- 06: LSTM step


def lstm_step(X, H, C, kernel, recurrent_kernel, bias, *, order="ifco", swap_fi=False,
              output_tanh=True, output_reads="new", candidate=np.tanh, keep_old=True,
              swap_return=False):
    """An LSTM step with switches for each mistake the check should name."""
    blocks = dict(zip(order, np.split(X @ kernel + H @ recurrent_kernel + bias, 4, axis=1)))
    I, F, O = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"])
    C_tilde = candidate(blocks["c"])
    if swap_fi:
        I, F = F, I
    C_new = (F * C if keep_old else 0) + I * C_tilde
    read = {"new": C_new, "candidate": C_tilde, "old": C}[output_reads]
    H_new = O * (np.tanh(read) if output_tanh else read)
    return (C_new, H_new) if swap_return else (H_new, C_new)


def lstm_step_by_keras(X, H, C, kernel, recurrent_kernel, bias):
    cell = keras.layers.LSTMCell(H.shape[1], dtype="float64")
    cell.build((None, X.shape[1]))
    cell.set_weights([kernel, recurrent_kernel, bias])
    out, (h, c) = cell(X, [H, C])
    return keras.ops.convert_to_numpy(h), keras.ops.convert_to_numpy(c)


def lstm_step_by_d2lite(X, H, C, kernel, recurrent_kernel, bias):
    cell = layers.LSTMCell(H.shape[1], dtype="float64")
    cell.build((None, X.shape[1]))
    for variable, value in zip(cell.weights, (kernel, recurrent_kernel, bias)):
        variable.assign(value)
    _, (h, c) = cell(X, [H, C])
    return [keras.ops.convert_to_numpy(h), keras.ops.convert_to_numpy(c)]  # a list is fine too


@pytest.mark.parametrize("step", [lstm_step, lstm_step_by_keras, lstm_step_by_d2lite],
                         ids=["numpy", "keras-cell", "d2lite-cell"])
def test_lstm_step_accepts_right_answers(step):
    assert check.check_lstm_step(step).startswith("Correct: I, F, C_tilde, O")


@pytest.mark.parametrize("kwargs, message", [
    ({"order": "ifoc"}, "order i, f, o, c.*order i, f, c, o"),
    ({"swap_fi": True}, "forget and input gates are swapped"),
    ({"output_tanh": False}, "misses the tanh"),
    ({"output_reads": "candidate"}, "H_t reads the candidate"),
    ({"output_reads": "old"}, "reads the old memory"),
    ({"candidate": sigmoid}, "C_tilde uses the sigmoid"),
    ({"keep_old": False}, "forgets C_prev completely"),
    ({"swap_return": True}, r"you return \(C_t, H_t\)"),
], ids=["gate-order", "swapped-f-i", "no-tanh", "reads-candidate", "reads-old", "sigmoid",
        "no-forget", "swapped-return"])
def test_lstm_step_names_each_mistake(kwargs, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_lstm_step(lambda *args: lstm_step(*args, **kwargs))


@pytest.mark.parametrize("step, message", [
    (lambda *args: lstm_step(*args)[0], r"should return the pair \(H_t, C_t\).*ndarray"),
    (lambda *args: (*lstm_step(*args), None), "of length 3"),
    (lambda *args: (lstm_step(*args)[0][:, :1], lstm_step(*args)[1]), r"got \(2, 1\) and \(2, 3\)"),
    (lambda *args: (lstm_step(*args)[0], lstm_step(*args)[1] + 0.01), "C_t differs"),
    (lambda *args: (lstm_step(*args)[0] - 0.01, lstm_step(*args)[1]), "H_t differs"),
    (lambda *args: (lstm_step(*args)[0], "C"), "C_t returned by .* should be an array"),
], ids=["one-array", "three", "shape", "c-off", "h-off", "string"])
def test_lstm_step_explains_wrong_returns(step, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_lstm_step(step)


def test_checks_do_not_let_inputs_changed_in_place_leak():
    # A step that scribbles on its inputs still gets checked against the untouched values.
    def scribbling(X, H, kernel, recurrent_kernel, bias):
        out = gru_step(X, H, kernel, recurrent_kernel, bias)
        H[:] = 0.0
        kernel[:] = 0.0
        return out

    assert check.check_gru_step(scribbling).startswith("Correct")


# ----------------------------------------------------------------- the reference is d2lite's


@pytest.mark.parametrize("cell, run_check, answer", [
    (layers.GRUCell, check.check_gru_step, gru_step),
    (layers.LSTMCell, check.check_lstm_step, lstm_step),
], ids=["gru", "lstm"])
def test_the_right_step_is_the_one_d2lite_layers_compute(monkeypatch, cell, run_check, answer):
    # The equations live in d2lite.layers only: change the cell, and the check follows it.
    original = cell.call

    def shifted(self, inputs, states, training=False):
        h, new_states = original(self, inputs, states, training=training)
        return h + 1.0, [state + 1.0 for state in new_states]

    monkeypatch.setattr(cell, "call", shifted)
    with pytest.raises(CheckFailed, match="differs from the slides'"):
        run_check(answer)
    shifted_answer = (lambda *args: answer(*args) + 1.0) if cell is layers.GRUCell else (
        lambda *args: tuple(part + 1.0 for part in answer(*args)))
    assert run_check(shifted_answer).startswith("Correct")


def test_the_checks_draw_no_seed_and_take_no_layer_name():
    # A notebook's later cells (weights drawn from the seeds, layer names in summaries) must
    # come out as they would without the check.
    import random

    def number(name):  # gru_cell -> 0, gru_cell_4 -> 4
        return int(name.rsplit("_", 1)[1]) if name[-1].isdigit() else 0

    keras.utils.set_random_seed(3)
    python_state, numpy_state = random.getstate(), np.random.get_state()[1].copy()
    first = layers.GRUCell(2, kernel_initializer="zeros", recurrent_initializer="zeros")
    check.check_gru_step(gru_step)
    check.check_lstm_step(lstm_step)
    second = layers.GRUCell(2, kernel_initializer="zeros", recurrent_initializer="zeros")
    assert random.getstate() == python_state
    assert np.array_equal(np.random.get_state()[1], numpy_state)
    assert number(second.name) == number(first.name) + 1
