import math

import numpy as np
import pytest

from d2lite import text


# ------------------------------------------------------------ preprocess


def test_preprocess_keeps_letters_lowercase_single_spaces():
    raw = "The Time Machine, by H. G. Wells [1898]\n\n\n\n\nI\n\n\nThe Time--Traveller "
    assert text.preprocess(raw) == "the time machine by h g wells i the time traveller"


def test_preprocess_matches_d2l_up_to_stripped_ends():
    import re

    raw = "  Hello,\tworld!\n42 times: ok.\n"
    d2l = re.sub("[^A-Za-z]+", " ", raw).lower()
    assert d2l == " hello world times ok "
    assert text.preprocess(raw) == d2l.strip()


def test_preprocess_of_non_letters_is_empty_and_rejects_non_strings():
    assert text.preprocess("1898 -- !?\n") == ""
    with pytest.raises(ValueError, match="`text`, expected a string, got 'bytes'"):
        text.preprocess(b"abc")


# -------------------------------------------------------------- tokenize


def test_tokenize_char_and_word():
    assert text.tokenize("Hi, you!", token="char") == ["h", "i", " ", "y", "o", "u"]
    assert text.tokenize("Hi, you!\nAgain", token="word") == ["hi", "you", "again"]
    assert text.tokenize("ab") == ["a", "b"]  # "char" is the default


@pytest.mark.parametrize("bad", ["", "   \n", "1898!"])
def test_tokenize_rejects_text_without_letters(bad):
    with pytest.raises(ValueError, match="`text`, expected text that contains at least one letter"):
        text.tokenize(bad)


@pytest.mark.parametrize("kind", ["subword", "Char", None, "bpe"])
def test_tokenize_rejects_unknown_token_kind(kind):
    with pytest.raises(ValueError, match=f'`token`, expected one of "char" or "word", got {kind!r}'):
        text.tokenize("hello", token=kind)


# ----------------------------------------------------------------- Vocab


def test_vocab_order_unk_reserved_then_frequency_ties_alphabetical():
    tokens = list("abracadabra")  # a:5, b:2, r:2, c:1, d:1
    vocab = text.Vocab(tokens, reserved_tokens=["<pad>", "<bos>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "a", "b", "r", "c", "d"]
    assert vocab.token_freqs == [("a", 5), ("b", 2), ("r", 2), ("c", 1), ("d", 1)]
    assert len(vocab) == 8 and vocab.unk == 0


def test_vocab_lookup_both_ways_and_unknown_tokens():
    vocab = text.Vocab(list("hello"))
    assert vocab["l"] == 1
    assert vocab["z"] == vocab.unk == 0
    assert vocab[["h", "e", "z"]] == [3, 2, 0]
    assert vocab[("o",)] == [4]
    assert vocab.to_tokens(3) == "h"
    assert vocab.to_tokens([3, 2, 1, 1, 4]) == list("hello")
    assert vocab.to_tokens(np.array([[0, 4]])) == ["<unk>", "o"]
    assert "h" in vocab and "z" not in vocab


def test_vocab_round_trip_on_token_list():
    tokens = "the time machine by h g wells the time traveller".split()
    vocab = text.Vocab(tokens)
    assert vocab.to_tokens(vocab[tokens]) == tokens


def test_vocab_min_freq_and_lines():
    lines = [["a", "b", "a"], ["c", "a", "b"]]
    vocab = text.Vocab(lines, min_freq=2)
    assert vocab.idx_to_token == ["<unk>", "a", "b"]
    assert vocab["c"] == 0
    assert dict(vocab.token_freqs)["c"] == 1  # frequencies keep every token


@pytest.mark.parametrize("index", [8, -1, 2.0, "a", True])
def test_vocab_to_tokens_rejects_out_of_range(index):
    vocab = text.Vocab(list("abracadabra"))
    with pytest.raises(ValueError, match=r"`indices`, expected integers in \[0, 6\)"):
        vocab.to_tokens([0, index] if index == 8 else index)


@pytest.mark.parametrize("kwargs, name", [
    (dict(min_freq=-1), "min_freq"),
    (dict(min_freq=1.5), "min_freq"),
    (dict(reserved_tokens=["<unk>"]), "reserved_tokens"),
    (dict(reserved_tokens=["<pad>", "<pad>"]), "reserved_tokens"),
])
def test_vocab_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        text.Vocab(list("abc"), **kwargs)


def test_vocab_of_nothing_has_only_unk():
    vocab = text.Vocab([])
    assert len(vocab) == 1 and vocab["a"] == 0


# ------------------------------------------------------- the Time Machine


def test_load_corpus_time_machine_char():
    corpus, vocab = text.load_corpus_time_machine()
    assert len(vocab) == 28  # <unk>, space and 26 letters
    assert corpus.dtype == np.int32 and corpus.ndim == 1
    assert len(corpus) == 173_427
    assert vocab.idx_to_token[:4] == ["<unk>", " ", "e", "t"]
    assert "".join(vocab.to_tokens(corpus[:16])) == "the time machine"
    assert (corpus != vocab.unk).all()


def test_load_corpus_time_machine_word_and_max_tokens():
    corpus, vocab = text.load_corpus_time_machine(token="word", max_tokens=10)
    assert corpus.shape == (10,)
    assert vocab.to_tokens(corpus[:3]) == ["the", "time", "machine"]
    assert len(vocab) == 4580
    assert vocab.token_freqs[0][0] == "the"


@pytest.mark.parametrize("kwargs, match", [
    (dict(token="bpe"), "`token`"),
    (dict(max_tokens=0), "`max_tokens`, expected a positive integer, got 0"),
])
def test_load_corpus_time_machine_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        text.load_corpus_time_machine(**kwargs)


# ------------------------------------------------------------------- BPE


def test_bpe_learns_the_most_frequent_pairs_first():
    bpe = text.BPE(vocab_size=12, min_frequency=1).fit("low lower lowest")
    assert bpe.vocab[:8] == [" ", "e", "l", "o", "r", "s", "t", "w"]  # sorted alphabet
    # l-o and o-w occur 3 times; then " "+low and low+e tie at 2: smaller ids win.
    assert bpe.merges == [("l", "o"), ("lo", "w"), (" ", "low"), (" low", "e")]
    assert len(bpe) == 12
    assert bpe.tokenize("slow lowest") == ["s", "low", " lowe", "s", "t"]


def test_bpe_round_trip_is_exact():
    corpus = "the quick brown fox jumps over the lazy dog\n  twice, the fox!\t"
    bpe = text.BPE(vocab_size=60, min_frequency=1).fit(corpus)
    rng = np.random.default_rng(0)
    alphabet = np.array(sorted(set(corpus)))
    for _ in range(50):
        s = "".join(rng.choice(alphabet, size=rng.integers(0, 40)))
        assert bpe.decode(bpe.encode(s)) == s
    assert bpe.decode(bpe.encode(corpus)) == corpus
    assert bpe.encode("") == []


def test_bpe_stops_at_min_frequency_and_compresses():
    corpus = "ab ab ab cd"
    bpe = text.BPE(vocab_size=100, min_frequency=2).fit(corpus)
    assert "cd" not in bpe.vocab  # seen once only
    assert bpe.tokenize(corpus) == ["ab", " ab", " ab", " ", "c", "d"]


def test_bpe_on_time_machine_matches_hugging_face_tokenizers():
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    from d2lite import data

    corpus = text.preprocess(data.time_machine())[:60_000]
    bpe = text.BPE(vocab_size=400).fit(corpus)
    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.Split(Regex(text.BPE.PATTERN), behavior="isolated")
    hf.decoder = decoders.Fuse()
    hf.train_from_iterator([corpus], trainers.BpeTrainer(vocab_size=400, min_frequency=2,
                                                         show_progress=False))
    assert hf.get_vocab() == {tok: i for i, tok in enumerate(bpe.vocab)}
    sample = text.preprocess(data.time_machine())[-5000:]  # held-out text
    assert hf.encode(sample).ids == bpe.encode(sample)
    assert hf.decode(bpe.encode(sample)) == sample


def test_bpe_rejects_bad_input():
    with pytest.raises(ValueError, match="`vocab_size`, expected a positive integer, got 0"):
        text.BPE(vocab_size=0)
    with pytest.raises(ValueError, match="`min_frequency`"):
        text.BPE(min_frequency=-1)
    bpe = text.BPE()
    with pytest.raises(RuntimeError, match="not fitted"):
        bpe.encode("abc")
    with pytest.raises(ValueError, match="`text`, expected a non-empty string"):
        bpe.fit("")
    bpe.fit("abc abc")
    with pytest.raises(ValueError, match="`text`, expected characters seen by `fit`.*got 'z'"):
        bpe.encode("abz")
    with pytest.raises(ValueError, match=r"`ids`, expected integers in \[0, \d+\), got \[-1, 99\]"):
        bpe.decode([0, -1, 99])


# --------------------------------------------------------------- n-grams


def test_ngrams_and_counts():
    tokens = "the time machine by the time traveller".split()
    assert text.ngrams(tokens, 1)[:2] == [("the",), ("time",)]
    assert text.ngrams(tokens, 3)[0] == ("the", "time", "machine")
    assert len(text.ngrams(tokens, 3)) == len(tokens) - 2
    assert text.ngrams(tokens, 8) == []
    counts = text.ngram_counts(tokens, 2)
    assert counts[("the", "time")] == 2
    assert sum(counts.values()) == len(tokens) - 1


def test_ngram_codes_are_base_v_digits_and_count_like_ngram_counts():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 5, size=300)
    for n in (1, 2, 3):
        codes = text.ngram_codes(tokens, n, 5)
        grams = text.ngrams(tokens.tolist(), n)
        assert codes.dtype == np.int64 and len(codes) == len(grams)
        assert codes.tolist() == [sum(t * 5 ** (n - 1 - j) for j, t in enumerate(g)) for g in grams]
        keys, counts = np.unique(codes, return_counts=True)
        assert sorted(counts.tolist()) == sorted(text.ngram_counts(tokens.tolist(), n).values())
    # NGramLM counts with the same codes: its bigram counts are these.
    lm = text.NGramLM(2, alpha=0.0).fit(tokens, 5)
    keys, counts = np.unique(text.ngram_codes(tokens, 2, 5), return_counts=True)
    assert lm.prob((keys[0] // 5,), keys[0] % 5) == pytest.approx(
        counts[0] / np.sum(tokens[:-1] == keys[0] // 5))


@pytest.mark.parametrize("n", [0, -1, 1.0])
def test_ngrams_rejects_bad_order(n):
    with pytest.raises(ValueError, match="`n`, expected a positive integer"):
        text.ngrams("abc", n)


def test_add_alpha_prob():
    assert text.add_alpha_prob(3, 10, vocab_size=28, alpha=0.0) == 0.3  # n(deep, learning)/n(deep)
    assert text.add_alpha_prob(0, 10, vocab_size=28) == pytest.approx(1 / 38)
    # Laplace on an unseen context is uniform
    assert text.add_alpha_prob(0, 0, vocab_size=28) == pytest.approx(1 / 28)
    out = text.add_alpha_prob(np.array([0, 1, 2]), 3, vocab_size=3, alpha=1.0)
    np.testing.assert_allclose(out, [1 / 6, 2 / 6, 3 / 6])
    assert out.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("kwargs, name", [
    (dict(alpha=-0.5), "alpha"),
    (dict(alpha="1"), "alpha"),
    (dict(vocab_size=0), "vocab_size"),
])
def test_add_alpha_prob_rejects_bad_arguments(kwargs, name):
    args = dict(ngram_count=1, context_count=2, vocab_size=3, alpha=1.0) | kwargs
    with pytest.raises(ValueError, match=f"`{name}`"):
        text.add_alpha_prob(**args)


def test_ngram_lm_matches_hand_counts():
    tokens = "the time machine by the time traveller the end".split()
    vocab = text.Vocab(tokens)
    corpus = np.array(vocab[tokens])
    counts2 = text.ngram_counts(tokens, 2)
    counts1 = text.ngram_counts(tokens[:-1], 1)  # contexts that have a successor
    V = len(vocab)
    for alpha in (0.0, 1.0, 0.1):
        lm = text.NGramLM(2, alpha=alpha).fit(corpus, V)
        for w1, w2 in [("the", "time"), ("time", "machine"), ("the", "end"), ("by", "end")]:
            expected = (counts2[(w1, w2)] + alpha) / (counts1[(w1,)] + alpha * V)
            assert lm.prob([vocab[w1]], vocab[w2]) == pytest.approx(expected)
    unigram = text.NGramLM(1, alpha=0.0).fit(corpus, V)
    assert unigram.prob([], vocab["the"]) == pytest.approx(3 / len(tokens))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_ngram_lm_distributions_sum_to_one(n):
    rng = np.random.default_rng(n)
    corpus = rng.integers(0, 5, size=300)
    lm = text.NGramLM(n, alpha=0.5).fit(corpus, 5)
    for context in ([], [0], [1, 2])[n - 1:n]:
        total = sum(lm.prob(context, w) for w in range(5))
        assert total == pytest.approx(1.0)


def test_ngram_lm_token_probs_positions_and_start():
    corpus = np.array([0, 1, 0, 1, 0, 2])
    lm = text.NGramLM(2, alpha=0.0).fit(corpus, 3)
    probs = lm.token_probs(corpus)
    assert probs.shape == (5,)
    np.testing.assert_allclose(probs, [2 / 3, 1, 2 / 3, 1, 1 / 3])
    np.testing.assert_allclose(lm.token_probs(corpus, start=3), probs[2:])
    assert lm.perplexity(corpus) == pytest.approx(math.exp(-np.log(probs).mean()))


def test_ngram_lm_word_level_trigrams_fit_in_memory():
    rng = np.random.default_rng(0)
    corpus = rng.integers(0, 50_000, size=10_000)
    lm = text.NGramLM(3).fit(corpus, 50_000)
    # Laplace on mostly unseen trigrams: close to uniform over the vocabulary
    assert 0.5 * 50_000 < lm.perplexity(corpus[:1000]) < 50_000


def test_ngram_lm_higher_order_fits_training_text_better():
    corpus, vocab = text.load_corpus_time_machine(max_tokens=50_000)
    ppl = [text.NGramLM(n).fit(corpus, len(vocab)).perplexity(corpus, start=2) for n in (1, 2, 3)]
    assert ppl[0] > ppl[1] > ppl[2] > 1


def test_ngram_lm_rejects_bad_input():
    with pytest.raises(ValueError, match="`n`, expected a positive integer, got 0"):
        text.NGramLM(0)
    with pytest.raises(ValueError, match="`alpha`"):
        text.NGramLM(2, alpha=-1)
    lm = text.NGramLM(3)
    with pytest.raises(RuntimeError, match="not fitted"):
        lm.token_probs(np.arange(5))
    with pytest.raises(ValueError, match="`corpus`, expected at least n = 3 tokens, got '2 tokens'"):
        lm.fit(np.array([0, 1]), 4)
    with pytest.raises(ValueError, match="`corpus`, expected a 1-D array of integer"):
        lm.fit(np.array([0.5, 1.0, 2.0]), 4)
    lm.fit(np.array([0, 1, 2, 3]), 4)
    with pytest.raises(ValueError, match=r"`corpus`, expected indices in \[0, 4\)"):
        lm.token_probs(np.array([0, 1, 9]))
    with pytest.raises(ValueError, match=r"`start`, expected an integer in \[2, 4\), got 1"):
        lm.token_probs(np.array([0, 1, 2, 3]), start=1)
    with pytest.raises(ValueError, match="`context`, expected 2 token indices"):
        lm.prob([0], 1)


# ------------------------------------------------------------ perplexity


@pytest.mark.parametrize("V", [2, 28, 4580])
def test_uniform_model_perplexity_equals_vocabulary_size(V):
    rng = np.random.default_rng(V)
    targets = rng.integers(0, V, size=(4, 25))
    probs = np.full((4, 25, V), 1.0 / V)
    assert text.perplexity(probs, targets) == pytest.approx(V)
    assert text.perplexity(np.full(100, 1.0 / V)) == pytest.approx(V)


def test_perplexity_values():
    assert text.perplexity([1.0, 1.0]) == 1.0  # a perfect model
    assert text.perplexity([0.5, 0.125]) == pytest.approx(4.0)  # geometric mean of 2 and 8
    assert text.perplexity([0.5, 0.0]) == math.inf
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    assert text.perplexity(probs, np.array([0, 2])) == pytest.approx(
        math.exp(-(math.log(0.7) + math.log(0.8)) / 2))


@pytest.mark.parametrize("probs, targets, match", [
    ([], None, "`probs`, expected at least one probability"),
    ([0.5, 1.5], None, r"`probs`, expected probabilities in \[0, 1\]"),
    ([-0.1], None, r"`probs`, expected probabilities in \[0, 1\]"),
    ([np.nan], None, r"`probs`, expected probabilities"),
    (np.full((2, 3), 1 / 3), np.array([0, 1, 2]), r"`targets`, expected an integer array of shape \(2,\)"),
    (np.full((2, 3), 1 / 3), np.array([0, 3]), r"`targets`, expected integer indices in \[0, 3\)"),
    (np.full((2, 3), 1 / 3), np.array([0.0, 1.0]), "`targets`, expected integer indices"),
])
def test_perplexity_rejects_bad_input(probs, targets, match):
    with pytest.raises(ValueError, match=match):
        text.perplexity(probs, targets)

