"""Bad-input campaign for d2lite.plotting: plot, heatmap and TrainingCurves (Agg backend).

As in test_inputs_text.py: `BAD_INPUTS` rows are (call, exception, regex naming the
argument and the bad value); each `plot`/`heatmap` call draws on a fresh Axes, which
must still be empty after the error (every argument is checked before drawing).
`EDGE_INPUTS` are unusual inputs that must be accepted (dates, NaN gaps, ranges).
"""

import datetime
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from d2lite import plotting  # noqa: E402
from d2lite.plotting import TrainingCurves, heatmap, plot  # noqa: E402

SETTINGS = settings(derandomize=True, max_examples=50, deadline=None)
KERAS_WORDING = "Received an invalid value for argument `"
X3, Y3 = np.arange(3), np.ones(3)
M = np.eye(3)


def case(name, call, match, exc=ValueError):
    """`call(ax)` must raise `exc` matching `match` and leave `ax` empty."""
    return pytest.param(call, exc, match, id=name)


BAD_INPUTS = [
    # ---------------------------------------------------------------- plot: the curves
    case("plot-Y-scalar", lambda ax: plot(3.0, ax=ax), "`Y`, expected a 1-D array or a non-empty list of 1-D arrays, got 3.0"),
    case("plot-Y-numpy-scalar", lambda ax: plot(np.float64(3.0), ax=ax), "`Y`.*got (np.float64\\()?3.0"),
    case("plot-Y-empty", lambda ax: plot([], ax=ax), r"`Y`.*got \[\]"),
    case("plot-Y-empty-array", lambda ax: plot(np.array([]), ax=ax), r"`Y`.*got array\(\[\]"),
    case("plot-Y-None", lambda ax: plot(None, ax=ax), "`Y`.*got None"),
    case("plot-Y-dict", lambda ax: plot({"loss": [1, 2]}, ax=ax), r"`Y`.*got \{'loss': \[1, 2\]\}"),
    case("plot-Y-set", lambda ax: plot({1.0, 2.0}, ax=ax), r"`Y`.*got \{1.0, 2.0\}"),
    case("plot-Y-str", lambda ax: plot("123", ax=ax), "`Y`.*got '123'"),
    case("plot-Y-generator", lambda ax: plot((v for v in Y3), ax=ax), "`Y`.*got <generator"),
    case("plot-Y-strings", lambda ax: plot(X3[:2], ["1", "2"], ax=ax), "`Y`, expected numbers for curve 0, got an array of dtype <U1, e.g. (np.str_\\()?'1'"),
    case("plot-Y-complex", lambda ax: plot([1j, 2], ax=ax), "`Y`, expected numbers for curve 0, got an array of dtype complex128"),
    case("plot-Y-objects", lambda ax: plot([None, None], ax=ax), "`Y`, expected numbers for curve 0, got an array of dtype object"),
    case("plot-Y-2d-curve", lambda ax: plot(X3, [np.ones((3, 2))], ax=ax), r"`Y`, expected 1-D values for curve 0, got an array of shape \(3, 2\)"),
    case("plot-Y-scalar-curve", lambda ax: plot([[1, 2], 3.0], ax=ax), r"`Y`, expected 1-D values for curve 1, got an array of shape \(\)"),
    case("plot-Y-ragged", lambda ax: plot([3.0, [1, 2]], ax=ax), "`Y`, expected 1-D values for curve 0, got a ragged nested list"),
    case("plot-X-strings", lambda ax: plot(["a", "b"], [1, 2], ax=ax), "`X`, expected numbers or dates for curve 0, got an array of dtype <U1"),
    case("plot-X-complex", lambda ax: plot([1j, 2j], [1, 2], ax=ax), "`X`, expected numbers or dates for curve 0.*complex128"),
    case("plot-X-2d", lambda ax: plot([np.ones((3, 1))], [Y3], ax=ax), r"`X`, expected 1-D values for curve 0, got an array of shape \(3, 1\)"),
    case("plot-X-int", lambda ax: plot(3, Y3, ax=ax), r"`X`, expected x values shared by the curves.*got 3 \(int\)"),
    case("plot-X-dict", lambda ax: plot({"x": [1]}, [Y3], ax=ax), r"`X`, expected x values.*got \{'x': \[1\]\} \(dict\)"),
    case("plot-length-mismatch", lambda ax: plot(X3, np.ones(4), ax=ax), "`X`, expected as many x values as y values, got: curve 0 has 3 x values but 4 y values"),
    case("plot-length-mismatch-second", lambda ax: plot([[0, 1], [0, 1]], [[1, 2], [1, 2, 3]], ax=ax), "curve 1 has 2 x values but 3 y values"),
    case("plot-series-count", lambda ax: plot([[0, 1]] * 3, [np.ones(2)] * 2, ax=ax), "`X`, expected one x per y series or one shared x, got 3 x series for 2 y series"),
    case("plot-2d-rows-vs-x", lambda ax: plot(np.arange(100), np.ones((100, 2)), ax=ax), "got 100 x series for 100 y series|curve 0 has 100 x values but 2 y values"),
    # ---------------------------------------------------------------- plot: the options
    case("plot-legend-str", lambda ax: plot(Y3, legend="loss", ax=ax), r"`legend`, expected a list of labels, one per curve, e.g. \['loss'\], got 'loss'"),
    case("plot-legend-count", lambda ax: plot(X3, [Y3, Y3], legend=["one"], ax=ax), "`legend`, expected one label per curve, got 1 legend labels for 2 curves"),
    case("plot-legend-empty", lambda ax: plot(Y3, legend=[], ax=ax), "got 0 legend labels for 1 curves"),
    case("plot-legend-int", lambda ax: plot(Y3, legend=1, ax=ax), r"`legend`.*got 1 \(int\)"),
    case("plot-legend-dict", lambda ax: plot(Y3, legend={"a": 1}, ax=ax), r"`legend`.*\(dict\)"),
    case("plot-yscale", lambda ax: plot(X3, Y3, yscale="logarithmic", ax=ax), "`yscale`, expected one of .*got 'logarithmic'"),
    case("plot-xscale", lambda ax: plot(X3, Y3, xscale="loglog", ax=ax), "`xscale`.*got 'loglog'"),
    case("plot-xscale-None", lambda ax: plot(X3, Y3, xscale=None, ax=ax), "`xscale`.*got None"),
    case("plot-xscale-list", lambda ax: plot(X3, Y3, xscale=["log"], ax=ax), r"`xscale`.*got \['log'\]"),
    case("plot-fmts-empty", lambda ax: plot(X3, Y3, fmts=(), ax=ax), "`fmts`, expected at least one format string, got an empty sequence"),
    case("plot-fmts-str", lambda ax: plot(X3, Y3, fmts="o-", ax=ax), r"`fmts`, expected a list or tuple of format strings, e.g. \('o-',\).*got 'o-'"),
    case("plot-fmts-unknown", lambda ax: plot(X3, Y3, fmts=("q",), ax=ax), "`fmts`, expected matplotlib format strings.*got 'q'"),
    case("plot-fmts-second-unknown", lambda ax: plot(X3, [Y3, Y3], fmts=("-", "zz"), ax=ax), "`fmts`.*got 'zz'"),
    case("plot-fmts-int", lambda ax: plot(X3, Y3, fmts=(1,), ax=ax), "`fmts`, expected format strings such as '-' or 'm--', got 1"),
    case("plot-fmts-None", lambda ax: plot(X3, Y3, fmts=None, ax=ax), "`fmts`, expected a list or tuple of format strings, got None"),
    case("plot-xlim-scalar", lambda ax: plot(X3, Y3, xlim=5, ax=ax), r"`xlim`, expected None or a pair \(low, high\) of finite numbers.*got 5"),
    case("plot-xlim-nan", lambda ax: plot(X3, Y3, xlim=(0, math.nan), ax=ax), r"`xlim`.*got \(0, nan\)"),
    case("plot-ylim-inf", lambda ax: plot(X3, Y3, ylim=(0, math.inf), ax=ax), r"`ylim`.*got \(0, inf\)"),
    case("plot-xlim-three", lambda ax: plot(X3, Y3, xlim=(0, 1, 2), ax=ax), r"`xlim`.*got \(0, 1, 2\)"),
    case("plot-xlim-str", lambda ax: plot(X3, Y3, xlim=("a", "b"), ax=ax), r"`xlim`.*got \('a', 'b'\)"),
    case("plot-xlim-bool", lambda ax: plot(X3, Y3, xlim=(True, 2), ax=ax), r"`xlim`.*got \(True, 2\)"),
    case("plot-xlabel-int", lambda ax: plot(X3, Y3, xlabel=3, ax=ax), "`xlabel`, expected a string or None, got 3"),
    case("plot-ylabel-list", lambda ax: plot(X3, Y3, ylabel=["y"], ax=ax), r"`ylabel`.*got \['y'\]"),
    case("plot-title-int", lambda ax: plot(X3, Y3, title=5, ax=ax), "`title`.*got 5"),
    case("plot-ax-str", lambda ax: plot(X3, Y3, ax="ax") if ax is not None else None, r"`ax`, expected a matplotlib Axes or None.*got 'ax' \(str\)"),
    case("plot-ax-figure", lambda ax: plot(X3, Y3, ax=ax.figure), r"`ax`, expected a matplotlib Axes.*\(Figure\)"),
    # ---------------------------------------------------------------- heatmap
    case("heatmap-1d", lambda ax: heatmap(np.ones(3), ax=ax), r"`values`, expected a 2-D array, got an array of shape \(3,\)"),
    case("heatmap-3d", lambda ax: heatmap(np.ones((2, 2, 2)), ax=ax), r"`values`.*shape \(2, 2, 2\)"),
    case("heatmap-scalar", lambda ax: heatmap(1.0, ax=ax), r"`values`.*shape \(\)"),
    case("heatmap-empty", lambda ax: heatmap(np.zeros((0, 3)), ax=ax), r"`values`, expected a non-empty 2-D array, got an array of shape \(0, 3\)"),
    case("heatmap-strings", lambda ax: heatmap([["a", "b"]], ax=ax), "`values`, expected numbers, got an array of dtype <U1"),
    case("heatmap-complex", lambda ax: heatmap(np.ones((2, 2)) * 1j, ax=ax), "`values`, expected numbers.*complex128"),
    case("heatmap-ragged", lambda ax: heatmap([[1], [1, 2]], ax=ax), "`values`, expected a 2-D array, got a ragged nested list"),
    case("heatmap-xticklabels-count", lambda ax: heatmap(np.ones((2, 3)), xticklabels=["a", "b"], ax=ax), "`xticklabels`, expected one label per column, got 2 xticklabels for 3 columns"),
    case("heatmap-yticklabels-count", lambda ax: heatmap(np.ones((2, 3)), yticklabels=["a"], ax=ax), "`yticklabels`, expected one label per row, got 1 yticklabels for 2 rows"),
    case("heatmap-xticklabels-str", lambda ax: heatmap(M, xticklabels="abc", ax=ax), r"`xticklabels`, expected a list of labels, e.g. \['a', 'b', 'c'\], got 'abc'"),
    case("heatmap-xticklabels-int", lambda ax: heatmap(M, xticklabels=3, ax=ax), r"`xticklabels`, expected a list of labels, got 3 \(int\)"),
    case("heatmap-yticklabels-generator", lambda ax: heatmap(M, yticklabels=(s for s in "abc"), ax=ax), "`yticklabels`.*generator"),
    case("heatmap-cmap-unknown", lambda ax: heatmap(M, cmap="nope", ax=ax), "`cmap`, expected a matplotlib colormap name.*got 'nope'"),
    case("heatmap-cmap-int", lambda ax: heatmap(M, cmap=5, ax=ax), "`cmap`.*got 5"),
    case("heatmap-vmin-nan", lambda ax: heatmap(M, vmin=math.nan, ax=ax), "`vmin`, expected a finite number or None, got nan"),
    case("heatmap-vmax-str", lambda ax: heatmap(M, vmax="1", ax=ax), "`vmax`.*got '1'"),
    case("heatmap-vmax-bool", lambda ax: heatmap(M, vmax=True, ax=ax), "`vmax`.*got True"),
    case("heatmap-vmin-above-vmax", lambda ax: heatmap(M, vmin=1, vmax=0, ax=ax), "`vmin`, expected a colour limit no larger than vmax=0, got 1"),
    case("heatmap-colorbar-str", lambda ax: heatmap(M, colorbar="yes", ax=ax), "`colorbar`, expected True or False, got 'yes'"),
    case("heatmap-colorbar-None", lambda ax: heatmap(M, colorbar=None, ax=ax), "`colorbar`.*got None"),
    case("heatmap-fmt-percent", lambda ax: heatmap(M, fmt="%.2f", ax=ax), "`fmt`, expected a format string with one replacement field.*got '%.2f'"),
    case("heatmap-fmt-broken", lambda ax: heatmap(M, fmt="{:.2f", ax=ax), "`fmt`.*got '{:.2f'"),
    case("heatmap-fmt-int-code-on-floats", lambda ax: heatmap(M, fmt="{:d}", ax=ax), "`fmt`.*got '{:d}'"),
    case("heatmap-fmt-two-fields", lambda ax: heatmap(M, fmt="{} {}", ax=ax), "`fmt`.*got '{} {}'"),
    case("heatmap-fmt-int", lambda ax: heatmap(M, fmt=2, ax=ax), "`fmt`.*got 2"),
    case("heatmap-title-int", lambda ax: heatmap(M, title=1, ax=ax), "`title`, expected a string or None, got 1"),
    case("heatmap-ax-str", lambda ax: heatmap(M, ax="ax"), "`ax`, expected a matplotlib Axes"),
]

CURVES_BAD = [
    case("TrainingCurves-yscale", lambda: TrainingCurves(yscale="symlog"), "`yscale`, expected 'linear' or 'log', got 'symlog'"),
    case("TrainingCurves-yscale-None", lambda: TrainingCurves(yscale=None), "`yscale`.*got None"),
    case("TrainingCurves-metrics-empty", lambda: TrainingCurves(metrics=[]), r"`metrics`, expected None \(every logged value\), a name or a non-empty list of distinct names.*got \[\]"),
    case("TrainingCurves-metrics-repeated", lambda: TrainingCurves(metrics=["loss", "loss"]), r"`metrics`.*got \['loss', 'loss'\]"),
    case("TrainingCurves-metrics-int", lambda: TrainingCurves(metrics=[1]), r"`metrics`.*got \[1\]"),
    case("TrainingCurves-metrics-scalar", lambda: TrainingCurves(metrics=5), r"`metrics`.*got 5 \(int\)"),
    case("TrainingCurves-metrics-set", lambda: TrainingCurves(metrics={"loss"}), r"`metrics`.*\(set\)"),
    case("TrainingCurves-perplexity-str", lambda: TrainingCurves(perplexity="yes"), "`perplexity`, expected True or False, got 'yes'"),
    case("TrainingCurves-perplexity-int", lambda: TrainingCurves(perplexity=1), "`perplexity`.*got 1"),
    case("TrainingCurves-perplexity-None", lambda: TrainingCurves(perplexity=None), "`perplexity`.*got None"),
    case("TrainingCurves-figsize-scalar", lambda: TrainingCurves(figsize=5), r"`figsize`, expected a pair \(width, height\) of positive numbers.*got 5"),
    case("TrainingCurves-figsize-zero", lambda: TrainingCurves(figsize=(0, 3)), r"`figsize`.*got \(0, 3\)"),
    case("TrainingCurves-figsize-one", lambda: TrainingCurves(figsize=(5,)), r"`figsize`.*got \(5,\)"),
    case("TrainingCurves-figsize-nan", lambda: TrainingCurves(figsize=(math.nan, 3)), r"`figsize`.*got \(nan, 3\)"),
    case("TrainingCurves-figsize-bool", lambda: TrainingCurves(figsize=(True, 3)), r"`figsize`.*got \(True, 3\)"),
    case("TrainingCurves-live-int", lambda: TrainingCurves(live=1), "`live`, expected None, True or False, got 1"),
    case("TrainingCurves-live-str", lambda: TrainingCurves(live="yes"), "`live`.*got 'yes'"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUTS)
def test_bad_input_is_refused_before_drawing(call, exc, match):
    fig, ax = plt.subplots()
    with pytest.raises(exc, match=match) as info:
        call(ax)
    assert str(info.value).startswith(KERAS_WORDING), str(info.value)
    assert not ax.get_lines() and not ax.images and not ax.texts and len(fig.axes) == 1, \
        "something was drawn before the error"


@pytest.mark.parametrize("call, exc, match", CURVES_BAD)
def test_training_curves_bad_argument(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert str(info.value).startswith(KERAS_WORDING), str(info.value)


DAYS = pd.date_range("2021-03-08", periods=4)

EDGE_INPUTS = [
    ("plot-dates", lambda ax: len(plot(DAYS, [1.0, 2.0, 3.0, 4.0], ax=ax).get_lines()), 1),
    ("plot-dates-tz", lambda ax: len(plot(DAYS.tz_localize("UTC"), np.arange(4.0), ax=ax).get_lines()), 1),
    ("plot-datetime-date", lambda ax: len(plot([datetime.date(2021, 3, d) for d in (8, 9)], [1, 2], ax=ax).get_lines()), 1),
    ("plot-datetime64", lambda ax: len(plot(np.arange(3).astype("datetime64[D]"), Y3, ax=ax).get_lines()), 1),
    ("plot-date-xlim", lambda ax: len(plot(DAYS, np.arange(4.0), xlim=(DAYS[0], DAYS[-1]), ax=ax).get_lines()), 1),
    ("plot-nan-gap", lambda ax: np.isnan(plot([1.0, np.nan, 2.0], ax=ax).get_lines()[0].get_ydata()).sum(), 1),
    ("plot-bools", lambda ax: plot([True, False], ax=ax).get_lines()[0].get_ydata().tolist(), [True, False]),
    ("plot-ints", lambda ax: plot(range(3), [2, 1, 0], ax=ax).get_lines()[0].get_xdata().tolist(), [0, 1, 2]),
    ("plot-empty-curve", lambda ax: len(plot([[]], ax=ax).get_lines()), 1),
    ("plot-pandas-series", lambda ax: plot(pd.Series([1.0, 2.0]), ax=ax).get_lines()[0].get_ydata().tolist(), [1.0, 2.0]),
    ("plot-2d-array-rows", lambda ax: len(plot(np.arange(4), np.ones((3, 4)), ax=ax).get_lines()), 3),
    ("plot-one-side-limit", lambda ax: plot(X3, Y3, ylim=(0, None), ax=ax).get_ylim()[0], 0.0),
    ("plot-numpy-limits", lambda ax: plot(X3, Y3, xlim=np.array([0.0, 2.0]), ax=ax).get_xlim(), (0.0, 2.0)),
    ("plot-inverted-limits", lambda ax: plot(X3, Y3, xlim=(2, 0), ax=ax).get_xlim(), (2.0, 0.0)),
    ("plot-legend-tuple", lambda ax: [t.get_text() for t in plot(Y3, legend=("y",), ax=ax).get_legend().get_texts()], ["y"]),
    ("plot-legend-numbers", lambda ax: [t.get_text() for t in plot(Y3, legend=[1], ax=ax).get_legend().get_texts()], ["1"]),
    ("plot-fmts-list", lambda ax: plot(Y3, fmts=["C0o-"], ax=ax).get_lines()[0].get_marker(), "o"),
    ("plot-empty-label", lambda ax: plot(Y3, xlabel="", ax=ax).get_xlabel(), ""),
    ("heatmap-ints-d-format", lambda ax: sorted(t.get_text() for t in heatmap(np.eye(2, dtype=int), fmt="{:d}", ax=ax).texts), ["0", "0", "1", "1"]),
    ("heatmap-nan-cells", lambda ax: [t.get_text() for t in heatmap(np.array([[np.nan, 1.0]]), fmt="{:.0f}", ax=ax).texts], ["nan", "1"]),
    ("heatmap-all-nan", lambda ax: len(heatmap(np.full((2, 2), np.nan), fmt="{:.0f}", ax=ax).texts), 4),
    ("heatmap-bools", lambda ax: heatmap(np.eye(2, dtype=bool), ax=ax).images[-1].get_array().shape, (2, 2)),
    ("heatmap-range-labels", lambda ax: [t.get_text() for t in heatmap(M, xticklabels=range(1, 4), ax=ax).get_xticklabels()], ["1", "2", "3"]),
    ("heatmap-array-labels", lambda ax: [t.get_text() for t in heatmap(M, yticklabels=np.array(list("abc")), ax=ax).get_yticklabels()], ["a", "b", "c"]),
    ("heatmap-colormap-object", lambda ax: heatmap(M, cmap=matplotlib.colormaps["magma"], ax=ax).images[-1].get_cmap().name, "magma"),
    ("heatmap-equal-limits", lambda ax: heatmap(M, vmin=0.5, vmax=0.5, colorbar=False, ax=ax).images[-1].get_clim(), (0.5, 0.5)),
    ("heatmap-one-cell", lambda ax: heatmap([[3]], colorbar=np.bool_(False), ax=ax).images[-1].get_array().tolist(), [[3]]),
]

CURVES_EDGE = [
    ("TrainingCurves-one-name", lambda: TrainingCurves(metrics="val_loss").metrics, ["val_loss"]),
    ("TrainingCurves-tuple", lambda: TrainingCurves(metrics=("loss", "val_loss")).metrics, ["loss", "val_loss"]),
    ("TrainingCurves-figsize-list", lambda: TrainingCurves(figsize=[4, 2.5]).figsize, (4, 2.5)),
    ("TrainingCurves-numpy-bools", lambda: (TrainingCurves(perplexity=np.bool_(True), live=np.bool_(False)).perplexity), True),
]


@pytest.mark.parametrize("call, expected", [pytest.param(c, e, id=i) for i, c, e in EDGE_INPUTS])
def test_edge_input_is_drawn(call, expected):
    _, ax = plt.subplots()
    assert call(ax) == expected


@pytest.mark.parametrize("call, expected", [pytest.param(c, e, id=i) for i, c, e in CURVES_EDGE])
def test_training_curves_edge_argument(call, expected):
    assert call() == expected


def test_every_public_name_is_in_the_campaign():
    ids = [p.id for p in BAD_INPUTS + CURVES_BAD] + [i for i, _, _ in EDGE_INPUTS + CURVES_EDGE]
    assert set(plotting.__all__) <= {i.split("-")[0] for i in ids}


def test_campaign_size():
    assert len(BAD_INPUTS) + len(CURVES_BAD) >= 90 and len(EDGE_INPUTS) + len(CURVES_EDGE) >= 30


def test_training_curves_nan_loss_is_recorded_not_refused(capsys):
    # A diverged loss: NaN is logged and plotted as a gap (perplexity_from_nll passes it on).
    curves = TrainingCurves(perplexity=True, live=False)
    curves.on_train_begin()
    curves.on_epoch_end(0, {"loss": 1.0})
    curves.on_epoch_end(1, {"loss": float("nan")})
    assert math.isnan(curves.history["loss"][1]) and math.isnan(curves.history["perplexity"][1])
    assert "epoch 2: perplexity nan" in capsys.readouterr().out


# ---------------------------------------------------------------- properties


@SETTINGS
@given(lengths=st.lists(st.integers(0, 20), min_size=1, max_size=4), shared=st.booleans(),
       extra=st.integers(-2, 2))
def test_plot_draws_every_curve_or_names_the_mismatch(lengths, shared, extra):
    _, ax = plt.subplots()
    Ys = [np.arange(n, dtype=float) for n in lengths]
    if shared:
        x = np.arange(lengths[0] + extra)
        fits = all(n == len(x) for n in lengths)
        X = x
    else:
        X = [np.arange(n) for n in lengths[:-1]] + [np.arange(max(lengths[-1] + extra, 0))]
        fits = len(X[-1]) == lengths[-1]
    try:
        if not fits:
            with pytest.raises(ValueError, match="x values but .* y values"):
                plot(X, Ys, ax=ax)
            assert not ax.get_lines()
            return
        plot(X, Ys, ax=ax)
        assert [len(line.get_ydata()) for line in ax.get_lines()] == lengths
    finally:
        plt.close(ax.figure)
