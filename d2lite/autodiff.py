"""Derivatives with the backend's own automatic differentiation (notebooks 04-06).

Keras 3 leaves differentiation to its backend, and each backend has its own tool:
TensorFlow records the forward pass on a `tf.GradientTape`, JAX transforms a pure
function with `jax.grad` / `jax.jacrev`, PyTorch walks the graph that autograd built.
The lessons check hand-derived gradients and Jacobians against autodiff on whichever
backend runs them, so they go through these two small functions:

* `gradients(loss_fn, variables)`: ∂L/∂v for Keras variables v (a layer's weights).
* `jacobian(fn, x)`: ∂fn(x)/∂x for a tensor x (an input or a hidden state), and
  `batch_jacobian(fn, x)` for the per-example Jacobians of a batch.

Both return NumPy arrays, the same on every backend up to float32 rounding::

    >>> from d2lite import autodiff
    >>> v = keras.Variable([1.0, 2.0, 3.0])
    >>> autodiff.gradients(lambda: keras.ops.sum(v ** 2), [v])[0]
    array([2., 4., 6.], dtype=float32)
    >>> autodiff.jacobian(lambda x: x ** 2, np.array([1.0, 2.0], "float32"))
    array([[2., 0.],
           [0., 4.]], dtype=float32)
"""

import keras
from keras import ops

from d2lite import _validate

__all__ = ["batch_jacobian", "gradients", "jacobian"]


def _variables(variables):
    if isinstance(variables, keras.Variable):
        raise _validate.invalid("variables", "a list of Keras variables (wrap one in [ ])",
                                "a single Variable")
    try:
        variables = list(variables)
    except TypeError:
        raise _validate.invalid("variables", "a list of Keras variables",
                                type(variables).__name__) from None
    if not variables:
        raise _validate.invalid("variables", "at least one Keras variable", "an empty list")
    for i, v in enumerate(variables):
        if not isinstance(v, keras.Variable):
            raise _validate.invalid(f"variables[{i}]", "a Keras variable (layer.trainable_weights)",
                                    type(v).__name__)
    return variables


def _scalar(loss):
    shape = tuple(ops.shape(loss))
    if shape not in ((), (1,)):
        raise _validate.invalid("loss_fn()", "a scalar loss (reduce it, e.g. with ops.mean)",
                                _validate.Described(f"a tensor of shape {shape}"))
    return ops.reshape(loss, ())


def _floating(x, name="x"):
    x = ops.convert_to_tensor(x)
    if "float" not in str(x.dtype):
        raise _validate.invalid(name, "a floating-point tensor (derivatives need floats)",
                                _validate.Described(f"dtype {x.dtype}"))
    return x


def gradients(loss_fn, variables):
    """The gradient of the scalar `loss_fn()` with respect to each Keras variable.

    `loss_fn` takes no argument and computes the loss from the current values of
    the variables, as in ``lambda: ops.mean(ops.square(layer(x) - y))``. On
    TensorFlow it runs under a `tf.GradientTape`; on JAX it runs inside
    `jax.grad`, with the variables' values passed in through a
    `keras.StatelessScope` (what Keras's own JAX training step does), so it must
    not convert tensors to Python numbers; on PyTorch autograd differentiates it.
    Any layer it calls must already be built.

    Args:
        loss_fn: a callable with no arguments returning a scalar tensor.
        variables: a list of `keras.Variable` (e.g. `layer.trainable_weights`).

    Returns:
        A list of NumPy arrays, one per variable with its shape; zeros for a
        variable the loss does not depend on.

    Raises:
        ValueError: if `variables` is not a non-empty list of Keras variables or
            `loss_fn()` is not a scalar.
        TypeError: if `loss_fn` is not callable.
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function of no arguments; got "
                        f"{type(loss_fn).__name__}")
    variables = _variables(variables)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = _scalar(loss_fn())
        grads = tape.gradient(loss, [v.value for v in variables],
                              unconnected_gradients=tf.UnconnectedGradients.ZERO)
    elif backend == "jax":
        import jax

        def loss_of(values):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return _scalar(loss_fn())

        grads = jax.grad(loss_of)([v.value for v in variables])
    elif backend == "torch":
        import torch

        loss = _scalar(loss_fn())
        values = [v.value for v in variables]
        grads = torch.autograd.grad(loss, values, allow_unused=True)
        grads = [torch.zeros_like(v) if g is None else g for g, v in zip(grads, values)]
    else:  # pragma: no cover - numpy/openvino cannot differentiate
        raise RuntimeError(f"the {backend!r} backend has no automatic differentiation; "
                           "use tensorflow, jax or torch")
    return [ops.convert_to_numpy(g) for g in grads]


def jacobian(fn, x):
    """The Jacobian ∂fn(x)/∂x as a NumPy array of shape fn(x).shape + x.shape.

    Entry [i..., j...] is ∂fn(x)[i...] / ∂x[j...]. `fn` maps a tensor to a
    tensor with `keras.ops` (or by calling layers); on JAX it is traced by
    `jax.jacrev`, so it must not convert tensors to Python numbers.

    Args:
        fn: a callable of one tensor.
        x: a floating-point array or tensor, the point to differentiate at.

    Raises:
        ValueError: if `x` is not floating point.
        TypeError: if `fn` is not callable.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function of one tensor; got {type(fn).__name__}")
    x = _floating(x)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        result = tape.jacobian(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    elif backend == "jax":
        import jax

        result = jax.jacrev(fn)(x)
    elif backend == "torch":
        import torch

        result = torch.autograd.functional.jacobian(fn, x)
    else:  # pragma: no cover
        raise RuntimeError(f"the {backend!r} backend has no automatic differentiation; "
                           "use tensorflow, jax or torch")
    return ops.convert_to_numpy(result)


def batch_jacobian(fn, x):
    """Per-example Jacobians: ∂fn(x)[b] / ∂x[b] for each row b, shape (batch, m, n).

    For an `fn` that maps a batch of shape (batch, n) to (batch, m) and treats
    its rows independently (an RNN cell does): `tf.GradientTape.batch_jacobian`
    on TensorFlow. Elsewhere it differentiates the sum over the batch,
    Σ_b fn(x)[b], whose Jacobian with respect to row b is that row's own
    Jacobian because the cross-example terms are zero; so the full
    `jacobian`, (batch, m, batch, n), is never built.

    Raises:
        ValueError: if `x` is not a floating-point (batch, n) tensor or `fn(x)`
            is not (batch, m).
        TypeError: if `fn` is not callable.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function of one tensor; got {type(fn).__name__}")
    x = _floating(x)
    if len(ops.shape(x)) != 2:
        raise _validate.invalid("x", "a (batch, n) tensor",
                                _validate.Described(f"shape {tuple(ops.shape(x))}"))

    def checked(y):
        if len(ops.shape(y)) != 2:
            raise _validate.invalid("fn(x)", "a (batch, m) tensor",
                                    _validate.Described(f"shape {tuple(ops.shape(y))}"))
        return y

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            y = checked(fn(x))
        result = tape.batch_jacobian(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    elif backend == "jax":
        import jax

        result = jax.jacrev(lambda x: ops.sum(checked(fn(x)), axis=0))(x)  # (m, batch, n)
        result = ops.transpose(result, (1, 0, 2))
    elif backend == "torch":
        import torch

        result = torch.autograd.functional.jacobian(
            lambda x: ops.sum(checked(fn(x)), axis=0), x)
        result = ops.transpose(result, (1, 0, 2))
    else:  # pragma: no cover
        raise RuntimeError(f"the {backend!r} backend has no automatic differentiation; "
                           "use tensorflow, jax or torch")
    return ops.convert_to_numpy(result)
