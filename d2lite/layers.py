"""Recurrent cells of the lectures, written as Keras 3 layers with `keras.ops` only.

`SimpleRNNCell`, `GRUCell` and `LSTMCell` compute one time step each, exactly as the
slides write it, and plug into `keras.layers.RNN` (which runs the loop, masking and
`stateful=True`), `keras.layers.Bidirectional` and stacks of layers. They run on the
TensorFlow, JAX and PyTorch backends.

Each cell writes its equations once, in its `gates(inputs, states)` method, which returns
every gate and new state of one step by the slides' names; `call` (what
`keras.layers.RNN` runs) and `gate_activations` (the gates at every step of a sequence,
to look inside a trained cell) both use it.

Weights are laid out as in Keras's built-in cells: every gate's input weights are fused
in one `kernel` (gate order: GRU z, r, h; LSTM i, f, c, o), every gate's hidden-state
weights in one `recurrent_kernel`, and the biases in one `bias`. So weights copy
straight into `keras.layers.SimpleRNN`, `keras.layers.GRU(reset_after=False)` (or, for
`GRUCell(units, reset_after=True)`, Keras's default `keras.layers.GRU`) and
`keras.layers.LSTM`, and the results can be compared::

    rnn = keras.layers.RNN(d2lite.layers.GRUCell(32))
    builtin = keras.layers.GRU(32, reset_after=False)
    rnn(x), builtin(x)                       # build both
    builtin.set_weights(rnn.get_weights())   # now builtin(x) == rnn(x)

Dropout is not a cell argument here: the lessons put `keras.layers.Dropout` between
layers.
"""

import sys
import warnings

import keras
import numpy as np
from keras import ops

from d2lite import _validate

__all__ = ["GRUCell", "LSTMCell", "SimpleRNNCell", "gate_activations"]


# ---------------------------------------------------------------- private helpers
# (also used by d2lite.networks, metrics, generation and training)


def _concrete(x):
    """`x` as a NumPy array if its values are known now (eager), else None.

    None inside a traced function (`tf.function`, `jax.jit`, `torch.compile`) and
    while Keras infers shapes symbolically, where a tensor has no values yet.
    """
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, keras.KerasTensor):  # a symbolic placeholder (functional API)
        return None
    # The backend's own module, which Keras has imported (d2lite declares TensorFlow only).
    backend = keras.backend.backend()
    module = sys.modules.get(backend)
    if backend == "tensorflow":
        if not module.executing_eagerly() or not hasattr(x, "numpy"):
            return None
    elif backend == "jax":
        if isinstance(x, module.core.Tracer):
            return None
    elif backend == "torch":
        if module.compiler.is_compiling() or getattr(getattr(x, "device", None), "type",
                                                     None) == "meta":
            return None
    return ops.convert_to_numpy(x)


def _check_token_ids(values, num_tokens, what, mask=None):
    """Raise a ValueError naming the first entry of `values` (where `mask`, if given) that
    is not a token index in [0, num_tokens): an integer, or a float holding one."""
    values = np.asarray(values)
    if values.dtype == bool or not (np.issubdtype(values.dtype, np.integer)
                                    or np.issubdtype(values.dtype, np.floating)):
        raise ValueError(f"Received an invalid value for {what}: token indices should be "
                         f"integers, got an array of dtype {values.dtype}.")
    with np.errstate(invalid="ignore"):
        bad = (values < 0) | (values >= num_tokens)
        if np.issubdtype(values.dtype, np.floating):
            bad |= ~np.isfinite(values) | (values != np.round(values))
    if mask is not None:
        bad &= np.broadcast_to(mask, bad.shape)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        value = values[where].item()
        raise ValueError(
            f"Received an invalid value for {what}: token indices should be integers in "
            f"[0, {num_tokens}), got {value!r} at position {where} ({int(bad.sum())} of "
            f"{bad.size} indices out of range).")


def _get(module, argument, identifier, expected):
    """`module.get(identifier)`, with an error that names the argument."""
    try:
        got = module.get(identifier)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"Received an invalid value for argument `{argument}`, expected {expected}, "
            f"got {identifier!r}. ({error})"
        ) from None
    if got is None and module is keras.initializers:  # initializers.get(None) is None
        raise _validate.invalid(argument, expected, identifier)
    return got


def _serialize(module, argument, value, layer):
    """`module.serialize(value)`, if Keras can rebuild `value` from it; else a ValueError.

    A lambda, a local or unregistered function serialise without complaint but fail when
    the model is loaded (in a new session, after the model is long trained); this checks
    the round trip when the config is taken, i.e. when the model is saved.
    """
    if value is None:
        return None
    problem = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns about lambdas; the error below says more
        try:
            config = module.serialize(value)
            rebuilt = module.get(config)
            if not callable(rebuilt):
                problem = f"it is saved as {config!r}, which Keras does not find when loading"
        except Exception as error:  # serialize/get raise TypeError, ValueError, AttributeError
            problem = f"{type(error).__name__}: {error}"
            if len(problem) > 200:
                problem = problem[:197] + "..."
    name = getattr(value, "__qualname__", "")
    if problem is not None and name.endswith("<lambda>"):
        problem = "a lambda: Keras saves its bytecode and loads it only with safe_mode=False"
    elif problem is not None and "<locals>" in name:
        problem = f"{name} is a local function, which a new session cannot import"
    if problem is not None:
        raise ValueError(
            f"Cannot serialize argument `{argument}` of {type(layer).__name__} "
            f"{layer.name!r}: got {value!r}, which Keras cannot rebuild from a saved config "
            f"({problem}). Pass a name (such as 'tanh'), a "
            f"`keras.{module.__name__.split('.')[-1]}` object, or a function or class "
            "registered with `@keras.saving.register_keras_serializable()`."
        )
    return config


# Per-weight arguments (`kernel_initializer`, `bias_constraint`, ...): the Keras module
# that resolves and serialises each kind, and what the error says was expected.
_WEIGHT_ARGUMENTS = {
    "initializer": (keras.initializers, "an initializer name or instance"),
    "regularizer": (keras.regularizers, "a regularizer name or instance, or None"),
    "constraint": (keras.constraints, "a constraint name or instance, or None"),
}
_WEIGHT_ARGUMENT_NAMES = tuple(
    f"{weight}_{kind}" for kind in _WEIGHT_ARGUMENTS for weight in ("kernel", "recurrent", "bias")
)


def _kind(argument):
    """(module, expected) for an argument such as `recurrent_initializer`."""
    return _WEIGHT_ARGUMENTS[argument.rsplit("_", 1)[1]]


class _FusedGateCell(keras.layers.Layer):
    """Arguments, weights and config shared by the three cells.

    A subclass sets `_gates`, the number of `units`-wide blocks that its fused
    `kernel`, `recurrent_kernel` and `bias` hold, and writes `gates`, the step's
    equations; `call` returns the new hidden state and states from them.
    """

    _gates = 1
    # The names, in `gates`' dict, of the states the cell passes on (H first: the output).
    _state_names = ("H",)

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        units = _validate.integer(units, "units")  # not a bool: `units=True` is a mistake
        super().__init__(**kwargs)
        self.units = units
        self.activation = _get(
            keras.activations, "activation", activation, "an activation name or callable"
        )
        self.use_bias = _validate.flag(use_bias, "use_bias")
        given = locals()  # the nine per-weight arguments, looked up by name
        for argument in _WEIGHT_ARGUMENT_NAMES:
            module, expected = _kind(argument)
            setattr(self, argument, _get(module, argument, given[argument], expected))
        # What keras.layers.RNN reads to create states and outputs.
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        name = type(self).__name__
        # keras.layers.RNN builds the cell with the shape of one time step.
        if len(input_shape) != 2:
            raise ValueError(
                f"`{name}` expects the inputs of one time step with shape "
                f"(batch, features), got shape {tuple(input_shape)}. Inside "
                "`keras.layers.RNN`, pass sequences of shape (batch, timesteps, features)."
            )
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"The last dimension of the inputs to `{name}` should be defined. "
                f"Found None. Full input shape received: {tuple(input_shape)}."
            )
        width = self._gates * self.units
        self.kernel = self.add_weight(
            shape=(input_dim, width),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self._bias_shape(width),
                name="bias",
                initializer=self._initialize_bias,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None

    def _bias_shape(self, width):
        return (width,)

    def _initialize_bias(self, shape, dtype=None):
        return self.bias_initializer(shape, dtype=dtype)

    def _project_inputs(self, inputs):
        """x_t W_x + b for all gates at once: one matmul per step."""
        z = ops.matmul(inputs, self.kernel)
        if self.use_bias:
            z = ops.add(z, self.bias)
        return z

    def gates(self, inputs, states):
        """The gates and new states of one step, by the slides' names (a dict)."""
        raise NotImplementedError

    def call(self, inputs, states, training=False):
        step = self.gates(inputs, states)
        new_states = [step[name] for name in self._state_names]
        return new_states[0], new_states

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in sizes]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": _serialize(keras.activations, "activation", self.activation, self),
            "use_bias": self.use_bias,
            **{
                argument: _serialize(_kind(argument)[0], argument, getattr(self, argument), self)
                for argument in _WEIGHT_ARGUMENT_NAMES
            },
        }
        return {**super().get_config(), **config}


def _previous(states):
    # keras.layers.RNN passes a list of states; a direct call may pass one tensor.
    return states[0] if isinstance(states, (list, tuple)) else states


@keras.saving.register_keras_serializable(package="d2lite")
class SimpleRNNCell(_FusedGateCell):
    """One step of a vanilla RNN: h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h).

    Same weights and results as `keras.layers.SimpleRNNCell` without dropout:
    `kernel` is W_xh, `recurrent_kernel` is W_hh, `bias` is b_h.

    Args:
        units: Positive integer, dimensionality of the hidden state h_t.
        activation: Activation function (name or callable). Default: `"tanh"`.
            `None` means no activation.
        use_bias: Boolean, whether to add b_h. Default: `True`.
        kernel_initializer: Initializer for W_xh (input to hidden). Default:
            `"glorot_uniform"`.
        recurrent_initializer: Initializer for W_hh (hidden to hidden). Default:
            `"orthogonal"`.
        bias_initializer: Initializer for b_h. Default: `"zeros"`.
        kernel_regularizer: Regularizer for W_xh. Default: `None`.
        recurrent_regularizer: Regularizer for W_hh. Default: `None`.
        bias_regularizer: Regularizer for b_h. Default: `None`.
        kernel_constraint: Constraint on W_xh. Default: `None`.
        recurrent_constraint: Constraint on W_hh. Default: `None`.
        bias_constraint: Constraint on b_h. Default: `None`.
        **kwargs: Base layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: x_t, a tensor of shape `(batch, features)`.
        states: A list holding h_{t-1}, of shape `(batch, units)`.
        training: Unused; accepted because `keras.layers.RNN` passes it.

    Returns:
        A tuple `(h_t, [h_t])`: the output and the new states. `gates(inputs,
        states)` returns the same step as a dict, `{"H": h_t}`.

    Raises:
        ValueError: for an invalid argument, naming it: `units` not a positive
            integer, an unknown activation, initializer, regularizer or
            constraint, a flag that is not True or False. And from
            `get_config`, i.e. from `model.save`, for an activation,
            initializer, regularizer or constraint that Keras could not
            rebuild when loading (a lambda, a local or unregistered function):
            the model trains, but saving it fails there and then, naming the
            argument, rather than loading failing later.

    Example:

    >>> x = np.random.random((32, 10, 8)).astype("float32")
    >>> rnn = keras.layers.RNN(SimpleRNNCell(4), return_sequences=True)
    >>> tuple(rnn(x).shape)
    (32, 10, 4)
    """

    _gates = 1

    def gates(self, inputs, states):
        """One step, h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h), as a dict `{"H": h_t}`.

        Takes `inputs` and `states` as `call` does. Example:

        >>> cell = SimpleRNNCell(4)
        >>> cell.build((None, 3))
        >>> step = cell.gates(np.ones((2, 3), "float32"), [np.zeros((2, 4), "float32")])
        >>> list(step), tuple(step["H"].shape)
        (['H'], (2, 4))
        """
        h_prev = _previous(states)
        h = ops.add(self._project_inputs(inputs), ops.matmul(h_prev, self.recurrent_kernel))
        return {"H": self.activation(h)}


@keras.saving.register_keras_serializable(package="d2lite")
class GRUCell(_FusedGateCell):
    """One step of a gated recurrent unit, in the slides' (and Cho et al.'s) form.

        Z_t = σ(X_t W_xz + H_{t-1} W_hz + b_z)                 update gate
        R_t = σ(X_t W_xr + H_{t-1} W_hr + b_r)                 reset gate
        H~_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h)     candidate state
        H_t = Z_t ⊙ H_{t-1} + (1 − Z_t) ⊙ H~_t

    The reset gate acts before the product with W_hh, which is
    `keras.layers.GRU(reset_after=False)`; weights are fused in Keras's order z, r, h:
    `kernel` is [W_xz | W_xr | W_xh], `recurrent_kernel` is [W_hz | W_hr | W_hh] and
    `bias` is [b_z | b_r | b_h].

    With `reset_after=True` the cell is Keras's default GRU (`keras.layers.GRU()`, the
    form cuDNN implements): the reset gate acts after the product, and the input and
    hidden-state products have a bias each, `bias` of shape `(2, 3 * units)` holding
    [b_xz | b_xr | b_xh] and [b_hz | b_hr | b_hh]:

        Z_t = σ(X_t W_xz + b_xz + H_{t-1} W_hz + b_hz), R_t likewise,
        H~_t = tanh(X_t W_xh + b_xh + R_t ⊙ (H_{t-1} W_hh + b_hh)).

    Args:
        units: Positive integer, dimensionality of the hidden state H_t.
        activation: Activation for the candidate state (name or callable).
            Default: `"tanh"`.
        recurrent_activation: Activation for the gates. Default: `"sigmoid"`.
        reset_after: Boolean: apply the reset gate after the product with W_hh, with
            separate input and recurrent biases (Keras's default form). Default:
            `False`, the slides' form.
        use_bias: Boolean, whether to add the biases. Default: `True`.
        kernel_initializer: Initializer for `kernel`. Default: `"glorot_uniform"`.
        recurrent_initializer: Initializer for `recurrent_kernel`. Default:
            `"orthogonal"`.
        bias_initializer: Initializer for `bias`. Default: `"zeros"`.
        kernel_regularizer: Regularizer for `kernel`. Default: `None`.
        recurrent_regularizer: Regularizer for `recurrent_kernel`. Default: `None`.
        bias_regularizer: Regularizer for `bias`. Default: `None`.
        kernel_constraint: Constraint on `kernel`. Default: `None`.
        recurrent_constraint: Constraint on `recurrent_kernel`. Default: `None`.
        bias_constraint: Constraint on `bias`. Default: `None`.
        **kwargs: Base layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: X_t, a tensor of shape `(batch, features)`.
        states: A list holding H_{t-1}, of shape `(batch, units)`.
        training: Unused; accepted because `keras.layers.RNN` passes it.

    Returns:
        A tuple `(H_t, [H_t])`: the output and the new states. `gates(inputs,
        states)` returns the whole step as a dict: `"Z"`, `"R"`, `"H_tilde"`, `"H"`.

    Raises:
        ValueError: for an invalid argument, naming it: `units` not a positive
            integer, an unknown activation, initializer, regularizer or
            constraint, a flag that is not True or False. And from
            `get_config`, i.e. from `model.save`, for an activation,
            initializer, regularizer or constraint that Keras could not
            rebuild when loading (a lambda, a local or unregistered function):
            the model trains, but saving it fails there and then, naming the
            argument, rather than loading failing later.

    Example:

    >>> x = np.random.random((32, 10, 8)).astype("float32")
    >>> gru = keras.layers.RNN(GRUCell(4), return_state=True)
    >>> output, state = gru(x)
    >>> tuple(output.shape), tuple(state.shape)
    ((32, 4), (32, 4))
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=False, **kwargs):
        reset_after = _validate.flag(reset_after, "reset_after")
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = _get(
            keras.activations,
            "recurrent_activation",
            recurrent_activation,
            "an activation name or callable",
        )
        self.reset_after = reset_after

    def _bias_shape(self, width):
        # reset_after: one row of input biases and one of recurrent biases, as in Keras.
        return (2, width) if self.reset_after else (width,)

    def gates(self, inputs, states):
        """One step of the GRU, as a dict of `"Z"`, `"R"`, `"H_tilde"` and `"H"`.

        Takes `inputs` and `states` as `call` does. Example:

        >>> cell = GRUCell(4)
        >>> cell.build((None, 3))
        >>> step = cell.gates(np.ones((2, 3), "float32"), [np.zeros((2, 4), "float32")])
        >>> list(step), tuple(step["Z"].shape)
        (['Z', 'R', 'H_tilde', 'H'], (2, 4))
        """
        h_prev = _previous(states)
        units = self.units
        if self.reset_after:
            # Keras's default form: the input and the hidden-state products each have their
            # bias (rows 0 and 1 of `bias`), and R_t multiplies H_{t-1} W_hh + b_hh.
            x_all = ops.matmul(inputs, self.kernel)
            h_all = ops.matmul(h_prev, self.recurrent_kernel)  # one matmul for all 3 blocks
            if self.use_bias:
                x_all = ops.add(x_all, self.bias[0])
                h_all = ops.add(h_all, self.bias[1])
            x_z, x_r, x_h = ops.split(x_all, 3, axis=-1)
            h_z, h_r, h_h = ops.split(h_all, 3, axis=-1)
            z = self.recurrent_activation(x_z + h_z)
            r = self.recurrent_activation(x_r + h_r)
            h_tilde = self.activation(x_h + r * h_h)
        else:
            x_z, x_r, x_h = ops.split(self._project_inputs(inputs), 3, axis=-1)
            # Z and R both read H_{t-1}: one matmul for the two gates. One `split` of the
            # recurrent kernel, not two slices: on TensorFlow the gradient of a slice fills a
            # kernel-sized array of zeros at every step, which made a training step of this
            # form 1.5x slower at 128 units (benchmarks/gru_lstm.py); JAX compiles both alike.
            w_zr, w_h = ops.split(self.recurrent_kernel, [2 * units], axis=-1)
            h_zr = ops.matmul(h_prev, w_zr)
            z = self.recurrent_activation(x_z + h_zr[:, :units])
            r = self.recurrent_activation(x_r + h_zr[:, units:])
            h_tilde = self.activation(x_h + ops.matmul(r * h_prev, w_h))
        h = z * h_prev + (1 - z) * h_tilde
        return {"Z": z, "R": r, "H_tilde": h_tilde, "H": h}

    def get_config(self):
        config = {
            "recurrent_activation": _serialize(keras.activations, "recurrent_activation",
                                               self.recurrent_activation, self),
            "reset_after": self.reset_after,
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="d2lite")
class LSTMCell(_FusedGateCell):
    """One step of a long short-term memory cell, as on the slides.

        I_t = σ(X_t W_xi + H_{t-1} W_hi + b_i)        input gate
        F_t = σ(X_t W_xf + H_{t-1} W_hf + b_f)        forget gate
        C~_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c)    candidate memory
        O_t = σ(X_t W_xo + H_{t-1} W_ho + b_o)        output gate
        C_t = F_t ⊙ C_{t-1} + I_t ⊙ C~_t
        H_t = O_t ⊙ tanh(C_t)

    Weights are fused in Keras's order i, f, c, o (`kernel` is
    [W_xi | W_xf | W_xc | W_xo], and so on), so they copy into `keras.layers.LSTM`.

    Args:
        units: Positive integer, dimensionality of H_t and C_t.
        activation: Activation for C~_t and for C_t in the output (name or
            callable). Default: `"tanh"`.
        recurrent_activation: Activation for the gates. Default: `"sigmoid"`.
        use_bias: Boolean, whether to add the biases. Default: `True`.
        kernel_initializer: Initializer for `kernel`. Default: `"glorot_uniform"`.
        recurrent_initializer: Initializer for `recurrent_kernel`. Default:
            `"orthogonal"`.
        bias_initializer: Initializer for `bias`. Default: `"zeros"`.
        unit_forget_bias: Boolean. If `True`, b_f starts at 1 (the other biases
            from `bias_initializer`), so the cell remembers by default, as
            Jozefowicz et al. (2015) recommend. Default: `True`.
        kernel_regularizer: Regularizer for `kernel`. Default: `None`.
        recurrent_regularizer: Regularizer for `recurrent_kernel`. Default: `None`.
        bias_regularizer: Regularizer for `bias`. Default: `None`.
        kernel_constraint: Constraint on `kernel`. Default: `None`.
        recurrent_constraint: Constraint on `recurrent_kernel`. Default: `None`.
        bias_constraint: Constraint on `bias`. Default: `None`.
        **kwargs: Base layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: X_t, a tensor of shape `(batch, features)`.
        states: A list `[H_{t-1}, C_{t-1}]`, each of shape `(batch, units)`.
        training: Unused; accepted because `keras.layers.RNN` passes it.

    Returns:
        A tuple `(H_t, [H_t, C_t])`: the output and the new states. `gates(inputs,
        states)` returns the whole step as a dict: `"I"`, `"F"`, `"C_tilde"`, `"O"`,
        `"C"`, `"H"`.

    Raises:
        ValueError: for an invalid argument, naming it: `units` not a positive
            integer, an unknown activation, initializer, regularizer or
            constraint, a flag that is not True or False. And from
            `get_config`, i.e. from `model.save`, for an activation,
            initializer, regularizer or constraint that Keras could not
            rebuild when loading (a lambda, a local or unregistered function):
            the model trains, but saving it fails there and then, naming the
            argument, rather than loading failing later.

    Example:

    >>> x = np.random.random((32, 10, 8)).astype("float32")
    >>> lstm = keras.layers.RNN(LSTMCell(4), return_state=True)
    >>> output, h, c = lstm(x)
    >>> tuple(output.shape), tuple(h.shape), tuple(c.shape)
    ((32, 4), (32, 4), (32, 4))
    """

    _gates = 4
    _state_names = ("H", "C")

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        unit_forget_bias=True,
        **kwargs,
    ):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = _get(
            keras.activations,
            "recurrent_activation",
            recurrent_activation,
            "an activation name or callable",
        )
        self.unit_forget_bias = _validate.flag(unit_forget_bias, "unit_forget_bias")
        self.state_size = [self.units, self.units]

    def _initialize_bias(self, shape, dtype=None):
        if not self.unit_forget_bias:
            return self.bias_initializer(shape, dtype=dtype)
        units = self.units
        return ops.concatenate(
            [
                self.bias_initializer((units,), dtype=dtype),
                ops.ones((units,), dtype=dtype),
                self.bias_initializer((2 * units,), dtype=dtype),
            ]
        )

    def gates(self, inputs, states):
        """One step of the LSTM, as a dict of `"I"`, `"F"`, `"C_tilde"`, `"O"`, `"C"`, `"H"`.

        Takes `inputs` and `states` as `call` does. Example:

        >>> cell = LSTMCell(4)
        >>> cell.build((None, 3))
        >>> zeros = np.zeros((2, 4), "float32")
        >>> step = cell.gates(np.ones((2, 3), "float32"), [zeros, zeros])
        >>> list(step), tuple(step["C"].shape)
        (['I', 'F', 'C_tilde', 'O', 'C', 'H'], (2, 4))
        """
        h_prev, c_prev = states
        # All four gates from one input and one hidden-state matmul. The bias comes last,
        # as in Keras's LSTMCell, so the two agree to the last bit.
        z = ops.add(ops.matmul(inputs, self.kernel), ops.matmul(h_prev, self.recurrent_kernel))
        if self.use_bias:
            z = ops.add(z, self.bias)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c_tilde = self.activation(z_c)
        o = self.recurrent_activation(z_o)
        c = f * c_prev + i * c_tilde
        h = o * self.activation(c)
        return {"I": i, "F": f, "C_tilde": c_tilde, "O": o, "C": c, "H": h}

    def get_config(self):
        config = {
            "recurrent_activation": _serialize(keras.activations, "recurrent_activation",
                                               self.recurrent_activation, self),
            "unit_forget_bias": self.unit_forget_bias,
        }
        return {**super().get_config(), **config}


# ---------------------------------------------------------------- looking inside a cell


def _d2lite_cell(cell):
    """`cell` if it is a d2lite cell; for Keras's own cell, the d2lite cell computing the
    same step (dropout aside), with its weights copied; None for any other layer."""
    if isinstance(cell, _FusedGateCell):
        return cell
    if not isinstance(cell, (keras.layers.LSTMCell, keras.layers.GRUCell,
                             keras.layers.SimpleRNNCell)):
        return None
    common = {"activation": cell.activation, "dtype": cell.dtype_policy,
              "use_bias": bool(cell.use_bias)}
    if isinstance(cell, keras.layers.LSTMCell):
        twin = LSTMCell(cell.units, recurrent_activation=cell.recurrent_activation,
                        **common)
    elif isinstance(cell, keras.layers.GRUCell):
        twin = GRUCell(cell.units, recurrent_activation=cell.recurrent_activation,
                       reset_after=bool(cell.reset_after), **common)
    elif isinstance(cell, keras.layers.SimpleRNNCell):
        twin = SimpleRNNCell(cell.units, **common)
    else:
        return None
    if cell.built:  # Keras's weights have the d2lite cell's layout: copy them over
        twin.build((None, cell.kernel.shape[0]))
        for name in ("kernel", "recurrent_kernel", "bias")[: 3 if cell.use_bias else 2]:
            getattr(twin, name).assign(getattr(cell, name))
    return twin


def gate_activations(cell, inputs, initial_state=None):
    """Run a recurrent cell step by step and return its gates and states at every step.

    `keras.layers.RNN` returns only the hidden states; to look inside a cell
    (e.g. a heatmap of an LSTM's gates over a sentence), this runs the cell's
    own `gates` method (the equations its `call` uses, see `SimpleRNNCell`,
    `GRUCell` and `LSTMCell`) one step at a time and keeps every value it
    returns, by the slides' names: Z_t, R_t, H~_t, H_t for a GRU; I_t, F_t,
    C~_t, O_t, C_t, H_t for an LSTM; H_t for a simple RNN.

    Keras's own `SimpleRNNCell`, `GRUCell` (both its default `reset_after=True`
    form and `reset_after=False`) and `LSTMCell` are read through the d2lite
    cell that computes the same step, with their weights copied into it; their
    dropout is ignored, as at inference.

    Args:
        cell: a built `SimpleRNNCell`, `GRUCell` or `LSTMCell` (d2lite's or
            Keras's), or a `keras.layers.RNN` layer (`RNN`, `GRU`, `LSTM`,
            `SimpleRNN`) holding one.
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
        >>> rnn = keras.layers.RNN(LSTMCell(4), return_sequences=True)
        >>> x = np.ones((2, 5, 3), "float32")
        >>> _ = rnn(x)  # builds the cell
        >>> gates = gate_activations(rnn, x)
        >>> sorted(gates), gates["F"].shape
        (['C', 'C_tilde', 'F', 'H', 'I', 'O'], (2, 5, 4))
    """
    if isinstance(cell, keras.layers.RNN):
        cell = cell.cell
    given, cell = cell, _d2lite_cell(cell)
    if cell is None:
        raise _validate.invalid(
            "cell", "a SimpleRNNCell, GRUCell or LSTMCell (d2lite's or Keras's), or a "
            "keras.layers.RNN layer holding one", given)
    if not cell.built:
        raise ValueError(f"Cell {given.name!r} is not built yet, so it has no weights to read "
                         "gates from; call it (or its RNN layer) on data first.")
    x = ops.convert_to_tensor(inputs, dtype=cell.kernel.dtype)
    if len(x.shape) != 3:
        raise ValueError(
            "Received an invalid value for argument `inputs`, expected a 3-D tensor of shape "
            f"(batch, steps, features), got shape {tuple(x.shape)}.")
    features = cell.kernel.shape[0]
    if x.shape[-1] != features:
        raise ValueError(
            f"Received an invalid value for argument `inputs`: cell {given.name!r} takes "
            f"{features} features per step, got inputs of shape {tuple(x.shape)}.")
    batch, steps, units = x.shape[0], x.shape[1], cell.units
    num_states = len(cell._state_names)
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

    names = list(cell.gates(ops.zeros((batch, features), dtype=x.dtype), states))
    if not steps:  # a sequence of no steps: the names from one step on zeros, no values
        empty = ops.convert_to_numpy(ops.zeros((batch, 0, units), dtype=x.dtype))
        return {name: empty.copy() for name in names}
    trace = _compiled(_gate_trace)(cell, ops.transpose(x, (1, 0, 2)), states)
    return {name: np.swapaxes(ops.convert_to_numpy(values), 0, 1)
            for name, values in zip(names, trace)}


def _gate_trace(cell, x, states):
    """Every value `cell.gates` returns at every step of time-major `x`: (steps, batch, units) each.

    The loop is `keras.ops.scan`, which the backend compiles (JAX's `lax.scan`), instead of one
    dispatch per operation and step from Python. TensorFlow's scan needs the values it stacks to
    match the carry, so the carry holds every value of a step, the states among them.
    """
    names = list(cell.gates(x[0], states))
    index = {name: names.index(name) for name in cell._state_names}

    def step(carry, x_t):
        values = cell.gates(x_t, [carry[index[name]] for name in cell._state_names])
        values = [values[name] for name in names]
        return values, values

    init = [ops.zeros_like(states[0]) for _ in names]
    for name, state in zip(cell._state_names, states):
        init[index[name]] = state
    return ops.scan(step, init, x)[1]


_COMPILED = {}


def _compiled(function):
    """`function` as a TensorFlow graph on that backend (an eager `scan` runs step by step), else
    as is. One `tf.function` per function, so later calls with the same cell and shapes reuse its
    trace."""
    if keras.backend.backend() != "tensorflow":
        return function
    if function not in _COMPILED:
        import tensorflow as tf

        _COMPILED[function] = tf.function(function, reduce_retracing=True)
    return _COMPILED[function]
