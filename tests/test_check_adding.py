"""d2lite.check.check_adding_problem: the checked exercise of notebook 06, part 2."""

import numpy as np
import pytest

from d2lite import check


def adding_problem(num_examples, length, seed, *, transpose=False, target="sum",
                   both_first=False, fixed=False, fresh=False, ignore_seed=False, scale=1.0,
                   extra_marker=False, column_y=False, normal=False):
    """A right answer, and with a keyword each mistake the check should name."""
    rng = np.random.default_rng(None if fresh else (0 if ignore_seed else seed))
    values = (rng.normal(0.5, 0.3, size=(num_examples, length)) if normal
              else scale * rng.uniform(size=(num_examples, length)))
    markers = np.zeros((num_examples, length))
    rows, half = np.arange(num_examples), length // 2
    first = np.zeros(num_examples, int) if fixed else rng.integers(0, half, num_examples)
    second = (rng.integers(0, half, num_examples) if both_first
              else rng.integers(half, length, num_examples))
    if both_first:
        second = np.where(second == first, (first + 1) % half, second)
    markers[rows, first] = 1
    markers[rows, second] = 1
    if extra_marker:
        markers[0, :] = 1
    y = {"sum": (values * markers).sum(axis=1), "all": values.sum(axis=1),
         "count": markers.sum(axis=1), "mean": (values * markers).sum(axis=1) / 2}[target]
    X = np.stack([values, markers], axis=-1)
    if transpose:
        X = X.transpose(0, 2, 1)
    return X, (y[:, None] if column_y else y)


def test_accepts_right_answers():
    assert check.check_adding_problem(adding_problem).startswith("Correct")
    # float32 arrays and a list pair are fine too.
    assert check.check_adding_problem(
        lambda n, T, seed: [a.astype("float32") for a in adding_problem(n, T, seed)]
    ).startswith("Correct")


@pytest.mark.parametrize("kwargs, message", [
    ({"transpose": True}, r"shape \(2000, 2, 10\): the two features come last"),
    ({"target": "all"}, r"y is the sum of every value; add only the two marked"),
    ({"target": "count"}, r"y counts the markers"),
    ({"target": "mean"}, r"y is the mean of the two marked values"),
    ({"both_first": True}, r"one belongs in the first half \(positions 0 to 4\)"),
    ({"fixed": True}, r"marker of the first half is only ever at offset\(s\) \[0\]"),
    ({"fresh": True}, r"different data when called twice with seed 0"),
    ({"ignore_seed": True}, r"gave the same X: the function ignores its seed"),
    ({"scale": 2.0}, r"X\[\.\.\., 0\].*values from .* to 2(\.0*)?|drawn uniformly from \[0, 1\)"),
    ({"normal": True}, r"drawn uniformly from \[0, 1\)|mean .* standard deviation"),
    ({"extra_marker": True}, r"row 0 of X .* has 10 marker\(s\)"),
    ({"column_y": True}, r"y returned by .* shape \(num_examples,\) = \(2000,\), got \(2000, 1\): "
                         r"one target per sequence"),
])
def test_names_each_mistake(kwargs, message):
    with pytest.raises(check.CheckFailed, match=message):
        check.check_adding_problem(lambda n, T, seed: adding_problem(n, T, seed, **kwargs))


def test_a_uniform_sample_of_the_wrong_width_is_caught_by_its_spread():
    # Values in [0.25, 0.75): the range test passes, mean and spread do not.
    def narrow(n, T, seed):
        X, _ = adding_problem(n, T, seed)
        X[..., 0] = 0.25 + 0.5 * X[..., 0]
        return X, (X[..., 0] * X[..., 1]).sum(axis=1)

    with pytest.raises(check.CheckFailed, match=r"standard deviation 0\.14.*0\.289"):
        check.check_adding_problem(narrow)


def test_markers_other_than_zero_and_one_are_named():
    def soft(n, T, seed):
        X, y = adding_problem(n, T, seed)
        X[..., 1] *= 0.5
        return X, y

    with pytest.raises(check.CheckFailed, match=r"X\[\.\.\., 1\] .* holds 0\.5; the markers are 1"):
        check.check_adding_problem(soft)


def test_the_shortest_sequences_are_checked():
    def long_only(n, T, seed):
        if T < 4:
            return np.zeros((n, T, 2)), np.zeros(n)
        return adding_problem(n, T, seed)

    with pytest.raises(check.CheckFailed, match=r"adding_problem\(3, 2, 1\).*has 0 marker"):
        check.check_adding_problem(long_only)


def test_what_the_function_returns_is_copied_before_it_is_checked():
    """A function that keeps its arrays and changes them later cannot fool the check."""
    kept = []

    def sneaky(n, T, seed):
        X, y = adding_problem(n, T, seed)
        for old_X, _ in kept:
            old_X[...] = 0  # change what an earlier call returned
        kept.append((X, y))
        return X, y

    assert check.check_adding_problem(sneaky).startswith("Correct")


def test_the_seed_test_does_not_depend_on_numpys_global_state():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    check.check_adding_problem(adding_problem)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
