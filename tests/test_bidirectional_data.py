"""`sequences.masked_windows`: the fill-in-the-blank data of notebook 07 (bidirectional RNNs)."""

import numpy as np
import pytest

from d2lite import sequences, text


def test_shapes_and_values_on_a_small_corpus():
    corpus = np.arange(1, 11)  # 1..10, no 0
    inputs, labels = sequences.masked_windows(corpus, window=5)
    assert inputs.shape == (6, 5) and labels.shape == (6,)
    np.testing.assert_array_equal(inputs[0], [1, 2, 0, 4, 5])
    np.testing.assert_array_equal(inputs[-1], [6, 7, 0, 9, 10])
    np.testing.assert_array_equal(labels, [3, 4, 5, 6, 7, 8])
    assert inputs.dtype == corpus.dtype and labels.dtype == corpus.dtype


@pytest.mark.parametrize("window, stride", [(2, 1), (5, 2), (21, 3), (8, 8), (10, 100)])
def test_number_of_windows(window, stride):
    corpus = np.arange(1, 101)
    inputs, labels = sequences.masked_windows(corpus, window, stride=stride)
    n = (len(corpus) - window) // stride + 1
    assert inputs.shape == (n, window) and labels.shape == (n,)
    np.testing.assert_array_equal(inputs[:, 0], 1 + stride * np.arange(n))


@pytest.mark.parametrize("window, position, expected", [
    (21, None, 10), (20, None, 10), (3, None, 1), (5, 0, 0), (5, 4, 4), (2, 1, 1)])
def test_the_mask_sits_at_the_position_and_only_there(window, position, expected):
    rng = np.random.default_rng(0)
    corpus = rng.integers(1, 28, size=300)
    inputs, labels = sequences.masked_windows(corpus, window, mask_id=0, position=position,
                                              stride=3)
    assert np.all(inputs[:, expected] == 0)
    others = np.delete(inputs, expected, axis=1)
    assert np.all(others != 0), "the mask id appears away from the hidden position"
    # Every other position holds the corpus, unchanged; the label is the hidden token.
    starts = 3 * np.arange(len(inputs))
    original = corpus[starts[:, None] + np.arange(window)]
    np.testing.assert_array_equal(others, np.delete(original, expected, axis=1))
    np.testing.assert_array_equal(labels, original[:, expected])


def test_no_leakage_of_the_target_into_the_input():
    # Every token of the corpus is distinct, so a leaked label would be found anywhere.
    corpus = np.arange(1, 501)
    inputs, labels = sequences.masked_windows(corpus, window=9, stride=2)
    assert not np.any(inputs == labels[:, None])


def test_the_corpus_is_not_changed_and_inputs_do_not_alias_it():
    corpus = np.arange(1, 30)
    original = corpus.copy()
    inputs, labels = sequences.masked_windows(corpus, window=7)
    np.testing.assert_array_equal(corpus, original)
    inputs[:] = -1
    labels[:] = -1
    np.testing.assert_array_equal(corpus, original)


def test_a_list_and_another_mask_id():
    inputs, labels = sequences.masked_windows([4, 5, 6, 7], window=3, mask_id=99)
    assert inputs.tolist() == [[4, 99, 6], [5, 99, 7]] and labels.tolist() == [5, 6]


def test_on_the_time_machine():
    corpus, vocab = text.load_corpus_time_machine()
    assert vocab["<unk>"] == 0 and not np.any(corpus == 0)
    inputs, labels = sequences.masked_windows(corpus, window=15, stride=4)
    assert inputs.shape == ((len(corpus) - 15) // 4 + 1, 15)
    assert "".join(vocab.to_tokens(list(corpus[:15]))) == "the time machin"
    assert "".join(vocab.to_tokens(list(inputs[0]))) == "the tim<unk> machin"
    assert vocab.to_tokens(int(labels[0])) == "e"


@pytest.mark.parametrize("kwargs, message", [
    (dict(window=1), "`window`, expected an integer >= 2"),
    (dict(window=0), "`window`, expected an integer >= 2"),
    (dict(window=2.0), "`window`, expected an integer >= 2"),
    (dict(window=True), "`window`, expected an integer >= 2"),
    (dict(window=11), "expected at most the corpus length 10, got 11"),
    (dict(window=3, stride=0), "`stride`, expected a positive integer, got 0"),
    (dict(window=3, position=3), r"`position`, expected an integer in \[0, 3\)"),
    (dict(window=3, position=-1), r"`position`, expected an integer in \[0, 3\)"),
    (dict(window=3, mask_id=5), "occurs 1 times"),
    (dict(window=3, mask_id=0.0), "`mask_id`, expected an integer"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sequences.masked_windows(np.arange(1, 11), **kwargs)


@pytest.mark.parametrize("corpus", [np.arange(1.0, 11.0), np.arange(1, 11).reshape(2, 5),
                                    np.array(3)])
def test_bad_corpus(corpus):
    with pytest.raises(ValueError, match="`corpus`, expected a 1-D array of integer"):
        sequences.masked_windows(corpus, window=2)
