"""Text tools for the language-model lessons.

* `preprocess`, `tokenize`: d2l's cleaning of the Time Machine and char/word tokens.
* `Vocab`: token <-> index maps with `<unk>` at index 0.
* `load_corpus_time_machine`: the Time Machine as an int32 index array and its vocabulary.
* `BPE`: byte-pair encoding learned from a corpus (subwords, "the Goldilocks zone");
  it learns the same merges as Hugging Face `tokenizers`' `BpeTrainer`.
* `ngrams`, `ngram_counts`, `add_alpha_prob`, `NGramLM`: counting language models
  with Laplace (add-alpha) smoothing.
* `perplexity`, `perplexity_from_nll`: exp of the mean negative log-likelihood, the
  series' one definition of perplexity (`d2lite.metrics.Perplexity` uses it too).

Nothing happens at import: no data is read and no backend is loaded.
"""

import collections
import heapq
import math
import numbers
import re

import numpy as np

from d2lite import _validate

__all__ = [
    "BPE",
    "NGramLM",
    "Vocab",
    "add_alpha_prob",
    "load_corpus_time_machine",
    "ngram_counts",
    "ngrams",
    "perplexity",
    "perplexity_from_nll",
    "preprocess",
    "tokenize",
]

_NON_LETTERS = re.compile("[^A-Za-z]+")
_TOKEN_KINDS = ("char", "word")





# --------------------------------------------------------------- tokens


def preprocess(text):
    """Clean text the way d2l does: keep letters only, in lower case.

    Every run of characters that are not ASCII letters (spaces, newlines,
    punctuation, digits) becomes a single space, so line breaks are treated
    as word boundaries and the result is one line of words separated by
    single spaces. Unlike d2l, leading and trailing spaces are stripped, so
    no token is a lone boundary space.

    Args:
        text: a string.

    Returns:
        The cleaned string (possibly empty).

    Raises:
        ValueError: if `text` is not a string.

    Example:
        >>> preprocess("The Time Machine, by H. G. Wells [1898]\\n\\nI\\n")
        'the time machine by h g wells i'
    """
    return _NON_LETTERS.sub(" ", _validate.string(text)).strip().lower()


def tokenize(text, token="char"):
    """Split preprocessed text into characters or words.

    Args:
        text: a string; it is passed through `preprocess` first.
        token: "char" (default; letters and the space between words) or
            "word" (split on spaces).

    Returns:
        A list of string tokens.

    Raises:
        ValueError: if `token` is not "char" or "word", if `text` is not a
            string, or if no letters are left after preprocessing.

    Example:
        >>> tokenize("Hi, you!", token="char")
        ['h', 'i', ' ', 'y', 'o', 'u']
        >>> tokenize("Hi, you!", token="word")
        ['hi', 'you']
    """
    if token not in _TOKEN_KINDS:
        raise _validate.invalid("token", 'one of "char" or "word"', token)
    clean = preprocess(text)
    if not clean:
        raise _validate.invalid("text", "text that contains at least one letter", text[:40])
    return list(clean) if token == "char" else clean.split(" ")


def _flatten(tokens):
    """A flat list from a list of tokens or a list of lists of tokens."""
    tokens = list(tokens)
    if tokens and isinstance(tokens[0], (list, tuple)):
        return [tok for line in tokens for tok in line]
    return tokens


class Vocab:
    """Map tokens to integer indices and back.

    Index 0 is the unknown token `<unk>`, then come `reserved_tokens` in the
    order given, then every token seen at least `min_freq` times, by
    descending frequency (ties in alphabetical order, so the order is
    reproducible). Looking up a token that is not in the vocabulary gives
    index 0.

    Args:
        tokens: a list of tokens, or a list of lists of tokens (lines).
        min_freq: drop tokens seen fewer times than this (default 0: keep all).
        reserved_tokens: tokens that get the indices right after `<unk>`
            whether or not they occur (default None: none), e.g. `["<pad>", "<bos>"]`.

    Attributes:
        idx_to_token: list of tokens, position = index.
        token_to_idx: dict from token to index.
        token_freqs: list of `(token, count)` of every distinct token in
            `tokens`, by descending count (ties alphabetical).
        unk: index of `<unk>` (0).

    Raises:
        ValueError: if `min_freq` is negative or not an integer, or if
            `reserved_tokens` repeats a token or contains `<unk>`.

    Example:
        >>> vocab = Vocab(list("hello"))
        >>> len(vocab), vocab.idx_to_token
        (5, ['<unk>', 'l', 'e', 'h', 'o'])
        >>> vocab[["h", "e", "z"]]
        [3, 2, 0]
        >>> vocab.to_tokens([3, 2, 1, 1, 4])
        ['h', 'e', 'l', 'l', 'o']
    """

    UNK = "<unk>"

    def __init__(self, tokens=(), min_freq=0, reserved_tokens=None):
        self.min_freq = _validate.integer(min_freq, "min_freq", minimum=0)
        reserved = list(reserved_tokens or [])
        if self.UNK in reserved or len(set(reserved)) != len(reserved):
            raise _validate.invalid("reserved_tokens", f"distinct tokens other than {self.UNK!r}", reserved)
        counter = collections.Counter(_flatten(tokens))
        self.token_freqs = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        taken = {self.UNK, *reserved}
        self.idx_to_token = [self.UNK, *reserved] + [
            tok for tok, freq in self.token_freqs if freq >= self.min_freq and tok not in taken
        ]
        self.token_to_idx = {tok: idx for idx, tok in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __contains__(self, token):
        return token in self.token_to_idx

    def __getitem__(self, tokens):
        """Index of a token, or a list of indices for a list/tuple/array of tokens."""
        if isinstance(tokens, (list, tuple, np.ndarray)):
            get = self.token_to_idx.get
            return [get(tok, 0) for tok in tokens]
        return self.token_to_idx.get(tokens, 0)

    def to_tokens(self, indices):
        """Token of an index, or a flat list of tokens for a sequence or array of indices.

        Raises:
            ValueError: if an index is not in `[0, len(self))`.
        """
        if isinstance(indices, (list, tuple, np.ndarray)):
            return [self.to_tokens(int(i)) for i in np.ravel(indices)]
        if isinstance(indices, bool) or not isinstance(indices, numbers.Integral) or not (
            0 <= indices < len(self)
        ):
            raise _validate.invalid("indices", f"integers in [0, {len(self)})", indices)
        return self.idx_to_token[int(indices)]

    @property
    def unk(self):
        return 0

    def __repr__(self):
        head = ", ".join(repr(t) for t in self.idx_to_token[:6])
        return f"Vocab(size={len(self)}, tokens=[{head}, ...])"


def load_corpus_time_machine(token="char", max_tokens=None):
    """Return the Time Machine as token indices and its vocabulary.

    The vocabulary is built from the whole book; `max_tokens` only shortens
    the returned corpus (as in d2l).

    Args:
        token: "char" (default) or "word", as in `tokenize`.
        max_tokens: keep only the first `max_tokens` tokens (default None: all).

    Returns:
        A tuple `(corpus, vocab)`: `corpus` is a 1-D `np.int32` array of
        indices into `vocab` (a `Vocab`).

    Raises:
        ValueError: for an unknown `token` kind or a non-positive `max_tokens`.
        d2lite.data.DataUnavailableError: offline and the book is not cached.

    Example:
        >>> corpus, vocab = load_corpus_time_machine()
        >>> corpus.shape, len(vocab)
        ((173427,), 28)
    """
    from d2lite import data

    if token not in _TOKEN_KINDS:  # before reading the file
        raise _validate.invalid("token", 'one of "char" or "word"', token)
    if max_tokens is not None:
        max_tokens = _validate.integer(max_tokens, "max_tokens")
    tokens = tokenize(data.time_machine(), token=token)
    vocab = Vocab(tokens)
    corpus = np.asarray(vocab[tokens], dtype=np.int32)
    if max_tokens is not None:
        corpus = corpus[:max_tokens]
    return corpus, vocab


# ------------------------------------------------------ byte-pair encoding


class BPE:
    """Byte-pair encoding: learn subword merges from a corpus (Sennrich et al., 2016).

    Start from single characters; repeatedly merge the most frequent pair of
    adjacent symbols into a new symbol until the vocabulary has `vocab_size`
    symbols or no pair occurs `min_frequency` times. Text is first split into
    pieces, each a word with the whitespace in front of it (regex
    `\\s*\\S+|\\s+`), and merges never cross pieces; because the whitespace
    is kept inside the pieces, `decode(encode(s)) == s` exactly for every
    string `s` over the learned alphabet.

    The training loop is the one of Hugging Face `tokenizers`' `BpeTrainer`:
    the initial alphabet is sorted by code point, ties between equally
    frequent pairs go to the pair with the smaller ids, and a merge that
    rebuilds an existing symbol reuses its id. So this class learns the same
    vocabulary and encodes text the same way as
    `tokenizers.Tokenizer(models.BPE())` with a
    `pre_tokenizers.Split(Regex(BPE.PATTERN), "isolated")` pre-tokenizer.

    Args:
        vocab_size: target vocabulary size, alphabet included (default 1000);
            when the alphabet alone is larger, no merges are learned.
        min_frequency: stop when the best pair occurs fewer times (default 2).

    Attributes (after `fit`):
        vocab: list of symbols, position = id.
        merges: list of `(left, right)` symbol pairs in the order learned.

    Raises:
        ValueError: for a non-positive `vocab_size` or a negative `min_frequency`.

    Example:
        >>> bpe = BPE(vocab_size=12, min_frequency=1).fit("low lower lowest")
        >>> len(bpe), bpe.merges
        (12, [('l', 'o'), ('lo', 'w'), (' ', 'low'), (' low', 'e')])
        >>> bpe.tokenize("slow lowest")
        ['s', 'low', ' lowe', 's', 't']
        >>> bpe.decode(bpe.encode("slow lowest"))
        'slow lowest'
    """

    PATTERN = r"\s*\S+|\s+"
    _pieces = re.compile(PATTERN).findall

    def __init__(self, vocab_size=1000, min_frequency=2):
        self.vocab_size = _validate.integer(vocab_size, "vocab_size")
        self.min_frequency = _validate.integer(min_frequency, "min_frequency", minimum=0)
        self.vocab = []
        self.merges = []
        self._ids = {}
        self._ranks = {}
        self._cache = {}

    def __len__(self):
        return len(self.vocab)

    def fit(self, text):
        """Learn the alphabet and merges from `text`; returns `self`.

        Raises:
            ValueError: if `text` is not a non-empty string.
        """
        _validate.string(text)
        if not text:
            raise _validate.invalid("text", "a non-empty string", text)
        piece_counts = collections.Counter(self._pieces(text))
        self.vocab = sorted({ch for piece in piece_counts for ch in piece})
        ids = {sym: i for i, sym in enumerate(self.vocab)}
        words = [[ids[ch] for ch in piece] for piece in piece_counts]
        freqs = list(piece_counts.values())

        pair_counts = collections.Counter()
        where = collections.defaultdict(set)  # pair -> indices of words that contain it
        for w, (word, freq) in enumerate(zip(words, freqs)):
            for pair in zip(word, word[1:]):
                pair_counts[pair] += freq
                where[pair].add(w)
        # Max-heap on count, ties to the smaller pair; stale entries are re-pushed lazily.
        heap = [(-c, pair) for pair, c in pair_counts.items()]
        heapq.heapify(heap)
        self.merges = []
        while len(ids) < self.vocab_size and heap:
            neg, pair = heapq.heappop(heap)
            count = pair_counts.get(pair, 0)
            if -neg != count:
                if count > 0:
                    heapq.heappush(heap, (-count, pair))
                continue
            if count < 1 or count < self.min_frequency:
                break
            left, right = self.vocab[pair[0]], self.vocab[pair[1]]
            new = ids.get(left + right)
            if new is None:
                new = ids[left + right] = len(self.vocab)
                self.vocab.append(left + right)
            self.merges.append((left, right))
            for w in where.pop(pair):
                word, freq = words[w], freqs[w]
                old_pairs = collections.Counter(zip(word, word[1:]))
                word = words[w] = _merge(word, pair, new)
                new_pairs = collections.Counter(zip(word, word[1:]))
                for p, n in (old_pairs - new_pairs).items():
                    pair_counts[p] -= n * freq
                for p, n in (new_pairs - old_pairs).items():
                    pair_counts[p] += n * freq
                    where[p].add(w)
                    heapq.heappush(heap, (-pair_counts[p], p))
            del pair_counts[pair]
        self._ids = ids
        self._ranks = {
            (ids[a], ids[b]): (rank, ids[a + b]) for rank, (a, b) in enumerate(self.merges)
        }
        self._cache = {}
        return self

    def _check_fitted(self):
        if not self.vocab:
            raise RuntimeError("This BPE is not fitted yet: call `fit(text)` first.")

    def _encode_piece(self, piece):
        cached = self._cache.get(piece)
        if cached is not None:
            return cached
        try:
            word = [self._ids[ch] for ch in piece]
        except KeyError as err:
            raise _validate.invalid(
                "text", "characters seen by `fit` (the alphabet of this BPE)", err.args[0]
            ) from None
        ranks = self._ranks
        while len(word) > 1:
            # Apply the earliest-learned merge present, at its leftmost position.
            best = min(
                ((ranks[p], i) for i, p in enumerate(zip(word, word[1:])) if p in ranks),
                default=None,
            )
            if best is None:
                break
            (_, new), i = best
            word = _merge(word, (word[i], word[i + 1]), new)
        self._cache[piece] = word
        return word

    def encode(self, text):
        """Encode a string as a list of symbol ids.

        Raises:
            ValueError: if `text` contains a character not seen by `fit`.
            RuntimeError: if the BPE is not fitted.
        """
        self._check_fitted()
        return [i for piece in self._pieces(_validate.string(text)) for i in self._encode_piece(piece)]

    def tokenize(self, text):
        """Encode a string as a list of symbol strings (subwords)."""
        return [self.vocab[i] for i in self.encode(text)]

    def decode(self, ids):
        """Concatenate the symbols of `ids` back into a string.

        Raises:
            ValueError: if an id is not in `[0, len(self))`.
        """
        self._check_fitted()
        ids = list(ids)
        bad = [i for i in ids if isinstance(i, bool) or not isinstance(i, numbers.Integral)
               or not 0 <= i < len(self)]
        if bad:
            raise _validate.invalid("ids", f"integers in [0, {len(self)})", bad[:5])
        return "".join(self.vocab[i] for i in ids)

    def __repr__(self):
        return f"BPE(vocab_size={self.vocab_size}, min_frequency={self.min_frequency}, fitted size={len(self)})"


def _merge(word, pair, new):
    """Replace each non-overlapping occurrence of `pair` in `word`, left to right, by `new`."""
    out, i, n = [], 0, len(word)
    a, b = pair
    while i < n:
        if i + 1 < n and word[i] == a and word[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


# --------------------------------------------------------------- n-grams


def ngrams(tokens, n):
    """List the n-grams (tuples of `n` consecutive tokens) of a sequence.

    Args:
        tokens: a sequence of tokens (strings or ints).
        n: the order, a positive integer.

    Returns:
        A list of `len(tokens) - n + 1` tuples (empty if `tokens` is shorter than `n`).

    Raises:
        ValueError: if `n` is not a positive integer.

    Example:
        >>> ngrams(["the", "time", "machine"], 2)
        [('the', 'time'), ('time', 'machine')]
    """
    n = _validate.integer(n, "n")
    tokens = list(tokens)
    return list(zip(*(tokens[i:] for i in range(n))))


def ngram_counts(tokens, n):
    """Count the n-grams of a token sequence.

    Args:
        tokens: a sequence of tokens.
        n: the order, a positive integer.

    Returns:
        A `collections.Counter` from n-gram tuples to counts; `.most_common()`
        lists them by descending count (Zipf's law).

    Raises:
        ValueError: if `n` is not a positive integer.

    Example:
        >>> ngram_counts("abab", 2)
        Counter({('a', 'b'): 2, ('b', 'a'): 1})
    """
    return collections.Counter(ngrams(tokens, n))


def add_alpha_prob(ngram_count, context_count, vocab_size, alpha=1.0):
    """Laplace (add-alpha) smoothed conditional probability.

    .. math::
        \\hat P(x_t \\mid x_{t-n+1:t-1}) =
        \\frac{n(x_{t-n+1:t}) + \\alpha}{n(x_{t-n+1:t-1}) + \\alpha |V|}

    `alpha=0` gives the maximum-likelihood estimate n(deep, learning) / n(deep),
    which is 0 for unseen n-grams; `alpha=1` is Laplace smoothing.

    Args:
        ngram_count: count(s) of the n-gram (scalar or array).
        context_count: count(s) of its context, the first n - 1 tokens
            (the number of tokens for unigrams).
        vocab_size: |V|, a positive integer.
        alpha: pseudo-count added to every n-gram (default 1.0, >= 0).

    Returns:
        The probability (a float or an array shaped like the broadcast inputs).
        `nan` where alpha is 0 and the context was never seen.

    Raises:
        ValueError: for a negative `alpha` or a non-positive `vocab_size`.

    Example:
        >>> add_alpha_prob(3, 10, vocab_size=28, alpha=0.0)
        0.3
        >>> round(add_alpha_prob(0, 10, vocab_size=28, alpha=1.0), 4)
        0.0263
    """
    vocab_size = _validate.integer(vocab_size, "vocab_size")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or alpha < 0:
        raise _validate.invalid("alpha", "a non-negative number", alpha)
    num = np.asarray(ngram_count, dtype=np.float64) + alpha
    den = np.asarray(context_count, dtype=np.float64) + alpha * vocab_size
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return out.item() if out.ndim == 0 else out


class NGramLM:
    """An n-gram language model with add-alpha smoothing, on integer token indices.

    Under the Markov assumption of order n - 1 the chain rule becomes

    .. math:: P(x_1, \\dots, x_T) \\approx \\prod_t P(x_t \\mid x_{t-n+1}, \\dots, x_{t-1}),

    and each factor is estimated by `add_alpha_prob` from counts. Counts are
    kept sparse (sorted n-gram codes), so word-level trigrams fit in memory
    and scoring is vectorized.

    Args:
        n: the order (1 = unigram, 2 = bigram, ...), a positive integer.
        alpha: the add-alpha pseudo-count (default 1.0: Laplace).

    Raises:
        ValueError: for a non-positive `n` or a negative `alpha`.

    Example:
        >>> corpus = np.array([0, 1, 0, 1, 0, 2])
        >>> lm = NGramLM(2, alpha=0.0).fit(corpus, vocab_size=3)
        >>> lm.prob([0], 1)  # n(0, 1) / n(0 as a context)
        0.6666666666666666
        >>> lm.token_probs(np.array([0, 1, 0, 2])).round(3).tolist()
        [0.667, 1.0, 0.333]
    """

    def __init__(self, n, alpha=1.0):
        self.n = _validate.integer(n, "n")
        add_alpha_prob(0, 0, 1, alpha)  # validates alpha
        self.alpha = float(alpha)
        self.vocab_size = None

    def _codes(self, corpus, k):
        """Integer code of every k-gram of `corpus` (base-|V| digits)."""
        m = len(corpus) - k + 1
        codes = np.zeros(max(m, 0), dtype=np.int64)
        for j in range(k):
            codes = codes * self.vocab_size + corpus[j:j + m]
        return codes

    def _check_corpus(self, corpus, name="corpus"):
        corpus = np.asarray(corpus)
        if corpus.ndim != 1 or not np.issubdtype(corpus.dtype, np.integer):
            raise _validate.invalid(name, "a 1-D array of integer token indices", f"dtype {corpus.dtype}, shape {corpus.shape}")
        if self.vocab_size is not None and corpus.size and (corpus.min() < 0 or corpus.max() >= self.vocab_size):
            raise _validate.invalid(name, f"indices in [0, {self.vocab_size})", f"values in [{corpus.min()}, {corpus.max()}]")
        return corpus.astype(np.int64)

    def fit(self, corpus, vocab_size):
        """Count the n-grams and (n-1)-gram contexts of `corpus`; returns `self`.

        Args:
            corpus: 1-D array of token indices, at least `n` long.
            vocab_size: |V|; every index must be smaller.

        Raises:
            ValueError: for a corpus shorter than `n`, non-integer or out-of-range indices.
        """
        self.vocab_size = _validate.integer(vocab_size, "vocab_size")
        if self.vocab_size ** self.n >= 2 ** 62:
            raise _validate.invalid("n", f"an order whose n-grams fit in int64 codes for |V| = {self.vocab_size}", self.n)
        corpus = self._check_corpus(corpus)
        if len(corpus) < self.n:
            raise _validate.invalid("corpus", f"at least n = {self.n} tokens", f"{len(corpus)} tokens")
        self._grams, self._gram_counts = np.unique(self._codes(corpus, self.n), return_counts=True)
        # Contexts are counted where they are followed by a token, so that
        # the probabilities of a context's continuations sum to one.
        ctx = self._codes(corpus[:-1], self.n - 1) if self.n > 1 else np.zeros(len(corpus), np.int64)
        self._ctx, self._ctx_counts = np.unique(ctx, return_counts=True)
        return self

    @staticmethod
    def _lookup(keys, counts, query):
        pos = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
        return np.where(keys[pos] == query, counts[pos], 0)

    def token_probs(self, corpus, start=None):
        """Probability of each token of `corpus` given the n - 1 tokens before it.

        Args:
            corpus: 1-D array of token indices.
            start: first position to score (default None: `n - 1`, the first
                with a full context); must be at least `n - 1`. Give models of
                different orders the same `start` to score the same tokens.

        Returns:
            A float array of length `len(corpus) - start`.

        Raises:
            RuntimeError: if the model is not fitted.
            ValueError: for a `start` below `n - 1` or beyond the corpus.
        """
        if self.vocab_size is None:
            raise RuntimeError("This NGramLM is not fitted yet: call `fit(corpus, vocab_size)` first.")
        corpus = self._check_corpus(corpus)
        start = self.n - 1 if start is None else start
        if isinstance(start, bool) or not isinstance(start, numbers.Integral) or not (
            self.n - 1 <= start < len(corpus)
        ):
            raise _validate.invalid("start", f"an integer in [{self.n - 1}, {len(corpus)})", start)
        window = corpus[start - self.n + 1:]
        gram_n = self._lookup(self._grams, self._gram_counts, self._codes(window, self.n))
        ctx = self._codes(window[:-1], self.n - 1) if self.n > 1 else np.zeros(len(gram_n), np.int64)
        ctx_n = self._lookup(self._ctx, self._ctx_counts, ctx)
        return np.asarray(add_alpha_prob(gram_n, ctx_n, self.vocab_size, self.alpha))

    def prob(self, context, token):
        """P(token | context) for one context of n - 1 indices."""
        context = list(context)
        if len(context) != self.n - 1:
            raise _validate.invalid("context", f"{self.n - 1} token indices", context)
        return float(self.token_probs(np.array(context + [token]), start=self.n - 1)[0])

    def perplexity(self, corpus, start=None):
        """Perplexity of the model on `corpus` (see `token_probs` for `start`)."""
        return perplexity(self.token_probs(corpus, start=start))


def perplexity_from_nll(mean_nll):
    """Perplexity from the mean negative log-likelihood per token: exp(mean NLL).

    .. math:: \\mathrm{PPL} = \\exp\\Big(-\\frac{1}{N}\\sum_{t=1}^N \\log P(x_t \\mid x_{<t})\\Big)

    The mean NLL is the mean cross-entropy (in nats) of the observed tokens.
    This is the series' one definition of perplexity: `perplexity` (from
    probabilities), the Keras metric `d2lite.metrics.Perplexity` (from the
    cross-entropies it accumulates) and `d2lite.plotting.TrainingCurves`
    (from a logged cross-entropy loss) all call it.

    Args:
        mean_nll: the mean negative log-likelihood: a number, a NumPy array, or
            a backend tensor (inside a Keras metric; then `keras.ops.exp` is used).

    Returns:
        exp(mean_nll): a Python float for a number (`inf` past float range), an
        array or a tensor for an array or a tensor.

    Example:
        >>> perplexity_from_nll(0.0)  # every observed token had probability 1
        1.0
        >>> round(perplexity_from_nll(-math.log(0.25)), 9)  # probability 1/4 each
        4.0
    """
    if isinstance(mean_nll, numbers.Real):
        try:
            return math.exp(mean_nll)
        except OverflowError:
            return math.inf
    if isinstance(mean_nll, (np.ndarray, np.generic, list, tuple)):
        with np.errstate(over="ignore"):
            return np.exp(np.asarray(mean_nll, dtype=np.float64))
    from keras import ops  # a tensor: keras is loaded already

    return ops.exp(mean_nll)


def perplexity(probs, targets=None):
    """Perplexity: exp of the mean negative log-likelihood of the observed tokens.

    That is `perplexity_from_nll(-mean(log p))` for the probabilities p the
    model gave the observed tokens. A model that spreads its probability
    uniformly over |V| tokens has perplexity |V|; a perfect model has
    perplexity 1. A model that gives an observed token probability 0 has
    infinite perplexity (smooth it!).

    Args:
        probs: either the probabilities the model gave the observed tokens,
            shape `(N,)` (any shape works; all entries are averaged), or, with
            `targets`, full distributions of shape `(..., |V|)`.
        targets: integer indices of the observed tokens, shape `probs.shape[:-1]`
            (default None: `probs` already holds the observed tokens' probabilities).

    Returns:
        The perplexity, a Python float (`inf` if an observed probability is 0).

    Raises:
        ValueError: if there are no probabilities, a value is outside [0, 1],
            or `targets` has the wrong shape or out-of-range indices.

    Example:
        >>> perplexity([0.25, 0.25, 0.25])
        4.0
        >>> round(perplexity(np.full((2, 5, 10), 0.1), targets=np.zeros((2, 5), int)), 6)
        10.0
    """
    probs = np.asarray(probs, dtype=np.float64)
    if targets is not None:
        targets = np.asarray(targets)
        if probs.ndim < 1 or targets.shape != probs.shape[:-1]:
            raise _validate.invalid("targets", f"an integer array of shape {probs.shape[:-1]}", f"shape {targets.shape}")
        if not np.issubdtype(targets.dtype, np.integer) or (
            targets.size and (targets.min() < 0 or targets.max() >= probs.shape[-1])
        ):
            raise _validate.invalid("targets", f"integer indices in [0, {probs.shape[-1]})", targets.ravel()[:5])
        probs = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
    if probs.size == 0:
        raise _validate.invalid("probs", "at least one probability", "an empty array")
    if np.isnan(probs).any() or probs.min() < 0 or probs.max() > 1:
        raise _validate.invalid("probs", "probabilities in [0, 1]", f"values in [{probs.min()}, {probs.max()}]")
    with np.errstate(divide="ignore"):
        mean_nll = float(-np.mean(np.log(probs)))
    return perplexity_from_nll(mean_nll)
