"""Bad-input campaign for d2lite.text: every public function and class, bad and edge inputs.

Each row of `BAD_INPUTS` is one call, the exception it must raise and a regex the
message must match; the regex names the argument and the bad value. `EDGE_INPUTS`
are unusual inputs that must be *accepted*, with the expected result (empty inputs
give empty results where that is the natural answer). The numbered sections test the
items of the "bad input" issue one by one; hypothesis properties check round trips
(Vocab, BPE) over arbitrary inputs.
"""

import collections
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from d2lite import text

SETTINGS = settings(derandomize=True, max_examples=50, deadline=None)
KERAS_WORDING = "Received an invalid value for argument `"

VOCAB = text.Vocab(list("abracadabra"))  # <unk> a b r c d: 6 tokens
BPE = text.BPE(vocab_size=10, min_frequency=1).fit("hello hello")  # alphabet " ehlo"
LM = text.NGramLM(2).fit(np.array([0, 1, 2, 0, 1]), vocab_size=3)


def case(name, call, match, exc=ValueError):
    return pytest.param(call, exc, match, id=name)


BAD_INPUTS = [
    # ---------------------------------------------------------------- preprocess
    case("preprocess-bytes", lambda: text.preprocess(b"abc"), "`text`, expected a string, got 'bytes'"),
    case("preprocess-None", lambda: text.preprocess(None), "`text`, expected a string, got 'NoneType'"),
    case("preprocess-int", lambda: text.preprocess(5), "`text`, expected a string, got 'int'"),
    case("preprocess-list", lambda: text.preprocess(["a"]), "`text`, expected a string, got 'list'"),
    # ---------------------------------------------------------------- tokenize
    case("tokenize-kind-subword", lambda: text.tokenize("hi", token="subword"), "`token`.*got 'subword'"),
    case("tokenize-kind-None", lambda: text.tokenize("hi", token=None), "`token`.*got None"),
    case("tokenize-kind-list", lambda: text.tokenize("hi", token=["char"]), r"`token`.*got \['char'\]"),
    case("tokenize-text-None", lambda: text.tokenize(None), "`text`, expected a string, got 'NoneType'"),
    case("tokenize-text-int", lambda: text.tokenize(5, token="word"), "`text`, expected a string, got 'int'"),
    case("tokenize-no-letters", lambda: text.tokenize("1898 !?"), r"`text`, expected text that contains at least one letter, got '1898 !\?'"),
    # ---------------------------------------------------------------- Vocab
    case("Vocab-tokens-str", lambda: text.Vocab("hello"), r"`tokens`.*not a string: pass list\(s\).*got 'hello'"),
    case("Vocab-tokens-bytes", lambda: text.Vocab(b"hello"), r"`tokens`.*not a string.*got b'hello'"),
    case("Vocab-tokens-int", lambda: text.Vocab(5), "`tokens`, expected a list of tokens.*got 'int'"),
    case("Vocab-tokens-None", lambda: text.Vocab(None), "`tokens`, expected a list of tokens.*got 'NoneType'"),
    case("Vocab-tokens-dict", lambda: text.Vocab({"a": 3}), "`tokens`, expected a list of tokens.*got 'dict'"),
    case("Vocab-tokens-Counter", lambda: text.Vocab(collections.Counter("aab")), "`tokens`.*got 'Counter'"),
    case("Vocab-tokens-mix-line-first", lambda: text.Vocab([["a"], "b"]), "`tokens`, expected either tokens or lines.*the token 'b' at position 1"),
    case("Vocab-tokens-mix-token-first", lambda: text.Vocab(["a", ["b"]]), "`tokens`, expected either tokens or lines.*a line at position 1"),
    case("Vocab-tokens-ints", lambda: text.Vocab([1, 2]), r"`tokens`, expected string tokens, got 1 \(int\) at position 0"),
    case("Vocab-tokens-None-token", lambda: text.Vocab(["a", None]), r"`tokens`, expected string tokens, got None \(NoneType\) at position 1"),
    case("Vocab-tokens-int-in-line", lambda: text.Vocab([["a", "b"], ["c", 3]]), r"`tokens`, expected string tokens, got 3 \(int\) at position 3"),
    case("Vocab-tokens-nested-3", lambda: text.Vocab([[["a"]]]), r"`tokens`, expected string tokens, got \['a'\] \(list\) at position 0"),
    case("Vocab-min_freq-negative", lambda: text.Vocab(["a"], min_freq=-1), "`min_freq`, expected a non-negative integer, got -1"),
    case("Vocab-min_freq-float", lambda: text.Vocab(["a"], min_freq=1.5), "`min_freq`, expected a non-negative integer, got 1.5"),
    case("Vocab-min_freq-bool", lambda: text.Vocab(["a"], min_freq=True), "`min_freq`, expected a non-negative integer, got True"),
    case("Vocab-min_freq-str", lambda: text.Vocab(["a"], min_freq="2"), "`min_freq`, expected a non-negative integer, got '2'"),
    case("Vocab-reserved-str", lambda: text.Vocab(["a"], reserved_tokens="<pad>"), r"`reserved_tokens`, expected a list of tokens, e.g. \['<pad>'\].*got '<pad>'"),
    case("Vocab-reserved-unk", lambda: text.Vocab(["a"], reserved_tokens=["<unk>"]), r"`reserved_tokens`, expected distinct tokens other than '<unk>', got \['<unk>'\]"),
    case("Vocab-reserved-repeated", lambda: text.Vocab(["a"], reserved_tokens=["<pad>", "<pad>"]), r"`reserved_tokens`, expected distinct tokens.*got \['<pad>', '<pad>'\]"),
    case("Vocab-reserved-int", lambda: text.Vocab(["a"], reserved_tokens=[1]), r"`reserved_tokens`, expected string tokens.*got \[1\]"),
    case("Vocab-reserved-set", lambda: text.Vocab(["a"], reserved_tokens={"<pad>"}), r"`reserved_tokens`, expected a list of tokens.*got \{'<pad>'\}"),
    case("Vocab-reserved-int-scalar", lambda: text.Vocab(["a"], reserved_tokens=5), "`reserved_tokens`, expected a list of tokens.*got 5"),
    case("Vocab.getitem-int", lambda: VOCAB[5], r"`tokens`, expected a token \(a string\).*to_tokens.*got 5 \(int\)"),
    case("Vocab.getitem-float", lambda: VOCAB[1.5], r"`tokens`.*got 1.5 \(float\)"),
    case("Vocab.getitem-None", lambda: VOCAB[None], r"`tokens`.*got None \(NoneType\)"),
    case("Vocab.getitem-set", lambda: VOCAB[{"a"}], r"`tokens`.*got \{'a'\} \(set\)"),
    case("Vocab.getitem-int-in-list", lambda: VOCAB[["a", 1]], r"`tokens`.*got 1 \(int\)"),
    case("Vocab.getitem-dict-in-list", lambda: VOCAB[["a", {}]], r"`tokens`.*got \{\} \(dict\)"),
    case("Vocab.getitem-int-array", lambda: VOCAB[np.array([1, 2])], r"`tokens`.*got (np.int64\()?1\)? \(int64\)"),
    case("Vocab.to_tokens-float-list", lambda: VOCAB.to_tokens([1.7]), r"`indices`, expected integers in \[0, 6\), got \[1.7\]"),
    case("Vocab.to_tokens-integral-float", lambda: VOCAB.to_tokens([1, 2.0]), r"`indices`.*got \[2.0\]"),
    case("Vocab.to_tokens-float-array", lambda: VOCAB.to_tokens(np.array([1.0, 2.5])), r"`indices`.*got \[1.0, 2.5\]"),
    case("Vocab.to_tokens-float-scalar", lambda: VOCAB.to_tokens(1.7), r"`indices`, expected integers in \[0, 6\), got 1.7"),
    case("Vocab.to_tokens-bool-list", lambda: VOCAB.to_tokens([True]), r"`indices`.*got \[True\]"),
    case("Vocab.to_tokens-bool-array", lambda: VOCAB.to_tokens(np.array([True])), r"`indices`.*got \[True\]"),
    case("Vocab.to_tokens-bool", lambda: VOCAB.to_tokens(True), r"`indices`.*got True"),
    case("Vocab.to_tokens-negative", lambda: VOCAB.to_tokens([0, -1]), r"`indices`.*got \[-1\]"),
    case("Vocab.to_tokens-too-large", lambda: VOCAB.to_tokens([0, 6, 99]), r"`indices`.*got \[6, 99\]"),
    case("Vocab.to_tokens-too-large-array", lambda: VOCAB.to_tokens(np.array([[0, 6]])), r"`indices`.*got \[6\]"),
    case("Vocab.to_tokens-numpy-too-large", lambda: VOCAB.to_tokens(np.int64(99)), r"`indices`.*got (np.int64\()?99"),
    case("Vocab.to_tokens-str", lambda: VOCAB.to_tokens("a"), r"`indices`.*got 'a'"),
    case("Vocab.to_tokens-str-list", lambda: VOCAB.to_tokens(["a"]), r"`indices`.*got \['a'\]"),
    case("Vocab.to_tokens-ragged", lambda: VOCAB.to_tokens([[0], [1, 2]]), r"`indices`.*got \[\[0\], \[1, 2\]\]"),
    case("Vocab.to_tokens-None", lambda: VOCAB.to_tokens(None), r"`indices`.*got None"),
    # ---------------------------------------------------------------- load_corpus_time_machine
    case("load_corpus_time_machine-token-bpe", lambda: text.load_corpus_time_machine(token="bpe"), "`token`.*got 'bpe'"),
    case("load_corpus_time_machine-token-None", lambda: text.load_corpus_time_machine(token=None), "`token`.*got None"),
    case("load_corpus_time_machine-max_tokens-0", lambda: text.load_corpus_time_machine(max_tokens=0), "`max_tokens`, expected a positive integer, got 0"),
    case("load_corpus_time_machine-max_tokens-float", lambda: text.load_corpus_time_machine(max_tokens=1.5), "`max_tokens`, expected a positive integer, got 1.5"),
    case("load_corpus_time_machine-max_tokens-bool", lambda: text.load_corpus_time_machine(max_tokens=True), "`max_tokens`, expected a positive integer, got True"),
    # ---------------------------------------------------------------- BPE
    case("BPE-vocab_size-0", lambda: text.BPE(vocab_size=0), "`vocab_size`, expected a positive integer, got 0"),
    case("BPE-vocab_size-float", lambda: text.BPE(vocab_size=2.5), "`vocab_size`, expected a positive integer, got 2.5"),
    case("BPE-vocab_size-bool", lambda: text.BPE(vocab_size=True), "`vocab_size`, expected a positive integer, got True"),
    case("BPE-vocab_size-str", lambda: text.BPE(vocab_size="100"), "`vocab_size`, expected a positive integer, got '100'"),
    case("BPE-min_frequency-negative", lambda: text.BPE(min_frequency=-1), "`min_frequency`, expected a non-negative integer, got -1"),
    case("BPE-min_frequency-float", lambda: text.BPE(min_frequency=1.5), "`min_frequency`.*got 1.5"),
    case("BPE.fit-vocab_size-below-alphabet", lambda: text.BPE(vocab_size=3).fit("hello"), "`vocab_size`, expected at least the 4 distinct characters of the text.*got 3"),
    case("BPE.fit-empty", lambda: text.BPE().fit(""), "`text`, expected a non-empty string, got ''"),
    case("BPE.fit-None", lambda: text.BPE().fit(None), "`text`, expected a string, got 'NoneType'"),
    case("BPE.fit-list", lambda: text.BPE().fit(["a b"]), "`text`, expected a string, got 'list'"),
    case("BPE.encode-unfitted", lambda: text.BPE().encode("a"), "not fitted yet", RuntimeError),
    case("BPE.decode-unfitted", lambda: text.BPE().decode([0]), "not fitted yet", RuntimeError),
    case("BPE.encode-unseen-char", lambda: BPE.encode("help"), "`text`, expected characters seen by `fit`.*got 'p'"),
    case("BPE.encode-bytes", lambda: BPE.encode(b"hello"), "`text`, expected a string, got 'bytes'"),
    case("BPE.tokenize-int", lambda: BPE.tokenize(5), "`text`, expected a string, got 'int'"),
    case("BPE.decode-out-of-range", lambda: BPE.decode([0, -1, 10]), r"`ids`, expected integers in \[0, 10\), got \[-1, 10\]"),
    case("BPE.decode-float", lambda: BPE.decode([1.0]), r"`ids`, expected integers in \[0, 10\), got \[1.0\]"),
    case("BPE.decode-bool", lambda: BPE.decode([True]), r"`ids`.*got \[True\]"),
    case("BPE.decode-str", lambda: BPE.decode("he"), r"`ids`, expected a 1-D sequence of integer ids.*got 'he'"),
    case("BPE.decode-int", lambda: BPE.decode(5), r"`ids`, expected a 1-D sequence.*got 5"),
    case("BPE.decode-nested", lambda: BPE.decode([[1, 2]]), r"`ids`, expected a 1-D sequence.*got \[\[1, 2\]\]"),
    case("BPE.decode-2d-array", lambda: BPE.decode(np.array([[1, 2]])), r"`ids`, expected a 1-D sequence.*got array\(\[\[1, 2\]\]\)"),
    case("BPE.decode-0d-array", lambda: BPE.decode(np.array(1)), r"`ids`, expected a 1-D sequence.*got array\(1\)"),
    # ---------------------------------------------------------------- ngrams, ngram_counts
    case("ngrams-n-0", lambda: text.ngrams("abc", 0), "`n`, expected a positive integer, got 0"),
    case("ngrams-n-float", lambda: text.ngrams("abc", 1.0), "`n`, expected a positive integer, got 1.0"),
    case("ngrams-n-bool", lambda: text.ngrams("abc", True), "`n`, expected a positive integer, got True"),
    case("ngrams-n-str", lambda: text.ngrams("abc", "2"), "`n`, expected a positive integer, got '2'"),
    case("ngrams-tokens-int", lambda: text.ngrams(5, 2), r"`tokens`, expected a sequence of tokens, got 5 \(int\)"),
    case("ngrams-tokens-None", lambda: text.ngrams(None, 2), r"`tokens`.*got None \(NoneType\)"),
    case("ngrams-tokens-set", lambda: text.ngrams({"a", "b"}, 2), r"`tokens`, expected a sequence of tokens, got \{'[ab]', '[ab]'\} \(set\)"),
    case("ngrams-tokens-dict", lambda: text.ngrams({"a": 1}, 1), r"`tokens`.*\(dict\)"),
    case("ngram_counts-unhashable", lambda: text.ngram_counts([["a"], ["b"]], 1), r"`tokens`, expected hashable tokens.*got \['a'\]"),
    case("ngram_counts-n-negative", lambda: text.ngram_counts("abc", -1), "`n`, expected a positive integer, got -1"),
    case("ngram_codes-n-negative", lambda: text.ngram_codes([0, 1], -1, 2), "`n`, expected a non-negative integer, got -1"),
    case("ngram_codes-n-bool", lambda: text.ngram_codes([0, 1], True, 2), "`n`, expected a non-negative integer, got True"),
    case("ngram_codes-overflow", lambda: text.ngram_codes([0, 1], 20, 28), r"`n`, expected an order with vocab_size \*\* n below 2\*\*63.*got 20"),
    case("ngram_codes-vocab-0", lambda: text.ngram_codes([0, 1], 2, 0), "`vocab_size`, expected a positive integer, got 0"),
    case("ngram_codes-out-of-range", lambda: text.ngram_codes([0, 3], 2, 3), r"`tokens`, expected indices in \[0, 3\), got 'values in \[0, 3\]'"),
    case("ngram_codes-string", lambda: text.ngram_codes("abc", 2, 3), r"`tokens`, expected a 1-D array of integer token indices"),
    case("ngram_codes-floats", lambda: text.ngram_codes(np.array([0.0, 1.0]), 1, 3), r"`tokens`.*got 'dtype float64"),
    # ---------------------------------------------------------------- add_alpha_prob
    case("add_alpha_prob-alpha-nan", lambda: text.add_alpha_prob(1, 2, 3, alpha=math.nan), "`alpha`, expected a finite number >= 0.*got nan"),
    case("add_alpha_prob-alpha-inf", lambda: text.add_alpha_prob(1, 2, 3, alpha=math.inf), "`alpha`.*got inf"),
    case("add_alpha_prob-alpha-negative", lambda: text.add_alpha_prob(1, 2, 3, alpha=-0.5), "`alpha`.*got -0.5"),
    case("add_alpha_prob-alpha-bool", lambda: text.add_alpha_prob(1, 2, 3, alpha=True), "`alpha`.*got True"),
    case("add_alpha_prob-alpha-str", lambda: text.add_alpha_prob(1, 2, 3, alpha="1"), "`alpha`.*got '1'"),
    case("add_alpha_prob-alpha-None", lambda: text.add_alpha_prob(1, 2, 3, alpha=None), "`alpha`.*got None"),
    case("add_alpha_prob-vocab_size-0", lambda: text.add_alpha_prob(1, 2, 0), "`vocab_size`, expected a positive integer, got 0"),
    case("add_alpha_prob-vocab_size-float", lambda: text.add_alpha_prob(1, 2, 2.5), "`vocab_size`.*got 2.5"),
    case("add_alpha_prob-count-negative", lambda: text.add_alpha_prob(-1, 2, 3), r"`ngram_count`, expected counts \(finite numbers >= 0\), got -1.0"),
    case("add_alpha_prob-count-nan", lambda: text.add_alpha_prob(math.nan, 2, 3), "`ngram_count`.*got nan"),
    case("add_alpha_prob-count-inf-array", lambda: text.add_alpha_prob([1, math.inf], 5, 3), r"`ngram_count`.*got \[inf\]"),
    case("add_alpha_prob-count-str", lambda: text.add_alpha_prob("1", 2, 3), "`ngram_count`, expected a count.*got '1'"),
    case("add_alpha_prob-count-bool", lambda: text.add_alpha_prob(True, 2, 3), "`ngram_count`, expected a count.*got True"),
    case("add_alpha_prob-count-bool-in-list", lambda: text.add_alpha_prob([1, True], 5, 3), r"`ngram_count`, expected a count.*got \[1, True\]"),
    case("add_alpha_prob-context-str-array", lambda: text.add_alpha_prob(1, ["2"], 3), r"`context_count`, expected counts \(numbers >= 0\), got \['2'\] of dtype <U1"),
    case("add_alpha_prob-context-ragged", lambda: text.add_alpha_prob(1, [[2], [2, 3]], 3), "`context_count`, expected a count or a rectangular array"),
    case("add_alpha_prob-count-above-context", lambda: text.add_alpha_prob(3, 2, 3), "`ngram_count`, expected counts no larger than their context counts.*got 3 for a context count of 2"),
    case("add_alpha_prob-count-above-context-array", lambda: text.add_alpha_prob([1, 5], [2, 3], 3), "`ngram_count`.*got 5 for a context count of 3"),
    case("add_alpha_prob-shapes", lambda: text.add_alpha_prob([1, 2], [2, 3, 4], 3), r"`context_count`, expected counts that broadcast with the ngram_count of shape \(2,\), got shape \(3,\)"),
    # ---------------------------------------------------------------- NGramLM
    case("NGramLM-n-0", lambda: text.NGramLM(0), "`n`, expected a positive integer, got 0"),
    case("NGramLM-n-float", lambda: text.NGramLM(1.5), "`n`.*got 1.5"),
    case("NGramLM-n-bool", lambda: text.NGramLM(True), "`n`.*got True"),
    case("NGramLM-alpha-nan", lambda: text.NGramLM(2, alpha=math.nan), "`alpha`.*got nan"),
    case("NGramLM-alpha-negative", lambda: text.NGramLM(2, alpha=-1), "`alpha`.*got -1"),
    case("NGramLM-alpha-inf", lambda: text.NGramLM(2, alpha=-math.inf), "`alpha`.*got -inf"),
    case("NGramLM.fit-vocab_size-0", lambda: text.NGramLM(2).fit([0, 1], 0), "`vocab_size`, expected a positive integer, got 0"),
    case("NGramLM.fit-corpus-float", lambda: text.NGramLM(2).fit([0.0, 1.0], 2), "`corpus`, expected a 1-D array of integer token indices, got 'dtype float64"),
    case("NGramLM.fit-corpus-2d", lambda: text.NGramLM(2).fit(np.zeros((2, 2), int), 2), r"`corpus`.*shape \(2, 2\)"),
    case("NGramLM.fit-corpus-str", lambda: text.NGramLM(2).fit("abc", 3), r"`corpus`, expected a 1-D array of integer token indices \(e.g. vocab\[tokens\]\), got 'abc'"),
    case("NGramLM.fit-corpus-bool", lambda: text.NGramLM(1).fit([True, False], 2), "`corpus`.*dtype bool"),
    case("NGramLM.fit-corpus-ragged", lambda: text.NGramLM(1).fit([[0], [0, 1]], 2), "`corpus`.*a ragged nested list"),
    case("NGramLM.fit-corpus-out-of-range", lambda: text.NGramLM(2).fit([0, 1, 5], 3), r"`corpus`, expected indices in \[0, 3\), got 'values in \[0, 5\]'"),
    case("NGramLM.fit-corpus-negative", lambda: text.NGramLM(2).fit([0, -1, 2], 3), r"`corpus`.*got 'values in \[-1, 2\]'"),
    case("NGramLM.fit-corpus-too-short", lambda: text.NGramLM(3).fit([0, 1], 3), "`corpus`, expected at least n = 3 tokens, got '2 tokens'"),
    case("NGramLM.fit-order-too-large", lambda: text.NGramLM(8).fit(np.arange(10), 10 ** 4), "`n`, expected an order whose n-grams fit in int64 codes.*got 8"),
    case("NGramLM.token_probs-unfitted", lambda: text.NGramLM(2).token_probs([0, 1]), "not fitted yet", RuntimeError),
    case("NGramLM.prob-unfitted", lambda: text.NGramLM(2).prob([0], 1), "not fitted yet", RuntimeError),
    case("NGramLM.token_probs-start-low", lambda: LM.token_probs([0, 1, 2], start=0), r"`start`, expected an integer in \[1, 3\), got 0"),
    case("NGramLM.token_probs-start-high", lambda: LM.token_probs([0, 1, 2], start=3), r"`start`.*got 3"),
    case("NGramLM.token_probs-start-float", lambda: LM.token_probs([0, 1, 2], start=1.0), r"`start`.*got 1.0"),
    case("NGramLM.token_probs-start-bool", lambda: LM.token_probs([0, 1, 2], start=True), r"`start`.*got True"),
    case("NGramLM.token_probs-corpus-short", lambda: LM.token_probs([0]), "`corpus`, expected at least n = 2 tokens.*got '1 tokens'"),
    case("NGramLM.token_probs-out-of-range", lambda: LM.token_probs([0, 3]), r"`corpus`, expected indices in \[0, 3\), got 'values in \[0, 3\]'"),
    case("NGramLM.prob-context-length", lambda: LM.prob([0, 1], 1), r"`context`, expected 1 token indices, got \[0, 1\]"),
    case("NGramLM.prob-context-str", lambda: LM.prob("a", 1), "`context`, expected 1 token indices, got 'a'"),
    case("NGramLM.prob-context-int", lambda: LM.prob(0, 1), "`context`, expected 1 token indices, got 0"),
    case("NGramLM.prob-context-float", lambda: LM.prob([0.0], 1), r"`context`, expected integer token indices in \[0, 3\), got \[0.0\]"),
    case("NGramLM.prob-context-out-of-range", lambda: LM.prob([7], 1), r"`context`.*got \[7\]"),
    case("NGramLM.prob-token-float", lambda: LM.prob([0], 1.5), r"`token`, expected an integer token index in \[0, 3\), got 1.5"),
    case("NGramLM.prob-token-out-of-range", lambda: LM.prob([0], 3), r"`token`.*got 3"),
    case("NGramLM.prob-token-bool", lambda: LM.prob([0], True), r"`token`.*got True"),
    case("NGramLM.perplexity-start", lambda: LM.perplexity([0, 1, 2], start=5), r"`start`.*got 5"),
    # ---------------------------------------------------------------- perplexity_from_nll
    case("perplexity_from_nll-bool", lambda: text.perplexity_from_nll(True), "`mean_nll`, expected a mean negative log-likelihood.*got True"),
    case("perplexity_from_nll-str", lambda: text.perplexity_from_nll("1.0"), "`mean_nll`.*got '1.0'"),
    case("perplexity_from_nll-None", lambda: text.perplexity_from_nll(None), "`mean_nll`.*got None"),
    case("perplexity_from_nll-complex", lambda: text.perplexity_from_nll(1j), r"`mean_nll`.*got 1j \(complex\)"),
    case("perplexity_from_nll-dict", lambda: text.perplexity_from_nll({}), r"`mean_nll`.*got \{\} \(dict\)"),
    case("perplexity_from_nll-str-list", lambda: text.perplexity_from_nll(["a"]), r"`mean_nll`.*got \['a'\] of dtype <U1"),
    case("perplexity_from_nll-ragged", lambda: text.perplexity_from_nll([[1.0], [1.0, 2.0]]), r"`mean_nll`.*got \[\[1.0\], \[1.0, 2.0\]\]"),
    # ---------------------------------------------------------------- perplexity
    case("perplexity-empty", lambda: text.perplexity([]), "`probs`, expected at least one probability"),
    case("perplexity-above-one", lambda: text.perplexity([0.5, 1.5]), r"`probs`, expected probabilities in \[0, 1\], got 'values in \[0.5, 1.5\]'"),
    case("perplexity-negative", lambda: text.perplexity([-0.1]), r"`probs`, expected probabilities in \[0, 1\]"),
    case("perplexity-nan", lambda: text.perplexity([0.5, math.nan]), r"`probs`, expected probabilities in \[0, 1\]"),
    case("perplexity-str", lambda: text.perplexity(["0.5"]), r"`probs`, expected probabilities \(numbers in \[0, 1\]\), got \['0.5'\] of dtype <U3"),
    case("perplexity-bool", lambda: text.perplexity([True, True]), r"`probs`, expected probabilities.*dtype bool"),
    case("perplexity-bool-in-list", lambda: text.perplexity([0.5, True]), r"`probs`, expected probabilities.*got \[0.5, True\] of dtype float64"),
    case("perplexity-targets-bool-in-list", lambda: text.perplexity(np.full((2, 3), 1 / 3), [True, 0]), "`targets`, expected integer indices"),
    case("perplexity-ragged", lambda: text.perplexity([[0.5], [0.5, 0.5]]), "`probs`, expected a rectangular array of probabilities"),
    case("perplexity-targets-shape", lambda: text.perplexity(np.full((2, 3), 1 / 3), np.array([0, 1, 2])), r"`targets`, expected an integer array of shape \(2,\), got 'shape \(3,\)'"),
    case("perplexity-targets-float", lambda: text.perplexity(np.full((2, 3), 1 / 3), [0.0, 1.0]), "`targets`, expected integer indices"),
    case("perplexity-targets-bool", lambda: text.perplexity(np.full((2, 3), 1 / 3), [True, False]), "`targets`, expected integer indices"),
    case("perplexity-targets-out-of-range", lambda: text.perplexity(np.full((2, 3), 1 / 3), [0, 3]), r"`targets`, expected integer indices in \[0, 3\), got array\(\[0, 3\]\)"),
    case("perplexity-targets-negative", lambda: text.perplexity(np.full((2, 3), 1 / 3), [0, -1]), r"`targets`, expected integer indices in \[0, 3\)"),
    case("perplexity-targets-ragged", lambda: text.perplexity(np.full((2, 3), 1 / 3), [[0], [0, 1]]), "`targets`, expected a rectangular array"),
    case("perplexity-targets-scalar-probs", lambda: text.perplexity(0.5, 0), r"`targets`, expected an integer array of shape \(\)"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUTS)
def test_bad_input_is_refused_with_a_clear_message(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    if exc is ValueError:
        assert str(info.value).startswith(KERAS_WORDING), str(info.value)


EDGE_INPUTS = [
    ("Vocab-empty", lambda: text.Vocab([]).idx_to_token, ["<unk>"]),
    ("Vocab-empty-lines", lambda: text.Vocab([[], []]).idx_to_token, ["<unk>"]),
    ("Vocab-empty-reserved", lambda: text.Vocab([], reserved_tokens=["<pad>"]).idx_to_token, ["<unk>", "<pad>"]),
    ("Vocab-reserved-tuple", lambda: text.Vocab(["a"], reserved_tokens=("<pad>",)).idx_to_token, ["<unk>", "<pad>", "a"]),
    ("Vocab-reserved-empty", lambda: text.Vocab(["a"], reserved_tokens=[]).idx_to_token, ["<unk>", "a"]),
    ("Vocab-tuple", lambda: text.Vocab(("b", "a", "b")).idx_to_token, ["<unk>", "b", "a"]),
    ("Vocab-generator", lambda: text.Vocab(t for t in "aab").idx_to_token, ["<unk>", "a", "b"]),
    ("Vocab-str-array", lambda: text.Vocab(np.array(["a", "b", "b"])).idx_to_token, ["<unk>", "b", "a"]),
    ("Vocab-lines-tuples", lambda: text.Vocab([("a", "b"), ("a",)]).idx_to_token, ["<unk>", "a", "b"]),
    ("Vocab-lines-arrays", lambda: text.Vocab([np.array(["a"]), np.array(["a", "b"])]).idx_to_token, ["<unk>", "a", "b"]),
    ("Vocab-multichar-tokens", lambda: text.Vocab([" low", "er", " low"]).idx_to_token, ["<unk>", " low", "er"]),
    ("Vocab.getitem-unknown", lambda: VOCAB["zebra"], 0),
    ("Vocab.getitem-empty-list", lambda: VOCAB[[]], []),
    ("Vocab.getitem-nested", lambda: VOCAB[[["a", "z"], ["b"]]], [[1, 0], [2]]),
    ("Vocab.getitem-2d-array", lambda: VOCAB[np.array([["a", "b"]])], [[1, 2]]),
    ("Vocab.getitem-0d-array", lambda: VOCAB[np.array("b")], 2),
    ("Vocab.getitem-numpy-str", lambda: VOCAB[np.str_("a")], 1),
    ("Vocab.contains-int", lambda: 1 in VOCAB, False),
    ("Vocab.contains-list", lambda: ["a"] in VOCAB, False),
    ("Vocab.contains-unk", lambda: "<unk>" in VOCAB, True),
    ("Vocab.to_tokens-empty", lambda: VOCAB.to_tokens([]), []),
    ("Vocab.to_tokens-empty-array", lambda: VOCAB.to_tokens(np.array([], dtype=np.int32)), []),
    ("Vocab.to_tokens-empty-float-array", lambda: VOCAB.to_tokens(np.array([])), []),
    ("Vocab.to_tokens-uint8", lambda: VOCAB.to_tokens(np.array([1, 2], dtype=np.uint8)), ["a", "b"]),
    ("Vocab.to_tokens-numpy-scalar", lambda: VOCAB.to_tokens(np.int64(3)), "r"),
    ("Vocab.to_tokens-numpy-in-list", lambda: VOCAB.to_tokens([np.int32(1), 2]), ["a", "b"]),
    ("Vocab.to_tokens-2d", lambda: VOCAB.to_tokens([[1, 2], [3, 0]]), ["a", "b", "r", "<unk>"]),
    ("Vocab.to_tokens-tuple", lambda: VOCAB.to_tokens((5,)), ["d"]),
    ("BPE.fit-alphabet-equals-size", lambda: text.BPE(vocab_size=4, min_frequency=1).fit("hello").merges, []),
    ("BPE.fit-whitespace-only", lambda: text.BPE(vocab_size=2).fit("  \n").vocab, ["\n", " "]),
    ("BPE.encode-empty", lambda: BPE.encode(""), []),
    ("BPE.tokenize-empty", lambda: BPE.tokenize(""), []),
    ("BPE.decode-empty", lambda: BPE.decode([]), ""),
    ("BPE.decode-empty-array", lambda: BPE.decode(np.array([], dtype=int)), ""),
    ("BPE.decode-tuple", lambda: BPE.decode(tuple(BPE.encode("oh"))), "oh"),
    ("BPE.decode-array", lambda: BPE.decode(np.array(BPE.encode("hello"))), "hello"),
    ("BPE.decode-generator", lambda: BPE.decode(i for i in BPE.encode("he")), "he"),
    ("preprocess-empty", lambda: text.preprocess(""), ""),
    ("tokenize-one-letter", lambda: text.tokenize("A!"), ["a"]),
    ("ngrams-empty", lambda: text.ngrams([], 2), []),
    ("ngrams-shorter-than-n", lambda: text.ngrams("ab", 3), []),
    ("ngrams-ints", lambda: text.ngrams(np.array([1, 2, 3]), 2), [(1, 2), (2, 3)]),
    ("ngrams-generator", lambda: text.ngrams((c for c in "abc"), 2), [("a", "b"), ("b", "c")]),
    ("ngram_counts-empty", lambda: text.ngram_counts([], 1), collections.Counter()),
    ("ngram_codes-shorter-than-n", lambda: text.ngram_codes(np.array([1], int), 2, 3).tolist(), []),
    ("ngram_codes-order-0", lambda: text.ngram_codes(np.array([1, 2], int), 0, 3).tolist(), [0, 0, 0]),
    ("add_alpha_prob-alpha-0-mle", lambda: text.add_alpha_prob(3, 10, 28, alpha=0.0), 0.3),
    ("add_alpha_prob-alpha-0-int", lambda: text.add_alpha_prob(3, 10, 28, alpha=0), 0.3),
    ("add_alpha_prob-numpy-alpha", lambda: text.add_alpha_prob(0, 0, 4, alpha=np.float32(1.0)), 0.25),
    ("add_alpha_prob-fractional-counts", lambda: text.add_alpha_prob(0.5, 1.5, 2, alpha=0.5), 0.4),
    ("add_alpha_prob-empty", lambda: text.add_alpha_prob([], [], 3).tolist(), []),
    ("perplexity_from_nll-numpy", lambda: text.perplexity_from_nll(np.float32(0.0)), 1.0),
    ("perplexity_from_nll-int", lambda: text.perplexity_from_nll(0), 1.0),
    ("perplexity_from_nll-empty", lambda: text.perplexity_from_nll([]).tolist(), []),
    ("perplexity_from_nll-overflow", lambda: text.perplexity_from_nll(1e6), math.inf),
    ("perplexity-zero-prob", lambda: text.perplexity([0.0, 1.0]), math.inf),
    ("perplexity-int-probs", lambda: text.perplexity([1, 1]), 1.0),
    ("perplexity-numpy-int-targets", lambda: text.perplexity(np.full((1, 4), 0.25), np.array([3], np.uint8)), 4.0),
]


@pytest.mark.parametrize("call, expected", [pytest.param(c, e, id=i) for i, c, e in EDGE_INPUTS])
def test_edge_input_is_accepted(call, expected):
    got = call()
    if isinstance(expected, float):
        assert got == pytest.approx(expected)
    else:
        assert got == expected


def test_nan_in_gives_nan_out():
    # Documented: a diverged loss has no perplexity; NaN is passed on, not refused.
    assert math.isnan(text.perplexity_from_nll(math.nan))
    assert np.isnan(text.perplexity_from_nll(np.array([math.nan]))).all()
    # add-alpha with alpha = 0 on a never-seen context is 0 / 0 (documented).
    assert math.isnan(text.add_alpha_prob(0, 0, 3, alpha=0.0))


def test_every_public_name_is_in_the_campaign():
    covered = {param.id.split("-")[0].split(".")[0] for param in BAD_INPUTS}
    covered |= {name.split("-")[0].split(".")[0] for name, _, _ in EDGE_INPUTS}
    assert set(text.__all__) <= covered, set(text.__all__) - covered
    methods = {param.id.split("-")[0] for param in BAD_INPUTS if "." in param.id.split("-")[0]}
    for cls, names in ((text.Vocab, ["getitem", "to_tokens"]),
                       (text.BPE, ["fit", "encode", "tokenize", "decode"]),
                       (text.NGramLM, ["fit", "token_probs", "prob", "perplexity"])):
        assert {f"{cls.__name__}.{m}" for m in names} <= methods


def test_campaign_size():
    assert len(BAD_INPUTS) >= 120 and len(EDGE_INPUTS) >= 40


# ---------------------------------------------------------------- item 1: lists of tokens


def test_reserved_tokens_string_is_refused_with_the_list_to_pass():
    with pytest.raises(ValueError) as info:
        text.Vocab(list("hello"), reserved_tokens="<pad>")
    assert "e.g. ['<pad>']" in str(info.value)
    vocab = text.Vocab(list("hello"), reserved_tokens=["<pad>"])
    assert vocab.idx_to_token[:2] == ["<unk>", "<pad>"] and "<" not in vocab


def test_tokens_string_is_refused_but_its_list_of_characters_is_the_vocabulary():
    # Notebooks 02/03 and every doctest pass lists (Vocab(list(s)), Vocab(tokenize(s))).
    with pytest.raises(ValueError, match=r"pass list\(s\) for its characters or tokenize\(s\)"):
        text.Vocab("hello")
    assert text.Vocab(list("hello")).idx_to_token == ["<unk>", "l", "e", "h", "o"]
    words = text.tokenize("The time machine, the time traveller", token="word")
    assert text.Vocab(words)["time"] == 2


def test_lines_and_tokens_are_not_mixed_silently():
    # Before: the first element decided, so ["ab", ["c"]] counted 'ab' and a list.
    with pytest.raises(ValueError, match="not a mix"):
        text.Vocab(["ab", ["c"]])
    with pytest.raises(ValueError, match="not a mix"):
        text.Vocab([["c"], "ab"])  # before: the characters 'a' and 'b'
    assert text.Vocab([["a", "b"], ["a"]]).token_freqs == [("a", 2), ("b", 1)]


# ---------------------------------------------------------------- item 2: indices are integers


@pytest.mark.parametrize("indices", [[1.7], [1.0], np.array([1.0]), [True], [np.float64(2)], 1.7,
                                     np.float32(1.0), [1, 2.0]])
def test_to_tokens_never_truncates_a_float_or_reads_a_bool(indices):
    with pytest.raises(ValueError, match=r"`indices`, expected integers in \[0, 6\)"):
        VOCAB.to_tokens(indices)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint64])
def test_to_tokens_takes_every_numpy_integer_dtype(dtype):
    assert VOCAB.to_tokens(np.array([1, 2, 3], dtype=dtype)) == ["a", "b", "r"]
    assert VOCAB.to_tokens(dtype(5)) == "d"


def test_lookup_of_unknown_tokens_gives_unk_and_of_non_tokens_an_error():
    assert VOCAB[["a", "zebra", ""]] == [1, 0, 0]  # documented: unknown -> <unk>
    for bad in (1, 2.5, None, {"a": 1}, ("a", object())):
        with pytest.raises(ValueError, match="`tokens`, expected a token"):
            VOCAB[bad]


# ---------------------------------------------------------------- item 4: alpha


def test_alpha_zero_is_the_unsmoothed_estimate_and_nan_inf_negative_bool_are_refused():
    assert text.add_alpha_prob(60, 200, vocab_size=4581, alpha=0.0) == 0.3  # notebook 03
    lm = text.NGramLM(2, alpha=0.0).fit(np.array([0, 1, 0, 1, 0, 2]), vocab_size=3)
    assert lm.prob([0], 1) == pytest.approx(2 / 3)
    for alpha in (math.nan, math.inf, -math.inf, -1e-9, True, False, "0", None, 1j):
        with pytest.raises(ValueError, match="`alpha`, expected a finite number >= 0"):
            text.add_alpha_prob(1, 2, 3, alpha=alpha)
        with pytest.raises(ValueError, match="`alpha`, expected a finite number >= 0"):
            text.NGramLM(2, alpha=alpha)


def test_a_failed_fit_leaves_the_model_unfitted():
    lm = text.NGramLM(2)
    with pytest.raises(ValueError, match="`corpus`"):
        lm.fit([0, 1, 7], vocab_size=3)
    with pytest.raises(RuntimeError, match="not fitted"):
        lm.token_probs([0, 1])  # before: AttributeError, vocab_size was already set
    fitted = text.NGramLM(2).fit([0, 1, 2], 3)
    before = fitted.token_probs([0, 1, 2]).tolist()
    with pytest.raises(ValueError, match="`corpus`"):
        fitted.fit([0, 9], 3)
    assert fitted.vocab_size == 3 and fitted.token_probs([0, 1, 2]).tolist() == before


def test_bpe_vocab_size_below_the_alphabet_is_refused_and_leaves_the_bpe_unchanged():
    bpe = text.BPE(vocab_size=5, min_frequency=1).fit("abab")
    vocab, merges = list(bpe.vocab), list(bpe.merges)
    with pytest.raises(ValueError, match="`vocab_size`, expected at least the 6 distinct "
                                         "characters of the text.*got 5"):
        bpe.fit("abcdef")
    assert bpe.vocab == vocab and bpe.merges == merges


# ---------------------------------------------------------------- properties

TOKEN = st.text(alphabet="abcxyz <>", min_size=0, max_size=4)


@SETTINGS
@given(tokens=st.lists(TOKEN, max_size=40),
       reserved=st.lists(st.sampled_from(["<pad>", "<bos>", "<eos>", "a"]), unique=True,
                         max_size=3))
def test_vocab_round_trip_of_known_tokens(tokens, reserved):
    vocab = text.Vocab(tokens, reserved_tokens=reserved)
    assert vocab.to_tokens(vocab[tokens]) == tokens
    assert vocab.to_tokens(np.array(vocab[tokens], dtype=np.int32)) == tokens
    assert vocab[vocab.idx_to_token] == list(range(len(vocab)))
    assert len(vocab) == len({"<unk>", *reserved, *tokens})


@SETTINGS
@given(tokens=st.lists(TOKEN, max_size=40), min_freq=st.integers(0, 4))
def test_vocab_min_freq_maps_exactly_the_rare_tokens_to_unk(tokens, min_freq):
    vocab = text.Vocab(tokens, min_freq=min_freq)
    counts = collections.Counter(tokens)
    for tok in tokens:
        known = counts[tok] >= min_freq or tok == "<unk>"
        assert (vocab[tok] != vocab.unk) == (known and tok != "<unk>")
        assert vocab.to_tokens(vocab[tok]) == (tok if known else "<unk>")


@SETTINGS
@given(indices=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=5))
def test_vocab_to_tokens_refuses_any_list_of_floats(indices):
    with pytest.raises(ValueError, match=r"`indices`, expected integers in \[0, 6\)"):
        VOCAB.to_tokens(indices)


@SETTINGS
@given(data=st.data(), corpus=st.text(alphabet="ab c\nd!", min_size=1, max_size=60),
       extra=st.integers(0, 30), min_frequency=st.integers(0, 3))
def test_bpe_round_trip_on_arbitrary_text_over_its_alphabet(data, corpus, extra, min_frequency):
    alphabet = sorted(set(corpus))
    bpe = text.BPE(vocab_size=len(alphabet) + extra, min_frequency=min_frequency).fit(corpus)
    assert len(bpe) <= len(alphabet) + extra and bpe.vocab[:len(alphabet)] == alphabet
    sample = data.draw(st.text(alphabet=alphabet, max_size=40))
    ids = bpe.encode(sample)
    assert bpe.decode(ids) == sample
    assert "".join(bpe.tokenize(sample)) == sample
    assert all(0 <= i < len(bpe) for i in ids)
    assert bpe.decode(bpe.encode(corpus)) == corpus


@SETTINGS
@given(corpus=st.text(alphabet="abc ", min_size=1, max_size=30),
       unseen=st.sampled_from(list("xyz\t")))
def test_bpe_encode_names_a_character_it_never_saw(corpus, unseen):
    bpe = text.BPE(vocab_size=50, min_frequency=1).fit(corpus)
    with pytest.raises(ValueError, match=f"got {re.escape(repr(unseen))}"):
        bpe.encode(corpus + unseen)


@SETTINGS
@given(corpus=st.lists(st.integers(0, 4), min_size=3, max_size=60), n=st.integers(1, 3),
       alpha=st.floats(0.01, 5.0))
def test_ngram_lm_smoothed_distributions_sum_to_one(corpus, n, alpha):
    lm = text.NGramLM(n, alpha=alpha).fit(np.array(corpus), vocab_size=5)
    context = corpus[:n - 1]
    total = sum(lm.prob(context, w) for w in range(5))
    assert total == pytest.approx(1.0)
