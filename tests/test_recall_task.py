"""d2lite.sequences.recall_task: the long-range memory task of notebook 06."""

import numpy as np
import pytest

from d2lite import sequences


def test_shapes_and_dtypes():
    X, y = sequences.recall_task(10, lag=7, seed=0)
    assert X.shape == (10, 8) and y.shape == (10,)
    assert X.dtype == np.int32 and y.dtype == np.int32


@pytest.mark.parametrize("num_classes, num_distractors", [(2, 1), (4, 4), (5, 16)])
def test_label_is_the_first_token_and_tokens_use_their_alphabets(num_classes, num_distractors):
    X, y = sequences.recall_task(200, lag=30, num_classes=num_classes,
                                 num_distractors=num_distractors, seed=1)
    np.testing.assert_array_equal(y, X[:, 0] - 1)
    assert set(y.tolist()) == set(range(num_classes))
    # Signals are 1..C, distractors C+1..C+D: never a signal, and 0 (padding) never occurs.
    assert X[:, 0].min() == 1 and X[:, 0].max() == num_classes
    distractors = X[:, 1:]
    assert distractors.min() == num_classes + 1
    assert distractors.max() == num_classes + num_distractors
    assert not np.isin(distractors, X[:, 0]).any()
    assert (X != 0).all()


def test_every_distractor_is_drawn():
    X, _ = sequences.recall_task(50, lag=40, num_classes=3, num_distractors=6, seed=2)
    np.testing.assert_array_equal(np.unique(X[:, 1:]), np.arange(4, 10))


@pytest.mark.parametrize("num_examples, num_classes", [(12, 4), (13, 4), (7, 3), (1, 2)])
def test_classes_are_balanced(num_examples, num_classes):
    _, y = sequences.recall_task(num_examples, lag=3, num_classes=num_classes, seed=3)
    counts = np.bincount(y, minlength=num_classes)
    assert counts.sum() == num_examples
    assert counts.max() - counts.min() <= 1


def test_lag_one_is_the_shortest_task():
    X, y = sequences.recall_task(4, lag=1, num_classes=2, num_distractors=1, seed=0)
    assert X.shape == (4, 2)
    assert (X[:, 1] == 3).all()  # the one distractor token
    np.testing.assert_array_equal(y, X[:, 0] - 1)


def test_deterministic_under_a_seed():
    X1, y1 = sequences.recall_task(64, lag=20, seed=7)
    X2, y2 = sequences.recall_task(64, lag=20, seed=7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_a_generator_seed_is_used_and_advanced():
    a = sequences.recall_task(64, lag=20, seed=np.random.default_rng(7))
    b = sequences.recall_task(64, lag=20, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    rng = np.random.default_rng(7)
    first, second = sequences.recall_task(64, 20, seed=rng), sequences.recall_task(64, 20, seed=rng)
    assert not np.array_equal(first[0], second[0])


def test_different_seeds_differ():
    X1, y1 = sequences.recall_task(64, lag=20, seed=0)
    X2, y2 = sequences.recall_task(64, lag=20, seed=1)
    assert not np.array_equal(X1, X2)
    assert not np.array_equal(y1, y2)


def test_feeds_a_sequence_classifier():
    import keras

    from d2lite import networks

    X, y = sequences.recall_task(8, lag=5, num_classes=3, num_distractors=4, seed=0)
    model = networks.sequence_classifier(1 + 3 + 4, num_classes=3, cell="lstm", units=4,
                                         embedding_dim=3, compile=False)
    logits = keras.ops.convert_to_numpy(model(X))
    assert logits.shape == (8, 3) and np.isfinite(logits).all()
    one_hot = keras.ops.convert_to_numpy(networks.OneHot(1 + 3 + 4)(X))
    assert one_hot.shape == (8, 6, 8) and (one_hot.sum(axis=-1) == 1).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"num_examples": 0}, "`num_examples`, expected a positive integer, got 0"),
    ({"num_examples": 2.5}, "`num_examples`, expected a positive integer, got 2.5"),
    ({"num_examples": True}, "`num_examples`, expected a positive integer, got True"),
    ({"lag": 0}, "`lag`, expected a positive integer, got 0"),
    ({"lag": -3}, "`lag`, expected a positive integer, got -3"),
    ({"lag": "10"}, "`lag`, expected a positive integer, got '10'"),
    ({"lag": None}, "`lag`, expected a positive integer, got None"),
    ({"num_classes": 1}, "`num_classes`, expected an integer >= 2, got 1"),
    ({"num_classes": 4.0}, "`num_classes`, expected an integer >= 2, got 4.0"),
    ({"num_distractors": 0}, "`num_distractors`, expected a positive integer, got 0"),
    ({"num_distractors": 2 ** 31 - 4},
     r"`num_classes` and `num_distractors`.*fit in int32.*num_classes=4 and "
     r"num_distractors=2147483644"),
    ({"seed": -1}, r"`seed`, expected None, a non-negative integer or a np.random.Generator, "
                   r"got -1"),
    ({"seed": 1.5}, "`seed`.*got 1.5"),
    ({"seed": "0"}, "`seed`.*got '0'"),
])
def test_bad_arguments_are_named_with_their_value(kwargs, match):
    arguments = {"num_examples": 10, "lag": 5, **kwargs}
    with pytest.raises(ValueError, match=match):
        sequences.recall_task(**arguments)


def test_errors_use_keras_wording():
    with pytest.raises(ValueError, match=r"^Received an invalid value for argument `lag`"):
        sequences.recall_task(10, lag=0)
