"""The training loop's tools for the language-model lessons (notebooks 04-08).

* `clip_gradients`: the slides' g ← min(1, θ/‖g‖) g, written out with `keras.ops`.
* `EpochTimer`: a callback that records the training time of every epoch.
* `ResetStates`, `reset_states`: zero the states of stateful RNN layers at the
  start of every epoch and before evaluating (truncated BPTT, notebook 04).

The models themselves are built by `d2lite.networks`, measured by
`d2lite.metrics.Perplexity`, and write text with `d2lite.generation.generate`.
Nothing happens at import: no backend work, no seeds, no logging changed.
"""

import time

import keras
from keras import ops

from d2lite import _validate

__all__ = ["EpochTimer", "ResetStates", "clip_gradients", "reset_states"]


# ---------------------------------------------------------------- gradients


def clip_gradients(grads, theta):
    """Clip gradients to a global norm θ: g ← min(1, θ / ‖g‖) g.

    ‖g‖ is the norm of all gradients together, as if concatenated into one
    vector, so the direction of the update is kept and only its length is
    capped at θ. This is what `keras.optimizers.Optimizer(global_clipnorm=θ)`
    does before each update.

    Args:
        grads: a list of gradient tensors (None entries are passed through).
        theta: the threshold θ, a positive number.

    Returns:
        A list of tensors: the clipped gradients.

    Example:
        >>> g = clip_gradients([np.array([3.0, 0.0]), np.array([4.0])], theta=1.0)
        >>> [keras.ops.convert_to_numpy(t).astype("float64").round(2).tolist() for t in g]
        [[0.6, 0.0], [0.8]]
    """
    theta = _validate.positive_number(theta, "theta")
    present = [g for g in grads if g is not None]
    if not present:
        return list(grads)
    norm = ops.sqrt(sum(ops.sum(ops.square(ops.convert_to_tensor(g))) for g in present))
    # min(1, θ/‖g‖) written as θ / max(‖g‖, θ): no division by a zero norm.
    scale = theta / ops.maximum(norm, theta)
    return [None if g is None else ops.convert_to_tensor(g) * ops.cast(scale, g.dtype)
            for g in grads]


# ---------------------------------------------------------------- callbacks


class EpochTimer(keras.callbacks.Callback):
    """Record the wall-clock seconds of every training epoch.

    Attributes:
        times: seconds of each epoch, in order (validation included).
        total: seconds from the start of `fit` to the end of the last epoch
            (the first epoch includes tracing and compiling).

    Example:
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> timer = EpochTimer()
        >>> _ = model.fit(np.zeros((4, 2)), np.zeros(4), epochs=2, callbacks=[timer], verbose=0)
        >>> len(timer.times), bool(timer.total >= timer.times[-1] > 0)
        (2, True)
    """

    def __init__(self):
        super().__init__()
        self.times = []
        self.total = 0.0

    def on_train_begin(self, logs=None):
        self.times = []
        self._start = self._last = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self.times.append(now - self._last)
        self.total = now - self._start
        self._last = now


# ---------------------------------------------------------------- Notebook 04: stateful RNNs


def _stateful_layers(layer):
    """Every layer under `layer` (itself included) that keeps states between batches."""
    found = []
    if getattr(layer, "stateful", False) and hasattr(layer, "reset_state"):
        found.append(layer)
    for sub in getattr(layer, "layers", None) or []:
        found += _stateful_layers(sub)
    return found


def reset_states(model):
    """Zero the states of every stateful recurrent layer of `model`.

    A stateful `keras.layers.RNN` starts every batch from the states its
    previous batch ended with. Before a new pass over the text (a new epoch,
    an evaluation) those states belong to unrelated text and are reset to
    zeros, as at the start of the corpus.

    Args:
        model: a Keras model or layer (nested models and `Bidirectional` wrappers
            are searched too).

    Returns:
        The number of layers whose states were reset (0 for a stateless model).

    Example:
        >>> model = d2lite.networks.language_model(28, cell="rnn", units=8, stateful=True,
        ...                                        batch_size=2)
        >>> _ = model(np.ones((2, 5), "int32"))
        >>> reset_states(model)
        1
    """
    layers = _stateful_layers(model)
    for layer in layers:
        layer.reset_state()
    return len(layers)


class ResetStates(keras.callbacks.Callback):
    """Reset the states of a stateful model at the start of every epoch and before evaluation.

    With `stateful=True`, the states carried from batch to batch must start
    from zeros at the start of the text: at the start of every training epoch
    (`on_epoch_begin`) and of every evaluation (`on_test_begin`, which
    `model.fit` also calls before its validation pass), so the validation
    text is read with states carried from its own beginning, not from the
    end of the training text. Within an epoch or an evaluation the states
    carry over.

    Args:
        on_test: also reset before every evaluation (default True).

    Example:
        >>> model = d2lite.networks.language_model(5, cell="rnn", units=4, stateful=True,
        ...                                        batch_size=2)
        >>> tokens = np.arange(44).reshape(4, 11) % 5  # 2 batches of 2 rows
        >>> history = model.fit(tokens[:, :-1], tokens[:, 1:], batch_size=2, epochs=2,
        ...                     shuffle=False, callbacks=[ResetStates()], verbose=0)
        >>> len(history.history["perplexity"])
        2

    With `d2lite.sequences.sequential_dataset` batches, pass the dataset itself:
    `model.fit(train_ds, validation_data=val_ds, shuffle=False, callbacks=[ResetStates()])`.
    """

    def __init__(self, on_test=True):
        super().__init__()
        self.on_test = bool(on_test)

    def on_train_begin(self, logs=None):
        if not _stateful_layers(self.model):
            raise ValueError(
                f"Model {self.model.name!r} has no stateful recurrent layer, so `ResetStates` has "
                "nothing to reset; build it with `stateful=True` (e.g. "
                "`d2lite.networks.language_model(..., stateful=True, batch_size=...)`)."
            )

    def on_epoch_begin(self, epoch, logs=None):
        reset_states(self.model)

    def on_test_begin(self, logs=None):
        if self.on_test:
            reset_states(self.model)
