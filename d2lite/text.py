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
import collections.abc
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
    "ngram_codes",
    "ngram_counts",
    "ngrams",
    "perplexity",
    "perplexity_from_nll",
    "preprocess",
    "tokenize",
]

_NON_LETTERS = re.compile("[^A-Za-z]+")
_TOKEN_KINDS = ("char", "word")


_D = _validate.Described  # a description of the value received, shown without quotes




def _has_bool(value):
    """Whether a list or tuple (nested or not) holds a bool, which NumPy would make 1 or 1.0."""
    if not isinstance(value, (list, tuple)):
        return False
    try:
        entries = np.asarray(value, dtype=object).ravel().tolist()
    except ValueError:
        return False
    return any(isinstance(v, (bool, np.bool_)) for v in entries)


def _indices(indices, name, size):
    """`indices` (a sequence or array, any shape) as a flat list of ints in [0, size).

    Every entry must be an integer (a bool or a float such as 1.7 or 2.0 is refused,
    not truncated); the error names the offending entries.
    """
    expected = f"integers in [0, {size})"
    if isinstance(indices, np.ndarray):
        flat = indices.ravel()
        if flat.size == 0:  # np.array([]) is float64; no index is still valid
            return []
        if flat.dtype.kind in "iu":
            bad = flat[(flat < 0) | (flat >= size)]
            if bad.size:
                raise _validate.invalid(name, expected, bad[:5].tolist())
            return flat.tolist()
        if flat.dtype.kind != "O":
            raise _validate.invalid(name, expected, flat[:5].tolist())
    else:
        try:
            flat = np.asarray(indices, dtype=object).ravel()
        except (TypeError, ValueError):
            raise _validate.invalid(name, expected, indices) from None
    values = flat.tolist()
    bad = [i for i in values if not _validate.is_integer(i) or not 0 <= i < size]
    if bad:
        raise _validate.invalid(name, expected, bad[:5])
    return [int(i) for i in values]


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


_LINE_TYPES = (list, tuple, np.ndarray)


def _not_a_token_list(value):
    """True for what `Vocab` must not iterate as a list of tokens: a string (its characters),
    a mapping (its keys, without their counts) and a non-iterable."""
    return (isinstance(value, (str, bytes, collections.abc.Mapping))
            or not isinstance(value, collections.abc.Iterable))


def _flatten(tokens):
    """A flat list of string tokens from a list of tokens or a list of lines (lists of tokens)."""
    if isinstance(tokens, (str, bytes)):
        raise _validate.invalid(
            "tokens", "a list of tokens or of lines (lists of tokens), not a string: pass "
            "list(s) for its characters or tokenize(s)", tokens)
    if _not_a_token_list(tokens):
        raise _validate.invalid("tokens", "a list of tokens or of lines (lists of tokens)",
                                type(tokens).__name__)
    tokens = list(tokens)
    lines = [isinstance(tok, _LINE_TYPES) for tok in tokens]
    if any(lines):
        if not all(lines):
            raise _validate.invalid(
                "tokens", "either tokens or lines (lists of tokens), not a mix",
                _D(f"a line at position {lines.index(True)} and the token "
                   f"{_validate.brief(tokens[lines.index(False)])} at position {lines.index(False)}"))
        tokens = [tok for line in tokens for tok in line]
    for i, tok in enumerate(tokens):
        if not isinstance(tok, str):
            raise _validate.invalid("tokens", "string tokens",
                                    _D(f"{_validate.brief(tok)} ({type(tok).__name__}) at position {i}"))
    return tokens


def _reserved(reserved_tokens, unk):
    """`reserved_tokens` as a list of distinct strings other than `unk`."""
    if reserved_tokens is None:
        return []
    if isinstance(reserved_tokens, str):
        raise _validate.invalid(
            "reserved_tokens", f"a list of tokens, e.g. [{reserved_tokens!r}] (a string would "
            "reserve each of its characters)", reserved_tokens)
    if _not_a_token_list(reserved_tokens) or isinstance(reserved_tokens, (set, frozenset)):
        raise _validate.invalid("reserved_tokens", "a list of tokens, e.g. ['<pad>']",
                                reserved_tokens)
    reserved = list(reserved_tokens)
    not_str = [tok for tok in reserved if not isinstance(tok, str)]
    if not_str:
        raise _validate.invalid("reserved_tokens", "string tokens, e.g. ['<pad>']", not_str[:5])
    if unk in reserved or len(set(reserved)) != len(reserved):
        raise _validate.invalid("reserved_tokens", f"distinct tokens other than {unk!r}", reserved)
    return reserved


class Vocab:
    """Map tokens to integer indices and back.

    Index 0 is the unknown token `<unk>`, then come `reserved_tokens` in the
    order given, then every token seen at least `min_freq` times, by
    descending frequency (ties in alphabetical order, so the order is
    reproducible). Looking up a token that is not in the vocabulary gives
    index 0.

    Tokens are strings. A string where a list of tokens is expected is
    refused rather than split into characters: `Vocab(list(s))` or
    `Vocab(tokenize(s))` says which tokens are meant.

    Args:
        tokens: a list of string tokens, or a list of lines (lists of tokens);
            not a string (pass `list(s)` for its characters). Empty gives a
            vocabulary of `<unk>` (and the reserved tokens) only.
        min_freq: drop tokens seen fewer times than this (default 0: keep all).
        reserved_tokens: a list of tokens that get the indices right after `<unk>`
            whether or not they occur (default None: none), e.g. `["<pad>", "<bos>"]`;
            not a string (`"<pad>"` alone is refused: pass `["<pad>"]`).

    Attributes:
        idx_to_token: list of tokens, position = index.
        token_to_idx: dict from token to index.
        token_freqs: list of `(token, count)` of every distinct token in
            `tokens`, by descending count (ties alphabetical).
        unk: index of `<unk>` (0).

    Raises:
        ValueError: if `tokens` is a string, not a list, mixes tokens and lines
            or holds a token that is not a string; if `min_freq` is negative or
            not an integer; or if `reserved_tokens` is a string, holds a
            non-string, repeats a token or contains `<unk>`.

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
        reserved = _reserved(reserved_tokens, self.UNK)
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
        """Whether `token` is in the vocabulary (False for anything but a string)."""
        return isinstance(token, str) and token in self.token_to_idx

    def __getitem__(self, tokens):
        """Index of a token, or a list of indices for a list/tuple/array of tokens.

        Unknown tokens give 0 (`<unk>`); lists of lists give lists of lists.

        Raises:
            ValueError: for a token that is not a string (e.g. an index:
                `to_tokens` maps indices back to tokens).
        """
        if isinstance(tokens, str):
            return self.token_to_idx.get(tokens, 0)
        if isinstance(tokens, np.ndarray) and tokens.ndim == 0:
            return self[tokens.item()]
        if isinstance(tokens, _LINE_TYPES):
            get = self.token_to_idx.get
            return [get(tok, 0) if isinstance(tok, str) else self[tok] for tok in tokens]
        raise _validate.invalid(
            "tokens", "a token (a string) or a list, tuple or array of tokens (to_tokens maps "
            "indices to tokens)", _D(f"{_validate.brief(tokens)} ({type(tokens).__name__})"))

    def to_tokens(self, indices):
        """Token of an index, or a flat list of tokens for a sequence or array of indices.

        Indices must be integers (Python or NumPy; not bools, not floats such
        as 2.0) in `[0, len(self))`.

        Raises:
            ValueError: if an index is not an integer in `[0, len(self))`.
        """
        if isinstance(indices, (list, tuple, np.ndarray)):
            return [self.idx_to_token[i] for i in _indices(indices, "indices", len(self))]
        if not _validate.is_integer(indices) or not 0 <= indices < len(self):
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
            at least the number of distinct characters of the text given to
            `fit` (every character needs a symbol; equal: no merges are learned).
        min_frequency: stop when the best pair occurs fewer times (default 2).

    Attributes (after `fit`):
        vocab: list of symbols, position = id.
        merges: list of `(left, right)` symbol pairs in the order learned.

    Raises:
        ValueError: for a non-positive `vocab_size` or a negative `min_frequency`
            (and, in `fit`, for a `vocab_size` smaller than the text's alphabet).

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
            ValueError: if `text` is not a non-empty string, or if it has more
                distinct characters than `vocab_size` (the BPE is left as it was).
        """
        _validate.string(text)
        if not text:
            raise _validate.invalid("text", "a non-empty string", text)
        piece_counts = collections.Counter(self._pieces(text))
        alphabet = sorted({ch for piece in piece_counts for ch in piece})
        if len(alphabet) > self.vocab_size:
            raise _validate.invalid(
                "vocab_size", f"at least the {len(alphabet)} distinct characters of the text "
                f"(every character needs a symbol; {len(alphabet)} learns no merges)",
                self.vocab_size)
        self.vocab = alphabet
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
        """Encode a string as a list of symbol ids (the empty string gives `[]`).

        Raises:
            ValueError: if `text` is not a string or contains a character not seen by `fit`.
            RuntimeError: if the BPE is not fitted.
        """
        self._check_fitted()
        return [i for piece in self._pieces(_validate.string(text)) for i in self._encode_piece(piece)]

    def tokenize(self, text):
        """Encode a string as a list of symbol strings (subwords)."""
        return [self.vocab[i] for i in self.encode(text)]

    def decode(self, ids):
        """Concatenate the symbols of `ids` (a 1-D sequence or array) back into a string.

        An empty sequence gives the empty string.

        Raises:
            ValueError: if `ids` is not a 1-D sequence, or an id is not an integer
                in `[0, len(self))` (never produced by this BPE).
            RuntimeError: if the BPE is not fitted.
        """
        self._check_fitted()
        if isinstance(ids, (str, bytes)) or not isinstance(ids, collections.abc.Iterable):
            raise _validate.invalid("ids", "a 1-D sequence of integer ids, e.g. encode(text)",
                                    ids)
        if not isinstance(ids, (list, tuple, np.ndarray)):
            ids = list(ids)
        if isinstance(ids, np.ndarray):
            not_flat = ids.ndim != 1
        else:
            not_flat = any(isinstance(i, _LINE_TYPES) for i in ids)
        if not_flat:
            raise _validate.invalid("ids", "a 1-D sequence of integer ids, e.g. encode(text)",
                                    ids)
        return "".join(self.vocab[i] for i in _indices(ids, "ids", len(self)))

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
        tokens: a sequence (or iterable) of tokens (strings or ints); a string
            is a sequence of characters.
        n: the order, a positive integer.

    Returns:
        A list of `len(tokens) - n + 1` tuples (empty if `tokens` is shorter than `n`,
        e.g. empty).

    Raises:
        ValueError: if `n` is not a positive integer, or `tokens` is not an
            ordered iterable (a set or a mapping has no order to take n-grams in).

    Example:
        >>> ngrams(["the", "time", "machine"], 2)
        [('the', 'time'), ('time', 'machine')]
    """
    n = _validate.integer(n, "n")
    if not isinstance(tokens, collections.abc.Iterable) or isinstance(
            tokens, (bytes, collections.abc.Mapping, collections.abc.Set)):  # no order
        raise _validate.invalid("tokens", "a sequence of tokens",
                                _D(f"{_validate.brief(tokens)} ({type(tokens).__name__})"))
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
        ValueError: if `n` is not a positive integer, or `tokens` is not a
            sequence of hashable tokens (strings or ints, not lists).

    Example:
        >>> ngram_counts("abab", 2)
        Counter({('a', 'b'): 2, ('b', 'a'): 1})
    """
    grams = ngrams(tokens, n)
    try:
        return collections.Counter(grams)
    except TypeError:
        bad = next(tok for gram in grams for tok in gram
                   if not isinstance(tok, collections.abc.Hashable))
        raise _validate.invalid("tokens", "hashable tokens (strings or ints; for lines, count "
                                "each line or flatten them)", bad) from None


def ngram_codes(tokens, n, vocab_size):
    """Every n-gram of a sequence of token indices as one integer.

    The n tokens of a gram are the digits of its code in base `vocab_size`,
    the first token the most significant: the gram (t_1, ..., t_n) has code
    t_1 |V|^(n-1) + ... + t_n. Equal grams get equal codes and different grams
    different ones, so `np.unique` counts grams and `np.isin` tests whether a
    gram occurs elsewhere, at NumPy speed (`NGramLM` counts this way).

    Args:
        tokens: a 1-D array (or list) of integer token indices in [0, vocab_size).
        n: the order, a non-negative integer; n = 0 gives one empty gram (code 0)
            per position plus one, as the context of a unigram.
        vocab_size: |V|, a positive integer, with |V|^n small enough for int64.

    Returns:
        An int64 array of the `len(tokens) - n + 1` codes (empty if `tokens` is
        shorter than `n`).

    Raises:
        ValueError: for tokens that are not a 1-D array of integers in
            [0, vocab_size), an `n` or `vocab_size` that is not a valid integer,
            or codes that would not fit in int64.

    Example:
        >>> ngram_codes([1, 0, 2, 1], 2, 3).tolist()  # (1,0) (0,2) (2,1) in base 3
        [3, 2, 7]
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise _validate.invalid("n", "a non-negative integer", n)
    n = int(n)
    vocab_size = _validate.integer(vocab_size, "vocab_size")
    if vocab_size ** n >= 2 ** 63:
        raise _validate.invalid("n", f"an order with vocab_size ** n below 2**63 (int64 codes; "
                                f"vocab_size is {vocab_size})", n)
    tokens = NGramLM._check_corpus(tokens, vocab_size, name="tokens")
    return NGramLM._codes(tokens, n, vocab_size)


def add_alpha_prob(ngram_count, context_count, vocab_size, alpha=1.0):
    """Laplace (add-alpha) smoothed conditional probability.

    .. math::
        \\hat P(x_t \\mid x_{t-n+1:t-1}) =
        \\frac{n(x_{t-n+1:t}) + \\alpha}{n(x_{t-n+1:t-1}) + \\alpha |V|}

    `alpha=0` gives the maximum-likelihood estimate n(deep, learning) / n(deep),
    which is 0 for unseen n-grams; `alpha=1` is Laplace smoothing. Zero is
    allowed on purpose (the unsmoothed estimate of notebook 03); NaN, inf, a
    negative number or a bool is refused.

    Args:
        ngram_count: count(s) of the n-gram (a number or an array of numbers >= 0).
        context_count: count(s) of its context, the first n - 1 tokens
            (the number of tokens for unigrams); each at least the n-gram count
            it goes with, and broadcastable with `ngram_count`.
        vocab_size: |V|, a positive integer.
        alpha: pseudo-count added to every n-gram, a finite number >= 0
            (default 1.0; 0: no smoothing).

    Returns:
        The probability (a float or an array shaped like the broadcast inputs).
        `nan` where alpha is 0 and the context was never seen (0 / 0).

    Raises:
        ValueError: for an `alpha` that is not a finite number >= 0, a
            non-positive `vocab_size`, counts that are not finite numbers >= 0
            (bools and strings included), shapes that do not broadcast, or an
            n-gram count larger than its context count.

    Example:
        >>> add_alpha_prob(3, 10, vocab_size=28, alpha=0.0)
        0.3
        >>> round(add_alpha_prob(0, 10, vocab_size=28, alpha=1.0), 4)
        0.0263
    """
    vocab_size = _validate.integer(vocab_size, "vocab_size")
    alpha = _check_alpha(alpha)
    grams = _counts(ngram_count, "ngram_count")
    contexts = _counts(context_count, "context_count")
    try:
        np.broadcast_shapes(grams.shape, contexts.shape)
    except ValueError:
        raise _validate.invalid("context_count", f"counts that broadcast with the ngram_count "
                                f"of shape {grams.shape}", _D(f"shape {contexts.shape}")) from None
    larger = grams > contexts
    if larger.any():
        g, c = np.broadcast_arrays(grams, contexts)
        first = np.argwhere(larger)[0] if larger.ndim else ()
        raise _validate.invalid(
            "ngram_count", "counts no larger than their context counts (an n-gram occurs "
            "at most as often as its context)",
            _D(f"{g[tuple(first)].item():g} for a context count of {c[tuple(first)].item():g}"))
    num = grams + alpha
    den = contexts + alpha * vocab_size
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return out.item() if out.ndim == 0 else out


def _check_alpha(alpha):
    """`alpha` as a float, if it is a finite number >= 0 (0 is the unsmoothed estimate)."""
    if (isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real)
            or not math.isfinite(alpha) or alpha < 0):
        raise _validate.invalid("alpha", "a finite number >= 0 (0: no smoothing)", alpha)
    return float(alpha)


def _counts(value, name):
    """Counts (a number or an array of numbers) as a float64 array, if finite and >= 0."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or _has_bool(value):
        raise _validate.invalid(name, "a count (a number >= 0) or an array of counts", value)
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged nested lists
        raise _validate.invalid(name, "a count or a rectangular array of counts",
                                value) from None
    if arr.dtype.kind not in "iuf":
        raise _validate.invalid(name, "counts (numbers >= 0)",
                                _D(f"{_validate.brief(value)} of dtype {arr.dtype}"))
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise _validate.invalid(name, "counts (finite numbers >= 0)", arr[bad][:5].tolist()
                                if arr.ndim else arr.item())
    return arr


class NGramLM:
    """An n-gram language model with add-alpha smoothing, on integer token indices.

    Under the Markov assumption of order n - 1 the chain rule becomes

    .. math:: P(x_1, \\dots, x_T) \\approx \\prod_t P(x_t \\mid x_{t-n+1}, \\dots, x_{t-1}),

    and each factor is estimated by `add_alpha_prob` from counts. Counts are
    kept sparse (sorted n-gram codes), so word-level trigrams fit in memory
    and scoring is vectorized.

    Args:
        n: the order (1 = unigram, 2 = bigram, ...), a positive integer.
        alpha: the add-alpha pseudo-count, a finite number >= 0 (default 1.0:
            Laplace; 0: the unsmoothed maximum-likelihood estimate).

    Raises:
        ValueError: for a non-positive `n` or an `alpha` that is not a finite number >= 0.

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
        self.alpha = _check_alpha(alpha)
        self.vocab_size = None

    @staticmethod
    def _codes(corpus, k, vocab_size):
        """Integer code of every k-gram of `corpus` (base-|V| digits)."""
        m = len(corpus) - k + 1
        codes = np.zeros(max(m, 0), dtype=np.int64)
        for j in range(k):
            codes = codes * vocab_size + corpus[j:j + m]
        return codes

    @staticmethod
    def _check_corpus(corpus, vocab_size, name="corpus"):
        if isinstance(corpus, (str, bytes)):
            raise _validate.invalid(name, "a 1-D array of integer token indices (e.g. "
                                    "vocab[tokens])", corpus)
        try:
            corpus = np.asarray(corpus)
        except ValueError:  # ragged nested lists
            raise _validate.invalid(name, "a 1-D array of integer token indices",
                                    _D("a ragged nested list")) from None
        if corpus.ndim != 1 or not np.issubdtype(corpus.dtype, np.integer):
            raise _validate.invalid(name, "a 1-D array of integer token indices", f"dtype {corpus.dtype}, shape {corpus.shape}")
        if corpus.size and (corpus.min() < 0 or corpus.max() >= vocab_size):
            raise _validate.invalid(name, f"indices in [0, {vocab_size})", f"values in [{corpus.min()}, {corpus.max()}]")
        return corpus.astype(np.int64)

    def fit(self, corpus, vocab_size):
        """Count the n-grams and (n-1)-gram contexts of `corpus`; returns `self`.

        Args:
            corpus: 1-D array of token indices, at least `n` long.
            vocab_size: |V|, a positive integer; every index must be smaller.

        Raises:
            ValueError: for a corpus shorter than `n`, non-integer or out-of-range
                indices, or an order too large for |V|. A failed `fit` leaves the
                model as it was.
        """
        vocab_size = _validate.integer(vocab_size, "vocab_size")
        if vocab_size ** self.n >= 2 ** 62:
            raise _validate.invalid("n", f"an order whose n-grams fit in int64 codes for |V| = {vocab_size}", self.n)
        corpus = self._check_corpus(corpus, vocab_size)
        if len(corpus) < self.n:
            raise _validate.invalid("corpus", f"at least n = {self.n} tokens", f"{len(corpus)} tokens")
        grams, gram_counts = np.unique(self._codes(corpus, self.n, vocab_size), return_counts=True)
        # Contexts are counted where they are followed by a token, so that
        # the probabilities of a context's continuations sum to one.
        ctx = (self._codes(corpus[:-1], self.n - 1, vocab_size) if self.n > 1
               else np.zeros(len(corpus), np.int64))
        self._ctx, self._ctx_counts = np.unique(ctx, return_counts=True)
        self._grams, self._gram_counts = grams, gram_counts
        self.vocab_size = vocab_size
        return self

    def _check_fitted(self):
        if self.vocab_size is None:
            raise RuntimeError("This NGramLM is not fitted yet: call `fit(corpus, vocab_size)` first.")

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
            ValueError: for a corpus that is not 1-D indices in `[0, vocab_size)`
                or is shorter than `n`, or a `start` below `n - 1` or beyond the corpus.
        """
        self._check_fitted()
        corpus = self._check_corpus(corpus, self.vocab_size)
        if len(corpus) < self.n:
            raise _validate.invalid("corpus", f"at least n = {self.n} tokens (n - 1 of context "
                                    "and one to score)", f"{len(corpus)} tokens")
        start = self.n - 1 if start is None else start
        if isinstance(start, bool) or not isinstance(start, numbers.Integral) or not (
            self.n - 1 <= start < len(corpus)
        ):
            raise _validate.invalid("start", f"an integer in [{self.n - 1}, {len(corpus)})", start)
        window = corpus[start - self.n + 1:]
        V = self.vocab_size
        gram_n = self._lookup(self._grams, self._gram_counts, self._codes(window, self.n, V))
        ctx = self._codes(window[:-1], self.n - 1, V) if self.n > 1 else np.zeros(len(gram_n), np.int64)
        ctx_n = self._lookup(self._ctx, self._ctx_counts, ctx)
        return np.asarray(add_alpha_prob(gram_n, ctx_n, self.vocab_size, self.alpha))

    def prob(self, context, token):
        """P(token | context) for one context of n - 1 indices.

        Raises:
            RuntimeError: if the model is not fitted.
            ValueError: if `context` is not n - 1 integer indices in
                `[0, vocab_size)` or `token` is not one.
        """
        self._check_fitted()
        if isinstance(context, (str, bytes)) or not isinstance(context, collections.abc.Iterable):
            raise _validate.invalid("context", f"{self.n - 1} token indices", context)
        context = list(context)
        if len(context) != self.n - 1:
            raise _validate.invalid("context", f"{self.n - 1} token indices", context)
        bad = [i for i in context if not _validate.is_integer(i) or not 0 <= i < self.vocab_size]
        if bad:
            raise _validate.invalid("context", f"integer token indices in [0, {self.vocab_size})",
                                    bad[:5])
        if not _validate.is_integer(token) or not 0 <= token < self.vocab_size:
            raise _validate.invalid("token", f"an integer token index in [0, {self.vocab_size})",
                                    token)
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
        array or a tensor for an array or a tensor. NaN gives NaN (a diverged
        loss has no perplexity); it is passed on, not refused, because the
        Keras metric and `TrainingCurves` report it as it is.

    Raises:
        ValueError: for a bool, a string, None or anything else that is not a
            real number, an array of real numbers or a backend tensor.

    Example:
        >>> perplexity_from_nll(0.0)  # every observed token had probability 1
        1.0
        >>> round(perplexity_from_nll(-math.log(0.25)), 9)  # probability 1/4 each
        4.0
    """
    expected = "a mean negative log-likelihood: a real number, an array or a tensor"
    if isinstance(mean_nll, (bool, np.bool_, str, bytes)) or mean_nll is None:
        raise _validate.invalid("mean_nll", expected, mean_nll)
    if isinstance(mean_nll, numbers.Real):
        try:
            return math.exp(mean_nll)
        except OverflowError:
            return math.inf
    if isinstance(mean_nll, (np.ndarray, np.generic, list, tuple)):
        try:
            values = np.asarray(mean_nll)
        except ValueError:  # ragged nested lists
            raise _validate.invalid("mean_nll", expected, mean_nll) from None
        if values.dtype.kind not in "iuf":
            raise _validate.invalid("mean_nll", expected, _D(f"{_validate.brief(mean_nll)} of dtype {values.dtype}"))
        with np.errstate(over="ignore"):
            return np.exp(values.astype(np.float64))
    if not (hasattr(mean_nll, "shape") and hasattr(mean_nll, "dtype")):
        raise _validate.invalid("mean_nll", expected, _D(f"{_validate.brief(mean_nll)} ({type(mean_nll).__name__})"))
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
        ValueError: if there are no probabilities, `probs` is not numbers (bools
            and strings are refused), a value is outside [0, 1] or NaN, or
            `targets` has the wrong shape, a non-integer dtype or out-of-range indices.

    Example:
        >>> perplexity([0.25, 0.25, 0.25])
        4.0
        >>> round(perplexity(np.full((2, 5, 10), 0.1), targets=np.zeros((2, 5), int)), 6)
        10.0
    """
    try:
        values = np.asarray(probs)
    except ValueError:  # ragged nested lists
        raise _validate.invalid("probs", "a rectangular array of probabilities", probs) from None
    if values.dtype.kind not in "iuf" or _has_bool(probs):
        raise _validate.invalid("probs", "probabilities (numbers in [0, 1])",
                                _D(f"{_validate.brief(probs)} of dtype {values.dtype}"))
    probs = values.astype(np.float64)
    if targets is not None:
        raw_targets = targets
        try:
            targets = np.asarray(targets)
        except ValueError:
            raise _validate.invalid("targets", "a rectangular array of integer indices",
                                    targets) from None
        if probs.ndim < 1 or targets.shape != probs.shape[:-1]:
            raise _validate.invalid("targets", f"an integer array of shape {probs.shape[:-1]}", f"shape {targets.shape}")
        if not np.issubdtype(targets.dtype, np.integer) or _has_bool(raw_targets) or (
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
