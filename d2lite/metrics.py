"""Metrics of the language-model lessons (notebooks 04-08).

* `Perplexity`: exp of the mean cross-entropy per token, a Keras metric, computed with
  `d2lite.text.perplexity_from_nll`, the series' one definition of perplexity.
"""

import keras
import numpy as np
from keras import ops

from d2lite import _validate, layers, text

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

    Before any token is seen (a new metric, or after `reset_state`), and when
    every sample weight is 0, there is no mean to take: `result()` is NaN, not
    1 (a perfect score) nor 0 (an impossible one). Keras's logs only read the
    metric after batches, so `fit` and `evaluate` log finite values.

    Args:
        from_logits: whether `y_pred` holds logits (default True) or
            probabilities, True or False.
        name: metric name, a non-empty string (default "perplexity"; Keras logs
            the validation value as "val_perplexity").
        dtype: metric dtype (default None).

    Call arguments of `update_state(y_true, y_pred, sample_weight=None)`:
        y_true: the next tokens, integer indices in `[0, vocab_size)`, shape
            `(batch, steps)` (or with a trailing 1).
        y_pred: logits (or probabilities) `(batch, steps, vocab_size)`.
        sample_weight: None, or finite non-negative weights broadcastable to
            `y_true` (e.g. Keras's mask: 0 at padding). A token of weight 0
            counts nothing, whatever its label or prediction.

    Raises:
        ValueError: for a bad `from_logits` or `name`; in `update_state`
            called eagerly, for a label outside `[0, vocab_size)` (where its
            weight is > 0) or a negative, NaN or infinite weight, naming the
            first one. Inside a traced step (`fit`, `evaluate`) such values
            are not known: they make the result NaN instead of a wrong number.

    Example:
        >>> m = Perplexity()
        >>> m.update_state(np.array([[1]]), np.log(np.array([[[0.5, 0.5]]])))
        >>> float(m.result())
        2.0
        >>> m.reset_state()
        >>> float(m.result())  # no tokens seen
        nan
    """

    def __init__(self, from_logits=True, name="perplexity", dtype=None):
        from_logits = _validate.flag(from_logits, "from_logits")
        if not isinstance(name, str) or not name:
            raise _validate.invalid("name", "a non-empty string", name)
        super().__init__(name=name, dtype=dtype)
        self.from_logits = from_logits
        self.total = self.add_variable(shape=(), initializer="zeros", dtype="float32",
                                       name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype="float32",
                                       name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.convert_to_tensor(y_true)
        if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
            y_true = ops.squeeze(y_true, -1)  # (batch, steps, 1), as Keras's losses accept
        if sample_weight is None:
            weight = ops.ones(ops.shape(y_true), dtype="float32")
        else:
            weight = ops.cast(ops.convert_to_tensor(sample_weight), "float32")
            while len(weight.shape) < len(y_true.shape):  # per-sample weights (batch,)
                weight = ops.expand_dims(weight, -1)
            weight = ops.broadcast_to(weight, ops.shape(y_true))
        labels = layers._concrete(y_true)
        if labels is not None:  # eager: check the values themselves
            if sample_weight is not None:
                w = layers._concrete(weight)
                bad = ~np.isfinite(w) | (w < 0)
                if bad.any():
                    where = tuple(int(i) for i in np.argwhere(bad)[0])
                    raise ValueError(
                        "Received an invalid value for argument `sample_weight`, expected "
                        f"finite non-negative weights, got {w[where].item()!r} at position "
                        f"{where}.")
                mask = w > 0
            else:
                mask = None
            layers._check_token_ids(labels, y_pred.shape[-1], "argument `y_true`", mask=mask)
        num_classes = ops.shape(y_pred)[-1]
        if keras.backend.is_int_dtype(y_true.dtype):
            whole = ops.cast(y_true, "int32")
            valid = ops.logical_and(whole >= 0, whole < num_classes)
        else:
            whole = ops.cast(ops.round(y_true), "int32")
            valid = ops.logical_and(ops.logical_and(whole >= 0, whole < num_classes),
                                    ops.equal(ops.cast(whole, y_true.dtype), y_true))
        ce = keras.losses.sparse_categorical_crossentropy(
            ops.where(valid, whole, 0), y_pred, from_logits=self.from_logits)
        nan = ops.full_like(weight, float("nan"))
        ce = ops.where(valid, ops.cast(ce, "float32"), nan)  # traced: a bad label makes NaN
        counted = weight > 0
        zero = ops.zeros_like(weight)
        good_weight = ops.logical_and(ops.isfinite(weight), weight >= 0)
        contribution = ops.where(counted, ce * weight, zero)  # weight 0: not even inf * 0
        contribution = ops.where(good_weight, contribution, nan)
        self.total.assign_add(ops.sum(contribution))
        self.count.assign_add(ops.sum(ops.where(counted, weight, zero)))

    def result(self):
        # The mean cross-entropy of every token seen; NaN before any (no mean to take).
        mean = text.perplexity_from_nll(ops.divide_no_nan(self.total, self.count))
        return ops.where(self.count > 0, mean, ops.full_like(mean, float("nan")))

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}

