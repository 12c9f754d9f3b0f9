"""d2lite.autodiff against closed-form derivatives, central differences and Keras layers.

Marked `backend`: `make test` runs these on TensorFlow and again on JAX.
"""

import keras
import numpy as np
import pytest
from keras import ops

from d2lite import autodiff, layers

pytestmark = pytest.mark.backend


def test_gradients_of_a_quadratic_form_match_the_closed_form():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4)).astype("float32")
    w = keras.Variable(rng.normal(size=4).astype("float32"))
    b = keras.Variable(np.float32(2.0))
    unused = keras.Variable(np.ones((2, 3), "float32"))
    gw, gb, gu = autodiff.gradients(
        lambda: ops.sum(w * ops.matmul(A, w)) + 3.0 * b, [w, b, unused])
    np.testing.assert_allclose(gw, (A + A.T) @ w.numpy(), rtol=1e-5)
    assert float(gb) == pytest.approx(3.0)
    assert gu.shape == (2, 3) and not gu.any()  # unconnected: zeros, as on every backend


def test_gradients_leave_the_variables_unchanged():
    w = keras.Variable(np.array([1.0, -2.0], "float32"))
    autodiff.gradients(lambda: ops.sum(w ** 3), [w])
    np.testing.assert_array_equal(ops.convert_to_numpy(w), [1.0, -2.0])


def test_gradients_of_a_d2lite_rnn_match_central_differences():
    keras.utils.set_random_seed(3)
    x = np.random.default_rng(3).normal(size=(2, 5, 3)).astype("float32")
    rnn = keras.layers.RNN(layers.GRUCell(4))
    rnn(x)

    def loss():
        return ops.mean(ops.square(rnn(x) - 0.5))

    grads = autodiff.gradients(loss, rnn.trainable_weights)
    assert [g.shape for g in grads] == [tuple(v.shape) for v in rnn.trainable_weights]
    bias = rnn.trainable_weights[-1]
    value, eps = ops.convert_to_numpy(bias), 1e-2
    numeric = []
    for sign in (1, -1):
        nudged = value.copy()
        nudged.flat[0] += sign * eps
        bias.assign(nudged)
        numeric.append(float(loss()))
    bias.assign(value)
    assert grads[-1].flat[0] == pytest.approx((numeric[0] - numeric[1]) / (2 * eps), rel=1e-2)


def test_gradients_agree_with_the_keras_builtin_layer():
    keras.utils.set_random_seed(4)
    x = np.random.default_rng(4).normal(size=(2, 6, 3)).astype("float32")
    ours = keras.layers.RNN(layers.SimpleRNNCell(5))
    builtin = keras.layers.SimpleRNN(5)
    ours(x), builtin(x)
    builtin.set_weights(ours.get_weights())
    g1, g2 = (autodiff.gradients(lambda layer=layer: ops.mean(layer(x) ** 2),
                                 layer.trainable_weights) for layer in (ours, builtin))
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_jacobian_of_an_elementwise_map_is_diagonal():
    x = np.array([0.5, -1.0, 2.0], "float32")
    J = autodiff.jacobian(lambda v: ops.tanh(v), x)
    np.testing.assert_allclose(J, np.diag(1 - np.tanh(x) ** 2), rtol=1e-5, atol=1e-7)


def test_jacobian_shape_is_output_shape_then_input_shape():
    W = np.arange(12, dtype="float32").reshape(3, 4)
    J = autodiff.jacobian(lambda v: ops.matmul(v, W), np.ones((2, 3), "float32"))
    assert J.shape == (2, 4, 2, 3)
    np.testing.assert_allclose(J[1, :, 1, :], W.T)
    assert not J[0, :, 1, :].any()


def test_batch_jacobian_of_a_linear_cell_step_is_its_recurrent_matrix():
    keras.utils.set_random_seed(5)
    cell = layers.SimpleRNNCell(3, activation=None)
    x = np.random.default_rng(5).normal(size=(4, 2)).astype("float32")
    h = np.random.default_rng(6).normal(size=(4, 3)).astype("float32")
    cell(x, [h])
    J = autodiff.batch_jacobian(lambda state: cell(x, [state])[0], h)
    assert J.shape == (4, 3, 3)
    W_hh = ops.convert_to_numpy(cell.recurrent_kernel)
    for b in range(4):
        np.testing.assert_allclose(J[b], W_hh.T, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bad, message", [
    (lambda v: [v], "a single Variable"),
    (lambda v: [], "an empty list"),
    (lambda v: [np.ones(2)], "variables\\[0\\]"),
    (lambda v: 3, "int"),
])
def test_gradients_refuse_what_are_not_variables(bad, message):
    v = keras.Variable(np.ones(2, "float32"))
    variables = v if message == "a single Variable" else bad(v)
    with pytest.raises(ValueError, match=message):
        autodiff.gradients(lambda: ops.sum(v), variables)


def test_gradients_refuse_a_loss_that_is_not_scalar():
    v = keras.Variable(np.ones(3, "float32"))
    with pytest.raises(ValueError, match=r"scalar loss.*shape \(3,\)"):
        autodiff.gradients(lambda: v * 2.0, [v])


def test_gradients_and_jacobian_refuse_what_cannot_be_called():
    v = keras.Variable(np.ones(3, "float32"))
    with pytest.raises(TypeError, match="loss_fn"):
        autodiff.gradients(1.0, [v])
    with pytest.raises(TypeError, match="fn must be"):
        autodiff.jacobian("tanh", np.ones(3, "float32"))


def test_jacobian_refuses_integer_points():
    with pytest.raises(ValueError, match="floating-point.*int"):
        autodiff.jacobian(lambda v: v, np.arange(3))


def test_batch_jacobian_refuses_a_point_that_is_not_a_batch_of_vectors():
    with pytest.raises(ValueError, match=r"\(batch, n\).*shape \(3,\)"):
        autodiff.batch_jacobian(lambda v: v, np.ones(3, "float32"))
    with pytest.raises(ValueError, match=r"\(batch, m\)"):
        autodiff.batch_jacobian(lambda v: ops.sum(v, axis=1), np.ones((2, 3), "float32"))


def test_batch_jacobian_equals_the_diagonal_blocks_of_the_full_jacobian():
    keras.utils.set_random_seed(6)
    cell = layers.LSTMCell(3)
    x = np.random.default_rng(6).normal(size=(2, 4)).astype("float32")
    s = np.random.default_rng(7).normal(size=(2, 6)).astype("float32")
    cell(x, [s[:, :3], s[:, 3:]])

    def step(state):  # (h, c) -> (h', c') stacked, for every row of the batch
        _, (h, c) = cell(x, [state[:, :3], state[:, 3:]])
        return ops.concatenate([h, c], axis=1)

    per_row = autodiff.batch_jacobian(step, s)
    full = autodiff.jacobian(step, s)
    assert per_row.shape == (2, 6, 6)
    for b in range(2):
        np.testing.assert_allclose(per_row[b], full[b, :, b, :], rtol=1e-5, atol=1e-7)
    assert not full[0, :, 1, :].any()
