"""Tests for d2lite.layers: the cells equal Keras's built-ins and the slides' equations.

The whole module is marked `backend`, so `make test` runs it under TensorFlow and again
under `KERAS_BACKEND=jax` (and `KERAS_BACKEND=torch` works where torch is installed).
Masking and stateful carry are tested in test_variable_length.py, the `gates` of every
step in test_gate_activations.py.
"""

import numpy as np
import pytest

import keras
from keras import ops

from conftest import CELL_PAIRS, flat_numpy, loss_and_gradients, random_normal
from d2lite.layers import GRUCell, LSTMCell, SimpleRNNCell

pytestmark = pytest.mark.backend

ATOL = 1e-5

# ... and the GRU in Keras's default form, for the tests that compare with the built-in.
BUILTIN_PAIRS = {
    **CELL_PAIRS,
    "gru-reset-after": (lambda units, **kw: GRUCell(units, reset_after=True, **kw),
                        keras.layers.GRU, 3),
}


def _pair(kind, units, x, **rnn_kwargs):
    """A d2lite RNN and the Keras built-in, built on `x`, with the same random weights."""
    cell_class, builtin_class, _ = BUILTIN_PAIRS[kind]
    ours = keras.layers.RNN(cell_class(units), **rnn_kwargs)
    builtin = builtin_class(units, **rnn_kwargs)
    ours(x)
    builtin(x)
    # Random biases too, so that a bias in the wrong gate would show.
    weights = [0.5 * random_normal(w.shape, seed) for seed, w in enumerate(ours.get_weights())]
    ours.set_weights(weights)
    builtin.set_weights(weights)
    return ours, builtin


# --- Equal to Keras's built-in layers ---------------------------------------------------


@pytest.mark.parametrize("kind", BUILTIN_PAIRS)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("return_state", [False, True])
def test_outputs_and_gradients_equal_builtin(kind, return_sequences, return_state):
    x = random_normal((4, 6, 5), seed=10)
    ours, builtin = _pair(
        kind, 3, x, return_sequences=return_sequences, return_state=return_state
    )
    expected = flat_numpy(builtin(x))
    got = flat_numpy(ours(x))
    assert len(got) == len(expected) == 1 + return_state * (2 if kind == "lstm" else 1)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, atol=ATOL)

    projections = [random_normal(e.shape, seed=20 + i) for i, e in enumerate(expected)]
    loss, grads = loss_and_gradients(ours, x, projections)
    expected_loss, expected_grads = loss_and_gradients(builtin, x, projections)
    np.testing.assert_allclose(loss, expected_loss, atol=ATOL)
    # d(loss)/dx, then kernel, recurrent_kernel and bias, in that order in both layers.
    assert len(grads) == len(expected_grads) == 4
    for g, e in zip(grads, expected_grads):
        assert np.abs(e).max() > 1e-3  # a real gradient, not a disconnected zero
        np.testing.assert_allclose(g, e, atol=ATOL, rtol=ATOL)


@pytest.mark.parametrize("kind", BUILTIN_PAIRS)
def test_go_backwards_equals_builtin(kind):
    x = random_normal((3, 5, 2), seed=11)
    ours, builtin = _pair(kind, 4, x, go_backwards=True, return_sequences=True)
    np.testing.assert_allclose(flat_numpy(ours(x))[0], flat_numpy(builtin(x))[0], atol=ATOL)


@pytest.mark.parametrize("kind", BUILTIN_PAIRS)
def test_one_training_step_with_jit_equals_builtin(kind):
    # The cells compile inside a jitted train step (tf.function+XLA, jax.jit) and
    # one SGD step moves the weights exactly as it moves the built-in's.
    x = random_normal((8, 7, 3), seed=12)
    y = random_normal((8, 2), seed=13)
    ours, builtin = _pair(kind, 5, x)
    models = []
    for rnn in (ours, builtin):
        model = keras.Sequential([keras.Input((7, 3)), rnn, keras.layers.Dense(2)])
        models.append(model)
    models[1].layers[-1].set_weights(models[0].layers[-1].get_weights())
    jit = keras.backend.backend() != "torch"
    before = ours.get_weights()
    losses = []
    for model in models:
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", jit_compile=jit)
        losses.append(model.train_on_batch(x, y))
    np.testing.assert_allclose(losses[0], losses[1], atol=ATOL)
    for w, e in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(w, e, atol=ATOL)
    for w, b in zip(ours.get_weights(), before):
        assert np.abs(w - b).max() > 1e-4  # the step did train every weight


# --- The slides' equations, with hard-coded numbers -------------------------------------


@pytest.mark.parametrize(
    "kind, units, sequence_shape, extra, expected",
    [
        # The numbers are those of Keras's own tests (keras/src/layers/rnn/*_test.py)
        # for the same constant initializers and np.arange inputs.
        ("rnn", 4, (2, 3, 4), {}, [0.405432, 0.73605347]),
        ("gru", 3, (3, 6, 4), {}, [0.51447755, 0.6426879, 0.40208298]),
        ("lstm", 3, (3, 6, 4), {}, [0.6288687, 0.86899155, 0.9460773]),
        ("lstm", 3, (3, 6, 4), {"unit_forget_bias": False}, [0.57019705, 0.8661914, 0.9459622]),
    ],
)
def test_constant_initializers(kind, units, sequence_shape, extra, expected):
    sequence = np.arange(np.prod(sequence_shape)).reshape(sequence_shape).astype("float32")
    cell = CELL_PAIRS[kind][0](
        units,
        kernel_initializer=keras.initializers.Constant(0.01),
        recurrent_initializer=keras.initializers.Constant(0.02),
        bias_initializer=keras.initializers.Constant(0.03),
        **extra,
    )
    output = ops.convert_to_numpy(keras.layers.RNN(cell)(sequence))
    np.testing.assert_allclose(output, np.repeat(np.array(expected)[:, None], units, 1), atol=ATOL)


def test_lstm_constant_initializers_go_backwards():
    sequence = np.arange(72).reshape((3, 6, 4)).astype("float32")
    cell = LSTMCell(
        3,
        kernel_initializer=keras.initializers.Constant(0.01),
        recurrent_initializer=keras.initializers.Constant(0.02),
        bias_initializer=keras.initializers.Constant(0.03),
    )
    output = ops.convert_to_numpy(keras.layers.RNN(cell, go_backwards=True)(sequence))
    expected = np.array([0.35622165, 0.74789524, 0.8872726])
    np.testing.assert_allclose(output, np.repeat(expected[:, None], 3, 1), atol=ATOL)


def _gate_distinct_weights(input_dim, units, gates):
    # Different numbers in every gate block, so a gate taken from the wrong block shows.
    width = gates * units
    kernel = np.linspace(-1, 1, input_dim * width).reshape(input_dim, width)
    recurrent = np.linspace(0.5, -0.5, units * width).reshape(units, width)
    bias = np.linspace(-0.3, 0.3, width)
    return [w.astype("float32") for w in (kernel, recurrent, bias)]


# Final states for x = arange(12).reshape(2, 3, 2) / 10 and the weights above, computed
# step by step with the slides' equations in float64 NumPy.
SLIDE_EQUATION_STATES = {
    "rnn": [[[-0.75516185, -0.25911102, 0.42563116], [-0.93480664, -0.42324555, 0.65949761]]],
    "gru": [[[0.29358420, 0.40256681, 0.49077999], [0.49645557, 0.65750755, 0.75479962]]],
    "lstm": [
        [[0.03174981, 0.08100230, 0.14052931], [0.02927794, 0.10465264, 0.20778599]],
        [[0.05159362, 0.12614275, 0.21157204], [0.04242418, 0.14293450, 0.27334804]],
    ],
}


@pytest.mark.parametrize("kind", CELL_PAIRS)
def test_slide_equations_with_gate_distinct_weights(kind):
    cell_class, _, gates = CELL_PAIRS[kind]
    x = (np.arange(12).reshape(2, 3, 2) / 10).astype("float32")
    rnn = keras.layers.RNN(cell_class(3), return_state=True)
    rnn(x)
    rnn.set_weights(_gate_distinct_weights(2, 3, gates))
    output, *states = flat_numpy(rnn(x))
    expected = SLIDE_EQUATION_STATES[kind]
    np.testing.assert_allclose(output, expected[0], atol=ATOL)
    for state, e in zip(states, expected, strict=True):
        np.testing.assert_allclose(state, e, atol=ATOL)


@pytest.mark.parametrize("kind", CELL_PAIRS)
def test_direct_call_is_one_step(kind):
    # Called on its own, a cell maps (x_t, states) to (output, new states).
    cell_class, _, gates = CELL_PAIRS[kind]
    x = (np.arange(12).reshape(2, 3, 2) / 10).astype("float32")
    cell = cell_class(3)
    cell.build((None, 2))
    cell.set_weights(_gate_distinct_weights(2, 3, gates))
    states = cell.get_initial_state(batch_size=2)
    for t in range(3):
        output, states = cell(x[:, t], states)
    assert len(states) == len(SLIDE_EQUATION_STATES[kind])
    np.testing.assert_allclose(flat_numpy(output)[0], SLIDE_EQUATION_STATES[kind][0], atol=ATOL)
    for state, e in zip(flat_numpy(states), SLIDE_EQUATION_STATES[kind]):
        np.testing.assert_allclose(state, e, atol=ATOL)


def test_single_state_tensor_is_accepted():
    # keras.layers.RNN passes a list; a student calling the cell may pass the tensor.
    cell = GRUCell(3)
    x_t = random_normal((2, 4), seed=14)
    h = random_normal((2, 3), seed=15)
    from_list, _ = cell(x_t, [h])
    from_tensor, _ = cell(x_t, h)
    np.testing.assert_array_equal(flat_numpy(from_list)[0], flat_numpy(from_tensor)[0])


# --- Bidirectional, stacking -------------------------------------------------------------


@pytest.mark.parametrize("kind", BUILTIN_PAIRS)
def test_bidirectional_equals_builtin(kind):
    x = random_normal((2, 5, 3), seed=17)
    cell_class, builtin_class, _ = BUILTIN_PAIRS[kind]
    ours = keras.layers.Bidirectional(keras.layers.RNN(cell_class(4), return_sequences=True))
    builtin = keras.layers.Bidirectional(builtin_class(4, return_sequences=True))
    ours(x)
    builtin(x)
    weights = [0.5 * random_normal(w.shape, seed) for seed, w in enumerate(ours.get_weights())]
    assert len(weights) == 6  # forward and backward kernel, recurrent_kernel, bias
    ours.set_weights(weights)
    builtin.set_weights(weights)
    got = flat_numpy(ours(x))[0]
    assert got.shape == (2, 5, 8)
    np.testing.assert_allclose(got, flat_numpy(builtin(x))[0], atol=ATOL)
    # The backward half at step 0 has read the whole sequence: it changes with x[:, -1].
    y = x.copy()
    y[:, -1] += 1.0
    changed = flat_numpy(ours(y))[0]
    assert not np.allclose(changed[:, 0, 4:], got[:, 0, 4:])
    np.testing.assert_allclose(changed[:, 0, :4], got[:, 0, :4], atol=ATOL)


@pytest.mark.parametrize("kind", BUILTIN_PAIRS)
def test_stacked_cells_equal_stacked_builtins(kind):
    x = random_normal((2, 5, 3), seed=18)
    cell_class, builtin_class, _ = BUILTIN_PAIRS[kind]
    # A list of cells makes keras.layers.StackedRNNCells; its state holds both layers'.
    stacked = keras.layers.RNN([cell_class(4), cell_class(2)], return_sequences=True)
    first = builtin_class(4, return_sequences=True)
    second = builtin_class(2, return_sequences=True)
    stacked(x)
    first(x)
    second(first(x))
    weights = [0.5 * random_normal(w.shape, seed) for seed, w in enumerate(stacked.get_weights())]
    stacked.set_weights(weights)
    first.set_weights(weights[:3])
    second.set_weights(weights[3:])
    got = flat_numpy(stacked(x))[0]
    assert got.shape == (2, 5, 2)
    np.testing.assert_allclose(got, flat_numpy(second(first(x)))[0], atol=ATOL)


# --- Weights, config, saving ------------------------------------------------------------


@pytest.mark.parametrize("kind", CELL_PAIRS)
@pytest.mark.parametrize("use_bias", [True, False])
def test_weight_shapes_and_counts(kind, use_bias):
    cell_class, builtin_class, gates = CELL_PAIRS[kind]
    x = np.zeros((2, 3, 5), "float32")
    ours = keras.layers.RNN(cell_class(7, use_bias=use_bias))
    builtin = builtin_class(7, use_bias=use_bias)
    ours(x)
    builtin(x)
    expected = [(5, 7 * gates), (7, 7 * gates)] + [(7 * gates,)] * use_bias
    assert [tuple(w.shape) for w in ours.trainable_weights] == expected
    assert [w.name for w in ours.trainable_weights] == ["kernel", "recurrent_kernel", "bias"][
        : len(expected)
    ]
    assert ours.non_trainable_weights == []
    assert ours.count_params() == builtin.count_params()


@pytest.mark.parametrize(
    "unit_forget_bias, bias_initializer, expected",
    [(True, "zeros", [0, 1, 0, 0]), (False, "zeros", [0, 0, 0, 0]), (True, "ones", [1, 1, 1, 1])],
)
def test_lstm_unit_forget_bias(unit_forget_bias, bias_initializer, expected):
    cell = LSTMCell(2, unit_forget_bias=unit_forget_bias, bias_initializer=bias_initializer)
    cell.build((None, 3))
    np.testing.assert_array_equal(ops.convert_to_numpy(cell.bias), np.repeat(expected, 2))


def test_default_initializers_are_keras_defaults():
    cell = GRUCell(8)
    cell.build((None, 8))
    assert isinstance(cell.kernel_initializer, keras.initializers.GlorotUniform)
    assert isinstance(cell.recurrent_initializer, keras.initializers.Orthogonal)
    recurrent = ops.convert_to_numpy(cell.recurrent_kernel)
    # Orthogonal across the fused gates: the (8, 24) matrix has orthonormal rows.
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(8), atol=1e-5)


@pytest.mark.parametrize("kind", CELL_PAIRS)
def test_config_round_trip(kind):
    cell_class = CELL_PAIRS[kind][0]
    cell = cell_class(
        5,
        activation="relu",
        use_bias=False,
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.1, seed=1),
        recurrent_initializer="identity",
        kernel_regularizer="l2",
        recurrent_constraint="non_neg",
        name="cell",
    )
    config = cell.get_config()
    assert config["units"] == 5 and config["activation"] == "relu"
    assert config["use_bias"] is False
    restored = cell_class.from_config(config)
    assert restored.get_config() == config
    assert isinstance(restored.kernel_initializer, keras.initializers.RandomNormal)
    assert restored.kernel_initializer.stddev == 0.1
    assert isinstance(restored.recurrent_constraint, keras.constraints.NonNeg)
    # Registered under the d2lite package, so Keras can rebuild it by name alone.
    assert keras.saving.get_registered_name(cell_class) == f"d2lite>{cell_class.__name__}"
    again = keras.layers.deserialize(keras.layers.serialize(cell))
    assert type(again) is cell_class and again.get_config() == config


def test_gated_cells_config_keeps_their_arguments():
    gru = GRUCell(2, recurrent_activation="hard_sigmoid").get_config()
    assert gru["recurrent_activation"] == "hard_sigmoid"
    assert gru["reset_after"] is False
    lstm = LSTMCell(2, unit_forget_bias=False, recurrent_activation="relu").get_config()
    assert lstm["unit_forget_bias"] is False and lstm["recurrent_activation"] == "relu"


@pytest.mark.parametrize("use_bias", [True, False])
def test_gru_reset_after_has_kerass_weight_layout_and_config(use_bias):
    # Keras's default GRU: an input and a recurrent bias, bias of shape (2, 3 units).
    x = np.zeros((2, 3, 5), "float32")
    ours = keras.layers.RNN(GRUCell(7, reset_after=True, use_bias=use_bias))
    builtin = keras.layers.GRU(7, use_bias=use_bias)
    ours(x)
    builtin(x)
    expected = [(5, 21), (7, 21)] + [(2, 21)] * use_bias
    assert [tuple(w.shape) for w in ours.trainable_weights] == expected
    assert [tuple(w.shape) for w in builtin.trainable_weights] == expected
    assert ours.count_params() == builtin.count_params()
    config = ours.cell.get_config()
    assert config["reset_after"] is True
    restored = GRUCell.from_config(config)
    assert restored.reset_after is True and restored.get_config() == config


def test_saved_model_reloads_and_predicts_identically(tmp_path):
    x = random_normal((4, 6, 3), seed=21)
    inputs = keras.Input((6, 3))
    h = keras.layers.Bidirectional(keras.layers.RNN(LSTMCell(5), return_sequences=True))(inputs)
    h = keras.layers.RNN(GRUCell(4), return_sequences=True)(h)
    h = keras.layers.RNN(SimpleRNNCell(3))(h)
    model = keras.Model(inputs, keras.layers.Dense(2)(h))
    expected = model.predict(x, verbose=0)
    path = tmp_path / "cells.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)  # no custom_objects: found by registration
    cells = [type(layer.cell).__name__ for layer in reloaded.layers if hasattr(layer, "cell")]
    assert cells == ["GRUCell", "SimpleRNNCell"]
    assert type(reloaded.layers[1].forward_layer.cell) is LSTMCell
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), expected)


# --- Bad arguments ----------------------------------------------------------------------


@pytest.mark.parametrize("cell_class", [SimpleRNNCell, GRUCell, LSTMCell])
@pytest.mark.parametrize("units", [0, -3, 2.5, "4", None, True])
def test_units_must_be_a_positive_integer(cell_class, units):
    message = (
        "Received an invalid value for argument `units`, "
        f"expected a positive integer, got {units!r}."
    )
    with pytest.raises(ValueError) as error:
        cell_class(units)
    assert str(error.value) == message


def test_units_accepts_numpy_integers():
    assert LSTMCell(np.int64(3)).units == 3


@pytest.mark.parametrize(
    "cell_class, argument, value",
    [
        (SimpleRNNCell, "activation", "tanhh"),
        (GRUCell, "recurrent_activation", "sigmod"),
        (LSTMCell, "kernel_initializer", "glorot_unifrom"),
        (GRUCell, "recurrent_initializer", "orthogonl"),
        (SimpleRNNCell, "bias_initializer", 3),
        (LSTMCell, "kernel_regularizer", "l3"),
        (GRUCell, "bias_constraint", "positive"),
    ],
)
def test_unknown_names_are_rejected_naming_the_argument(cell_class, argument, value):
    with pytest.raises(ValueError, match=f"Received an invalid value for argument `{argument}`"):
        cell_class(2, **{argument: value})


@pytest.mark.parametrize("argument", ["dropout", "implementation"])
def test_unsupported_keras_arguments_are_not_silently_ignored(argument):
    with pytest.raises((TypeError, ValueError), match=argument):
        GRUCell(2, **{argument: 0.5})


@pytest.mark.parametrize("value", [0.5, 1, "True", None])
def test_reset_after_must_be_a_bool(value):
    with pytest.raises((TypeError, ValueError), match="reset_after"):
        GRUCell(2, reset_after=value)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4, 5)])
def test_wrong_input_rank_is_explained(shape):
    rnn = keras.layers.RNN(SimpleRNNCell(2))
    with pytest.raises(ValueError, match=r"`SimpleRNNCell` expects the inputs of one time step"):
        rnn(np.zeros(shape, "float32"))


def test_undefined_feature_dimension_is_explained():
    cell = LSTMCell(2)
    with pytest.raises(ValueError, match="last dimension of the inputs to `LSTMCell`"):
        cell.build((None, None))
