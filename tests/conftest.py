"""Fixtures and helpers shared by the package tests (the root conftest.py serves nbval and
the doctests).

Import the helpers with ``from conftest import CELL_PAIRS, numpy, random_normal``; the
fixtures (`_seeded`, which every test gets, and `cache`) need no import.
"""

import numpy as np
import pytest

import keras
from keras import ops

from d2lite.layers import GRUCell, LSTMCell, SimpleRNNCell

# d2lite's cell, the Keras layer it equals (the slides' GRU is reset_after=False), and the
# number of gate blocks its fused kernels hold.
CELL_PAIRS = {
    "rnn": (SimpleRNNCell, keras.layers.SimpleRNN, 1),
    "gru": (GRUCell, lambda units, **kw: keras.layers.GRU(units, reset_after=False, **kw), 3),
    "lstm": (LSTMCell, keras.layers.LSTM, 4),
}


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same seeds: the weights of what it builds are fixed."""
    keras.utils.set_random_seed(0)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder (not created yet) named by D2LITE_DATA; local URLs bypass any proxy."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("D2LITE_DATA", str(folder))
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return folder


@pytest.fixture
def no_yfinance_download(monkeypatch):
    """Any call to yfinance.download that the test did not arrange for fails the test."""
    import yfinance

    def download(*args, **kwargs):
        pytest.fail(f"unexpected yfinance.download{args}{kwargs}")

    monkeypatch.setattr(yfinance, "download", download)


def random_normal(shape, seed, scale=1.0):
    """Standard normal float32 values, scaled: the same for a seed on every backend."""
    return (scale * np.random.default_rng(seed).normal(size=shape)).astype("float32")


def numpy(x):
    """A backend tensor as a NumPy array."""
    return ops.convert_to_numpy(x)


def flat_numpy(outputs):
    """A layer's outputs (one tensor, or a list with states) as a flat list of NumPy arrays."""
    return [ops.convert_to_numpy(t) for t in keras.tree.flatten(outputs)]


def loss_and_gradients(layer, x, projections):
    """A scalar loss of all the layer's outputs, and its gradients w.r.t. x and the weights.

    The loss is sum(output * projection) over outputs, so every output element gets its
    own gradient weight. Gradients come from the backend's own autodiff (TensorFlow's
    GradientTape, jax.value_and_grad, torch.autograd).
    """

    def loss_of(outputs):
        outputs = keras.tree.flatten(outputs)
        return sum(
            ops.sum(out * ops.convert_to_tensor(p)) for out, p in zip(outputs, projections)
        )

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = loss_of(layer(x))
        grads = tape.gradient(loss, [x] + layer.trainable_variables)
    elif backend == "jax":
        import jax

        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]

        def f(x, trainable):
            outputs, _ = layer.stateless_call(trainable, non_trainable, x)
            return loss_of(outputs)

        loss, (grad_x, grad_w) = jax.value_and_grad(f, argnums=(0, 1))(x, trainable)
        grads = [grad_x, *grad_w]
    elif backend == "torch":
        import torch

        x = torch.tensor(x, requires_grad=True)
        loss = loss_of(layer(x))
        grads = torch.autograd.grad(loss, [x] + [v.value for v in layer.trainable_variables])
    else:
        pytest.skip(f"no gradient helper for the {backend} backend")
    return ops.convert_to_numpy(loss), [ops.convert_to_numpy(g) for g in grads]
