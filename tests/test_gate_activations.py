"""d2lite.layers.gate_activations and the cells' `gates`: the gates and states at every step.

Marked `backend` (keras.ops only), so `make test` runs it under TensorFlow and JAX.
The hidden states must equal `keras.layers.RNN`'s outputs, and every gate must equal a
NumPy reference written from the slides' equations with the fused kernels split by hand.
Keras's own cells are read through the d2lite cell with their weights: every gate must
equal that cell's.
"""

import math

import keras
import numpy as np
import pytest

from d2lite import layers

pytestmark = pytest.mark.backend

ATOL = 1e-5
BATCH, STEPS, FEATURES, UNITS = 2, 6, 5, 3




def _random(shape, seed, scale=0.5):
    return (scale * np.random.default_rng(seed).normal(size=shape)).astype("float32")


def _built(cell):
    """An RNN layer around `cell`, built, with random weights (biases too)."""
    rnn = keras.layers.RNN(cell, return_sequences=True)
    rnn(np.zeros((1, 1, FEATURES), "float32"))
    rnn.set_weights([_random(w.shape, seed) for seed, w in enumerate(rnn.get_weights())])
    return rnn


CELLS = {
    "d2lite-rnn": lambda: layers.SimpleRNNCell(UNITS),
    "d2lite-gru": lambda: layers.GRUCell(UNITS),
    "d2lite-gru-reset-after": lambda: layers.GRUCell(UNITS, reset_after=True),
    "d2lite-lstm": lambda: layers.LSTMCell(UNITS),
    "keras-rnn": lambda: keras.layers.SimpleRNNCell(UNITS),
    "keras-gru": lambda: keras.layers.GRUCell(UNITS, reset_after=False),
    "keras-gru-reset-after": lambda: keras.layers.GRUCell(UNITS, reset_after=True),
    "keras-lstm": lambda: keras.layers.LSTMCell(UNITS),
    # Dropout is ignored, as at inference (keras.layers.RNN(x) runs with training=False).
    "keras-lstm-dropout": lambda: keras.layers.LSTMCell(UNITS, dropout=0.5,
                                                        recurrent_dropout=0.5),
}
NAMES = {"rnn": ["H"], "gru": ["H", "H_tilde", "R", "Z"],
         "lstm": ["C", "C_tilde", "F", "H", "I", "O"]}


@pytest.mark.parametrize("name", CELLS)
def test_hidden_states_equal_keras_rnn_outputs(name):
    rnn = _built(CELLS[name]())
    x = _random((BATCH, STEPS, FEATURES), 10, scale=1.0)
    gates = layers.gate_activations(rnn, x)
    assert sorted(gates) == NAMES[name.split("-")[1]]
    for value in gates.values():
        assert isinstance(value, np.ndarray) and value.shape == (BATCH, STEPS, UNITS)
    np.testing.assert_allclose(gates["H"], keras.ops.convert_to_numpy(rnn(x)), atol=ATOL)


@pytest.mark.parametrize("name", ["d2lite-gru", "d2lite-gru-reset-after", "d2lite-lstm",
                                  "keras-gru-reset-after"])
def test_initial_state_is_used(name):
    rnn = _built(CELLS[name]())
    x = _random((BATCH, STEPS, FEATURES), 11, scale=1.0)
    n_states = 2 if "lstm" in name else 1
    initial = [_random((BATCH, UNITS), 20 + i, scale=1.0) for i in range(n_states)]
    gates = layers.gate_activations(rnn.cell, x, initial_state=initial)
    expected = keras.ops.convert_to_numpy(rnn(x, initial_state=initial))
    np.testing.assert_allclose(gates["H"], expected, atol=ATOL)
    assert not np.allclose(gates["H"], layers.gate_activations(rnn.cell, x)["H"], atol=1e-3)


@pytest.mark.parametrize("name", ["d2lite-gru", "d2lite-lstm", "keras-lstm"])
def test_later_calls_see_new_weights_and_other_lengths(name):
    # The loop is compiled once per cell (a tf.function on TensorFlow): a later call must read
    # the weights as they are then, and sequences of other lengths and batch sizes.
    rnn = _built(CELLS[name]())
    x = _random((BATCH, STEPS, FEATURES), 12, scale=1.0)
    before = layers.gate_activations(rnn, x)["H"]
    rnn.set_weights([_random(w.shape, 40 + seed) for seed, w in enumerate(rnn.get_weights())])
    for inputs in (x, x[:1, :2], _random((3, 2 * STEPS, FEATURES), 13, scale=1.0)):
        gates = layers.gate_activations(rnn, inputs)
        np.testing.assert_allclose(gates["H"], keras.ops.convert_to_numpy(rnn(inputs)), atol=ATOL)
    assert not np.allclose(before, layers.gate_activations(rnn, x)["H"], atol=1e-3)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def test_gru_gates_equal_the_slides_equations_in_numpy():
    rnn = _built(layers.GRUCell(UNITS))
    kernel, recurrent, bias = rnn.get_weights()
    W_xz, W_xr, W_xh = np.split(kernel, 3, axis=1)  # Keras's gate order z, r, h
    W_hz, W_hr, W_hh = np.split(recurrent, 3, axis=1)
    b_z, b_r, b_h = np.split(bias, 3)
    x = _random((BATCH, STEPS, FEATURES), 12, scale=1.0)
    H = np.zeros((BATCH, UNITS))
    expected = {"Z": [], "R": [], "H_tilde": [], "H": []}
    for t in range(STEPS):
        X = x[:, t]
        Z = _sigmoid(X @ W_xz + H @ W_hz + b_z)
        R = _sigmoid(X @ W_xr + H @ W_hr + b_r)
        H_tilde = np.tanh(X @ W_xh + (R * H) @ W_hh + b_h)
        H = Z * H + (1 - Z) * H_tilde
        for key, value in zip(("Z", "R", "H_tilde", "H"), (Z, R, H_tilde, H)):
            expected[key].append(value)
    gates = layers.gate_activations(rnn, x)
    for key, values in expected.items():
        np.testing.assert_allclose(gates[key], np.stack(values, axis=1), atol=ATOL, err_msg=key)


@pytest.mark.parametrize("name", ["d2lite-gru-reset-after", "keras-gru-reset-after"])
def test_reset_after_gru_gates_equal_kerass_equations_in_numpy(name):
    # Keras's default GRU: R_t acts after the product, and each product has its bias.
    rnn = _built(CELLS[name]())
    kernel, recurrent, bias = rnn.get_weights()
    assert bias.shape == (2, 3 * UNITS)
    W_xz, W_xr, W_xh = np.split(kernel, 3, axis=1)
    W_hz, W_hr, W_hh = np.split(recurrent, 3, axis=1)
    (b_xz, b_xr, b_xh), (b_hz, b_hr, b_hh) = np.split(bias[0], 3), np.split(bias[1], 3)
    x = _random((BATCH, STEPS, FEATURES), 15, scale=1.0)
    H = np.zeros((BATCH, UNITS))
    expected = {"Z": [], "R": [], "H_tilde": [], "H": []}
    for t in range(STEPS):
        X = x[:, t]
        Z = _sigmoid(X @ W_xz + b_xz + H @ W_hz + b_hz)
        R = _sigmoid(X @ W_xr + b_xr + H @ W_hr + b_hr)
        H_tilde = np.tanh(X @ W_xh + b_xh + R * (H @ W_hh + b_hh))
        H = Z * H + (1 - Z) * H_tilde
        for key, value in zip(("Z", "R", "H_tilde", "H"), (Z, R, H_tilde, H)):
            expected[key].append(value)
    gates = layers.gate_activations(rnn, x)
    for key, values in expected.items():
        np.testing.assert_allclose(gates[key], np.stack(values, axis=1), atol=ATOL, err_msg=key)


KERAS_TWINS = {  # Keras's cell and the d2lite cell that computes the same step
    "rnn": (lambda: keras.layers.SimpleRNNCell(UNITS), lambda: layers.SimpleRNNCell(UNITS)),
    "gru": (lambda: keras.layers.GRUCell(UNITS, reset_after=False),
            lambda: layers.GRUCell(UNITS)),
    "gru-reset-after": (lambda: keras.layers.GRUCell(UNITS),
                        lambda: layers.GRUCell(UNITS, reset_after=True)),
    "lstm": (lambda: keras.layers.LSTMCell(UNITS), lambda: layers.LSTMCell(UNITS)),
}


@pytest.mark.parametrize("kind", KERAS_TWINS)
def test_a_keras_cell_gives_the_gates_of_the_d2lite_cell_with_its_weights(kind):
    make_keras, make_d2lite = KERAS_TWINS[kind]
    theirs, ours = _built(make_keras()), _built(make_d2lite())
    ours.set_weights(theirs.get_weights())
    x = _random((BATCH, STEPS, FEATURES), 16, scale=1.0)
    expected = layers.gate_activations(ours, x)
    gates = layers.gate_activations(theirs, x)
    assert list(gates) == list(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(gates[key], value, err_msg=key)


@pytest.mark.parametrize("name", [n for n in CELLS if n.startswith("d2lite")])
def test_call_returns_the_new_states_that_gates_computes(name):
    # One home for the equations: `call` is `gates` with the states picked out.
    rnn = _built(CELLS[name]())
    cell = rnn.cell
    x_t = _random((BATCH, FEATURES), 17, scale=1.0)
    states = [_random((BATCH, UNITS), 18 + i, scale=1.0) for i in range(len(cell._state_names))]
    step = cell.gates(x_t, states)
    output, new_states = cell(x_t, states)
    expected = [step["H"], step["C"]] if "lstm" in name else [step["H"]]
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(output),
                                  keras.ops.convert_to_numpy(step["H"]))
    assert len(new_states) == len(expected)
    for a, b in zip(new_states, expected):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_lstm_gates_equal_the_slides_equations_in_numpy():
    rnn = _built(layers.LSTMCell(UNITS))
    kernel, recurrent, bias = rnn.get_weights()
    W_xi, W_xf, W_xc, W_xo = np.split(kernel, 4, axis=1)  # Keras's gate order i, f, c, o
    W_hi, W_hf, W_hc, W_ho = np.split(recurrent, 4, axis=1)
    b_i, b_f, b_c, b_o = np.split(bias, 4)
    x = _random((BATCH, STEPS, FEATURES), 13, scale=1.0)
    H, C = np.zeros((BATCH, UNITS)), np.zeros((BATCH, UNITS))
    expected = {k: [] for k in ("I", "F", "C_tilde", "O", "C", "H")}
    for t in range(STEPS):
        X = x[:, t]
        I = _sigmoid(X @ W_xi + H @ W_hi + b_i)
        F = _sigmoid(X @ W_xf + H @ W_hf + b_f)
        O = _sigmoid(X @ W_xo + H @ W_ho + b_o)
        C_tilde = np.tanh(X @ W_xc + H @ W_hc + b_c)
        C = F * C + I * C_tilde
        H = O * np.tanh(C)
        for key, value in zip(("I", "F", "C_tilde", "O", "C", "H"), (I, F, C_tilde, O, C, H)):
            expected[key].append(value)
    gates = layers.gate_activations(rnn, x)
    for key, values in expected.items():
        np.testing.assert_allclose(gates[key], np.stack(values, axis=1), atol=ATOL, err_msg=key)
    for key in ("I", "F", "O"):
        assert np.all((gates[key] > 0) & (gates[key] < 1))


def test_hard_coded_lstm_values_with_constant_weights():
    # Zero weights and all biases 1: every step sees the same gates, and
    # C_1 = σ(1) tanh(1), C_2 = σ(1) C_1 + σ(1) tanh(1), H_t = σ(1) tanh(C_t).
    cell = layers.LSTMCell(2, kernel_initializer="zeros", recurrent_initializer="zeros",
                           bias_initializer="ones")
    keras.layers.RNN(cell)(np.zeros((1, 1, 3), "float32"))
    gates = layers.gate_activations(cell, np.ones((1, 2, 3), "float32"))
    s, t = 1 / (1 + math.exp(-1)), math.tanh(1)
    c1, c2 = s * t, s * s * t + s * t
    np.testing.assert_allclose(gates["F"], s, atol=1e-6)
    np.testing.assert_allclose(gates["C_tilde"], t, atol=1e-6)
    np.testing.assert_allclose(gates["C"][0, :, 0], [c1, c2], atol=1e-6)
    np.testing.assert_allclose(gates["H"][0, :, 0], [s * math.tanh(c1), s * math.tanh(c2)],
                               atol=1e-6)


def test_a_gru_with_a_shut_update_gate_copies_its_state():
    # b_z = +20 makes Z = 1: H_t = H_{t-1}, whatever the input (the "skip this token" case).
    cell = layers.GRUCell(UNITS)
    rnn = _built(cell)
    kernel, recurrent, bias = rnn.get_weights()
    bias[:UNITS] = 20.0
    rnn.set_weights([kernel, recurrent, bias])
    h0 = _random((BATCH, UNITS), 30, scale=1.0)
    gates = layers.gate_activations(cell, _random((BATCH, STEPS, FEATURES), 14, 1.0), [h0])
    np.testing.assert_allclose(gates["Z"], 1.0, atol=1e-6)
    np.testing.assert_allclose(gates["H"], np.repeat(h0[:, None], STEPS, axis=1), atol=1e-5)


def test_zero_steps_give_empty_arrays():
    rnn = _built(layers.LSTMCell(UNITS))
    gates = layers.gate_activations(rnn, np.zeros((BATCH, 0, FEATURES), "float32"))
    assert all(v.shape == (BATCH, 0, UNITS) for v in gates.values())


@pytest.mark.parametrize("make_args, message", [
    (lambda rnn: (keras.layers.Dense(3), np.zeros((1, 2, FEATURES))), "`cell`.*SimpleRNNCell"),
    (lambda rnn: (layers.LSTMCell(UNITS), np.zeros((1, 2, FEATURES))), "not built yet"),
    (lambda rnn: (keras.layers.GRUCell(UNITS, name="g"), np.zeros((1, 2, FEATURES))),
     "Cell 'g' is not built yet"),
    (lambda rnn: (rnn, np.zeros((2, FEATURES))), "`inputs`.*3-D.*got shape \\(2, 5\\)"),
    (lambda rnn: (rnn, np.zeros((1, 2, FEATURES + 1))), "takes 5 features"),
], ids=["not-a-cell", "unbuilt", "unbuilt-keras", "2-D", "features"])
def test_bad_arguments_raise_with_the_argument_named(make_args, message):
    rnn = _built(layers.LSTMCell(UNITS))
    cell, x = make_args(rnn)
    with pytest.raises(ValueError, match=message):
        layers.gate_activations(cell, x)


@pytest.mark.parametrize("initial_state", [
    [np.zeros((BATCH, UNITS))],  # an LSTM needs [H_0, C_0]
    [np.zeros((BATCH, UNITS)), np.zeros((BATCH, UNITS + 1))],
], ids=["one-state", "wrong-shape"])
def test_bad_initial_states_raise(initial_state):
    rnn = _built(layers.LSTMCell(UNITS))
    with pytest.raises(ValueError, match="`initial_state`, expected a list of 2 state"):
        layers.gate_activations(rnn, np.zeros((BATCH, 3, FEATURES)), initial_state)
