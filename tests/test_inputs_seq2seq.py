"""Bad-input campaign for d2lite.seq2seq: every public function and class, bad and edge inputs.

Each bad call raises a ValueError in Keras's wording that names the argument and the
value received; each edge input is accepted and gives the stated result.
"""

import math

import numpy as np
import pytest

from d2lite import seq2seq as s2s


def _invalid(name, got):
    return rf"argument `{name}`, expected .*, got {got}"


def step(tokens, states):
    log_probs = np.log(np.full((len(tokens), 4), 0.25))
    return log_probs, states


STATES = [np.zeros((2, 3))]
PAIR = [("seven", "7")]

BAD_INPUTS = [pytest.param(call, pattern, id=id) for id, call, pattern in [
    ("number_words-negative", lambda: s2s.number_words(-1), _invalid("n", "-1")),
    ("number_words-billion", lambda: s2s.number_words(10**9), _invalid("n", "1000000000")),
    ("number_words-float", lambda: s2s.number_words(7.0), _invalid("n", r"7\.0")),
    ("number_words-bool", lambda: s2s.number_words(True), _invalid("n", "True")),
    ("number_words-string", lambda: s2s.number_words("7"), _invalid("n", "'7'")),
    ("number_pairs-zero-train", lambda: s2s.number_pairs(0, 1), _invalid("num_train", "0")),
    ("number_pairs-float-test", lambda: s2s.number_pairs(5, 1.5), _invalid("num_test", r"1\.5")),
    ("number_pairs-max-digits-zero", lambda: s2s.number_pairs(5, 1, max_digits=0), _invalid("max_digits", "0")),
    ("number_pairs-max-digits-ten", lambda: s2s.number_pairs(5, 1, max_digits=10), _invalid("max_digits", "10")),
    ("number_pairs-too-many", lambda: s2s.number_pairs(40, 20, max_digits=2), "more than half of the 100"),
    ("number_pairs-negative-seed", lambda: s2s.number_pairs(5, 1, seed=-1), _invalid("seed", "-1")),
    ("encode_pairs-string", lambda: s2s.encode_pairs("seven"), _invalid("pairs", "'seven'")),
    ("encode_pairs-empty", lambda: s2s.encode_pairs([]), _invalid("pairs", r"\[\]")),
    ("encode_pairs-triple", lambda: s2s.encode_pairs([("seven", "7", "x")]), _invalid("pairs", ".*")),
    ("encode_pairs-int-target", lambda: s2s.encode_pairs([("seven", 7)]), _invalid("pairs", ".*")),
    ("encode_pairs-unknown-word", lambda: s2s.encode_pairs([("seventy sept", "77")]), _invalid("pairs", "'seventy sept'")),
    ("encode_pairs-empty-source", lambda: s2s.encode_pairs([("", "7")]), _invalid("pairs", "''")),
    ("encode_pairs-letter-target", lambda: s2s.encode_pairs([("seven", "seven")]), _invalid("pairs", "'seven'")),
    ("encode_pairs-empty-target", lambda: s2s.encode_pairs([("seven", "")]), _invalid("pairs", "''")),
    ("encode_pairs-source-len-zero", lambda: s2s.encode_pairs(PAIR, source_len=0), _invalid("source_len", "0")),
    ("encode_pairs-target-len-float", lambda: s2s.encode_pairs(PAIR, target_len=2.0), _invalid("target_len", r"2\.0")),
    ("to_digits-floats", lambda: s2s.to_digits([[3.0, 2.0]]), "argument `ids`"),
    ("to_digits-out-of-range", lambda: s2s.to_digits([[13]]), "argument `ids`"),
    ("to_digits-negative", lambda: s2s.to_digits([[-1]]), "argument `ids`"),
    ("to_digits-3d", lambda: s2s.to_digits(np.zeros((1, 1, 1), int)), "argument `ids`"),
    ("AdditiveAttention-units-zero", lambda: s2s.AdditiveAttention(0), _invalid("units", "0")),
    ("AdditiveAttention-units-float", lambda: s2s.AdditiveAttention(8.0), _invalid("units", r"8\.0")),
    ("encoder_decoder-source-vocab-one", lambda: s2s.encoder_decoder(source_vocab_size=1), _invalid("source_vocab_size", "1")),
    ("encoder_decoder-target-vocab-three", lambda: s2s.encoder_decoder(target_vocab_size=3), _invalid("target_vocab_size", "3")),
    ("encoder_decoder-cell-class", lambda: s2s.encoder_decoder(cell=int), _invalid("cell", ".*int")),
    ("encoder_decoder-units-none", lambda: s2s.encoder_decoder(units=None), _invalid("units", "None")),
    ("encoder_decoder-embedding-zero", lambda: s2s.encoder_decoder(embedding_dim=0), _invalid("embedding_dim", "0")),
    ("encoder_decoder-attention-string", lambda: s2s.encoder_decoder(attention="yes"), _invalid("attention", "'yes'")),
    ("encoder_decoder-rate-nan", lambda: s2s.encoder_decoder(learning_rate=math.nan), _invalid("learning_rate", "nan")),
    ("encoder_decoder-rate-negative", lambda: s2s.encoder_decoder(learning_rate=-0.1), _invalid("learning_rate", r"-0\.1")),
    ("encoder_decoder-clipnorm-zero", lambda: s2s.encoder_decoder(clipnorm=0), _invalid("clipnorm", "0")),
    ("encoder_decoder-jit-string", lambda: s2s.encoder_decoder(jit_compile="auto"), _invalid("jit_compile", "'auto'")),
    ("encoder_decoder-compile-int", lambda: s2s.encoder_decoder(compile=1), _invalid("compile", "1")),
    ("encoder_decoder-name-empty", lambda: s2s.encoder_decoder(name=""), _invalid("name", "''")),
    ("decoder_step-none", lambda: s2s.decoder_step(None), _invalid("model", "'NoneType'")),
    ("decoder_step-other-model", lambda: s2s.decoder_step(
        __import__("keras").Sequential([__import__("keras").layers.Dense(1)])), "with a layer named 'decoder'"),
    ("attention_weights-no-attention", lambda: s2s.attention_weights(
        s2s.encoder_decoder(units=4), np.ones((1, 2), int), np.ones((1, 2), int)), "named 'attention'"),
    ("greedy_decode-step-none", lambda: s2s.greedy_decode(None, STATES, 3), _invalid("step", "None")),
    ("greedy_decode-states-array", lambda: s2s.greedy_decode(step, np.zeros((2, 3)), 3), _invalid("states", ".*")),
    ("greedy_decode-scalar-state", lambda: s2s.greedy_decode(step, [np.float64(1.0)], 3), _invalid("states", r"\[\(\)\]")),
    ("greedy_decode-max-len-zero", lambda: s2s.greedy_decode(step, STATES, 0), _invalid("max_len", "0")),
    ("greedy_decode-bos-negative", lambda: s2s.greedy_decode(step, STATES, 3, bos=-1), _invalid("bos", "-1")),
    ("greedy_decode-eos-is-pad", lambda: s2s.greedy_decode(step, STATES, 3, eos=0), _invalid("eos", "0")),
    ("greedy_decode-vocab-too-small", lambda: s2s.greedy_decode(step, STATES, 3, pad=5), r"shape \(2, vocab_size\), got shape \(2, 4\)"),
    ("beam_search-width-zero", lambda: s2s.beam_search(step, STATES, 0, 3), _invalid("beam_width", "0")),
    ("beam_search-width-float", lambda: s2s.beam_search(step, STATES, 2.0, 3), _invalid("beam_width", r"2\.0")),
    ("beam_search-max-len-none", lambda: s2s.beam_search(step, STATES, 2, None), _invalid("max_len", "None")),
    ("beam_search-ragged-states", lambda: s2s.beam_search(step, [np.zeros((2, 3)), np.zeros((3, 3))], 2, 3), "same number of rows"),
    ("beam_search-step-returns-1d", lambda: s2s.beam_search(lambda t, s: (np.zeros(4), s), STATES, 2, 3), "log-probabilities of shape"),
    ("exhaustive_search-too-many", lambda: s2s.exhaustive_search(
        lambda t, s: (np.zeros((len(t), 30)), s), STATES, 6), "more than a million hypotheses"),
    ("exhaustive_search-pad-negative", lambda: s2s.exhaustive_search(step, STATES, 2, pad=-1), _invalid("pad", "-1")),
    ("shape_images-zero", lambda: s2s.shape_images(0), _invalid("num_images", "0")),
    ("shape_images-small", lambda: s2s.shape_images(2, size=8), _invalid("size", "8")),
    ("shape_images-seed-string", lambda: s2s.shape_images(2, seed="0"), _invalid("seed", "'0'")),
    ("encode_captions-string", lambda: s2s.encode_captions("red"), _invalid("captions", "'red'")),
    ("encode_captions-unknown-word", lambda: s2s.encode_captions(["purple circle top"]), _invalid("captions", ".*purple")),
    ("encode_captions-empty-caption", lambda: s2s.encode_captions([""]), _invalid("captions", r"\[''\]")),
    ("encode_captions-length-zero", lambda: s2s.encode_captions(["red"], length=0), _invalid("length", "0")),
    ("to_words-out-of-range", lambda: s2s.to_words([[12]]), "argument `ids`"),
    ("to_words-1d", lambda: s2s.to_words([3, 2]), "argument `ids`"),
    ("caption_model-image-size", lambda: s2s.caption_model(image_size=4), _invalid("image_size", "4")),
    ("caption_model-vocab", lambda: s2s.caption_model(vocab_size=2), _invalid("vocab_size", "2")),
    ("caption_model-units", lambda: s2s.caption_model(units=0), _invalid("units", "0")),
    ("caption_model-rate", lambda: s2s.caption_model(learning_rate=0), _invalid("learning_rate", "0")),
    ("caption_model-compile", lambda: s2s.caption_model(compile="no"), _invalid("compile", "'no'")),
    ("translate-width-zero", lambda: s2s.translate(s2s.encoder_decoder(units=4), ["one"], beam_width=0), _invalid("beam_width", "0")),
    ("translate-max-len-zero", lambda: s2s.translate(s2s.encoder_decoder(units=4), ["one"], max_len=0), _invalid("max_len", "0")),
    ("translate-float-sources", lambda: s2s.translate(s2s.encoder_decoder(units=4), np.ones((1, 2))), _invalid("sources", ".*")),
    ("translate-unknown-word", lambda: s2s.translate(s2s.encoder_decoder(units=4), ["eins"]), _invalid("pairs", "'eins'")),
]]

EDGE_INPUTS = [
    ("number_words-numpy-int", lambda: s2s.number_words(np.int64(40)), "forty"),
    ("number_words-round-million", lambda: s2s.number_words(10**6), "one million"),
    ("number_pairs-one-digit", lambda: len(s2s.number_pairs(3, 2, max_digits=1, seed=0)[0]), 3),
    ("encode_pairs-tuple-of-lists", lambda: s2s.encode_pairs((["one", "1"],))[2].tolist(), [[4, 2]]),
    ("encode_pairs-cut", lambda: s2s.encode_pairs([("one two", "12")], source_len=1, target_len=1)[1].tolist(), [[1]]),
    ("to_digits-one-row", lambda: s2s.to_digits(np.array([4, 5, 2], np.int8)), "12"),
    ("to_digits-no-eos", lambda: s2s.to_digits([[4, 4]]), ["11"]),
    ("to_digits-empty-row", lambda: s2s.to_digits(np.zeros((1, 0), int)), [""]),
    ("masked_cross_entropy-all-padding", lambda: float(s2s.masked_cross_entropy(np.zeros((1, 2), int), np.zeros((1, 2, 3), "float32"))), 0.0),
    ("greedy_decode-max-len-one", lambda: s2s.greedy_decode(step, STATES, 1)[0].tolist(), [[1], [1]]),
    ("beam_search-wider-than-hypotheses", lambda: s2s.beam_search(step, STATES, 100, 1)[0].tolist(), [[1], [1]]),
    ("beam_search-tuple-states", lambda: s2s.beam_search(step, (np.zeros((1, 2)),), 2, 1)[0].shape, (1, 1)),
    ("exhaustive_search-max-len-one", lambda: s2s.exhaustive_search(step, STATES, 1)[0].tolist(), [[1], [1]]),
    ("translate-index-sources", lambda: len(s2s.translate(s2s.encoder_decoder(units=4), np.array([[4, 0]]))), 1),
    ("attention_weights-shape", lambda: s2s.attention_weights(s2s.encoder_decoder(units=4, attention=True), np.array([[4, 0]]), np.array([[1]])).shape, (1, 1, 2)),
    ("AdditiveAttention-numpy-units", lambda: s2s.AdditiveAttention(np.int32(3)).units, 3),
    ("shape_images-size-16", lambda: s2s.shape_images(1, size=16, seed=0)[0].shape, (1, 16, 16, 3)),
    ("encode_captions-cut", lambda: s2s.encode_captions(["red circle"], length=2)[1].tolist(), [[3, 7]]),
    ("to_words-no-eos", lambda: s2s.to_words(np.array([[3, 6]], np.uint8)), ["red square"]),
    ("caption_model-uncompiled", lambda: s2s.caption_model(units=4, compile=False).compiled, False),
    ("decoder_step-lstm", lambda: len(s2s.decoder_step(s2s.encoder_decoder(units=4, cell="lstm"))), 2),
]


@pytest.mark.parametrize("call, pattern", BAD_INPUTS)
def test_bad_input_is_refused_with_its_name(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


@pytest.mark.parametrize("call, expected", [pytest.param(c, e, id=i) for i, c, e in EDGE_INPUTS])
def test_edge_input_is_accepted(call, expected):
    assert call() == expected


def test_every_public_name_is_in_the_campaign():
    covered = {p.id.split("-")[0] for p in BAD_INPUTS} | {i.split("-")[0] for i, _, _ in EDGE_INPUTS}
    names = {n for n in s2s.__all__ if callable(getattr(s2s, n))}
    assert names <= covered, names - covered
