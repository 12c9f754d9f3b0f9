"""d2lite.sequences.recall_task: the long-range memory task of notebook 06, part 2."""

import numpy as np
import pytest

from d2lite import sequences


def marker_positions(X, num_classes):
    """Each row's marker position, after checking that every row has exactly one."""
    is_marker = X == num_classes + 1
    np.testing.assert_array_equal(is_marker.sum(axis=1), 1)
    return np.argmax(is_marker, axis=1)


def test_shapes_and_dtypes():
    X, y, lag = sequences.recall_task(10, length=7, seed=0)
    assert X.shape == (10, 7) and y.shape == (10,) and lag.shape == (10,)
    assert X.dtype == np.int32 and y.dtype == np.int32 and lag.dtype == np.int32


@pytest.mark.parametrize("num_classes, length", [(2, 2), (4, 20), (5, 61)])
def test_label_is_the_token_after_the_one_marker(num_classes, length):
    X, y, lag = sequences.recall_task(300, length, num_classes=num_classes, seed=1)
    p = marker_positions(X, num_classes)
    rows = np.arange(len(X))
    np.testing.assert_array_equal(y, X[rows, p + 1] - 1)
    np.testing.assert_array_equal(lag, length - 2 - p)
    assert p.max() <= length - 2  # the signal always exists
    # Tokens are 1..C besides the marker; 0 (padding) never occurs.
    assert X.min() == 1 and X.max() == num_classes + 1
    assert set(y.tolist()) == set(range(num_classes))


def test_tokens_after_the_signal_share_its_alphabet():
    """The point of the task: what follows the signal looks like a signal."""
    X, y, lag = sequences.recall_task(400, 30, num_classes=3, seed=2)
    p = marker_positions(X, 3)
    after = np.concatenate([X[i, p[i] + 2:] for i in range(len(X))])
    np.testing.assert_array_equal(np.unique(after), [1, 2, 3])


def test_lags_cover_every_value_roughly_uniformly():
    length = 12
    _, _, lag = sequences.recall_task(5500, length, seed=3)
    counts = np.bincount(lag, minlength=length - 1)
    assert len(counts) == length - 1  # lags 0 .. length - 2, nothing else
    expected = 5500 / (length - 1)
    assert counts.min() > 0.8 * expected and counts.max() < 1.2 * expected


@pytest.mark.parametrize("num_examples, num_classes", [(12, 4), (13, 4), (7, 3), (1, 2)])
def test_classes_are_balanced(num_examples, num_classes):
    _, y, _ = sequences.recall_task(num_examples, 5, num_classes=num_classes, seed=3)
    counts = np.bincount(y, minlength=num_classes)
    assert counts.sum() == num_examples
    assert counts.max() - counts.min() <= 1


def test_length_two_is_the_shortest_task():
    X, y, lag = sequences.recall_task(4, length=2, num_classes=2, seed=0)
    assert X.shape == (4, 2)
    assert (X[:, 0] == 3).all()  # the marker first, the signal last
    np.testing.assert_array_equal(y, X[:, 1] - 1)
    np.testing.assert_array_equal(lag, 0)


def test_deterministic_under_a_seed():
    first, second = sequences.recall_task(64, 20, seed=7), sequences.recall_task(64, 20, seed=7)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_a_generator_seed_is_used_and_advanced():
    a = sequences.recall_task(64, 20, seed=np.random.default_rng(7))
    b = sequences.recall_task(64, 20, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    rng = np.random.default_rng(7)
    first, second = sequences.recall_task(64, 20, seed=rng), sequences.recall_task(64, 20, seed=rng)
    assert not np.array_equal(first[0], second[0])


def test_different_seeds_differ():
    X1, y1, lag1 = sequences.recall_task(64, 20, seed=0)
    X2, y2, lag2 = sequences.recall_task(64, 20, seed=1)
    assert not np.array_equal(X1, X2)
    assert not np.array_equal(y1, y2)
    assert not np.array_equal(lag1, lag2)


def test_feeds_a_sequence_classifier():
    import keras

    from d2lite import networks

    X, y, _ = sequences.recall_task(8, 6, num_classes=3, seed=0)
    model = networks.sequence_classifier(3 + 2, num_classes=3, cell="lstm", units=4,
                                         embedding_dim=3, compile=False)
    logits = keras.ops.convert_to_numpy(model(X))
    assert logits.shape == (8, 3) and np.isfinite(logits).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"num_examples": 0}, "`num_examples`, expected a positive integer, got 0"),
    ({"num_examples": 2.5}, "`num_examples`, expected a positive integer, got 2.5"),
    ({"num_examples": True}, "`num_examples`, expected a positive integer, got True"),
    ({"length": 1}, "`length`, expected an integer >= 2, got 1"),
    ({"length": -3}, "`length`, expected an integer >= 2, got -3"),
    ({"length": "10"}, "`length`, expected an integer >= 2, got '10'"),
    ({"length": None}, "`length`, expected an integer >= 2, got None"),
    ({"num_classes": 1}, "`num_classes`, expected an integer >= 2, got 1"),
    ({"num_classes": 4.0}, "`num_classes`, expected an integer >= 2, got 4.0"),
    ({"num_classes": 2 ** 31 - 1},
     r"`num_classes`, expected at most 2147483646 \(the marker.*int32\), got 2147483647"),
    ({"seed": -1}, r"`seed`, expected None, a non-negative integer or a np.random.Generator, "
                   r"got -1"),
    ({"seed": 1.5}, "`seed`.*got 1.5"),
    ({"seed": "0"}, "`seed`.*got '0'"),
])
def test_bad_arguments_are_named_with_their_value(kwargs, match):
    arguments = {"num_examples": 10, "length": 5, **kwargs}
    with pytest.raises(ValueError, match=match):
        sequences.recall_task(**arguments)


def test_errors_use_keras_wording():
    with pytest.raises(ValueError, match=r"^Received an invalid value for argument `length`"):
        sequences.recall_task(10, length=1)
