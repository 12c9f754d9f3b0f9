"""Variable-length sequences and truncated BPTT (notebook 04).

* d2lite's cells honour a padding mask exactly as Keras's built-ins do;
* a stateful RNN carries its state across chunks: two chunks = one long pass;
* `sequences.pad_truncate`, `check_mask`, `sequential_dataset`, `bucket_dataset`;
* `networks.language_model(stateful=True)` and `sequence_classifier`;
* `training.ResetStates` and `reset_states`.

Tests marked `backend` use no TensorFlow API (no `tf.data`), so `make test` runs them under
`KERAS_BACKEND=jax` as well.
"""

import numpy as np
import pytest

import keras

from conftest import CELL_PAIRS, numpy
from d2lite import networks, sequences, training

backend = pytest.mark.backend




ATOL = 1e-5
VOCAB = 11  # token indices 1..10; 0 is padding
UNITS = 6

# Three sentences of 5, 2 and 4 tokens; no token is 0.
SENTENCES = [[3, 1, 4, 1, 5], [9, 2], [6, 5, 3, 5]]


def _masked_model(rnn, embedding):
    """tokens -> Embedding(mask_zero=True) -> rnn, as a functional model (the mask propagates)."""
    tokens = keras.Input(shape=(None,), dtype="int32")
    return keras.Model(tokens, rnn(embedding(tokens)))


def _random_weights(layer, seed):
    # Random biases too, so that a bias in the wrong gate would show.
    rng = np.random.default_rng(seed)
    return [0.5 * rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()]


def _outputs_and_states(model, tokens):
    outputs, *states = model(np.asarray(tokens, "int32"))
    return numpy(outputs), [numpy(s) for s in states]


# ----------------------------------------------------------------- masking


@backend
@pytest.mark.parametrize("kind", sorted(CELL_PAIRS))
@pytest.mark.parametrize("padding", ["post", "pre"])
def test_masked_padding_changes_nothing_and_matches_the_builtin(kind, padding):
    cell_class, builtin_class, _ = CELL_PAIRS[kind]
    embedding = keras.layers.Embedding(VOCAB, 3, mask_zero=True)
    ours = _masked_model(
        keras.layers.RNN(cell_class(UNITS), return_sequences=True, return_state=True), embedding)
    builtin = _masked_model(
        builtin_class(UNITS, return_sequences=True, return_state=True), embedding)
    padded = sequences.pad_truncate(SENTENCES, max_len=7, padding=padding)
    ours(padded), builtin(padded)
    weights = _random_weights(ours.layers[-1], seed=1)
    ours.layers[-1].set_weights(weights)
    builtin.layers[-1].set_weights(weights)

    out, states = _outputs_and_states(ours, padded)
    assert out.shape == (3, 7, UNITS) and len(states) == (2 if kind == "lstm" else 1)
    for i, sentence in enumerate(SENTENCES):
        alone_out, alone_states = _outputs_and_states(ours, [sentence])  # no padding at all
        real = slice(0, len(sentence)) if padding == "post" else slice(7 - len(sentence), 7)
        np.testing.assert_allclose(out[i, real], alone_out[0], atol=ATOL)
        for s, alone in zip(states, alone_states):
            np.testing.assert_allclose(s[i], alone[0], atol=ATOL)
        if padding == "post":  # Keras repeats the last real output at masked steps
            np.testing.assert_allclose(out[i, len(sentence):],
                                       np.broadcast_to(alone_out[0, -1], (7 - len(sentence), UNITS)),
                                       atol=ATOL)

    builtin_out, builtin_states = _outputs_and_states(builtin, padded)
    np.testing.assert_allclose(out, builtin_out, atol=ATOL)
    for a, b in zip(states, builtin_states):
        np.testing.assert_allclose(a, b, atol=ATOL)

    # Without the mask the padding is read as a token and the last state changes.
    unmasked = keras.Model(ours.input, ours.layers[-1](
        keras.layers.Embedding(VOCAB, 3, embeddings_initializer=keras.initializers.Constant(
            embedding.get_weights()[0]))(ours.input)))
    _, unmasked_states = _outputs_and_states(unmasked, padded)
    assert not np.allclose(unmasked_states[0][1], states[0][1], atol=1e-3)  # the 2-token row


@backend
def test_sequence_classifier_logits_do_not_depend_on_padding_when_masked():
    model = networks.sequence_classifier(VOCAB, num_classes=3, cell="lstm", units=UNITS,
                                         embedding_dim=4)
    post = numpy(model(sequences.pad_truncate(SENTENCES, 8, padding="post")))
    pre = numpy(model(sequences.pad_truncate(SENTENCES, 8, padding="pre")))
    alone = np.concatenate([numpy(model(np.array([s], "int32"))) for s in SENTENCES])
    assert post.shape == (3, 3)
    np.testing.assert_allclose(post, alone, atol=ATOL)
    np.testing.assert_allclose(pre, alone, atol=ATOL)
    assert [layer.name for layer in model.layers] == ["tokens", "embedding", "rnn", "logits"]
    assert model.name == "lstm_classifier"

    unmasked = networks.sequence_classifier(VOCAB, num_classes=3, cell="lstm", units=UNITS,
                                            embedding_dim=4, mask_zero=False)
    unmasked(post)
    unmasked.set_weights(model.get_weights())
    assert not np.allclose(numpy(unmasked(sequences.pad_truncate(SENTENCES, 8))), alone, atol=1e-3)


@backend
@pytest.mark.parametrize("kwargs, message", [
    ({"num_classes": 1}, "`num_classes`.*integer >= 2.*got 1"),
    ({"units": 0}, "`units`.*positive integer.*got 0"),
    ({"cell": "transformer"}, "`cell`.*got 'transformer'"),
    ({"learning_rate": -1}, "`learning_rate`.*positive number.*got -1"),
])
def test_sequence_classifier_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        networks.sequence_classifier(VOCAB, **kwargs)


@backend
def test_check_mask_names_the_bad_shape_and_the_expected_one():
    x = np.zeros((2, 5, 3), "float32")
    mask = numpy(sequences.check_mask(x, np.array([[1, 1, 1, 0, 0]] * 2)))
    assert mask.dtype == bool and mask.tolist() == [[True] * 3 + [False] * 2] * 2
    assert tuple(sequences.check_mask(np.zeros((2, 5), "int32"), np.ones((2, 5))).shape) == (2, 5)
    for bad in [(2, 4), (3, 5), (2, 5, 1)]:
        expected = (r"`mask`, expected a mask of shape \(batch, timesteps\) = \(2, 5\) for "
                    r"inputs of shape \(2, 5, 3\), got shape " + re_shape(bad))
        with pytest.raises(ValueError, match=expected):
            sequences.check_mask(x, np.ones(bad, bool))
    with pytest.raises(ValueError, match=r"`inputs`, expected sequences.*got shape \(5,\)"):
        sequences.check_mask(np.zeros(5), np.ones(5))


def re_shape(shape):
    return r"\(" + r", ".join(map(str, shape)) + r"\)\."


# ----------------------------------------------------------------- pad_truncate


@backend
def test_pad_truncate_pads_and_cuts_at_either_end():
    seqs = [[5, 6], [1, 2, 3, 4], []]
    np.testing.assert_array_equal(sequences.pad_truncate(seqs, 3),
                                  [[5, 6, 0], [1, 2, 3], [0, 0, 0]])
    np.testing.assert_array_equal(
        sequences.pad_truncate(seqs, 3, padding="pre", truncating="pre"),
        [[0, 5, 6], [2, 3, 4], [0, 0, 0]])
    out = sequences.pad_truncate([np.array([7, 8])], 4, value=-1)
    assert out.dtype == np.int32 and out.tolist() == [[7, 8, -1, -1]]


@backend
@pytest.mark.parametrize("args, kwargs, message", [
    (([[1, 2]], 0), {}, "`max_len`, expected a positive integer, got 0"),
    (([[1, 2]], -3), {}, "`max_len`, expected a positive integer, got -3"),
    (([[1, 2]], 2.5), {}, "`max_len`, expected a positive integer, got 2.5"),
    (([[1, 2]], True), {}, "`max_len`, expected a positive integer, got True"),
    (([[1, 2]], 4), {"padding": "middle"}, "`padding`, expected one of 'pre' or 'post', got 'middle'"),
    (([[1, 2]], 4), {"truncating": "end"}, "`truncating`, expected one of 'pre' or 'post', got 'end'"),
    (([], 4), {}, r"`sequences`, expected a non-empty list.*got \[\]"),
    (("hello", 4), {}, "`sequences`, expected a non-empty list.*got str"),
    (([[1, 2], [0.5]], 4), {}, "`sequences`.*integer.*sequence 1 of dtype float64"),
    (([[1, 0, 2]], 4), {}, "`value`, expected a padding index that no sequence contains.*got 0"),
])
def test_pad_truncate_rejects_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sequences.pad_truncate(*args, **kwargs)


# ----------------------------------------------------------------- stateful carry


@backend
@pytest.mark.parametrize("kind", sorted(CELL_PAIRS))
def test_stateful_state_after_two_chunks_equals_one_long_pass(kind):
    cell_class, _, _ = CELL_PAIRS[kind]
    x = np.random.default_rng(0).normal(size=(2, 10, 3)).astype("float32")
    whole = keras.layers.RNN(cell_class(UNITS), return_sequences=True, return_state=True)
    chunked = keras.layers.RNN(cell_class(UNITS), return_sequences=True, return_state=True,
                               stateful=True)
    whole(x), chunked(x[:, :4])  # build both
    chunked.set_weights(_random_weights(whole, seed=2))
    whole.set_weights(chunked.get_weights())
    out_whole, *state_whole = whole(x)

    chunked.reset_state()
    out_1, *_ = chunked(x[:, :4])
    out_2, *state_2 = chunked(x[:, 4:])
    np.testing.assert_allclose(np.concatenate([numpy(out_1), numpy(out_2)], axis=1), numpy(out_whole),
                               atol=ATOL)
    for a, b in zip(state_2, state_whole):
        np.testing.assert_allclose(numpy(a), numpy(b), atol=ATOL)
    # The carried state is the layer's own: without a reset the next chunk starts from it.
    np.testing.assert_allclose(numpy(chunked.states[0]), numpy(state_whole[0]), atol=ATOL)
    chunked.reset_state()
    out_fresh, *_ = chunked(x[:, 4:])
    assert not np.allclose(numpy(out_fresh), numpy(out_2), atol=1e-3)
    # After a reset the chunk is read from zeros, as a fresh stateless pass reads it.
    np.testing.assert_allclose(numpy(out_fresh), numpy(whole(x[:, 4:])[0]), atol=ATOL)


@backend
def test_stateful_language_model_carries_state_and_reset_states_zeroes_it():
    tokens = np.random.default_rng(1).integers(0, 7, size=(3, 12)).astype("int32")
    stateful = networks.language_model(7, cell="gru", units=UNITS, stateful=True, batch_size=3)
    stateless = networks.language_model(7, cell="gru", units=UNITS)
    assert stateful.name == "stateful_gru_lm" and stateful.input_shape == (3, None)
    stateful(tokens[:, :5])
    stateless(tokens)
    stateless.set_weights(stateful.get_weights())

    assert training.reset_states(stateful) == 1 and training.reset_states(stateless) == 0
    chunks = [numpy(stateful(tokens[:, :5])), numpy(stateful(tokens[:, 5:]))]
    np.testing.assert_allclose(np.concatenate(chunks, axis=1), numpy(stateless(tokens)), atol=ATOL)

    assert np.abs(numpy(stateful.get_layer("rnn_1").states[0])).max() > 0
    training.reset_states(stateful)
    assert not numpy(stateful.get_layer("rnn_1").states[0]).any()
    np.testing.assert_allclose(numpy(stateful(tokens[:, 5:])), numpy(stateless(tokens[:, 5:])),
                               atol=ATOL)


@backend
def test_language_model_stateful_needs_a_batch_size():
    with pytest.raises(ValueError, match=r"`batch_size`, expected a positive integer with "
                                         r"`stateful=True`.*got None"):
        networks.language_model(7, cell="rnn", units=4, stateful=True)
    with pytest.raises(ValueError, match="`batch_size`, expected a positive integer, got 0"):
        networks.language_model(7, cell="rnn", units=4, stateful=True, batch_size=0)
    fixed = networks.language_model(7, cell="rnn", units=4, batch_size=2)  # allowed, stateless
    assert fixed.input_shape == (2, None) and not fixed.get_layer("rnn_1").stateful


class _StateLog(keras.callbacks.Callback):
    """Record the first row of the RNN state when each batch begins (after ResetStates ran)."""

    def __init__(self):
        super().__init__()
        self.train, self.test = [], []

    def _state(self):
        return numpy(self.model.get_layer("rnn_1").states[0]).copy()

    def on_train_batch_begin(self, batch, logs=None):
        self.train.append((batch, self._state()))

    def on_test_batch_begin(self, batch, logs=None):
        self.test.append((batch, self._state()))


# Not `backend`: JAX's trainer keeps the variables in its own state during an epoch, so the
# states a callback reads between batches are those of the epoch's start there.
def test_reset_states_callback_resets_each_epoch_and_before_validation():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 7, size=(4 * 2, 5)).astype("int32")  # 4 batches of 2 rows
    model = networks.language_model(7, cell="rnn", units=UNITS, stateful=True, batch_size=2)
    log = _StateLog()
    model.fit(x, x, batch_size=2, epochs=2, shuffle=False, validation_data=(x[:4], x[:4]),
              callbacks=[training.ResetStates(), log], verbose=0)
    assert len(log.train) == 8 and len(log.test) == 4
    for batch, state in log.train + log.test:
        if batch == 0:  # the first batch of every epoch and of every validation pass
            assert not state.any()
        else:  # later batches start from the state the previous batch left
            assert np.abs(state).max() > 0

    without = networks.language_model(7, cell="rnn", units=UNITS, stateful=True, batch_size=2)
    log = _StateLog()
    without.fit(x, x, batch_size=2, epochs=2, shuffle=False, callbacks=[log], verbose=0)
    assert np.abs(log.train[4][1]).max() > 0  # epoch 2 starts from where epoch 1 ended

    stateless = networks.language_model(7, cell="rnn", units=UNITS)
    with pytest.raises(ValueError, match="no stateful recurrent layer"):
        stateless.fit(x, x, epochs=1, callbacks=[training.ResetStates()], verbose=0)


# ----------------------------------------------------------------- tf.data (TensorFlow only)


def test_sequential_dataset_equals_seq_data_iter_sequential_every_epoch():
    corpus = np.arange(1000) % 37
    ds = sequences.sequential_dataset(corpus, batch_size=4, num_steps=10, seed=3)
    expected = list(sequences.seq_data_iter_sequential(corpus, 4, 10, seed=3))
    assert int(ds.cardinality()) == len(expected) == (1000 - 10) // 4 // 10
    for _ in range(2):  # the same batches in the same order in every epoch
        got = [(X.numpy(), Y.numpy()) for X, Y in ds]
        assert len(got) == len(expected)
        for (X, Y), (eX, eY) in zip(got, expected):
            assert X.dtype == np.int32 and X.shape == (4, 10)
            np.testing.assert_array_equal(X, eX)
            np.testing.assert_array_equal(Y, eY)
    # Row i of batch k + 1 continues row i of batch k; targets are shifted by one.
    X0, Y0 = got[0]
    X1, _ = got[1]
    np.testing.assert_array_equal(Y0[:, :-1], X0[:, 1:])
    np.testing.assert_array_equal(X1[:, 0], Y0[:, -1])


def test_sequential_dataset_rejects_a_short_corpus():
    with pytest.raises(ValueError, match="`num_steps`, expected at most"):
        sequences.sequential_dataset(np.arange(50), batch_size=8, num_steps=10)


def test_bucket_dataset_pads_each_batch_to_its_longest_sequence():
    seqs = [[1], [2, 3], [4, 5, 6], [7, 8, 9, 1, 2], [3, 4], [5, 6, 7, 8, 9, 1]]
    labels = [0, 1, 0, 1, 1, 0]
    batches = [(X.numpy(), y.numpy()) for X, y in
               sequences.bucket_dataset(seqs, labels, bucket_boundaries=[3], batch_size=2)]
    # lengths < 3 in one bucket, >= 3 in the other; a bucket emits when it holds 2.
    assert [X.tolist() for X, _ in batches] == [
        [[1, 0], [2, 3]],
        [[4, 5, 6, 0, 0], [7, 8, 9, 1, 2]],
        [[3, 4]],
        [[5, 6, 7, 8, 9, 1]],
    ]
    assert [y.tolist() for _, y in batches] == [[0, 1], [0, 1], [1], [0]]
    padded_cells = sum(X.size for X, _ in batches)
    assert padded_cells == 4 + 10 + 2 + 6 < len(seqs) * 6  # vs one global max length


@pytest.mark.parametrize("args, message", [
    (([[1, 2]], [0, 1], [3], 2), r"`labels`, expected 1 integer labels"),
    (([[1, 2]], [0], [3, 2], 2), r"`bucket_boundaries`, expected a non-empty list of increasing"),
    (([[1, 2]], [0], [], 2), r"`bucket_boundaries`"),
    (([[1, 2]], [0], [3], 0), r"`batch_size`, expected a positive integer, got 0"),
    (([[1, 2], []], [0, 1], [3], 2), r"`sequences`, expected sequences of at least one token"),
    (([], [], [3], 2), r"`sequences`, expected a non-empty list"),
])
def test_bucket_dataset_rejects_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        sequences.bucket_dataset(*args)
