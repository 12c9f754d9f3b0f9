"""Metrics of the language-model lessons (notebooks 04-08).

* `Perplexity`: exp of the mean cross-entropy per token, a Keras metric, computed with
  `d2lite.text.perplexity_from_nll`, the series' one definition of perplexity.
"""

import keras
from keras import ops

from d2lite import text

__all__ = ["Perplexity"]


@keras.saving.register_keras_serializable(package="d2lite")
class Perplexity(keras.metrics.Metric):
    """Perplexity: exp of the mean cross-entropy per token, over all tokens seen.

    exp(−(1/n) Σ_t log P(x_t | x_<t)): `d2lite.text.perplexity_from_nll` of
    the mean cross-entropy, the definition `d2lite.text.perplexity` applies to
    probabilities. 1 is a perfect model; a model that guesses uniformly among
    V tokens scores V. Accumulated over batches as a sum of cross-entropies
    and a count of tokens, so it is the perplexity of the whole epoch or
    validation set, not an average of batch perplexities.

    Args:
        from_logits: whether `y_pred` holds logits (default True) or probabilities.
        name: metric name (default "perplexity"; Keras logs the validation
            value as "val_perplexity").
        dtype: metric dtype (default None).

    Example:
        >>> m = Perplexity()
        >>> m.update_state(np.array([[1]]), np.log(np.array([[[0.5, 0.5]]])))
        >>> float(m.result())
        2.0
    """

    def __init__(self, from_logits=True, name="perplexity", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype="float32",
                                       name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype="float32",
                                       name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(ops.convert_to_tensor(y_true), "int32")
        ce = keras.losses.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=self.from_logits)
        ce = ops.cast(ce, "float32")
        if sample_weight is None:
            weight = ops.ones_like(ce)
        else:
            weight = ops.broadcast_to(ops.cast(sample_weight, "float32"), ops.shape(ce))
        self.total.assign_add(ops.sum(ce * weight))
        self.count.assign_add(ops.sum(weight))

    def result(self):
        # The mean cross-entropy of every token seen (0 before any: perplexity 1).
        return text.perplexity_from_nll(ops.divide_no_nan(self.total, self.count))

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}

