"""d2lite's model modules under bad input: a clear error, never a silently wrong answer.

Covers `d2lite.networks`, `training`, `metrics`, `generation`, `layers` and
`d2lite.load_model`:

* The campaign: a table of bad calls to every public function and class, each of which
  must raise an error that names the argument (or the input) and the value received.
* One test group per issue item: learning rates that would train by gradient ascent;
  `clip_gradients` without overflow, in every float dtype, inside traced steps too (with
  a hypothesis property); token indices out of range (eager: an error; traced: NaN);
  `generate` with the wrong vocabulary, a NaN model, extreme temperatures; `Perplexity`
  of no tokens is NaN; saved models reload after ``import d2lite`` alone, in a fresh
  interpreter; unsaveable activations fail at save time; the callbacks' arguments.

Marked `backend` (keras.ops only), except where a test says otherwise, so that
``KERAS_BACKEND=jax pytest -m backend`` runs it too. Models are tiny (a few units).
"""

import functools
import math
import re
import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from keras import ops

import d2lite
from conftest import numpy
from d2lite import generation, layers, metrics, networks, text, training

pytestmark = pytest.mark.backend

V = 7
BACKEND = keras.backend.backend()


# ------------------------------------------------------------------ shared small things


@functools.cache
def _vocab():
    return text.Vocab(list("abcdef"))  # 7 tokens with <unk>


@functools.cache
def _lm():
    """A built, untrained GRU language model over `_vocab()` (shared: nothing mutates it)."""
    keras.utils.set_random_seed(1)
    model = networks.language_model(len(_vocab()), cell="gru", units=4, compile=False,
                                    name="small_lm")
    model(np.zeros((1, 1), "int32"))
    return model


def _language_model(**kwargs):
    return lambda: networks.language_model(**{"vocab_size": V, "cell": "rnn", "units": 3,
                                              **kwargs})


def _classifier(**kwargs):
    return lambda: networks.sequence_classifier(**{"vocab_size": V, "units": 3, **kwargs})


def _clip(grads=(np.ones(3, "float32"),), theta=1.0):
    return lambda: training.clip_gradients(list(grads) if isinstance(grads, tuple) else grads,
                                           theta)


def _generate(**kwargs):
    args = {"model": None, "vocab": None, "prefix": "ab", "num_chars": 2, **kwargs}
    args["model"] = _lm() if args["model"] is None else args["model"]
    args["vocab"] = _vocab() if args["vocab"] is None else args["vocab"]
    return lambda: generation.generate(**args)


def _generate_with(**kwargs):  # the model and vocab built when the case runs
    return lambda: _generate(**{key: value() for key, value in kwargs.items()})()


def _update(y_true, y_pred=None, sample_weight=None, **kwargs):
    def run():
        metric = metrics.Perplexity(**kwargs)
        pred = np.zeros((*np.shape(y_true), V), "float32") if y_pred is None else y_pred
        metric.update_state(np.asarray(y_true), pred, sample_weight=sample_weight)
    return run


def _cell(cls, *args, **kwargs):
    return lambda: cls(*args, **kwargs)


def _saved(cell, tmp_path):
    """Save a model holding `cell` under `tmp_path`."""
    model = keras.Sequential([keras.Input((2, 3)), keras.layers.RNN(cell)])
    model.save(tmp_path / "model.keras")


def _local_activation():
    def squash(x):  # a local function: a new session cannot import it
        return ops.tanh(x)
    return squash


def _gates(cell=None, inputs=None, initial_state=None, build=True):
    def run():
        c = layers.GRUCell(3) if cell is None else cell()
        if build:
            keras.layers.RNN(c)(np.zeros((1, 2, 4), "float32"))
        x = np.zeros((2, 5, 4), "float32") if inputs is None else inputs
        return layers.gate_activations(c, x, initial_state=initial_state)
    return run


def _fit_with(callback, stateful=False, evaluate=False):
    def run():
        model = networks.language_model(V, cell="rnn", units=2, stateful=stateful,
                                        batch_size=2 if stateful else None)
        x = np.zeros((2, 3), "int32")
        if evaluate:
            model.evaluate(x, x, callbacks=[callback()], verbose=0)
        else:
            model.fit(x, x, epochs=1, callbacks=[callback()], verbose=0)
    return run


def _nan_model():
    model = networks.language_model(len(_vocab()), cell="gru", units=3, compile=False)
    model(np.zeros((1, 1), "int32"))
    model.get_layer("logits").kernel.assign(np.full((3, len(_vocab())), np.nan, "float32"))
    return model


def _conv_model():
    tokens = keras.Input((None,), dtype="int32")
    x = networks.OneHot(len(_vocab()))(tokens)
    x = keras.layers.Conv1D(4, 3, padding="causal")(x)
    x = keras.layers.RNN(layers.GRUCell(3), return_sequences=True)(x)
    return keras.Model(tokens, keras.layers.Dense(len(_vocab()))(x))


def _float_input_model():
    inputs = keras.Input((None, len(_vocab())))
    x = keras.layers.RNN(layers.GRUCell(3), return_sequences=True)(inputs)
    return keras.Model(inputs, keras.layers.Dense(len(_vocab()))(x))


def _narrow_embedding_model():
    # Reads 3 token indices but predicts over the whole vocabulary of 7.
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(3, 2)(tokens)
    x = keras.layers.RNN(layers.GRUCell(3), return_sequences=True)(x)
    model = keras.Model(tokens, keras.layers.Dense(len(_vocab()))(x))
    model(np.zeros((1, 1), "int32"))
    return model


class _List(list):
    """A list with __contains__ and __getitem__ but no `to_tokens`: not a vocabulary."""


NAN, INF = float("nan"), float("inf")
POSITIVE_INT = "expected a positive integer"

# (id, call, exception, regex naming the argument and the value). A call taking one
# argument gets pytest's tmp_path.
CAMPAIGN = [
    # ---- networks.recipe
    ("recipe transformer", lambda: networks.recipe("transformer"), ValueError,
     r"`cell`, expected one of 'rnn', 'gru', 'lstm', got 'transformer'\."),
    ("recipe LSTM", lambda: networks.recipe("LSTM"), ValueError, r"`cell`.*got 'LSTM'"),
    ("recipe None", lambda: networks.recipe(None), ValueError, r"`cell`.*got None"),
    ("recipe list", lambda: networks.recipe(["lstm"]), ValueError, r"`cell`.*got \['lstm'\]"),
    ("recipe 3", lambda: networks.recipe(3), ValueError, r"`cell`.*got 3\."),
    # ---- networks.multiply_adds_per_step
    ("multiply_adds_per_step str", lambda: networks.multiply_adds_per_step("lm"), ValueError,
     r"`model`, expected a built Keras model or layer, got 'str'"),
    ("multiply_adds_per_step None", lambda: networks.multiply_adds_per_step(None), ValueError,
     r"`model`.*got 'NoneType'"),
    ("multiply_adds_per_step unbuilt", lambda: networks.multiply_adds_per_step(keras.layers.GRU(3)),
     ValueError, r"`model`, expected a built model \(call it on a batch first\), got 'an unbuilt GRU'"),
    # ---- networks.OneHot
    ("OneHot 0", lambda: networks.OneHot(0), ValueError, rf"`num_tokens`, {POSITIVE_INT}, got 0"),
    ("OneHot -2", lambda: networks.OneHot(-2), ValueError, r"`num_tokens`.*got -2"),
    ("OneHot 2.5", lambda: networks.OneHot(2.5), ValueError, r"`num_tokens`.*got 2\.5"),
    ("OneHot True", lambda: networks.OneHot(True), ValueError, r"`num_tokens`.*got True"),
    ("OneHot '4'", lambda: networks.OneHot("4"), ValueError, r"`num_tokens`.*got '4'"),
    ("OneHot None", lambda: networks.OneHot(None), ValueError, r"`num_tokens`.*got None"),
    ("OneHot id 5", lambda: networks.OneHot(3)(np.array([[5, -1]])), ValueError,
     r"integers in \[0, 3\), got 5 at position \(0, 0\) \(2 of 2"),
    ("OneHot id -1", lambda: networks.OneHot(3)(np.array([[0, 2], [1, -1]])), ValueError,
     r"integers in \[0, 3\), got -1 at position \(1, 1\) \(1 of 4"),
    ("OneHot id 3 (=num_tokens)", lambda: networks.OneHot(3)(np.array([[3]])), ValueError,
     r"\[0, 3\), got 3 at position \(0, 0\)"),
    ("OneHot id 0.5", lambda: networks.OneHot(3)(np.array([[0.5]], "float32")), ValueError,
     r"\[0, 3\), got 0\.5 at"),
    ("OneHot id nan", lambda: networks.OneHot(3)(np.array([[np.nan]], "float32")), ValueError,
     r"\[0, 3\), got nan at"),
    # ---- networks.language_model: sizes
    ("lm vocab 0", _language_model(vocab_size=0), ValueError,
     rf"`vocab_size`, {POSITIVE_INT}, got 0"),
    ("lm vocab 2.5", _language_model(vocab_size=2.5), ValueError, r"`vocab_size`.*got 2\.5"),
    ("lm vocab True", _language_model(vocab_size=True), ValueError, r"`vocab_size`.*got True"),
    ("lm vocab '28'", _language_model(vocab_size="28"), ValueError, r"`vocab_size`.*got '28'"),
    ("lm vocab None", _language_model(vocab_size=None), ValueError, r"`vocab_size`.*got None"),
    ("lm units 0", _language_model(units=0), ValueError, rf"`units`, {POSITIVE_INT}, got 0"),
    ("lm units -3", _language_model(units=-3), ValueError, r"`units`.*got -3"),
    ("lm units 2.5", _language_model(units=2.5), ValueError, r"`units`.*got 2\.5"),
    ("lm units True", _language_model(units=True), ValueError, r"`units`.*got True"),
    ("lm units '8'", _language_model(units="8"), ValueError, r"`units`.*got '8'"),
    ("lm num_layers 0", _language_model(num_layers=0), ValueError, r"`num_layers`.*got 0"),
    ("lm num_layers 1.5", _language_model(num_layers=1.5), ValueError, r"`num_layers`.*got 1\.5"),
    ("lm num_layers False", _language_model(num_layers=False), ValueError,
     r"`num_layers`.*got False"),
    ("lm embedding_dim 0", _language_model(embedding_dim=0), ValueError,
     r"`embedding_dim`.*got 0"),
    ("lm embedding_dim 2.0", _language_model(embedding_dim=2.0), ValueError,
     r"`embedding_dim`.*got 2\.0"),
    ("lm too large", _language_model(vocab_size=10**6, units=10**5), ValueError,
     r"`vocab_size`, `units` and `num_layers`.*more than 2\*\*31.*vocab_size=1000000, "
     r"units=100000"),
    ("lm embedding too large", _language_model(vocab_size=10**7, embedding_dim=10**3),
     ValueError, r"`embedding_dim`.*more than 2\*\*31.*embedding_dim=1000"),
    # ---- language_model: cells
    ("lm cell transformer", _language_model(cell="transformer"), ValueError,
     r"`cell`, expected one of 'rnn', 'gru', 'lstm', a cell.*got 'transformer'"),
    ("lm cell LSTM", _language_model(cell="LSTM"), ValueError, r"`cell`.*got 'LSTM'"),
    ("lm cell 3", _language_model(cell=3), ValueError, r"`cell`.*got 3\."),
    ("lm cell None", _language_model(cell=None), ValueError, r"`cell`.*got None"),
    ("lm cell callable -> str", _language_model(cell=lambda units: "not a cell"), ValueError,
     r"`cell`, expected a callable returning an RNN cell.*got 'not a cell'"),
    ("lm cell=keras.layers.LSTM", _language_model(cell=keras.layers.LSTM), ValueError,
     r"`cell`.*LSTM is a whole recurrent layer, pass its cell"),
    ("lm cell=LSTM(3)", lambda: networks.language_model(V, cell=keras.layers.LSTM(3)),
     ValueError, r"`cell`.*LSTM is a whole recurrent layer"),
    ("lm cell=Dense(3)", lambda: networks.language_model(V, cell=keras.layers.Dense(3)),
     ValueError, r"`cell`.*got <Dense"),
    ("lm cell instance, 2 layers",
     lambda: networks.language_model(V, cell=layers.LSTMCell(3), num_layers=2), ValueError,
     r"cell instance for `cell` with num_layers=2"),
    ("lm cell instance, other units",
     lambda: networks.language_model(V, cell=layers.LSTMCell(3), units=8), ValueError,
     r"`units`: the cell instance passed as `cell` has 3 units, got units=8"),
    ("lm callable returns one instance",
     lambda: networks.language_model(V, cell=(lambda shared: lambda units: shared)(
         layers.GRUCell(3)), units=3, num_layers=2), ValueError,
     r"`cell`, expected a callable that builds a new cell for every layer"),
    # ---- language_model: rates and training settings
    ("lm dropout 1.0", _language_model(num_layers=2, dropout=1.0), ValueError,
     r"`dropout`, expected a number in \[0, 1\), got 1\.0"),
    ("lm dropout -0.1", _language_model(num_layers=2, dropout=-0.1), ValueError,
     r"`dropout`.*got -0\.1"),
    ("lm dropout nan", _language_model(num_layers=2, dropout=NAN), ValueError,
     r"`dropout`.*got nan"),
    ("lm dropout True", _language_model(num_layers=2, dropout=True), ValueError,
     r"`dropout`.*got True"),
    ("lm dropout '0.2'", _language_model(num_layers=2, dropout="0.2"), ValueError,
     r"`dropout`.*got '0\.2'"),
    ("lm dropout None", _language_model(num_layers=2, dropout=None), ValueError,
     r"`dropout`.*got None"),
    ("lm learning_rate -0.05", _language_model(learning_rate=-0.05), ValueError,
     r"`learning_rate`, expected a finite positive number.*got -0\.05"),
    ("lm learning_rate 0", _language_model(learning_rate=0), ValueError,
     r"`learning_rate`.*got 0\."),
    ("lm learning_rate nan", _language_model(learning_rate=NAN), ValueError,
     r"`learning_rate`.*got nan"),
    ("lm learning_rate inf", _language_model(learning_rate=INF), ValueError,
     r"`learning_rate`.*got inf"),
    ("lm learning_rate '0.01'", _language_model(learning_rate="0.01"), ValueError,
     r"`learning_rate`.*got '0\.01'"),
    ("lm learning_rate True", _language_model(learning_rate=True), ValueError,
     r"`learning_rate`.*got True"),
    ("lm clipnorm 0", _language_model(clipnorm=0), ValueError, r"`clipnorm`.*got 0\."),
    ("lm clipnorm -1", _language_model(clipnorm=-1), ValueError, r"`clipnorm`.*got -1"),
    ("lm clipnorm nan", _language_model(clipnorm=NAN), ValueError, r"`clipnorm`.*got nan"),
    ("lm clipnorm '1'", _language_model(clipnorm="1"), ValueError, r"`clipnorm`.*got '1'"),
    ("lm jit_compile 'yes'", _language_model(jit_compile="yes"), ValueError,
     r"`jit_compile`, expected None, True, False or 'auto', got 'yes'"),
    ("lm jit_compile 1", _language_model(jit_compile=1), ValueError, r"`jit_compile`.*got 1\."),
    ("lm steps_per_execution 0", _language_model(steps_per_execution=0), ValueError,
     r"`steps_per_execution`.*got 0"),
    ("lm steps_per_execution 1.5", _language_model(steps_per_execution=1.5), ValueError,
     r"`steps_per_execution`.*got 1\.5"),
    ("lm unroll 'False'", _language_model(unroll="False"), ValueError,
     r"`unroll`, expected True or False, got 'False'"),
    ("lm stateful 1", _language_model(stateful=1), ValueError, r"`stateful`.*got 1\."),
    ("lm stateful, no batch_size", _language_model(stateful=True), ValueError,
     r"`batch_size`, expected a positive integer with `stateful=True`.*got None"),
    ("lm batch_size 0", _language_model(stateful=True, batch_size=0), ValueError,
     r"`batch_size`.*got 0"),
    ("lm batch_size 2.5", _language_model(batch_size=2.5), ValueError,
     r"`batch_size`.*got 2\.5"),
    ("lm compile 'yes'", _language_model(compile="yes"), ValueError, r"`compile`.*got 'yes'"),
    ("lm name 3", _language_model(name=3), ValueError,
     r"`name`, expected None or a non-empty string, got 3"),
    ("lm name ''", _language_model(name=""), ValueError, r"`name`.*got ''"),
    # ---- networks.sequence_classifier
    ("clf vocab 1 with mask_zero", _classifier(vocab_size=1), ValueError,
     r"`vocab_size`, expected an integer >= 2, got 1"),
    ("clf vocab 0 without mask", _classifier(vocab_size=0, mask_zero=False), ValueError,
     rf"`vocab_size`, {POSITIVE_INT}, got 0"),
    ("clf jit_compile 'yes'", _classifier(jit_compile="yes"), ValueError,
     r"`jit_compile`, expected None, True, False or 'auto', got 'yes'"),
    ("clf jit_compile 1", _classifier(jit_compile=1), ValueError, r"`jit_compile`.*got 1"),
    ("clf num_classes 1", _classifier(num_classes=1), ValueError,
     r"`num_classes`, expected an integer >= 2, got 1"),
    ("clf num_classes 2.0", _classifier(num_classes=2.0), ValueError,
     r"`num_classes`.*got 2\.0"),
    ("clf cell transformer", _classifier(cell="transformer"), ValueError,
     r"`cell`.*got 'transformer'"),
    ("clf cell=GRU class", _classifier(cell=keras.layers.GRU), ValueError,
     r"`cell`.*GRU is a whole recurrent layer"),
    ("clf units 0", _classifier(units=0), ValueError, r"`units`.*got 0"),
    ("clf cell instance, other units", _classifier(cell=layers.GRUCell(4), units=8), ValueError,
     r"has 4 units, got units=8"),
    ("clf embedding_dim 0", _classifier(embedding_dim=0), ValueError,
     r"`embedding_dim`.*got 0"),
    ("clf mask_zero 'yes'", _classifier(mask_zero="yes"), ValueError,
     r"`mask_zero`, expected True or False, got 'yes'"),
    ("clf learning_rate -1", _classifier(learning_rate=-1), ValueError,
     r"`learning_rate`.*got -1"),
    ("clf learning_rate nan", _classifier(learning_rate=NAN), ValueError,
     r"`learning_rate`.*got nan"),
    ("clf clipnorm 0", _classifier(clipnorm=0), ValueError, r"`clipnorm`.*got 0"),
    ("clf compile None", _classifier(compile=None), ValueError, r"`compile`.*got None"),
    ("clf name 5", _classifier(name=5), ValueError, r"`name`.*got 5"),
    ("clf too large", _classifier(vocab_size=10**8, embedding_dim=100), ValueError,
     r"more than 2\*\*31.*vocab_size=100000000"),
    # ---- training.clip_gradients
    ("clip theta 0", _clip(theta=0), ValueError,
     r"`theta`, expected a finite positive number, got 0\."),
    ("clip theta -1", _clip(theta=-1.0), ValueError, r"`theta`.*got -1\.0"),
    ("clip theta inf", _clip(theta=INF), ValueError, r"`theta`.*got inf"),
    ("clip theta nan", _clip(theta=NAN), ValueError, r"`theta`.*got nan"),
    ("clip theta '1'", _clip(theta="1"), ValueError, r"`theta`.*got '1'"),
    ("clip theta None", _clip(theta=None), ValueError, r"`theta`.*got None"),
    ("clip theta True", _clip(theta=True), ValueError, r"`theta`.*got True"),
    ("clip grads array", _clip(grads=np.zeros(3)), ValueError,
     r"`grads`, expected a list of gradient tensors.*got ndarray of dtype float64 and shape "
     r"\(3,\)"),
    ("clip grads None", _clip(grads=None), ValueError, r"`grads`.*got None"),
    ("clip grads dict", _clip(grads={"w": np.ones(2)}), ValueError, r"`grads`.*got \{'w'"),
    ("clip int gradient", _clip(grads=(np.ones(2, "float32"), np.array([1, 2]))), ValueError,
     r"`grads`: entry 1 has dtype int\d+, expected floating-point gradients"),
    ("clip bool gradient", _clip(grads=(np.array([True]),)), ValueError,
     r"`grads`: entry 0 has dtype bool"),
    ("clip int list", _clip(grads=([3, 4],)), ValueError, r"entry 0 has dtype int"),
    # ---- training.reset_states, ResetStates, EpochTimer
    ("reset_states None", lambda: training.reset_states(None), ValueError,
     r"`model`, expected a Keras model or layer, got None"),
    ("reset_states str", lambda: training.reset_states("lm"), ValueError,
     r"`model`.*got 'lm'"),
    ("reset_states History", lambda: training.reset_states(keras.callbacks.History()),
     ValueError, r"`model`.*History"),
    ("ResetStates on_test 'no'", lambda: training.ResetStates(on_test="no"), ValueError,
     r"`on_test`, expected True or False, got 'no'"),
    ("ResetStates on_test 1", lambda: training.ResetStates(on_test=1), ValueError,
     r"`on_test`.*got 1\."),
    ("ResetStates on_test None", lambda: training.ResetStates(on_test=None), ValueError,
     r"`on_test`.*got None"),
    ("ResetStates, stateless fit", _fit_with(training.ResetStates), ValueError,
     r"has no stateful recurrent layer"),
    ("ResetStates, stateless evaluate", _fit_with(training.ResetStates, evaluate=True),
     ValueError, r"has no stateful recurrent layer"),
    ("EpochTimer(5)", lambda: training.EpochTimer(5), TypeError, r"positional argument"),
    ("StopBelow threshold nan", lambda: training.StopBelow(float("nan")), ValueError,
     r"`threshold`, expected a finite number, got nan"),
    ("StopBelow threshold '0.1'", lambda: training.StopBelow("0.1"), ValueError,
     r"`threshold`.*got '0.1'"),
    ("StopBelow threshold True", lambda: training.StopBelow(True), ValueError,
     r"`threshold`.*got True"),
    ("StopBelow monitor ''", lambda: training.StopBelow(0.1, monitor=""), ValueError,
     r"`monitor`, expected a non-empty string, got ''"),
    ("StopBelow monitor None", lambda: training.StopBelow(0.1, monitor=None), ValueError,
     r"`monitor`.*got None"),
    ("EpochTimer clock 'cpu'", lambda: training.EpochTimer(clock="cpu"), ValueError,
     r"`clock`.*\"wall\" or \"process\".*got 'cpu'"),
    ("EpochTimer clock None", lambda: training.EpochTimer(clock=None), ValueError,
     r"`clock`.*got None"),
    ("EpochTimer epoch before train", lambda: training.EpochTimer().on_epoch_end(0),
     RuntimeError, r"on_epoch_end was called before on_train_begin"),
    # ---- training.step_times
    ("step_times no models", lambda: training.step_times({}, np.zeros((4, 2)), np.zeros(4)),
     ValueError, r"`models`, expected a non-empty dict"),
    ("step_times a list", lambda: training.step_times([1], np.zeros((4, 2)), np.zeros(4)),
     ValueError, r"`models`, expected a non-empty dict.*got \[1\]"),
    ("step_times not a model", lambda: training.step_times({"a": "x"}, np.zeros((4, 2)), np.zeros(4)),
     ValueError, r"`models\['a'\]`, expected a compiled keras.Model, got 'x'"),
    ("step_times steps 0", lambda: training.step_times({"a": keras.Sequential()}, np.zeros((4, 2)),
                                                       np.zeros(4), steps=0),
     ValueError, r"`steps`, expected a positive integer, got 0"),
    ("step_times steps True", lambda: training.step_times({"a": keras.Sequential()}, np.zeros((4, 2)),
                                                          np.zeros(4), steps=True),
     ValueError, r"`steps`.*got True"),
    # ---- metrics.Perplexity
    ("Perplexity from_logits 'yes'", lambda: metrics.Perplexity(from_logits="yes"), ValueError,
     r"`from_logits`, expected True or False, got 'yes'"),
    ("Perplexity from_logits None", lambda: metrics.Perplexity(from_logits=None), ValueError,
     r"`from_logits`.*got None"),
    ("Perplexity name ''", lambda: metrics.Perplexity(name=""), ValueError,
     r"`name`, expected a non-empty string, got ''"),
    ("Perplexity name 3", lambda: metrics.Perplexity(name=3), ValueError, r"`name`.*got 3"),
    ("Perplexity label 7", _update([[1, 7]]), ValueError,
     r"`y_true`: token indices should be integers in \[0, 7\), got 7 at position \(0, 1\)"),
    ("Perplexity label -1", _update([[-1, 2]]), ValueError, r"`y_true`.*got -1 at position"),
    ("Perplexity label 1.5", _update(np.array([[1.5]], "float32")), ValueError,
     r"`y_true`.*got 1\.5"),
    ("Perplexity weight -1", _update([[1, 2]], sample_weight=np.array([[1.0, -1.0]])),
     ValueError, r"`sample_weight`, expected finite non-negative weights, got -1\.0 at "
     r"position \(0, 1\)"),
    ("Perplexity weight nan", _update([[1, 2]], sample_weight=np.array([[NAN, 1.0]])),
     ValueError, r"`sample_weight`.*got nan"),
    ("Perplexity label 9 weighted 1", _update([[9, 1]], sample_weight=np.array([[1.0, 0.0]])),
     ValueError, r"`y_true`.*got 9"),
    # ---- generation.generate
    ("generate model 'lm'", _generate(model="lm"), ValueError,
     r"`model`, expected a keras.Model \(a language model\), got a str\."),
    ("generate model None", lambda: generation.generate(None, _vocab(), "a"), ValueError,
     r"`model`.*got a NoneType"),
    ("generate vocab list", _generate(vocab=_List("abcdefg")), ValueError,
     r"`vocab`, expected a d2lite.text.Vocab \(an object with `to_tokens`\), got a _List"),
    ("generate vocab too large", _generate_with(vocab=lambda: text.Vocab(list("abcdefg"))),
     ValueError, r"`vocab`: it has 8 tokens, but model 'small_lm' gives logits over 7"),
    ("generate vocab too small", _generate_with(vocab=lambda: text.Vocab(list("abc"))),
     ValueError, r"`vocab`: it has 4 tokens.*over 7"),
    ("generate prefix ''", _generate(prefix=""), ValueError, r"`prefix`.*at least one token"),
    ("generate prefix 12", _generate(prefix=12), ValueError, r"`prefix`.*got 12"),
    ("generate prefix None", _generate(prefix=None), ValueError, r"`prefix`.*got None"),
    ("generate prefix 'xyz'", _generate(prefix="axyz"), ValueError,
     r"not in the vocabulary: 'x', 'y', 'z'"),
    ("generate prefix [['a']]", _generate(prefix=[["a"]]), ValueError,
     r"`prefix`.*(its tokens should be hashable|not in the vocabulary: \['a'\])"),
    ("generate prefix beyond the embedding",
     _generate_with(model=_narrow_embedding_model, prefix=lambda: "bef"), ValueError,
     r"`prefix`: the tokens 'e', 'f' have indices \[5, 6\].*outside \[0, 3\), what model"),
    ("generate model reads fewer tokens than it predicts",
     _generate_with(model=_narrow_embedding_model), ValueError,
     r"reads 3 token indices but predicts 7; a generated token could not be read back"),
    ("generate num_chars -1", _generate(num_chars=-1), ValueError,
     r"`num_chars`, expected a non-negative integer, got -1"),
    ("generate num_chars 2.5", _generate(num_chars=2.5), ValueError, r"`num_chars`.*got 2\.5"),
    ("generate num_chars True", _generate(num_chars=True), ValueError,
     r"`num_chars`.*got True"),
    ("generate num_chars '5'", _generate(num_chars="5"), ValueError, r"`num_chars`.*got '5'"),
    ("generate num_chars 10**7", _generate(num_chars=10**7), ValueError,
     r"`num_chars`, expected an integer in \[0, 1000000\].*got 10000000"),
    ("generate sample 'yes'", _generate(sample="yes"), ValueError,
     r"`sample`, expected True or False, got 'yes'"),
    ("generate sample 1", _generate(sample=1), ValueError, r"`sample`.*got 1\."),
    ("generate sample None", _generate(sample=None), ValueError, r"`sample`.*got None"),
    ("generate temperature 0", _generate(temperature=0), ValueError,
     r"`temperature`, expected a finite positive number, got 0"),
    ("generate temperature -1", _generate(temperature=-1.0), ValueError,
     r"`temperature`.*got -1\.0"),
    ("generate temperature nan", _generate(temperature=NAN), ValueError,
     r"`temperature`.*got nan"),
    ("generate temperature inf", _generate(temperature=INF), ValueError,
     r"`temperature`.*got inf"),
    ("generate temperature '1'", _generate(temperature="1"), ValueError,
     r"`temperature`.*got '1'"),
    ("generate seed -1", _generate(seed=-1), ValueError,
     r"`seed`, expected None, a non-negative integer or a np.random.Generator, got -1"),
    ("generate seed 1.5", _generate(seed=1.5), ValueError, r"`seed`.*got 1\.5"),
    ("generate seed '0'", _generate(seed="0"), ValueError, r"`seed`.*got '0'"),
    ("generate seed True", _generate(seed=True), ValueError, r"`seed`.*got True"),
    ("generate NaN weights", _generate_with(model=_nan_model), ValueError,
     r"gave non-finite logits \(nan among them\) after 2 tokens.*NaN or inf"),
    ("generate unbuilt model",
     lambda: generation.generate(keras.Sequential([networks.OneHot(V)]), _vocab(), "a"),
     ValueError, r"is not built yet"),
    ("generate Conv1D model", _generate_with(model=_conv_model), ValueError,
     r"\(Conv1D\) mixes time steps"),
    ("generate float-input model", _generate_with(model=_float_input_model), ValueError,
     r"should take token indices of shape \(batch, steps\); its input has shape "
     r"\(None, None, 7\)"),
    # ---- layers: the cells
    ("SimpleRNNCell units 0", _cell(layers.SimpleRNNCell, 0), ValueError,
     rf"`units`, {POSITIVE_INT}, got 0\."),
    ("GRUCell units 2.5", _cell(layers.GRUCell, 2.5), ValueError, r"`units`.*got 2\.5"),
    ("LSTMCell units True", _cell(layers.LSTMCell, True), ValueError, r"`units`.*got True"),
    ("SimpleRNNCell activation 'tanhh'", _cell(layers.SimpleRNNCell, 2, activation="tanhh"),
     ValueError, r"`activation`, expected an activation name or callable, got 'tanhh'"),
    ("LSTMCell activation 3", _cell(layers.LSTMCell, 2, activation=3), ValueError,
     r"`activation`.*got 3\."),
    ("GRUCell recurrent_activation 'sigmod'",
     _cell(layers.GRUCell, 2, recurrent_activation="sigmod"), ValueError,
     r"`recurrent_activation`.*got 'sigmod'"),
    ("LSTMCell recurrent_activation None-like ''",
     _cell(layers.LSTMCell, 2, recurrent_activation=""), ValueError,
     r"`recurrent_activation`.*got ''"),
    ("SimpleRNNCell use_bias 'no'", _cell(layers.SimpleRNNCell, 2, use_bias="no"), ValueError,
     r"`use_bias`, expected True or False, got 'no'"),
    ("GRUCell use_bias 1", _cell(layers.GRUCell, 2, use_bias=1), ValueError,
     r"`use_bias`.*got 1\."),
    ("LSTMCell unit_forget_bias 'yes'", _cell(layers.LSTMCell, 2, unit_forget_bias="yes"),
     ValueError, r"`unit_forget_bias`, expected True or False, got 'yes'"),
    ("GRUCell reset_after 1", _cell(layers.GRUCell, 2, reset_after=1), ValueError,
     r"`reset_after`, expected True or False, got 1"),
    ("LSTMCell kernel_initializer None", _cell(layers.LSTMCell, 2, kernel_initializer=None),
     ValueError, r"`kernel_initializer`, expected an initializer name or instance, got None"),
    ("GRUCell bias_initializer 'nope'", _cell(layers.GRUCell, 2, bias_initializer="nope"),
     ValueError, r"`bias_initializer`.*got 'nope'"),
    ("SimpleRNNCell kernel_regularizer 'l3'",
     _cell(layers.SimpleRNNCell, 2, kernel_regularizer="l3"), ValueError,
     r"`kernel_regularizer`.*got 'l3'"),
    ("LSTMCell recurrent_constraint 'positive'",
     _cell(layers.LSTMCell, 2, recurrent_constraint="positive"), ValueError,
     r"`recurrent_constraint`.*got 'positive'"),
    ("GRUCell dropout=0.5", _cell(layers.GRUCell, 2, dropout=0.5), ValueError,
     r"Unrecognized keyword arguments passed to GRUCell: \{'dropout': 0\.5\}"),
    ("save lambda activation",
     lambda tmp_path: _saved(layers.GRUCell(2, activation=lambda x: ops.tanh(x), name="g"),
                             tmp_path), ValueError,
     r"Cannot serialize argument `activation` of GRUCell 'g'.*a lambda.*safe_mode=False"),
    ("save local recurrent_activation",
     lambda tmp_path: _saved(layers.LSTMCell(2, recurrent_activation=_local_activation()),
                             tmp_path), ValueError,
     r"`recurrent_activation` of LSTMCell.*_local_activation.<locals>.squash is a local "
     r"function"),
    ("save lambda kernel_initializer",
     lambda tmp_path: _saved(layers.SimpleRNNCell(
         2, kernel_initializer=lambda shape, dtype=None: ops.ones(shape, dtype)), tmp_path),
     ValueError, r"`kernel_initializer` of SimpleRNNCell.*a lambda"),
    # ---- layers.gate_activations
    ("gate_activations cell 'gru'", lambda: layers.gate_activations("gru", np.zeros((1, 2, 3))),
     ValueError, r"`cell`, expected a SimpleRNNCell, GRUCell or LSTMCell.*got 'gru'"),
    ("gate_activations Dense", lambda: layers.gate_activations(keras.layers.Dense(2),
                                                               np.zeros((1, 2, 3))),
     ValueError, r"`cell`.*got <Dense"),
    ("gate_activations unbuilt", _gates(build=False), ValueError, r"is not built yet"),
    ("gate_activations 2-D inputs", _gates(inputs=np.zeros((5, 4), "float32")), ValueError,
     r"`inputs`, expected a 3-D tensor.*got shape \(5, 4\)"),
    ("gate_activations features", _gates(inputs=np.zeros((2, 5, 3), "float32")), ValueError,
     r"`inputs`: cell .* takes 4 features per step, got inputs of shape \(2, 5, 3\)"),
    ("gate_activations initial_state", _gates(initial_state=[np.zeros((2, 4))]), ValueError,
     r"`initial_state`, expected a list of 1 state\(s\) of shape \(2, 3\), got shapes "
     r"\[\(2, 4\)\]"),
    ("gate_activations LSTM one state", _gates(cell=lambda: layers.LSTMCell(3),
                                               initial_state=[np.zeros((2, 3))]), ValueError,
     r"`initial_state`, expected a list of 2 state\(s\)"),
    # ---- d2lite.load_model
    ("load_model 3", lambda: d2lite.load_model(3), ValueError,
     r"`path`, expected a string or os.PathLike naming a saved model, got 3"),
    ("load_model missing", lambda tmp_path: d2lite.load_model(tmp_path / "missing.keras"),
     ValueError, r"`path`, expected a saved model.*got '.*missing\.keras', which does not "
     r"exist\."),
    ("load_model not a model",
     lambda tmp_path: (tmp_path / "notes.keras").write_text("hello") and d2lite.load_model(
         tmp_path / "notes.keras"), ValueError,
     r"`path`.*got '.*notes\.keras', which is not a zip archive"),
    ("load_model a folder", lambda tmp_path: d2lite.load_model(tmp_path), ValueError,
     r"File format not supported: filepath=.*Keras 3 only supports V3 `\.keras` files"),
]


def _run(call, tmp_path):
    return call(tmp_path) if call.__code__.co_argcount == 1 else call()


@pytest.mark.parametrize("call, exception, pattern", [c[1:] for c in CAMPAIGN],
                         ids=[c[0] for c in CAMPAIGN])
def test_bad_input_gets_a_clear_error(call, exception, pattern, tmp_path):
    with pytest.raises(exception) as error:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # e.g. dropout with one layer
            _run(call, tmp_path)
    assert re.search(pattern, str(error.value), re.DOTALL), str(error.value)


def test_the_campaign_covers_every_public_name():
    covered = " ".join(c[0] for c in CAMPAIGN)
    public = {
        "recipe": networks, "OneHot": networks, "lm ": networks, "clf ": networks,
        "multiply_adds_per_step": networks,
        "clip ": training, "reset_states": training, "ResetStates": training,
        "EpochTimer": training, "StopBelow": training, "step_times": training, "Perplexity": metrics, "generate": generation,
        "SimpleRNNCell": layers, "GRUCell": layers, "LSTMCell": layers,
        "gate_activations": layers, "load_model": d2lite,
    }
    for name in public:
        assert name in covered, name
    names = {n for m in (networks, training, metrics, generation, layers) for n in m.__all__}
    assert names - {"RECIPE"} <= {"recipe", "OneHot", "language_model", "sequence_classifier",
                                  "multiply_adds_per_step",
                                  "clip_gradients", "reset_states", "ResetStates", "EpochTimer", "StopBelow",
                                  "step_times",
                                  "Perplexity", "generate", "SimpleRNNCell", "GRUCell",
                                  "LSTMCell", "gate_activations"}
    assert len(CAMPAIGN) >= 80


# ------------------------------------------------------------------ 1. networks: valid calls


def test_a_negative_learning_rate_never_trains_by_gradient_ascent():
    for rate in (-0.05, 0, 0.0, NAN, -INF):
        with pytest.raises(ValueError, match="`learning_rate`"):
            networks.language_model(V, cell="rnn", units=2, learning_rate=rate)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)
    model = networks.language_model(V, cell="rnn", units=2, learning_rate=schedule)
    assert model.optimizer.learning_rate is not None
    assert networks.sequence_classifier(V, units=2, learning_rate=schedule).optimizer


def test_every_kind_of_call_the_notebooks_make_is_still_accepted():
    # notebooks 04-08 (units shrunk): names, a budget dict, stateful, dropout, numpy ints.
    budget = dict(cell="rnn", units=4, learning_rate=0.01)
    models = [
        networks.language_model(28, cell="rnn", units=4),
        networks.language_model(28, **budget),
        networks.language_model(28, stateful=True, batch_size=np.int64(2), **budget),
        networks.language_model(28, cell="gru", units=4, num_layers=2, dropout=0.2),  # (3)
        networks.language_model(28, cell="gru", units=4, num_layers=2, dropout=0.0,
                                learning_rate=0.01),
        networks.language_model(28, cell="lstm", units=4, num_layers=2, compile=False),  # (4)
        networks.language_model(np.int64(28), cell=layers.GRUCell, units=np.int32(4),
                                embedding_dim=3, jit_compile="auto", unroll=np.bool_(True)),
        networks.language_model(28, cell=layers.LSTMCell(4)),  # the instance's own units
        networks.language_model(28, cell=layers.LSTMCell(4), units=4),
        networks.sequence_classifier(51, cell="gru", units=4, embedding_dim=3,
                                     learning_rate=0.005),
        networks.sequence_classifier(51, cell=layers.GRUCell(4), mask_zero=False),
    ]
    for model in models:  # built (functional), with the output the notebooks expect
        assert model.output_shape[-1] in (28, 2)
    assert tuple(models[6](np.ones((2, 3), "int32")).shape) == (2, 3, 28)
    assert models[7].get_layer("rnn_1").cell.units == 4
    assert models[-1].get_layer("rnn").cell.units == 4
    assert networks.sequence_classifier(51).get_layer("rnn").cell.units == 64  # the default
    assert networks.recipe("rnn")["units"] == 128


def test_dropout_with_a_single_layer_warns_that_it_does_nothing():
    with pytest.warns(UserWarning, match=r"dropout=0\.3 has no effect with num_layers=1"):
        model = networks.language_model(V, cell="rnn", units=2, dropout=0.3)
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        networks.language_model(V, cell="rnn", units=2, num_layers=2, dropout=0.3)


# ------------------------------------------------------------------ 2. clip_gradients


def _norm(arrays):
    """The global norm in float64, scaled so that it cannot overflow."""
    arrays = [np.asarray(a, "float64") for a in arrays]
    m = max((np.abs(a).max(initial=0.0) for a in arrays), default=0.0)
    if m == 0:
        return 0.0
    return m * math.sqrt(sum(float(np.sum((a / m) ** 2)) for a in arrays))


def test_float16_gradients_whose_squares_overflow_are_clipped_not_zeroed():
    # 1000**2 overflows float16 (max 65504): the norm used to be inf, the result zeros.
    grads = [np.full((4,), 1000.0, "float16"), np.full((2, 2), -1000.0, "float16")]
    clipped = training.clip_gradients(grads, 1.0)
    assert [keras.backend.standardize_dtype(c.dtype) for c in clipped] == ["float16", "float16"]
    values = [numpy(c).astype("float64") for c in clipped]
    assert _norm(values) == pytest.approx(1.0, rel=1e-3)
    np.testing.assert_allclose(values[0], np.full(4, 1 / math.sqrt(8)), rtol=1e-3)
    np.testing.assert_allclose(values[1], np.full((2, 2), -1 / math.sqrt(8)), rtol=1e-3)
    # Unclipped float16 gradients come back unchanged, bit for bit.
    small = [np.array([0.1, -0.2], "float16")]
    np.testing.assert_array_equal(numpy(training.clip_gradients(small, 1.0)[0]), small[0])


def test_huge_and_tiny_float32_gradients():
    huge = [np.full(3, 3e38, "float32"), np.array([1e38], "float32")]  # squares overflow float32
    values = [numpy(c) for c in training.clip_gradients(huge, 2.0)]
    assert all(np.isfinite(v).all() for v in values)
    assert _norm(values) == pytest.approx(2.0, rel=1e-5)
    np.testing.assert_allclose(values[0] / values[1][0], 3.0, rtol=1e-5)  # the direction
    tiny = [np.full(3, 1e-30, "float32")]  # squares underflow to 0: unchanged, not NaN
    np.testing.assert_array_equal(numpy(training.clip_gradients(tiny, 1.0)[0]), tiny[0])
    # θ far below the norm: the result has norm θ, with no underflow of θ / ‖g‖.
    out = numpy(training.clip_gradients([np.full(4, 1e30, "float32")], 1e-30)[0])
    np.testing.assert_allclose(out, np.full(4, 0.5e-30), rtol=1e-5)


def test_mixed_dtypes_keep_their_dtypes_and_share_one_norm():
    grads = [np.array([3.0], "float16"), None, np.array([[4.0]], "float32"),
             np.array([12.0], "float64")]
    clipped = training.clip_gradients(grads, 1.0)
    assert clipped[1] is None
    expected = ["float16", "float32",
                "float64" if BACKEND != "jax" else keras.backend.standardize_dtype(
                    ops.convert_to_tensor(grads[3]).dtype)]
    assert [keras.backend.standardize_dtype(c.dtype) for c in (clipped[0], clipped[2],
                                                                clipped[3])] == expected
    got = [float(numpy(c).ravel()[0]) for c in (clipped[0], clipped[2], clipped[3])]
    np.testing.assert_allclose(got, [3 / 13, 4 / 13, 12 / 13], rtol=1e-3)
    bf16 = training.clip_gradients([ops.cast(np.array([30.0, 40.0]), "bfloat16")], 5.0)[0]
    assert keras.backend.standardize_dtype(bf16.dtype) == "bfloat16"
    np.testing.assert_allclose(numpy(ops.cast(bf16, "float32")), [3.0, 4.0], rtol=1e-2)


def test_none_gradients_pass_through_as_none():
    assert training.clip_gradients([None, None], 1.0) == [None, None]
    assert training.clip_gradients([], 1.0) == []
    assert training.clip_gradients((None,), 1.0) == [None]
    out = training.clip_gradients([None, np.array([6.0, 8.0], "float32"), None], 5.0)
    assert out[0] is None and out[2] is None
    np.testing.assert_allclose(numpy(out[1]), [3.0, 4.0], rtol=1e-6)


def test_non_finite_gradients_give_nan_everywhere_as_tf_clip_by_global_norm():
    for bad in (np.inf, -np.inf, np.nan):
        out = training.clip_gradients([np.array([1.0, bad], "float32"),
                                       np.array([2.0], "float16")], 1.0)
        assert all(np.isnan(numpy(o)).all() for o in out)


def test_keras_gradients_with_an_unused_variable():
    # Keras gives None for a variable the loss does not use; clipping keeps it None.
    used = keras.Variable(np.array([30.0, 40.0], "float32"))
    unused = keras.Variable(np.zeros(2, "float32"))
    if BACKEND == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = ops.sum(used * used) / 2  # gradient = used
        grads = tape.gradient(loss, [used.value, unused.value])
    else:
        pytest.skip("GradientTape's None gradients are TensorFlow's")
    assert grads[1] is None
    clipped = training.clip_gradients(grads, 5.0)
    assert clipped[1] is None
    np.testing.assert_allclose(numpy(clipped[0]), [3.0, 4.0], rtol=1e-6)


def _traced(fn):
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.function(fn)
    if BACKEND == "jax":
        import jax

        return jax.jit(fn)
    pytest.skip(f"no tracing helper for {BACKEND}")


def test_clip_gradients_inside_a_traced_step():
    clip = _traced(lambda a, b: training.clip_gradients([a, None, b], 1.0))
    a, b = np.full(3, 1000.0, "float16"), np.array([0.0], "float32")
    out = clip(a, b)
    assert out[1] is None
    np.testing.assert_allclose(numpy(out[0]).astype("float64"), np.full(3, 1 / math.sqrt(3)),
                               rtol=1e-3)
    small = clip(np.array([0.5, 0.0, 0.0], "float16"), np.array([0.5], "float32"))
    np.testing.assert_array_equal(numpy(small[0]), [0.5, 0.0, 0.0])


def _float_arrays(dtype):
    limit = {"float16": 65504.0, "float32": float(np.finfo("float32").max),
             "float64": 1e300}[dtype]
    if BACKEND == "jax":  # float64 becomes float32 there (no jax_enable_x64)
        limit = min(limit, float(np.float32(1e37)))
    elements = st.floats(-limit, limit, width={"float16": 16, "float32": 32}.get(dtype, 64),
                         allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return hnp.arrays(dtype, hnp.array_shapes(max_dims=2, max_side=4), elements=elements)


@settings(derandomize=True, max_examples=30, deadline=None)
@given(grads=st.lists(st.sampled_from(["float16", "float32", "float64"]).flatmap(_float_arrays),
                      min_size=1, max_size=4),
       theta=st.floats(1e-3, 1e3))
def test_clip_gradients_property(grads, theta):
    clipped = training.clip_gradients(grads, theta)
    given_ = [numpy(ops.convert_to_tensor(g)) for g in grads]  # what the backend holds
    float16 = any(g.dtype == "float16" for g in given_)
    tol = 2e-3 if float16 else 1e-5
    for g, c in zip(given_, clipped):  # every gradient in its own dtype
        assert keras.backend.standardize_dtype(c.dtype) == keras.backend.standardize_dtype(
            g.dtype)
    values = [numpy(c).astype("float64") for c in clipped]
    norm = _norm(given_)
    assert _norm(values) <= theta * (1 + tol) + 1e-300
    scale = min(1.0, theta / norm) if norm > 0 else 1.0
    for g, v in zip(given_, values):  # the direction kept: one scale for every gradient
        np.testing.assert_allclose(v, g.astype("float64") * scale, rtol=tol, atol=theta * tol)
    if norm <= theta * (1 - tol):  # no clipping: the gradients themselves
        for g, c in zip(given_, clipped):
            np.testing.assert_array_equal(numpy(c), g)


# ------------------------------------------------------------------ 3. token indices


def test_one_hot_raises_eagerly_and_gives_nan_rows_when_traced():
    layer = networks.OneHot(3, name="one_hot")
    with pytest.raises(ValueError, match=r"OneHot 'one_hot'.*\[0, 3\), got 5 at position "
                                         r"\(0, 0\) \(2 of 2 indices out of range\)"):
        layer(np.array([[5, -1]]))
    np.testing.assert_array_equal(numpy(layer(np.array([[2.0, 0.0]], "float32"))),
                                  np.eye(3)[[[2, 0]]])  # whole floats are indices too
    traced = _traced(lambda x: layer(x))
    out = numpy(traced(np.array([[0, 5, 2, -1]], "int32")))
    np.testing.assert_array_equal(out[0, [0, 2]], np.eye(3)[[0, 2]])
    assert np.isnan(out[0, [1, 3]]).all()  # not rows of zeros: the mistake shows


def test_an_out_of_range_token_makes_fit_and_predict_nan_not_quietly_wrong():
    model = networks.language_model(V, cell="rnn", units=2)
    x = np.zeros((2, 4), "int32")
    x[1, 2] = V
    logits = model.predict(x, verbose=0)
    assert np.isnan(logits[1, 2:]).all()  # from the bad token on
    assert np.isfinite(logits[0]).all() and np.isfinite(logits[1, :2]).all()
    with pytest.raises(ValueError, match=r"got 7 at position \(1, 2\)"):
        model(x)  # eager


def test_generate_checks_the_vocabulary_against_the_model():
    model, vocab = _lm(), _vocab()
    out = generation.generate(model, vocab, "abc", num_chars=3)
    assert out.startswith("abc") and len(out) == 6
    bigger = text.Vocab(list("abcdefg"))
    with pytest.raises(ValueError, match=r"it has 8 tokens, but model 'small_lm' gives logits "
                                         r"over 7.*the vocabulary the model was trained with"):
        generation.generate(model, bigger, "abc", num_chars=3)


def test_generate_refuses_a_model_with_nan_weights():
    with pytest.raises(ValueError, match=r"non-finite logits.*training diverged"):
        generation.generate(_nan_model(), _vocab(), "ab", num_chars=3, sample=True, seed=0)
    assert generation.generate(_nan_model(), _vocab(), "ab", num_chars=0) == "ab"  # no logits used


def test_generate_with_extreme_temperatures_and_seeds():
    model, vocab = _lm(), _vocab()
    greedy = generation.generate(model, vocab, "fed", 6)
    # exp(z / 1e-300) overflowed to inf/inf = NaN; (z - max) / T cannot.
    assert generation.generate(model, vocab, "fed", 6, sample=True, temperature=1e-300,
                               seed=0) == greedy
    hot = generation.generate(model, vocab, list("fed"), 40, sample=True, temperature=1e300,
                              seed=0)
    assert len(hot) == 43 and len(set(hot[3:])) > 3  # uniform: many different tokens
    a = generation.generate(model, vocab, "a", 10, sample=True, seed=np.int64(3))
    b = generation.generate(model, vocab, "a", 10, sample=True,
                            seed=np.random.default_rng(3))
    assert a == b


# ------------------------------------------------------------------ 4. Perplexity


def test_perplexity_of_no_tokens_is_nan_and_keras_logs_stay_finite():
    metric = metrics.Perplexity()
    assert math.isnan(float(metric.result()))  # not 1.0, a perfect score
    metric.update_state(np.array([[1, 2]]), np.zeros((1, 2, V), "float32"),
                        sample_weight=np.zeros((1, 2)))
    assert math.isnan(float(metric.result()))  # every weight 0: still no tokens

    model = networks.language_model(V, cell="rnn", units=2)
    x = np.arange(24).reshape(4, 6) % V
    history = model.fit(x, x, epochs=2, batch_size=2, validation_data=(x, x), verbose=0)
    for name in ("perplexity", "val_perplexity"):
        assert len(history.history[name]) == 2
        assert all(math.isfinite(v) and v > 1 for v in history.history[name])
    logs = model.evaluate(x, x, verbose=0, return_dict=True)
    assert math.isfinite(logs["perplexity"])
    assert logs["perplexity"] == pytest.approx(math.exp(logs["loss"]), rel=1e-4)


def test_perplexity_weights_masks_and_per_sample_weights():
    logits = np.log(np.array([[[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]], "float32"))
    metric = metrics.Perplexity()
    # A masked position counts nothing, even with a label outside the vocabulary or a
    # prediction of probability 0 (inf * 0 used to give NaN).
    metric.update_state(np.array([[0, 9]]), logits, sample_weight=np.array([[1.0, 0.0]]))
    assert float(metric.result()) == pytest.approx(2.0, rel=1e-5)
    probabilities = metrics.Perplexity(from_logits=False)
    probabilities.update_state(np.array([[0, 1]]), np.array([[[0.5, 0.5], [1.0, 0.0]]]),
                               sample_weight=np.array([[1.0, 0.0]]))
    assert float(probabilities.result()) == pytest.approx(2.0, rel=1e-5)
    # Per-sample weights (batch,) apply to every step of their row.
    per_sample = metrics.Perplexity()
    per_sample.update_state(np.array([[0, 0], [1, 1]]), np.zeros((2, 2, 4), "float32"),
                            sample_weight=np.array([1.0, 0.0]))
    assert float(per_sample.result()) == pytest.approx(4.0, rel=1e-5)
    trailing = metrics.Perplexity()
    trailing.update_state(np.array([[[1], [2]]]), np.zeros((1, 2, 4), "float32"))
    assert float(trailing.result()) == pytest.approx(4.0, rel=1e-5)


def test_perplexity_of_bad_labels_inside_a_traced_step_is_nan():
    tokens = keras.Input((None,), dtype="int32")
    logits = keras.layers.Dense(V)(networks.OneHot(V)(tokens))
    model = keras.Model(tokens, logits)
    # A loss that ignores the labels, so that only the metric reads them.
    model.compile(loss=lambda y_true, y_pred: ops.mean(y_pred) * 0.0,
                  metrics=[metrics.Perplexity()])
    x = np.zeros((2, 3), "int32")
    good = model.evaluate(x, x, verbose=0, return_dict=True)["perplexity"]
    assert math.isfinite(good)
    y = x.copy()
    y[1, 1] = V + 2
    assert math.isnan(model.evaluate(x, y, verbose=0, return_dict=True)["perplexity"])


# ------------------------------------------------------------------ 5. saving and loading


def _cells_model():
    keras.utils.set_random_seed(5)
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = networks.OneHot(V, name="one_hot")(tokens)
    x = keras.layers.RNN(layers.SimpleRNNCell(3), return_sequences=True)(x)
    x = keras.layers.RNN(layers.GRUCell(3, reset_after=True), return_sequences=True)(x)
    x = keras.layers.RNN(layers.LSTMCell(3, unit_forget_bias=False), return_sequences=True)(x)
    model = keras.Model(tokens, keras.layers.Dense(V)(x))
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[metrics.Perplexity()])
    data = np.arange(40).reshape(4, 10) % V
    model.fit(data, data, epochs=1, verbose=0)
    return model, data


LOADERS = {
    "import d2lite": "import d2lite\nmodel = d2lite.load_model(path)",
    "from d2lite import training": "from d2lite import training\n"
                                   "import keras\nmodel = keras.saving.load_model(path)",
}


@pytest.mark.parametrize("loader", LOADERS)
def test_a_saved_model_reloads_in_a_fresh_interpreter(tmp_path, loader):
    model, data = _cells_model()
    path = tmp_path / "cells.keras"
    model.save(path)
    np.save(tmp_path / "data.npy", data)
    np.save(tmp_path / "expected.npy", model.predict(data, verbose=0))
    data_file, expected_file = str(tmp_path / "data.npy"), str(tmp_path / "expected.npy")
    code = f"path = {str(path)!r}\n" + LOADERS[loader] + "\n" + textwrap.dedent(f"""\
        import numpy as np
        cells = [type(layer.cell).__name__ for layer in model.layers if hasattr(layer, "cell")]
        assert cells == ["SimpleRNNCell", "GRUCell", "LSTMCell"], cells
        assert type(model.get_layer("one_hot")).__name__ == "OneHot"
        data = np.load({data_file!r})
        np.testing.assert_array_equal(model.predict(data, verbose=0), np.load({expected_file!r}))
        logs = model.evaluate(data, data, verbose=0, return_dict=True)
        assert "perplexity" in logs, logs
        print("ok", sorted(logs))
        """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().startswith("ok")


def test_import_d2lite_stays_lazy_and_load_model_is_public():
    code = ("import sys, d2lite; assert callable(d2lite.load_model); "
            "print(','.join(m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == ""
    assert "load_model" in d2lite.__all__ and "load_model" in dir(d2lite)


@keras.saving.register_keras_serializable(package="d2lite_tests")
def _registered_squash(x):
    return ops.tanh(x)


def test_unsaveable_activations_fail_at_save_time_and_registered_ones_round_trip(tmp_path):
    cell = layers.GRUCell(2, activation=lambda x: ops.tanh(x), name="lambda_gru")
    model = keras.Sequential([keras.Input((2, 3)), keras.layers.RNN(cell)])
    model.predict(np.zeros((1, 2, 3), "float32"), verbose=0)  # it trains and predicts
    with pytest.raises(ValueError, match=r"Cannot serialize argument `activation` of GRUCell "
                                         r"'lambda_gru'.*register_keras_serializable"):
        model.save(tmp_path / "lambda.keras")
    ok = layers.LSTMCell(2, activation=_registered_squash, recurrent_activation="hard_sigmoid",
                         kernel_initializer=keras.initializers.RandomNormal(seed=1))
    model = keras.Sequential([keras.Input((2, 3)), keras.layers.RNN(ok)])
    x = np.ones((1, 2, 3), "float32")
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "ok.keras")
    again = d2lite.load_model(tmp_path / "ok.keras")
    assert again.layers[0].cell.activation is _registered_squash
    np.testing.assert_array_equal(again.predict(x, verbose=0), expected)


# ------------------------------------------------------------------ 6. callbacks


def test_reset_states_callback_and_timer_arguments():
    assert training.ResetStates(on_test=np.bool_(False)).on_test is False
    assert training.reset_states(keras.layers.Dense(2)) == 0  # a layer with nothing stateful
    timer = training.EpochTimer()
    assert timer.times == [] and timer.total == 0.0
    model = networks.language_model(V, cell="rnn", units=2, stateful=True, batch_size=2)
    x = np.zeros((4, 3), "int32")
    model.fit(x, x, batch_size=2, epochs=2, shuffle=False, verbose=0,
              callbacks=[training.ResetStates(), timer])
    assert len(timer.times) == 2
    model.fit(x, x, batch_size=2, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
    assert len(timer.times) == 1  # a new fit, a new record
    logs = model.evaluate(x, x, batch_size=2, verbose=0, return_dict=True,
                          callbacks=[training.ResetStates()])
    assert math.isfinite(logs["perplexity"])
