import numpy as np
import pytest

from d2lite import sequences


# ---------------------------------------------------------------- windows


def test_windows_shapes_and_values():
    series = np.arange(10.0)
    features, labels = sequences.windows(series, tau=4)
    assert features.shape == (6, 4)
    assert labels.shape == (6,)
    np.testing.assert_array_equal(features[0], [0, 1, 2, 3])
    np.testing.assert_array_equal(features[-1], [5, 6, 7, 8])
    np.testing.assert_array_equal(labels, [4, 5, 6, 7, 8, 9])


def test_windows_label_is_next_value_after_window():
    series = np.random.default_rng(0).normal(size=50)
    features, labels = sequences.windows(series, tau=7)
    for i in (0, 13, 42):
        np.testing.assert_array_equal(features[i], series[i:i + 7])
        assert labels[i] == series[i + 7]


def test_windows_multivariate():
    series = np.arange(20.0).reshape(10, 2)
    features, labels = sequences.windows(series, tau=3)
    assert features.shape == (7, 3, 2)
    assert labels.shape == (7, 2)
    np.testing.assert_array_equal(features[1], series[1:4])
    np.testing.assert_array_equal(labels[1], series[4])


def test_windows_matches_keras_timeseries_dataset():
    import keras

    tau, T = 4, 100
    series = np.sin(0.01 * np.arange(T)).astype("float32")
    features, labels = sequences.windows(series, tau)
    ds = keras.utils.timeseries_dataset_from_array(
        series[:-1], series[tau:], sequence_length=tau, batch_size=32, shuffle=False
    )
    kx = np.concatenate([np.asarray(x) for x, _ in ds])
    ky = np.concatenate([np.asarray(y) for _, y in ds])
    np.testing.assert_array_equal(features, kx)
    np.testing.assert_array_equal(labels, ky)


def test_windows_accepts_lists_and_tau_one_less_than_length():
    features, labels = sequences.windows([1, 2, 3], tau=2)
    np.testing.assert_array_equal(features, [[1, 2]])
    np.testing.assert_array_equal(labels, [3])


@pytest.mark.parametrize("tau", [0, -1, 2.5, "4", True, None])
def test_windows_rejects_bad_tau(tau):
    with pytest.raises(ValueError, match="`tau`.*positive integer"):
        sequences.windows(np.arange(10.0), tau)


@pytest.mark.parametrize("T", [0, 3, 4])
def test_windows_rejects_series_not_longer_than_tau(T):
    with pytest.raises(ValueError, match=f"smaller than the series length {T}, got 4"):
        sequences.windows(np.arange(float(T)), tau=4)


def test_windows_rejects_scalar():
    with pytest.raises(ValueError, match="got a scalar"):
        sequences.windows(3.0, tau=1)
