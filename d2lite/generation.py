"""Text from a trained language model (notebooks 04-07).

* `generate`: continue a prefix, greedy or sampled with a temperature, one token
  at a time through a compiled step function that carries the states.

Nothing happens at import: no backend work, no seeds, no logging changed.
"""

import weakref

import keras
import numpy as np
from keras import ops

from d2lite import _validate

__all__ = ["generate"]

# model -> (step model, state sizes); weak keys so a deleted model frees its step model.
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
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    token = keras.Input(batch_shape=(1, 1), dtype="int32", name="token")
    x = token
    state_inputs, state_outputs, sizes = [], [], []
    for layer in layers:
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
    _STEP_MODELS[model] = (step, sizes)
    return step, sizes


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
            layers with `return_sequences=True`. Not bidirectional.
        vocab: a `d2lite.text.Vocab` (or any object with `__contains__`,
            `__getitem__` for a list of tokens and `to_tokens`).
        prefix: a non-empty string (characters are tokens) or list of tokens;
            every token must be in `vocab`.
        num_chars: number of tokens to generate, an integer >= 0 (default 50).
        sample: False (default) for greedy decoding, True for sampling.
        temperature: a positive number (default 1.0), used when sampling:
            below 1 sharpens the distribution, above 1 flattens it.
        seed: int, `np.random.Generator` or None for sampling (default None).

    Returns:
        `prefix` followed by the generated tokens: a string when `prefix` is a
        string, else a list of tokens.

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
    if isinstance(prefix, str):
        tokens = list(prefix)
    elif isinstance(prefix, (list, tuple)):
        tokens = list(prefix)
    else:
        raise _validate.invalid("prefix", "a non-empty string or list of tokens", prefix)
    if not tokens:
        raise _validate.invalid("prefix", "a non-empty string or list of tokens (the model needs at "
                       "least one token to start from)", prefix)
    unknown = sorted({t for t in tokens if t not in vocab}, key=tokens.index)
    if unknown:
        raise ValueError(
            f"Received an invalid value for argument `prefix`: {prefix!r} contains tokens that "
            f"are not in the vocabulary: {', '.join(map(repr, unknown))}. Preprocess it the way "
            "the training text was (e.g. d2lite.text.preprocess: letters only, lower case)."
        )
    num_chars = _validate.integer(num_chars, "num_chars", minimum=0)
    temperature = _validate.positive_number(temperature, "temperature")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    step, sizes = _step_model(model)
    states = [np.zeros((1, s), dtype="float32") for s in sizes]
    ids = list(vocab[tokens])
    logits = None
    for i in ids:
        logits, *states = step.predict_on_batch([np.array([[i]], dtype="int32"), *states])
    out = []
    for _ in range(num_chars):
        z = np.asarray(logits[0], dtype="float64")
        if sample:
            z = z / temperature
            p = np.exp(z - z.max())
            nxt = int(rng.choice(len(p), p=p / p.sum()))
        else:
            nxt = int(np.argmax(z))
        out.append(nxt)
        logits, *states = step.predict_on_batch([np.array([[nxt]], dtype="int32"), *states])
    new = vocab.to_tokens(out)
    return prefix + "".join(new) if isinstance(prefix, str) else tokens + list(new)

