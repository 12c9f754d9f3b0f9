"""d2lite.training: the language-model builder, clipping, the perplexity metric, generation."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from d2lite import layers, text, training

V = 7


def _np(x):
    return ops.convert_to_numpy(x)


# ----------------------------------------------------------------- recipe


def test_recipe_returns_a_copy_with_every_setting():
    r = training.recipe("gru")
    assert set(r) == {"units", "num_steps", "batch_size", "learning_rate", "epochs"}
    r["units"] = -1
    assert training.recipe("gru")["units"] > 0  # the module's RECIPE is untouched
    with pytest.raises(ValueError, match="`cell`.*got 'transformer'"):
        training.recipe("transformer")


# ----------------------------------------------------------------- OneHot


def test_one_hot_layer_and_config():
    layer = training.OneHot(4)
    out = _np(layer(np.array([[0, 3], [2, 2]])))
    np.testing.assert_array_equal(out, np.eye(4)[[[0, 3], [2, 2]]])
    assert training.OneHot.from_config(layer.get_config()).num_tokens == 4
    with pytest.raises(ValueError, match="`num_tokens`.*got 0"):
        training.OneHot(0)


# ----------------------------------------------------------------- language_model


@pytest.mark.parametrize("cell, per_layer", [
    ("rnn", lambda d, h: d * h + h * h + h),
    ("gru", lambda d, h: 3 * (d * h + h * h + h)),
    ("lstm", lambda d, h: 4 * (d * h + h * h + h)),
])
def test_language_model_shapes_and_parameter_counts(cell, per_layer):
    h = 8
    model = training.language_model(V, cell=cell, units=h, num_layers=2, dropout=0.2)
    logits = model(np.zeros((3, 5), "int32"))
    assert tuple(logits.shape) == (3, 5, V)
    assert model.count_params() == per_layer(V, h) + per_layer(h, h) + h * V + V
    names = [layer.name for layer in model.layers]
    assert names == ["tokens", "one_hot", "rnn_1", "dropout_1", "rnn_2", "logits"]
    assert model.name == f"{cell}_lm"
    assert model.optimizer.global_clipnorm == 1.0


def test_language_model_with_an_embedding_and_a_custom_cell():
    model = training.language_model(V, cell=layers.GRUCell, units=6, embedding_dim=4,
                                    compile=False)
    assert tuple(model(np.zeros((2, 3), "int32")).shape) == (2, 3, V)
    assert model.get_layer("embedding").output_dim == 4
    assert isinstance(model.get_layer("rnn_1").cell, layers.GRUCell)
    assert not model.compiled


def test_language_model_jit_default_depends_on_the_backend():
    model = training.language_model(V, cell="rnn", units=4)
    # No XLA on TensorFlow (its own kernels run these loops faster on a CPU), XLA elsewhere.
    assert model.jit_compile is (keras.backend.backend() != "tensorflow")
    assert training.language_model(V, cell="rnn", units=4, jit_compile=True).jit_compile is True


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
        training.language_model(**args)


def test_a_cell_instance_serves_one_layer_only():
    with pytest.raises(ValueError, match="num_layers=2"):
        training.language_model(V, cell=layers.LSTMCell(4), num_layers=2)


def test_language_model_learns_a_deterministic_sequence():
    # "0 1 2 3 4 5 6 0 1 ...": every next token is determined by the current one.
    keras.utils.set_random_seed(0)
    seq = np.arange(701) % V
    x = seq[:-1].reshape(-1, 14)
    y = seq[1:].reshape(-1, 14)
    model = training.language_model(V, cell="gru", units=16, learning_rate=0.05)
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["perplexity"][0] > 3
    assert history.history["perplexity"][-1] < 1.1


# ----------------------------------------------------------------- clip_gradients


def test_clip_gradients_is_the_slide_formula_and_keras_global_clipnorm():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)).astype("float32"), None, rng.normal(size=5).astype("float32")]
    present = [g for g in grads if g is not None]
    norm = math.sqrt(sum(float(np.sum(g.astype("float64") ** 2)) for g in present))
    for theta in (norm / 3, 3 * norm):
        clipped = training.clip_gradients(grads, theta)
        assert clipped[1] is None
        for g, c in zip(present, [clipped[0], clipped[2]]):
            np.testing.assert_allclose(_np(c), min(1.0, theta / norm) * g, rtol=1e-6)
        # Keras's SGD(learning_rate=1, global_clipnorm=theta) on zero weights applies -g_clipped.
        weights = [keras.Variable(np.zeros(g.shape, "float32")) for g in present]
        keras.optimizers.SGD(1.0, global_clipnorm=theta).apply_gradients(zip(present, weights))
        for w, c in zip(weights, [clipped[0], clipped[2]]):
            np.testing.assert_allclose(-_np(w), _np(c), rtol=1e-5, atol=1e-7)


def test_clip_gradients_edge_cases():
    zero = [np.zeros(3, "float32")]
    np.testing.assert_array_equal(_np(training.clip_gradients(zero, 1.0)[0]), zero[0])
    assert training.clip_gradients([None, None], 1.0) == [None, None]
    for theta in (0, -1.0, float("inf"), "1"):
        with pytest.raises(ValueError, match="`theta`"):
            training.clip_gradients(zero, theta)


# ----------------------------------------------------------------- Perplexity


def test_perplexity_of_uniform_logits_is_the_vocabulary_size():
    metric = training.Perplexity()
    metric.update_state(np.zeros((2, 3), "int32"), np.zeros((2, 3, V), "float32"))
    assert float(metric.result()) == pytest.approx(V, rel=1e-5)


def test_perplexity_pools_tokens_over_batches_not_batch_averages():
    rng = np.random.default_rng(1)
    batches = [(rng.integers(0, V, size=(n, 4)), rng.normal(size=(n, 4, V)).astype("float32"))
               for n in (1, 5)]
    metric = training.Perplexity()
    nll = []
    for y, logits in batches:
        metric.update_state(y, logits)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        nll.append(-np.take_along_axis(logp, y[..., None], -1)[..., 0].ravel())
    expected = math.exp(np.concatenate(nll).mean())  # every token counts once
    assert float(metric.result()) == pytest.approx(expected, rel=1e-5)
    batch_average = math.exp(np.mean([n.mean() for n in nll]))
    assert abs(expected - batch_average) > 1e-3  # the test tells the two apart
    metric.reset_state()
    assert float(metric.result()) == pytest.approx(1.0)  # no tokens: exp(0)


def test_perplexity_with_probabilities_sample_weights_and_config():
    probs = np.array([[[0.5, 0.5], [0.9, 0.1]]], "float32")
    y = np.array([[0, 1]])
    metric = training.Perplexity(from_logits=False)
    metric.update_state(y, probs, sample_weight=np.array([[1.0, 0.0]]))
    assert float(metric.result()) == pytest.approx(2.0, rel=1e-5)  # only the first token
    clone = training.Perplexity.from_config(metric.get_config())
    assert clone.from_logits is False and clone.name == "perplexity"


# ----------------------------------------------------------------- EpochTimer


def test_epoch_timer_records_every_epoch():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    timer = training.EpochTimer()
    model.fit(np.zeros((4, 2)), np.zeros(4), epochs=3, verbose=0, callbacks=[timer])
    assert len(timer.times) == 3 and all(t > 0 for t in timer.times)
    assert timer.total == pytest.approx(sum(timer.times), rel=1e-6)


# ----------------------------------------------------------------- generate


@pytest.fixture(scope="module")
def lm_and_vocab():
    keras.utils.set_random_seed(3)
    vocab = text.Vocab(list("abcdef "))
    model = training.language_model(len(vocab), cell="lstm", units=8, num_layers=2,
                                     compile=False)
    model(np.zeros((1, 1), "int32"))
    return model, vocab


def test_greedy_generation_equals_rereading_the_whole_text(lm_and_vocab):
    # The step model carries the states; running the full model on the growing text and
    # taking the argmax at the last step must give the same characters.
    model, vocab = lm_and_vocab
    out = training.generate(model, vocab, list("bad "), num_chars=6)
    assert out[:4] == list("bad ") and len(out) == 10
    ids = list(vocab[list("bad ")])
    for _ in range(6):
        logits = _np(model(np.array([ids], "int32")))[0, -1]
        ids.append(int(np.argmax(logits)))
    assert out == vocab.to_tokens(ids)


def test_sampling_is_reproducible_and_tokens_stay_tokens(lm_and_vocab):
    model, vocab = lm_and_vocab
    a = training.generate(model, vocab, list("ace"), 20, sample=True, temperature=2.0, seed=5)
    b = training.generate(model, vocab, list("ace"), 20, sample=True, temperature=2.0, seed=5)
    assert a == b and len(a) == 23 and set(a) <= set(vocab.idx_to_token)
    # (An untrained model may write "<unk>"; a trained one has never seen it as a target.)
    tokens = training.generate(model, vocab, ["a", "c"], 3)
    assert isinstance(tokens, list) and tokens[:2] == ["a", "c"] and len(tokens) == 5
    assert training.generate(model, vocab, "a", 0) == "a"


def test_low_temperature_sampling_is_greedy(lm_and_vocab):
    model, vocab = lm_and_vocab
    greedy = training.generate(model, vocab, "fed", 8)
    assert training.generate(model, vocab, "fed", 8, sample=True, temperature=1e-4,
                             seed=0) == greedy


@pytest.mark.parametrize("kwargs, message", [
    ({"prefix": ""}, "`prefix`.*at least one token"),
    ({"prefix": 12}, "`prefix`"),
    ({"prefix": "xyz"}, "not in the vocabulary: 'x', 'y', 'z'"),
    ({"num_chars": -1}, "`num_chars`.*got -1"),
    ({"temperature": 0}, "`temperature`.*got 0"),
])
def test_generate_rejects_bad_arguments(lm_and_vocab, kwargs, message):
    model, vocab = lm_and_vocab
    args = {"prefix": "a", "num_chars": 2, "sample": True, **kwargs}
    with pytest.raises(ValueError, match=message):
        training.generate(model, vocab, **args)


def test_generate_refuses_models_that_read_the_future():
    vocab = text.Vocab(list("ab"))
    inputs = keras.Input((None,), dtype="int32")
    x = training.OneHot(len(vocab))(inputs)
    bidi = keras.layers.Bidirectional(keras.layers.RNN(layers.GRUCell(4), return_sequences=True))
    model = keras.Model(inputs, keras.layers.Dense(len(vocab))(bidi(x)))
    model(np.zeros((1, 2), "int32"))
    with pytest.raises(ValueError, match="bidirectional.*cannot generate"):
        training.generate(model, vocab, "a", 3)
    backwards = keras.layers.RNN(layers.GRUCell(4), return_sequences=True, go_backwards=True)
    model = keras.Model(inputs, keras.layers.Dense(len(vocab))(backwards(x)))
    with pytest.raises(ValueError, match="backwards"):
        training.generate(model, vocab, "a", 3)
    last_only = keras.layers.RNN(layers.GRUCell(4))
    model = keras.Model(inputs, keras.layers.Dense(len(vocab))(last_only(x)))
    with pytest.raises(ValueError, match="return_sequences=False"):
        training.generate(model, vocab, "a", 3)
