"""Bad-input campaign for d2lite.sequences: every public function, bad and edge inputs.

As in test_inputs_text.py: `BAD_INPUTS` rows are (call, exception, regex naming the
argument and the bad value), `EDGE_INPUTS` are unusual inputs that must be accepted.
Every call here is made without `next()`: the samplers check their arguments when
called. The numbered sections follow the items of the "bad input" issue; hypothesis
properties check pad_truncate, windows, the samplers and train_val_split on arbitrary
inputs.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from d2lite import sequences

SETTINGS = settings(derandomize=True, max_examples=50, deadline=None)
KERAS_WORDING = "Received an invalid value for argument `"
BIG = 2 ** 32  # wraps to 0 in int32: a real token would become padding
INT32_MAX = 2 ** 31 - 1
SAMPLERS = {"seq_data_iter_random": sequences.seq_data_iter_random,
            "seq_data_iter_sequential": sequences.seq_data_iter_sequential}
CORPUS = np.arange(100)


def case(name, call, match, exc=ValueError):
    return pytest.param(call, exc, match, id=name)


def _sampler_cases():
    out = []
    for name, f in SAMPLERS.items():
        out += [
            case(f"{name}-batch_size-0", lambda f=f: f(CORPUS, 0, 5), "`batch_size`, expected a positive integer, got 0"),
            case(f"{name}-batch_size-bool", lambda f=f: f(CORPUS, True, 5), "`batch_size`, expected a positive integer, got True"),
            case(f"{name}-batch_size-float", lambda f=f: f(CORPUS, 2.5, 5), "`batch_size`.*got 2.5"),
            case(f"{name}-num_steps-0", lambda f=f: f(CORPUS, 2, 0), "`num_steps`, expected a positive integer, got 0"),
            case(f"{name}-num_steps-str", lambda f=f: f(CORPUS, 2, "5"), "`num_steps`.*got '5'"),
            case(f"{name}-num_steps-too-long", lambda f=f: f(np.arange(20), 2, 50), r"`num_steps`, expected at most 6 for a corpus of 20 tokens and batch_size=2.*got 50"),
            case(f"{name}-batch_size-too-large", lambda f=f: f(np.arange(10), 20, 3), r"`batch_size`, expected at most 2 for a corpus of 10 tokens and num_steps=3.*got 20"),
            case(f"{name}-corpus-empty", lambda f=f: f([], 1, 1), "`corpus`, expected at least batch_size \\* num_steps \\+ num_steps = 2 tokens, got an empty array"),
            case(f"{name}-corpus-2d", lambda f=f: f(np.zeros((10, 10), int), 2, 3), r"`corpus`, expected a 1-D array of integer token indices, got an array of dtype int64 and shape \(10, 10\)"),
            case(f"{name}-corpus-float", lambda f=f: f(np.linspace(0, 1, 100), 2, 3), r"`corpus`.*dtype float64.*\(e.g. 0.0101"),
            case(f"{name}-corpus-integral-floats", lambda f=f: f(np.arange(100.0), 2, 3), r"`corpus`.*dtype float64.*\(e.g. 0.0 at position 0\)"),
            case(f"{name}-corpus-nan", lambda f=f: f(np.r_[np.arange(50.0), np.nan], 2, 3), r"`corpus`.*\(e.g. nan at position 50\)"),
            case(f"{name}-corpus-str", lambda f=f: f(["a"] * 100, 2, 3), "`corpus`.*dtype <U1"),
            case(f"{name}-corpus-bool-list", lambda f=f: f([True, False] * 50, 2, 3), "`corpus`.*got the bool True at position 0"),
            case(f"{name}-corpus-bool-array", lambda f=f: f(np.ones(100, bool), 2, 3), "`corpus`.*dtype bool"),
            case(f"{name}-corpus-negative", lambda f=f: f(np.arange(-1, 99), 2, 3), "`corpus`, expected non-negative token indices, got -1 at position 0"),
            case(f"{name}-corpus-past-int32", lambda f=f: f(np.r_[CORPUS, BIG], 2, 3), "`corpus`, expected token indices that fit in int32.*got 4294967296 at position 100"),
            case(f"{name}-corpus-past-int64-list", lambda f=f: f([1] * 99 + [2 ** 70], 2, 3), "`corpus`, expected token indices that fit in int32.*got 1180591620717411303424 at position 99"),
            case(f"{name}-corpus-ragged", lambda f=f: f([[1], [1, 2]], 2, 3), "`corpus`.*a ragged nested list"),
            case(f"{name}-seed-negative", lambda f=f: f(CORPUS, 2, 3, seed=-1), r"`seed`, expected None, a non-negative integer or a np.random.Generator, got -1"),
            case(f"{name}-seed-float", lambda f=f: f(CORPUS, 2, 3, seed=1.5), "`seed`.*got 1.5"),
            case(f"{name}-seed-str", lambda f=f: f(CORPUS, 2, 3, seed="0"), "`seed`.*got '0'"),
            case(f"{name}-seed-bool", lambda f=f: f(CORPUS, 2, 3, seed=True), "`seed`.*got True"),
            case(f"{name}-seed-SeedSequence", lambda f=f: f(CORPUS, 2, 3, seed=np.random.SeedSequence(0)), "`seed`.*got SeedSequence"),
        ]
    return out


BAD_INPUTS = [
    # ---------------------------------------------------------------- windows
    case("windows-tau-0", lambda: sequences.windows(np.arange(10.0), 0), "`tau`, expected a positive integer, got 0"),
    case("windows-tau-float", lambda: sequences.windows(np.arange(10.0), 2.5), "`tau`.*got 2.5"),
    case("windows-tau-bool", lambda: sequences.windows(np.arange(10.0), True), "`tau`.*got True"),
    case("windows-tau-None", lambda: sequences.windows(np.arange(10.0), None), "`tau`.*got None"),
    case("windows-tau-equals-length", lambda: sequences.windows(np.arange(10.0), 10), "`tau`, expected an integer smaller than the series length 10, got 10"),
    case("windows-tau-beyond-length", lambda: sequences.windows(np.arange(3.0), 7), "`tau`.*series length 3, got 7"),
    case("windows-empty", lambda: sequences.windows([], 1), "`tau`.*series length 0, got 1"),
    case("windows-scalar", lambda: sequences.windows(3.0, 1), "`series`.*got a scalar"),
    case("windows-3d", lambda: sequences.windows(np.zeros((10, 2, 2)), 3), r"`series`.*\(T,\) or \(T, num_features\).*got an array of shape \(10, 2, 2\)"),
    case("windows-strings", lambda: sequences.windows(list("abcdef"), 2), "`series`, expected numbers.*got an array of dtype <U1"),
    case("windows-objects", lambda: sequences.windows(np.array([None] * 5), 2), "`series`, expected numbers.*dtype object"),
    case("windows-dates", lambda: sequences.windows(np.arange(5).astype("datetime64[D]"), 2), "`series`, expected numbers.*dtype datetime64"),
    case("windows-no-features", lambda: sequences.windows(np.zeros((10, 0)), 3), r"`series`.*\(T, num_features\) with num_features >= 1, got an array of shape \(10, 0\)"),
    case("windows-no-features-list", lambda: sequences.windows([[], [], []], 1), r"`series`.*num_features >= 1, got an array of shape \(3, 0\)"),
    case("windows-ragged", lambda: sequences.windows([[1.0], [1.0, 2.0]], 1), "`series`.*got a ragged nested list"),
    # ---------------------------------------------------------------- samplers (no next())
    *_sampler_cases(),
    # ---------------------------------------------------------------- train_val_split
    case("train_val_split-fraction-0", lambda: sequences.train_val_split(CORPUS, 0), r"`val_fraction`, expected a number in \(0, 1\), got 0"),
    case("train_val_split-fraction-1", lambda: sequences.train_val_split(CORPUS, 1), r"`val_fraction`.*got 1"),
    case("train_val_split-fraction-nan", lambda: sequences.train_val_split(CORPUS, np.nan), r"`val_fraction`.*got nan"),
    case("train_val_split-fraction-inf", lambda: sequences.train_val_split(CORPUS, np.inf), r"`val_fraction`.*got inf"),
    case("train_val_split-fraction-bool", lambda: sequences.train_val_split(CORPUS, True), r"`val_fraction`.*got True"),
    case("train_val_split-fraction-str", lambda: sequences.train_val_split(CORPUS, "0.1"), r"`val_fraction`.*got '0.1'"),
    case("train_val_split-fraction-None", lambda: sequences.train_val_split(CORPUS, None), r"`val_fraction`.*got None"),
    case("train_val_split-empty-part", lambda: sequences.train_val_split(np.arange(3), 0.1), "`val_fraction`, expected a fraction that leaves both parts of a corpus of 3 items non-empty, got 0.1"),
    case("train_val_split-all-held-out", lambda: sequences.train_val_split(np.arange(3), 0.9), "corpus of 3 items non-empty, got 0.9"),
    case("train_val_split-empty-corpus", lambda: sequences.train_val_split([], 0.5), "corpus of 0 items non-empty"),
    case("train_val_split-scalar", lambda: sequences.train_val_split(5), "`corpus`, expected a sequence, got a scalar"),
    case("train_val_split-ragged", lambda: sequences.train_val_split([[1], [1, 2]]), "`corpus`, expected a sequence, got a ragged nested list"),
    # ---------------------------------------------------------------- lm_dataset
    case("lm_dataset-shuffle-str", lambda: sequences.lm_dataset(CORPUS, 2, 3, shuffle="no"), "`shuffle`, expected True or False, got 'no'"),
    case("lm_dataset-shuffle-int", lambda: sequences.lm_dataset(CORPUS, 2, 3, shuffle=0), "`shuffle`.*got 0"),
    case("lm_dataset-shuffle-None", lambda: sequences.lm_dataset(CORPUS, 2, 3, shuffle=None), "`shuffle`.*got None"),
    case("lm_dataset-random_offset-str", lambda: sequences.lm_dataset(CORPUS, 2, 3, random_offset="yes"), "`random_offset`, expected True, False or None, got 'yes'"),
    case("lm_dataset-random_offset-int", lambda: sequences.lm_dataset(CORPUS, 2, 3, random_offset=1), "`random_offset`.*got 1"),
    case("lm_dataset-seed-negative", lambda: sequences.lm_dataset(CORPUS, 2, 3, seed=-1), "`seed`, expected None or a non-negative integer, got -1"),
    case("lm_dataset-seed-generator", lambda: sequences.lm_dataset(CORPUS, 2, 3, seed=np.random.default_rng(0)), "`seed`, expected None or a non-negative integer, got Generator"),
    case("lm_dataset-seed-float", lambda: sequences.lm_dataset(CORPUS, 2, 3, seed=0.5), "`seed`.*got 0.5"),
    case("lm_dataset-corpus-past-int32", lambda: sequences.lm_dataset(np.r_[BIG, CORPUS], 2, 3), "`corpus`, expected token indices that fit in int32.*got 4294967296 at position 0"),
    case("lm_dataset-corpus-negative", lambda: sequences.lm_dataset(np.r_[CORPUS, -5], 2, 3), "`corpus`, expected non-negative token indices, got -5 at position 100"),
    case("lm_dataset-corpus-float", lambda: sequences.lm_dataset(CORPUS + 0.5, 2, 3), r"`corpus`.*dtype float64.*\(e.g. 0.5 at position 0\)"),
    case("lm_dataset-batch_size-0", lambda: sequences.lm_dataset(CORPUS, 0, 3), "`batch_size`, expected a positive integer, got 0"),
    case("lm_dataset-num_steps-too-long", lambda: sequences.lm_dataset(CORPUS, 2, 500), "`num_steps`.*got 500"),
    case("lm_dataset-batch_size-too-large", lambda: sequences.lm_dataset(CORPUS, 200, 3), "`batch_size`, expected at most 32 for a corpus of 100 tokens.*got 200"),
    # ---------------------------------------------------------------- sequential_dataset
    case("sequential_dataset-seed-negative", lambda: sequences.sequential_dataset(CORPUS, 2, 3, seed=-2), "`seed`, expected None, a non-negative integer or a np.random.Generator, got -2"),
    case("sequential_dataset-seed-str", lambda: sequences.sequential_dataset(CORPUS, 2, 3, seed="a"), "`seed`.*got 'a'"),
    case("sequential_dataset-corpus-past-int32", lambda: sequences.sequential_dataset(np.r_[CORPUS, INT32_MAX + 1], 2, 3), "`corpus`, expected token indices that fit in int32.*got 2147483648 at position 100"),
    case("sequential_dataset-corpus-negative", lambda: sequences.sequential_dataset(CORPUS - 1, 2, 3), "`corpus`, expected non-negative token indices, got -1 at position 0"),
    case("sequential_dataset-num_steps-too-long", lambda: sequences.sequential_dataset(np.arange(50), 8, 10), "`num_steps`, expected at most 5 for a corpus of 50 tokens.*got 10"),
    case("sequential_dataset-batch_size-float", lambda: sequences.sequential_dataset(CORPUS, 2.0, 3), "`batch_size`.*got 2.0"),
    # ---------------------------------------------------------------- recall_task
    case("recall_task-length-1", lambda: sequences.recall_task(10, 1), "`length`, expected an integer >= 2, got 1"),
    case("recall_task-num_examples-bool", lambda: sequences.recall_task(True, 5), "`num_examples`.*got True"),
    case("recall_task-num_classes-1", lambda: sequences.recall_task(10, 5, num_classes=1), "`num_classes`, expected an integer >= 2.*got 1"),
    case("recall_task-length-float", lambda: sequences.recall_task(10, 5.0), "`length`, expected an integer >= 2, got 5.0"),
    # ---------------------------------------------------------------- masked_windows
    case("masked_windows-window-1", lambda: sequences.masked_windows(np.arange(1, 11), 1), "`window`, expected an integer >= 2.*got 1"),
    case("masked_windows-window-bool", lambda: sequences.masked_windows(np.arange(1, 11), True), "`window`, expected an integer >= 2.*got True"),
    case("masked_windows-window-too-long", lambda: sequences.masked_windows(np.arange(1, 11), 11), "`window`, expected at most the corpus length 10, got 11"),
    case("masked_windows-stride-0", lambda: sequences.masked_windows(np.arange(1, 11), 3, stride=0), "`stride`, expected a positive integer, got 0"),
    case("masked_windows-stride-bool", lambda: sequences.masked_windows(np.arange(1, 11), 3, stride=True), "`stride`.*got True"),
    case("masked_windows-position-float", lambda: sequences.masked_windows(np.arange(1, 11), 3, position=1.0), r"`position`, expected an integer in \[0, 3\).*got 1.0"),
    case("masked_windows-position-out", lambda: sequences.masked_windows(np.arange(1, 11), 3, position=3), r"`position`.*got 3"),
    case("masked_windows-mask_id-occurs", lambda: sequences.masked_windows(np.arange(1, 11), 3, mask_id=5), "`mask_id`.*got 5, which occurs 1 times"),
    case("masked_windows-mask_id-float", lambda: sequences.masked_windows(np.arange(1, 11), 3, mask_id=0.0), "`mask_id`, expected an integer token index, got 0.0"),
    case("masked_windows-mask_id-bool", lambda: sequences.masked_windows(np.arange(1, 11), 3, mask_id=False), "`mask_id`.*got False"),
    case("masked_windows-mask_id-negative", lambda: sequences.masked_windows(np.arange(1, 11), 3, mask_id=-1), "`mask_id`, expected a non-negative integer token index that fits the corpus dtype int64.*got -1"),
    case("masked_windows-mask_id-past-dtype", lambda: sequences.masked_windows(np.arange(1, 11, dtype=np.uint8), 3, mask_id=300), r"`mask_id`.*fits the corpus dtype uint8 \(at most 255\), got 300"),
    case("masked_windows-corpus-negative", lambda: sequences.masked_windows([1, 2, -3], 2), "`corpus`, expected non-negative token indices, got -3 at position 2"),
    case("masked_windows-corpus-float", lambda: sequences.masked_windows(np.arange(1.0, 11.0), 2), "`corpus`, expected a 1-D array of integer token indices.*dtype float64"),
    case("masked_windows-corpus-bool", lambda: sequences.masked_windows([True, True, False], 2), "`corpus`.*got the bool True at position 0"),
    case("masked_windows-corpus-2d", lambda: sequences.masked_windows(np.ones((2, 5), int), 2), r"`corpus`.*shape \(2, 5\)"),
    # ---------------------------------------------------------------- pad_truncate
    case("pad_truncate-past-int32", lambda: sequences.pad_truncate([[BIG, 5]], 3), "`sequences`, expected token indices that fit in int32.*got 4294967296 in sequence 0 at position 0"),
    case("pad_truncate-past-int32-array", lambda: sequences.pad_truncate([[1], np.array([5, BIG])], 3), "`sequences`, expected token indices that fit in int32.*got 4294967296 in sequence 1 at position 1"),
    case("pad_truncate-past-int32-uint64", lambda: sequences.pad_truncate([np.array([2 ** 63], np.uint64)], 3), "`sequences`.*int32.*got 9223372036854775808 in sequence 0"),
    case("pad_truncate-past-int64", lambda: sequences.pad_truncate([[2 ** 70]], 3), "`sequences`.*int32.*got 1180591620717411303424 in sequence 0 at position 0"),
    case("pad_truncate-negative", lambda: sequences.pad_truncate([[3, -1]], 3), "`sequences`, expected non-negative token indices, got -1 in sequence 0 at position 1"),
    case("pad_truncate-negative-and-huge", lambda: sequences.pad_truncate([[-1, 2 ** 63]], 3), "`sequences`, expected non-negative token indices, got -1 in sequence 0 at position 0"),  # not float64
    case("pad_truncate-fraction", lambda: sequences.pad_truncate([[1.5, 5]], 3), r"`sequences`.*sequence 0 of dtype float64 and shape \(2,\) \(e.g. 1.5 at position 0\)"),
    case("pad_truncate-integral-float", lambda: sequences.pad_truncate([[5, 2.0]], 3), r"`sequences`.*sequence 0 of dtype float64.*\(e.g. 5.0 at position 0\)"),
    case("pad_truncate-nan", lambda: sequences.pad_truncate([[1], [2, np.nan]], 3), r"`sequences`.*sequence 1 of dtype float64.*\(e.g. nan at position 1\)"),
    case("pad_truncate-bool", lambda: sequences.pad_truncate([[True, 5]], 3), "`sequences`.*got the bool True in sequence 0 at position 0"),
    case("pad_truncate-flat-list", lambda: sequences.pad_truncate([1, 2, 3], 3), r"`sequences`.*got sequence 0 of dtype int64 and shape \(\) \(a single token index: pass a list of sequences, e.g. \[\[5, 6, 7\]\]\)"),
    case("pad_truncate-nested", lambda: sequences.pad_truncate([[[1, 2]]], 3), r"`sequences`.*got sequence 0 of dtype int64 and shape \(1, 2\)"),
    case("pad_truncate-ragged", lambda: sequences.pad_truncate([[1, [2]]], 3), "`sequences`.*got sequence 0, a ragged nested list"),
    case("pad_truncate-strings", lambda: sequences.pad_truncate([["a", "b"]], 3), "`sequences`.*sequence 0 of dtype <U1"),
    case("pad_truncate-value-past-int32", lambda: sequences.pad_truncate([[1, 2]], 3, value=2 ** 40), "`value`, expected a padding index that fits in int32.*got 1099511627776"),
    case("pad_truncate-value-float", lambda: sequences.pad_truncate([[1, 2]], 3, value=0.0), "`value`, expected an integer padding index, got 0.0"),
    case("pad_truncate-value-bool", lambda: sequences.pad_truncate([[1, 2]], 3, value=False), "`value`.*got False"),
    case("pad_truncate-value-str", lambda: sequences.pad_truncate([[1, 2]], 3, value="0"), "`value`.*got '0'"),
    case("pad_truncate-value-occurs", lambda: sequences.pad_truncate([[1, 0, 2]], 4), "`value`, expected a padding index that no sequence contains.*got 0, which sequence 0 contains"),
    case("pad_truncate-sequences-empty", lambda: sequences.pad_truncate([], 4), r"`sequences`, expected a non-empty list.*got \[\]"),
    case("pad_truncate-sequences-str", lambda: sequences.pad_truncate("hello", 4), "`sequences`, expected a non-empty list.*got str"),
    case("pad_truncate-sequences-dict", lambda: sequences.pad_truncate({0: [1]}, 4), "`sequences`, expected a non-empty list.*got dict"),
    case("pad_truncate-sequences-set", lambda: sequences.pad_truncate({(1, 2)}, 4), "`sequences`, expected a non-empty list.*got set"),
    case("pad_truncate-sequences-generator", lambda: sequences.pad_truncate(([1] for _ in range(2)), 4), "`sequences`, expected a non-empty list.*got generator"),
    case("pad_truncate-sequences-None", lambda: sequences.pad_truncate(None, 4), "`sequences`, expected a non-empty list.*got NoneType"),
    case("pad_truncate-max_len-0", lambda: sequences.pad_truncate([[1, 2]], 0), "`max_len`, expected a positive integer, got 0"),
    case("pad_truncate-max_len-None", lambda: sequences.pad_truncate([[1, 2]], None), "`max_len`, expected a positive integer, got None"),
    case("pad_truncate-max_len-float", lambda: sequences.pad_truncate([[1, 2]], 2.5), "`max_len`.*got 2.5"),
    case("pad_truncate-padding", lambda: sequences.pad_truncate([[1, 2]], 4, padding="middle"), "`padding`, expected one of 'pre' or 'post', got 'middle'"),
    case("pad_truncate-padding-None", lambda: sequences.pad_truncate([[1, 2]], 4, padding=None), "`padding`.*got None"),
    case("pad_truncate-truncating", lambda: sequences.pad_truncate([[1, 2]], 4, truncating="end"), "`truncating`, expected one of 'pre' or 'post', got 'end'"),
    # ---------------------------------------------------------------- check_mask
    case("check_mask-shape", lambda: sequences.check_mask(np.zeros((2, 5, 3)), np.ones((2, 4))), r"`mask`, expected a mask of shape \(batch, timesteps\) = \(2, 5\) for inputs of shape \(2, 5, 3\), got shape \(2, 4\)"),
    case("check_mask-extra-axis", lambda: sequences.check_mask(np.zeros((2, 5, 3)), np.ones((2, 5, 1))), r"`mask`.*got shape \(2, 5, 1\)"),
    case("check_mask-inputs-1d", lambda: sequences.check_mask(np.zeros(5), np.ones(5)), r"`inputs`, expected sequences of shape \(batch, timesteps, ...\), got shape \(5,\)"),
    case("check_mask-inputs-ragged", lambda: sequences.check_mask([[1], [1, 2]], np.ones((2, 2))), "`inputs`.*got a ragged nested list"),
    case("check_mask-value-2", lambda: sequences.check_mask(np.zeros((1, 3)), [[1, 2, 0]]), r"`mask`, expected booleans \(or 0/1\); other values are not cast to True, got \[2\]"),
    case("check_mask-value-half", lambda: sequences.check_mask(np.zeros((1, 3)), np.array([[1, 0.5, 0]])), r"`mask`.*got \[0.5\]"),
    case("check_mask-value-nan", lambda: sequences.check_mask(np.zeros((1, 2)), np.array([[1, np.nan]])), r"`mask`.*got \[nan\]"),
    case("check_mask-value-negative", lambda: sequences.check_mask(np.zeros((1, 2)), [[-1, 1]]), r"`mask`.*got \[-1\]"),
    case("check_mask-strings", lambda: sequences.check_mask(np.zeros((1, 2)), [["1", "0"]]), r"`mask`, expected booleans \(or 0/1\), got an array of dtype <U1"),
    case("check_mask-ragged", lambda: sequences.check_mask(np.zeros((2, 2)), [[1], [1, 0]]), "`mask`.*got a ragged nested list"),
    # ---------------------------------------------------------------- bucket_dataset
    case("bucket_dataset-labels-length", lambda: sequences.bucket_dataset([[1, 2]], [0, 1], [3], 2), r"`labels`, expected 1 integer labels \(one per sequence\), got an array of dtype int64 and shape \(2,\)"),
    case("bucket_dataset-labels-float", lambda: sequences.bucket_dataset([[1, 2]], [0.5], [3], 2), "`labels`.*dtype float64"),
    case("bucket_dataset-labels-bool", lambda: sequences.bucket_dataset([[1, 2]], [True], [3], 2), "`labels`.*dtype bool"),
    case("bucket_dataset-labels-past-int32", lambda: sequences.bucket_dataset([[1, 2]], [2 ** 40], [3], 2), "`labels`, expected integer labels that fit in int32, got 1099511627776"),
    case("bucket_dataset-labels-ragged", lambda: sequences.bucket_dataset([[1, 2], [3]], [[0], [1, 2]], [3], 2), "`labels`.*got a ragged nested list"),
    case("bucket_dataset-boundaries-decreasing", lambda: sequences.bucket_dataset([[1, 2]], [0], [3, 2], 2), r"`bucket_boundaries`, expected a non-empty list of increasing positive integers, got \[3, 2\]"),
    case("bucket_dataset-boundaries-empty", lambda: sequences.bucket_dataset([[1, 2]], [0], [], 2), r"`bucket_boundaries`.*got \[\]"),
    case("bucket_dataset-boundaries-zero", lambda: sequences.bucket_dataset([[1, 2]], [0], [0, 3], 2), r"`bucket_boundaries`.*got \[0, 3\]"),
    case("bucket_dataset-boundaries-float", lambda: sequences.bucket_dataset([[1, 2]], [0], [1.5], 2), r"`bucket_boundaries`.*got \[1.5\]"),
    case("bucket_dataset-boundaries-bool", lambda: sequences.bucket_dataset([[1, 2]], [0], [True], 2), r"`bucket_boundaries`.*got \[True\]"),
    case("bucket_dataset-boundaries-int", lambda: sequences.bucket_dataset([[1, 2]], [0], 3, 2), "`bucket_boundaries`.*got 3"),
    case("bucket_dataset-boundaries-str", lambda: sequences.bucket_dataset([[1, 2]], [0], "3", 2), "`bucket_boundaries`.*got '3'"),
    case("bucket_dataset-batch_size-0", lambda: sequences.bucket_dataset([[1, 2]], [0], [3], 0), "`batch_size`, expected a positive integer, got 0"),
    case("bucket_dataset-batch_size-bool", lambda: sequences.bucket_dataset([[1, 2]], [0], [3], True), "`batch_size`.*got True"),
    case("bucket_dataset-empty-sequence", lambda: sequences.bucket_dataset([[1, 2], []], [0, 1], [3], 2), "`sequences`, expected sequences of at least one token, got an empty sequence at position 1"),
    case("bucket_dataset-no-sequences", lambda: sequences.bucket_dataset([], [], [3], 2), "`sequences`, expected a non-empty list"),
    case("bucket_dataset-past-int32", lambda: sequences.bucket_dataset([[1, BIG]], [0], [3], 2), "`sequences`, expected token indices that fit in int32.*got 4294967296 in sequence 0 at position 1"),
    case("bucket_dataset-negative", lambda: sequences.bucket_dataset([[1, -2]], [0], [3], 2), "`sequences`, expected non-negative token indices, got -2 in sequence 0 at position 1"),
    case("bucket_dataset-value-occurs", lambda: sequences.bucket_dataset([[1, 2]], [0], [3], 2, value=2), "`value`.*got 2, which sequence 0 contains"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUTS)
def test_bad_input_is_refused_with_a_clear_message(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    if exc is ValueError:
        assert str(info.value).startswith(KERAS_WORDING), str(info.value)


def _first(it):
    return [a.tolist() for a in next(iter(it))]


EDGE_INPUTS = [
    ("windows-list", lambda: [a.tolist() for a in sequences.windows([1, 2, 3], 2)], [[[1, 2]], [3]]),
    ("windows-nan-is-windowed", lambda: np.isnan(sequences.windows([np.nan, 1.0, 2.0], 1)[0]).ravel().tolist(), [True, False]),
    ("windows-bools", lambda: sequences.windows([True, False, True], 2)[1].tolist(), [True]),
    ("windows-2d", lambda: sequences.windows(np.zeros((5, 3)), 2)[0].shape, (3, 2, 3)),
    ("windows-one-feature-column", lambda: [a.shape for a in sequences.windows(np.zeros((5, 1)), 2)], [(3, 2, 1), (3, 1)]),
    ("windows-numpy-tau", lambda: sequences.windows(np.arange(5), np.int64(4))[0].shape, (1, 4)),
    ("seq_data_iter_random-list-corpus", lambda: len(list(sequences.seq_data_iter_random(list(range(35)), 2, 5, seed=0))), 3),
    ("seq_data_iter_random-uint8", lambda: _first(sequences.seq_data_iter_random(np.arange(35, dtype=np.uint8), 2, 5, seed=0))[0], [[19, 20, 21, 22, 23], [14, 15, 16, 17, 18]]),
    ("seq_data_iter_random-numpy-seed", lambda: _first(sequences.seq_data_iter_random(np.arange(35), 2, 5, seed=np.int64(0)))[0][0], [19, 20, 21, 22, 23]),
    ("seq_data_iter_random-generator-seed", lambda: len(list(sequences.seq_data_iter_random(np.arange(35), 2, 5, seed=np.random.default_rng(0)))), 3),
    ("seq_data_iter_random-int32-max", lambda: int(next(sequences.seq_data_iter_random(np.full(35, INT32_MAX), 2, 5))[0].max()), INT32_MAX),
    ("seq_data_iter_sequential-smallest", lambda: len(list(sequences.seq_data_iter_sequential(np.arange(6), 1, 3, seed=0))), 1),
    ("seq_data_iter_sequential-big-seed", lambda: len(list(sequences.seq_data_iter_sequential(np.arange(35), 2, 5, seed=2 ** 100))), 3),
    ("train_val_split-2d", lambda: [a.shape for a in sequences.train_val_split(np.zeros((10, 2)), 0.2)], [(8, 2), (2, 2)]),
    ("train_val_split-strings", lambda: sequences.train_val_split(list("abcd"), 0.25)[1].tolist(), ["d"]),
    ("train_val_split-numpy-fraction", lambda: len(sequences.train_val_split(np.arange(10), np.float32(0.5))[1]), 5),
    ("lm_dataset-numpy-bools", lambda: int(sequences.lm_dataset(CORPUS, 2, 3, shuffle=np.bool_(False), random_offset=np.bool_(False)).cardinality()), 16),
    ("lm_dataset-seed-0", lambda: int(sequences.lm_dataset(CORPUS, 2, 3, seed=0).cardinality()), 16),
    ("sequential_dataset-generator-seed", lambda: int(sequences.sequential_dataset(CORPUS, 2, 3, seed=np.random.default_rng(1)).cardinality()), 16),
    ("masked_windows-uint8-mask", lambda: sequences.masked_windows(np.array([1, 2, 3], np.uint8), 2, mask_id=255)[0].tolist(), [[1, 255], [2, 255]]),
    ("masked_windows-whole-corpus", lambda: sequences.masked_windows([1, 2], 2)[1].tolist(), [2]),
    ("pad_truncate-empty-sequence", lambda: sequences.pad_truncate([[]], 2).tolist(), [[0, 0]]),
    ("pad_truncate-empty-float-array", lambda: sequences.pad_truncate([np.array([])], 2).tolist(), [[0, 0]]),
    ("pad_truncate-2d-array", lambda: sequences.pad_truncate(np.array([[1, 2], [3, 4]]), 3).tolist(), [[1, 2, 0], [3, 4, 0]]),
    ("pad_truncate-tuples", lambda: sequences.pad_truncate(((1, 2), (3,)), 2).tolist(), [[1, 2], [3, 0]]),
    ("pad_truncate-int32-max", lambda: sequences.pad_truncate([[INT32_MAX]], 2).tolist(), [[INT32_MAX, 0]]),
    ("pad_truncate-negative-value", lambda: sequences.pad_truncate([[7]], 2, value=-1).tolist(), [[7, -1]]),
    ("pad_truncate-int32-min-value", lambda: sequences.pad_truncate([[7]], 2, value=-2 ** 31).tolist(), [[7, -2 ** 31]]),
    ("pad_truncate-numpy-ints", lambda: sequences.pad_truncate([[np.int64(3), 4]], 2, value=np.int8(0)).tolist(), [[3, 4]]),
    ("check_mask-bool-list", lambda: sequences.check_mask(np.zeros((1, 2)), [[True, False]]).shape, (1, 2)),
    ("check_mask-zero-one-floats", lambda: sequences.check_mask(np.zeros((1, 2, 4)), np.array([[1.0, 0.0]])).shape, (1, 2)),
    ("check_mask-list-inputs", lambda: tuple(sequences.check_mask([[1, 2]], [[1, 1]]).shape), (1, 2)),
    ("bucket_dataset-batch-larger-than-data", lambda: [tuple(X.shape) for X, _ in sequences.bucket_dataset([[1], [2, 3]], [0, 1], [5], batch_size=100)], [(2, 2)]),
    ("bucket_dataset-numpy-boundaries", lambda: [tuple(X.shape) for X, _ in sequences.bucket_dataset([[1], [2, 3]], np.array([0, 1], np.int8), np.array([2]), 1)], [(1, 1), (1, 2)]),
    ("bucket_dataset-negative-label", lambda: [y.numpy().tolist() for _, y in sequences.bucket_dataset([[1]], [-1], [2], 1)], [[-1]]),
]


@pytest.mark.parametrize("call, expected", [pytest.param(c, e, id=i) for i, c, e in EDGE_INPUTS])
def test_edge_input_is_accepted(call, expected):
    got = call()
    assert got == expected


def test_every_public_name_is_in_the_campaign():
    covered = {p.id.split("-")[0] for p in BAD_INPUTS} | {i.split("-")[0] for i, _, _ in EDGE_INPUTS}
    assert set(sequences.__all__) <= covered, set(sequences.__all__) - covered


def test_campaign_size():
    assert len(BAD_INPUTS) >= 120 and len(EDGE_INPUTS) >= 30


# ---------------------------------------------------------------- item 3: ids fit int32


@pytest.mark.parametrize("make", [
    lambda s: sequences.pad_truncate(s, 3),
    lambda s: sequences.bucket_dataset(s, [0] * len(s), [2], 1),
    lambda s: sequences.lm_dataset(np.concatenate([np.arange(1, 40)] + [np.asarray(x) for x in s]), 2, 3),
    lambda s: sequences.sequential_dataset(np.concatenate([np.arange(1, 40)] + [np.asarray(x) for x in s]), 2, 3),
], ids=["pad_truncate", "bucket_dataset", "lm_dataset", "sequential_dataset"])
@pytest.mark.parametrize("bad, message", [
    (2 ** 32, "fit in int32.*got 4294967296"),  # wraps to 0: a real token would become padding
    (2 ** 31, "fit in int32.*got 2147483648"),  # wraps to -2**31
    (-1, "non-negative token indices, got -1"),
])
def test_token_ids_that_would_wrap_in_int32_are_refused_before_converting(make, bad, message):
    with pytest.raises(ValueError, match=message):
        make([[5, bad]])
    with pytest.raises(ValueError, match=message):
        make([np.array([5, bad], dtype=np.int64)])


@pytest.mark.parametrize("bad", [[1.5, 2], [2.0, 3.0], [np.nan, 1], [np.inf]])
def test_float_token_ids_are_refused_even_when_integral(bad):
    for call in (lambda: sequences.pad_truncate([bad], 3),
                 lambda: sequences.masked_windows(np.array(bad * 2), 2),
                 lambda: sequences.seq_data_iter_random(np.array(bad * 20), 1, 1)):
        with pytest.raises(ValueError, match="integer token ind.*dtype float64"):
            call()


def test_the_largest_int32_id_survives_padding_unchanged():
    out = sequences.pad_truncate([[INT32_MAX, 1], [2]], 3)
    assert out.dtype == np.int32 and out.tolist() == [[INT32_MAX, 1, 0], [2, 0, 0]]


# ---------------------------------------------------------------- item 5: eager samplers


@pytest.mark.parametrize("name", SAMPLERS)
def test_samplers_check_their_arguments_when_called_not_at_the_first_next(name):
    sampler = SAMPLERS[name]
    for kwargs in ({"batch_size": 0}, {"num_steps": 500}, {"seed": -1}):
        args = {"corpus": np.arange(100), "batch_size": 2, "num_steps": 5} | kwargs
        with pytest.raises(ValueError, match=KERAS_WORDING):
            sampler(**args)  # no next(): before, this returned a generator silently
    it = sampler(np.arange(100), 2, 5, seed=0)
    assert iter(it) is it and len(list(it)) == (100 - 5) // 5 // 2


def test_samplers_give_the_batches_notebook_03_prints():
    # The stored output of notebook 03 (NBVAL_CHECK_OUTPUT): the same draws as before.
    toy = np.arange(35)
    random_X = [X.tolist() for X, _ in sequences.seq_data_iter_random(toy, 2, 5, seed=0)]
    assert random_X == [[[19, 20, 21, 22, 23], [14, 15, 16, 17, 18]],
                        [[29, 30, 31, 32, 33], [24, 25, 26, 27, 28]],
                        [[4, 5, 6, 7, 8], [9, 10, 11, 12, 13]]]
    seq_X = [X.tolist() for X, _ in sequences.seq_data_iter_sequential(toy, 2, 5, seed=0)]
    assert seq_X == [[[4, 5, 6, 7, 8], [19, 20, 21, 22, 23]],
                     [[9, 10, 11, 12, 13], [24, 25, 26, 27, 28]],
                     [[14, 15, 16, 17, 18], [29, 30, 31, 32, 33]]]


def test_a_shared_generator_is_drawn_from_at_the_first_next_as_before():
    rng = np.random.default_rng(0)
    it = sequences.seq_data_iter_random(np.arange(35), 2, 5, seed=rng)
    state = rng.bit_generator.state
    first = next(it)
    assert rng.bit_generator.state != state  # drawn lazily
    again = next(sequences.seq_data_iter_random(np.arange(35), 2, 5, seed=np.random.default_rng(0)))
    np.testing.assert_array_equal(first[0], again[0])


# ---------------------------------------------------------------- item 6: seeds


SEEDED = {
    "seq_data_iter_random": (lambda seed: sequences.seq_data_iter_random(CORPUS, 2, 3, seed=seed), True),
    "seq_data_iter_sequential": (lambda seed: sequences.seq_data_iter_sequential(CORPUS, 2, 3, seed=seed), True),
    "sequential_dataset": (lambda seed: sequences.sequential_dataset(CORPUS, 2, 3, seed=seed), True),
    "lm_dataset": (lambda seed: sequences.lm_dataset(CORPUS, 2, 3, seed=seed), False),
}


@pytest.mark.parametrize("name", SEEDED)
def test_every_seed_is_none_a_non_negative_int_or_a_documented_generator(name):
    make, takes_generator = SEEDED[name]
    for seed in (None, 0, 7, np.int64(3), np.uint8(1), 2 ** 64):
        make(seed)
    if takes_generator:
        make(np.random.default_rng(0))
    bad = [-1, 1.5, 1.0, "0", True, np.bool_(False), [0], np.random.SeedSequence(0),
           np.random.PCG64(0), np.array(3)]
    if not takes_generator:
        bad.append(np.random.default_rng(0))
    for seed in bad:
        with pytest.raises(ValueError, match="Received an invalid value for argument `seed`, expected None"):
            make(seed)


# ---------------------------------------------------------------- properties

SEQS = st.lists(st.lists(st.integers(1, 2 ** 31 - 1), max_size=8), min_size=1, max_size=6)


@SETTINGS
@given(seqs=SEQS, max_len=st.integers(1, 10), padding=st.sampled_from(["pre", "post"]),
       truncating=st.sampled_from(["pre", "post"]))
def test_pad_truncate_shape_and_values(seqs, max_len, padding, truncating):
    out = sequences.pad_truncate(seqs, max_len, padding=padding, truncating=truncating)
    assert out.shape == (len(seqs), max_len) and out.dtype == np.int32
    for row, seq in zip(out.tolist(), seqs):
        kept = seq[:max_len] if truncating == "post" else seq[max(len(seq) - max_len, 0):]
        pad = [0] * (max_len - len(kept))
        assert row == (kept + pad if padding == "post" else pad + kept)
        assert sum(v != 0 for v in row) == len(kept)  # padding is exactly the zeros


@SETTINGS
@given(seqs=SEQS, value=st.integers(-2 ** 31, 0))
def test_pad_truncate_padding_value_is_only_where_the_sequences_end(seqs, value):
    max_len = max(len(s) for s in seqs) or 1
    out = sequences.pad_truncate(seqs, max_len, value=value)
    np.testing.assert_array_equal(out != value, [[i < len(s) for i in range(max_len)] for s in seqs])


@SETTINGS
@given(series=st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=40), data=st.data())
def test_windows_are_the_slices_before_each_label(series, data):
    tau = data.draw(st.integers(1, len(series) - 1))
    features, labels = sequences.windows(series, tau)
    assert features.shape == (len(series) - tau, tau) and labels.shape == (len(series) - tau,)
    for i in range(len(labels)):
        assert features[i].tolist() == series[i:i + tau] and labels[i] == series[i + tau]


@pytest.mark.parametrize("T, tau, features", [(12, 3, 2), (30, 7, 1), (9, 8, 4)])
def test_windows_of_a_multivariate_series_match_keras_timeseries_dataset(T, tau, features):
    import keras

    series = np.random.default_rng(T).normal(size=(T, features)).astype("float32")
    X, y = sequences.windows(series, tau)
    ds = keras.utils.timeseries_dataset_from_array(series[:-1], series[tau:], sequence_length=tau,
                                                   batch_size=5, shuffle=False)
    np.testing.assert_array_equal(X, np.concatenate([np.asarray(a) for a, _ in ds]))
    np.testing.assert_array_equal(y, np.concatenate([np.asarray(b) for _, b in ds]))


@SETTINGS
@given(n=st.integers(2, 300), batch_size=st.integers(1, 6), num_steps=st.integers(1, 12),
       seed=st.integers(0, 2 ** 32), sampler=st.sampled_from(sorted(SAMPLERS)))
def test_samplers_shapes_shift_and_count_or_a_clear_error(n, batch_size, num_steps, seed, sampler):
    corpus = np.arange(n)
    if n < batch_size * num_steps + num_steps:
        with pytest.raises(ValueError, match=r"`(num_steps|batch_size)`, expected at most"):
            SAMPLERS[sampler](corpus, batch_size, num_steps, seed=seed)
        return
    batches = list(SAMPLERS[sampler](corpus, batch_size, num_steps, seed=seed))
    assert len(batches) == (n - num_steps) // num_steps // batch_size >= 1
    for X, Y in batches:
        assert X.shape == Y.shape == (batch_size, num_steps)
        np.testing.assert_array_equal(Y, X + 1)
        assert X.min() >= 0 and Y.max() < n


@SETTINGS
@given(n=st.integers(0, 50), fraction=st.floats(0.0, 1.0, exclude_min=True, exclude_max=True))
def test_train_val_split_is_a_cut_or_a_clear_error(n, fraction):
    corpus = np.arange(n)
    n_val = round(n * fraction)
    if not 0 < n_val < n:
        with pytest.raises(ValueError, match="`val_fraction`, expected a fraction that leaves both"):
            sequences.train_val_split(corpus, fraction)
        return
    train, val = sequences.train_val_split(corpus, fraction)
    assert len(val) == n_val and np.concatenate([train, val]).tolist() == corpus.tolist()
