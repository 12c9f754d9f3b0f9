"""d2lite.seq2seq: the number-words task, the masked loss, additive attention, the
encoder-decoder and its decoders (greedy, beam, exhaustive) against each other."""

import keras
import numpy as np
import pytest
from keras import ops

from d2lite import seq2seq as s2s


# ----------------------------------------------------------------- the task


def test_number_words_spell_every_group():
    assert s2s.number_words(0) == "zero"
    assert s2s.number_words(15) == "fifteen"
    assert s2s.number_words(90) == "ninety"
    assert s2s.number_words(105) == "one hundred five"
    assert s2s.number_words(20_000) == "twenty thousand"
    assert s2s.number_words(999_999_999) == ("nine hundred ninety nine million nine hundred "
                                             "ninety nine thousand nine hundred ninety nine")
    words = {w for n in range(0, 10**9, 9_876_541) for w in s2s.number_words(n).split()}
    assert words <= set(s2s.SOURCE_TOKENS[1:])


def test_pairs_are_reproducible_distinct_and_held_out():
    train, test = s2s.number_pairs(300, 100, max_digits=5, seed=3)
    assert (train, test) == s2s.number_pairs(300, 100, max_digits=5, seed=3)
    numbers = [int(d) for _, d in train + test]
    assert len(set(numbers)) == 400 and set(train).isdisjoint(test)
    assert all(s2s.number_words(int(d)) == w for w, d in train + test)
    lengths = np.bincount([len(d) for _, d in train], minlength=6)
    assert lengths[1] <= 10 and lengths[2:].min() >= 30  # there are ten one-digit numbers
    assert min(len(d) for _, d in test) <= 2  # short numbers are held out too


def test_teacher_forcing_shifts_the_target_by_one():
    source, decoder_inputs, targets = s2s.encode_pairs([("seven", "7"), ("twelve", "12")])
    assert source.dtype == np.int32 and source.shape == (2, 1)
    np.testing.assert_array_equal(decoder_inputs[:, 1:], np.where(targets[:, :-1] == s2s.EOS,
                                                                   s2s.PAD, targets[:, :-1]))
    assert (decoder_inputs[:, 0] == s2s.BOS).all()
    assert s2s.to_digits(targets) == ["7", "12"] and s2s.to_digits(decoder_inputs) == ["7", "12"]
    wide = s2s.encode_pairs([("seven", "7")], source_len=4, target_len=5)
    assert [a.shape for a in wide] == [(1, 4), (1, 5), (1, 5)]


@pytest.mark.parametrize("call, message", [
    (lambda: s2s.number_words(10**9), r"argument `n`, expected an integer in \[0, 10\*\*9\), got 1000000000"),
    (lambda: s2s.number_words(2.0), r"argument `n`, .*got 2\.0"),
    (lambda: s2s.number_pairs(0, 5), "argument `num_train`, expected a positive integer, got 0"),
    (lambda: s2s.number_pairs(5, 5, max_digits=10), "argument `max_digits`, .*got 10"),
    (lambda: s2s.number_pairs(5, 5, max_digits=1), "more than half of the 10 there are"),
    (lambda: s2s.encode_pairs([("seven", "7a")]), "targets made of the digits 0-9, got '7a'"),
    (lambda: s2s.encode_pairs([("sept", "7")]), "sources made of the words .*got 'sept'"),
    (lambda: s2s.encode_pairs([]), r"argument `pairs`, .*got \[\]"),
    (lambda: s2s.to_digits([[1.5]]), "argument `ids`"),
    (lambda: s2s.encoder_decoder(cell="transformer"), "argument `cell`, .*got 'transformer'"),
    (lambda: s2s.encoder_decoder(attention=1), "argument `attention`, expected True or False, got 1"),
    (lambda: s2s.AdditiveAttention(0), "argument `units`, expected a positive integer, got 0"),
    (lambda: s2s.decoder_step("model"), "argument `model`, .*got 'str'"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ----------------------------------------------------------------- loss and attention


@pytest.mark.backend
def test_masked_loss_ignores_padding_and_equals_keras_ignore_class():
    rng = np.random.default_rng(0)
    targets = np.array([[3, 4, 2, 0, 0], [5, 2, 0, 0, 0]])
    logits = rng.normal(size=(2, 5, 13)).astype("float32")
    ours = float(s2s.masked_cross_entropy(targets, logits))
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    assert ours == pytest.approx(float(keras_loss(targets, logits)), rel=1e-5)
    changed = logits.copy()
    changed[targets == 0] = rng.normal(size=(int((targets == 0).sum()), 13)) * 10
    assert float(s2s.masked_cross_entropy(targets, changed)) == pytest.approx(ours, rel=1e-6)
    by_hand = -np.mean([logits[i, t, y] - np.log(np.exp(logits[i, t]).sum())
                        for i, t in zip(*np.nonzero(targets)) for y in [targets[i, t]]])
    assert ours == pytest.approx(by_hand, rel=1e-5)


@pytest.mark.backend
def test_additive_attention_equals_keras_on_projected_queries_and_keys():
    rng = np.random.default_rng(1)
    query, keys = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 6))
    mask = np.array([[True] * 5, [True, True, True, False, False]])
    ours = s2s.AdditiveAttention(8)
    context, weights = (ops.convert_to_numpy(t) for t in ours(query, keys, mask))
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    assert np.all(weights[1, :, 3:] < 1e-6)
    W_q, W_k, v = (ops.convert_to_numpy(w) for w in (ours.query_kernel, ours.key_kernel, ours.scale))
    theirs = keras.layers.AdditiveAttention(use_scale=True)
    expected = theirs([query @ W_q, keys, keys @ W_k], mask=[None, mask])
    theirs.scale.assign(v)
    expected = ops.convert_to_numpy(theirs([query @ W_q, keys, keys @ W_k], mask=[None, mask]))
    np.testing.assert_allclose(context, expected, atol=1e-5)
    by_hand = np.einsum("tsu,u->ts", np.tanh((query[0] @ W_q)[:, None] + (keys[0] @ W_k)[None]), v)
    by_hand = np.exp(by_hand) / np.exp(by_hand).sum(-1, keepdims=True)
    np.testing.assert_allclose(weights[0], by_hand, atol=1e-5)


# ----------------------------------------------------------------- the model


def assert_step_replays(model, source, decoder_inputs):
    """decoder_step, fed the teacher-forced tokens one at a time, gives the model's log-probabilities."""
    expected = ops.convert_to_numpy(ops.log_softmax(model([source, decoder_inputs]), axis=-1))
    encode, step = s2s.decoder_step(model)
    states = encode(source)
    for t in range(decoder_inputs.shape[1]):
        log_probs, states = step(decoder_inputs[:, t], states)
        np.testing.assert_allclose(log_probs, expected[:, t], atol=1e-5)


@pytest.mark.backend
@pytest.mark.parametrize("attention", [False, True])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_decoder_step_replays_teacher_forcing(attention, cell):
    model = s2s.encoder_decoder(units=8, embedding_dim=4, attention=attention, cell=cell)
    source, decoder_inputs, _ = s2s.encode_pairs([("four hundred two", "402"), ("nine", "9")])
    assert_step_replays(model, source, decoder_inputs)
    if attention:
        weights = s2s.attention_weights(model, source, decoder_inputs)
        assert weights.shape == (2, 4, 3)
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
        assert np.all(weights[1, :, 1:] < 1e-6)  # "nine" is one word: the rest is padding


@pytest.mark.backend
def test_a_few_updates_lower_the_masked_loss():
    train, _ = s2s.number_pairs(256, 1, max_digits=3, seed=0)
    source, decoder_inputs, targets = s2s.encode_pairs(train)
    model = s2s.encoder_decoder(units=16, embedding_dim=8)
    history = model.fit([source, decoder_inputs], targets, batch_size=64, epochs=8, verbose=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
    assert len(s2s.translate(model, ["four hundred two", "one"], beam_width=3)) == 2


# ----------------------------------------------------------------- the decoders


def toy_step(vocab=5, units=3, seed=0):
    """A deterministic recurrent "decoder" in NumPy: step(tokens, states) -> (log_probs, states)."""
    rng = np.random.default_rng(seed)
    E, W, U = rng.normal(size=(vocab, units)), rng.normal(size=(units, units)), rng.normal(
        scale=2.0, size=(units, vocab))

    def step(tokens, states):
        h = np.tanh(states[0] @ W + E[np.asarray(tokens)])
        logits = h @ U
        return logits - np.log(np.exp(logits).sum(-1, keepdims=True)), [h]
    return step


def toy_states(n, units=3, seed=1):
    return [np.random.default_rng(seed).normal(size=(n, units))]


@pytest.mark.parametrize("seed", range(5))
def test_beam_width_one_is_greedy(seed):
    step = toy_step(seed=seed)
    greedy = s2s.greedy_decode(step, toy_states(6, seed=seed), max_len=5)
    beam = s2s.beam_search(step, toy_states(6, seed=seed), beam_width=1, max_len=5)
    np.testing.assert_array_equal(greedy[0], beam[0])
    np.testing.assert_allclose(greedy[1], beam[1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_a_beam_as_wide_as_every_hypothesis_is_exhaustive_search(seed):
    vocab, max_len = 5, 4
    step = toy_step(vocab, seed=seed)
    states = toy_states(4, seed=seed)
    best = s2s.exhaustive_search(step, states, max_len=max_len)
    beam = s2s.beam_search(step, states, beam_width=(vocab - 1) ** max_len, max_len=max_len)
    np.testing.assert_array_equal(beam[0], best[0])
    np.testing.assert_allclose(beam[1], best[1], atol=1e-12)
    narrow = s2s.beam_search(step, states, beam_width=2, max_len=max_len)
    greedy = s2s.greedy_decode(step, states, max_len=max_len)
    assert np.all(best[1] >= narrow[1] - 1e-12) and np.all(best[1] >= greedy[1] - 1e-12)


def test_some_beam_beats_greedy_and_scores_are_the_log_probabilities():
    step, states = toy_step(seed=2), toy_states(40, seed=2)
    greedy = s2s.greedy_decode(step, states, max_len=5)
    beam = s2s.beam_search(step, states, beam_width=3, max_len=5)
    assert np.any(beam[1] > greedy[1] + 1e-9)
    for sequences, scores in (greedy, beam):  # rescore every sequence token by token
        tokens, h, total = np.full(40, s2s.BOS), states, np.zeros(40)
        alive = np.ones(40, dtype=bool)
        for t in range(5):
            log_probs, h = step(tokens, h)
            tokens = sequences[:, t]
            total += np.where(alive, log_probs[np.arange(40), tokens], 0.0)
            alive &= tokens != s2s.EOS
        np.testing.assert_allclose(total, scores, atol=1e-9)
        ends = [list(row).index(s2s.EOS) if s2s.EOS in row else 5 for row in sequences]
        assert all((row[e + 1:] == s2s.PAD).all() and (row[:e] != s2s.PAD).all()
                   for row, e in zip(sequences, ends))


def test_each_example_has_its_own_beam():
    step, states = toy_step(seed=3), toy_states(5, seed=3)
    batch = s2s.beam_search(step, states, beam_width=3, max_len=5)
    for i in range(5):
        alone = s2s.beam_search(step, [states[0][i:i + 1]], beam_width=3, max_len=5)
        np.testing.assert_array_equal(alone[0][0], batch[0][i])


@pytest.mark.parametrize("call, message", [
    (lambda step, states: s2s.beam_search(step, states, 0, 3), "argument `beam_width`, .*got 0"),
    (lambda step, states: s2s.greedy_decode(step, states, max_len=0), "argument `max_len`, .*got 0"),
    (lambda step, states: s2s.greedy_decode("step", states, 3), "argument `step`, .*got 'step'"),
    (lambda step, states: s2s.beam_search(step, [], 2, 3), r"argument `states`, .*got \[\]"),
    (lambda step, states: s2s.beam_search(step, states + [np.zeros(3)], 2, 3),
     r"argument `states`, .*same number of rows.*got \[\(2, 3\), \(3,\)\]"),
    (lambda step, states: s2s.greedy_decode(step, states, 3, eos=0), "argument `eos`, .*got 0"),
    (lambda step, states: s2s.greedy_decode(lambda t, s: (np.zeros(4), s), states, 3),
     r"log-probabilities of shape \(2, vocab_size\), got shape \(4,\)"),
    (lambda step, states: s2s.exhaustive_search(toy_step(vocab=40), states, max_len=5),
     "more than a million hypotheses"),
])
def test_decoders_refuse_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call(toy_step(), toy_states(2))


# ----------------------------------------------------------------- captioning


def test_shape_images_are_reproducible_and_their_captions_name_what_is_drawn():
    images, captions = s2s.shape_images(20, seed=4)
    again, same = s2s.shape_images(20, seed=4)
    assert np.array_equal(images, again) and captions == same
    assert images.dtype == np.float32 and images.min() >= 0 and images.max() <= 1
    colours = {"red": 0, "green": 1, "blue": 2}
    for image, caption in zip(images, captions):
        words = caption.split()
        for half, (colour, _, place) in enumerate((words[:3], words[3:])):
            part = image[:, half * 12:(half + 1) * 12]
            rows = slice(0, 12) if place == "top" else slice(12, 24)
            brightest = part[rows].reshape(-1, 3).max(axis=0)
            assert brightest.argmax() == colours[colour], caption
    decoder_inputs, targets = s2s.encode_captions(captions)
    assert decoder_inputs.shape == targets.shape == (20, 7)
    assert s2s.to_words(targets) == captions and s2s.to_words(decoder_inputs) == captions


@pytest.mark.backend
def test_the_caption_decoder_step_replays_teacher_forcing_on_images():
    model = s2s.caption_model(units=8, embedding_dim=4)
    images, captions = s2s.shape_images(3, seed=5)
    decoder_inputs, _ = s2s.encode_captions(captions)
    assert_step_replays(model, images, decoder_inputs)
