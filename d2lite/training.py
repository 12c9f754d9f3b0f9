"""The training loop's tools for the language-model lessons (notebooks 04-08).

* `clip_gradients`: the slides' g ← min(1, θ/‖g‖) g, written out with `keras.ops`.
* `EpochTimer`: a callback that records the training time of every epoch.
* `StopBelow`: a callback that ends training once a logged loss falls below a
  threshold: how many updates a model needs to learn a task (notebook 06, part 2).
* `step_times`: the time of single training steps of several models, taken in turn on
  the same batch (GRU against LSTM, notebook 06).
* `ResetStates`, `reset_states`: zero the states of stateful RNN layers at the
  start of every epoch and before evaluating (truncated BPTT, notebook 04).

The models themselves are built by `d2lite.networks`, measured by
`d2lite.metrics.Perplexity`, and write text with `d2lite.generation.generate`.
Nothing happens at import: no backend work, no seeds, no logging changed.
"""

import time

import keras
import numpy as np
from keras import ops

# networks imports layers and metrics: with `from d2lite import training` every d2lite cell,
# `OneHot` and `Perplexity` is registered, so `keras.saving.load_model` rebuilds saved models.
from d2lite import _validate, layers, metrics, networks  # noqa: F401

__all__ = ["EpochTimer", "ResetStates", "StopBelow", "clip_gradients", "reset_states",
           "step_times"]


# ---------------------------------------------------------------- gradients


def clip_gradients(grads, theta):
    """Clip gradients to a global norm θ: g ← min(1, θ / ‖g‖) g.

    ‖g‖ is the norm of all gradients together, as if concatenated into one
    vector, so the direction of the update is kept and only its length is
    capped at θ. This is what `keras.optimizers.Optimizer(global_clipnorm=θ)`
    does before each update.

    The norm is computed without overflow or underflow: every gradient is
    divided by the largest magnitude m among them before squaring, so
    ‖g‖ = m ‖g / m‖, and the sum of squares is accumulated in float32 (float64
    if a gradient is float64). float16 gradients whose squares would overflow
    float16 (|g| > 256) are clipped correctly, and every gradient comes back
    in its own dtype. It uses `keras.ops` only, so it also runs inside a
    traced train step (`tf.function`, `jax.jit`).

    Args:
        grads: a list (or tuple) of floating-point gradient tensors or arrays,
            any mix of float16, bfloat16, float32 and float64; None entries
            (Keras's gradient of a variable the loss does not use) are passed
            through as None.
        theta: the threshold θ, a finite positive number.

    Returns:
        A list of tensors: the clipped gradients, each in its own dtype (on
        JAX without `jax_enable_x64`, float64 arrays become float32 tensors,
        as every JAX array does), None where `grads` had None. If a gradient
        holds NaN or ±inf the norm is undefined and every returned gradient
        is NaN, as `tf.clip_by_global_norm` does, so a diverged step shows
        instead of being scaled to a plausible size.

    Raises:
        ValueError: if `theta` is not a finite positive number, `grads` is not
            a list or tuple, or a gradient is not floating point. Integer
            (and bool or complex) gradients are refused rather than scaled:
            no autodiff gives them, and min(1, θ/‖g‖) g cannot be stored in
            an integer dtype. Cast them first, e.g. `g.astype("float32")`.

    Example:
        >>> g = clip_gradients([np.array([3.0, 0.0]), np.array([4.0])], theta=1.0)
        >>> [keras.ops.convert_to_numpy(t).astype("float64").round(2).tolist() for t in g]
        [[0.6, 0.0], [0.8]]
        >>> big = clip_gradients([np.full(4, 1000.0, "float16")], theta=1.0)[0]  # 1000² > 65504
        >>> big.dtype == "float16", keras.ops.convert_to_numpy(big).tolist()
        (True, [0.5, 0.5, 0.5, 0.5])
    """
    theta = _validate.positive_number(theta, "theta")
    if not isinstance(grads, (list, tuple)):
        raise _invalid("grads", "a list of gradient tensors (one per variable)", grads)
    tensors = []
    for i, g in enumerate(grads):
        if g is None:
            tensors.append(None)
            continue
        try:
            t = ops.convert_to_tensor(g)
        except Exception as error:  # the backends raise TypeError, ValueError or their own
            raise ValueError(
                f"Received an invalid value for argument `grads`: entry {i} is not a tensor "
                f"of numbers, got {_describe(g)!r} ({type(error).__name__}: {error})") from None
        dtype = keras.backend.standardize_dtype(t.dtype)
        if not keras.backend.is_float_dtype(dtype):
            raise ValueError(
                f"Received an invalid value for argument `grads`: entry {i} has dtype {dtype}, "
                "expected floating-point gradients (float16, bfloat16, float32 or float64). "
                "Clipping scales a gradient by min(1, theta / norm), which an integer dtype "
                f"cannot hold; cast it first, e.g. `g.astype('float32')`.")
        tensors.append(t)
    present = [t for t in tensors if t is not None]
    if not present:
        return list(tensors)
    # Accumulate in float32, or float64 if a gradient is float64 (never in float16).
    acc = keras.backend.result_type("float32", *(t.dtype for t in present))
    wide = [ops.cast(t, acc) for t in present]
    # m = max |g| over every gradient; ‖g‖ = m ‖g / m‖, whose squares are all <= 1.
    m = ops.max(ops.stack([ops.max(ops.abs(w), initial=0.0) for w in wide]))
    finite = ops.isfinite(m)
    divisor = ops.where(ops.logical_and(finite, m > 0), m, ops.ones_like(m))
    # g / m as (g / √m) / √m: XLA divides by multiplying with the reciprocal, and 1 / m
    # is flushed to zero for m > 2**126 in float32; 1 / √m stays a normal number.
    half = ops.sqrt(divisor)
    scaled = [(w / half) / half for w in wide]  # every entry in [-1, 1]
    root = ops.sqrt(sum(ops.sum(ops.square(x)) for x in scaled))  # ‖g‖ / m, >= 1 if m > 0
    # Clip iff ‖g‖ > θ, i.e. ‖g / m‖ > θ / m; then g ← (g / m) · (θ / ‖g / m‖), which
    # forms neither ‖g‖ (it may overflow) nor θ / ‖g‖ (it may underflow).
    clip = root > theta / divisor
    factor = theta / ops.where(clip, root, ops.ones_like(root))
    nan = ops.full_like(m, float("nan"))
    out, pairs = [], iter(zip(wide, scaled))
    for t in tensors:
        if t is None:
            out.append(None)
            continue
        w, x = next(pairs)
        clipped = ops.where(clip, x * factor, w)
        clipped = ops.where(finite, clipped, nan)
        out.append(ops.cast(clipped, t.dtype))
    return out


def _invalid(name, expected, value):
    """`_validate.invalid`, with an array described by its type, dtype and shape."""
    return _validate.invalid(name, expected, _describe(value))


def _describe(value):
    """`value`, or for an array or tensor a description: type, dtype and shape."""
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, (list, tuple)):
        dtype = getattr(value, "dtype", "")
        return _validate.Described(f"{type(value).__name__} of dtype {dtype} and shape "
                                   f"{tuple(shape)}")
    return _validate.shown(value)


# ---------------------------------------------------------------- callbacks


class EpochTimer(keras.callbacks.Callback):
    """Record the seconds of every training epoch, by the wall clock or the processor.

    Each `fit` it is passed to starts a new record.

    Args:
        clock: "wall" (default) for elapsed real time (`time.perf_counter`), what a
            student waits; or "process" for the processor time of this process, all
            its threads summed (`time.process_time`): the work done, which other
            programs on the machine change much less than they change the wall time.
            Keyword only.

    Attributes:
        clock: the clock, "wall" or "process".
        times: seconds of each epoch of the last `fit`, in order (validation
            included); empty before any.
        total: seconds from the start of that `fit` to the end of its last
            epoch (the first epoch includes tracing and compiling); 0.0 before any.

    Raises:
        ValueError: for a `clock` other than "wall" or "process".

    Example:
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> timer, work = EpochTimer(), EpochTimer(clock="process")
        >>> _ = model.fit(np.zeros((4, 2)), np.zeros(4), epochs=2, callbacks=[timer, work], verbose=0)
        >>> len(timer.times), len(work.times), bool(timer.total >= timer.times[-1] > 0)
        (2, 2, True)
    """

    _CLOCKS = {"wall": time.perf_counter, "process": time.process_time}

    def __init__(self, *, clock="wall"):
        super().__init__()
        if not isinstance(clock, str) or clock not in self._CLOCKS:
            raise _validate.invalid("clock", '"wall" or "process"', clock)
        self.clock = clock
        self._now = self._CLOCKS[clock]
        self.times = []
        self.total = 0.0
        self._start = self._last = None

    def on_train_begin(self, logs=None):
        self.times = []
        self.total = 0.0
        self._start = self._last = self._now()

    def on_epoch_end(self, epoch, logs=None):
        if self._start is None:
            raise RuntimeError(
                "EpochTimer.on_epoch_end was called before on_train_begin, so there is no "
                "start time to measure from; pass the timer to `model.fit(..., "
                "callbacks=[timer])`, which calls both.")
        now = self._now()
        self.times.append(now - self._last)
        self.total = now - self._start
        self._last = now


class StopBelow(keras.callbacks.Callback):
    """End training after the first epoch whose logged `monitor` is below `threshold`.

    Keras's `EarlyStopping` stops when a quantity stops improving; this stops
    when it is good enough, so the number of epochs run measures how long a
    model takes to learn a task. With epochs of a fixed number of updates, that
    is the number of updates needed, to within one epoch, or the whole budget
    (`epochs`) if the quantity never gets there.

    Args:
        threshold: stop when `logs[monitor] < threshold`, a finite number.
        monitor: the name of the logged quantity, a non-empty string (default
            "loss", the training loss; e.g. "val_loss").

    Attributes:
        epochs_run: epochs of the last `fit` (its `history` has as many entries).
        stopped: True if the last `fit` ended because `monitor` fell below
            `threshold`, False if it used up its epochs.

    Raises:
        ValueError: for a threshold that is not a finite number, or a monitor that
            is not a non-empty string; at the end of an epoch, if `monitor` is not
            among the logged quantities (the message lists them).

    Example:
        >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        >>> model.compile(keras.optimizers.SGD(0.1), "mse")
        >>> stop = StopBelow(1e-3)
        >>> x = np.linspace(-1, 1, 32).reshape(-1, 1)
        >>> _ = model.fit(x, 3 * x, epochs=500, batch_size=32, callbacks=[stop], verbose=0)
        >>> stop.stopped, 1 < stop.epochs_run < 500
        (True, True)
    """

    def __init__(self, threshold, monitor="loss"):
        super().__init__()
        if (isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number))
                or not np.isfinite(threshold)):
            raise _validate.invalid("threshold", "a finite number", threshold)
        if not isinstance(monitor, str) or not monitor:
            raise _validate.invalid("monitor", "a non-empty string", monitor)
        self.threshold = float(threshold)
        self.monitor = monitor
        self.epochs_run = 0
        self.stopped = False

    def on_train_begin(self, logs=None):
        self.epochs_run = 0
        self.stopped = False

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(
                f"StopBelow monitors {self.monitor!r}, which this fit does not log; it logs "
                f"{sorted(logs)}.")
        self.epochs_run += 1
        if float(logs[self.monitor]) < self.threshold:
            self.stopped = True
            self.model.stop_training = True


# ---------------------------------------------------------------- Notebook 06: timing steps


def step_times(models, x, y, steps=20):
    """Time single training steps of several compiled models on the same batch, in turn.

    Every model first takes one step that is not timed (tracing and compiling). Then
    the models take `steps` rounds of one step each, in turn, so that a busy moment of
    the machine slows all of them alike: compare medians, and ratios between models,
    not single times. Each step updates the model's weights, so time fresh models.

    Args:
        models: a dict of name → compiled `keras.Model`.
        x: the inputs of one batch.
        y: the targets of that batch.
        steps: timed steps per model, a positive integer (default 20).

    Returns:
        A dict of name → dict with "wall" and "process", NumPy arrays of the
        `steps` times in seconds (elapsed and processor time, as in `EpochTimer`).

    Raises:
        ValueError: for an empty `models`, a value in it that is not a Keras model,
            or a `steps` that is not a positive integer.

    Example:
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> times = step_times({"dense": model}, np.zeros((4, 2)), np.zeros(4), steps=3)
        >>> sorted(times["dense"]), times["dense"]["wall"].shape
        (['process', 'wall'], (3,))
    """
    steps = _validate.integer(steps, "steps")
    if not isinstance(models, dict) or not models:
        raise _invalid("models", "a non-empty dict of name -> compiled keras.Model", models)
    for name, model in models.items():
        if not isinstance(model, keras.Model):
            raise _invalid(f"models[{name!r}]", "a compiled keras.Model", model)
    for model in models.values():
        model.train_on_batch(x, y)
    wall = {name: [] for name in models}
    work = {name: [] for name in models}
    for _ in range(steps):
        for name, model in models.items():
            start, start_work = time.perf_counter(), time.process_time()
            model.train_on_batch(x, y)
            wall[name].append(time.perf_counter() - start)
            work[name].append(time.process_time() - start_work)
    return {name: {"wall": np.array(wall[name]), "process": np.array(work[name])} for name in models}


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

    Raises:
        ValueError: if `model` is not a Keras layer or model (e.g. None, or a
            `keras.callbacks.History`), which would otherwise reset nothing
            and return 0 without a word.

    Example:
        >>> model = d2lite.networks.language_model(28, cell="rnn", units=8, stateful=True,
        ...                                        batch_size=2)
        >>> _ = model(np.ones((2, 5), "int32"))
        >>> reset_states(model)
        1
    """
    if not isinstance(model, keras.layers.Layer):
        raise _invalid("model", "a Keras model or layer", model)
    found = _stateful_layers(model)
    for layer in found:
        layer.reset_state()
    return len(found)


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
        on_test: also reset before every evaluation (default True), True or False.

    Raises:
        ValueError: for an `on_test` that is not True or False; and when
            `fit` (or, with `on_test=True`, `evaluate`) starts on a model
            without a stateful recurrent layer, where it would do nothing.

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
        self.on_test = _validate.flag(on_test, "on_test")

    def _check_stateful(self):
        if not _stateful_layers(self.model):
            raise ValueError(
                f"Model {self.model.name!r} has no stateful recurrent layer, so `ResetStates` has "
                "nothing to reset; build it with `stateful=True` (e.g. "
                "`d2lite.networks.language_model(..., stateful=True, batch_size=...)`)."
            )

    def on_train_begin(self, logs=None):
        self._check_stateful()

    def on_epoch_begin(self, epoch, logs=None):
        reset_states(self.model)

    def on_test_begin(self, logs=None):
        if self.on_test:
            self._check_stateful()  # `evaluate` alone calls no on_train_begin
            reset_states(self.model)
