"""Plot helpers and a live training-curve callback.

Helpers follow mglearn's habit: they take ``ax=None`` (then draw on
``plt.gca()``), draw, and return the `Axes`. Nothing here calls
``plt.show()`` or changes matplotlib's global style.
"""

import io
import math

import numpy as np

__all__ = ["TrainingCurves", "plot"]


def _as_series(X, Y):
    """Normalise d2l-style (X, Y) arguments to a list of (x, y) pairs."""

    def is_1d(a):
        return hasattr(a, "ndim") and a.ndim == 1 or (
            isinstance(a, (list, tuple)) and len(a) > 0 and not hasattr(a[0], "__len__")
        )

    if Y is None:
        X, Y = None, X
    Ys = [Y] if is_1d(Y) else list(Y)
    if X is None:
        Xs = [np.arange(len(y)) for y in Ys]
    elif is_1d(X):
        Xs = [X] * len(Ys)
    else:
        Xs = list(X)
    if len(Xs) != len(Ys):
        raise ValueError(f"Got {len(Xs)} x series for {len(Ys)} y series; expected one x per y or one shared x.")
    return list(zip(Xs, Ys))


def plot(X, Y=None, *, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"), title=None, ax=None):
    """Plot one or several curves, d2l style.

    Args:
        X: x values shared by all curves (1-D), one x per curve (list), or,
            when `Y` is None, the y values themselves (plotted against 0..n-1).
        Y: a 1-D array (one curve) or a list of 1-D arrays (several curves).
        xlabel, ylabel, title: axis labels and title (default None).
        legend: a label per curve (default None: no legend).
        xlim, ylim: axis limits (default None: automatic).
        xscale, yscale: "linear" (default) or "log".
        fmts: matplotlib format strings, cycled over the curves.
        ax: the `Axes` to draw on (default None: `plt.gca()`).

    Returns:
        The `Axes`.

    Example:
        >>> x = np.arange(0, 3, 0.1)
        >>> ax = plot(x, [x ** 2, 2 * x - 3], legend=["f(x)", "tangent"])
    """
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    series = _as_series(X, Y)
    for i, (x, y) in enumerate(series):
        ax.plot(x, y, fmts[i % len(fmts)])
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    if xlim is not None:
        ax.set_xlim(xlim)
    if ylim is not None:
        ax.set_ylim(ylim)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(legend)
    ax.grid(True, alpha=0.3)
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
    After training, `history` holds every logged value and `ax` the final plot.

    Args:
        metrics: names of the logged values to plot (default None: every
            value Keras logs, e.g. "loss" and "val_loss").
        perplexity: also plot exp(loss) as "perplexity" (and "val_perplexity")
            for language models (default False). With `metrics=None` only
            the perplexity curves are drawn then.
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
        self.metrics = None if metrics is None else list(metrics)
        self.perplexity = perplexity
        self.yscale = yscale
        self.figsize = figsize
        self.live = live
        self.history = {}
        self.fig = None
        self.ax = None
        self._handle = None

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
            for key in ("loss", "val_loss"):
                if key in logs:
                    logs[key.replace("loss", "perplexity")] = math.exp(min(float(logs[key]), 50.0))
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        self._draw()
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
            shown = ", ".join(f"{k} {self.history[k][-1]:.4g}" for k in self._names())
            print(f"epoch {epoch + 1}: {shown}")

    def _draw(self):
        self.ax.clear()
        names = self._names()
        epochs = np.arange(1, len(next(iter(self.history.values()), [])) + 1)
        plot(epochs, [self.history[n] for n in names], xlabel="epoch", legend=names,
             yscale=self.yscale, fmts=("-", "--", "-.", ":"), ax=self.ax)
        if len(epochs) > 0:
            self.ax.set_xlim(1, max(2, len(epochs)))
