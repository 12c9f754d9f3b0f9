"""The stock-lab checks in d2lite.check accept right answers and explain wrong ones."""


import numpy as np
import pytest
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from d2lite import check
from d2lite.check import CheckFailed


# ----------------------------------------------------------------------------- windows


def loop_windows(series, tau):
    return np.stack([series[i:i + tau] for i in range(len(series) - tau)]), series[tau:]


@pytest.mark.parametrize("make", [
    loop_windows,
    lambda s, tau: (np.lib.stride_tricks.sliding_window_view(s[:-1], tau), s[tau:]),
    lambda s, tau: (loop_windows(s, tau)[0][..., None], loop_windows(s, tau)[1][:, None]),
    lambda s, tau: [list(w) for w in loop_windows(s, tau)],
], ids=["loop", "sliding", "keras-shapes", "lists"])
def test_windows_accepts_right_answers(make):
    assert check.check_stock_windows(make, tau=60).startswith("Correct: 4 windows of 60")


@pytest.mark.parametrize("make, message", [
    (lambda s, tau: (np.stack([s[i:i + tau] for i in range(len(s) - tau + 1)]), s[tau - 1:]),
     "one too many"),
    (lambda s, tau: (loop_windows(s, tau)[0], s[tau - 1:-1]), "inside the window"),
    (lambda s, tau: (np.stack([s[i + 1:i + tau + 1] for i in range(len(s) - tau)]), s[tau:]),
     "should hold days 0..59, it holds days 1..60"),
    (lambda s, tau: (np.stack([s[i:i + tau + 1] for i in range(len(s) - tau)]), s[tau:]),
     r"shape \(number of windows, tau\)"),
    (lambda s, tau: loop_windows(s, tau)[0], "pair"),
    (lambda s, tau: (loop_windows(s, tau)[0][::-1], s[tau:]), "first window"),
    (lambda s, tau: (loop_windows(s, tau)[0], s[tau:][::-1]), "label of window 0"),
    (lambda s, tau: (loop_windows(s, tau)[0], s[tau:-1]), "4 labels"),
], ids=["extra-window", "label-inside", "shifted", "too-long", "not-a-pair", "reversed",
        "labels-reversed", "labels-short"])
def test_windows_explains_wrong_answers(make, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_stock_windows(make, tau=60)


def test_windows_rejects_a_function_that_edits_its_input():
    def make(series, tau):
        series -= series[0]  # "normalise" in place
        return loop_windows(series, tau)

    with pytest.raises(CheckFailed, match="changed the series"):
        check.check_stock_windows(make, tau=5)


# ----------------------------------------------------------------------------- scaler


@pytest.fixture
def prices():
    rng = np.random.default_rng(0)
    return 100 * np.exp(np.cumsum(rng.normal(0.0005, 0.01, 500)))  # a rising random walk


@pytest.mark.parametrize("make", [
    lambda x, n: StandardScaler().fit(x[:n, None]),
    lambda x, n: MinMaxScaler().fit(x[:n, None]),
    lambda x, n: (x[:n].mean(), x[:n].std()),
    lambda x, n: (x[:n].mean(), x[:n].std(ddof=1)),
    lambda x, n: np.array([x[:n].mean(), x[:n].std()], dtype=np.float32),
])
def test_scaler_fitted_on_train_passes(prices, make):
    assert check.check_stock_scaler(make(prices, 350), prices, 350).startswith("Correct")


@pytest.mark.parametrize("make, message", [
    (lambda x, n: StandardScaler().fit(x[:, None]), "whole series, test period included"),
    (lambda x, n: MinMaxScaler().fit(x[:, None]), "whole series"),
    (lambda x, n: (x.mean(), x.std()), "whole series"),
    (lambda x, n: StandardScaler().fit(x[:425, None]), "first 425 days, 75 day"),
    (lambda x, n: (x[n:].mean(), x[n:].std()), "after the training part"),
    (lambda x, n: (x[:n].mean(), 1.0), "do not match"),
    (lambda x, n: StandardScaler(), "not been fitted"),
    (lambda x, n: (1.0, 2.0, 3.0), "pair"),
    (lambda x, n: "scaler", "pair"),
])
def test_scaler_leaks_and_mistakes_are_named(prices, make, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_stock_scaler(make(prices, 350), prices, 350)


def test_scaler_check_is_fast_on_the_real_length():
    import time

    x = np.linspace(700, 2900, 5031)
    start = time.perf_counter()
    with pytest.raises(CheckFailed, match="whole series"):
        check.check_stock_scaler((x.mean(), x.std()), x, 3521)
    assert time.perf_counter() - start < 0.5


# ----------------------------------------------------------------------------- split

TAU, T, N_TRAIN, N_VAL = 5, 40, 28, 34
NUM = T - TAU
DAY = np.arange(TAU, T)


def split_kwargs():
    return dict(tau=TAU, n_train=N_TRAIN, n_val=N_VAL, num_windows=NUM)


@pytest.mark.parametrize("parts", [
    (DAY < N_TRAIN, (DAY >= N_TRAIN) & (DAY < N_VAL), DAY >= N_VAL),
    (slice(0, N_TRAIN - TAU), slice(N_TRAIN - TAU, N_VAL - TAU), slice(N_VAL - TAU, None)),
    (np.arange(N_TRAIN - TAU), np.arange(N_TRAIN - TAU, N_VAL - TAU), np.arange(N_VAL - TAU, NUM)),
], ids=["masks", "slices", "positions"])
def test_split_accepts_right_answers(parts):
    assert check.check_stock_split(*parts, **split_kwargs()) == (
        "Correct: 23 training, 6 validation and 6 test windows, in time order.")


def test_split_explains_wrong_answers():
    rng = np.random.default_rng(0)
    shuffled = rng.permutation(NUM)
    cases = [
        ((np.sort(shuffled[:23]), np.sort(shuffled[23:29]), np.sort(shuffled[29:])), "predict days up to"),
        ((shuffled[:23], shuffled[23:29], shuffled[29:]), "not in time order"),
        # split on the window position instead of the day it predicts
        ((slice(0, N_TRAIN), slice(N_TRAIN, N_VAL), slice(N_VAL, None)), "not on the window's position"),
        ((slice(0, 23), slice(20, 29), slice(29, None)), "two parts"),
        ((slice(0, 23), slice(23, 29), slice(30, None)), "should be the 6 windows"),
        ((slice(0, 20), slice(23, 29), slice(29, None)), "should be the 23 windows"),
        ((slice(0, 23), slice(23, 30), slice(30, None)), "inside the test period"),
        ((slice(0, 23), slice(23, 23), slice(23, None)), "selects no window"),
        ((DAY[:-1] < N_TRAIN, DAY >= N_TRAIN, DAY >= N_VAL), "boolean mask of shape"),
        ((np.arange(23) * 1.0, slice(23, 29), slice(29, None)), "dtype float"),
        ((np.arange(23), np.arange(23, 29), np.arange(29, 36)), "outside 0..34"),
    ]
    for parts, message in cases:
        with pytest.raises(CheckFailed, match=message):
            check.check_stock_split(*parts, **split_kwargs())


# ----------------------------------------------------------------------------- baselines


@pytest.fixture
def series():
    return 100.0 + np.cumsum(np.random.default_rng(1).normal(0, 1, 120))


def right_baselines(close, n_val, tau):
    days = np.arange(n_val, len(close))
    return close[days - 1], np.array([close[t - tau:t].mean() for t in days])


def test_baselines_accept_right_answers(series):
    import pandas as pd

    p, m = right_baselines(series, 100, 10)
    assert check.check_stock_baselines(p, m, series, n_val=100, tau=10).startswith("Correct")
    # The pandas way: shift and rolling mean, as float32 (what a Keras pipeline gives).
    s = pd.Series(series)
    p2 = s.shift(1).iloc[100:].to_numpy(np.float32)
    m2 = s.rolling(10).mean().shift(1).iloc[100:].to_numpy(np.float32)
    assert check.check_stock_baselines(p2, m2[:, None], series, n_val=100, tau=10).startswith("Correct")


def test_baselines_explain_wrong_answers(series):
    import pandas as pd

    p, m = right_baselines(series, 100, 10)
    s = pd.Series(series)
    cases = [
        (series[100:], m, "equals the actual closes"),
        (series[98:-2], m, "two days before"),
        (p[:-1], m, "one forecast per test day"),
        (p, s.rolling(10).mean().iloc[100:], "includes the day it predicts"),
        (p, right_baselines(series, 100, 20)[1], "`moving_average` for test day 100"),
        (p, series[100:], "equals the actual closes"),
        (p + 1.0, m, "`persistence` for test day 100"),
    ]
    for persistence, moving, message in cases:
        with pytest.raises(CheckFailed, match=message):
            check.check_stock_baselines(persistence, moving, series, n_val=100, tau=10)


# ----------------------------------------------------------------------------- metrics


def good_rmse(y, p):
    return np.sqrt(np.mean((np.ravel(y) - np.ravel(p)) ** 2))


def good_mae(y, p):
    return np.mean(np.abs(np.ravel(y) - np.ravel(p)))


def test_metrics_accept_right_answers():
    from sklearn.metrics import mean_absolute_error, root_mean_squared_error

    assert check.check_stock_metrics(good_rmse, good_mae).startswith("Correct")
    assert check.check_stock_metrics(root_mean_squared_error, mean_absolute_error).startswith("Correct")


@pytest.mark.parametrize("rmse, mae, message", [
    (lambda y, p: np.mean((y - np.ravel(p)) ** 2), good_mae, "square root is missing"),
    (lambda y, p: np.sqrt(np.sum((y - np.ravel(p)) ** 2)), good_mae, "a sum, not a mean"),
    (good_mae, good_mae, "which is the MAE"),
    (good_rmse, lambda y, p: np.mean(y - np.ravel(p)), "signed errors"),
    (good_rmse, lambda y, p: np.mean(np.ravel(p) - y), "signed errors"),
    (good_rmse, lambda y, p: np.sum(np.abs(y - np.ravel(p))), "a sum, not a mean"),
    (good_rmse, good_rmse, "which is the RMSE"),
    (lambda y, p: np.sqrt(np.mean((y - p) ** 2)), good_mae, r"\(n, n\) matrix"),
    (good_rmse, lambda y, p: np.mean(np.abs(y - p)), r"\(n, n\) matrix"),
    (lambda y, p: 0.0, good_mae, "expected 0.9682"),
    (lambda y, p: np.abs(y - p), good_mae, "did not return one number"),
])
def test_metrics_explain_wrong_answers(rmse, mae, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_stock_metrics(rmse, mae)
