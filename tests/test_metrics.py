"""d2lite.metrics.Perplexity and the one definition of perplexity it shares with d2lite.text."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from d2lite import metrics, text

V = 7




# ----------------------------------------------------------------- Perplexity


def test_perplexity_of_uniform_logits_is_the_vocabulary_size():
    metric = metrics.Perplexity()
    metric.update_state(np.zeros((2, 3), "int32"), np.zeros((2, 3, V), "float32"))
    assert float(metric.result()) == pytest.approx(V, rel=1e-5)


def test_perplexity_pools_tokens_over_batches_not_batch_averages():
    rng = np.random.default_rng(1)
    batches = [(rng.integers(0, V, size=(n, 4)), rng.normal(size=(n, 4, V)).astype("float32"))
               for n in (1, 5)]
    metric = metrics.Perplexity()
    nll = []
    for y, logits in batches:
        metric.update_state(y, logits)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        nll.append(-np.take_along_axis(logp, y[..., None], -1)[..., 0].ravel())
    expected = math.exp(np.concatenate(nll).mean())  # every token counts once
    assert float(metric.result()) == pytest.approx(expected, rel=1e-5)
    batch_average = math.exp(np.mean([n.mean() for n in nll]))
    assert abs(expected - batch_average) > 1e-3  # the test tells the two apart
    metric.reset_state()
    # No tokens: no mean to take. NaN, not exp(0) = 1, which would be a perfect score.
    assert math.isnan(float(metric.result()))


def test_perplexity_with_probabilities_sample_weights_and_config():
    probs = np.array([[[0.5, 0.5], [0.9, 0.1]]], "float32")
    y = np.array([[0, 1]])
    metric = metrics.Perplexity(from_logits=False)
    metric.update_state(y, probs, sample_weight=np.array([[1.0, 0.0]]))
    assert float(metric.result()) == pytest.approx(2.0, rel=1e-5)  # only the first token
    clone = metrics.Perplexity.from_config(metric.get_config())
    assert clone.from_logits is False and clone.name == "perplexity"


# ----------------------------------------------------------------- one definition


def test_the_metric_and_text_perplexity_agree():
    # The same predictions, as probabilities for text.perplexity and as logits or
    # probabilities for the metric: one perplexity.
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(3, 4, V))
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    y = rng.integers(0, V, size=(3, 4))
    expected = text.perplexity(probs, targets=y)
    for from_logits, y_pred in ((True, logits), (False, probs)):
        metric = metrics.Perplexity(from_logits=from_logits)
        metric.update_state(y, y_pred.astype("float32"))
        assert float(metric.result()) == pytest.approx(expected, rel=1e-5)


def test_perplexity_from_nll_is_exp_of_numbers_arrays_and_tensors():
    assert text.perplexity_from_nll(0.0) == 1.0
    assert text.perplexity_from_nll(math.log(7.0)) == pytest.approx(7.0)
    assert text.perplexity_from_nll(1000.0) == math.inf  # no OverflowError
    assert isinstance(text.perplexity_from_nll(np.float32(1.0)), float)
    np.testing.assert_allclose(text.perplexity_from_nll(np.array([0.0, 1.0])), [1.0, math.e])
    tensor = text.perplexity_from_nll(ops.convert_to_tensor([0.0, 2.0]))
    assert keras.ops.is_tensor(tensor)
    np.testing.assert_allclose(ops.convert_to_numpy(tensor), [1.0, math.exp(2.0)], rtol=1e-6)
