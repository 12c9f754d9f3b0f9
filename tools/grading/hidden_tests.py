"""What `tools/nbgrader_metadata.py` puts into the notebooks: points and hidden tests.

Keyed by notebook and by *anchor*: the `d2lite.check` function that an exercise's solution
cell calls (``print(check.check_stock_scaler(...))``). Cells move while the lessons are edited;
the check a solution cell calls does not, so that is how the script finds its targets.

For each anchor, `TESTS` lists the autograded test cells to insert right after the solution
cell, each a `Test(name, points, what, body)`:

* `name` makes the cell's nbgrader ``grade_id`` (``test_<name>``), unique in its notebook;
* `points` are its points, all or nothing (a cell passes when it raises nothing);
* `what` is the comment students see in the locked cell of their copy;
* `body` is the hidden test: Python that raises (an ``AssertionError`` whose message says
  what is wrong) when the answer is wrong, and prints nothing when it is right.

How the hidden tests are written (the rules of CONTRIBUTING.md's "Grading"):

* they recompute what they check, in the cell, with plain NumPy, on other inputs than the
  visible `d2lite.check` call uses; they never call a `d2lite.check` function of the labs,
  which a student's cell could have replaced;
* data that the locked cells load (the lab's closes, temperatures) are used only after a
  fingerprint shows they are still the data (a student's cell may have reassigned them);
  constants the lab fixes (the 60-day window, the 70/15/15 split, the gap of 0.1) are
  literals here, since a student can edit the cell that defines them;
* the body runs inside a function (`nbgrader_metadata.py` wraps it), so it leaves no names
  behind and shows no value.

What they cannot do: a student's code runs in the same Python process before them, so code
that replaces NumPy's or Python's own functions, or hooks IPython (input transformers, a
custom exception handler), can still fool them. `tools/grade.py` flags such code for the
instructor's review, and its sandbox keeps it from touching anything outside its own
kernel; docs/instructors.md says what is and is not isolated.

The lecture notebooks (01-08) get one test cell per checked exercise, worth `LECTURE_POINTS`:
it repeats the solution cell's own check call with a fresh copy of `d2lite.check`, imported
anew from its files, so replacing `check`, a check function or `d2lite.check` in
`sys.modules` does not change the grade (see `FRESH_CHECK`).
"""

from typing import NamedTuple

SCHEMA_VERSION = 3  # nbgrader's cell-metadata schema
LECTURE_POINTS = 1


class Test(NamedTuple):
    name: str
    points: int
    what: str
    body: str


# The lab's closes, verified: 5031 S&P 500 closes from 1999-01-04 to 2018-12-31.
_CLOSE = '''\
import numpy as np

x = np.array(close, dtype="float64")
assert x.shape == (5031,) and abs(x.sum() - 7524192.980268) < 1e-3 and abs(x[0] - 1228.099976) < 1e-6, (
    "`close` is not the S&P 500 series that the lab loads: a cell changed it, so the answer "
    "cannot be graded on the lab's data.")
T_, TAU_ = len(x), 60
n_train_, n_val_ = int(0.70 * T_), int(0.85 * T_)
'''

# The lab's temperatures, verified: 1000 lattices at each of 36 temperatures from 1 to 3.5.
_TEMPERATURES = '''\
import numpy as np

t = np.asarray(T, dtype="float64")
grid = np.linspace(1.0, 3.5, 36)
assert t.shape == (36000,) and np.array_equal(
    np.bincount(np.abs(t[:, None] - grid).argmin(axis=1), minlength=36), np.full(36, 1000)) and (
    np.abs(t[:, None] - grid).min(axis=1).max() < 1e-9), (
    "`T` is not the lab's temperatures (1000 lattices at each of 36 temperatures from 1 to 3.5): "
    "a cell changed it, so the answer cannot be graded.")
T_c = 2 / np.log(1 + np.sqrt(2))
'''

LAB_09 = {
    "check_stock_scaler": [Test("stock_scaler", 1, "the scaler, on other closes than the check uses", _CLOSE + '''
mean, std = x[:n_train_].mean(), x[:n_train_].std()
probe = np.array([[612.5], [1450.0], [2204.75], [3100.0]])
got = np.asarray(scaler.transform(probe), dtype="float64")
assert got.shape == (4, 1), f"scaler.transform(4 closes of shape (4, 1)) returned shape {got.shape}; expected (4, 1)."
assert np.allclose(got, (probe - mean) / std, rtol=1e-9, atol=1e-9), (
    "the scaler does not standardise with the mean and standard deviation of the training "
    "closes (the first 70% of days) only.")
''')],
    "check_stock_windows": [Test("stock_windows", 2, "`make_windows`, on other series and window lengths", '''\
import numpy as np

rng = np.random.default_rng(2024)
for series, tau in [(np.arange(12.0) ** 2, 3), (rng.normal(size=41), 7), (np.linspace(-1, 1, 6), 1),
                    (np.arange(5.0), 4)]:
    original = series.copy()
    X, y = make_windows(series, tau)
    X, y = np.asarray(X, dtype="float64"), np.asarray(y, dtype="float64")
    n = len(series) - tau
    assert X.shape == (n, tau) and y.shape == (n,), (
        f"make_windows(a series of {len(series)} values, tau={tau}) returned X of shape {X.shape} "
        f"and y of shape {y.shape}; expected {(n, tau)} and {(n,)}.")
    for i in range(n):
        assert np.array_equal(X[i], original[i:i + tau]) and y[i] == original[i + tau], (
            f"make_windows(a series of {len(series)} values, tau={tau}): window {i} should hold "
            f"values {i}..{i + tau - 1} and its label value {i + tau}.")
    assert np.array_equal(series, original), "make_windows changed the series it was given."
''')],
    "check_stock_split": [Test("stock_split", 2, "`train`, `val` and `test`, recomputed from the lab's days", _CLOSE + '''
day = np.arange(TAU_, T_)  # window i predicts day i + 60
windows = np.arange(len(day))
expected = {"train": windows[day < n_train_], "val": windows[(day >= n_train_) & (day < n_val_)],
            "test": windows[day >= n_val_]}
for name, part in (("train", train), ("val", val), ("test", test)):
    try:
        chosen = windows[part]
    except (IndexError, TypeError, ValueError) as err:
        raise AssertionError(f"`{name}` does not select windows (a boolean mask, slice or index array "
                             f"over the {len(windows)} windows): {err}") from None
    assert np.array_equal(np.sort(np.asarray(chosen).ravel()), expected[name]), (
        f"`{name}` selects {np.size(chosen)} windows; it should select the {len(expected[name])} "
        f"windows whose predicted day is in the {name} part.")
''')],
    "check_stock_metrics": [
        Test("stock_rmse", 1, "`rmse`, on other forecasts than the check uses", '''\
import numpy as np

cases = [(np.array([1.0, 2.0, 3.0, 4.0, 10.0]), np.array([[2.0], [2.0], [1.0], [4.0], [6.0]])),
         (np.array([0.0, 0.0, 0.0]), np.array([3.0, 4.0, 0.0])),
         (np.array([[5.0], [7.0]]), np.array([4.0, 9.5]))]
for y_true, y_pred in cases:
    expected = np.sqrt(np.mean((y_true.ravel() - y_pred.ravel()) ** 2))
    got = float(rmse(y_true.copy(), y_pred.copy()))
    assert abs(got - expected) < 1e-9, (
        f"rmse(y_true of shape {y_true.shape}, y_pred of shape {y_pred.shape}) returned {got:.6g}; "
        f"expected {expected:.6g}.")
'''),
        Test("stock_mae", 1, "`mae`, on other forecasts than the check uses", '''\
import numpy as np

cases = [(np.array([1.0, 2.0, 3.0, 4.0, 10.0]), np.array([[2.0], [2.0], [1.0], [4.0], [6.0]])),
         (np.array([0.0, 0.0, 0.0]), np.array([3.0, -4.0, 0.0])),
         (np.array([[5.0], [7.0]]), np.array([4.0, 9.5]))]
for y_true, y_pred in cases:
    expected = np.mean(np.abs(y_true.ravel() - y_pred.ravel()))
    got = float(mae(y_true.copy(), y_pred.copy()))
    assert abs(got - expected) < 1e-9, (
        f"mae(y_true of shape {y_true.shape}, y_pred of shape {y_pred.shape}) returned {got:.6g}; "
        f"expected {expected:.6g}.")
''')],
    "check_stock_baselines": [Test("stock_baselines", 2, "`persistence` and `moving_average`, recomputed from the closes", _CLOSE + '''
days = np.arange(n_val_, T_)
for name, value, expected in [
        ("persistence", persistence, x[days - 1]),
        ("moving_average", moving_average, np.array([x[d - TAU_:d].mean() for d in days]))]:
    got = np.asarray(value, dtype="float64").ravel()
    assert got.shape == expected.shape, (
        f"`{name}` has {got.size} values; expected one per test day, {expected.size}.")
    assert np.allclose(got, expected, rtol=1e-9, atol=1e-6), (
        f"`{name}` is wrong on {int(np.sum(~np.isclose(got, expected, rtol=1e-9, atol=1e-6)))} of "
        f"the {expected.size} test days.")
''')],
}

LAB_10 = {
    "check_ising_labels": [Test("ising_labels", 2, "`y` and `train_mask`, recomputed from the temperatures", _TEMPERATURES + '''
labels = np.asarray(y, dtype="float64")
if labels.ndim == 2 and labels.shape[1] == 1:
    labels = labels[:, 0]
assert labels.shape == (36000,), f"`y` has shape {labels.shape}; expected one label per lattice, (36000,)."
assert np.array_equal(labels, (t < T_c).astype("float64")), (
    f"`y` is wrong for {int(np.sum(labels != (t < T_c)))} lattices: 1 exactly when T < T_c.")
mask = np.asarray(train_mask)
assert mask.dtype == bool and mask.shape == (36000,), (
    f"`train_mask` should be a boolean array of shape (36000,), got dtype {mask.dtype} and shape {mask.shape}.")
assert np.array_equal(mask, np.abs(t - T_c) > 0.1), (
    f"`train_mask` is wrong for {int(np.sum(mask != (np.abs(t - T_c) > 0.1)))} lattices: True exactly "
    "where |T - T_c| > 0.1.")
''')],
    "check_ising_model": [Test("ising_model", 3, "`build_rnn`, built with other numbers of units", '''\
import keras
import numpy as np

def recurrent_layers(layer):
    if isinstance(layer, keras.layers.RNN):
        return [layer]
    return [r for inner in getattr(layer, "layers", []) for r in recurrent_layers(inner)]

rng = np.random.default_rng(7)
for units in (3, 11):
    model = build_rnn(units)
    assert isinstance(model, keras.Model), f"build_rnn({units}) returned {type(model).__name__}, not a Keras model."
    spins = np.where(rng.random((5, 10, 10)) < 0.5, 1.0, -1.0)
    probes = np.concatenate([spins, 100 * spins, np.full((1, 10, 10), 100.0), np.full((1, 10, 10), -100.0)])
    out = np.asarray(keras.ops.convert_to_numpy(model(probes.astype("float32"))), dtype="float64")
    assert out.shape == (12, 1), (
        f"build_rnn({units}) on 12 lattices of shape (10, 10) returned shape {out.shape}; expected (12, 1).")
    assert np.all(np.isfinite(out)) and np.all((out >= 0) & (out <= 1)), (
        f"build_rnn({units}) returns values outside [0, 1], not probabilities: end with "
        "Dense(1, activation='sigmoid').")
    found = recurrent_layers(model)
    assert found, f"build_rnn({units}) has no recurrent layer: wrap a GRUCell in keras.layers.RNN."
    assert getattr(found[0].cell, "units", None) == units, (
        f"build_rnn({units}) makes a recurrent layer of {getattr(found[0].cell, 'units', '?')} units: "
        "use the `units` argument.")
''')],
    "check_ising_crossing": [Test("ising_crossing", 2, "`crossing`, on other curves than the check uses", '''\
import numpy as np

cases = [([0.0, 1.0, 2.0, 3.0], [0.9, 0.7, 0.3, 0.1]),
         ([1.0, 1.2, 2.0, 2.5], [1.0, 0.6, 0.4, 0.0]),
         ([1.0, 2.0, 3.0], [0.8, 0.5, 0.2]),
         (list(np.linspace(2.0, 3.0, 6)), [0.99, 0.95, 0.7, 0.52, 0.1, 0.0])]
for temperatures, probabilities in cases:
    t, p = np.array(temperatures), np.array(probabilities)
    i = int(np.flatnonzero(p < 0.5)[0])
    expected = t[i - 1] + (p[i - 1] - 0.5) / (p[i - 1] - p[i]) * (t[i] - t[i - 1])
    got = float(crossing(t.copy(), p.copy()))
    assert abs(got - expected) < 1e-9, (
        f"crossing(temperatures={np.round(t, 3).tolist()}, probabilities={p.tolist()}) returned "
        f"{got:.4g}; expected {expected:.4g}.")
''')],
}

TESTS = {"09_stock_lab": LAB_09, "10_ising_lab": LAB_10}

# Notebooks whose checked exercises get a test cell that re-runs the check (01-08, 11).
LECTURES = ("01_sequences", "02_tokenization", "03_language_models", "04_rnn", "04_rnn_bptt",
            "04_rnn_variable_length", "05_gru", "06_lstm", "06_lstm_long_range", "07_bidirectional",
            "08_deep_rnn", "11_encoder_decoder")

# The hidden test of a lecture exercise: `{call}` is the solution cell's own check call,
# with `check.` replaced by `fresh.`; the student's modules are put back afterwards.
FRESH_CHECK = '''\
import importlib
import sys

# A fresh d2lite.check from its files: the cells above may have replaced its functions.
names = [n for n in sys.modules if n == "d2lite.check" or n.startswith("d2lite.check.")]
saved, package = {{n: sys.modules.pop(n) for n in names}}, sys.modules["d2lite"]
had, before = hasattr(package, "check"), getattr(package, "check", None)
try:
    fresh = importlib.import_module("d2lite.check")
finally:
    for n in [n for n in sys.modules if n == "d2lite.check" or n.startswith("d2lite.check.")]:
        del sys.modules[n]
    sys.modules.update(saved)
    if had:
        package.check = before
{call}
'''

# Work the grader does outside the sandbox before grading a notebook: the data caches that
# the notebook fills on its first run (the sandbox cannot write to data/).
PREPARE = {
    "10_ising_lab": "from d2lite import ising\n"
                    "ising.dataset(L=10, temperatures=ising.LAB_TEMPERATURES, n_per_temperature=1000, seed=0)\n",
}
