r"""Sequence to sequence: an encoder–decoder of d2lite cells, trained and decoded (notebook 11).

* The task: English number words to digits ("four hundred two" → "402"), generated
  (`number_words`, `number_pairs`), with a word vocabulary for the source and a digit
  vocabulary for the target (`SOURCE_TOKENS`, `TARGET_TOKENS`; index 0 is padding in
  both), encoded for teacher forcing by `encode_pairs`.
* The model: `encoder_decoder` builds an encoder RNN whose final state starts a decoder
  RNN (both `keras.layers.RNN` of d2lite cells), trained with teacher forcing and the
  `masked_cross_entropy` over padded targets; with `attention=True` the decoder also
  reads every encoder state through `AdditiveAttention`.
* Decoding: `decoder_step` turns a trained model into `encode(source) -> states` and
  `step(tokens, states) -> (log_probs, states)`; `greedy_decode`, `beam_search` and
  `exhaustive_search` run on any such `step`, and `translate` puts it together.
* Captioning: `shape_images` draws two coloured shapes and writes their caption,
  `caption_model` encodes the image with a small CNN into the initial state of the same
  kind of GRU decoder; `encode_captions` and `to_words` map captions to indices and back.

The decoders choose among every token except padding; a hypothesis ends at `eos` (the
end token is part of it, and of its score) or after `max_len` tokens. The score of a
hypothesis $y_1, \dots, y_L$ is its log-probability $\sum_t \log P(y_t \mid y_{<t}, x)$.

Nothing happens at import: no backend work, no seeds, no logging changed.
"""

import keras
import numpy as np
from keras import ops

from d2lite import _validate, layers

__all__ = ["AdditiveAttention", "BOS", "CAPTION_TOKENS", "EOS", "PAD", "SOURCE_TOKENS",
           "TARGET_TOKENS", "attention_weights", "beam_search", "caption_model", "decoder_step",
           "encode_captions", "encode_pairs", "encoder_decoder", "shape_images", "to_words",
           "exhaustive_search", "greedy_decode", "masked_cross_entropy", "number_pairs",
           "number_words", "to_digits", "translate"]

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

SOURCE_TOKENS = ("<pad>", *_ONES, *_TENS, "hundred", "thousand", "million")
"""The source vocabulary: padding (index 0) and the 31 words of numbers below a billion."""

TARGET_TOKENS = ("<pad>", "<bos>", "<eos>", *"0123456789")
"""The target vocabulary: padding (0), begin (1) and end (2) of sequence, the ten digits."""

PAD, BOS, EOS = 0, 1, 2
_SOURCE_INDEX = {token: i for i, token in enumerate(SOURCE_TOKENS)}
_MAX_VALUE = 10**9


def _below_thousand(n):
    words = []
    if n >= 100:
        words += [_ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        words.append(_TENS[n // 10 - 2])
        n %= 10
        if n:
            words.append(_ONES[n])
    elif n or not words:
        words.append(_ONES[n])
    return words


def number_words(n):
    """Write a whole number below a billion in English words, without "and" or hyphens.

    Args:
        n: an integer in [0, 10**9).

    Returns:
        The words, separated by single spaces.

    Raises:
        ValueError: if `n` is not an integer in [0, 10**9).

    Example:
        >>> number_words(0), number_words(402), number_words(1_000_017)
        ('zero', 'four hundred two', 'one million seventeen')
    """
    if not _validate.is_integer(n) or not 0 <= n < _MAX_VALUE:
        raise _validate.invalid("n", "an integer in [0, 10**9)", n)
    n = int(n)
    if n == 0:
        return "zero"
    words = []
    for size, name in ((10**6, "million"), (10**3, "thousand"), (1, None)):
        group, n = divmod(n, size)
        if group:
            words += _below_thousand(group) + ([name] if name else [])
    return " ".join(words)


def number_pairs(num_train, num_test, max_digits=6, seed=None):
    """Generate (words, digits) pairs, with test numbers that never occur in training.

    The number of digits is drawn uniformly from 1 to `max_digits`, then the number
    uniformly among those with that many digits, so that short and long inputs are
    both common. Every number occurs once: duplicates are dropped, and the distinct
    numbers are split at random into the training and the test set.

    Args:
        num_train: number of training pairs, a positive integer.
        num_test: number of test pairs, a positive integer.
        max_digits: the longest numbers, an integer in [1, 9] (default 6). There are
            only 10 one-digit numbers, so a set larger than the numbers available
            is refused.
        seed: None (default) or a non-negative integer.

    Returns:
        `(train, test)`: two lists of `(words, digits)` string pairs, e.g.
        `("four hundred two", "402")`.

    Raises:
        ValueError: for an invalid argument, naming it.

    Example:
        >>> train, test = number_pairs(50, 10, max_digits=3, seed=0)
        >>> len(train), len(test), set(train).isdisjoint(test)
        (50, 10, True)
        >>> train[0][1] == str(int(train[0][1])) and len(train[0][0]) > 0
        True
    """
    num_train = _validate.integer(num_train, "num_train")
    num_test = _validate.integer(num_test, "num_test")
    if not _validate.is_integer(max_digits) or not 1 <= max_digits <= 9:
        raise _validate.invalid("max_digits", "an integer in [1, 9]", max_digits)
    seed = _validate.seed(seed)
    total = num_train + num_test
    if total > 0.5 * 10**max_digits:
        raise ValueError(
            f"Received an invalid value for arguments `num_train` and `num_test`: "
            f"{num_train} + {num_test} distinct numbers of at most {max_digits} digits is more "
            f"than half of the {10**max_digits} there are; got num_train={num_train}, "
            f"num_test={num_test}, max_digits={max_digits}.")
    rng = np.random.default_rng(seed)
    chosen, seen = [], set()
    while len(chosen) < total:
        digits = rng.integers(1, max_digits + 1, size=2 * total)
        low = np.where(digits == 1, 0, 10 ** (digits - 1))
        for value in rng.integers(low, 10**digits):
            if value not in seen:
                seen.add(value)
                chosen.append(int(value))
    # Shuffled: small numbers are found first, and the test set needs its share of them.
    chosen = [chosen[i] for i in rng.permutation(total)]
    pairs = [(number_words(n), str(n)) for n in chosen]
    return pairs[:num_train], pairs[num_train:]


def _pairs(pairs):
    if not isinstance(pairs, (list, tuple)) or not pairs or not all(
            isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(s, str) for s in p)
            for p in pairs):
        raise _validate.invalid("pairs", "a non-empty list of (words, digits) string pairs",
                                pairs)
    return pairs


def encode_pairs(pairs, source_len=None, target_len=None):
    r"""Encode (words, digits) pairs as padded index arrays for teacher forcing.

    The decoder reads the target shifted right by one, after `<bos>`, and learns to
    predict the target followed by `<eos>`; both are padded with 0 after the end
    (`keras.utils.pad_sequences`):

    .. math:: \text{decoder inputs} = (\texttt{<bos>}, y_1, \dots, y_L), \qquad
              \text{targets} = (y_1, \dots, y_L, \texttt{<eos>}).

    Args:
        pairs: a non-empty list of `(words, digits)` string pairs, as `number_pairs` makes.
        source_len: pad (or cut) the sources to this many words, a positive integer
            (default None: the longest).
        target_len: pad (or cut) the decoder inputs and targets to this many tokens
            (default None: the longest target plus one).

    Returns:
        `(source, decoder_inputs, targets)`: int32 arrays of shapes `(n, source_len)`,
        `(n, target_len)` and `(n, target_len)`.

    Raises:
        ValueError: for an invalid argument, or a word not in `SOURCE_TOKENS` or a
            character that is not a digit, naming it.

    Example:
        >>> source, decoder_inputs, targets = encode_pairs([("four hundred two", "402")])
        >>> source.tolist(), decoder_inputs.tolist(), targets.tolist()
        ([[5, 29, 3]], [[1, 7, 3, 5]], [[7, 3, 5, 2]])
    """
    pairs = _pairs(pairs)
    if source_len is not None:
        source_len = _validate.integer(source_len, "source_len")
    if target_len is not None:
        target_len = _validate.integer(target_len, "target_len")
    sources, inputs, targets = [], [], []
    for words, digits in pairs:
        unknown = [w for w in words.split() if w not in _SOURCE_INDEX]
        if unknown or not words.split():
            raise _validate.invalid("pairs", "sources made of the words of SOURCE_TOKENS",
                                    words)
        if not digits or not all("0" <= c <= "9" for c in digits):
            raise _validate.invalid("pairs", "targets made of the digits 0-9", digits)
        sources.append([_SOURCE_INDEX[w] for w in words.split()])
        ids = [TARGET_TOKENS.index(c) for c in digits]
        inputs.append([BOS, *ids])
        targets.append([*ids, EOS])
    target_len = target_len or max(map(len, targets))

    def pad(rows, length):
        return keras.utils.pad_sequences(rows, maxlen=length, padding="post", truncating="post",
                                         value=PAD, dtype="int32")

    return pad(sources, source_len), pad(inputs, target_len), pad(targets, target_len)


def to_digits(ids):
    """Turn target indices back into digit strings: up to `<eos>`, without padding or `<bos>`.

    Args:
        ids: integer indices into `TARGET_TOKENS`, of shape `(n, steps)` (or one row).

    Returns:
        A list of `n` strings (one string for one row).

    Example:
        >>> to_digits([[7, 3, 5, 2, 0], [4, 2, 9, 9, 0]])
        ['402', '1']
    """
    array = np.asarray(ids)
    if array.dtype.kind not in "iu" or array.ndim not in (1, 2) or (
            array.size and (array.min() < 0 or array.max() >= len(TARGET_TOKENS))):
        raise _validate.invalid("ids", f"integer indices in [0, {len(TARGET_TOKENS)}) of shape "
                                "(n, steps)", ids)
    if array.ndim == 1:
        return to_digits(array[None])[0]
    texts = []
    for row in array:
        text = []
        for i in row:
            if i == EOS:
                break
            if i not in (PAD, BOS):
                text.append(TARGET_TOKENS[i])
        texts.append("".join(text))
    return texts


def masked_cross_entropy(targets, logits, pad=PAD):
    r"""The cross-entropy per target token, averaged over the tokens that are not padding.

    .. math:: \ell = \frac{\sum_{i,t} m_{it}\,\bigl(-\log \operatorname{softmax}(o_{it})_{y_{it}}\bigr)}
                          {\sum_{i,t} m_{it}}, \qquad m_{it} = [y_{it} \neq \text{pad}].

    The same as `keras.losses.SparseCategoricalCrossentropy(from_logits=True,
    ignore_class=pad)`; written out because the mask is the lesson.

    Args:
        targets: int indices of shape `(batch, steps)`.
        logits: unnormalised scores of shape `(batch, steps, vocab)`.
        pad: the padding index, whose positions do not count (default 0).

    Returns:
        A scalar tensor (0 when every target is padding).

    Example:
        >>> logits = np.log(np.array([[[0.5, 0.5], [0.9, 0.1]]], "float32"))
        >>> round(float(masked_cross_entropy(np.array([[1, 0]]), logits)), 4)  # the pad is ignored
        0.6931
    """
    targets = ops.cast(targets, "int32")
    logits = ops.convert_to_tensor(logits)
    per_token = ops.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    mask = ops.cast(ops.not_equal(targets, pad), per_token.dtype)
    return ops.sum(per_token * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="d2lite")
class AdditiveAttention(keras.layers.Layer):
    r"""Additive (Bahdanau) attention: a small network scores each key against a query.

    .. math:: e_{ts} = \mathbf v^\top \tanh(\mathbf W_q \mathbf q_t + \mathbf W_k \mathbf k_s),
              \qquad \alpha_{ts} = \frac{\exp e_{ts}}{\sum_{s'} \exp e_{ts'}},
              \qquad \mathbf c_t = \sum_s \alpha_{ts} \mathbf k_s.

    Keys at masked positions (padding) get weight 0. `keras.layers.AdditiveAttention`
    computes the same score without the projections, $\sum \mathbf v \odot \tanh(\mathbf q_t +
    \mathbf k_s)$ (its `scale` is $\mathbf v$): called on $\mathbf q \mathbf W_q$ and
    $\mathbf k \mathbf W_k$ as query and key, with the keys as values, it gives the same
    context.

    Args:
        units: size of the hidden layer of the score network, a positive integer.
        **kwargs: base layer arguments, such as `name`.

    Call arguments:
        query: `(batch, T, d_q)`, the decoder states.
        keys: `(batch, S, d_k)`, the encoder states (also the values).
        key_mask: optional `(batch, S)` booleans, False at padding.

    Returns:
        `(context, weights)`: `(batch, T, d_k)` and `(batch, T, S)`, each row of the
        weights summing to 1.

    Example:
        >>> attention = AdditiveAttention(8)
        >>> context, weights = attention(np.ones((2, 3, 4)), np.ones((2, 5, 6)))
        >>> tuple(context.shape), tuple(weights.shape)
        ((2, 3, 6), (2, 3, 5))
    """

    def __init__(self, units, **kwargs):
        units = _validate.integer(units, "units")
        super().__init__(**kwargs)
        self.units = units

    def build(self, query_shape, keys_shape=None, key_mask_shape=None):
        if keys_shape is None:
            raise ValueError("AdditiveAttention is called as attention(query, keys[, key_mask]).")
        self.query_kernel = self.add_weight(shape=(query_shape[-1], self.units),
                                            name="query_kernel", initializer="glorot_uniform")
        self.key_kernel = self.add_weight(shape=(keys_shape[-1], self.units), name="key_kernel",
                                          initializer="glorot_uniform")
        self.scale = self.add_weight(shape=(self.units,), name="scale",
                                     initializer="glorot_uniform")
        self.built = True

    def call(self, query, keys, key_mask=None):
        q = ops.matmul(query, self.query_kernel)[:, :, None, :]  # (batch, T, 1, units)
        k = ops.matmul(keys, self.key_kernel)[:, None, :, :]  # (batch, 1, S, units)
        scores = ops.sum(self.scale * ops.tanh(q + k), axis=-1)  # (batch, T, S)
        if key_mask is not None:
            scores = ops.where(ops.cast(key_mask, "bool")[:, None, :], scores,
                               ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=-1)
        return ops.matmul(weights, keys), weights

    def compute_output_shape(self, query_shape, keys_shape=None, key_mask_shape=None):
        return ((*query_shape[:-1], keys_shape[-1]), (*query_shape[:-1], keys_shape[1]))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


_CELLS = {"rnn": layers.SimpleRNNCell, "gru": layers.GRUCell, "lstm": layers.LSTMCell}


def encoder_decoder(source_vocab_size=len(SOURCE_TOKENS), target_vocab_size=len(TARGET_TOKENS),
                    cell="gru", units=64, embedding_dim=32, attention=False,
                    learning_rate=0.01, clipnorm=1.0, jit_compile=None, compile=True, name=None):
    r"""Build (and compile) an encoder–decoder of d2lite cells, trained with teacher forcing.

    The encoder reads the source, its embedding masked at padding, and its final state
    starts the decoder, which reads the target shifted right (`encode_pairs`):

    .. math:: \mathbf h_s = f(\mathbf x_s, \mathbf h_{s-1}), \quad
              \mathbf s_0 = \mathbf h_S, \quad
              \mathbf s_t = g(\mathbf y_{t-1}, \mathbf s_{t-1}), \quad
              P(y_t \mid y_{<t}, x) = \operatorname{softmax}(\mathbf W \mathbf s_t + \mathbf b).

    With `attention=True` the encoder keeps every state and the logits read
    $[\mathbf s_t; \mathbf c_t]$, where $\mathbf c_t$ is the `AdditiveAttention` context
    of the query $\mathbf s_t$ over $\mathbf h_1, \dots, \mathbf h_S$ (padding masked).

    Layers are named `source_embedding`, `encoder`, `target_embedding`, `decoder`,
    `attention` (with attention) and `logits`, which `decoder_step` and
    `attention_weights` look up. Compiled with Adam (global gradient clipping to
    `clipnorm`) and `masked_cross_entropy`.

    Args:
        source_vocab_size: source tokens, an integer >= 2 (default `len(SOURCE_TOKENS)`).
        target_vocab_size: target tokens, an integer >= 4 (default `len(TARGET_TOKENS)`).
        cell: "rnn", "gru" (default) or "lstm": d2lite's cell in both RNNs.
        units: hidden size of both RNNs (and of the attention), a positive integer (default 64).
        embedding_dim: size of both embeddings, a positive integer (default 32).
        attention: True or False (default False).
        learning_rate: Adam's learning rate, a finite positive number (default 0.01).
        clipnorm: the global gradient norm to clip to, a finite positive number (default 1).
        jit_compile: None (default: False on TensorFlow, where its own kernels run these
            loops faster on a CPU, True elsewhere), True or False.
        compile: compile the model (default True).
        name: the model's name (default None: "seq2seq" or "seq2seq_attention").

    Returns:
        A `keras.Model` mapping `[source (batch, S), decoder_inputs (batch, T)]` to
        logits `(batch, T, target_vocab_size)`.

    Raises:
        ValueError: for an invalid argument, naming it and the value received.

    Example:
        >>> model = encoder_decoder(units=16, attention=True)
        >>> source, decoder_inputs, _ = encode_pairs([("four hundred two", "402")])
        >>> tuple(model([source, decoder_inputs]).shape)
        (1, 4, 13)
    """
    source_vocab_size = _validate.integer(source_vocab_size, "source_vocab_size", minimum=2)
    target_vocab_size = _validate.integer(target_vocab_size, "target_vocab_size", minimum=4)
    if not isinstance(cell, str) or cell not in _CELLS:
        raise _validate.invalid("cell", "one of 'rnn', 'gru', 'lstm'", cell)
    units = _validate.integer(units, "units")
    embedding_dim = _validate.integer(embedding_dim, "embedding_dim")
    attention = _validate.flag(attention, "attention")
    learning_rate = _validate.positive_number(learning_rate, "learning_rate")
    clipnorm = _validate.positive_number(clipnorm, "clipnorm")
    if jit_compile is not None:
        jit_compile = _validate.flag(jit_compile, "jit_compile")
    else:
        jit_compile = keras.backend.backend() != "tensorflow"
    compile = _validate.flag(compile, "compile")
    if name is not None and not (isinstance(name, str) and name):
        raise _validate.invalid("name", "None or a non-empty string", name)

    source = keras.Input(shape=(None,), dtype="int32", name="source")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32", name="decoder_inputs")
    x = keras.layers.Embedding(source_vocab_size, embedding_dim, mask_zero=True,
                               name="source_embedding")(source)
    encoded = keras.layers.RNN(_CELLS[cell](units), return_sequences=attention,
                               return_state=True, name="encoder")(x)
    memory, states = encoded[0], list(encoded[1:])
    y = keras.layers.Embedding(target_vocab_size, embedding_dim,
                               name="target_embedding")(decoder_inputs)
    decoded = keras.layers.RNN(_CELLS[cell](units), return_sequences=True, return_state=True,
                               name="decoder")(y, initial_state=states)[0]
    if attention:
        context, _ = AdditiveAttention(units, name="attention")(
            decoded, memory, ops.not_equal(source, PAD))
        decoded = keras.layers.Concatenate(name="state_and_context")([decoded, context])
    logits = keras.layers.Dense(target_vocab_size, name="logits")(decoded)
    model = keras.Model([source, decoder_inputs], logits,
                        name=name or ("seq2seq_attention" if attention else "seq2seq"))
    if compile:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm),
                      loss=masked_cross_entropy, jit_compile=jit_compile)
    return model


def _layer(model, name):
    if not isinstance(model, keras.Model):
        raise _validate.invalid("model", "a model built by encoder_decoder or caption_model",
                                type(model).__name__)
    try:
        return model.get_layer(name)
    except ValueError:
        raise _validate.invalid("model", f"a model built by encoder_decoder or caption_model "
                                f"(with a layer named {name!r})", model.name) from None


def decoder_step(model):
    """Split a trained `encoder_decoder` (or `caption_model`) into an encoder and one decoder step.

    Args:
        model: a model built by `encoder_decoder` or `caption_model` (trained or not).

    Returns:
        `(encode, step)`: `encode(source)` (or `encode(images)`) returns the list of
        arrays the decoder starts from (its state; with attention also the encoder states and the
        source, for the mask), `step(tokens, states)` reads one token per row,
        `(n,)`, and returns `(log_probs, states)`: `(n, target_vocab_size)` NumPy
        log-probabilities of the next token and the new states. Both share the
        model's layers and weights.

    Raises:
        ValueError: if `model` is not a model of `encoder_decoder` or `caption_model`.

    Example:
        >>> encode, step = decoder_step(encoder_decoder(units=8))
        >>> source, _, _ = encode_pairs([("one", "1"), ("two", "2")])
        >>> log_probs, states = step(np.array([BOS, BOS]), encode(source))
        >>> log_probs.shape, bool(np.allclose(np.exp(log_probs).sum(1), 1, atol=1e-5))
        ((2, 13), True)
    """
    decoder, target_embedding = _layer(model, "decoder"), _layer(model, "target_embedding")
    captions = any(layer.name == "encoder_state" for layer in model.layers)
    encoder = None if captions else _layer(model, "encoder")
    source_embedding = None if captions else _layer(model, "source_embedding")
    logits_layer = _layer(model, "logits")
    attention = None
    if any(layer.name == "attention" for layer in model.layers):
        attention = model.get_layer("attention")
    units = decoder.cell.units
    sizes = decoder.cell.state_size
    sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]

    if encoder is None:  # a captioning model: the image encoder's output is the state
        encoder_model = keras.Model(model.inputs[0], _layer(model, "encoder_state").output)
    else:
        source = keras.Input(shape=(None,), dtype="int32")
        encoded = encoder(source_embedding(source))
        if attention is None:
            encoder_model = keras.Model(source, list(encoded[1:]))
        else:
            encoder_model = keras.Model(source, [*encoded[1:], encoded[0], source])

    token = keras.Input(shape=(), dtype="int32")
    state_inputs = [keras.Input(shape=(s,)) for s in sizes]
    out, new = decoder.cell(target_embedding(token), state_inputs)
    new = list(new) if isinstance(new, (list, tuple)) else [new]
    inputs, extra = [token, *state_inputs], []
    if attention is not None:
        memory = keras.Input(shape=(None, units))
        memory_source = keras.Input(shape=(None,), dtype="int32")
        context, _ = attention(out[:, None, :], memory, ops.not_equal(memory_source, PAD))
        out = ops.concatenate([out, context[:, 0]], axis=-1)
        inputs += [memory, memory_source]
        extra = [memory, memory_source]
    log_probs = ops.log_softmax(logits_layer(out), axis=-1)
    step_model = keras.Model(inputs, [log_probs, *new, *extra])

    def encode(source_ids):
        outputs = encoder_model(np.asarray(source_ids, "float32" if captions else "int32"))
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return [ops.convert_to_numpy(s) for s in outputs]

    def step(tokens, states):
        outputs = step_model([np.asarray(tokens, "int32"), *states])
        outputs = [ops.convert_to_numpy(o) for o in outputs]
        return outputs[0].astype(np.float64), outputs[1:]

    return encode, step


def attention_weights(model, source, decoder_inputs):
    """The attention weights of a model built with `encoder_decoder(attention=True)`.

    Args:
        model: the model.
        source: source indices `(n, S)`.
        decoder_inputs: decoder inputs `(n, T)` (teacher forcing: `<bos>` and the target).

    Returns:
        A NumPy array `(n, T, S)`: row t says where the decoder looked to predict token t.

    Raises:
        ValueError: for a model without attention.

    Example:
        >>> model = encoder_decoder(units=8, attention=True)
        >>> source, decoder_inputs, _ = encode_pairs([("four hundred two", "402")])
        >>> attention_weights(model, source, decoder_inputs).shape
        (1, 4, 3)
    """
    layer = _layer(model, "attention")
    probe = keras.Model(model.inputs, layer.output[1])
    return ops.convert_to_numpy(probe([np.asarray(source, "int32"),
                                       np.asarray(decoder_inputs, "int32")]))


# ------------------------------------------------------------------------- decoding


def _decoding_args(step, states, max_len, bos, eos, pad):
    if not callable(step):
        raise _validate.invalid("step", "a function step(tokens, states) -> (log_probs, states)",
                                step)
    if not isinstance(states, (list, tuple)) or not states:
        raise _validate.invalid("states", "a non-empty list of arrays with one row per example",
                                states)
    states = [np.asarray(s) for s in states]
    n = len(states[0]) if states[0].ndim else 0
    if n == 0 or any(s.ndim == 0 or len(s) != n for s in states):
        raise _validate.invalid("states", "a non-empty list of arrays with one row per example "
                                "(the same number of rows each)",
                                _validate.Described(str([s.shape for s in states])))
    max_len = _validate.integer(max_len, "max_len")
    bos = _validate.integer(bos, "bos", minimum=0)
    eos = _validate.integer(eos, "eos", minimum=0)
    pad = _validate.integer(pad, "pad", minimum=0)
    if eos == pad:
        raise _validate.invalid("eos", f"an index other than pad={pad}", eos)
    return states, n, max_len


def _advance(step, tokens, states, rows, pad):
    """One decoder step, its log-probabilities checked, padding made impossible."""
    log_probs, states = step(tokens, states)
    log_probs = np.array(log_probs, dtype=np.float64)
    if log_probs.ndim != 2 or len(log_probs) != rows or log_probs.shape[1] <= pad:
        raise ValueError(f"`step` should return log-probabilities of shape ({rows}, "
                         f"vocab_size), got shape {log_probs.shape}.")
    log_probs[:, pad] = -np.inf
    return log_probs, [np.asarray(s) for s in states]


def greedy_decode(step, states, max_len, bos=BOS, eos=EOS, pad=PAD):
    r"""Decode by choosing the most probable token at every step.

    .. math:: \hat y_t = \operatorname{argmax}_y \log P(y \mid \hat y_{<t}, x).

    Args:
        step: `step(tokens, states) -> (log_probs, states)` as `decoder_step` makes it.
        states: the list of arrays the decoder starts from, one row per example.
        max_len: the most tokens per hypothesis, `eos` included, a positive integer.
        bos, eos, pad: the begin, end and padding indices (default `BOS`, `EOS`, `PAD`).

    Returns:
        `(sequences, scores)`: int32 `(n, max_len)`, each row the chosen tokens up to
        and including `eos` and then `pad`, and the float `(n,)` log-probabilities.

    Raises:
        ValueError: for an invalid argument, or a `step` that returns log-probabilities
            of the wrong shape.

    Example:
        >>> table = np.log(np.array([[0.1, 0.3, 0.2, 0.4], [0.1, 0.2, 0.5, 0.2]]))
        >>> step = lambda tokens, states: (table[states[0]], [states[0] + 1])  # 2 steps
        >>> sequences, scores = greedy_decode(step, [np.array([0])], max_len=3, eos=2)
        >>> sequences.tolist(), round(float(np.exp(scores[0])), 2)
        ([[3, 2, 0]], 0.2)
    """
    states, n, max_len = _decoding_args(step, states, max_len, bos, eos, pad)
    tokens = np.full(n, bos, dtype=np.int32)
    sequences = np.full((n, max_len), pad, dtype=np.int32)
    scores, done = np.zeros(n), np.zeros(n, dtype=bool)
    for t in range(max_len):
        log_probs, states = _advance(step, tokens, states, n, pad)
        tokens = log_probs.argmax(axis=-1).astype(np.int32)
        scores = scores + np.where(done, 0.0, log_probs[np.arange(n), tokens])
        sequences[:, t] = np.where(done, pad, tokens)
        done |= tokens == eos
        if done.all():
            break
    return sequences, scores


def beam_search(step, states, beam_width, max_len, bos=BOS, eos=EOS, pad=PAD):
    r"""Decode by keeping the `beam_width` most probable hypotheses at every step.

    At step t every kept hypothesis is extended by every token, and the `beam_width`
    best of all these candidates, by their log-probability

    .. math:: \operatorname{score}(y_1, \dots, y_t) = \sum_{t'=1}^{t} \log P(y_{t'} \mid y_{<t'}, x),

    are kept. A finished hypothesis (it ended with `eos`) stays a candidate, unchanged,
    so it competes with the longer ones. Beam width 1 is `greedy_decode`; a beam as
    wide as the number of hypotheses (e.g. `(vocab_size - 1) ** max_len`) is
    `exhaustive_search`. Every example of the batch has its own beam; the decoder
    runs once per step on all of them.

    Args:
        step: `step(tokens, states) -> (log_probs, states)` as `decoder_step` makes it.
        states: the list of arrays the decoder starts from, one row per example.
        beam_width: hypotheses kept per example, a positive integer.
        max_len: the most tokens per hypothesis, `eos` included, a positive integer.
        bos, eos, pad: the begin, end and padding indices (default `BOS`, `EOS`, `PAD`).

    Returns:
        `(sequences, scores)`: the best hypothesis of each example, int32
        `(n, max_len)` padded after `eos`, and its log-probability, float `(n,)`.

    Raises:
        ValueError: for an invalid argument, or a `step` that returns log-probabilities
            of the wrong shape.

    Example:
        >>> table = np.log(np.array([[0.1, 0.3, 0.2, 0.4], [0.1, 0.2, 0.5, 0.2],
        ...                          [0.05, 0.025, 0.9, 0.025]]))
        >>> def step(tokens, states):  # row 0 first, then row 1 after token 3, row 2 after 1
        ...     row = np.where(states[0] == 0, 0, np.where(tokens == 3, 1, 2))
        ...     return table[row], [states[0] + 1]
        >>> sequences, scores = beam_search(step, [np.array([0])], beam_width=2, max_len=3, eos=2)
        >>> sequences.tolist(), round(float(np.exp(scores[0])), 2)  # greedy: [[3, 2, 0]], 0.2
        ([[1, 2, 0]], 0.27)
    """
    states, n, max_len = _decoding_args(step, states, max_len, bos, eos, pad)
    k = _validate.integer(beam_width, "beam_width")
    states = [np.repeat(s, k, axis=0) for s in states]
    scores = np.full((n, k), -np.inf)
    scores[:, 0] = 0.0  # one live hypothesis to start with
    sequences = np.full((n, k, max_len), pad, dtype=np.int32)
    done = np.zeros((n, k), dtype=bool)
    tokens = np.full(n * k, bos, dtype=np.int32)
    for t in range(max_len):
        log_probs, states = _advance(step, tokens, states, n * k, pad)
        vocab = log_probs.shape[1]
        log_probs = log_probs.reshape(n, k, vocab)
        # A finished hypothesis has one continuation, padding, which costs nothing.
        log_probs[done] = -np.inf
        log_probs[..., pad] = np.where(done, 0.0, -np.inf)
        candidates = (scores[..., None] + log_probs).reshape(n, k * vocab)
        best = np.argsort(-candidates, axis=1, kind="stable")[:, :k]
        scores = np.take_along_axis(candidates, best, axis=1)
        beam, token = best // vocab, (best % vocab).astype(np.int32)
        sequences = np.take_along_axis(sequences, beam[..., None], axis=1)
        done = np.take_along_axis(done, beam, axis=1)
        sequences[:, :, t] = np.where(done, pad, token)
        done = done | (token == eos)
        rows = (np.arange(n)[:, None] * k + beam).ravel()
        states = [s[rows] for s in states]
        tokens = token.ravel()
        if (done | np.isneginf(scores)).all():
            break
    return sequences[:, 0], scores[:, 0]


def exhaustive_search(step, states, max_len, bos=BOS, eos=EOS, pad=PAD):
    r"""Find the most probable hypothesis by scoring every one: the reference for beam search.

    .. math:: \hat y = \operatorname{argmax}_{y} \sum_t \log P(y_t \mid y_{<t}, x)

    over every sequence that ends with `eos` within `max_len` tokens or has `max_len`
    tokens. There are about `(vocab_size - 1) ** max_len` of them: for tiny
    vocabularies and lengths only.

    Args:
        step, states, max_len, bos, eos, pad: as for `beam_search`.

    Returns:
        `(sequences, scores)` as `beam_search` returns them.

    Raises:
        ValueError: for an invalid argument, or more than a million hypotheses.

    Example:
        >>> table = np.log(np.array([[0.1, 0.3, 0.2, 0.4], [0.1, 0.2, 0.5, 0.2],
        ...                          [0.05, 0.025, 0.9, 0.025]]))
        >>> def step(tokens, states):
        ...     row = np.where(states[0] == 0, 0, np.where(tokens == 3, 1, 2))
        ...     return table[row], [states[0] + 1]
        >>> exhaustive_search(step, [np.array([0])], max_len=3, eos=2)[0].tolist()
        [[1, 2, 0]]
    """
    states, n, max_len = _decoding_args(step, states, max_len, bos, eos, pad)
    best_sequences = np.full((n, max_len), pad, dtype=np.int32)
    best_scores = np.full(n, -np.inf)
    for i in range(n):
        prefixes = np.zeros((1, 0), dtype=np.int32)
        scores, rows = np.zeros(1), [s[i:i + 1] for s in states]
        tokens = np.full(1, bos, dtype=np.int32)
        for t in range(max_len):
            log_probs, rows = _advance(step, tokens, rows, len(prefixes), pad)
            vocab = log_probs.shape[1]
            if len(prefixes) * vocab > 10**6:
                raise ValueError(f"exhaustive_search would score more than a million hypotheses "
                                 f"(vocabulary {vocab}, max_len={max_len}): use beam_search.")
            candidates = scores[:, None] + log_probs  # (prefixes, vocab), in order
            ends = np.zeros(vocab, dtype=bool)
            ends[eos] = True
            if t == max_len - 1:
                ends[:] = True
            ends[pad] = False
            finished = np.where(ends[None, :], candidates, -np.inf)
            j = int(np.argmax(finished))
            if finished.flat[j] > best_scores[i]:
                best_scores[i] = finished.flat[j]
                best_sequences[i] = pad
                best_sequences[i, :t] = prefixes[j // vocab]
                best_sequences[i, t] = j % vocab
            live = [v for v in range(vocab) if not ends[v] and v != pad]
            if not live:
                break
            parent = np.repeat(np.arange(len(prefixes)), len(live))
            token = np.tile(np.array(live, dtype=np.int32), len(prefixes))
            prefixes = np.concatenate([prefixes[parent], token[:, None]], axis=1)
            scores = candidates[parent, token]
            rows = [s[parent] for s in rows]
            tokens = token
    return best_sequences, best_scores


def translate(model, sources, beam_width=1, max_len=None):
    """Translate number words to digits with a trained `encoder_decoder` model.

    Args:
        model: a model built by `encoder_decoder`.
        sources: a list of number-word strings, or source indices `(n, S)`.
        beam_width: 1 (default) for `greedy_decode`, more for `beam_search`.
        max_len: the most target tokens, `<eos>` included (default None: 11, enough
            for nine digits, and room to see a model that does not stop).

    Returns:
        A list of digit strings.

    Raises:
        ValueError: for an invalid argument.

    Example:
        >>> len(translate(encoder_decoder(units=8), ["four hundred two", "one"]))
        2
    """
    beam_width = _validate.integer(beam_width, "beam_width")
    max_len = 11 if max_len is None else _validate.integer(max_len, "max_len")
    if isinstance(sources, (list, tuple)) and sources and all(isinstance(s, str) for s in sources):
        sources = encode_pairs([(s, "0") for s in sources])[0]
    sources = np.asarray(sources)
    if sources.ndim != 2 or sources.dtype.kind not in "iu":
        raise _validate.invalid("sources", "a list of number-word strings or source indices "
                                "of shape (n, S)", sources)
    encode, step = decoder_step(model)
    states = encode(sources)
    if beam_width == 1:
        sequences, _ = greedy_decode(step, states, max_len)
    else:
        sequences, _ = beam_search(step, states, beam_width, max_len)
    return to_digits(sequences)


# ------------------------------------------------------------------------- captioning

_COLOURS = {"red": (1.0, 0.15, 0.1), "green": (0.1, 0.8, 0.2), "blue": (0.15, 0.3, 1.0)}
_SHAPES = ("square", "circle", "triangle")
_PLACES = ("top", "bottom")

CAPTION_TOKENS = ("<pad>", "<bos>", "<eos>", *_COLOURS, *_SHAPES, *_PLACES)
"""The caption vocabulary: padding, begin and end (indices 0, 1, 2 as in `TARGET_TOKENS`),
colours, shapes and places."""

_CAPTION_INDEX = {token: i for i, token in enumerate(CAPTION_TOKENS)}


def _draw(image, shape, colour, cx, cy, r):
    size = image.shape[0]
    y, x = np.mgrid[0:size, 0:size] + 0.5
    if shape == "square":
        inside = (np.abs(x - cx) <= r) & (np.abs(y - cy) <= r)
    elif shape == "circle":
        inside = (x - cx) ** 2 + (y - cy) ** 2 <= (1.15 * r) ** 2
    else:  # a triangle pointing up
        inside = (y >= cy - r) & (y <= cy + r) & (np.abs(x - cx) <= (y - (cy - r)) * 0.6)
    image[inside] = _COLOURS[colour]


def shape_images(num_images, size=24, seed=None):
    """Generate images of two coloured shapes side by side, with their captions.

    Each half of the image holds one shape (square, circle or triangle) in one colour
    (red, green or blue), in its top or bottom half, of a random size and a small random
    offset, on a dark noisy background. The caption names the left shape, then the right
    one: "red circle top blue square bottom" (324 different captions).

    Args:
        num_images: a positive integer.
        size: the side of the square images in pixels, an integer >= 16 (default 24).
        seed: None (default) or a non-negative integer.

    Returns:
        `(images, captions)`: float32 `(num_images, size, size, 3)` in [0, 1] and a list of
        caption strings.

    Raises:
        ValueError: for an invalid argument, naming it.

    Example:
        >>> images, captions = shape_images(2, seed=0)
        >>> images.shape, len(captions[0].split())
        ((2, 24, 24, 3), 6)
    """
    num_images = _validate.integer(num_images, "num_images")
    size = _validate.integer(size, "size", minimum=16)
    rng = np.random.default_rng(_validate.seed(seed))
    images = rng.uniform(0.0, 0.12, size=(num_images, size, size, 3)).astype(np.float32)
    captions = []
    for image in images:
        words = []
        for half in (0, 1):
            colour = str(rng.choice(list(_COLOURS)))
            shape, place = str(rng.choice(_SHAPES)), str(rng.choice(_PLACES))
            r = rng.uniform(0.12, 0.18) * size
            cx = (half + 0.5) * size / 2 + rng.uniform(-0.06, 0.06) * size
            cy = (0.27 if place == "top" else 0.73) * size + rng.uniform(-0.05, 0.05) * size
            _draw(image, shape, colour, cx, cy, r)
            words += [colour, shape, place]
        captions.append(" ".join(words))
    return images, captions


def encode_captions(captions, length=None):
    """Encode caption strings for teacher forcing, as `encode_pairs` does for digits.

    Args:
        captions: a non-empty list of strings of words of `CAPTION_TOKENS`.
        length: pad (or cut) to this many tokens (default None: the longest plus one).

    Returns:
        `(decoder_inputs, targets)`: int32 arrays `(n, length)`: `<bos>` and the words,
        the words and `<eos>`, padded with 0.

    Raises:
        ValueError: for a word that is not in `CAPTION_TOKENS`, naming it.

    Example:
        >>> encode_captions(["red circle top blue square bottom"])[1].tolist()
        [[3, 7, 9, 5, 6, 10, 2]]
    """
    if not isinstance(captions, (list, tuple)) or not captions or not all(
            isinstance(c, str) and c.split() and all(w in _CAPTION_INDEX for w in c.split())
            for c in captions):
        raise _validate.invalid("captions", "a non-empty list of captions made of the words "
                                "of CAPTION_TOKENS", captions)
    if length is not None:
        length = _validate.integer(length, "length")
    ids = [[_CAPTION_INDEX[w] for w in c.split()] for c in captions]
    length = length or max(map(len, ids)) + 1

    def pad(rows):
        return keras.utils.pad_sequences(rows, maxlen=length, padding="post", truncating="post",
                                         value=PAD, dtype="int32")

    return pad([[BOS, *row] for row in ids]), pad([[*row, EOS] for row in ids])


def to_words(ids):
    """Turn caption indices back into strings: the words up to `<eos>`.

    Args:
        ids: integer indices into `CAPTION_TOKENS`, `(n, steps)`.

    Returns:
        A list of `n` strings.

    Example:
        >>> to_words([[3, 7, 9, 2, 0]])
        ['red circle top']
    """
    array = np.asarray(ids)
    if array.dtype.kind not in "iu" or array.ndim != 2 or (
            array.size and (array.min() < 0 or array.max() >= len(CAPTION_TOKENS))):
        raise _validate.invalid("ids", f"integer indices in [0, {len(CAPTION_TOKENS)}) of shape "
                                "(n, steps)", ids)
    texts = []
    for row in array:
        words = []
        for i in row:
            if i == EOS:
                break
            if i not in (PAD, BOS):
                words.append(CAPTION_TOKENS[i])
        texts.append(" ".join(words))
    return texts


def caption_model(image_size=24, vocab_size=len(CAPTION_TOKENS), units=64, embedding_dim=16,
                  learning_rate=0.005, compile=True):
    r"""Build (and compile) a captioning model: a small CNN encoder and a GRU decoder.

    Three convolution-and-pooling blocks and a `Dense` layer (`encoder_state`) map the
    image to the decoder's initial state $\mathbf s_0$; from there it is the decoder of
    `encoder_decoder`, trained with teacher forcing and `masked_cross_entropy`, and
    decoded by `decoder_step` with `greedy_decode` or `beam_search`.

    Args:
        image_size: the side of the square RGB images, an integer >= 8 (default 24).
        vocab_size: caption tokens, an integer >= 4 (default `len(CAPTION_TOKENS)`).
        units: the decoder's hidden size, a positive integer (default 64).
        embedding_dim: size of the word embedding, a positive integer (default 16).
        learning_rate: Adam's learning rate, a finite positive number (default 0.005).
        compile: compile the model (default True).

    Returns:
        A `keras.Model` mapping `[images (batch, size, size, 3), decoder_inputs (batch, T)]`
        to logits `(batch, T, vocab_size)`.

    Raises:
        ValueError: for an invalid argument, naming it.

    Example:
        >>> model = caption_model(units=8)
        >>> images, captions = shape_images(2, seed=0)
        >>> decoder_inputs, _ = encode_captions(captions)
        >>> tuple(model([images, decoder_inputs]).shape)
        (2, 7, 11)
    """
    image_size = _validate.integer(image_size, "image_size", minimum=8)
    vocab_size = _validate.integer(vocab_size, "vocab_size", minimum=4)
    units = _validate.integer(units, "units")
    embedding_dim = _validate.integer(embedding_dim, "embedding_dim")
    learning_rate = _validate.positive_number(learning_rate, "learning_rate")
    compile = _validate.flag(compile, "compile")
    images = keras.Input(shape=(image_size, image_size, 3), name="images")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32", name="decoder_inputs")
    x = images
    for i, filters in enumerate((16, 32, 32)):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                name=f"conv_{i + 1}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool_{i + 1}")(x)
    state = keras.layers.Dense(units, activation="tanh", name="encoder_state")(
        keras.layers.Flatten(name="flatten")(x))
    y = keras.layers.Embedding(vocab_size, embedding_dim, name="target_embedding")(decoder_inputs)
    y = keras.layers.RNN(layers.GRUCell(units), return_sequences=True, return_state=True,
                         name="decoder")(y, initial_state=[state])[0]
    logits = keras.layers.Dense(vocab_size, name="logits")(y)
    model = keras.Model([images, decoder_inputs], logits, name="captioner")
    if compile:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=1.0),
                      loss=masked_cross_entropy,
                      jit_compile=keras.backend.backend() != "tensorflow")
    return model
