"""Text from a trained language model (notebooks 04-07).

* `generate`: continue a prefix, greedy or sampled with a temperature, one token
  at a time through a compiled step function that carries the states.

Nothing happens at import: no backend work, no seeds, no logging changed.
"""

import numbers
import weakref

import keras
import numpy as np
from keras import ops

# networks imports layers and metrics: every d2lite layer a saved model may hold is registered.
from d2lite import _validate, networks

__all__ = ["generate"]

# A bound on `num_chars`: at about a millisecond a token, 10**6 tokens take some minutes;
# more would look like a hang (and hold the whole text in memory).
_MAX_CHARS = 10**6

# Keras layers that mix time steps (or reshape them away): applied to one step at a time
# they would compute something else than in the trained model, so generate refuses them.
_TIME_MIXING = tuple(getattr(keras.layers, name) for name in (
    "Conv1D", "Conv1DTranspose", "SeparableConv1D", "DepthwiseConv1D", "MaxPooling1D",
    "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "Attention",
    "AdditiveAttention", "MultiHeadAttention", "GroupQueryAttention", "Flatten", "Reshape",
    "Permute", "RepeatVector", "Cropping1D", "ZeroPadding1D", "UpSampling1D", "Add",
    "Concatenate", "Multiply", "Average", "Maximum", "Minimum", "Subtract", "Dot",
) if hasattr(keras.layers, name))

# model -> (step model, state sizes, output size, input tokens or None); weak keys, so a
# deleted model frees its step model.
_STEP_MODELS = weakref.WeakKeyDictionary()


def _state_sizes(cell):
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


def _step_model(model):
    """A functional model (token, *states) -> (logits, *states) sharing `model`'s layers."""
    if model in _STEP_MODELS:
        return _STEP_MODELS[model]
    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built yet; call or fit it first.")
    if len(model.inputs or []) != 1 or len(model.outputs or []) != 1:
        raise ValueError(
            f"Model {model.name!r} should have one input (tokens) and one output (logits); "
            f"it has {len(model.inputs or [])} input(s) and {len(model.outputs or [])} "
            "output(s).")
    if len(model.inputs[0].shape) != 2:
        raise ValueError(
            f"Model {model.name!r} should take token indices of shape (batch, steps); its "
            f"input has shape {tuple(model.inputs[0].shape)}.")
    steps = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    token = keras.Input(batch_shape=(1, 1), dtype="int32", name="token")
    x = token
    state_inputs, state_outputs, sizes = [], [], []
    input_tokens = None  # how many token indices the first token layer takes
    for layer in steps:
        if input_tokens is None:
            if isinstance(layer, networks.OneHot):
                input_tokens = layer.num_tokens
            elif isinstance(layer, keras.layers.Embedding):
                input_tokens = layer.input_dim
        if isinstance(layer, _TIME_MIXING):
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) mixes time steps (or several "
                "inputs); generate runs the model one token at a time, which would compute "
                "something else. It takes token layers (OneHot, Embedding, Dense, Dropout, ...) "
                "and keras.layers.RNN layers.")
        if isinstance(layer, keras.layers.Bidirectional):
            raise ValueError(
                f"Layer {layer.name!r} is bidirectional: its backward half reads the future, "
                "which does not exist yet while generating. A bidirectional model cannot "
                "generate text."
            )
        if isinstance(layer, keras.layers.RNN):
            if layer.go_backwards:
                raise ValueError(f"Layer {layer.name!r} reads the sequence backwards "
                                 "(`go_backwards=True`) and cannot generate text.")
            if not layer.return_sequences:
                raise ValueError(f"Layer {layer.name!r} has `return_sequences=False`; a "
                                 "language model predicts at every step.")
            cell = layer.cell
            inputs = [keras.Input(batch_shape=(1, s), name=f"{layer.name}_state_{j}")
                      for j, s in enumerate(_state_sizes(cell))]
            out, new = cell(x[:, 0], inputs if len(inputs) > 1 else inputs)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            x = ops.expand_dims(out, 1)
            state_inputs += inputs
            state_outputs += new
            sizes += _state_sizes(cell)
        else:
            # Embedding, one-hot, dropout, dense...: each time step on its own.
            x = layer(x)
    if len(x.shape) != 3:
        raise ValueError(
            f"Model {model.name!r} should map tokens (batch, steps) to logits (batch, steps, "
            f"vocab_size); one step gives shape {tuple(x.shape)}."
        )
    step = keras.Model([token, *state_inputs], [x[:, 0], *state_outputs],
                       name=f"{model.name}_step")
    _STEP_MODELS[model] = (step, sizes, x.shape[-1], input_tokens)
    return _STEP_MODELS[model]


def generate(model, vocab, prefix, num_chars=50, sample=False, temperature=1.0, seed=None):
    """Continue `prefix` with `num_chars` tokens predicted by a language model.

    The prefix is read one token at a time to warm up the hidden states
    (the predictions made while reading it are ignored); then every new token
    is the argmax of the logits (greedy, default) or is drawn from
    softmax(logits / temperature) (`sample=True`) and fed back as the next
    input. The states are carried by a step model, `(token, states) →
    (logits, states)`, built once per model from the same layers (so it
    shares the trained weights) and run with the compiled
    `predict_on_batch`, not `model.predict` per token.

    Args:
        model: a language model such as `d2lite.networks.language_model` builds: token
            layers (embedding, one-hot, dense, dropout) and `keras.layers.RNN`
            layers with `return_sequences=True`. Not bidirectional, no layer
            that mixes time steps (convolutions, attention, pooling).
        vocab: a `d2lite.text.Vocab` (or any object with `__len__`,
            `__contains__`, `__getitem__` for a list of tokens and `to_tokens`)
            with one token per output of the model: `len(vocab)` must equal the
            size of the model's logits.
        prefix: a non-empty string (characters are tokens) or list of tokens;
            every token must be in `vocab`.
        num_chars: number of tokens to generate, an integer in [0, 10**6]
            (default 50).
        sample: False (default) for greedy decoding, True for sampling.
        temperature: a finite positive number (default 1.0), used when
            sampling: below 1 sharpens the distribution, above 1 flattens it.
            Extreme values are safe: a tiny one samples the argmax, a huge one
            uniformly.
        seed: None, a non-negative integer or a `np.random.Generator`, for
            sampling (default None).

    Returns:
        `prefix` followed by the generated tokens: a string when `prefix` is a
        string, else a list of tokens.

    Raises:
        ValueError: for an invalid argument, naming it and the value received:
            a vocabulary whose size is not the model's output size (it would
            decode indices as the wrong tokens), a prefix token not in `vocab`
            or beyond the model's input layer, a model that cannot run one
            step at a time (bidirectional, backwards, last step only, time
            mixing, not built, not tokens in and logits out), a model whose
            logits are NaN or infinite (its weights hold NaN or inf, e.g.
            after training diverged), and `num_chars`, `sample`,
            `temperature` or `seed` of the wrong kind.

    Example:
        >>> vocab = d2lite.text.Vocab(list("time traveller"))
        >>> model = d2lite.networks.language_model(len(vocab), cell="gru", units=8)
        >>> generate(model, vocab, "time", num_chars=10)[:4]  # then 10 (untrained) guesses
        'time'
        >>> tokens = generate(model, vocab, list("time"), num_chars=10)  # tokens in, tokens out
        >>> tokens[:4], len(tokens)
        (['t', 'i', 'm', 'e'], 14)

    After training on the Time Machine, greedy decoding gives e.g. 'time traveller
    the the ' (notebook 04).
    """
    if not isinstance(model, keras.Model):
        raise ValueError("Received an invalid value for argument `model`, expected a "
                         f"keras.Model (a language model), got a {type(model).__name__}.")
    for method in ("__len__", "__contains__", "__getitem__", "to_tokens"):
        if not hasattr(vocab, method):
            raise ValueError(
                "Received an invalid value for argument `vocab`, expected a d2lite.text.Vocab "
                f"(an object with `{method}`), got a {type(vocab).__name__}.")
    if isinstance(prefix, str):
        tokens = list(prefix)
    elif isinstance(prefix, (list, tuple)):
        tokens = list(prefix)
    else:
        raise _validate.invalid("prefix", "a non-empty string or list of tokens", prefix)
    if not tokens:
        raise _validate.invalid("prefix", "a non-empty string or list of tokens (the model needs at "
                       "least one token to start from)", prefix)
    try:
        unknown = [t for i, t in enumerate(tokens) if t not in vocab and t not in tokens[:i]]
    except TypeError as error:  # an unhashable token, such as a list
        raise ValueError(f"Received an invalid value for argument `prefix`: its tokens should "
                         f"be hashable, like the vocabulary's ({error}).") from None
    if unknown:
        raise ValueError(
            f"Received an invalid value for argument `prefix`: {prefix!r} contains tokens that "
            f"are not in the vocabulary: {', '.join(map(repr, unknown))}. Preprocess it the way "
            "the training text was (e.g. d2lite.text.preprocess: letters only, lower case)."
        )
    num_chars = _validate.integer(num_chars, "num_chars", minimum=0)
    if num_chars > _MAX_CHARS:
        raise _validate.invalid("num_chars", f"an integer in [0, {_MAX_CHARS}] (generate longer "
                                "texts in pieces)", num_chars)
    sample = _validate.flag(sample, "sample")
    temperature = _validate.positive_number(temperature, "temperature")
    if isinstance(seed, np.random.Generator):
        rng = seed
    elif seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)
                          and seed >= 0):
        rng = np.random.default_rng(None if seed is None else int(seed))
    else:
        raise _validate.invalid("seed", "None, a non-negative integer or a np.random.Generator",
                                seed)

    step, sizes, output_size, input_tokens = _step_model(model)
    if len(vocab) != output_size:
        raise ValueError(
            f"Received an invalid value for argument `vocab`: it has {len(vocab)} tokens, but "
            f"model {model.name!r} gives logits over {output_size}; index i would be decoded "
            "as a token it does not stand for. Pass the vocabulary the model was trained with.")
    ids = [int(i) for i in vocab[tokens]]
    limit = output_size if input_tokens is None else min(output_size, input_tokens)
    beyond = [t for t, i in zip(tokens, ids) if not 0 <= i < limit]
    if beyond:
        raise ValueError(
            f"Received an invalid value for argument `prefix`: the tokens "
            f"{', '.join(map(repr, dict.fromkeys(beyond)))} have indices "
            f"{sorted({i for i in ids if not 0 <= i < limit})} in the vocabulary, outside "
            f"[0, {limit}), what model {model.name!r} reads.")
    if input_tokens is not None and input_tokens < output_size and num_chars:
        raise ValueError(
            f"Model {model.name!r} reads {input_tokens} token indices but predicts "
            f"{output_size}; a generated token could not be read back.")

    states = [np.zeros((1, s), dtype="float32") for s in sizes]
    logits = None
    for i in ids:
        logits, *states = step.predict_on_batch([np.array([[i]], dtype="int32"), *states])
    out = []
    for _ in range(num_chars):
        z = np.asarray(logits[0], dtype="float64")
        if not np.isfinite(z).all():
            bad = float(z[~np.isfinite(z)][0])
            raise ValueError(
                f"Model {model.name!r} gave non-finite logits ({bad} among them) after "
                f"{len(tokens) + len(out)} tokens: its weights (or states) hold NaN or inf, "
                "e.g. because training diverged. Retrain it, with a smaller learning rate "
                "or gradient clipping.")
        if sample:
            # (z - max) / T <= 0: no overflow for a tiny T, and the argmax keeps weight 1.
            p = np.exp((z - z.max()) / temperature)
            nxt = int(rng.choice(len(p), p=p / p.sum()))
        else:
            nxt = int(np.argmax(z))
        out.append(nxt)
        logits, *states = step.predict_on_batch([np.array([[nxt]], dtype="int32"), *states])
    new = vocab.to_tokens(out)
    return prefix + "".join(new) if isinstance(prefix, str) else tokens + list(new)

