"""Plot helpers and a live training-curve callback.

Helpers follow mglearn's habit: they take ``ax=None`` (then draw on
``plt.gca()``), draw, and return the `Axes`. Nothing here calls
``plt.show()`` or changes matplotlib's global style.
"""

import collections.abc
import datetime
import io
import math
import numbers
import warnings

import numpy as np

from d2lite import _validate
from d2lite.text import perplexity_from_nll

__all__ = ["TrainingCurves", "heatmap", "plot"]

_SCALES = ("linear", "log", "symlog", "logit")
_DATES = (datetime.date, np.datetime64)  # pandas' Timestamp is a datetime.datetime
_D = _validate.Described  # a description of the value received, shown without quotes



def _is_1d(a):
    if hasattr(a, "ndim"):
        return a.ndim == 1
    if isinstance(a, range):
        return True
    # A string is one value (an x label, say), not a list of characters.
    return (isinstance(a, (list, tuple)) and len(a) > 0
            and (not hasattr(a[0], "__len__") or isinstance(a[0], (str, bytes))))


def _check_container(value, name, expected):
    """Raise for what must not be read as a list: a string, a mapping, a set, a non-sequence."""
    if (isinstance(value, (str, bytes, collections.abc.Mapping, collections.abc.Set))
            or not hasattr(value, "__len__")):
        raise _validate.invalid(name, expected, _D(f"{_validate.brief(value)} ({type(value).__name__})"))


def _curve(a, what, i):
    """Curve `i`'s x (`what` "X") or y ("Y") values as a 1-D array of numbers (x: or dates)."""
    try:
        a = np.asarray(a)
    except ValueError:  # ragged
        raise ValueError(f"Received an invalid value for argument `{what}`, expected 1-D values "
                         f"for curve {i}, got a ragged nested list.") from None
    if a.ndim != 1:
        raise ValueError(f"Received an invalid value for argument `{what}`, expected 1-D values "
                         f"for curve {i}, got an array of shape {a.shape}.")
    kinds = "biufMm" if what == "X" else "biuf"
    dates = what == "X" and a.dtype.kind == "O" and all(isinstance(v, _DATES) for v in a)
    if a.dtype.kind not in kinds and not dates:
        expected = "numbers or dates" if what == "X" else "numbers"
        example = f", e.g. {a[0]!r}" if a.size else ""
        raise _validate.invalid(what, f"{expected} for curve {i}",
                                _D(f"an array of dtype {a.dtype}{example}"))
    return a


def _as_series(X, Y):
    """Normalise d2l-style (X, Y) arguments to a list of 1-D (x, y) pairs."""
    if Y is None:
        X, Y = None, X
    # Not np.ndim(Y): curves of different lengths do not make one array.
    if (not hasattr(Y, "__len__") or getattr(Y, "ndim", 1) == 0 or len(Y) == 0
            or isinstance(Y, (str, bytes, collections.abc.Mapping, collections.abc.Set))):
        raise ValueError(f"Received an invalid value for argument `Y`, expected a 1-D array or a "
                         f"non-empty list of 1-D arrays, got {_validate.brief(Y)}.")
    Ys = [Y] if _is_1d(Y) else list(Y)
    if X is None:
        Xs = [np.arange(len(y)) if hasattr(y, "__len__") else y for y in Ys]
    else:
        _check_container(X, "X", "x values shared by the curves (1-D) or a list of one x per curve")
        Xs = [X] * len(Ys) if _is_1d(X) else list(X)
    if len(Xs) != len(Ys):
        raise ValueError(f"Received an invalid value for argument `X`, expected one x per y series "
                         f"or one shared x, got {len(Xs)} x series for {len(Ys)} y series.")
    series = []
    for i, (x, y) in enumerate(zip(Xs, Ys)):
        y = _curve(y, "Y", i)
        x = _curve(x, "X", i)
        if len(x) != len(y):
            raise ValueError(f"Received an invalid value for argument `X`, expected as many x "
                             f"values as y values, got: curve {i} has {len(x)} x values but "
                             f"{len(y)} y values.")
        series.append((x, y))
    return series


def _check_label(value, name):
    if value is not None and not isinstance(value, str):
        raise _validate.invalid(name, "a string or None", value)


def _check_ax(ax):
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise _validate.invalid("ax", "a matplotlib Axes or None (then plt.gca())",
                                _D(f"{_validate.brief(ax)} ({type(ax).__name__})"))


def _check_limits(value, name):
    """None, or a pair (low, high) of finite numbers, dates or None (matplotlib's auto)."""
    if value is None:
        return None
    ok = (isinstance(value, (list, tuple, np.ndarray)) and len(value) == 2 and all(
        v is None or isinstance(v, _DATES)
        or (isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
            and math.isfinite(v)) for v in value))
    if not ok:
        raise _validate.invalid(name, "None or a pair (low, high) of finite numbers, e.g. (0, 10)",
                                value)
    return tuple(value)


def _check_fmts(fmts):
    try:  # matplotlib's own parser of "m--"; private, so its absence only skips the check
        from matplotlib.axes._base import _process_plot_format
    except ImportError:  # pragma: no cover
        def _process_plot_format(fmt):
            return fmt

    if isinstance(fmts, str):
        raise _validate.invalid("fmts", f"a list or tuple of format strings, e.g. ({fmts!r},) "
                                "(a string would give each curve one of its characters)", fmts)
    if not isinstance(fmts, (list, tuple)):
        raise _validate.invalid("fmts", "a list or tuple of format strings", fmts)
    if not fmts:
        raise ValueError("Received an invalid value for argument `fmts`, expected at least one "
                         "format string, got an empty sequence.")
    for fmt in fmts:
        if not isinstance(fmt, str):
            raise _validate.invalid("fmts", "format strings such as '-' or 'm--'", fmt)
        try:
            _process_plot_format(fmt)
        except ValueError as err:
            raise _validate.invalid("fmts", f"matplotlib format strings such as '-' or 'm--' "
                                    f"({err})", fmt) from None
    return tuple(fmts)


def _set_labels(ax, xlabel, ylabel, title):
    for setter, text in ((ax.set_xlabel, xlabel), (ax.set_ylabel, ylabel), (ax.set_title, title)):
        if text:
            setter(text)


def plot(X, Y=None, *, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"), title=None, ax=None):
    """Plot one or several curves, d2l style.

    Args:
        X: x values shared by all curves (1-D), one x per curve (list), or,
            when `Y` is None, the y values themselves (plotted against 0..n-1).
            Numbers or dates (`datetime64`, `datetime.date`, pandas dates).
        Y: a 1-D array (one curve) or a list of 1-D arrays (several curves,
            which may differ in length when each has its own x); numbers (NaN
            leaves a gap). A 2-D array is read as a list of rows, one curve each.
        xlabel, ylabel, title: axis labels and title, strings (default None).
        legend: a list of labels, one per curve (default None: no legend); not
            a string (pass `["loss"]` for one curve).
        xlim, ylim: axis limits, a pair `(low, high)` of finite numbers (or
            dates; either may be None) (default None: automatic).
        xscale, yscale: "linear" (default), "log", "symlog" or "logit".
        fmts: a list or tuple of matplotlib format strings, cycled over the
            curves; not a string (pass `("o-",)`).
        ax: the `Axes` to draw on (default None: `plt.gca()`).

    Returns:
        The `Axes`.

    Raises:
        ValueError: if a curve is not 1-D or not numbers (x: or dates), x and y
            lengths differ, the number of legend labels is not the number of
            curves, a scale or format string is unknown, a limit is not a pair
            of finite numbers, or a label or `ax` has the wrong type. Every
            argument is checked before anything is drawn.

    Example:
        >>> x = np.arange(0, 3, 0.1)
        >>> ax = plot(x, [x ** 2, 2 * x - 3], legend=["f(x)", "tangent"])
        >>> len(ax.get_lines())
        2
    """
    import matplotlib.pyplot as plt

    series = _as_series(X, Y)
    for name, scale in (("xscale", xscale), ("yscale", yscale)):
        if not isinstance(scale, str) or scale not in _SCALES:
            raise ValueError(f"Received an invalid value for argument `{name}`, expected one of "
                             f"{_SCALES}, got {scale!r}.")
    fmts = _check_fmts(fmts)
    if legend is not None:
        if isinstance(legend, str):
            raise _validate.invalid("legend", f"a list of labels, one per curve, e.g. [{legend!r}]",
                                    legend)
        _check_container(legend, "legend", "a list of labels, one per curve")
        legend = list(legend)
        if len(legend) != len(series):
            raise ValueError(f"Received an invalid value for argument `legend`, expected one label "
                             f"per curve, got {len(legend)} legend labels for {len(series)} curves.")
    xlim, ylim = _check_limits(xlim, "xlim"), _check_limits(ylim, "ylim")
    for name, label in (("xlabel", xlabel), ("ylabel", ylabel), ("title", title)):
        _check_label(label, name)
    _check_ax(ax)

    ax = plt.gca() if ax is None else ax
    for i, (x, y) in enumerate(series):
        # Labels go on the lines, so a second call on the same Axes adds to the legend.
        label = legend[i] if legend else None
        ax.plot(x, y, fmts[i % len(fmts)], label=label)
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    if xlim is not None:
        ax.set_xlim(xlim)
    if ylim is not None:
        ax.set_ylim(ylim)
    _set_labels(ax, xlabel, ylabel, title)
    if legend:
        ax.legend()
    ax.grid(True, alpha=0.3)
    return ax


def heatmap(values, *, xlabel=None, ylabel=None, xticklabels=None, yticklabels=None,
            cmap="viridis", vmin=None, vmax=None, colorbar=True, fmt=None, title=None, ax=None):
    """Show a matrix as a heatmap (attention weights, spin lattices, confusion tables).

    Row `i` of `values` is drawn at height `i` counted from the top, as the
    matrix is printed.

    Args:
        values: a non-empty 2-D array of numbers (NaN cells are left blank).
        xlabel, ylabel, title: axis labels and title, strings (default None).
        xticklabels, yticklabels: one label per column / row, a list or range
            (not a string: pass `list("abc")`) (default None: matplotlib's
            numeric ticks).
        cmap: a matplotlib colormap name or object (default "viridis").
        vmin, vmax: colour limits, finite numbers with `vmin <= vmax`
            (default None: the data's range).
        colorbar: add a colour bar next to the Axes (default True), a bool.
        fmt: if given, a format string with a replacement field, e.g. "{:.2f}",
            to write each value in its cell (default None).
        ax: the `Axes` to draw on (default None: `plt.gca()`).

    Returns:
        The `Axes`; the image is ``ax.images[-1]``.

    Raises:
        ValueError: if `values` is not a non-empty 2-D array of numbers, a
            tick-label list has the wrong length or is a string, `cmap` is
            unknown, a colour limit is not a finite number or `vmin > vmax`,
            `colorbar` is not a bool, `fmt` has no valid replacement field, or
            a label or `ax` has the wrong type. Every argument is checked
            before anything is drawn.

    Example:
        >>> ax = heatmap(np.eye(3), xticklabels=["a", "b", "c"], fmt="{:.0f}")
        >>> ax.images[-1].get_array().shape
        (3, 3)
    """
    import matplotlib
    import matplotlib.pyplot as plt

    try:
        values = np.asarray(values)
    except ValueError:  # ragged
        raise _validate.invalid("values", "a 2-D array", _D("a ragged nested list")) from None
    if values.ndim != 2:
        raise ValueError(f"Received an invalid value for argument `values`, expected a 2-D array, "
                         f"got an array of shape {values.shape}.")
    if values.size == 0:
        raise _validate.invalid("values", "a non-empty 2-D array",
                                _D(f"an array of shape {values.shape}"))
    if values.dtype.kind not in "biuf":
        raise _validate.invalid("values", "numbers", _D(f"an array of dtype {values.dtype}"))
    for name, labels, n in (("xticklabels", xticklabels, values.shape[1]),
                            ("yticklabels", yticklabels, values.shape[0])):
        if labels is None:
            continue
        if isinstance(labels, str):
            raise _validate.invalid(name, f"a list of labels, e.g. {list(labels)!r}", labels)
        _check_container(labels, name, "a list of labels")
        if len(labels) != n:
            what = "column" if name[0] == "x" else "row"
            raise ValueError(f"Received an invalid value for argument `{name}`, expected one label "
                             f"per {what}, got {len(labels)} {name} for {n} {what}s.")
    try:
        matplotlib.colormaps.get_cmap(cmap)
    except (ValueError, TypeError, KeyError):
        raise _validate.invalid("cmap", "a matplotlib colormap name (e.g. 'viridis') or Colormap",
                                cmap) from None
    for name, limit in (("vmin", vmin), ("vmax", vmax)):
        if limit is not None and (isinstance(limit, (bool, np.bool_))
                                  or not isinstance(limit, numbers.Real)
                                  or not math.isfinite(limit)):
            raise _validate.invalid(name, "a finite number or None", limit)
    if vmin is not None and vmax is not None and vmin > vmax:
        raise _validate.invalid("vmin", f"a colour limit no larger than vmax={vmax!r}", vmin)
    _validate.flag(colorbar, "colorbar")
    if fmt is not None:
        try:
            # A value of the matrix's own dtype: "{:d}" is fine for integers.
            ok = isinstance(fmt, str) and fmt.format(values.flat[0]) != fmt
        except (ValueError, IndexError, KeyError, TypeError):
            ok = False
        if not ok:
            raise _validate.invalid("fmt", 'a format string with one replacement field, e.g. '
                                    '"{:.2f}"', fmt)
    for name, label in (("xlabel", xlabel), ("ylabel", ylabel), ("title", title)):
        _check_label(label, name)
    _check_ax(ax)

    ax = plt.gca() if ax is None else ax
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                      interpolation="nearest")
    if xticklabels is not None:
        ax.set_xticks(np.arange(values.shape[1]), labels=list(xticklabels))
    if yticklabels is not None:
        ax.set_yticks(np.arange(values.shape[0]), labels=list(yticklabels))
    if fmt is not None:
        finite = values[np.isfinite(values)]
        middle = finite.mean() if finite.size else 0.0
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, fmt.format(v), ha="center", va="center",
                    color="white" if v < middle else "black")
    _set_labels(ax, xlabel, ylabel, title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax)
    return ax


def _in_notebook():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _make_callback_base():
    import keras

    return keras.callbacks.Callback


class TrainingCurves(_make_callback_base()):
    """Keras callback that draws live training curves, one figure updated in place.

    In a Jupyter notebook the figure is redrawn after every epoch in the same
    output area; elsewhere (scripts, CI logs) one line per epoch is printed.
    After training, `history` holds every logged value, `epochs` the epoch
    numbers (from 1) at which each was logged, `fig`/`ax` the final plot.

    Args:
        metrics: name or names of the logged values to plot (default None:
            every value Keras logs, e.g. "loss" and "val_loss").
        perplexity: also plot the "perplexity" (and "val_perplexity") curves
            of a language model (default False): the values of the perplexity
            metric the model logs (`d2lite.metrics.Perplexity`, which
            `d2lite.networks.language_model` compiles with). Only when no
            "perplexity" (or "val_perplexity") is logged is it computed from
            the loss, as exp(loss) (capped at exp(50)), which is the
            perplexity only for a mean cross-entropy loss; the y axis then
            reads "perplexity = exp(loss)". With `metrics=None` only the
            perplexity curves are drawn.
        yscale: "linear" (default) or "log".
        figsize: figure size in inches, a pair of finite positive numbers
            (default (5, 3)).
        live: redraw in place in a notebook (default None: only when running
            in a Jupyter kernel). False prints one line per epoch instead.

    Raises:
        ValueError: if `metrics` is not None, a name or a non-empty list of
            distinct names; if `perplexity` is not a bool, `yscale` is not
            "linear" or "log", `figsize` is not a pair of positive numbers, or
            `live` is not None or a bool.

    Example:
        >>> curves = TrainingCurves(perplexity=True)
        >>> model.fit(ds, epochs=10, verbose=0, callbacks=[curves])  # doctest: +SKIP
        >>> curves.history["perplexity"][-1]  # doctest: +SKIP
    """

    def __init__(self, metrics=None, perplexity=False, yscale="linear", figsize=(5, 3), live=None):
        super().__init__()
        if not isinstance(yscale, str) or yscale not in ("linear", "log"):
            raise ValueError(f"Received an invalid value for argument `yscale`, expected "
                             f"'linear' or 'log', got {yscale!r}.")
        if isinstance(metrics, str):
            metrics = [metrics]
        if metrics is not None:
            _check_container(metrics, "metrics", "None, a name or a list of names of logged values")
            metrics = list(metrics)
            if not metrics or not all(isinstance(m, str) for m in metrics) or len(set(metrics)) != len(metrics):
                raise _validate.invalid("metrics", "None (every logged value), a name or a non-empty "
                                        "list of distinct names, e.g. ['loss', 'val_loss']", metrics)
        perplexity = _validate.flag(perplexity, "perplexity")
        if not (isinstance(figsize, (list, tuple, np.ndarray)) and len(figsize) == 2 and all(
                isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
                and math.isfinite(v) and v > 0 for v in figsize)):
            raise _validate.invalid("figsize", "a pair (width, height) of positive numbers of "
                                    "inches, e.g. (5, 3)", figsize)
        if live is not None and not isinstance(live, (bool, np.bool_)):
            raise _validate.invalid("live", "None, True or False", live)
        self.metrics = metrics
        self.perplexity = bool(perplexity)
        self.yscale = yscale
        self.figsize = tuple(figsize)
        self.live = None if live is None else bool(live)
        self.history = {}
        self.epochs = {}
        self.fig = None
        self.ax = None
        self._handle = None
        self._from_loss = set()  # the perplexity curves computed as exp(loss)

    def _names(self):
        if self.metrics is not None:
            names = list(self.metrics)
        elif self.perplexity:
            names = []
        else:
            names = [k for k in self.history if not k.endswith("perplexity")]
        if self.perplexity:
            names += [k for k in ("perplexity", "val_perplexity") if k in self.history]
        return [n for n in names if n in self.history]

    def on_train_begin(self, logs=None):
        from matplotlib.figure import Figure

        self.history = {}
        self.epochs = {}
        self._from_loss = set()
        # A Figure not managed by pyplot: the inline backend will not show it
        # a second time when the cell ends.
        self.fig = Figure(figsize=self.figsize, layout="constrained")
        self.ax = self.fig.add_subplot()
        if self.live is None:
            self.live = _in_notebook()
        self._handle = None

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.perplexity:
            for loss, perplexity in (("loss", "perplexity"), ("val_loss", "val_perplexity")):
                # The model's own perplexity metric when it logs one; else exp(loss).
                if perplexity not in logs and loss in logs:
                    logs[perplexity] = perplexity_from_nll(min(float(logs[loss]), 50.0))
                    self._from_loss.add(perplexity)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
            self.epochs.setdefault(key, []).append(epoch + 1)
        self._draw(epoch + 1)
        if self.live:
            from IPython.display import Image, display

            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=80)
            image = Image(data=buf.getvalue(), format="png")
            if self._handle is None:
                self._handle = display(image, display_id=True)
            else:
                self._handle.update(image)
        else:
            shown = ", ".join(f"{k} {self.history[k][-1]:.4g}" for k in self._names()
                              if self.epochs[k][-1] == epoch + 1)
            print(f"epoch {epoch + 1}: {shown}")

    def on_train_end(self, logs=None):
        # Checked at the end: validation values may first appear after a few epochs.
        missing = [m for m in self.metrics or [] if m not in self.history]
        if missing:
            warnings.warn(f"TrainingCurves: {missing} never logged (logged: "
                          f"{sorted(self.history)}); they are not plotted.", stacklevel=2)

    def _draw(self, last_epoch):
        self.ax.clear()
        names = self._names()
        if names:
            # Each curve against its own epochs: validation may run only every few epochs.
            # The y label names what is drawn: one quantity (loss, val_loss -> "loss"), or
            # "value" for several; the legend tells the curves apart.
            bases = {n.removeprefix("val_") for n in names}
            if self._from_loss.intersection(names):
                ylabel = "perplexity = exp(loss)"
            else:
                ylabel = bases.pop() if len(bases) == 1 else "value"
            plot([self.epochs[n] for n in names], [self.history[n] for n in names],
                 xlabel="epoch", ylabel=ylabel,
                 legend=names, yscale=self.yscale, fmts=("-", "--", "-.", ":"), ax=self.ax)
        self.ax.set_xlim(1, max(2, last_epoch))
