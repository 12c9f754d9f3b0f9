"""Windows over time series and minibatches over token sequences.

* `windows` turns a series into autoregressive (features, label) pairs, as in
  the first lesson: predict :math:`x_t` from :math:`x_{t-\\tau}, \\dots, x_{t-1}`.

Everything here is plain NumPy, vectorized (no Python loop per sample), and has
no side effects at import.
"""

import numbers

import numpy as np

__all__ = ["windows"]


def _check_positive_int(value, name):
    """Raise a Keras-style ValueError unless `value` is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected a positive integer, "
            f"got {value!r}."
        )
    return int(value)


def windows(series, tau):
    """Cut a time series into overlapping windows of `tau` past values and the next value.

    Row `i` of the features is ``series[i : i + tau]`` and label `i` is
    ``series[i + tau]``, so the model sees only the past:

    .. math:: \\hat x_t = f(x_{t-\\tau}, \\dots, x_{t-1}).

    The features are a read-only view of `series` when possible
    (`numpy.lib.stride_tricks.sliding_window_view`), so no data is copied;
    `keras.utils.timeseries_dataset_from_array(series[:-1], series[tau:],
    sequence_length=tau)` yields the same pairs as a `tf.data.Dataset`.

    Args:
        series: array-like of shape `(T,)` or `(T, num_features)`.
        tau: number of past values per window, a positive integer smaller than `T`.

    Returns:
        A tuple `(features, labels)`: `features` of shape `(T - tau, tau)`
        (or `(T - tau, tau, num_features)`), `labels` of shape `(T - tau,)`
        (or `(T - tau, num_features)`).

    Raises:
        ValueError: if `tau` is not a positive integer, if `series` is a scalar,
            or if `series` has no more than `tau` time steps.

    Example:
        >>> features, labels = windows(np.arange(10.0), tau=4)
        >>> features.shape, labels.shape
        ((6, 4), (6,))
        >>> features[0].tolist(), labels[0].item()
        ([0.0, 1.0, 2.0, 3.0], 4.0)
    """
    tau = _check_positive_int(tau, "tau")
    series = np.asarray(series)
    if series.ndim == 0:
        raise ValueError(
            "Received an invalid value for argument `series`, expected an array with a time "
            f"axis of shape (T,) or (T, num_features), got a scalar {series!r}."
        )
    T = series.shape[0]
    if T <= tau:
        raise ValueError(
            f"Received an invalid value for argument `tau`, expected an integer smaller than "
            f"the series length {T}, got {tau}."
        )
    # sliding_window_view appends the window axis last; move it next to the time axis.
    features = np.lib.stride_tricks.sliding_window_view(series[:-1], tau, axis=0)
    features = np.moveaxis(features, -1, 1)
    labels = series[tau:]
    return features, labels
