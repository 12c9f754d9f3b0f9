"""Plot helpers and a live training-curve callback.

Helpers follow mglearn's habit: they take ``ax=None`` (then draw on
``plt.gca()``), draw, and return the `Axes`. Nothing here calls
``plt.show()`` or changes matplotlib's global style.
"""

import io
import warnings

import numpy as np

from d2lite.text import perplexity_from_nll

__all__ = ["TrainingCurves", "heatmap", "plot"]

_SCALES = ("linear", "log", "symlog", "logit")


def _is_1d(a):
    if hasattr(a, "ndim"):
        return a.ndim == 1
    return isinstance(a, (list, tuple)) and len(a) > 0 and not hasattr(a[0], "__len__")


def _curve(a, what, i):
    a = np.asarray(a)
    if a.ndim != 1:
        raise ValueError(f"Received an invalid value for argument `{what}`, expected 1-D values "
                         f"for curve {i}, got an array of shape {a.shape}.")
    return a


def _as_series(X, Y):
    """Normalise d2l-style (X, Y) arguments to a list of 1-D (x, y) pairs."""
    if Y is None:
        X, Y = None, X
    # Not np.ndim(Y): curves of different lengths do not make one array.
    if not hasattr(Y, "__len__") or getattr(Y, "ndim", 1) == 0 or len(Y) == 0:
        raise ValueError(f"Received an invalid value for argument `Y`, expected a 1-D array or a "
                         f"non-empty list of 1-D arrays, got {Y!r}.")
    Ys = [Y] if _is_1d(Y) else list(Y)
    if X is None:
        Xs = [np.arange(len(y)) for y in Ys]
    elif _is_1d(X):
        Xs = [X] * len(Ys)
    else:
        Xs = list(X)
    if len(Xs) != len(Ys):
        raise ValueError(f"Got {len(Xs)} x series for {len(Ys)} y series; expected one x per y "
                         f"or one shared x.")
    series = []
    for i, (x, y) in enumerate(zip(Xs, Ys)):
        x, y = _curve(x, "X", i), _curve(y, "Y", i)
        if len(x) != len(y):
            raise ValueError(f"Curve {i} has {len(x)} x values but {len(y)} y values.")
        series.append((x, y))
    return series


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
        Y: a 1-D array (one curve) or a list of 1-D arrays (several curves,
            which may differ in length when each has its own x).
        xlabel, ylabel, title: axis labels and title (default None).
        legend: a label per curve (default None: no legend).
        xlim, ylim: axis limits (default None: automatic).
        xscale, yscale: "linear" (default), "log", "symlog" or "logit".
        fmts: matplotlib format strings, cycled over the curves.
        ax: the `Axes` to draw on (default None: `plt.gca()`).

    Returns:
        The `Axes`.

    Raises:
        ValueError: if a curve is not 1-D, x and y lengths differ, the number
            of legend labels is not the number of curves, or a scale is unknown.

    Example:
        >>> x = np.arange(0, 3, 0.1)
        >>> ax = plot(x, [x ** 2, 2 * x - 3], legend=["f(x)", "tangent"])
        >>> len(ax.get_lines())
        2
    """
    import matplotlib.pyplot as plt

    series = _as_series(X, Y)
    for name, scale in (("xscale", xscale), ("yscale", yscale)):
        if scale not in _SCALES:
            raise ValueError(f"Received an invalid value for argument `{name}`, expected one of "
                             f"{_SCALES}, got {scale!r}.")
    if not fmts:
        raise ValueError("Received an invalid value for argument `fmts`, expected at least one "
                         "format string, got an empty sequence.")
    if legend is not None:
        legend = list(legend)
        if len(legend) != len(series):
            raise ValueError(f"Got {len(legend)} legend labels for {len(series)} curves.")

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
        values: a 2-D array.
        xlabel, ylabel, title: axis labels and title (default None).
        xticklabels, yticklabels: one label per column / row (default None:
            matplotlib's numeric ticks).
        cmap: a matplotlib colormap name or object (default "viridis").
        vmin, vmax: colour limits (default None: the data's range).
        colorbar: add a colour bar next to the Axes (default True).
        fmt: if given, e.g. "{:.2f}", write each value in its cell (default None).
        ax: the `Axes` to draw on (default None: `plt.gca()`).

    Returns:
        The `Axes`; the image is ``ax.images[-1]``.

    Raises:
        ValueError: if `values` is not 2-D or a tick-label list has the wrong length.

    Example:
        >>> ax = heatmap(np.eye(3), xticklabels=["a", "b", "c"], fmt="{:.0f}")
        >>> ax.images[-1].get_array().shape
        (3, 3)
    """
    import matplotlib.pyplot as plt

    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"Received an invalid value for argument `values`, expected a 2-D array, "
                         f"got an array of shape {values.shape}.")
    for name, labels, n in (("xticklabels", xticklabels, values.shape[1]),
                            ("yticklabels", yticklabels, values.shape[0])):
        if labels is not None and len(labels) != n:
            raise ValueError(f"Got {len(labels)} {name} for {n} "
                             f"{'columns' if name[0] == 'x' else 'rows'}.")

    ax = plt.gca() if ax is None else ax
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                      interpolation="nearest")
    if xticklabels is not None:
        ax.set_xticks(np.arange(values.shape[1]), labels=list(xticklabels))
    if yticklabels is not None:
        ax.set_yticks(np.arange(values.shape[0]), labels=list(yticklabels))
    if fmt is not None:
        middle = np.nanmean(values) if values.size else 0.0
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
        figsize: figure size in inches (default (5, 3)).
        live: redraw in place in a notebook (default None: only when running
            in a Jupyter kernel). False prints one line per epoch instead.

    Example:
        >>> curves = TrainingCurves(perplexity=True)
        >>> model.fit(ds, epochs=10, verbose=0, callbacks=[curves])  # doctest: +SKIP
        >>> curves.history["perplexity"][-1]  # doctest: +SKIP
    """

    def __init__(self, metrics=None, perplexity=False, yscale="linear", figsize=(5, 3), live=None):
        super().__init__()
        if yscale not in ("linear", "log"):
            raise ValueError(f"Received an invalid value for argument `yscale`, expected "
                             f"'linear' or 'log', got {yscale!r}.")
        if isinstance(metrics, str):
            metrics = [metrics]
        self.metrics = None if metrics is None else list(metrics)
        self.perplexity = perplexity
        self.yscale = yscale
        self.figsize = figsize
        self.live = live
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
            exp_loss = self._from_loss.intersection(names)
            plot([self.epochs[n] for n in names], [self.history[n] for n in names],
                 xlabel="epoch", ylabel="perplexity = exp(loss)" if exp_loss else None,
                 legend=names, yscale=self.yscale, fmts=("-", "--", "-.", ":"), ax=self.ax)
        self.ax.set_xlim(1, max(2, last_epoch))
