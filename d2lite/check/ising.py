"""Checks for notebook 10 (the Ising lab): the ordered/disordered labels and the temperatures
kept for training, the RNN that reads a lattice row by row, and the interpolated 0.5 crossing
that estimates T_c (Onsager's, `d2lite.ising.CRITICAL_TEMPERATURE`). Keras is imported only
when `check_ising_model` runs."""

import numpy as np

from d2lite import _validate
from d2lite.check._core import (
    CheckFailed,
    _array,
    _call,
    _describe,
    _diagnose,
    _fail,
    _given_array,
    _given_number,
    _integer,
    _limited,
    _message,
    _ok,
    _read,
    _same,
    _scalar,
    _timed_out,
    _TimedOut,
    _timeout,
)
from d2lite.ising import CRITICAL_TEMPERATURE

__all__ = ["check_ising_labels", "check_ising_model", "check_ising_crossing"]


def _labels(labels, name):
    """The student's labels as a plain array of numbers or booleans, or CheckFailed."""
    if labels is None or isinstance(labels, (str, bytes)):
        _fail(f"`{name}` should be an array of 0/1 labels, got {_describe(labels)}.")
    y = _read(f"`{name}`", lambda: np.array(labels), message=lambda error: (
        f"`{name}` should be an array of 0/1 labels, got {_describe(labels)} ({error})."))
    if y.dtype.kind not in "biuf":
        _fail(f"`{name}` should be an array of 0/1 labels (numbers or booleans), got "
              f"{_describe(y)}.")
    return y


def check_ising_labels(labels, train_mask, temperatures, *, gap):
    """Check the lab's labels (1 = ordered, T < T_c) and the mask of training temperatures.

    Args:
        labels: one label per configuration, 1 (or True) for T < T_c, else 0.
        train_mask: one boolean per configuration, True where |T - T_c| > `gap`:
            the temperatures the classifier may be trained on.
        temperatures: the temperature of each configuration.
        gap: the half-width of the window around T_c left out of training.

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: labels flipped or switching at the wrong temperature,
            a mask that keeps temperatures near T_c or drops far ones, wrong shapes,
            labels that are not numbers 0/1 or booleans, a mask that is not boolean.
        ValueError: `temperatures` is not a non-empty array of finite positive
            numbers, or `gap` is not a finite number >= 0.

    Example:
        >>> T = np.array([1.0, 2.2, 2.3, 3.0])
        >>> check_ising_labels(T < 2.269, np.abs(T - 2.269) > 0.1, T, gap=0.1)
        'Correct: 2 ordered and 2 disordered configurations; training on 2 of 4 temperatures, 2 held out within 0.1 of T_c.'
    """
    T_c = CRITICAL_TEMPERATURE
    T = _given_array(temperatures, "temperatures")
    if not (T > 0).all():
        raise _validate.invalid("temperatures", "positive temperatures", T[T <= 0][:3].tolist())
    gap = _given_number(gap, "gap")
    expected = T < T_c
    y = _labels(labels, "labels")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != T.shape:
        _fail(f"`labels` should hold one label per configuration, shape {T.shape}, got {y.shape}.")
    if not np.all((y == 0) | (y == 1)):
        _fail("`labels` should be 0 (disordered) or 1 (ordered), got values "
              f"{np.unique(y)[:5].tolist()}.")
    y = y.astype(bool)
    if np.array_equal(y, ~expected):
        _fail("the labels are flipped: 1 should mean ordered, i.e. T < T_c "
              f"= {T_c:.4f}.")
    if not np.array_equal(y, expected):
        bad = np.unique(T[y != expected])
        _fail(f"labels are wrong at T = {', '.join(f'{t:.3f}' for t in bad[:4])}: a configuration "
              f"is ordered (1) exactly when T < T_c = {T_c:.4f}, Onsager's "
              "2 / ln(1 + sqrt 2).")
    mask = _read("`train_mask`", lambda: np.array(train_mask))
    if mask.shape != T.shape or mask.dtype != bool:
        _fail(f"`train_mask` should be a boolean array of shape {T.shape}, got dtype {mask.dtype} "
              f"and shape {mask.shape}.")
    far = np.abs(T - T_c) > gap
    if far.any() and np.array_equal(mask, ~far):
        _fail(f"`train_mask` selects the temperatures near T_c; it should keep those farther "
              f"than {gap} from T_c and leave out the ones near it.")
    if (mask & ~far).any():
        t = T[mask & ~far][0]
        _fail(f"`train_mask` keeps T = {t:.3f}, within {gap} of T_c = {T_c:.3f}: those "
              "temperatures must stay out of training (|T - T_c| > gap).")
    if (~mask & far).any():
        t = T[~mask & far][0]
        _fail(f"`train_mask` leaves out T = {t:.3f}, which is farther than {gap} from T_c; "
              "keep every temperature with |T - T_c| > gap.")
    kept, held = len(np.unique(T[mask])), len(np.unique(T[~mask]))
    return _ok(f"{int(y.sum())} ordered and {int((~y).sum())} disordered configurations; "
               f"training on {kept} of {kept + held} temperatures, {held} held out within "
               f"{gap} of T_c.")


_PROBABILITY_ACTIVATIONS = ("sigmoid", "hard_sigmoid", "softmax")


def _output_source(model):
    """The layer or operation that gives `model`'s output, or None when it cannot be told.

    A Sequential model's output is its last layer's, a functional model's its last
    operation's (nested models are followed); a subclassed model's `call` decides,
    which only running it shows.
    """
    import keras

    while isinstance(model, keras.Model):
        if isinstance(model, keras.Sequential):
            model = model.layers[-1] if model.layers else None
        elif getattr(model, "operations", None):  # functional
            model = model.operations[-1]
        else:
            return None
    return model


def _non_probability(source, width):
    """What makes `source` an output that is not a probability, or None (fine, or unknown)."""
    import keras

    if source is None or type(source).__name__ in ("Sigmoid", "Softmax", "HardSigmoid"):
        return None  # unknown, or keras.ops.sigmoid/softmax in a functional model
    if isinstance(source, keras.layers.Softmax):
        name = "softmax"
    else:
        activation = getattr(source, "activation", None)
        name = getattr(activation, "__name__", None)
        try:
            if name is None or keras.activations.get(name) is not activation:
                return None  # no activation, or one of the student's own
        except ValueError:
            return None
    if name == "softmax" and width == 1:
        return (f"the model's output layer, {type(source).__name__} {source.name!r}, takes a "
                "softmax over one output, which is always 1: end with Dense(1, "
                "activation='sigmoid').")
    if name in _PROBABILITY_ACTIVATIONS:
        return None
    return (f"the model's output layer, {type(source).__name__} {source.name!r} with activation "
            f"{name!r}, gives values that are not probabilities: end with Dense(1, "
            "activation='sigmoid').")


def _recurrent_layers(layer):
    """The recurrent layers of `layer`, in the models nested in it too, in order."""
    import keras

    if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional)):
        return [layer]
    return [found for inner in getattr(layer, "layers", ()) for found in _recurrent_layers(inner)]


def _read_shape(layer):
    """(time steps, values per step) that a recurrent layer reads; time steps None if unknown."""
    try:
        return tuple(layer.input.shape[1:])  # a layer called in a Sequential or functional model
    except (AttributeError, ValueError):  # called eagerly only, in a subclassed model
        pass
    built = getattr(layer, "_build_shapes_dict", None)  # the shape it was built for (Keras 3)
    if isinstance(built, dict) and built:
        shape = next(iter(built.values()))
        if isinstance(shape, (tuple, list)) and len(shape) == 3:
            return tuple(shape[1:])
    cell = getattr(getattr(layer, "forward_layer", layer), "cell", None)
    kernel = getattr(cell, "kernel", None)
    return None if kernel is None else (None, int(kernel.shape[0]))


def check_ising_model(model, L=10, *, timeout=None):
    """Check a classifier that reads an L×L lattice as L time steps of L spins.

    The model is called on random lattices (it need not be trained). Its output
    layer must give probabilities: a sigmoid, or a softmax over more than one
    output. A subclassed model's `call` decides what its output is, so there only
    the values show it: the model is also called on mostly up, mostly down and
    uniform lattices with spins ±1, ±10 and ±100, on which an output that is not
    squashed into [0, 1] leaves it. Recurrent layers are found in nested models too.

    The first recurrent layer must read L time steps (the rows); what each step
    holds may be the L spins of a row or features computed from it (a `Dense`
    before the recurrent layer).

    Args:
        model: a Keras model taking inputs of shape `(batch, L, L)`.
        L: the lattice side (default 10), an integer from 2 to 256.
        timeout: seconds each call of the model may take (default
            `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: not a Keras model, no recurrent layer, a recurrent layer
            that reads other sequences than the L rows, an output layer that does
            not give probabilities (a linear `Dense(1)`), outputs that are not
            one probability per lattice (or NaN), a call that does not return in
            time.
        ValueError: `L` is not an integer from 2 to 256.

    Example:
        >>> model = keras.Sequential([keras.Input((10, 10)), keras.layers.GRU(4),
        ...                           keras.layers.Dense(1, activation="sigmoid")])
        >>> check_ising_model(model)
        'Correct: the model reads 10 rows of 10 spins and gives one probability per lattice.'
    """
    import keras

    L = _integer(L, "L", minimum=2)
    if L > 256:  # the check builds lattices of L x L spins
        raise _validate.invalid("L", "an integer from 2 to 256", L)
    seconds = _timeout(timeout)
    if not isinstance(model, keras.layers.Layer):
        if callable(model) and not isinstance(model, type):
            _fail(f"`model` should be a Keras model, got {_describe(model)}: pass the model "
                  "it builds, e.g. check_ising_model(build_rnn()), not the function.")
        _fail(f"`model` should be a Keras model (e.g. keras.Sequential([...])), got "
              f"{_describe(model)}.")

    own_call = getattr(type(model), "call", None)  # a subclassed model's: where it loops
    if getattr(own_call, "__module__", "keras").startswith("keras"):
        own_call = None

    def outputs(lattices):
        lattices = lattices.astype("float32")
        call = f"model(lattices) with lattices of shape {lattices.shape}"
        result = _limited(lambda: keras.ops.convert_to_numpy(model(lattices)), seconds,
                          _timed_out(call, seconds, own_call))
        return _array(result, f"what {call} returned", finite=False, timeout=seconds)

    rng = np.random.default_rng(0)
    spins = np.where(rng.random((2, L, L)) < 0.5, 1.0, -1.0)
    try:
        out = outputs(spins)
    except CheckFailed:
        raise
    except Exception as err:  # whatever the backend raises for a shape mismatch
        _fail(f"the model cannot take a batch of lattices of shape (batch, {L}, {L}): "
              f"{_message(err)}", cause=err)
    if out.shape not in ((2, 1), (2,)):
        _fail(f"for 2 lattices the model returned shape {out.shape}; expected (2, 1): one "
              "probability of 'ordered' per lattice (end with Dense(1, activation='sigmoid')).")
    if not np.isfinite(out).all():
        _fail(f"for 2 lattices the model returned {out.ravel().round(3).tolist()}: NaN or "
              "infinity instead of probabilities. Are its weights NaN (a training that "
              "diverged)? Build it again, or lower the learning rate.")
    wrong_layer = _read("the model's output layer",
                        lambda: _non_probability(_output_source(model), width=out.size // 2))
    if wrong_layer:
        _fail(wrong_layer)
    if not np.all((out >= 0) & (out <= 1)):
        _fail(f"the model returned {out.ravel().round(3).tolist()}, which are not probabilities: "
              "end with Dense(1, activation='sigmoid').")
    # Mostly up, mostly down and uniform lattices, with spins scaled: a linear output leaves
    # [0, 1] on some of them. In one call; a model that cannot take that batch (a stateful
    # one) was called on 2 lattices above, which has to do.
    probes = np.stack([np.where(rng.random((L, L)) < q, 1.0, -1.0)
                       for q in (0.5, 0.5, 0.1, 0.9, 0.0, 1.0)])
    scales = np.array([1.0, 10.0, 100.0])
    try:
        values = outputs(np.concatenate([s * probes for s in scales])).reshape(len(scales), -1)
    except CheckFailed as err:
        if isinstance(err.__cause__, _TimedOut):
            raise
        values = np.full((len(scales), 0), np.nan)
    except Exception:  # whatever the backend raises for another batch size
        values = np.full((len(scales), 0), np.nan)
    for scale, got in zip(scales, values):
        got = got[np.isfinite(got)]
        if not np.all((got >= 0) & (got <= 1)):
            _fail(f"for lattices of spins ±{scale:g} the model returned "
                  f"{got.round(3).tolist()}, which are not probabilities: end with "
                  "Dense(1, activation='sigmoid').")
    recurrent = _read("the model's layers", lambda: _recurrent_layers(model))
    if not recurrent:
        _fail("the model has no recurrent layer: the lab reads the lattice as a sequence, "
              "e.g. keras.layers.RNN(d2lite.layers.GRUCell(units)).")
    shape = _read("the recurrent layer's input shape", lambda: _read_shape(recurrent[0]))
    expected = (f"expected ({L}, {L}): {L} time steps (the rows), each a vector of {L} spins "
                "(or of features computed from one row)")
    if shape is not None and shape[0] is not None and shape[0] != L:
        _fail(f"the recurrent layer reads sequences of shape {shape}, {shape[0]} time steps: it "
              f"reads {shape[1]} value(s) per time step; {expected}.")
    if shape is not None and shape[0] is None and shape[1] != L:  # only the kernel tells
        _fail(f"the recurrent layer reads {shape[1]} value(s) per time step; {expected}.")
    return _ok(f"the model reads {L} rows of {L} spins and gives one probability per lattice.")


def check_ising_crossing(crossing, *, timeout=None):
    """Check `crossing(temperatures, probabilities)`, the T where a falling curve passes 0.5.

    It should interpolate linearly between the last temperature with
    probability >= 0.5 and the first one below 0.5.

    Args:
        crossing: the student's function; arguments are 1-D arrays, temperatures
            increasing and probabilities falling from about 1 to about 0.
        timeout: seconds each call may take (default `d2lite.check.TIMEOUT`).

    Returns:
        A "Correct: ..." message.

    Raises:
        CheckFailed: a wrong value, with the curve it was tried on and the
            expected answer (e.g. a grid temperature instead of an interpolation),
            or that the function raised, did not return in time, or returned
            something other than one finite number.

    Example:
        >>> def crossing(t, p):
        ...     i = np.flatnonzero(p < 0.5)[0]
        ...     return t[i - 1] + (p[i - 1] - 0.5) / (p[i - 1] - p[i]) * (t[i] - t[i - 1])
        >>> check_ising_crossing(crossing)
        'Correct: the 0.5 crossing is interpolated between the two temperatures around it.'
    """
    cases = [  # (temperatures, probabilities, crossing)
        ([1.0, 2.0, 3.0, 4.0], [1.0, 0.8, 0.2, 0.0], 2.5),
        ([1.0, 2.0, 3.0, 4.0, 5.0], [0.99, 0.9, 0.6, 0.2, 0.01], 3.25),
        ([2.0, 2.5, 3.0], [0.9, 0.5, 0.1], 2.5),
        ([1.0, 1.5, 2.0, 2.5, 3.0], [1.0, 0.98, 0.7, 0.45, 0.0], 2.0 + 0.5 * 0.2 / 0.25),
    ]
    for t, p, expected in cases:
        t, p = np.array(t), np.array(p)
        call = f"crossing(temperatures={t.tolist()}, probabilities={p.tolist()})"
        got = _scalar(_call(call, crossing, t.copy(), p.copy(), timeout=timeout),
                      f"{call} should return one temperature", call=call, timeout=timeout)
        if _same(got, expected, atol=1e-9):
            continue
        wrong = f"{call} returned {got:.4g}, expected {expected:.4g}."
        grid = (" You returned a grid temperature: interpolate linearly between the two "
                "temperatures where the probability passes 0.5.")
        _diagnose(got, [(grid_t, grid) for grid_t in t], say=lambda hint: wrong + hint,
                  otherwise=wrong)
    return _ok("the 0.5 crossing is interpolated between the two temperatures around it.")
