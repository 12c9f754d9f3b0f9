"""The check of notebook 04's padding exercise accepts right answers and explains wrong ones."""

import time

import keras
import numpy as np
import pytest

from d2lite import check, sequences
from d2lite.check import CheckFailed

LIMIT = 0.3  # seconds, for the endless loops


def by_hand(seqs, max_len, padding="post", truncating="post"):
    out = np.zeros((len(seqs), max_len), dtype=int)
    for i, seq in enumerate(seqs):
        seq = seq[-max_len:] if truncating == "pre" else seq[:max_len]
        if len(seq):
            start = max_len - len(seq) if padding == "pre" else 0
            out[i, start:start + len(seq)] = seq
    return out


def by_lists(seqs, max_len, padding="post", truncating="post"):
    rows = []
    for seq in seqs:
        seq = list(seq[-max_len:] if truncating == "pre" else seq[:max_len])
        zeros = [0] * (max_len - len(seq))
        rows.append(zeros + seq if padding == "pre" else seq + zeros)
    return np.array(rows, dtype=np.int32)


@pytest.mark.parametrize("pad", [
    by_hand,
    by_lists,
    lambda seqs, max_len, padding="post", truncating="post": keras.utils.pad_sequences(
        seqs, maxlen=max_len, padding=padding, truncating=truncating, value=0),
    lambda seqs, max_len, padding="post", truncating="post": sequences.pad_truncate(
        seqs, max_len, padding=padding, truncating=truncating),
    lambda seqs, max_len, padding="post", truncating="post": by_hand(
        seqs, max_len, padding, truncating).astype(np.uint8),
], ids=["numpy", "lists", "keras", "d2lite", "uint8"])
def test_pad_truncate_accepts_right_answers(pad):
    assert check.check_pad_truncate(pad).startswith("Correct: every row has max_len tokens")


# ----------------------------------------------------------------- the named mistakes


def _ends(padding_of, truncating_of):
    """A `pad` that pads and truncates where the two functions of (padding, truncating) say."""
    def pad(seqs, max_len, padding="post", truncating="post"):
        return by_hand(seqs, max_len, padding_of(padding, truncating),
                       truncating_of(padding, truncating))
    return pad


FLIP = {"pre": "post", "post": "pre"}


def _pads_with(value):
    def pad(seqs, max_len, padding="post", truncating="post"):
        out = by_hand(seqs, max_len, padding, truncating).astype(type(value))
        mask = by_hand([[1] * len(s) for s in seqs], max_len, padding, truncating) == 0
        out[mask] = value
        return out
    return pad


def _extends(seqs, max_len, padding="post", truncating="post"):
    out = by_hand([list(s) for s in seqs], max_len, padding, truncating)
    for seq in seqs:
        seq.extend([0] * (max_len - len(seq)))  # pads the caller's lists
    return out


def _replaces(seqs, max_len, padding="post", truncating="post"):
    out = by_hand(seqs, max_len, padding, truncating)
    for i, seq in enumerate(seqs):
        seqs[i] = seq[:max_len]
    return out


def _shrinks(seqs, max_len, padding="post", truncating="post"):
    out = by_hand(seqs, max_len, padding, truncating)
    seqs.pop()
    return out


def _minus_zero(seqs, max_len, padding="post", truncating="post"):
    out = np.zeros((len(seqs), max_len), dtype=int)
    for i, seq in enumerate(seqs):
        seq = seq[-max_len:] if truncating == "pre" else seq[:max_len]
        if padding == "pre":
            out[i, -len(seq):] = seq  # x[-0:] is all of x: fails on the empty sequence
        else:
            out[i, :len(seq)] = seq
    return out


def _negative_start(seqs, max_len, padding="post", truncating="post"):
    out = np.zeros((len(seqs), max_len), dtype=int)
    for i, seq in enumerate(seqs):
        seq = seq[len(seq) - max_len:] if truncating == "pre" else seq[:max_len]  # < 0: too few
        start = max_len - len(seq) if padding == "pre" else 0
        out[i, start:start + len(seq)] = seq
    return out


MISTAKES = [
    ("padding-wrong-end", _ends(lambda p, t: "post", lambda p, t: t),
     r"padding='pre'.*the padding is at the wrong end: padding='pre' puts the zeros at the "
     r"start of the row.*yours are at the end of the row"),
    ("truncating-wrong-end", _ends(lambda p, t: p, lambda p, t: "post"),
     r"truncating='pre'\)`: the truncation is at the wrong end: truncating='pre' cuts a long "
     r"sequence at its start and keeps its last max_len tokens.*you kept its first tokens"),
    ("truncating-flipped", _ends(lambda p, t: p, lambda p, t: FLIP[t]),
     r"padding='post', truncating='post'\)`: the truncation is at the wrong end: .*keeps its "
     r"first max_len tokens, `seq\[:max_len\]`; you kept its last tokens"),
    ("both-wrong-ends", _ends(lambda p, t: FLIP[p], lambda p, t: FLIP[t]),
     r"both at the wrong end: 'post' means the end for both"),
    ("arguments-ignored", _ends(lambda p, t: "post", lambda p, t: "post"),
     r"both at the wrong end: 'pre' means the start for both.*are `padding` and `truncating` "
     r"used at all"),
    ("ignores-truncating", _ends(lambda p, t: p, lambda p, t: p),
     r"truncating='pre'\)`: `pad` ignores `truncating`: it truncated at the same end as it "
     r"padded \(padding='post'\)"),
    ("ignores-padding", _ends(lambda p, t: t, lambda p, t: t),
     r"padding='post', truncating='pre'\)`: `pad` ignores `padding`: it padded at the same "
     r"end as it truncated"),
    ("swapped-arguments", _ends(lambda p, t: t, lambda p, t: p), "are the two arguments swapped"),
    ("pads-with-minus-one", _pads_with(-1),
     r"pads with -1: the row of the empty sequence \[\] is \[-1, -1, -1, -1, -1\]\. Pad with 0"),
    ("pads-with-a-float", _pads_with(0.5), r"pads with 0\.5"),
    ("list-of-lists", lambda *a, **k: by_hand(*a, **k).tolist(),
     "returned a list with the right numbers; return a NumPy array"),
    ("tuple", lambda *a, **k: tuple(by_hand(*a, **k)), "returned a tuple with the right numbers"),
    ("float-dtype", lambda *a, **k: by_hand(*a, **k).astype(float),
     r"right numbers as an array of dtype float64; token indices are integers"),
    ("object-dtype", lambda *a, **k: by_hand(*a, **k).astype(object), "dtype object"),
    ("extends-in-place", _extends,
     r"changed the lists it was given: seqs\[0\] was \[5, 2, 8\] and is now \[5, 2, 8, 0, 0\]\. "
     "Work on copies"),
    ("replaces-items", _replaces, r"changed the lists it was given: seqs\[0\] was replaced"),
    ("shrinks-the-list", _shrinks, r"seqs now has 3 item\(s\), not the 4 lists"),
    ("no-truncation", lambda seqs, max_len, padding="post", truncating="post": (
        keras.utils.pad_sequences(seqs, padding=padding)),
     r"shape \(len\(seqs\), max_len\) = \(4, 5\); got \(4, 7\): the rows are as long as the "
     "longest sequence"),
    ("transposed", lambda *a, **k: by_hand(*a, **k).T, r"got \(5, 4\), the transpose"),
    ("drops-the-empty-sequence", lambda seqs, *a, **k: by_hand([s for s in seqs if s], *a, **k),
     r"got \(3, 5\), one row short: the empty sequence \[\] needs a row too"),
    ("flattened", lambda *a, **k: by_hand(*a, **k).ravel(), r"one row per sequence; got shape \(20,\)"),
    ("unpadded", lambda seqs, max_len, **k: [s[:max_len] for s in seqs],
     "its rows have different lengths"),
    ("minus-zero-slice", _minus_zero,
     r"raised ValueError: could not broadcast .*out\[i, -len\(seq\):\] = seq.*`x\[-0:\]` is all "
     "of `x`"),
    ("negative-start", _negative_start,
     r"padding='pre', truncating='pre'\)`: the row of seqs\[0\] = \[5, 2, 8\] \(3 token\(s\)\) "
     r"should be \[0, 0, 5, 2, 8\], got \[0, 0, 0, 2, 8\]\."),
]


@pytest.mark.parametrize("pad, message", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_pad_truncate_names_each_mistake(pad, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check.check_pad_truncate(pad)
    assert "Correct" not in str(info.value)


# ----------------------------------------------------------------- untrusted code


def _loops(*args, **kwargs):
    while True:
        pass


def _sets_always_equal(seqs, max_len, padding="post", truncating="post"):
    class AlwaysEqual:
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    out = by_hand(seqs, max_len, padding, truncating)
    for seq in seqs:
        if seq:
            seq[0] = AlwaysEqual()  # equal to everything, yet a change
    return out


@pytest.mark.parametrize("pad, message", [
    (lambda *a, **k: 1 / 0,
     r"^pad\(seqs, max_len=5, padding='post', truncating='post'\) with seqs = \[\[5, 2, 8\], "
     r"\[7, 1, 4, 6, 3, 9, 2\], \[\], \[3, 6, 2, 4, 1\]\] raised ZeroDivisionError"),
    (lambda *a, **k: None, r"should be an array, got None: does the function end with `return"),
    (lambda *a, **k: "[[5, 2, 8, 0, 0]]", r"got the string .*not text"),
    (lambda *a, **k: np.full((4, 5), "0"), "got strings"),
    (lambda *a, **k: np.where(by_hand(*a, **k) == 0, np.nan, by_hand(*a, **k)), "NaN"),
    (lambda *a, **k: by_hand(*a, **k) > 0, "booleans"),
    (lambda *a, **k: np.array([]), r"= \(4, 5\), one row per sequence; got shape \(0,\)"),
    (lambda seqs, max_len: by_hand(seqs, max_len), r"cannot be called: your `pad` is defined as "
                                                   r"pad\(seqs, max_len\)"),
    (np.zeros((1, 1)), r"`pad` should be a function, got an array of shape \(1, 1\)"),
    (_sets_always_equal, r"seqs\[0\] was \[5, 2, 8\] and is now list with 3 items"),
], ids=["raises", "none", "string", "strings", "nan", "bools", "empty", "signature",
        "not-a-function", "always-equal-in-the-input"])
def test_pad_truncate_survives_untrusted_code(pad, message):
    with pytest.raises(CheckFailed, match=message):
        check.check_pad_truncate(pad)


def test_pad_truncate_stops_an_endless_loop():
    start = time.perf_counter()
    with pytest.raises(CheckFailed, match=rf"did not return within {LIMIT:g} s: an endless "
                                          r"loop\? .*running line \d+"):
        check.check_pad_truncate(_loops, timeout=LIMIT)
    assert time.perf_counter() - start < LIMIT + 5


def test_pad_truncate_gives_each_call_fresh_lists():
    seen = []

    def pad(seqs, max_len, padding="post", truncating="post"):
        seen.append(seqs)
        return by_hand(seqs, max_len, padding, truncating)

    check.check_pad_truncate(pad)
    assert len(seen) == 4 and len({id(s) for s in seen}) == 4
    assert all(s == [[5, 2, 8], [7, 1, 4, 6, 3, 9, 2], [], [3, 6, 2, 4, 1]] for s in seen)
