"""Models of the language-model and classification lessons (notebooks 04-08).

* `language_model`: a character-level language model, (one-hot or embedding)
  → recurrent layer(s) of d2lite cells → `Dense` logits over the vocabulary,
  compiled with Adam, gradient clipping (`global_clipnorm`) and the
  `d2lite.metrics.Perplexity` metric.
* `RECIPE`, `recipe`: the settings (model size, `num_steps`, `batch_size`,
  learning rate, epochs) that reach the series' validation-perplexity targets
  on the Time Machine in a short training run; `language_model` uses them as
  defaults.
* `OneHot`: the layer that turns token indices into one-hot vectors.
* `sequence_classifier`: a many-to-one classifier, `Embedding(mask_zero=True)`
  → `keras.layers.RNN` of a d2lite cell → `Dense` logits (notebook 04).

Nothing happens at import: no backend work, no seeds, no logging changed.
"""

import numbers

import keras
from keras import ops

from d2lite import _validate, layers
from d2lite.metrics import Perplexity

__all__ = ["OneHot", "RECIPE", "language_model", "recipe", "sequence_classifier"]

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
    on logits and the `d2lite.metrics.Perplexity` metric.

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
            (truncated BPTT); reset them with `d2lite.training.ResetStates`.
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
