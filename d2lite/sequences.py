"""Windows over time series and minibatches over token sequences.

* `windows` turns a series into autoregressive (features, label) pairs, as in
  the first lesson: predict :math:`x_t` from :math:`x_{t-\\tau}, \\dots, x_{t-1}`.
* `seq_data_iter_random`, `seq_data_iter_sequential`: d2l's two ways to cut a
  token corpus into `(X, Y)` minibatches of shape `(batch_size, num_steps)`,
  `Y` being `X` shifted by one token.
* `train_val_split`: hold out the end of a corpus.
* `lm_dataset`: a `tf.data.Dataset` of those minibatches for `model.fit`.
* `sequential_dataset`: the sequential partitions as a `tf.data.Dataset`, in
  the same order every epoch, for a stateful model (truncated BPTT).
* `pad_truncate`: pad short token sequences and cut long ones to one length
  (`keras.utils.pad_sequences`, validated).
* `bucket_dataset`: batches of sequences of similar lengths
  (`tf.data.Dataset.bucket_by_sequence_length`), padded per batch.
* `check_mask`: validate a padding mask against the inputs of an RNN layer.
* `masked_windows`: windows with one token hidden and that token as the label,
  a task that needs the context on both sides (notebook 07).
* `recall_task`: a synthetic long-range memory task: remember the token after a
  marker until the end of the sequence (notebook 06, part 2).

Batches are cut with vectorized NumPy indexing (no Python loop per sample);
TensorFlow is imported only by the functions that build a `tf.data.Dataset`
(Keras by `pad_truncate` and `check_mask`), and nothing happens at import.
"""

import collections.abc
import numbers

import numpy as np

from d2lite import _validate

__all__ = [
    "bucket_dataset",
    "check_mask",
    "lm_dataset",
    "masked_windows",
    "pad_truncate",
    "recall_task",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "sequential_dataset",
    "train_val_split",
    "windows",
]

_INT32_MAX = int(np.iinfo(np.int32).max)


# ------------------------------------------------------------ argument checks (private)




def _check_bool(value, name, none=False):
    """`value` as a bool, if it is one (a NumPy bool too; None too when `none`)."""
    if none and value is None:
        return None
    if none and not isinstance(value, (bool, np.bool_)):
        raise _validate.invalid(name, "True, False or None", value)
    return _validate.flag(value, name)


def _as_array(value, name, expected, got="a ragged nested list"):
    """`np.asarray(value)`, with a clear error for ragged nested lists."""
    try:
        return np.asarray(value)
    except ValueError:
        raise _validate.invalid(name, expected, _validate.Described(got)) from None


def _token_ids(value, name, where=None, high=_INT32_MAX, ndim=1, hint=""):
    """`value` as a `ndim`-D integer array of token ids in [0, high].

    The error names `where` ("sequence 3"; None: the corpus, "an array"), the dtype and
    shape, and the first bad entry: a bool, a float (1.5, or 2.0: token ids are integers),
    NaN, a negative id, or one too large for the int32 tensors a model is fed (2**32 would
    wrap to 0, the padding index). Lists are looked at entry by entry before NumPy converts
    them, so that neither a bool nor an integer past int64 is converted silently.
    """
    expected = f"a {ndim}-D array of integer token indices" if where is None else (
        f"a list of {ndim}-D integer token index sequences")
    place = "" if where is None else f" in {where}"
    where = where or "an array"
    if isinstance(value, (list, tuple)):
        try:
            entries = np.asarray(value, dtype=object)
        except ValueError:  # mixed depths, e.g. [1, [2, 3]]
            entries = None
        if entries is not None:
            flat = entries.ravel().tolist()
            for i, entry in enumerate(flat):
                if isinstance(entry, (bool, np.bool_)):
                    raise ValueError(
                        f"Received an invalid value for argument `{name}`, expected {expected}, "
                        f"got the bool {entry!r}{place} at position {i} (a token index is an "
                        f"integer).")
            if flat and all(_validate.is_integer(e) for e in flat) and entries.ndim == ndim:
                lo, hi = min(flat), max(flat)
                if lo < 0 or hi > high:
                    bad = lo if lo < 0 else hi
                    raise _range_error(name, place, bad, flat.index(bad), high)
                return np.asarray(value, dtype=np.int64)
        value = _as_array(value, name, expected, f"{where}, a ragged nested list")
    elif not isinstance(value, np.ndarray):
        value = _as_array(value, name, expected, f"{where}, a ragged nested list")
    arr = value
    if arr.size == 0 and arr.ndim == ndim and arr.dtype.kind in "fO":
        arr = arr.astype(np.int64)  # np.asarray([]) is float64; empty is still valid
    if arr.ndim != ndim or not np.issubdtype(arr.dtype, np.integer):
        detail = ""
        if arr.dtype.kind == "f" and arr.size:
            flat = arr.ravel()
            bad = ~np.isfinite(flat) | (flat != np.round(flat))
            first = int(np.argmax(bad)) if bad.any() else 0
            detail = f" (e.g. {flat[first].item()!r} at position {first})"
        elif arr.ndim == 0 and hint:
            detail = hint
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected {expected}, got {where} "
            f"of dtype {arr.dtype} and shape {arr.shape}{detail}.")
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if lo < 0 or hi > high:
            bad = lo if lo < 0 else hi
            raise _range_error(name, place, bad.item(), int(np.argmax(arr.ravel() == bad)), high)
    return arr


def _range_error(name, place, bad, position, high):
    if bad < 0:
        expected = "non-negative token indices"
    elif high == _INT32_MAX:
        expected = f"token indices that fit in int32 (at most {_INT32_MAX}; a larger id would wrap)"
    else:
        expected = f"token indices of at most {high}"
    return ValueError(f"Received an invalid value for argument `{name}`, expected {expected}, got "
                      f"{bad!r}{place} at position {position}.")


# ------------------------------------------------------------ windows


def windows(series, tau):
    """Cut a time series into overlapping windows of `tau` past values and the next value.

    Row `i` of the features is ``series[i : i + tau]`` and label `i` is
    ``series[i + tau]``, so the model sees only the past:

    .. math:: \\hat x_t = f(x_{t-\\tau}, \\dots, x_{t-1}).

    The features are a read-only view of `series` when possible
    (`numpy.lib.stride_tricks.sliding_window_view`), so no data is copied;
    `keras.utils.timeseries_dataset_from_array(series[:-1], series[tau:],
    sequence_length=tau)` yields the same pairs as a `tf.data.Dataset`.

    A series of shape `(T, num_features)` (several numbers per time step, such as
    a day's close, volume and range) gives the 3-D input of a recurrent layer:
    `(samples, time steps, features)`, with the labels of every feature; keep
    the column you predict, e.g. ``labels[:, 0]``.

    Args:
        series: array-like of numbers (bools, integers, floats) of shape `(T,)`
            or `(T, num_features)` with `num_features >= 1`. NaN values (missing
            data) are windowed like any other value.
        tau: number of past values per window, a positive integer smaller than `T`.

    Returns:
        A tuple `(features, labels)`: `features` of shape `(T - tau, tau)`
        (or `(T - tau, tau, num_features)`), `labels` of shape `(T - tau,)`
        (or `(T - tau, num_features)`).

    Raises:
        ValueError: if `tau` is not a positive integer, if `series` is a scalar,
            has more than 2 axes or no feature column, is ragged or not numbers,
            or has no more than `tau` time steps.

    Example:
        >>> features, labels = windows(np.arange(10.0), tau=4)
        >>> features.shape, labels.shape
        ((6, 4), (6,))
        >>> features[0].tolist(), labels[0].item()
        ([0.0, 1.0, 2.0, 3.0], 4.0)
        >>> features, labels = windows(np.zeros((15, 3)), tau=8)  # 15 days, 3 features
        >>> features.shape, labels.shape  # 7 samples x 8 time steps x 3 features
        ((7, 8, 3), (7, 3))
    """
    tau = _validate.integer(tau, "tau")
    expected = "an array with a time axis of shape (T,) or (T, num_features)"
    series = _as_array(series, "series", expected)
    if series.ndim == 0:
        raise ValueError(
            "Received an invalid value for argument `series`, expected an array with a time "
            f"axis of shape (T,) or (T, num_features), got a scalar {series!r}."
        )
    if series.ndim > 2:
        raise _validate.invalid("series", expected + " (one series; for several, call windows "
                                "on each)", _validate.Described(f"an array of shape {series.shape}"))
    if series.ndim == 2 and series.shape[1] == 0:
        raise _validate.invalid("series", expected + " with num_features >= 1",
                                _validate.Described(f"an array of shape {series.shape}"))
    if series.dtype.kind not in "biuf":
        raise _validate.invalid("series", "numbers (bools, integers or floats)",
                                _validate.Described(f"an array of dtype {series.dtype}"))
    T = series.shape[0]
    if T <= tau:
        raise ValueError(
            f"Received an invalid value for argument `tau`, expected an integer smaller than "
            f"the series length {T}, got {tau}."
        )
    # sliding_window_view appends the window axis last; move it next to the time axis.
    features = np.lib.stride_tricks.sliding_window_view(series[:-1], tau, axis=0)
    features = np.moveaxis(features, -1, 1)
    labels = series[tau:]
    return features, labels


# ------------------------------------------------------------ token minibatches


def _check_corpus(corpus, batch_size, num_steps):
    """Validate the sampler arguments; return the corpus as a 1-D integer array.

    Token indices must be non-negative and fit in int32 (what `lm_dataset` and
    `sequential_dataset` feed a model).
    """
    batch_size = _validate.integer(batch_size, "batch_size")
    num_steps = _validate.integer(num_steps, "num_steps")
    corpus = _token_ids(corpus, "corpus")
    # A random offset of up to num_steps - 1 tokens must still leave one full batch
    # of inputs plus the one-token shift of the targets.
    needed = batch_size * num_steps + num_steps
    if len(corpus) == 0:
        raise _validate.invalid("corpus", f"at least batch_size * num_steps + num_steps = {needed} "
                                "tokens", _validate.Described("an empty array"))
    if len(corpus) < batch_size + 1:  # not even with num_steps=1: the batch is too large
        raise ValueError(
            f"Received an invalid value for argument `batch_size`, expected at most "
            f"{max(len(corpus) // num_steps - 1, 0)} for a corpus of {len(corpus)} tokens and "
            f"num_steps={num_steps} (one batch needs batch_size * num_steps + num_steps = "
            f"{needed} tokens), got {batch_size}."
        )
    if len(corpus) < needed:
        raise ValueError(
            f"Received an invalid value for argument `num_steps`, expected at most "
            f"{max(len(corpus) // (batch_size + 1), 0)} for a corpus of {len(corpus)} tokens and "
            f"batch_size={batch_size} (one batch needs batch_size * num_steps + num_steps = "
            f"{needed} tokens), got {num_steps}."
        )
    return corpus, batch_size, num_steps


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _num_random_batches(n_tokens, batch_size, num_steps):
    """Batches per epoch of random sampling, the same for every offset in [0, num_steps)."""
    return (n_tokens - num_steps) // num_steps // batch_size


def _random_batches(corpus, batch_size, num_steps, rng, random_offset=True, shuffle=True):
    """All (X, Y) batches of one epoch of random sampling, as two 3-D arrays."""
    offset = int(rng.integers(num_steps)) if random_offset else 0
    num_batches = _num_random_batches(len(corpus), batch_size, num_steps)
    num_subseqs = num_batches * batch_size
    starts = offset + num_steps * np.arange(num_subseqs)
    if shuffle:
        starts = rng.permutation(starts)
    starts = starts.reshape(num_batches, batch_size)
    idx = starts[..., None] + np.arange(num_steps)  # (num_batches, batch_size, num_steps)
    return corpus[idx], corpus[idx + 1]


def _sequential_batches(corpus, batch_size, num_steps, rng, random_offset=True):
    """All (X, Y) batches of one epoch of sequential partitioning, as two 3-D arrays."""
    offset = int(rng.integers(num_steps)) if random_offset else 0
    # The same number of batches for every offset keeps epochs the same length.
    num_batches = (len(corpus) - num_steps) // batch_size // num_steps
    row = num_batches * num_steps
    Xs = corpus[offset:offset + batch_size * row].reshape(batch_size, num_batches, num_steps)
    Ys = corpus[offset + 1:offset + 1 + batch_size * row].reshape(batch_size, num_batches, num_steps)
    return Xs.transpose(1, 0, 2), Ys.transpose(1, 0, 2)


def _iterate(cut, corpus, batch_size, num_steps, seed):
    """The (X, Y) batches of one epoch; the random draws happen at the first `next`."""
    Xs, Ys = cut(corpus, batch_size, num_steps, _rng(seed))
    yield from zip(Xs, Ys)


def seq_data_iter_random(corpus, batch_size, num_steps, seed=None):
    """Minibatches of a token corpus by random sampling (d2l).

    The corpus is cut, after a random offset in `[0, num_steps)`, into
    non-overlapping subsequences of `num_steps` tokens; the subsequences are
    shuffled and grouped `batch_size` at a time. Two neighbouring rows, or the
    same row in two consecutive batches, are generally not adjacent in the
    corpus, so the hidden state must be reset between batches.
    The targets are the inputs shifted by one token: `Y[i, t] == X[i, t + 1]`
    for `t < num_steps - 1`.

    The arguments are checked when the function is called (not at the first
    `next`, as a generator function would), and the iterator it returns
    yields the batches.

    Args:
        corpus: 1-D array of integer token indices (non-negative, at most
            2**31 - 1: they must fit in int32).
        batch_size: subsequences per batch, a positive integer.
        num_steps: tokens per subsequence, a positive integer.
        seed: None (default: fresh randomness), a non-negative int or a
            `np.random.Generator`, for the offset and the shuffle.

    Returns:
        An iterator over `(X, Y)`, two integer arrays of shape `(batch_size, num_steps)`;
        every epoch has `(len(corpus) - num_steps) // num_steps // batch_size` batches.

    Raises:
        ValueError: for a non-positive `batch_size` or `num_steps`, a corpus
            that is not 1-D integers (bools and floats such as 2.0 are refused),
            a negative or too large token index, a corpus shorter than
            `batch_size * num_steps + num_steps` tokens, or a bad `seed`.

    Example:
        >>> batches = list(seq_data_iter_random(np.arange(35), batch_size=2, num_steps=5, seed=0))
        >>> len(batches), batches[0][0].shape
        (3, (2, 5))
        >>> X, Y = batches[0]
        >>> bool((Y[:, :-1] == X[:, 1:]).all())
        True
    """
    corpus, batch_size, num_steps = _check_corpus(corpus, batch_size, num_steps)
    seed = _validate.seed(seed, generator=True)
    return _iterate(_random_batches, corpus, batch_size, num_steps, seed)


def seq_data_iter_sequential(corpus, batch_size, num_steps, seed=None):
    """Minibatches of a token corpus by sequential partitioning (d2l).

    After a random offset in `[0, num_steps)`, the corpus is split into
    `batch_size` equal streams (one per row); batch `k` holds tokens
    `k * num_steps ... (k + 1) * num_steps - 1` of every stream. Row `i` of
    batch `k + 1` continues row `i` of batch `k`, so a stateful model may
    carry its hidden state from one batch to the next.

    The arguments are checked when the function is called, as for
    `seq_data_iter_random`.

    Args:
        corpus: 1-D array of integer token indices (non-negative, fitting in int32).
        batch_size: rows (streams) per batch, a positive integer.
        num_steps: tokens per row and batch, a positive integer.
        seed: None (default: fresh randomness), a non-negative int or a
            `np.random.Generator`, for the offset.

    Returns:
        An iterator over `(X, Y)`, two integer arrays of shape `(batch_size, num_steps)`
        with `Y` the tokens that follow `X`; every epoch has
        `(len(corpus) - num_steps) // batch_size // num_steps` batches.

    Raises:
        ValueError: as for `seq_data_iter_random`.

    Example:
        >>> it = seq_data_iter_sequential(np.arange(35), batch_size=2, num_steps=5, seed=0)
        >>> (X0, Y0), (X1, Y1) = list(it)[:2]
        >>> X0.shape, bool((X1[:, 0] == X0[:, -1] + 1).all())
        ((2, 5), True)
    """
    corpus, batch_size, num_steps = _check_corpus(corpus, batch_size, num_steps)
    seed = _validate.seed(seed, generator=True)
    return _iterate(_sequential_batches, corpus, batch_size, num_steps, seed)


def train_val_split(corpus, val_fraction=0.1):
    """Hold out the last `val_fraction` of a sequence, without shuffling.

    Text and time series are not IID: a random split would put the
    neighbours of validation tokens into training, so the held-out part is
    the end of the sequence.

    Args:
        corpus: a 1-D array-like (token indices, tokens or a series); an array
            with more axes, e.g. `(T, num_features)`, is split along its first
            (time) axis.
        val_fraction: the fraction held out, in (0, 1) (default 0.1). The
            validation part gets `round(len(corpus) * val_fraction)` items.

    Returns:
        `(train, val)`: two NumPy arrays (views of `corpus` when it is an
        array), `train` the first part and `val` the rest.

    Raises:
        ValueError: if `val_fraction` is not a number in (0, 1) (NaN and bools
            are refused), `corpus` is a scalar or ragged, or either part would be empty.

    Example:
        >>> train, val = train_val_split(np.arange(10), val_fraction=0.2)
        >>> train.tolist(), val.tolist()
        ([0, 1, 2, 3, 4, 5, 6, 7], [8, 9])
    """
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, numbers.Real) or not (
        0 < val_fraction < 1
    ):
        raise ValueError(
            "Received an invalid value for argument `val_fraction`, expected a number in (0, 1), "
            f"got {val_fraction!r}."
        )
    corpus = _as_array(corpus, "corpus", "a sequence")
    if corpus.ndim == 0:
        raise ValueError(
            "Received an invalid value for argument `corpus`, expected a sequence, "
            f"got a scalar {corpus!r}."
        )
    n_val = int(round(len(corpus) * val_fraction))
    if not 0 < n_val < len(corpus):
        raise ValueError(
            f"Received an invalid value for argument `val_fraction`, expected a fraction that "
            f"leaves both parts of a corpus of {len(corpus)} items non-empty, got {val_fraction!r}."
        )
    return corpus[:-n_val], corpus[-n_val:]


def lm_dataset(corpus, batch_size, num_steps, shuffle=True, seed=None, random_offset=None):
    """A `tf.data.Dataset` of language-model minibatches for `model.fit`.

    Every pass over the dataset (every epoch) draws a new random offset and,
    with `shuffle=True`, a new order of subsequences, as d2l's samplers do;
    the batches themselves are cut with vectorized NumPy indexing, one array
    operation per epoch. `keras.utils.timeseries_dataset_from_array` is not
    used because it fixes the start positions and their order once, at
    construction; with `shuffle=False, random_offset=False` this dataset
    yields the same windows it would (`sequence_length=num_steps + 1`,
    `sequence_stride=num_steps`, split into inputs and shifted targets).

    Args:
        corpus: 1-D array of integer token indices.
        batch_size: sequences per batch, a positive integer.
        num_steps: tokens per sequence, a positive integer.
        shuffle: True (default) for random sampling (`seq_data_iter_random`);
            False for the subsequences in corpus order, batched as
            `seq_data_iter_random` without the shuffle, which is what a
            validation set wants. A bool (not 0/1 or a string).
        seed: a non-negative int or None (default) for reproducible offsets and shuffles.
        random_offset: start each epoch at a random offset in `[0, num_steps)`
            (default None: the same as `shuffle`); None or a bool.

    Returns:
        A `tf.data.Dataset` of `(X, Y)` int32 tensors of shape
        `(batch_size, num_steps)`, with a known number of batches per epoch,
        `(len(corpus) - num_steps) // num_steps // batch_size`.

    Raises:
        ValueError: as for `seq_data_iter_random` (token indices must fit in
            int32, the dtype of the batches), and for a `shuffle` or
            `random_offset` that is not a bool.

    Pass it to `model.fit` as is; the dataset shuffles itself, so
    `model.fit(ds, shuffle=False)` avoids Keras's warning that its own
    `shuffle` argument is ignored for datasets.

    Example:
        >>> ds = lm_dataset(np.arange(1000), batch_size=4, num_steps=10, seed=0)
        >>> int(ds.cardinality()), ds.element_spec[0].shape
        (24, TensorShape([4, 10]))
    """
    import tensorflow as tf

    corpus, batch_size, num_steps = _check_corpus(corpus, batch_size, num_steps)
    shuffle = _check_bool(shuffle, "shuffle")
    random_offset = _check_bool(random_offset, "random_offset", none=True)
    seed = _validate.seed(seed, generator=False)
    corpus = corpus.astype(np.int32)  # safe: _check_corpus checked the int32 range
    random_offset = shuffle if random_offset is None else random_offset
    rng = np.random.default_rng(seed)  # shared by all epochs, so each epoch differs

    def epoch():
        Xs, Ys = _random_batches(corpus, batch_size, num_steps, rng, random_offset, shuffle)
        yield from zip(Xs, Ys)

    spec = tf.TensorSpec((batch_size, num_steps), tf.int32)
    ds = tf.data.Dataset.from_generator(epoch, output_signature=(spec, spec))
    num_batches = _num_random_batches(len(corpus), batch_size, num_steps)
    ds = ds.apply(tf.data.experimental.assert_cardinality(num_batches))
    return ds.prefetch(tf.data.AUTOTUNE)



# ------------------------------------------------------------ masked windows
# Notebook 07 (bidirectional RNNs): fill in a hidden token from both sides.


def masked_windows(corpus, window, mask_id=0, position=None, stride=1):
    """Cut a token corpus into windows with one token hidden, and that token as the label.

    Window `i` holds ``corpus[i * stride : i * stride + window]`` with the
    token at `position` replaced by `mask_id`; its label is the token that was
    replaced. A model then predicts the hidden token from the tokens on both
    sides of it, which only a model that reads the future (a bidirectional
    RNN) can use fully:

    .. math:: \\hat x_t = f(x_{t-p}, \\dots, x_{t-1}, \\texttt{mask}, x_{t+1}, \\dots, x_{t+q}).

    Args:
        corpus: 1-D array-like of non-negative integer token indices.
        window: tokens per window, an integer >= 2 and at most `len(corpus)`.
        mask_id: the index written over the hidden token, a non-negative
            integer that never occurs in `corpus` and fits its dtype (default
            0: `Vocab`'s `<unk>`, which a corpus built from its own vocabulary
            does not contain).
        position: index of the hidden token in each window, an integer in
            `[0, window)` (default None: the middle, `window // 2`).
        stride: distance between the starts of consecutive windows, a
            positive integer (default 1: every window).

    Returns:
        A tuple `(inputs, labels)`: `inputs` of shape
        `((len(corpus) - window) // stride + 1, window)`, a new array (the
        corpus is not changed), and `labels` of shape
        `((len(corpus) - window) // stride + 1,)`, with the dtype of `corpus`.

    Raises:
        ValueError: if `corpus` is not 1-D non-negative integers or is shorter
            than `window`, if `window`, `position` or `stride` is out of range,
            if `mask_id` is negative or does not fit the corpus dtype, or if
            `mask_id` occurs in `corpus` (a masked token could not be told from
            a real one).

    Example:
        >>> inputs, labels = masked_windows(np.arange(1, 8), window=3)
        >>> inputs.tolist(), labels.tolist()
        ([[1, 0, 3], [2, 0, 4], [3, 0, 5], [4, 0, 6], [5, 0, 7]], [2, 3, 4, 5, 6])
    """
    if isinstance(window, bool) or not isinstance(window, numbers.Integral) or window < 2:
        raise ValueError(
            "Received an invalid value for argument `window`, expected an integer >= 2 (the "
            f"hidden token and at least one neighbour), got {window!r}."
        )
    window = int(window)
    stride = _validate.integer(stride, "stride")
    if position is None:
        position = window // 2
    if isinstance(position, bool) or not isinstance(position, numbers.Integral) or not (
        0 <= position < window
    ):
        raise ValueError(
            f"Received an invalid value for argument `position`, expected an integer in "
            f"[0, {window}) for window={window}, got {position!r}."
        )
    corpus = _token_ids(corpus, "corpus", high=int(np.iinfo(np.int64).max))
    if len(corpus) < window:
        raise ValueError(
            f"Received an invalid value for argument `window`, expected at most the corpus "
            f"length {len(corpus)}, got {window}."
        )
    if isinstance(mask_id, bool) or not isinstance(mask_id, numbers.Integral):
        raise ValueError(
            f"Received an invalid value for argument `mask_id`, expected an integer token index, "
            f"got {mask_id!r}."
        )
    if not 0 <= mask_id <= np.iinfo(corpus.dtype).max:
        raise _validate.invalid(
            "mask_id", f"a non-negative integer token index that fits the corpus dtype "
            f"{corpus.dtype} (at most {np.iinfo(corpus.dtype).max})", mask_id)
    if np.any(corpus == mask_id):
        raise ValueError(
            f"Received an invalid value for argument `mask_id`, expected an index that does not "
            f"occur in the corpus (a hidden token could not be told from a real one), got "
            f"{mask_id!r}, which occurs {int(np.sum(corpus == mask_id))} times."
        )
    starts = stride * np.arange((len(corpus) - window) // stride + 1)
    inputs = corpus[starts[:, None] + np.arange(window)]  # fancy indexing: a copy
    labels = inputs[:, position].copy()
    inputs[:, position] = mask_id
    return inputs, labels


# ------------------------------------------------------------ long-range memory
# Remember the first token of a sequence over `lag` distractors (benchmarks/long_range.py).


def recall_task(num_examples, length, num_classes=4, seed=None):
    r"""A long-range memory task: recall the token after a marker, at the end of the sequence.

    Each sequence has `length` tokens drawn uniformly at random from the `C =
    num_classes` values 1, ..., C, except one *marker* token, C + 1, at a random
    position p. The label is the class of the token right after the marker (the
    *signal*), and a many-to-one model answers after the last token, so it must
    notice the marker, store the next token and keep it while the `lag` tokens
    after the signal go by:

    .. math:: y = x_{p+1} - 1, \qquad x_p = C + 1, \qquad
              \mathrm{lag} = \mathrm{length} - 2 - p \in \{0, \dots, \mathrm{length} - 2\}.

    The tokens after the signal come from the same alphabet as the signal, so
    a model cannot keep the signal by ignoring the tokens that follow it: it
    has to decide, at every step, whether to keep what it holds or to take in
    the new token. The position of the marker is uniform over the sequence,
    so `lag` is uniform over 0, ..., length - 2: one training set holds short
    and long lags, and accuracy can be read per lag.

    Token 0 is never used (it stays free as the padding index of
    `keras.layers.Embedding(mask_zero=True)`), so a model needs
    `num_classes + 2` token indices, e.g.
    `d2lite.networks.sequence_classifier(num_classes + 2, num_classes)`. The
    classes are balanced: each occurs `num_examples // num_classes` or one more
    times, in random order, so always guessing one class is right
    `1 / num_classes` of the time (up to that rounding).

    Args:
        num_examples: number of sequences, a positive integer.
        length: tokens per sequence, an integer >= 2 (the marker and the signal).
        num_classes: C, the number of classes and of token values besides the
            marker, an integer >= 2 (default 4).
        seed: None (default: fresh randomness), a non-negative int or a
            `np.random.Generator`, for the labels, the positions and the tokens.

    Returns:
        A tuple `(X, y, lag)`: `X` int32 of shape `(num_examples, length)`,
        token indices in `[1, num_classes + 1]` with exactly one marker
        `num_classes + 1` per row, never in the last place; `y` int32 of shape
        `(num_examples,)`, the classes in `[0, num_classes)`, equal to the
        token after the marker minus one; and `lag` int32 of shape
        `(num_examples,)`, the number of tokens after the signal.

    Raises:
        ValueError: if `num_examples` is not a positive integer, `length` not an
            integer >= 2, `num_classes` not an integer >= 2, the marker index
            would not fit in int32, or `seed` is not None, a non-negative integer
            or a `np.random.Generator`.

    Example:
        >>> X, y, lag = recall_task(3, length=6, num_classes=2, seed=0)
        >>> X.shape, y.shape, lag.shape, X.dtype.name
        ((3, 6), (3,), (3,), 'int32')
        >>> p = np.argmax(X == 3, axis=1)  # where the marker (token 3) is
        >>> bool((y == X[np.arange(3), p + 1] - 1).all()), bool((lag == 6 - 2 - p).all())
        (True, True)
    """
    num_examples = _validate.integer(num_examples, "num_examples")
    length = _validate.integer(length, "length", minimum=2)
    num_classes = _validate.integer(num_classes, "num_classes", minimum=2)
    if num_classes + 1 > _INT32_MAX:
        raise ValueError(
            f"Received an invalid value for argument `num_classes`, expected at most "
            f"{_INT32_MAX - 1} (the marker, num_classes + 1, is a token index that must fit in "
            f"int32), got {num_classes}."
        )
    rng = _rng(_validate.seed(seed, generator=True))
    # Balanced classes: chance level is 1 / num_classes, not the frequency of a lucky class.
    y = rng.permutation(np.arange(num_examples) % num_classes).astype(np.int32)
    X = rng.integers(1, num_classes + 1, size=(num_examples, length), dtype=np.int32)
    position = rng.integers(0, length - 1, size=num_examples)
    rows = np.arange(num_examples)
    X[rows, position] = num_classes + 1
    X[rows, position + 1] = y + 1
    return X, y, (length - 2 - position).astype(np.int32)


# ------------------------------------------------------------ stateful models
# Notebook 04 (truncated BPTT): carry the hidden state from one batch to the next.


def sequential_dataset(corpus, batch_size, num_steps, seed=None):
    """A `tf.data.Dataset` of sequential partitions, in corpus order, for a stateful model.

    The batches are those of `seq_data_iter_sequential` (row `i` of batch
    `k + 1` continues row `i` of batch `k`; the targets are the inputs shifted
    by one token), cut once at construction: the random offset is drawn once,
    so every epoch yields the same batches in the same order, and every batch
    has exactly `batch_size` rows (no remainder batch). That is what
    `keras.layers.RNN(..., stateful=True)` needs: a fixed batch size, and
    each row of a batch continuing the same row of the previous batch, so
    the state it carries over is the state of the text that came before.
    Gradients still stop at the batch boundary (truncated BPTT: the carried
    state is a constant for the next batch's backward pass).

    Reset the model's states at the start of every epoch and before
    evaluating, e.g. with `d2lite.training.ResetStates`.

    Args:
        corpus: 1-D array of integer token indices (non-negative, fitting in int32).
        batch_size: rows (streams) per batch, a positive integer; the batch
            size the stateful model was built for.
        num_steps: tokens per row and batch, a positive integer.
        seed: None (default: fresh randomness), a non-negative int or a
            `np.random.Generator`, for the one offset in `[0, num_steps)`.

    Returns:
        A `tf.data.Dataset` of `(X, Y)` int32 tensors of shape
        `(batch_size, num_steps)`, never shuffled, with
        `(len(corpus) - num_steps) // batch_size // num_steps` batches.

    Raises:
        ValueError: as for `seq_data_iter_sequential`.

    Pass it to `model.fit(ds, shuffle=False)`: shuffling would break the
    continuity from batch to batch.

    Example:
        >>> ds = sequential_dataset(np.arange(1000), batch_size=4, num_steps=10, seed=0)
        >>> int(ds.cardinality()), ds.element_spec[0].shape
        (24, TensorShape([4, 10]))
    """
    import tensorflow as tf

    corpus, batch_size, num_steps = _check_corpus(corpus, batch_size, num_steps)
    seed = _validate.seed(seed, generator=True)
    batches = list(seq_data_iter_sequential(corpus.astype(np.int32), batch_size, num_steps,
                                            seed=seed))  # int32: the range is checked
    Xs = np.stack([X for X, _ in batches])
    Ys = np.stack([Y for _, Y in batches])
    return tf.data.Dataset.from_tensor_slices((Xs, Ys)).prefetch(tf.data.AUTOTUNE)


# ------------------------------------------------------------ variable lengths
# Notebook 04: sentences of different lengths, padded, masked and bucketed.

_PAD_MODES = ("pre", "post")


def _check_mode(value, name):
    if value not in _PAD_MODES:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected one of 'pre' or 'post', "
            f"got {value!r}."
        )
    return value


def _check_sequences(sequences, value):
    """A list of 1-D integer arrays; raise unless `sequences` is a non-empty list of them
    (token indices >= 0 that fit in int32) and the padding index `value` is an integer
    that fits in int32 and that no sequence holds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"Received an invalid value for argument `value`, expected an integer padding index, "
            f"got {value!r}."
        )
    if not -_INT32_MAX - 1 <= value <= _INT32_MAX:
        raise _validate.invalid("value", "a padding index that fits in int32 (the dtype of the "
                                "padded array)", value)
    if (isinstance(sequences, (str, bytes, collections.abc.Mapping, collections.abc.Set))
            or not hasattr(sequences, "__len__")):
        raise ValueError(
            "Received an invalid value for argument `sequences`, expected a non-empty list of "
            f"token index sequences, got {type(sequences).__name__}."
        )
    if len(sequences) == 0:
        raise ValueError(
            "Received an invalid value for argument `sequences`, expected a non-empty list of "
            f"token index sequences, got {sequences!r}."
        )
    arrays = []
    for i, seq in enumerate(sequences):
        arr = _token_ids(seq, "sequences", f"sequence {i}", hint=(
            " (a single token index: pass a list of sequences, e.g. [[5, 6, 7]])"))
        if np.any(arr == value):
            raise ValueError(
                f"Received an invalid value for argument `value`, expected a padding index that "
                f"no sequence contains (a mask could not tell padding from a real token), got "
                f"{value!r}, which sequence {i} contains. Shift the token indices (e.g. + 1) or "
                f"reserve a `<pad>` token."
            )
        arrays.append(arr)
    return arrays


def pad_truncate(sequences, max_len, padding="post", truncating="post", value=0):
    """Pad short token sequences and truncate long ones to `max_len` tokens.

    A batch is a rectangular tensor, so sentences of different lengths are
    made one length: shorter ones get `value` appended (`padding="post"`) or
    prepended (`"pre"`), longer ones lose their last (`truncating="post"`) or
    first (`"pre"`) tokens. This is `keras.utils.pad_sequences` with its
    arguments checked, and one more check: `value` must not occur in the
    sequences, so that `keras.layers.Embedding(mask_zero=True)` (with
    `value=0`) masks the padding and nothing else.

    Args:
        sequences: a non-empty list of 1-D sequences of integer token
            indices (lists or arrays; an empty sequence becomes all padding).
            Indices must be non-negative and fit in int32 (at most 2**31 - 1):
            a larger one would wrap around in the int32 result, possibly to
            the padding index.
        max_len: the length of every row, a positive integer.
        padding: "post" (default) or "pre": where the padding goes.
        truncating: "post" (default) or "pre": which end of a long sequence
            is cut.
        value: the padding index, an integer that fits in int32 (default 0,
            Keras's masking index).

    Returns:
        An int32 array of shape `(len(sequences), max_len)`.

    Raises:
        ValueError: for a non-positive or non-integer `max_len`, an unknown
            `padding` or `truncating` mode, an empty `sequences`, a sequence
            that is not 1-D integers (bools, floats such as 2.0 and NaN are
            refused), a negative index or one past int32, or a `value` that
            does not fit in int32 or occurs in a sequence.

    Example:
        >>> pad_truncate([[5, 6], [1, 2, 3, 4]], max_len=3).tolist()
        [[5, 6, 0], [1, 2, 3]]
        >>> pad_truncate([[5, 6], [1, 2, 3, 4]], max_len=3, padding="pre", truncating="pre").tolist()
        [[0, 5, 6], [2, 3, 4]]
    """
    from keras.utils import pad_sequences

    max_len = _validate.integer(max_len, "max_len")
    padding = _check_mode(padding, "padding")
    truncating = _check_mode(truncating, "truncating")
    arrays = _check_sequences(sequences, value=value)
    return pad_sequences(arrays, maxlen=max_len, dtype="int32", padding=padding,
                         truncating=truncating, value=int(value))


def check_mask(inputs, mask):
    """Check a padding mask against the inputs of a recurrent layer; return it as booleans.

    `keras.layers.RNN` takes `mask` of shape `(batch, timesteps)`, True at
    real steps. A mask of another shape is not caught clearly there: on
    TensorFlow one too short fails deep in the loop ("Tried to read from
    index 4 but array size is: 4"), one with the wrong batch size fails in a
    `SelectV2` broadcast, and one with an extra axis, `(batch, timesteps, 1)`,
    is silently accepted. Call this before passing a mask by hand.

    Args:
        inputs: the sequences, shape `(batch, timesteps, ...)`: embedded
            `(batch, timesteps, features)` or token indices `(batch, timesteps)`.
        mask: booleans (or 0/1) of shape `(batch, timesteps)`. Any other value
            (2, 0.5, NaN) is refused rather than cast to True; the values of a
            symbolic tensor (inside a traced function) are not looked at, only
            its shape and dtype.

    Returns:
        `mask` as a boolean tensor of shape `(batch, timesteps)`.

    Raises:
        ValueError: if `inputs` has fewer than 2 axes, if `mask` does not have
            the shape `(batch, timesteps)` of `inputs`, or if `mask` holds a
            value other than True/False/0/1 (or is not numbers).

    Example:
        >>> x = np.zeros((2, 5, 3), "float32")
        >>> tuple(check_mask(x, np.ones((2, 5))).shape)
        (2, 5)
        >>> check_mask(x, np.ones((2, 4)))
        Traceback (most recent call last):
        ...
        ValueError: Received an invalid value for argument `mask`, expected a mask of shape (batch, timesteps) = (2, 5) for inputs of shape (2, 5, 3), got shape (2, 4).
    """
    from keras import ops

    if not hasattr(inputs, "shape"):
        inputs = _as_array(inputs, "inputs", "sequences of shape (batch, timesteps, ...)")
    shape = tuple(ops.shape(inputs))
    if len(shape) < 2:
        raise ValueError(
            "Received an invalid value for argument `inputs`, expected sequences of shape "
            f"(batch, timesteps, ...), got shape {shape}."
        )
    values = None  # the mask's values as NumPy, when they can be looked at
    if not hasattr(mask, "shape") or isinstance(mask, np.ndarray):
        values = mask = _as_array(mask, "mask", "booleans of shape (batch, timesteps)")
        if mask.dtype.kind not in "biuf":
            raise _validate.invalid("mask", "booleans (or 0/1)",
                                _validate.Described(f"an array of dtype {mask.dtype}"))
    mask = ops.convert_to_tensor(mask)
    mask_shape = tuple(ops.shape(mask))
    if mask_shape != shape[:2]:
        raise ValueError(
            "Received an invalid value for argument `mask`, expected a mask of shape "
            f"(batch, timesteps) = {shape[:2]} for inputs of shape {shape}, got shape "
            f"{mask_shape}."
        )
    if values is None:
        values = _concrete(mask)
    if values is not None:
        _check_mask_values(values)
    return ops.cast(mask, "bool")


def _check_mask_values(mask):
    """Raise unless the NumPy array `mask` holds only booleans or 0/1."""
    kind = mask.dtype.kind
    if kind == "b":
        return
    if kind not in "iuf":
        raise _validate.invalid("mask", "booleans (or 0/1)",
                                _validate.Described(f"an array of dtype {mask.dtype}"))
    bad = (mask != 0) & (mask != 1)  # NaN too
    if bad.any():
        raise _validate.invalid("mask", "booleans (or 0/1); other values are not cast to True",
                                mask[bad][:5].tolist())


def _concrete(tensor):
    """A backend tensor's values as NumPy, or None for a symbolic (traced) tensor."""
    import keras

    if isinstance(tensor, keras.KerasTensor):
        return None
    try:
        return np.asarray(keras.ops.convert_to_numpy(tensor))
    except (TypeError, ValueError, AttributeError, NotImplementedError, RuntimeError):
        return None  # a tf.function graph tensor or a JAX tracer: only the shape is checked


def bucket_dataset(sequences, labels, bucket_boundaries, batch_size, value=0):
    """Batches of sequences of similar length, each padded to its own longest sequence.

    With one global maximum length, a batch of short sentences is mostly
    padding. `tf.data.Dataset.bucket_by_sequence_length` instead sorts the
    sequences into buckets by length (`len < bucket_boundaries[0]`, then
    `[bucket_boundaries[0], bucket_boundaries[1])`, ..., and one bucket for
    the rest), batches within a bucket and pads each batch only to the
    longest sequence in it. Sequences keep their order within a bucket;
    shuffle `sequences` beforehand for training. Cut overlong sequences first
    (`pad_truncate` to the longest length wanted, or slicing): the last
    bucket has no upper bound.

    Args:
        sequences: a non-empty list of 1-D sequences of integer token indices
            (empty sequences are not allowed: bucketing is by length >= 1;
            indices as for `pad_truncate`: non-negative, fitting in int32).
        labels: one integer label per sequence (array-like), fitting in int32.
        bucket_boundaries: a list of increasing positive integers, the length
            limits between buckets.
        batch_size: sequences per batch, a positive integer (the last batch
            of a bucket may be smaller; larger than `len(sequences)` gives one
            batch per bucket).
        value: the padding index, an integer that fits in int32 and that no
            sequence contains (default 0).

    Returns:
        A `tf.data.Dataset` of `(X, y)`: `X` int32 of shape `(batch, length)`
        with `length` the longest sequence of the batch, `y` int32 of shape
        `(batch,)`.

    Raises:
        ValueError: for an invalid `sequences` (as for `pad_truncate`) or an
            empty one, labels of another length or dtype or past int32,
            boundaries that are not a list of increasing positive integers, or
            a non-positive `batch_size`.

    Example:
        >>> ds = bucket_dataset([[1], [2, 3], [4, 5, 6, 7]], [0, 1, 0], [2], batch_size=2)
        >>> [tuple(X.shape) for X, _ in ds]
        [(2, 4), (1, 1)]
    """
    import tensorflow as tf

    batch_size = _validate.integer(batch_size, "batch_size")
    arrays = _check_sequences(sequences, value=value)
    if any(len(a) == 0 for a in arrays):
        raise ValueError(
            "Received an invalid value for argument `sequences`, expected sequences of at least "
            f"one token, got an empty sequence at position {[len(a) for a in arrays].index(0)}."
        )
    labels = _as_array(labels, "labels", f"{len(arrays)} integer labels (one per sequence)")
    if labels.shape != (len(arrays),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"Received an invalid value for argument `labels`, expected {len(arrays)} integer "
            f"labels (one per sequence), got an array of dtype {labels.dtype} and shape "
            f"{labels.shape}."
        )
    if labels.size and (labels.min() < -_INT32_MAX - 1 or labels.max() > _INT32_MAX):
        bad = labels.min() if labels.min() < -_INT32_MAX - 1 else labels.max()
        raise _validate.invalid("labels", "integer labels that fit in int32", bad.item())
    if isinstance(bucket_boundaries, (str, bytes)) or not isinstance(
            bucket_boundaries, collections.abc.Iterable):
        raise ValueError(
            "Received an invalid value for argument `bucket_boundaries`, expected a non-empty "
            f"list of increasing positive integers, got {bucket_boundaries!r}."
        )
    boundaries = list(bucket_boundaries)
    if not boundaries or any(
        isinstance(b, bool) or not isinstance(b, numbers.Integral) or b <= 0 for b in boundaries
    ) or any(a >= b for a, b in zip(boundaries, boundaries[1:])):
        raise ValueError(
            "Received an invalid value for argument `bucket_boundaries`, expected a non-empty "
            f"list of increasing positive integers, got {bucket_boundaries!r}."
        )
    boundaries = [int(b) for b in boundaries]

    def examples():
        yield from zip(arrays, labels)

    ds = tf.data.Dataset.from_generator(
        examples,
        output_signature=(tf.TensorSpec((None,), tf.int32), tf.TensorSpec((), tf.int32)),
    )
    return ds.bucket_by_sequence_length(
        element_length_func=lambda x, y: tf.shape(x)[0],
        bucket_boundaries=boundaries,
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        padding_values=(np.int32(value), np.int32(0)),
    )
