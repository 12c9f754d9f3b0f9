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


# ----------------------------------------------------------------- StopBelow


def _line_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    return model


X_LINE = np.linspace(-1, 1, 32, dtype="float32").reshape(-1, 1)


def test_stop_below_stops_at_the_first_epoch_under_the_threshold():
    model, stop = _line_model(), training.StopBelow(0.01)
    history = model.fit(X_LINE, 3 * X_LINE, epochs=300, batch_size=32, verbose=0,
                        callbacks=[stop])
    losses = history.history["loss"]
    assert stop.stopped and stop.epochs_run == len(losses) < 300
    assert losses[-1] < 0.01 and all(loss >= 0.01 for loss in losses[:-1])


def test_stop_below_runs_the_whole_budget_when_the_loss_stays_above():
    model, stop = _line_model(), training.StopBelow(1e-30)
    history = model.fit(X_LINE, 3 * X_LINE + 1, epochs=4, batch_size=32, verbose=0,
                        callbacks=[stop])
    assert not stop.stopped and stop.epochs_run == len(history.history["loss"]) == 4
    # A second fit starts a new count.
    model.fit(X_LINE, 3 * X_LINE, epochs=2, batch_size=32, verbose=0, callbacks=[stop])
    assert stop.epochs_run == 2 and not stop.stopped


def test_stop_below_can_monitor_validation_loss():
    model, stop = _line_model(), training.StopBelow(0.01, monitor="val_loss")
    history = model.fit(X_LINE, 3 * X_LINE, epochs=300, batch_size=32, verbose=0,
                        validation_data=(X_LINE[::2], 3 * X_LINE[::2]), callbacks=[stop])
    assert stop.stopped and history.history["val_loss"][-1] < 0.01


def test_stop_below_names_a_quantity_the_fit_does_not_log():
    model = _line_model()
    with pytest.raises(ValueError, match=r"monitors 'val_loss'.*logs \['loss'\]"):
        model.fit(X_LINE, X_LINE, epochs=1, verbose=0,
                  callbacks=[training.StopBelow(0.1, monitor="val_loss")])


# ----------------------------------------------------------------- step_times


def _dense_model(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    return model


def test_step_times_times_every_model_in_turn_and_trains_it():
    x, y = np.ones((4, 2), "float32"), np.ones(4, "float32")
    models = {"a": _dense_model(0), "b": _dense_model(1)}
    before = {name: m.get_weights()[0].copy() for name, m in models.items()}
    times = training.step_times(models, x, y, steps=4)
    assert sorted(times) == ["a", "b"]
    for name, record in times.items():
        assert sorted(record) == ["process", "wall"]
        assert record["wall"].shape == record["process"].shape == (4,)
        assert np.all(record["wall"] > 0) and np.all(record["process"] >= 0)
        # one untimed step and four timed ones: five SGD steps moved the weights
        assert models[name].optimizer.iterations.numpy() == 5
        assert not np.allclose(models[name].get_weights()[0], before[name])


# Bad inputs of step_times: tests/test_inputs_models.py (the campaign of every public name).
