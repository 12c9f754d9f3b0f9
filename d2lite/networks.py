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
import warnings

import keras
import numpy as np
from keras import ops

from d2lite import _validate, layers
from d2lite.metrics import Perplexity

__all__ = ["OneHot", "RECIPE", "language_model", "multiply_adds_per_step", "recipe", "sequence_classifier"]

# Settings measured on the Time Machine (char tokens, last 10% held out) on a
# 2-core CPU with the TensorFlow backend; see benchmarks/lm_recipe.py.
RECIPE = {
    # 128 units: on a 2-core CPU an epoch of the notebooks' training takes 0.64 (RNN), 0.51
    # (GRU) and 0.88 (LSTM, whose batches of 32 are bound by per-step overhead) of the time
    # with 256 units, for held-out perplexities within about 0.1-0.3 after as many epochs;
    # the RNN spends its saving on more epochs (16, for 5.3 held out instead of 5.7).
    "rnn": {"units": 128, "num_steps": 64, "batch_size": 64, "learning_rate": 0.005,
            "epochs": 16},
    # Gated cells: shorter pieces (more updates per epoch) and a larger step size reach
    # a held-out perplexity of about 4.5-4.8 in 5 epochs. The LSTM gains from smaller
    # batches still; the GRU, whose candidate state waits for its reset gate (two
    # dependent matmuls per step), pays more for the extra steps than it gains.
    "gru": {"units": 128, "num_steps": 32, "batch_size": 64, "learning_rate": 0.01,
            "epochs": 5},
    "lstm": {"units": 128, "num_steps": 32, "batch_size": 32, "learning_rate": 0.02,
             "epochs": 5},
}
_CELL_NAMES = tuple(RECIPE)


def recipe(cell="lstm"):
    """Return a copy of the training settings for `cell` ("rnn", "gru" or "lstm").

    Args:
        cell: "rnn", "gru" or "lstm" (default "lstm").

    Returns:
        A dict with `units`, `num_steps`, `batch_size`, `learning_rate` and `epochs`.

    Raises:
        ValueError: for any other `cell` (names are lower case).

    Example:
        >>> r = recipe("gru")
        >>> sorted(r)
        ['batch_size', 'epochs', 'learning_rate', 'num_steps', 'units']
    """
    if not isinstance(cell, str) or cell not in RECIPE:
        raise _validate.invalid("cell", f"one of {', '.join(map(repr, _CELL_NAMES))}", cell)
    return dict(RECIPE[cell])


@keras.saving.register_keras_serializable(package="d2lite")
class OneHot(keras.layers.Layer):
    """One-hot encode integer token indices: `(batch, steps)` → `(batch, steps, num_tokens)`.

    Args:
        num_tokens: the vocabulary size, a positive integer.
        **kwargs: base layer arguments, such as `name`.

    Call arguments:
        inputs: token indices, integers in `[0, num_tokens)` (an integer
            tensor, or a float one holding whole numbers).

    Raises:
        ValueError: for a `num_tokens` that is not a positive integer; and, when
            called eagerly (on concrete values: a direct call, `run_eagerly=True`),
            for an index outside `[0, num_tokens)` or a fraction, naming the
            first bad index and where it is. `keras.ops.one_hot` would give a
            row of zeros there, a silently wrong input.

    Inside a traced function (`fit`, `predict`, `jit`, `tf.function`) the
    values are not known when the layer runs, so nothing can be raised: an
    out-of-range index gives a row of NaN instead, so the logits, the loss and
    the metrics of that batch are NaN and the mistake shows.

    Example:
        >>> tuple(OneHot(4)(np.array([[0, 3]])).shape)
        (1, 2, 4)
        >>> OneHot(3, name="one_hot")(np.array([[2, 5, -1]]))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: ...token indices should be integers in [0, 3), got 5 at position (0, 1) (2 of 3 indices out of range)...
    """

    def __init__(self, num_tokens, **kwargs):
        num_tokens = _validate.integer(num_tokens, "num_tokens")
        super().__init__(**kwargs)
        self.num_tokens = num_tokens

    def call(self, inputs):
        inputs = ops.convert_to_tensor(inputs)
        values = layers._concrete(inputs)
        if values is not None:
            layers._check_token_ids(values, self.num_tokens, f"the inputs of OneHot {self.name!r}")
        whole = (ops.cast(inputs, "int32") if keras.backend.is_int_dtype(inputs.dtype)
                 else ops.cast(ops.round(inputs), "int32"))
        encoded = ops.one_hot(whole, self.num_tokens, dtype=self.compute_dtype)
        if values is not None or not keras.backend.is_float_dtype(self.compute_dtype):
            return encoded
        # Traced: no values to check. A bad index becomes a row of NaN, not of zeros.
        valid = ops.logical_and(whole >= 0, whole < self.num_tokens)
        if keras.backend.is_float_dtype(inputs.dtype):
            valid = ops.logical_and(valid, ops.equal(ops.cast(whole, inputs.dtype), inputs))
        return ops.where(ops.expand_dims(valid, -1), encoded,
                         ops.full_like(encoded, float("nan")))

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens}


_CELL_EXPECTED = f"one of {', '.join(map(repr, _CELL_NAMES))}, a cell, a cell class or a " \
    "callable `units -> cell`"


def _check_cell(made, given):
    """`made` if it is an RNN cell (not a whole recurrent layer), else a ValueError."""
    if isinstance(made, keras.layers.RNN):
        raise _validate.invalid(
            "cell", f"{_CELL_EXPECTED}; {type(made).__name__} is a whole recurrent layer, "
            f"pass its cell (e.g. keras.layers.{type(made).__name__}Cell or "
            "d2lite.layers.GRUCell)", given)
    if not isinstance(made, keras.layers.Layer) or not hasattr(made, "state_size"):
        what = "a callable returning an RNN cell (a layer with `state_size`)" \
            if made is not given else _CELL_EXPECTED
        raise _validate.invalid("cell", what, made)
    return made


def _make_cell(cell, units, layer_index, num_layers):
    if isinstance(cell, str):
        classes = {"rnn": layers.SimpleRNNCell, "gru": layers.GRUCell, "lstm": layers.LSTMCell}
        if cell not in classes:
            raise _validate.invalid("cell", _CELL_EXPECTED, cell)
        return classes[cell](units)
    if isinstance(cell, keras.layers.Layer):
        _check_cell(cell, cell)
        if num_layers > 1:
            raise ValueError(
                f"Received a cell instance for `cell` with num_layers={num_layers}; a cell "
                "instance can serve one layer only. Pass a cell class or a callable "
                "`units -> cell` to build one cell per layer."
            )
        return cell
    if callable(cell):
        return _check_cell(cell(units), cell)
    raise _validate.invalid("cell", _CELL_EXPECTED, cell)


def _cell_units(cell, units, default):
    """The hidden size: `units`, or the cell instance's own (which must agree with it)."""
    own = getattr(cell, "units", None) if isinstance(cell, keras.layers.Layer) else None
    if units is None:
        return own if own is not None else default
    units = _validate.integer(units, "units")
    if own is not None and own != units:
        raise ValueError(
            f"Received an invalid value for argument `units`: the cell instance passed as "
            f"`cell` has {own} units, got units={units}. Leave `units` out (None) with a cell "
            "instance, or pass a cell class to build it with `units`.")
    return units


def _rate(value, name):
    """A Keras learning rate: a finite positive number or a LearningRateSchedule."""
    if isinstance(value, keras.optimizers.schedules.LearningRateSchedule):
        return value
    try:
        return _validate.positive_number(value, name)
    except ValueError:
        raise _validate.invalid(
            name, "a finite positive number or a keras.optimizers.schedules."
            "LearningRateSchedule", value) from None


def _jit(value):
    if value is None or (isinstance(value, str) and value == "auto"):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise _validate.invalid("jit_compile", "None, True, False or 'auto'", value)


def _name(value):
    if value is not None and not (isinstance(value, str) and value):
        raise _validate.invalid("name", "None or a non-empty string", value)
    return value


# Parameters past this many (8 GiB of float32) would exhaust the machine's memory while
# the model is built; refused up front instead of swapping or being killed.
_MAX_PARAMETERS = 2**31


def _check_size(sizes, input_dim, units, num_layers, head):
    """Refuse a model whose parameter count (an upper bound: 4 gate blocks) is too large.

    `sizes`: the arguments that set the size, by name, for the message.
    """
    vocab_size = sizes["vocab_size"]
    rnn = 4 * (input_dim * units + units * units + 2 * units)
    rnn += (num_layers - 1) * 4 * (2 * units * units + 2 * units)
    embed = 0 if input_dim == vocab_size else vocab_size * input_dim
    total = embed + rnn + head
    if total > _MAX_PARAMETERS:
        names = [f"`{name}`" for name in sizes]
        raise ValueError(
            f"Received an invalid value for arguments {', '.join(names[:-1])} and {names[-1]}: "
            f"the model would have about {total:.3g} parameters, more than 2**31 (8 GiB of "
            f"float32); got {', '.join(f'{k}={v!r}' for k, v in sizes.items())}.")


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
        units: hidden size, a positive integer (default None:
            `RECIPE[cell]["units"]`, a cell instance's own `units`, or 256
            for a custom cell). With a cell instance it must agree with the
            instance's `units`.
        num_layers: number of stacked recurrent layers, a positive integer
            (default 1).
        dropout: dropout rate between recurrent layers, in [0, 1) (default 0);
            with `num_layers=1` there is no such place, and a rate > 0 warns.
        embedding_dim: None (default) for one-hot inputs, or the size of a
            learned `Embedding`, a positive integer.
        learning_rate: Adam's learning rate, a finite positive number or a
            `keras.optimizers.schedules.LearningRateSchedule` (default None:
            the recipe's). A negative rate would train by gradient ascent, so
            it is refused, as are 0, NaN and inf.
        clipnorm: θ, the global gradient norm to clip to, a finite positive
            number (default 1.0); None for no clipping.
        jit_compile: None, True, False or "auto", passed to `compile` (default None: False on the
            TensorFlow backend, True on the others). On a CPU, TensorFlow's
            own kernels run these recurrent loops faster than XLA (measured
            here: an epoch of the RNN recipe 2.9x, LSTM 1.6x, GRU 1.0x the
            time without XLA; `benchmarks/jit_compile.py`), while JAX
            needs `jit` to be fast at all.
        steps_per_execution: a positive integer passed to `compile` (default 1).
        unroll: passed to `keras.layers.RNN` (default False): True writes out
            every time step in the graph instead of looping.
        stateful: passed to every `keras.layers.RNN` (default False). True
            keeps the last states of a batch as the initial states of the
            next, for batches from `d2lite.sequences.sequential_dataset`
            (truncated BPTT); reset them with `d2lite.training.ResetStates`.
        batch_size: a fixed batch size for the input, a positive integer
            (default None: any); required with `stateful=True`, which keeps
            one state per row.
        compile: compile the model (default True).
        name: model name, a non-empty string (default None: e.g. "lstm_lm",
            "stateful_lstm_lm").

    `unroll`, `stateful` and `compile` are True or False (not 0, 1 or a
    string, whose truth would be a guess).

    Returns:
        A `keras.Model` mapping int tokens `(batch, steps)` to logits
        `(batch, steps, vocab_size)`.

    Raises:
        ValueError: for an invalid argument, naming it and the value received,
            e.g. `stateful=True` without a `batch_size`, a cell name not in
            `RECIPE`, a callable `cell` that returns no cell, or sizes whose
            model would have more than 2**31 parameters (8 GiB), refused
            before any memory is taken.

    Example:
        >>> model = language_model(28, cell="gru", units=32)
        >>> tuple(model(np.zeros((2, 5), "int32")).shape)
        (2, 5, 28)
        >>> stateful = language_model(28, cell="gru", units=32, stateful=True, batch_size=2)
        >>> stateful.input_shape, stateful.get_layer("rnn_1").stateful
        ((2, None), True)
    """
    vocab_size = _validate.integer(vocab_size, "vocab_size")
    if isinstance(cell, str) and cell not in RECIPE:
        raise _validate.invalid("cell", _CELL_EXPECTED, cell)
    num_layers = _validate.integer(num_layers, "num_layers")
    if isinstance(dropout, (bool, np.bool_)) or not isinstance(dropout, numbers.Real) or not (
        0 <= dropout < 1
    ):
        raise _validate.invalid("dropout", "a number in [0, 1)", dropout)
    dropout = float(dropout)
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            f"dropout={dropout} has no effect with num_layers=1: language_model puts dropout "
            "between recurrent layers only. Use num_layers >= 2, or dropout=0.",
            UserWarning, stacklevel=2)
    settings = RECIPE.get(cell) if isinstance(cell, str) else None
    units = _cell_units(cell, units, settings["units"] if settings else 256)
    if learning_rate is None:
        learning_rate = settings["learning_rate"] if settings else 0.005
    learning_rate = _rate(learning_rate, "learning_rate")
    if embedding_dim is not None:
        embedding_dim = _validate.integer(embedding_dim, "embedding_dim")
    if clipnorm is not None:
        clipnorm = _validate.positive_number(clipnorm, "clipnorm")
    jit_compile = _jit(jit_compile)
    if jit_compile is None:
        jit_compile = keras.backend.backend() != "tensorflow"
    steps_per_execution = _validate.integer(steps_per_execution, "steps_per_execution")
    unroll = _validate.flag(unroll, "unroll")
    stateful = _validate.flag(stateful, "stateful")
    compile = _validate.flag(compile, "compile")
    name = _name(name)
    if batch_size is not None:
        batch_size = _validate.integer(batch_size, "batch_size")
    elif stateful:
        raise _validate.invalid("batch_size", "a positive integer with `stateful=True` (a stateful RNN "
                       "keeps one state per row of a fixed batch)", batch_size)
    sizes = {"vocab_size": vocab_size, "units": units, "num_layers": num_layers}
    if embedding_dim is not None:
        sizes["embedding_dim"] = embedding_dim
    _check_size(sizes, embedding_dim or vocab_size, units, num_layers,
                units * vocab_size + vocab_size)

    inputs = keras.Input(batch_shape=(batch_size, None), dtype="int32", name="tokens")
    if embedding_dim is None:
        x = OneHot(vocab_size, name="one_hot")(inputs)
    else:
        x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(inputs)
    cells = []
    for i in range(num_layers):
        if i > 0 and dropout > 0:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
        rnn_cell = _make_cell(cell, units, i, num_layers)
        if any(rnn_cell is c for c in cells):
            raise _validate.invalid(
                "cell", "a callable that builds a new cell for every layer (it returned the "
                "same cell instance twice, which cannot serve two layers)", cell)
        cells.append(rnn_cell)
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


def sequence_classifier(vocab_size, num_classes=2, cell="gru", units=None, embedding_dim=32,
                        mask_zero=True, learning_rate=0.005, clipnorm=1.0, compile=True,
                        jit_compile=None, name=None):
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
            a positive integer (>= 2 with `mask_zero=True`: index 0 is padding).
        num_classes: number of classes, an integer >= 2 (default 2).
        cell: "rnn", "gru" (default) or "lstm" for d2lite's cells; or a cell
            class, a callable `units -> cell`, or a cell instance.
        units: hidden size, a positive integer (default None: 64, or a cell
            instance's own `units`, which an explicit value must agree with).
        embedding_dim: size of the token embedding, a positive integer (default 32).
        mask_zero: mask index 0 as padding (default True), True or False.
        learning_rate: Adam's learning rate, a finite positive number or a
            `LearningRateSchedule` (default 0.005).
        clipnorm: global gradient norm to clip to, a finite positive number
            (default 1.0); None for no clipping.
        compile: compile the model (default True), True or False.
        jit_compile: None, True, False or "auto", passed to `compile` (default
            None: Keras's "auto"). On a CPU, XLA speeds up training on
            fixed-length batches (notebook 06, part 2: about 2x per update on
            TensorFlow) but compiles again for every new batch shape, so leave
            it off for the variable lengths of `sequences.bucket_dataset`.
        name: model name, a non-empty string (default None: e.g. "gru_classifier").

    Returns:
        A `keras.Model` mapping int tokens `(batch, steps)` to logits `(batch, num_classes)`.

    Raises:
        ValueError: for an invalid argument, naming it and the value received.

    Example:
        >>> model = sequence_classifier(100, num_classes=3, cell="lstm", units=8)
        >>> tuple(model(np.array([[5, 7, 0, 0]])).shape)
        (1, 3)
    """
    mask_zero = _validate.flag(mask_zero, "mask_zero")
    vocab_size = _validate.integer(vocab_size, "vocab_size", minimum=2 if mask_zero else 1)
    num_classes = _validate.integer(num_classes, "num_classes", minimum=2)
    if isinstance(cell, str) and cell not in RECIPE:
        raise _validate.invalid("cell", _CELL_EXPECTED, cell)
    units = _cell_units(cell, units, 64)
    embedding_dim = _validate.integer(embedding_dim, "embedding_dim")
    learning_rate = _rate(learning_rate, "learning_rate")
    if clipnorm is not None:
        clipnorm = _validate.positive_number(clipnorm, "clipnorm")
    compile = _validate.flag(compile, "compile")
    jit_compile = _jit(jit_compile)
    name = _name(name)
    _check_size({"vocab_size": vocab_size, "units": units, "embedding_dim": embedding_dim,
                 "num_classes": num_classes},
                embedding_dim, units, 1, units * num_classes + num_classes)

    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=mask_zero,
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
            jit_compile="auto" if jit_compile is None else jit_compile,
        )
    return model


def multiply_adds_per_step(model):
    r"""Count the multiply-adds of one time step of the recurrent layers of `model`.

    A step multiplies its input by the layer's `kernel` and its state by its
    `recurrent_kernel`: one multiply-add per weight of the two. For an input of $d$
    features and $h$ units a cell with $g$ blocks of weights ($g = 1$ for a plain RNN,
    3 for a GRU, 4 for an LSTM) does $g\,(dh + h^2)$ of them per example and step.
    Biases, gate nonlinearities and the element-wise products are left out: they grow
    with $h$, the products with $h^2$. Every `keras.layers.RNN` of the model counts
    (a stack adds up its layers; both directions of a `Bidirectional` count).

    Args:
        model: a built Keras model (or layer) holding recurrent layers.

    Returns:
        The count, an `int` (0 for a model without recurrent layers).

    Raises:
        ValueError: when `model` is not a Keras layer or model, or is not built yet.

    Example:
        >>> lm = language_model(28, cell="gru", units=8, compile=False)
        >>> multiply_adds_per_step(lm) == 3 * (28 * 8 + 8 * 8)
        True
    """
    if not isinstance(model, keras.layers.Layer):
        raise _validate.invalid("model", "a built Keras model or layer", type(model).__name__)
    if not model.built:
        raise _validate.invalid("model", "a built model (call it on a batch first)", "an unbuilt "
                                + type(model).__name__)
    rnns, todo = [], [model]
    while todo:  # the model, its layers, and the two directions of a Bidirectional
        layer = todo.pop()
        if isinstance(layer, keras.layers.RNN):
            rnns.append(layer)
        elif isinstance(layer, keras.layers.Bidirectional):
            todo += [layer.forward_layer, layer.backward_layer]
        else:
            todo += list(getattr(layer, "layers", []))
    return sum(int(np.prod(w.shape)) for layer in rnns for w in layer.weights
               if w.path.rsplit("/", 1)[-1] in ("kernel", "recurrent_kernel"))
