"""Training helpers for the language-model lessons (notebooks 04-08).

* `language_model`: a character-level language model, (one-hot or embedding)
  → recurrent layer(s) of d2lite cells → `Dense` logits over the vocabulary,
  compiled with Adam, gradient clipping (`global_clipnorm`) and `Perplexity`.
* `RECIPE`: the settings (model size, `num_steps`, `batch_size`, learning
  rate, epochs) that reach the series' validation-perplexity targets on the
  Time Machine in a short training run; `language_model` uses them as defaults.
* `clip_gradients`: the slides' g ← min(1, θ/‖g‖) g, written out with `keras.ops`.
* `Perplexity`: exp of the mean cross-entropy, a Keras metric.
* `generate`: text from a prefix, greedy or sampled with a temperature, one
  token at a time through a compiled step function that carries the states.
* `EpochTimer`: a callback that records the training time of every epoch.
* `ResetStates`, `reset_states`: zero the states of stateful RNN layers at the
  start of every epoch and before evaluating (truncated BPTT, notebook 04).
* `sequence_classifier`: a many-to-one classifier, `Embedding(mask_zero=True)`
  → `keras.layers.RNN` of a d2lite cell → `Dense` logits (notebook 04).
* `check_mask`: validate a padding mask against the inputs of an RNN layer.

Nothing happens at import: no backend work, no seeds, no logging changed.
"""

import numbers
import time
import weakref

import keras
import numpy as np
from keras import ops

from d2lite import _validate

__all__ = [
    "EpochTimer",
    "OneHot",
    "Perplexity",
    "RECIPE",
    "ResetStates",
    "check_mask",
    "clip_gradients",
    "gate_activations",
    "generate",
    "language_model",
    "recipe",
    "reset_states",
    "sequence_classifier",
]

# Settings measured on the Time Machine (char tokens, last 10% held out) on a
# 2-core CPU with the TensorFlow backend; see benchmarks/lm_recipe.py.
RECIPE = {
    "rnn": {"units": 256, "num_steps": 64, "batch_size": 64, "learning_rate": 0.005,
            "epochs": 10},
    # Gated cells: shorter pieces (more updates per epoch) and a larger step size reach
    # a held-out perplexity of about 4.6 in 4-5 epochs. The LSTM gains from smaller
    # batches still; the GRU, whose candidate state waits for its reset gate (two
    # dependent matmuls per step), pays more for the extra steps than it gains.
    "gru": {"units": 256, "num_steps": 32, "batch_size": 64, "learning_rate": 0.01,
            "epochs": 4},
    "lstm": {"units": 256, "num_steps": 32, "batch_size": 32, "learning_rate": 0.02,
             "epochs": 5},
}
_CELL_NAMES = tuple(RECIPE)



def recipe(cell="lstm"):
    """Return a copy of the training settings for `cell` ("rnn", "gru" or "lstm").

    Args:
        cell: "rnn", "gru" or "lstm" (default "lstm").

    Returns:
        A dict with `units`, `num_steps`, `batch_size`, `learning_rate` and `epochs`.

    Example:
        >>> r = recipe("gru")
        >>> sorted(r)
        ['batch_size', 'epochs', 'learning_rate', 'num_steps', 'units']
    """
    if cell not in RECIPE:
        raise _validate.invalid("cell", f"one of {', '.join(map(repr, _CELL_NAMES))}", cell)
    return dict(RECIPE[cell])


# ---------------------------------------------------------------- layers


@keras.saving.register_keras_serializable(package="d2lite")
class OneHot(keras.layers.Layer):
    """One-hot encode integer token indices: `(batch, steps)` → `(batch, steps, num_tokens)`.

    Args:
        num_tokens: the vocabulary size, a positive integer.
        **kwargs: base layer arguments, such as `name`.

    Example:
        >>> tuple(OneHot(4)(np.array([[0, 3]])).shape)
        (1, 2, 4)
    """

    def __init__(self, num_tokens, **kwargs):
        super().__init__(**kwargs)
        self.num_tokens = _validate.integer(num_tokens, "num_tokens")

    def call(self, inputs):
        return ops.one_hot(ops.cast(inputs, "int32"), self.num_tokens, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens}


def _make_cell(cell, units, layer_index, num_layers):
    from d2lite import layers

    if isinstance(cell, str):
        classes = {"rnn": layers.SimpleRNNCell, "gru": layers.GRUCell, "lstm": layers.LSTMCell}
        if cell not in classes:
            raise _validate.invalid(
                "cell", f"one of {', '.join(map(repr, _CELL_NAMES))}, a cell or a cell class",
                cell)
        return classes[cell](units)
    if isinstance(cell, keras.layers.Layer):
        if num_layers > 1:
            raise ValueError(
                f"Received a cell instance for `cell` with num_layers={num_layers}; a cell "
                "instance can serve one layer only. Pass a cell class or a callable "
                "`units -> cell` to build one cell per layer."
            )
        return cell
    if callable(cell):
        made = cell(units)
        if not hasattr(made, "state_size"):
            raise _validate.invalid("cell", "a callable returning an RNN cell (with `state_size`)",
                           made)
        return made
    raise _validate.invalid("cell", "'rnn', 'gru', 'lstm', a cell or a cell class", cell)


def language_model(vocab_size, cell="lstm", units=None, num_layers=1, dropout=0.0,
                   embedding_dim=None, learning_rate=None, clipnorm=1.0, jit_compile=None,
                   steps_per_execution=1, unroll=False, stateful=False, batch_size=None,
                   compile=True, name=None):
    """Build (and compile) a character-level language model.

    tokens `(batch, steps)` → one-hot (or `Embedding`) → `num_layers`
    `keras.layers.RNN` layers of d2lite cells (`return_sequences=True`, with
    `Dropout` between layers only) → `Dense(vocab_size)`, the logits of the
    next token at every step. Compiled with Adam, gradient clipping to a
    global norm of `clipnorm` (Keras's `global_clipnorm`), the cross-entropy
    on logits and the `Perplexity` metric.

    Args:
        vocab_size: number of tokens, a positive integer.
        cell: "rnn", "gru" or "lstm" (default "lstm") for d2lite's
            `SimpleRNNCell`, `GRUCell` or `LSTMCell`; or a cell class or a
            callable `units -> cell` (one cell per layer); or a cell instance
            (`num_layers=1` only).
        units: hidden size (default None: `RECIPE[cell]["units"]`, or 256
            for a custom cell).
        num_layers: number of stacked recurrent layers (default 1).
        dropout: dropout rate between recurrent layers, in [0, 1) (default 0).
        embedding_dim: None (default) for one-hot inputs, or the size of a
            learned `Embedding`.
        learning_rate: Adam's learning rate (default None: the recipe's).
        clipnorm: θ, the global gradient norm to clip to (default 1.0); None
            for no clipping.
        jit_compile: passed to `compile` (default None: False on the
            TensorFlow backend, True on the others). On a CPU, TensorFlow's
            own kernels run these recurrent loops faster than XLA (measured
            here: an epoch of the RNN recipe 2.9x, LSTM 1.6x, GRU 1.0x the
            time without XLA; `benchmarks/jit_compile.py`), while JAX
            needs `jit` to be fast at all.
        steps_per_execution: passed to `compile` (default 1).
        unroll: passed to `keras.layers.RNN` (default False): True writes out
            every time step in the graph instead of looping.
        stateful: passed to every `keras.layers.RNN` (default False). True
            keeps the last states of a batch as the initial states of the
            next, for batches from `d2lite.sequences.sequential_dataset`
            (truncated BPTT); reset them with the `ResetStates` callback.
        batch_size: a fixed batch size for the input (default None: any);
            required with `stateful=True`, which keeps one state per row.
        compile: compile the model (default True).
        name: model name (default None: e.g. "lstm_lm", "stateful_lstm_lm").

    Returns:
        A `keras.Model` mapping int tokens `(batch, steps)` to logits
        `(batch, steps, vocab_size)`.

    Raises:
        ValueError: for an invalid argument, e.g. `stateful=True` without a
            `batch_size`.

    Example:
        >>> model = language_model(28, cell="gru", units=32)
        >>> tuple(model(np.zeros((2, 5), "int32")).shape)
        (2, 5, 28)
        >>> stateful = language_model(28, cell="gru", units=32, stateful=True, batch_size=2)
        >>> stateful.input_shape, stateful.get_layer("rnn_1").stateful
        ((2, None), True)
    """
    vocab_size = _validate.integer(vocab_size, "vocab_size")
    num_layers = _validate.integer(num_layers, "num_layers")
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not (
        0 <= dropout < 1
    ):
        raise _validate.invalid("dropout", "a number in [0, 1)", dropout)
    settings = RECIPE.get(cell) if isinstance(cell, str) else None
    if units is None:
        units = settings["units"] if settings else 256
    units = _validate.integer(units, "units")
    if learning_rate is None:
        learning_rate = settings["learning_rate"] if settings else 0.005
    if embedding_dim is not None:
        embedding_dim = _validate.integer(embedding_dim, "embedding_dim")
    if clipnorm is not None:
        clipnorm = _validate.positive_number(clipnorm, "clipnorm")
    if jit_compile is None:
        jit_compile = keras.backend.backend() != "tensorflow"
    stateful = bool(stateful)
    if batch_size is not None:
        batch_size = _validate.integer(batch_size, "batch_size")
    elif stateful:
        raise _validate.invalid("batch_size", "a positive integer with `stateful=True` (a stateful RNN "
                       "keeps one state per row of a fixed batch)", batch_size)

    inputs = keras.Input(batch_shape=(batch_size, None), dtype="int32", name="tokens")
    if embedding_dim is None:
        x = OneHot(vocab_size, name="one_hot")(inputs)
    else:
        x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(inputs)
    for i in range(num_layers):
        if i > 0 and dropout > 0:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
        rnn_cell = _make_cell(cell, units, i, num_layers)
        x = keras.layers.RNN(rnn_cell, return_sequences=True, unroll=unroll,
                             stateful=stateful, name=f"rnn_{i + 1}")(x)
    outputs = keras.layers.Dense(vocab_size, name="logits")(x)
    if name is None:
        name = f"{cell}_lm" if isinstance(cell, str) else "rnn_lm"
        name = f"stateful_{name}" if stateful else name
    model = keras.Model(inputs, outputs, name=name)
    if compile:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=[Perplexity()],
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
        )
    return model


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
        >>> [np.round(keras.ops.convert_to_numpy(t), 2).tolist() for t in g]
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


# ---------------------------------------------------------------- metrics


@keras.saving.register_keras_serializable(package="d2lite")
class Perplexity(keras.metrics.Metric):
    """Perplexity: exp of the mean cross-entropy per token, over all tokens seen.

    exp(−(1/n) Σ_t log P(x_t | x_<t)). 1 is a perfect model; a model that
    guesses uniformly among V tokens scores V. Accumulated over batches as a
    sum of cross-entropies and a count of tokens, so it is the perplexity of
    the whole epoch or validation set, not an average of batch perplexities.

    Args:
        from_logits: whether `y_pred` holds logits (default True) or probabilities.
        name: metric name (default "perplexity"; Keras logs the validation
            value as "val_perplexity").
        dtype: metric dtype (default None).

    Example:
        >>> m = Perplexity()
        >>> m.update_state(np.array([[1]]), np.log(np.array([[[0.5, 0.5]]])))
        >>> float(m.result())
        2.0
    """

    def __init__(self, from_logits=True, name="perplexity", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype="float32",
                                       name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype="float32",
                                       name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(ops.convert_to_tensor(y_true), "int32")
        ce = keras.losses.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=self.from_logits)
        ce = ops.cast(ce, "float32")
        if sample_weight is None:
            weight = ops.ones_like(ce)
        else:
            weight = ops.broadcast_to(ops.cast(sample_weight, "float32"), ops.shape(ce))
        self.total.assign_add(ops.sum(ce * weight))
        self.count.assign_add(ops.sum(weight))

    def result(self):
        return ops.exp(ops.divide_no_nan(self.total, self.count))

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}


# ---------------------------------------------------------------- callbacks


class EpochTimer(keras.callbacks.Callback):
    """Record the wall-clock seconds of every training epoch.

    Attributes:
        times: seconds of each epoch, in order (validation included).
        total: seconds from the start of `fit` to the end of the last epoch
            (the first epoch includes tracing and compiling).

    Example:
        >>> timer = EpochTimer()
        >>> model.fit(train, epochs=2, callbacks=[timer], verbose=0)  # doctest: +SKIP
        >>> timer.total, timer.times  # doctest: +SKIP
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


# ---------------------------------------------------------------- generation

# model -> (step model, state sizes); weak keys so a deleted model frees its step model.
_STEP_MODELS = weakref.WeakKeyDictionary()


def _state_sizes(cell):
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


def _step_model(model):
    """A functional model (token, *states) -> (logits, *states) sharing `model`'s layers."""
    if model in _STEP_MODELS:
        return _STEP_MODELS[model]
    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built yet; call or fit it first.")
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    token = keras.Input(batch_shape=(1, 1), dtype="int32", name="token")
    x = token
    state_inputs, state_outputs, sizes = [], [], []
    for layer in layers:
        if isinstance(layer, keras.layers.Bidirectional):
            raise ValueError(
                f"Layer {layer.name!r} is bidirectional: its backward half reads the future, "
                "which does not exist yet while generating. A bidirectional model cannot "
                "generate text."
            )
        if isinstance(layer, keras.layers.RNN):
            if layer.go_backwards:
                raise ValueError(f"Layer {layer.name!r} reads the sequence backwards "
                                 "(`go_backwards=True`) and cannot generate text.")
            if not layer.return_sequences:
                raise ValueError(f"Layer {layer.name!r} has `return_sequences=False`; a "
                                 "language model predicts at every step.")
            cell = layer.cell
            inputs = [keras.Input(batch_shape=(1, s), name=f"{layer.name}_state_{j}")
                      for j, s in enumerate(_state_sizes(cell))]
            out, new = cell(x[:, 0], inputs if len(inputs) > 1 else inputs)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            x = ops.expand_dims(out, 1)
            state_inputs += inputs
            state_outputs += new
            sizes += _state_sizes(cell)
        else:
            # Embedding, one-hot, dropout, dense...: each time step on its own.
            x = layer(x)
    if len(x.shape) != 3:
        raise ValueError(
            f"Model {model.name!r} should map tokens (batch, steps) to logits (batch, steps, "
            f"vocab_size); one step gives shape {tuple(x.shape)}."
        )
    step = keras.Model([token, *state_inputs], [x[:, 0], *state_outputs],
                       name=f"{model.name}_step")
    _STEP_MODELS[model] = (step, sizes)
    return step, sizes


def generate(model, vocab, prefix, num_chars=50, sample=False, temperature=1.0, seed=None):
    """Continue `prefix` with `num_chars` tokens predicted by a language model.

    The prefix is read one token at a time to warm up the hidden states
    (the predictions made while reading it are ignored); then every new token
    is the argmax of the logits (greedy, default) or is drawn from
    softmax(logits / temperature) (`sample=True`) and fed back as the next
    input. The states are carried by a step model, `(token, states) →
    (logits, states)`, built once per model from the same layers (so it
    shares the trained weights) and run with the compiled
    `predict_on_batch`, not `model.predict` per token.

    Args:
        model: a language model such as `language_model` builds: token
            layers (embedding, one-hot, dense, dropout) and `keras.layers.RNN`
            layers with `return_sequences=True`. Not bidirectional.
        vocab: a `d2lite.text.Vocab` (or any object with `__contains__`,
            `__getitem__` for a list of tokens and `to_tokens`).
        prefix: a non-empty string (characters are tokens) or list of tokens;
            every token must be in `vocab`.
        num_chars: number of tokens to generate, an integer >= 0 (default 50).
        sample: False (default) for greedy decoding, True for sampling.
        temperature: a positive number (default 1.0), used when sampling:
            below 1 sharpens the distribution, above 1 flattens it.
        seed: int, `np.random.Generator` or None for sampling (default None).

    Returns:
        `prefix` followed by the generated tokens: a string when `prefix` is a
        string, else a list of tokens.

    Example:
        >>> generate(model, vocab, "time traveller", 10)  # doctest: +SKIP
        'time traveller the the '
    """
    if isinstance(prefix, str):
        tokens = list(prefix)
    elif isinstance(prefix, (list, tuple)):
        tokens = list(prefix)
    else:
        raise _validate.invalid("prefix", "a non-empty string or list of tokens", prefix)
    if not tokens:
        raise _validate.invalid("prefix", "a non-empty string or list of tokens (the model needs at "
                       "least one token to start from)", prefix)
    unknown = sorted({t for t in tokens if t not in vocab}, key=tokens.index)
    if unknown:
        raise ValueError(
            f"Received an invalid value for argument `prefix`: {prefix!r} contains tokens that "
            f"are not in the vocabulary: {', '.join(map(repr, unknown))}. Preprocess it the way "
            "the training text was (e.g. d2lite.text.preprocess: letters only, lower case)."
        )
    num_chars = _validate.integer(num_chars, "num_chars", minimum=0)
    temperature = _validate.positive_number(temperature, "temperature")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    step, sizes = _step_model(model)
    states = [np.zeros((1, s), dtype="float32") for s in sizes]
    ids = list(vocab[tokens])
    logits = None
    for i in ids:
        logits, *states = step.predict_on_batch([np.array([[i]], dtype="int32"), *states])
    out = []
    for _ in range(num_chars):
        z = np.asarray(logits[0], dtype="float64")
        if sample:
            z = z / temperature
            p = np.exp(z - z.max())
            nxt = int(rng.choice(len(p), p=p / p.sum()))
        else:
            nxt = int(np.argmax(z))
        out.append(nxt)
        logits, *states = step.predict_on_batch([np.array([[nxt]], dtype="int32"), *states])
    new = vocab.to_tokens(out)
    return prefix + "".join(new) if isinstance(prefix, str) else tokens + list(new)


# ---------------------------------------------------------------- Notebook 05/06: gates

_GATE_NAMES = {
    "rnn": ("H",),
    "gru": ("Z", "R", "H_tilde", "H"),
    "lstm": ("I", "F", "C_tilde", "O", "C", "H"),
}


def _cell_kind(cell):
    """'rnn', 'gru' or 'lstm' for d2lite's and Keras's cells; None for any other cell."""
    from d2lite import layers

    kinds = (("lstm", (layers.LSTMCell, keras.layers.LSTMCell)),
             ("gru", (layers.GRUCell, keras.layers.GRUCell)),
             ("rnn", (layers.SimpleRNNCell, keras.layers.SimpleRNNCell)))
    for kind, classes in kinds:
        if isinstance(cell, classes):
            return kind
    return None


def _gru_gates(cell, x, h):
    """Z, R, H~ of one GRU step, in the slides' form or Keras's `reset_after=True` form."""
    units = cell.units
    kernel, recurrent = cell.kernel, cell.recurrent_kernel
    reset_after = getattr(cell, "reset_after", False)
    if cell.use_bias and reset_after:  # Keras: bias of shape (2, 3 units), input and recurrent
        input_bias, recurrent_bias = cell.bias[0], cell.bias[1]
    else:
        input_bias, recurrent_bias = (cell.bias if cell.use_bias else None), None
    x_all = ops.matmul(x, kernel)
    if input_bias is not None:
        x_all = x_all + input_bias
    x_z, x_r, x_h = ops.split(x_all, 3, axis=-1)
    if reset_after:
        # H~ = tanh(X W_xh + b_xh + R ⊙ (H W_hh + b_hh)): the reset acts after the product.
        inner = ops.matmul(h, recurrent)
        if recurrent_bias is not None:
            inner = inner + recurrent_bias
        h_z, h_r, h_h = ops.split(inner, 3, axis=-1)
        z = cell.recurrent_activation(x_z + h_z)
        r = cell.recurrent_activation(x_r + h_r)
        h_tilde = cell.activation(x_h + r * h_h)
    else:
        # The slides: H~ = tanh(X W_xh + (R ⊙ H) W_hh + b_h).
        z = cell.recurrent_activation(x_z + ops.matmul(h, recurrent[:, :units]))
        r = cell.recurrent_activation(x_r + ops.matmul(h, recurrent[:, units:2 * units]))
        h_tilde = cell.activation(x_h + ops.matmul(r * h, recurrent[:, 2 * units:]))
    return z, r, h_tilde


def gate_activations(cell, inputs, initial_state=None):
    """Run a recurrent cell step by step and return its gates and states at every step.

    `keras.layers.RNN` returns only the hidden states; to look inside a cell
    (e.g. a heatmap of an LSTM's gates over a sentence), this recomputes every
    step from the cell's weights with `keras.ops`, exactly as the cell does,
    and keeps the intermediate values:

    * GRU (slides' form): Z_t = σ(X_t W_xz + H_{t-1} W_hz + b_z),
      R_t = σ(X_t W_xr + H_{t-1} W_hr + b_r),
      H~_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h),
      H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H~_t. Keras's default
      `reset_after=True` form, R_t ⊙ (H_{t-1} W_hh + b_hh), is followed too.
    * LSTM: I_t, F_t, O_t = σ(·), C~_t = tanh(·), C_t = F_t ⊙ C_{t-1} + I_t ⊙ C~_t,
      H_t = O_t ⊙ tanh(C_t).
    * Simple RNN: H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h).

    The cell's own `activation` and `recurrent_activation` are used. Dropout
    (Keras's cells) is ignored, as at inference.

    Args:
        cell: a built `d2lite.layers` `SimpleRNNCell`, `GRUCell` or `LSTMCell`,
            the same Keras cell, or a `keras.layers.RNN` layer (`RNN`, `GRU`,
            `LSTM`, `SimpleRNN`) holding one.
        inputs: the inputs of the recurrent layer, shape `(batch, steps,
            features)` (for a language model: the one-hot or embedded tokens).
        initial_state: None (default: zeros) or a list of the initial states,
            each `(batch, units)`: `[H_0]`, or `[H_0, C_0]` for an LSTM.

    Returns:
        A dict of NumPy arrays of shape `(batch, steps, units)`, by the slides'
        names: `"Z", "R", "H_tilde", "H"` for a GRU; `"I", "F", "C_tilde",
        "O", "C", "H"` for an LSTM; `"H"` for a simple RNN. `"H"` equals the
        output of `keras.layers.RNN(cell, return_sequences=True)`.

    Raises:
        ValueError: for another kind of cell, an unbuilt cell, inputs that are
            not 3-D or do not match the cell's input size, or initial states
            of the wrong number or shape.

    Example:
        >>> rnn = keras.layers.RNN(d2lite.layers.LSTMCell(4), return_sequences=True)
        >>> x = np.ones((2, 5, 3), "float32")
        >>> _ = rnn(x)  # builds the cell
        >>> gates = gate_activations(rnn, x)
        >>> sorted(gates), gates["F"].shape
        (['C', 'C_tilde', 'F', 'H', 'I', 'O'], (2, 5, 4))
    """
    if isinstance(cell, keras.layers.RNN):
        cell = cell.cell
    kind = _cell_kind(cell)
    if kind is None:
        raise _validate.invalid(
            "cell", "a SimpleRNNCell, GRUCell or LSTMCell (d2lite's or Keras's), or a "
            "keras.layers.RNN layer holding one", cell)
    if not cell.built:
        raise ValueError(f"Cell {cell.name!r} is not built yet, so it has no weights to read "
                         "gates from; call it (or its RNN layer) on data first.")
    x = ops.convert_to_tensor(inputs, dtype=cell.kernel.dtype)
    if len(x.shape) != 3:
        raise ValueError(
            "Received an invalid value for argument `inputs`, expected a 3-D tensor of shape "
            f"(batch, steps, features), got shape {tuple(x.shape)}.")
    features = cell.kernel.shape[0]
    if x.shape[-1] != features:
        raise ValueError(
            f"Received an invalid value for argument `inputs`: cell {cell.name!r} takes "
            f"{features} features per step, got inputs of shape {tuple(x.shape)}.")
    batch, units = x.shape[0], cell.units
    num_states = 2 if kind == "lstm" else 1
    if initial_state is None:
        states = [ops.zeros((batch, units), dtype=x.dtype) for _ in range(num_states)]
    else:
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [
            initial_state]
        states = [ops.convert_to_tensor(s, dtype=x.dtype) for s in states]
        if len(states) != num_states or any(tuple(s.shape) != (batch, units) for s in states):
            raise ValueError(
                f"Received an invalid value for argument `initial_state`, expected a list of "
                f"{num_states} state(s) of shape {(batch, units)}, got shapes "
                f"{[tuple(s.shape) for s in states]}.")

    names = _GATE_NAMES[kind]
    trace = {name: [] for name in names}
    for t in range(x.shape[1]):
        x_t = x[:, t]
        if kind == "lstm":
            h, c = states
            z = ops.matmul(x_t, cell.kernel) + ops.matmul(h, cell.recurrent_kernel)
            if cell.use_bias:
                z = z + cell.bias
            z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)  # Keras's gate order i, f, c, o
            i = cell.recurrent_activation(z_i)
            f = cell.recurrent_activation(z_f)
            c_tilde = cell.activation(z_c)
            o = cell.recurrent_activation(z_o)
            c = f * c + i * c_tilde
            h = o * cell.activation(c)
            states, values = [h, c], (i, f, c_tilde, o, c, h)
        elif kind == "gru":
            h_prev = states[0]
            z, r, h_tilde = _gru_gates(cell, x_t, h_prev)
            h = z * h_prev + (1 - z) * h_tilde
            states, values = [h], (z, r, h_tilde, h)
        else:
            a = ops.matmul(x_t, cell.kernel) + ops.matmul(states[0], cell.recurrent_kernel)
            if cell.use_bias:
                a = a + cell.bias
            h = cell.activation(a)
            states, values = [h], (h,)
        for name, value in zip(names, values):
            trace[name].append(value)
    empty = ops.zeros((batch, 0, units), dtype=x.dtype)  # a sequence of no steps
    return {name: ops.convert_to_numpy(ops.stack(values, axis=1) if values else empty)
            for name, values in trace.items()}


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
        >>> model = language_model(28, cell="rnn", units=8, stateful=True, batch_size=2)
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
        >>> model.fit(sequential_ds, validation_data=val_ds, epochs=2, shuffle=False,
        ...           callbacks=[ResetStates()], verbose=0)  # doctest: +SKIP
    """

    def __init__(self, on_test=True):
        super().__init__()
        self.on_test = bool(on_test)

    def on_train_begin(self, logs=None):
        if not _stateful_layers(self.model):
            raise ValueError(
                f"Model {self.model.name!r} has no stateful recurrent layer, so `ResetStates` has "
                "nothing to reset; build it with `stateful=True` (e.g. "
                "`language_model(..., stateful=True, batch_size=...)`)."
            )

    def on_epoch_begin(self, epoch, logs=None):
        reset_states(self.model)

    def on_test_begin(self, logs=None):
        if self.on_test:
            reset_states(self.model)


# ---------------------------------------------------------------- Notebook 04: classifiers


def check_mask(inputs, mask):
    """Check a padding mask against the inputs of a recurrent layer; return it as booleans.

    `keras.layers.RNN` takes `mask` of shape `(batch, timesteps)`, True at
    real steps. A mask of another shape is not caught clearly there: on
    TensorFlow one too short fails deep in the loop ("Tried to read from
    index 4 but array size is: 4"), one with the wrong batch size fails in a
    `SelectV2` broadcast, and one with an extra axis, `(batch, timesteps, 1)`,
    is silently accepted. Call this before passing a mask by hand.

    Args:
        inputs: the sequences, shape `(batch, timesteps, ...)`: embedded
            `(batch, timesteps, features)` or token indices `(batch, timesteps)`.
        mask: booleans (or 0/1) of shape `(batch, timesteps)`.

    Returns:
        `mask` as a boolean tensor of shape `(batch, timesteps)`.

    Raises:
        ValueError: if `inputs` has fewer than 2 axes or `mask` does not have
            the shape `(batch, timesteps)` of `inputs`.

    Example:
        >>> x = np.zeros((2, 5, 3), "float32")
        >>> tuple(check_mask(x, np.ones((2, 5))).shape)
        (2, 5)
        >>> check_mask(x, np.ones((2, 4)))
        Traceback (most recent call last):
        ...
        ValueError: Received an invalid value for argument `mask`, expected a mask of shape (batch, timesteps) = (2, 5) for inputs of shape (2, 5, 3), got shape (2, 4).
    """
    shape = tuple(ops.shape(inputs))
    if len(shape) < 2:
        raise ValueError(
            "Received an invalid value for argument `inputs`, expected sequences of shape "
            f"(batch, timesteps, ...), got shape {shape}."
        )
    mask = ops.convert_to_tensor(mask)
    mask_shape = tuple(ops.shape(mask))
    if mask_shape != shape[:2]:
        raise ValueError(
            "Received an invalid value for argument `mask`, expected a mask of shape "
            f"(batch, timesteps) = {shape[:2]} for inputs of shape {shape}, got shape "
            f"{mask_shape}."
        )
    return ops.cast(mask, "bool")


def sequence_classifier(vocab_size, num_classes=2, cell="gru", units=64, embedding_dim=32,
                        mask_zero=True, learning_rate=0.005, clipnorm=1.0, compile=True,
                        name=None):
    """Build (and compile) a many-to-one classifier of token sequences.

    tokens `(batch, steps)`, padded with index 0 → `Embedding(vocab_size,
    embedding_dim, mask_zero=mask_zero)` → `keras.layers.RNN` of a d2lite
    cell (`return_sequences=False`: only the last state) → `Dense(num_classes)`
    logits. With `mask_zero=True` the embedding passes a mask that is False
    at padding, and the RNN skips those steps: it carries the state over
    unchanged, so the last state is that of the last real token, wherever
    the padding is. Compiled with Adam (global gradient clipping to
    `clipnorm`), the cross-entropy on logits and accuracy.

    Args:
        vocab_size: number of token indices including the padding index 0,
            a positive integer.
        num_classes: number of classes, an integer >= 2 (default 2).
        cell: "rnn", "gru" (default) or "lstm" for d2lite's cells; or a cell
            class, a callable `units -> cell`, or a cell instance.
        units: hidden size, a positive integer (default 64).
        embedding_dim: size of the token embedding, a positive integer (default 32).
        mask_zero: mask index 0 as padding (default True).
        learning_rate: Adam's learning rate (default 0.005).
        clipnorm: global gradient norm to clip to (default 1.0); None for no clipping.
        compile: compile the model (default True).
        name: model name (default None: e.g. "gru_classifier").

    Returns:
        A `keras.Model` mapping int tokens `(batch, steps)` to logits `(batch, num_classes)`.

    Raises:
        ValueError: for an invalid argument.

    Example:
        >>> model = sequence_classifier(100, num_classes=3, cell="lstm", units=8)
        >>> tuple(model(np.array([[5, 7, 0, 0]])).shape)
        (1, 3)
    """
    vocab_size = _validate.integer(vocab_size, "vocab_size")
    num_classes = _validate.integer(num_classes, "num_classes", minimum=2)
    units = _validate.integer(units, "units")
    embedding_dim = _validate.integer(embedding_dim, "embedding_dim")
    learning_rate = _validate.positive_number(learning_rate, "learning_rate")
    if clipnorm is not None:
        clipnorm = _validate.positive_number(clipnorm, "clipnorm")

    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=bool(mask_zero),
                               name="embedding")(inputs)
    x = keras.layers.RNN(_make_cell(cell, units, 0, 1), name="rnn")(x)
    outputs = keras.layers.Dense(num_classes, name="logits")(x)
    if name is None:
        name = f"{cell}_classifier" if isinstance(cell, str) else "rnn_classifier"
    model = keras.Model(inputs, outputs, name=name)
    if compile:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
    return model
