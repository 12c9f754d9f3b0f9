"""d2lite: helpers for a Jupyter teaching series on recurrent neural networks.

Submodules are imported lazily, so ``import d2lite`` is cheap and has no side
effects (no backend selected, no seeds, no matplotlib style changed)::

    from d2lite import text, layers
    vocab = text.Vocab(text.tokenize("hello world", token="char"))
"""

import importlib

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "check",
    "data",
    "generation",
    "ising",
    "layers",
    "metrics",
    "networks",
    "plotting",
    "sequences",
    "text",
    "training",
]

_SUBMODULES = frozenset(__all__) - {"__version__"}


def __getattr__(name):
    # PEP 562: import a submodule the first time it is asked for.
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
