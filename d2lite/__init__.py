"""d2lite: helpers for a Jupyter teaching series on recurrent neural networks.

Submodules are imported lazily, so ``import d2lite`` is cheap and has no side
effects (no backend selected, no seeds, no matplotlib style changed)::

    from d2lite import text, layers
    vocab = text.Vocab(text.tokenize("hello world", token="char"))

A model saved with d2lite's layers (cells, `OneHot`, the `Perplexity` metric) loads
with `d2lite.load_model(path)`, which needs no other import.
"""

import importlib
import os

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "autodiff",
    "check",
    "data",
    "generation",
    "ising",
    "layers",
    "load_model",
    "metrics",
    "networks",
    "plotting",
    "seq2seq",
    "sequences",
    "text",
    "training",
]

_SUBMODULES = frozenset(__all__) - {"__version__", "load_model"}


def load_model(path, **kwargs):
    """Load a saved Keras model that may hold d2lite layers: `keras.saving.load_model`.

    Keras rebuilds a layer by its registered name ("d2lite>GRUCell"), which exists only
    once the module defining it has been imported. This imports `d2lite.layers` (the
    cells), `d2lite.networks` (`OneHot`) and `d2lite.metrics` (`Perplexity`) first, so
    it works right after ``import d2lite``. (So does `keras.saving.load_model` after
    importing any of `d2lite.networks`, `training` or `generation`.)

    Args:
        path: the `.keras` file (a string or `os.PathLike`).
        **kwargs: passed to `keras.saving.load_model` (`custom_objects`, `compile`,
            `safe_mode`).

    Returns:
        The model, compiled as it was saved (unless `compile=False`).

    Raises:
        ValueError: if `path` is not a string or path, does not exist, or is a `.keras`
            file that is not a zip archive; or from Keras, for a file it cannot read.

    Example:
        >>> import pathlib, tempfile
        >>> model = d2lite.networks.language_model(5, cell="lstm", units=4, compile=False)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "lm.keras"
        >>> model.save(path)
        >>> d2lite.load_model(path).get_layer("rnn_1").cell.__class__.__name__
        'LSTMCell'
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"Received an invalid value for argument `path`, expected a string or "
                         f"os.PathLike naming a saved model, got {path!r}.")
    # Keras says "File not found" for a file that exists but is not a zip archive.
    import zipfile

    expected = "a saved model (a `.keras` file, which is a zip archive)"
    if not os.path.exists(path):
        raise ValueError(f"Received an invalid value for argument `path`, expected {expected}, "
                         f"got {os.fspath(path)!r}, which does not exist.")
    if (os.path.isfile(path) and os.fspath(path).endswith(".keras")
            and not zipfile.is_zipfile(path)):
        raise ValueError(f"Received an invalid value for argument `path`, expected {expected}, "
                         f"got {os.fspath(path)!r}, which is not a zip archive (not written "
                         "by `model.save`, or cut short).")
    for name in ("layers", "metrics", "networks"):
        importlib.import_module(f"{__name__}.{name}")
    import keras

    return keras.saving.load_model(path, **kwargs)


def __getattr__(name):
    # PEP 562: import a submodule the first time it is asked for.
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
