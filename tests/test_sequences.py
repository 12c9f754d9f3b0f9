import numpy as np
import pytest

from d2lite import sequences


# ---------------------------------------------------------------- windows


def test_windows_shapes_and_values():
    series = np.arange(10.0)
    features, labels = sequences.windows(series, tau=4)
    assert features.shape == (6, 4)
    assert labels.shape == (6,)
    np.testing.assert_array_equal(features[0], [0, 1, 2, 3])
    np.testing.assert_array_equal(features[-1], [5, 6, 7, 8])
    np.testing.assert_array_equal(labels, [4, 5, 6, 7, 8, 9])


def test_windows_label_is_next_value_after_window():
    series = np.random.default_rng(0).normal(size=50)
    features, labels = sequences.windows(series, tau=7)
    for i in (0, 13, 42):
        np.testing.assert_array_equal(features[i], series[i:i + 7])
        assert labels[i] == series[i + 7]


def test_windows_multivariate():
    series = np.arange(20.0).reshape(10, 2)
    features, labels = sequences.windows(series, tau=3)
    assert features.shape == (7, 3, 2)
    assert labels.shape == (7, 2)
    np.testing.assert_array_equal(features[1], series[1:4])
    np.testing.assert_array_equal(labels[1], series[4])


def test_windows_of_each_feature_column_are_the_windows_of_that_column():
    # (samples, time steps, features): column j of the 3-D windows is the 1-D windowing of feature j.
    series = np.random.default_rng(0).normal(size=(15, 3))
    features, labels = sequences.windows(series, tau=8)
    assert features.shape == (7, 8, 3) and labels.shape == (7, 3)
    for j in range(3):
        one_x, one_y = sequences.windows(series[:, j], tau=8)
        np.testing.assert_array_equal(features[..., j], one_x)
        np.testing.assert_array_equal(labels[:, j], one_y)


def test_windows_matches_keras_timeseries_dataset():
    import keras

    tau, T = 4, 100
    series = np.sin(0.01 * np.arange(T)).astype("float32")
    features, labels = sequences.windows(series, tau)
    ds = keras.utils.timeseries_dataset_from_array(
        series[:-1], series[tau:], sequence_length=tau, batch_size=32, shuffle=False
    )
    kx = np.concatenate([np.asarray(x) for x, _ in ds])
    ky = np.concatenate([np.asarray(y) for _, y in ds])
    np.testing.assert_array_equal(features, kx)
    np.testing.assert_array_equal(labels, ky)


def test_windows_accepts_lists_and_tau_one_less_than_length():
    features, labels = sequences.windows([1, 2, 3], tau=2)
    np.testing.assert_array_equal(features, [[1, 2]])
    np.testing.assert_array_equal(labels, [3])


@pytest.mark.parametrize("tau", [0, -1, 2.5, "4", True, None])
def test_windows_rejects_bad_tau(tau):
    with pytest.raises(ValueError, match="`tau`.*positive integer"):
        sequences.windows(np.arange(10.0), tau)


@pytest.mark.parametrize("T", [0, 3, 4])
def test_windows_rejects_series_not_longer_than_tau(T):
    with pytest.raises(ValueError, match=f"smaller than the series length {T}, got 4"):
        sequences.windows(np.arange(float(T)), tau=4)


def test_windows_rejects_scalar():
    with pytest.raises(ValueError, match="got a scalar"):
        sequences.windows(3.0, tau=1)


# ------------------------------------------------------- token minibatches

SAMPLERS = [sequences.seq_data_iter_random, sequences.seq_data_iter_sequential]


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_sampler_shapes_shift_and_batch_count(sampler):
    corpus = np.arange(1000, dtype=np.int32)
    batches = list(sampler(corpus, batch_size=4, num_steps=7, seed=1))
    assert len(batches) == (1000 - 7) // 7 // 4 == 35
    for X, Y in batches:
        assert X.shape == Y.shape == (4, 7)
        assert np.issubdtype(X.dtype, np.integer)
        # corpus[i] == i, so "Y is X shifted by one token" reads as Y == X + 1.
        np.testing.assert_array_equal(Y, X + 1)
        # each row is a contiguous run of the corpus
        np.testing.assert_array_equal(np.diff(X, axis=1), 1)


def test_random_sampler_subsequences_do_not_overlap_and_share_one_offset():
    corpus = np.arange(1000)
    starts = np.concatenate([X[:, 0] for X, _ in
                             sequences.seq_data_iter_random(corpus, 4, 7, seed=3)])
    assert len(np.unique(starts)) == len(starts)
    assert len(np.unique(starts % 7)) == 1  # one offset, stride num_steps
    assert starts.min() < 7


def test_random_sampler_shuffles_and_is_reproducible():
    corpus = np.arange(1000)
    a = [X for X, _ in sequences.seq_data_iter_random(corpus, 4, 7, seed=0)]
    b = [X for X, _ in sequences.seq_data_iter_random(corpus, 4, 7, seed=0)]
    c = [X for X, _ in sequences.seq_data_iter_random(corpus, 4, 7, seed=1)]
    np.testing.assert_array_equal(np.stack(a), np.stack(b))
    assert not np.array_equal(np.stack(a), np.stack(c))
    firsts = np.stack(a)[:, :, 0].ravel()
    assert not (np.diff(firsts) > 0).all()  # not in corpus order


def test_sequential_sampler_rows_continue_across_batches():
    corpus = np.arange(1000)
    batches = list(sequences.seq_data_iter_sequential(corpus, batch_size=4, num_steps=7, seed=5))
    for (X0, _), (X1, _) in zip(batches, batches[1:]):
        np.testing.assert_array_equal(X1[:, 0], X0[:, -1] + 1)
    # rows are equal-length streams that follow each other in the corpus
    X0 = batches[0][0]
    stream = len(batches) * 7
    np.testing.assert_array_equal(np.diff(X0[:, 0]), stream)


def test_sequential_sampler_covers_corpus_without_gaps():
    corpus = np.arange(100)
    Xs = [X for X, _ in sequences.seq_data_iter_sequential(corpus, 3, 5, seed=0)]
    tokens = np.sort(np.concatenate([X.ravel() for X in Xs]))
    np.testing.assert_array_equal(np.diff(tokens), 1)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_sampler_smallest_corpus_gives_one_batch_for_every_offset(sampler):
    corpus = np.arange(4 * 7 + 7)
    for seed in range(20):
        batches = list(sampler(corpus, batch_size=4, num_steps=7, seed=seed))
        assert len(batches) == 1
        assert batches[0][1].max() <= corpus[-1]


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_sampler_rejects_num_steps_larger_than_corpus(sampler):
    with pytest.raises(ValueError, match=r"`num_steps`.*corpus of 20 tokens.*got 50"):
        next(sampler(np.arange(20), batch_size=2, num_steps=50))
    with pytest.raises(ValueError, match=r"`num_steps`.*needs .* = 35 tokens\), got 7"):
        next(sampler(np.arange(34), batch_size=4, num_steps=7))


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("name, kwargs", [
    ("batch_size", dict(batch_size=0, num_steps=5)),
    ("batch_size", dict(batch_size=-2, num_steps=5)),
    ("num_steps", dict(batch_size=2, num_steps=0)),
    ("num_steps", dict(batch_size=2, num_steps=2.0)),
])
def test_sampler_rejects_non_positive_sizes(sampler, name, kwargs):
    bad = kwargs[name]
    with pytest.raises(ValueError, match=f"`{name}`, expected a positive integer, got {bad}"):
        next(sampler(np.arange(100), **kwargs))


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("corpus", [np.zeros((10, 10), int), np.linspace(0, 1, 100), ["a"] * 100])
def test_sampler_rejects_non_integer_or_2d_corpus(sampler, corpus):
    with pytest.raises(ValueError, match="`corpus`, expected a 1-D array of integer"):
        next(sampler(corpus, batch_size=2, num_steps=3))


# --------------------------------------------------------- train_val_split


def test_train_val_split_holds_out_the_end():
    train, val = sequences.train_val_split(np.arange(100))
    np.testing.assert_array_equal(train, np.arange(90))
    np.testing.assert_array_equal(val, np.arange(90, 100))
    train, val = sequences.train_val_split(list("abcdefghij"), val_fraction=0.25)
    assert "".join(train) + "|" + "".join(val) == "abcdefgh|ij"


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1, "0.1", True])
def test_train_val_split_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError, match="`val_fraction`, expected a number in \\(0, 1\\)"):
        sequences.train_val_split(np.arange(10), fraction)


def test_train_val_split_rejects_empty_part_and_scalar():
    with pytest.raises(ValueError, match="corpus of 3 items non-empty, got 0.1"):
        sequences.train_val_split(np.arange(3), 0.1)
    with pytest.raises(ValueError, match="got a scalar"):
        sequences.train_val_split(5)


# --------------------------------------------------------------- lm_dataset


def _epoch(ds):
    return [(np.asarray(X), np.asarray(Y)) for X, Y in ds]


def test_lm_dataset_batches_shapes_and_cardinality():
    import tensorflow as tf

    ds = sequences.lm_dataset(np.arange(1000), batch_size=4, num_steps=7, seed=0)
    assert isinstance(ds, tf.data.Dataset)
    assert int(ds.cardinality()) == (1000 - 7) // 7 // 4
    batches = _epoch(ds)
    assert len(batches) == int(ds.cardinality())
    for X, Y in batches:
        assert X.shape == Y.shape == (4, 7) and X.dtype == np.int32
        np.testing.assert_array_equal(Y, X + 1)


def test_lm_dataset_new_offset_and_order_each_epoch_reproducibly():
    corpus = np.arange(5000)
    ds = sequences.lm_dataset(corpus, 8, 10, seed=0)
    epochs = [np.stack([X for X, _ in _epoch(ds)]) for _ in range(4)]
    offsets = {int(e[0, 0, 0] % 10) for e in epochs}
    assert len(offsets) > 1
    assert not np.array_equal(epochs[0], epochs[1])
    again = sequences.lm_dataset(corpus, 8, 10, seed=0)
    np.testing.assert_array_equal(np.stack([X for X, _ in _epoch(again)]), epochs[0])


def test_lm_dataset_unshuffled_matches_keras_timeseries_dataset():
    import keras

    corpus = np.arange(3, 400, dtype=np.int32)
    batch_size, num_steps = 4, 9
    ds = sequences.lm_dataset(corpus, batch_size, num_steps, shuffle=False)
    ours = _epoch(ds)
    ref = keras.utils.timeseries_dataset_from_array(
        corpus, None, sequence_length=num_steps + 1, sequence_stride=num_steps,
        batch_size=batch_size, shuffle=False)
    ref = [np.asarray(w) for w in ref][:len(ours)]  # Keras keeps a last partial batch
    for (X, Y), w in zip(ours, ref):
        np.testing.assert_array_equal(X, w[:, :-1])
        np.testing.assert_array_equal(Y, w[:, 1:])
    # no shuffle and no offset: every epoch is the same
    np.testing.assert_array_equal(np.stack([X for X, _ in _epoch(ds)]), np.stack([X for X, _ in ours]))


def test_lm_dataset_trains_a_keras_model():
    import keras

    corpus = np.tile(np.arange(5), 200)
    ds = sequences.lm_dataset(corpus, batch_size=8, num_steps=6, seed=0)
    model = keras.Sequential([keras.Input((6,), dtype="int32"), keras.layers.Embedding(5, 8),
                              keras.layers.Dense(5)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0, shuffle=False)  # the dataset shuffles itself
    assert len(history.history["loss"]) == 2


def test_lm_dataset_rejects_bad_arguments():
    with pytest.raises(ValueError, match="`batch_size`, expected a positive integer, got 0"):
        sequences.lm_dataset(np.arange(100), batch_size=0, num_steps=5)
    with pytest.raises(ValueError, match="`num_steps`.*got 500"):
        sequences.lm_dataset(np.arange(100), batch_size=2, num_steps=500)



# ------------------------------------------------- check_mask / pad_truncate on every backend


def _run_traced(fn, x):
    """`fn(x)` inside the backend's tracer (tf.function, jax.jit), where values are symbolic."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn)(x)
    if backend == "jax":
        import jax

        return jax.jit(fn)(x)
    pytest.skip(f"no tracer helper for the {backend} backend")


@pytest.mark.backend
def test_check_mask_refuses_values_other_than_0_1_in_arrays_and_backend_tensors():
    from keras import ops

    x = np.zeros((2, 3, 4), "float32")
    ok = sequences.check_mask(x, ops.convert_to_tensor(np.array([[1, 1, 0]] * 2, "float32")))
    assert ops.convert_to_numpy(ok).tolist() == [[True, True, False]] * 2
    for bad in (np.full((2, 3), 2), np.full((2, 3), 0.5, "float32"), np.full((2, 3), np.nan)):
        with pytest.raises(ValueError, match=r"`mask`, expected booleans \(or 0/1\)"):
            sequences.check_mask(x, bad)
        with pytest.raises(ValueError, match=r"`mask`, expected booleans \(or 0/1\)"):
            sequences.check_mask(x, ops.convert_to_tensor(bad))


@pytest.mark.backend
def test_check_mask_inside_a_traced_function_checks_the_shape_only():
    from keras import ops

    x = np.zeros((2, 3, 4), "float32")
    mask = np.array([[1, 0, 1], [1, 1, 0]], "float32")
    out = _run_traced(lambda m: sequences.check_mask(x, m), mask)
    assert ops.convert_to_numpy(out).tolist() == mask.astype(bool).tolist()
    with pytest.raises(ValueError, match=r"`mask`, expected a mask of shape"):
        _run_traced(lambda m: sequences.check_mask(x, m), mask[:, :2])


@pytest.mark.backend
def test_pad_truncate_refuses_ids_that_would_wrap_in_int32_on_every_backend():
    import keras

    with pytest.raises(ValueError, match="fit in int32.*got 4294967296 in sequence 0"):
        sequences.pad_truncate([[2 ** 32, 5]], 3)
    padded = sequences.pad_truncate([[2 ** 31 - 1, 5]], 3)
    embedded = keras.layers.Embedding(10, 2, mask_zero=True).compute_mask(padded % 10)
    assert keras.ops.convert_to_numpy(embedded).tolist() == [[True, True, False]]
