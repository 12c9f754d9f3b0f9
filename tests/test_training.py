"""d2lite.training: gradient clipping and the epoch timer (wall and processor clocks).

`reset_states` and `ResetStates` (truncated BPTT) are tested in test_variable_length.py.
"""

import math
import time

import keras
import numpy as np
import pytest

from conftest import numpy
from d2lite import training






# ----------------------------------------------------------------- clip_gradients


def test_clip_gradients_is_the_slide_formula_and_keras_global_clipnorm():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)).astype("float32"), None, rng.normal(size=5).astype("float32")]
    present = [g for g in grads if g is not None]
    norm = math.sqrt(sum(float(np.sum(g.astype("float64") ** 2)) for g in present))
    for theta in (norm / 3, 3 * norm):
        clipped = training.clip_gradients(grads, theta)
        assert clipped[1] is None
        for g, c in zip(present, [clipped[0], clipped[2]]):
            np.testing.assert_allclose(numpy(c), min(1.0, theta / norm) * g, rtol=1e-6)
        # Keras's SGD(learning_rate=1, global_clipnorm=theta) on zero weights applies -g_clipped.
        weights = [keras.Variable(np.zeros(g.shape, "float32")) for g in present]
        keras.optimizers.SGD(1.0, global_clipnorm=theta).apply_gradients(zip(present, weights))
        for w, c in zip(weights, [clipped[0], clipped[2]]):
            np.testing.assert_allclose(-numpy(w), numpy(c), rtol=1e-5, atol=1e-7)


def test_clip_gradients_edge_cases():
    zero = [np.zeros(3, "float32")]
    np.testing.assert_array_equal(numpy(training.clip_gradients(zero, 1.0)[0]), zero[0])
    assert training.clip_gradients([None, None], 1.0) == [None, None]
    for theta in (0, -1.0, float("inf"), "1"):
        with pytest.raises(ValueError, match="`theta`"):
            training.clip_gradients(zero, theta)

# ----------------------------------------------------------------- EpochTimer


def test_epoch_timer_records_every_epoch():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    timer = training.EpochTimer()
    model.fit(np.zeros((4, 2)), np.zeros(4), epochs=3, verbose=0, callbacks=[timer])
    assert len(timer.times) == 3 and all(t > 0 for t in timer.times)
    assert timer.total == pytest.approx(sum(timer.times), rel=1e-6)


def test_epoch_timer_process_clock_counts_work_not_waiting():
    # A callback that sleeps 0.25 s in every epoch: the wall clock sees it, the processor clock not.
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    nap = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: time.sleep(0.25))
    wall, work = training.EpochTimer(), training.EpochTimer(clock="process")
    model.fit(np.zeros((4, 2)), np.zeros(4), epochs=3, verbose=0, callbacks=[nap, wall, work])
    assert (wall.clock, work.clock) == ("wall", "process")
    assert len(work.times) == 3 and all(t >= 0 for t in work.times)
    assert work.total == pytest.approx(sum(work.times), rel=1e-6)
    # After the first epoch (tracing), an epoch is the nap plus very little work.
    assert all(t >= 0.25 for t in wall.times[1:])
    assert all(t < 0.15 for t in work.times[1:])
