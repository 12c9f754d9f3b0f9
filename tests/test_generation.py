"""d2lite.generation.generate: text from a language model, greedy or sampled."""

import keras
import numpy as np
import pytest

from conftest import numpy
from d2lite import generation, layers, networks, text






# ----------------------------------------------------------------- generate


@pytest.fixture(scope="module")
def lm_and_vocab():
    keras.utils.set_random_seed(3)
    vocab = text.Vocab(list("abcdef "))
    model = networks.language_model(len(vocab), cell="lstm", units=8, num_layers=2,
                                     compile=False)
    model(np.zeros((1, 1), "int32"))
    return model, vocab


def test_greedy_generation_equals_rereading_the_whole_text(lm_and_vocab):
    # The step model carries the states; running the full model on the growing text and
    # taking the argmax at the last step must give the same characters.
    model, vocab = lm_and_vocab
    out = generation.generate(model, vocab, list("bad "), num_chars=6)
    assert out[:4] == list("bad ") and len(out) == 10
    ids = list(vocab[list("bad ")])
    for _ in range(6):
        logits = numpy(model(np.array([ids], "int32")))[0, -1]
        ids.append(int(np.argmax(logits)))
    assert out == vocab.to_tokens(ids)


def test_sampling_is_reproducible_and_tokens_stay_tokens(lm_and_vocab):
    model, vocab = lm_and_vocab
    a = generation.generate(model, vocab, list("ace"), 20, sample=True, temperature=2.0, seed=5)
    b = generation.generate(model, vocab, list("ace"), 20, sample=True, temperature=2.0, seed=5)
    assert a == b and len(a) == 23 and set(a) <= set(vocab.idx_to_token)
    # (An untrained model may write "<unk>"; a trained one has never seen it as a target.)
    tokens = generation.generate(model, vocab, ["a", "c"], 3)
    assert isinstance(tokens, list) and tokens[:2] == ["a", "c"] and len(tokens) == 5
    assert generation.generate(model, vocab, "a", 0) == "a"


def test_low_temperature_sampling_is_greedy(lm_and_vocab):
    model, vocab = lm_and_vocab
    greedy = generation.generate(model, vocab, "fed", 8)
    assert generation.generate(model, vocab, "fed", 8, sample=True, temperature=1e-4,
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
        generation.generate(model, vocab, **args)


def test_generate_refuses_models_that_read_the_future():
    vocab = text.Vocab(list("ab"))
    inputs = keras.Input((None,), dtype="int32")
    x = networks.OneHot(len(vocab))(inputs)
    bidi = keras.layers.Bidirectional(keras.layers.RNN(layers.GRUCell(4), return_sequences=True))
    model = keras.Model(inputs, keras.layers.Dense(len(vocab))(bidi(x)))
    model(np.zeros((1, 2), "int32"))
    with pytest.raises(ValueError, match="bidirectional.*cannot generate"):
        generation.generate(model, vocab, "a", 3)
    backwards = keras.layers.RNN(layers.GRUCell(4), return_sequences=True, go_backwards=True)
    model = keras.Model(inputs, keras.layers.Dense(len(vocab))(backwards(x)))
    with pytest.raises(ValueError, match="backwards"):
        generation.generate(model, vocab, "a", 3)
    last_only = keras.layers.RNN(layers.GRUCell(4))
    model = keras.Model(inputs, keras.layers.Dense(len(vocab))(last_only(x)))
    with pytest.raises(ValueError, match="return_sequences=False"):
        generation.generate(model, vocab, "a", 3)
