"""d2lite.networks: the training recipes, the one-hot layer and the language-model builder.

`sequence_classifier` and `language_model(stateful=True)` are tested with the masking and
truncated-BPTT tests in test_variable_length.py.
"""

import keras
import numpy as np
import pytest

from conftest import numpy
from d2lite import layers, networks

V = 7






# ----------------------------------------------------------------- recipe


def test_recipe_returns_a_copy_with_every_setting():
    r = networks.recipe("gru")
    assert set(r) == {"units", "num_steps", "batch_size", "learning_rate", "epochs"}
    r["units"] = -1
    assert networks.recipe("gru")["units"] > 0  # the module's RECIPE is untouched
    with pytest.raises(ValueError, match="`cell`.*got 'transformer'"):
        networks.recipe("transformer")


# ----------------------------------------------------------------- OneHot


def test_one_hot_layer_and_config():
    layer = networks.OneHot(4)
    out = numpy(layer(np.array([[0, 3], [2, 2]])))
    np.testing.assert_array_equal(out, np.eye(4)[[[0, 3], [2, 2]]])
    assert networks.OneHot.from_config(layer.get_config()).num_tokens == 4
    with pytest.raises(ValueError, match="`num_tokens`.*got 0"):
        networks.OneHot(0)


# ----------------------------------------------------------------- language_model


@pytest.mark.parametrize("cell, per_layer", [
    ("rnn", lambda d, h: d * h + h * h + h),
    ("gru", lambda d, h: 3 * (d * h + h * h + h)),
    ("lstm", lambda d, h: 4 * (d * h + h * h + h)),
])
def test_language_model_shapes_and_parameter_counts(cell, per_layer):
    h = 8
    model = networks.language_model(V, cell=cell, units=h, num_layers=2, dropout=0.2)
    logits = model(np.zeros((3, 5), "int32"))
    assert tuple(logits.shape) == (3, 5, V)
    assert model.count_params() == per_layer(V, h) + per_layer(h, h) + h * V + V
    names = [layer.name for layer in model.layers]
    assert names == ["tokens", "one_hot", "rnn_1", "dropout_1", "rnn_2", "logits"]
    assert model.name == f"{cell}_lm"
    assert model.optimizer.global_clipnorm == 1.0


def test_language_model_with_an_embedding_and_a_custom_cell():
    model = networks.language_model(V, cell=layers.GRUCell, units=6, embedding_dim=4,
                                    compile=False)
    assert tuple(model(np.zeros((2, 3), "int32")).shape) == (2, 3, V)
    assert model.get_layer("embedding").output_dim == 4
    assert isinstance(model.get_layer("rnn_1").cell, layers.GRUCell)
    assert not model.compiled


def test_sequence_classifier_passes_jit_compile_to_compile():
    keras.utils.set_random_seed(0)
    assert networks.sequence_classifier(V, units=2, jit_compile=True).jit_compile is True
    assert networks.sequence_classifier(V, units=2, jit_compile=False).jit_compile is False
    # The default leaves Keras's "auto" to decide, as before the argument existed.
    default = networks.sequence_classifier(V, units=2)
    explicit = networks.sequence_classifier(V, units=2, compile=False)
    explicit.compile(optimizer="adam", loss="mse", jit_compile="auto")
    assert default.jit_compile == explicit.jit_compile


def test_language_model_jit_default_depends_on_the_backend():
    model = networks.language_model(V, cell="rnn", units=4)
    # No XLA on TensorFlow (its own kernels run these loops faster on a CPU), XLA elsewhere.
    assert model.jit_compile is (keras.backend.backend() != "tensorflow")
    assert networks.language_model(V, cell="rnn", units=4, jit_compile=True).jit_compile is True


@pytest.mark.parametrize("kwargs, message", [
    ({"vocab_size": 0}, "`vocab_size`.*got 0"),
    ({"num_layers": 0}, "`num_layers`.*got 0"),
    ({"dropout": 1.0}, r"`dropout`.*\[0, 1\).*got 1.0"),
    ({"dropout": True}, "`dropout`"),
    ({"units": -3}, "`units`.*got -3"),
    ({"clipnorm": 0}, "`clipnorm`.*got 0"),
    ({"clipnorm": float("nan")}, "`clipnorm`"),
    ({"embedding_dim": 0}, "`embedding_dim`.*got 0"),
    ({"cell": "transformer"}, "`cell`.*got 'transformer'"),
    ({"cell": 3}, "`cell`.*got 3"),
    ({"cell": lambda units: "not a cell"}, "`cell`.*returning an RNN cell"),
])
def test_language_model_rejects_bad_arguments(kwargs, message):
    args = {"vocab_size": V, "cell": "rnn", "units": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        networks.language_model(**args)


def test_a_cell_instance_serves_one_layer_only():
    with pytest.raises(ValueError, match="num_layers=2"):
        networks.language_model(V, cell=layers.LSTMCell(4), num_layers=2)


def test_language_model_learns_a_deterministic_sequence():
    # "0 1 2 3 4 5 6 0 1 ...": every next token is determined by the current one.
    keras.utils.set_random_seed(0)
    seq = np.arange(701) % V
    x = seq[:-1].reshape(-1, 14)
    y = seq[1:].reshape(-1, 14)
    model = networks.language_model(V, cell="gru", units=16, learning_rate=0.05)
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["perplexity"][0] > 3
    assert history.history["perplexity"][-1] < 1.1


@pytest.mark.backend
@pytest.mark.parametrize("cell, blocks", [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_multiply_adds_per_step_counts_kernel_and_recurrent_kernel(cell, blocks):
    V, h = 11, 6
    keras.utils.set_random_seed(0)
    one = networks.language_model(V, cell=cell, units=h, compile=False)
    three = networks.language_model(V, cell=cell, units=h, num_layers=3, compile=False)
    assert networks.multiply_adds_per_step(one) == blocks * (V * h + h * h)
    # every layer above the first reads h features: blocks (h h + h h) more per layer
    assert networks.multiply_adds_per_step(three) == blocks * (V * h + h * h) + 2 * blocks * 2 * h * h


@pytest.mark.backend
def test_multiply_adds_per_step_of_keras_builtins_bidirectional_and_no_rnn():
    gru = keras.Sequential([keras.Input((5, 3)), keras.layers.GRU(4)])
    both = keras.Sequential([keras.Input((5, 3)), keras.layers.Bidirectional(keras.layers.LSTM(4))])
    dense = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert networks.multiply_adds_per_step(gru) == 3 * (3 * 4 + 4 * 4)
    assert networks.multiply_adds_per_step(both) == 2 * 4 * (3 * 4 + 4 * 4)
    assert networks.multiply_adds_per_step(dense) == 0
    assert networks.multiply_adds_per_step(gru.layers[-1]) == 3 * (3 * 4 + 4 * 4)  # a layer alone
