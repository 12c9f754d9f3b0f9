"""Tests for d2lite.plotting: plot, heatmap and the TrainingCurves callback (Agg backend)."""

import math

import matplotlib

matplotlib.use("Agg")  # before pyplot: no window, same pixels everywhere

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from d2lite import plotting  # noqa: E402
from d2lite.plotting import TrainingCurves, heatmap, plot  # noqa: E402




@pytest.fixture
def no_show(monkeypatch):
    def show(*args, **kwargs):
        raise AssertionError("a helper called plt.show()")

    monkeypatch.setattr(plt, "show", show)


def _legend_texts(ax):
    legend = ax.get_legend()
    return None if legend is None else [t.get_text() for t in legend.get_texts()]


# ----------------------------------------------------------------------------- plot


def test_plot_y_only_uses_positions_as_x(no_show):
    ax = plot(np.array([3.0, 1.0, 2.0]))
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(line.get_ydata(), [3, 1, 2])
    assert ax.get_legend() is None


def test_plot_several_curves_shared_x_with_legend_and_formats(no_show):
    x = np.arange(0, 3, 0.5)
    ax = plot(x, [x ** 2, 2 * x - 3], legend=["f(x)", "tangent"], xlabel="x", ylabel="y",
              title="t", xlim=(0, 2), ylim=(-3, 5))
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), x ** 2)
    np.testing.assert_allclose(lines[1].get_xdata(), x)
    np.testing.assert_allclose(lines[1].get_ydata(), 2 * x - 3)
    assert lines[0].get_linestyle() == "-"
    assert lines[1].get_linestyle() == "--" and lines[1].get_color() == "m"
    assert _legend_texts(ax) == ["f(x)", "tangent"]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("x", "y", "t")
    assert ax.get_xlim() == (0, 2) and ax.get_ylim() == (-3, 5)


def test_plot_one_x_per_curve_allows_different_lengths():
    ax = plot([[0, 1, 2], [5, 6]], [[1.0, 2.0, 3.0], [4.0, 5.0]])
    a, b = ax.get_lines()
    np.testing.assert_array_equal(b.get_xdata(), [5, 6])
    assert len(a.get_ydata()) == 3 and len(b.get_ydata()) == 2


def test_plot_formats_cycle():
    ax = plot([np.arange(3) + i for i in range(5)], fmts=("-", "r:"))
    styles = [line.get_linestyle() for line in ax.get_lines()]
    assert styles == ["-", ":", "-", ":", "-"]


def test_plot_log_scales():
    x = np.logspace(0, 3, 10)
    ax = plot(x, x ** 2, xscale="log", yscale="log")
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert plot(x, x).get_yscale() == "linear"


def test_plot_without_ax_draws_on_current_axes():
    fig, (left, right) = plt.subplots(1, 2)
    plt.sca(right)
    ax = plot([1.0, 2.0])
    assert ax is right
    assert len(right.get_lines()) == 1 and len(left.get_lines()) == 0


def test_plot_on_given_ax_leaves_current_axes_alone():
    _, current = plt.subplots()
    _, target = plt.subplots()
    plt.sca(current)
    assert plot([1.0, 2.0], ax=target) is target
    assert plt.gca() is current and not current.get_lines()


def test_plot_second_call_extends_the_legend():
    ax = plot([1.0, 2.0], legend=["a"])
    plot([2.0, 1.0], legend=["b"], ax=ax)
    assert _legend_texts(ax) == ["a", "b"]


def test_plot_does_not_change_global_style():
    before = dict(matplotlib.rcParams)
    plot(np.arange(4.0), [np.arange(4.0), np.ones(4)], legend=["a", "b"], yscale="log")
    heatmap(np.eye(2), fmt="{:.0f}", ax=plt.figure().add_subplot())
    assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize("args, kwargs, message", [
    ((3.0,), {}, "argument `Y`"),
    ((np.float64(3.0),), {}, "argument `Y`"),
    (([],), {}, "argument `Y`"),
    ((np.arange(3), [np.ones(3), np.ones(3)]), {"legend": ["one"]}, "1 legend labels for 2 curves"),
    (([[0, 1], [0, 1], [0, 1]], [np.ones(2), np.ones(2)]), {}, "3 x series for 2 y series"),
    ((np.arange(3), np.ones(4)), {}, "3 x values but 4 y values"),
    ((np.arange(3), [np.ones((3, 2))]), {}, r"shape \(3, 2\)"),
    ((np.arange(3), np.ones(3)), {"yscale": "logarithmic"}, "argument `yscale`"),
    ((np.arange(3), np.ones(3)), {"xscale": "loglog"}, "argument `xscale`"),
    ((np.arange(3), np.ones(3)), {"fmts": ()}, "argument `fmts`"),
])
def test_plot_bad_input_raises_before_drawing(args, kwargs, message):
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=message):
        plot(*args, ax=ax, **kwargs)
    assert not ax.get_lines(), "a curve was drawn before the error"


# ----------------------------------------------------------------------------- heatmap


def test_heatmap_draws_matrix_labels_values_and_colorbar(no_show):
    values = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    fig, ax = plt.subplots()
    out = heatmap(values, xticklabels=list("abc"), yticklabels=["r0", "r1"], xlabel="keys",
                  ylabel="queries", title="weights", fmt="{:.1f}", ax=ax)
    assert out is ax
    np.testing.assert_array_equal(ax.images[-1].get_array(), values)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["r0", "r1"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"{v:.1f}" for v in values.ravel())
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("keys", "queries", "weights")
    assert len(fig.axes) == 2  # the colour bar


def test_heatmap_without_ax_uses_current_axes_and_colour_limits():
    fig, ax = plt.subplots()
    out = heatmap(np.ones((2, 2)), vmin=-1, vmax=1, colorbar=False, cmap="RdBu")
    assert out is ax and len(fig.axes) == 1 and not ax.texts
    assert ax.images[-1].get_clim() == (-1, 1)


@pytest.mark.parametrize("values, kwargs, message", [
    (np.ones(3), {}, r"2-D array, got an array of shape \(3,\)"),
    (np.ones((2, 2, 2)), {}, r"shape \(2, 2, 2\)"),
    (np.ones((2, 3)), {"xticklabels": ["a", "b"]}, "2 xticklabels for 3 columns"),
    (np.ones((2, 3)), {"yticklabels": ["a"]}, "1 yticklabels for 2 rows"),
])
def test_heatmap_bad_input(values, kwargs, message):
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=message):
        heatmap(values, ax=ax, **kwargs)
    assert not ax.images


# ----------------------------------------------------------------------------- TrainingCurves


@pytest.fixture(scope="module")
def regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], dtype="float32") + 0.1)[:, None]
    return x, y


def _fit(data, callback, epochs=2, **kwargs):
    import keras

    keras.utils.set_random_seed(0)
    x, y = data
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return model.fit(x, y, epochs=epochs, batch_size=16, verbose=0, callbacks=[callback],
                     **kwargs)


def test_training_curves_prints_one_line_per_epoch_and_records_perplexity(regression_data, capsys):
    x, y = regression_data
    figures_before = plt.get_fignums()
    curves = TrainingCurves(perplexity=True, live=False)
    history = _fit(regression_data, curves, validation_data=(x[:16], y[:16]))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1: perplexity ") and "val_perplexity" in lines[0]
    assert lines[1].startswith("epoch 2: ")
    # Same values as Keras's own History, and perplexity = exp(loss).
    np.testing.assert_allclose(curves.history["loss"], history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(curves.history["val_loss"], history.history["val_loss"], rtol=1e-6)
    np.testing.assert_allclose(curves.history["perplexity"], np.exp(curves.history["loss"]))
    np.testing.assert_allclose(curves.history["val_perplexity"],
                               np.exp(curves.history["val_loss"]))
    assert curves.history["loss"][1] < curves.history["loss"][0], "SGD did not reduce the loss"
    assert f"{curves.history['perplexity'][-1]:.4g}" in lines[1]
    # The plot: only the perplexity curves, one point per epoch, on a Figure pyplot does not own.
    assert _legend_texts(curves.ax) == ["perplexity", "val_perplexity"]
    assert [list(line.get_xdata()) for line in curves.ax.get_lines()] == [[1, 2], [1, 2]]
    np.testing.assert_allclose(curves.ax.get_lines()[0].get_ydata(), curves.history["perplexity"])
    assert plt.get_fignums() == figures_before


def test_training_curves_default_metrics_and_log_scale(regression_data, capsys):
    curves = TrainingCurves(yscale="log", live=False)
    _fit(regression_data, curves, epochs=3)
    assert _legend_texts(curves.ax) == ["loss"]
    assert curves.ax.get_yscale() == "log"
    assert curves.epochs["loss"] == [1, 2, 3]
    assert "perplexity" not in curves.history
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


def test_training_curves_validation_every_other_epoch(regression_data, capsys, recwarn):
    x, y = regression_data
    curves = TrainingCurves(metrics="val_loss", live=False)  # a single name, not a list
    _fit(regression_data, curves, epochs=3, validation_data=(x, y), validation_freq=2)
    assert curves.metrics == ["val_loss"]
    assert curves.epochs["val_loss"] == [2] and len(curves.history["loss"]) == 3
    (line,) = curves.ax.get_lines()
    assert list(line.get_xdata()) == [2]
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == "epoch 1: " and out[1].startswith("epoch 2: val_loss ")
    assert not [w for w in recwarn if "TrainingCurves" in str(w.message)]


def test_training_curves_warns_about_unknown_metric(regression_data, capsys):
    curves = TrainingCurves(metrics=["loss", "accuracy"], live=False)
    with pytest.warns(UserWarning, match="accuracy"):
        _fit(regression_data, curves)
    assert _legend_texts(curves.ax) == ["loss"]


def test_training_curves_live_updates_one_display(regression_data, monkeypatch, capsys):
    import IPython.display

    shown, updates = [], []

    class Handle:
        def update(self, obj):
            updates.append(obj)

    def display(obj, display_id=None):
        assert display_id is True, "the live figure must be displayed with an id to update"
        shown.append(obj)
        return Handle()

    monkeypatch.setattr(IPython.display, "display", display)
    curves = TrainingCurves(live=True)
    _fit(regression_data, curves, epochs=3)
    assert len(shown) == 1 and len(updates) == 2
    for image in shown + updates:
        assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().out == ""


def test_training_curves_live_by_default_only_in_a_jupyter_kernel(monkeypatch):
    import IPython

    assert plotting._in_notebook() is False  # plain pytest

    class ZMQInteractiveShell:  # the class name is what the check looks at
        pass

    monkeypatch.setattr(IPython, "get_ipython", lambda: ZMQInteractiveShell())
    assert plotting._in_notebook() is True
    curves = TrainingCurves()
    curves.on_train_begin()
    assert curves.live is True


def test_training_curves_restart_on_a_new_fit(regression_data, capsys):
    curves = TrainingCurves(live=False)
    _fit(regression_data, curves, epochs=2)
    _fit(regression_data, curves, epochs=1)
    assert len(curves.history["loss"]) == 1 and curves.epochs["loss"] == [1]


def test_training_curves_perplexity_is_capped_not_overflowing():
    curves = TrainingCurves(perplexity=True, live=False)
    curves.on_train_begin()
    curves.on_epoch_end(0, {"loss": 1000.0})
    assert curves.history["perplexity"] == [math.exp(50.0)]


def test_training_curves_fall_back_to_exp_loss_and_say_so(regression_data, capsys):
    x, y = regression_data
    curves = TrainingCurves(perplexity=True, live=False)
    _fit(regression_data, curves, validation_data=(x[:16], y[:16]))  # no perplexity metric
    assert curves.ax.get_ylabel() == "perplexity = exp(loss)"


def test_training_curves_plot_the_perplexity_metric_the_model_logs(capsys):
    import keras

    from d2lite import metrics, networks

    keras.utils.set_random_seed(0)
    tokens = np.arange(8 * 11).reshape(8, 11) % 5
    x, y = tokens[:, :-1], tokens[:, 1:]
    model = networks.language_model(5, cell="rnn", units=4, compile=False)
    # A loss that is not the mean cross-entropy (a sum), so exp(loss) is not the perplexity.
    model.compile(optimizer="sgd", metrics=[metrics.Perplexity()],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                                  reduction="sum"))
    curves = TrainingCurves(perplexity=True, live=False)
    history = model.fit(x, y, epochs=2, batch_size=4, validation_data=(x, y), verbose=0,
                        callbacks=[curves])
    for key in ("perplexity", "val_perplexity"):  # the metric's values, not exp(loss)
        assert curves.history[key] == history.history[key]
    assert np.all(np.exp(curves.history["loss"]) > 100 * np.array(curves.history["perplexity"]))
    assert _legend_texts(curves.ax) == ["perplexity", "val_perplexity"]
    assert curves.ax.get_ylabel() == "perplexity"  # the metric's own name, not exp(loss)
    # One logged value only, the other computed: the metric is kept where it is logged.
    curves.on_train_begin()
    curves.on_epoch_end(0, {"loss": 1.0, "perplexity": 5.0, "val_loss": 2.0})
    assert curves.history["perplexity"] == [5.0]
    assert curves.history["val_perplexity"] == [math.exp(2.0)]


def test_training_curves_bad_yscale():
    with pytest.raises(ValueError, match="argument `yscale`"):
        TrainingCurves(yscale="symlog")


def test_training_curves_label_the_y_axis_with_what_they_draw():
    curves = TrainingCurves(live=False)
    curves.on_train_begin()
    curves.on_epoch_end(0, {"loss": 1.0, "val_loss": 1.5})
    assert (curves.ax.get_xlabel(), curves.ax.get_ylabel()) == ("epoch", "loss")
    curves.on_epoch_end(1, {"loss": 0.9, "val_loss": 1.4, "accuracy": 0.6})
    assert curves.ax.get_ylabel() == "value"  # several quantities: the legend names them
