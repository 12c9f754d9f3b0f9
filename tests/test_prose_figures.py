"""Every figure a notebook's prose quotes from a run is printed by a code cell of that notebook.

CONTRIBUTING.md: "A figure in the prose is printed by a cell of that notebook and quoted from
it." A number in a markdown cell passes when it is

- printed by a code cell of the notebook (stream text, or the ``text/plain`` of an
  execute_result or display_data in the committed outputs), exactly or rounded to the
  prose's precision: "5.5" is 5.51 or 5.46 but not 5.6, "0.21" is 0.2093, "2,441" is
  2441.3, "52%" is 0.52 or 52.1%, and "some 80,000" (a round number) is 80,156;
- a constant of the lesson: a number literal of the notebook's code (``T = 1000``,
  ``units=256``, ``learning_rate=0.5``), also as a percentage ("10%" for ``0.1``), its
  complement ("the first 90%" for ``val_fraction=0.1``) or a margin ("within 10%" for
  ``ratio < 1.10``); in a paragraph that names another notebook ("notebook 04's target of
  6.5"), a literal of that notebook's code too;
- not a figure at all, and then it is not extracted: LaTeX math, links and URLs, HTML tags,
  list numbering, references to the text ("notebook 04", "Section 3", "exercises 2 and 3",
  "04 · Title"), software versions ("Python 3.11"), years (1800-2099), ISO dates, digits
  inside names (``float32``, ``rnn_1``, "2D"), and integers up to 10 (``SMALL_INTEGER``),
  which read as words ("3 epochs", "4-gram", "below 6") -- unless a unit or a sign marks them
  as measured ("3 s", "4x", "7%").

A measured figure of another notebook must be printed again where it is quoted: a reader
runs one notebook. Numbers that are none of these and that the rules cannot see (a fact from
outside the series, a name, a setting an exercise asks for) are listed in ``ALLOWED`` with a
reason, keyed by a phrase of the prose; an entry whose phrase is gone fails too, so the list
stays short. Pure JSON reading: no kernel, no network.
"""

import functools
import io
import json
import re
import tokenize
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))

# Per notebook: a phrase of its prose (matched with any run of whitespace as one space) -> why
# the numbers inside that phrase need no cell. Only numbers inside the phrase are exempt.
ALLOWED = {
    "02_tokenization": {
        "26 letters": "the English alphabet, not a measurement",
        "30,000 to 200,000 symbols": "vocabulary sizes of published language models",
    },
    "03_language_models": {
        "Generate 100 characters": "exercise setting",
        "had 36 tokens": "exercise setting",
    },
    "04_rnn": {
        "a learning rate of 0.02": "exercise setting",
    },
    "04_rnn_bptt": {
        "with `num_steps` 8 and 128": "exercise setting",
        "learning rates 0.001 and 0.005": "exercise setting",
    },
    "04_rnn_variable_length": {
        "year 802,701": "the year the Time Traveller reaches, quoted from the novel",
    },
    "08_deep_rnn": {
        "650–1,500 units": "Zaremba et al.'s model sizes",
    },
    "06_lstm_long_range": {
        "6,400 training sequences": "PER_EPOCH * BATCH = 100 * 64, constants of the lesson",
        "at lengths 10, 50 and 100": "exercise setting",
    },
    "06_lstm": {
        "with pieces of 256": "exercise setting",
        "with batches of 256": "exercise setting",
    },
    "09_stock_lab": {
        "to 20 and to 120": "exercise setting",
        "for 100 epochs": "exercise setting",
    },
    "10_ising_lab": {
        "2.214, 2.286 and 2.357 are never seen": "temperatures of the lesson's grid within GAP of T_c",
        "between 2.214 and 2.357": "temperatures of the lesson's grid within GAP of T_c",
        "24 random bits": "d2lite.ising's acceptance-test precision (_BITS), a constant of the package",
        "200 equilibration sweeps": "the default of ising.dataset, a constant of the package",
    },
    "11_encoder_decoder": {
        "*four hundred two* → `402`": "an example of the task (the doctest of seq2seq.encode_pairs)",
        "with 16, 32 and 128 units": "exercise setting",
        "with 16 units beat no attention with 128": "exercise setting",
    },
}

SMALL_INTEGER = 10  # integers 0..10 written as digits read as words ("3 epochs", "below 6")


# --------------------------------------------------------------------------------------------
# Numbers as written, and when a printed number or a literal backs a prose figure


@dataclass(frozen=True)
class Number:
    """A number as written in prose: absolute value, resolution, percent, place in the text.

    ``decimals`` counts the digits after the point; a round integer with ``z`` trailing
    zeros ("80,000") has ``decimals = -z``, since it may be a rounded figure.
    """

    text: str
    value: Decimal
    decimals: int
    percent: bool = False
    start: int = 0
    end: int = 0


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_MULTIPLIERS = {"thousand": 3, "million": 6, "billion": 9, "k": 3, "K": 3, "M": 6}


def parse_digits(digits, exponent=0):
    """(value, decimals) of "2,441", "0.2093", "10_000" or "80000", times 10**exponent."""
    digits = digits.replace(",", "").replace("_", "")
    whole, _, fraction = digits.partition(".")
    if fraction:
        decimals = len(fraction)
    else:
        decimals = -(len(whole) - len(whole.rstrip("0"))) if whole.strip("0") else 0
    return Decimal(digits).scaleb(exponent), decimals - exponent


# A prose number: digits (thousands separated by "," or "_"), an optional exponent ("1.5e-05",
# "3 × 10⁻⁵", "4·10^-8", "10⁻³"), then a percent sign or a multiplier word ("21 million", "80k").
# A letter right after it makes it part of a name ("2D", "3x3", "32bit") unless it is an
# ordinal or a unit ("95th", "3.3s", "4x").
_PROSE_NUMBER = re.compile(
    r"""
    (?<![\w.,])
    (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:_\d{3})+|\d+(?:\.\d+)?)
    (?:[eE](?P<e>[-+]?\d+)
      |(?:(?<=^10)|(?<=\D10)|\s?[×x·⋅*]\s?10)                 # 10⁻³ or 3 × 10⁻³
       (?:\^\{?(?P<caret>[-+−]?\d+)\}?|(?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?
    (?P<percent>\s?%|\s(?:percent|per\ cent)\b)?
    (?P<mult>\s(?:thousand|million|billion)\b|[kKM]\b)?
    (?P<after>[A-Za-z_]\w*|\.\d|,\d|\d)?
    """,
    re.VERBOSE,
)
_ORDINAL_OR_UNIT = re.compile(r"st|nd|rd|th|x|s|ms|min|h")


def numbers_in(text):
    """The numbers written in prose ``text``, as :class:`Number`, left to right."""
    found = []
    for m in _PROSE_NUMBER.finditer(text):
        if m.group("after") and not _ORDINAL_OR_UNIT.fullmatch(m.group("after")):
            continue
        if m.group("e"):
            exponent = int(m.group("e"))
        elif m.group("caret"):
            exponent = int(m.group("caret").replace("−", "-"))
        elif m.group("sup"):
            exponent = int(m.group("sup").translate(_SUPERSCRIPTS))
        else:
            exponent = 0
        if m.group("mult"):
            exponent += _MULTIPLIERS[m.group("mult").strip()]
        digits = m.group("digits")
        if (m.group("caret") or m.group("sup")) and not re.search(r"[×x·⋅*]", m.group(0)):
            digits = "1"  # a bare power of ten: 10⁻³ is 1 × 10⁻³
        value, decimals = parse_digits(digits, exponent)
        found.append(Number(m.group(0).strip(), value, decimals, bool(m.group("percent")),
                            m.start(), m.end()))
    return found


def printed_numbers(text):
    """Every number in printed output as (value, decimals, percent), read generously: digits
    inside names count ("(28, 256)", "rnn_1"), and "1,234" is 1234 as well as 1 and 234."""
    found = set()
    for m in re.finditer(r"(\d+(?:\.\d+)?)(?:[eE]([-+]?\d+))?(\s?%)?", text):
        found.add((*parse_digits(m.group(1), int(m.group(2) or 0)), bool(m.group(3))))
    for m in re.finditer(r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?)(?!\d)(\s?%)?", text):
        found.add((*parse_digits(m.group(1)), bool(m.group(2))))
    return found


def backs(figure, printed):
    """Whether a printed (value, decimals, percent) is the prose figure, exactly or rounded.

    Rounded means: printed at least as precisely as the prose, and within half a unit of the
    prose's last digit. A round integer ("80,000") may be rounded to its last non-zero digit,
    but by at most a tenth of it. A percentage is a printed percentage or fraction (52% is
    52.1% or 0.52, not a printed 52); a plain figure may be a printed percentage (0.73 is 73.2%).
    Trailing zeros are the prose's own ("0.50" is a printed 0.5, but "3.0" is no printed 3).
    """
    value, decimals, percent = printed
    if figure.percent:
        candidates = [(value, decimals)] if percent else [(value * 100, decimals - 2)]
    else:
        candidates = [(value / 100, decimals + 2)] if percent else [(value, decimals)]
    tolerance = Decimal(5).scaleb(-figure.decimals - 1)
    if figure.decimals < 0:
        tolerance = min(tolerance, figure.value / 10)
    return any(abs(v - figure.value) <= tolerance and d >= figure.decimals
               or v == figure.value and (d > 0 or figure.decimals <= 0) for v, d in candidates)


def is_constant(figure, constants):
    """Whether the figure is a number literal of the code: itself, or a percentage as a
    fraction ("10%" for 0.1), as the complement of a split ("the first 90%" for 0.1, "5%" for
    the 95th percentile) or as a margin ("within 10%" for ``< 1.1 * x``)."""
    if figure.value in constants:
        return True
    p = figure.value
    return figure.percent and any(v in constants for v in (p / 100, 100 - p, 1 - p / 100, 1 + p / 100))


# --------------------------------------------------------------------------------------------
# Markdown: the parts whose numbers are not figures are blanked out with spaces (the same
# length, so offsets into the blanked text point into the cell's source).

_NUMBER_LIST = r"\d+(?:\.\d+)*[a-z]?\b(?:\s*(?:,\s*and|,|and|or|to|–|-|/|&)\s*\d+(?:\.\d+)*[a-z]?\b)*"
_REFERENCE = re.compile(
    r"(?<![\w-])(?:notebooks?|sections?|§|chapters?|equations?|eqs?\.|exercises?|figures?|figs?\."
    r"|cells?|lectures?|slides?|lessons?|parts?|appendix|questions?|tables?|pages?|pp?\."
    r"|python|keras|tensorflow|jax|jaxlib|numpy|pytorch|torch|pandas|matplotlib|scikit-learn"
    r"|ipython|jupyterlab|jupyter|cuda|cudnn|nbval|yfinance|versions?|release)"
    rf"[\s~]+(?P<numbers>{_NUMBER_LIST})",
    re.IGNORECASE,
)
# $$...$$, $...$, \(...\), \[...\], \begin{env}...\end{env}
_MATH = re.compile(r"\$\$.+?\$\$|\$.+?\$|\\\(.+?\\\)|\\\[.+?\\\]|\\begin\{(\w+\*?)\}.+?\\end\{\1\}",
                   re.DOTALL)
_NOT_FIGURES = [
    # [text](url), ![alt](src), [text][ref], [ref]: url
    re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\([^)]*\)|!?\[[^\]]*\]\[[^\]]*\]|^\s*\[[^\]]+\]:.*$",
               re.MULTILINE),
    re.compile(r"<?(?:https?|ftp)://[^\s)>]+>?|\bwww\.[^\s)]+|\b(?:arXiv|doi):\s?\S+", re.IGNORECASE),
    re.compile(r"<[A-Za-z/!][^>]*>|&#?\w+;"),  # HTML tags and entities
    re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b"),  # commit hashes
    re.compile(r"^#{1,6}\s+\d+(?:\.\d+)*\s*(?:·|\s)", re.MULTILINE),  # "## 5.1 From scratch"
    re.compile(r"(?<!\d)\d\d\s?·"),  # "04 · Recurrent neural networks"
    re.compile(r"(?<!\d)(?:\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{1,2}:\d{2})(?!\d)"),  # dates
    re.compile(r"(?<![\w.,])(?:1[89]|20)\d\d(?:s\b|–(?:1[89]|20)?\d\d)?(?![\w%×]|[.,]\d|\s[%×])"),
]


def _blank(text, start, end):
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _list_numbers(markdown):
    """Spans of ordered-list markers ("1. ", "12) "): a line that starts with one after a blank
    line, at the start, or inside a list. (In a wrapped paragraph, "17. Then" is a sentence's
    end, as CommonMark reads it, unless it is 1.)"""
    spans, in_list, previous_blank = [], False, True
    offset = 0
    for line in markdown.splitlines(keepends=True):
        m = re.match(r"(\s*)(?:[-*+]\s+)?\(?(\d+)[.)](?=\s)", line)
        if m and (previous_blank or in_list or m.group(2) == "1"):
            spans.append((offset + len(m.group(1)), offset + m.end()))
            in_list = True
        elif not line.strip():
            pass
        elif not (in_list and (line[:1].isspace() or re.match(r"\s*[-*+]\s", line))):
            in_list = bool(re.match(r"\s*[-*+]\s", line))  # a paragraph ends the list
        previous_blank = not line.strip()
        offset += len(line)
    return spans


def prose_of(markdown):
    """The markdown with every part whose numbers are not figures blanked out.

    Code spans and fenced blocks stay (their numbers are checked like prose: a literal of
    the code passes), but a ``$`` inside them does not start math.
    """
    masked = markdown
    for m in re.finditer(r"^(```|~~~).*?^\1|(`+)(?:(?!\n\n).)+?\2", markdown, re.DOTALL | re.MULTILINE):
        masked = masked[:m.start()] + "\0" * (m.end() - m.start()) + masked[m.end():]
    masked = masked.replace("\\$", "\0\0")  # an escaped dollar is a currency sign
    text = markdown
    for m in _MATH.finditer(masked):
        text = _blank(text, *m.span())
    for start, end in _list_numbers(text):
        text = _blank(text, start, end)
    for pattern in _NOT_FIGURES:
        for m in pattern.finditer(text):
            text = _blank(text, *m.span())
    for m in _REFERENCE.finditer(text):  # keep the word, blank the numbers
        text = _blank(text, *m.span("numbers"))
    return text


def figures_of(markdown):
    """The numbers of a markdown cell that a cell's output or the code must back."""
    prose = prose_of(markdown)
    figures = []
    for number in numbers_in(prose):
        unit = re.match(r"\s?(?:s|ms|min|h|seconds?|minutes?|hours?|x|×(?!\s?\d))(?!\w)",
                        prose[number.end:]) or re.search(r"\d(?:x|s|ms|min|h)$", number.text)
        word = re.fullmatch(r"\d+(?:st|nd|rd|th)?", number.text) and number.value <= SMALL_INTEGER
        if unit or not word:
            figures.append(number)
    return figures


def sentence_span(markdown, start, end):
    """(start, end) of the sentence, list item or paragraph around markdown[start:end]."""
    left = max(markdown.rfind(sep, 0, start) + len(sep) if markdown.rfind(sep, 0, start) >= 0 else 0
               for sep in (". ", ".\n", "? ", "! ", "\n\n", "\n- ", "\n* ", ": "))
    rights = [i + 1 for sep in (". ", ".\n", "? ", "! ", "\n\n") if (i := markdown.find(sep, end)) >= 0]
    return left, min(rights, default=len(markdown))


def paragraph_span(markdown, start, end):
    """(start, end) of the paragraph or list item around markdown[start:end]."""
    lefts = [m.end() for m in re.finditer(r"\n\s*\n|\n\s*(?:[-*+]|\d+[.)])\s", markdown[:start])]
    right = re.search(r"\n\s*\n|\n\s*(?:[-*+]|\d+[.)])\s", markdown[end:])
    return (lefts[-1] if lefts else 0), (end + right.start() if right else len(markdown))


def snippet(markdown, start, end, width=110):
    """The sentence around markdown[start:end], whitespace collapsed, about ``width`` long."""
    left, right = sentence_span(markdown, start, end)
    sentence = " ".join(markdown[left:right].split())
    if len(sentence) <= width:
        return sentence
    at = len(" ".join(markdown[left:start].split()))
    lo = max(0, min(at - width // 2, len(sentence) - width))
    return ("…" if lo else "") + sentence[lo:lo + width] + ("…" if lo + width < len(sentence) else "")


def notebooks_named(text):
    """The two-digit numbers of the notebooks a sentence names: "notebook 03's", "notebooks
    05 and 06", "notebooks 04–06"."""
    named = set()
    for m in re.finditer(rf"\bnotebooks?\s+(?P<numbers>{_NUMBER_LIST})", text, re.IGNORECASE):
        numbers = m.group("numbers")
        for a, b in re.findall(r"(\d+)\s*(?:–|-|to)\s*(\d+)", numbers):
            named.update(f"{n:02d}" for n in range(int(a), int(b) + 1))
        named.update(f"{int(n):02d}" for n in re.findall(r"\d+", numbers))
    return named


# --------------------------------------------------------------------------------------------
# Notebooks


def _text(value):
    return "".join(value) if isinstance(value, list) else value


def code_constants(code):
    """The absolute values of the number literals of Python code (not in comments or strings)."""
    values = set()
    source = "\n".join(line for line in code.splitlines() if not re.match(r"\s*[%!]", line))
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source + "\n").readline):
            if tok.type == tokenize.NUMBER and not tok.string.lower().endswith("j"):
                literal = tok.string.replace("_", "")
                if re.fullmatch(r"0[xob][\da-f]+", literal, re.IGNORECASE):
                    values.add(Decimal(int(literal, 0)))
                else:
                    values.add(Decimal(literal))
    except (tokenize.TokenError, IndentationError, SyntaxError):  # not Python: read it as text
        values.update(Decimal(m.replace("_", "")) for m in
                      re.findall(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?", code))
    return values


def outputs_text(cell):
    """What a code cell printed: stream text and the text/plain of its results and displays."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(_text(out["text"]))
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append(_text(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@dataclass(frozen=True)
class Evidence:
    """What a notebook's code holds: its number literals and the numbers it printed."""

    constants: frozenset
    printed: frozenset

    @classmethod
    def of(cls, nb):
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        return cls(frozenset().union(*(code_constants(_text(c["source"])) for c in code)),
                   frozenset().union(*(printed_numbers(outputs_text(c)) for c in code)))

    def backs(self, figure):
        return is_constant(figure, self.constants) or any(backs(figure, p) for p in self.printed)


@dataclass(frozen=True)
class Violation:
    notebook: str
    cell: int
    number: str
    sentence: str
    note: str = ""

    def __str__(self):
        note = f" ({self.note})" if self.note else ""
        return f"{self.notebook}, markdown cell {self.cell}: {self.number!r} in “{self.sentence}”{note}"


def check_notebook(nb, name, allowed=None, others=None):
    """(violations, allowed phrases that exempt nothing) of one notebook's JSON.

    ``others(nn)`` gives the :class:`Evidence` of notebook ``nn`` ("03"), or None. A phrase
    of ``allowed`` exempts nothing when it is gone or when its numbers are backed anyway.
    """
    allowed = ALLOWED.get(name, {}) if allowed is None else allowed
    others = others or (lambda nn: None)
    own = Evidence.of(nb)
    violations, needed = [], set()
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        markdown = _text(cell["source"])
        exempt = [(m.start(), m.end(), phrase) for phrase in allowed
                  for m in re.finditer(r"\s+".join(map(re.escape, phrase.split())), markdown)]
        for figure in figures_of(markdown):
            if own.backs(figure):
                continue
            left, right = paragraph_span(markdown, figure.start, figure.end)
            named = notebooks_named(markdown[left:right]) - {name[:2]}
            evidence = [(nn, others(nn)) for nn in sorted(named)]
            if any(e is not None and is_constant(figure, e.constants) for _, e in evidence):
                continue  # a setting of the notebook the paragraph names
            phrases = [p for s, e, p in exempt if s <= figure.start and figure.end <= e]
            if phrases:
                needed.update(phrases)
                continue
            printed_by = [nn for nn, e in evidence if e is not None and e.backs(figure)]
            note = f"printed by notebook {', '.join(printed_by)}, not by this one" if printed_by else ""
            violations.append(Violation(name, index, figure.text,
                                        snippet(markdown, figure.start, figure.end), note))
    return violations, sorted(set(allowed) - needed)


@functools.cache
def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def _evidence_of_notebook(nn):
    paths = [p for p in NOTEBOOKS if p.name.startswith(f"{nn}_")]
    return Evidence.of(_load(paths[0])) if paths else None


# --------------------------------------------------------------------------------------------
# The notebooks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_figures_are_printed(path):
    violations, _ = check_notebook(_load(path), path.stem, others=_evidence_of_notebook)
    if violations:
        pytest.fail(
            f"{len(violations)} number(s) in the prose of {path.name} that no code cell prints "
            "and the code does not hold. Print each and quote the output (rounded is fine), or, "
            "for a number that is not a measurement, add its phrase to ALLOWED in "
            "tests/test_prose_figures.py with a reason:\n" + "\n".join(f"  {v}" for v in violations),
            pytrace=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_allowed_phrases_still_occur(path):
    _, unused = check_notebook(_load(path), path.stem, others=_evidence_of_notebook)
    assert not unused, (f"ALLOWED[{path.stem!r}]: {unused} no longer exempt a number that needs it "
                        "(the phrase is gone, or its numbers are printed now): remove them")


def test_allow_list_is_well_formed():
    assert set(ALLOWED) <= {p.stem for p in NOTEBOOKS}, set(ALLOWED) - {p.stem for p in NOTEBOOKS}
    for name, phrases in ALLOWED.items():
        for phrase, reason in phrases.items():
            assert figures_of(phrase), f"ALLOWED[{name!r}][{phrase!r}] holds no figure"
            assert reason.strip(), f"ALLOWED[{name!r}][{phrase!r}] gives no reason"


# --------------------------------------------------------------------------------------------
# The checker itself


def _figure(text):
    (figure,) = figures_of(text)
    return figure


@pytest.mark.parametrize("prose, printed", [
    ("5.5", "5.51"), ("5.5", "5.46"), ("5.5", "5.5"), ("5.5", "5.55"), ("0.21", "0.2093"),
    ("2,441", "2441.3"), ("2,441", "2441"), ("52%", "0.52"), ("52%", "52.1%"), ("52%", "0.5213"),
    ("0.73", "73.2%"), ("0.73", "73%"), ("50%", "50.0%"), ("52%", "0.52 accuracy"),
    ("some 80,000", "80,156 parameters"), ("156,000", "(156084,)"), ("0.50", "0.5"), ("17", "16.73"),
    ("0.00053", "5.3e-04"), ("1.5e-05", "1.5e-05"), ("3.3 s", "3.3 s elapsed"),
    ("21 million", "21,023,140 cells"), ("10_000", "10000"),
])
def test_printed_number_backs_the_figure(prose, printed):
    figure = _figure(prose)
    assert any(backs(figure, p) for p in printed_numbers(printed)), (prose, printed)


@pytest.mark.parametrize("prose, printed", [
    ("5.5", "5.6"), ("5.5", "5.44"), ("0.21", "0.2"), ("2,441", "2442"), ("52%", "0.53"),
    ("52.1%", "0.52"), ("80,000", "86,000"), ("100", "89"), ("5.46", "5.5"), ("21 million", "21"),
    ("52%", "52 of 100"), ("3.0", "(3, 64)"), ("0.732", "73%"),
])
def test_printed_number_does_not_back_the_figure(prose, printed):
    figure = _figure(prose)
    assert not any(backs(figure, p) for p in printed_numbers(printed)), (prose, printed)


@pytest.mark.parametrize("text, value, decimals, percent", [
    ("reached 2,441 steps", "2441", 0, False), ("some 80,000 parameters", "80000", -4, False),
    ("52% of the time", "52", 0, True), ("0.8 % of the index", "0.8", 1, True),
    ("about 1.5e-05", "0.000015", 6, False), ("below 4 × 10⁻⁸", "4E-8", 8, False),
    ("21 million cells", "21000000", -6, False), ("`vocab_size=10_000`", "10000", -4, False),
    ("the 95th percentile", "95", 0, False), ("5.5x faster", "5.5", 1, False),
    ("below 10⁻³ of it", "0.001", 3, False), ("about 10^4 steps", "10000", -4, False),
])
def test_numbers_are_read_as_written(text, value, decimals, percent):
    figure = _figure(text)
    assert (figure.value, figure.decimals, figure.percent) == (Decimal(value), decimals, percent)


@pytest.mark.parametrize("markdown", [
    "the state $x_{t-1}$ after $T = 1000$ steps",
    "$$\\mathrm{PPL} = \\exp(-\\tfrac{1}{N} \\sum_{t=1}^{N} \\log p_t) \\approx 17.3$$",
    "\\(h = 256\\) units and \\begin{align} a &= 0.93 \\end{align}",
    "as in notebook 14, Section 13.2 and notebooks 15 and 16 (exercises 12 and 13; notebooks 14–16)",
    "[04 · Recurrent neural networks](04_rnn.ipynb) and ![plot](figures/loss_123.png)",
    "see https://arxiv.org/abs/1409.0473 or arXiv:1412.3555",
    "# 14 · Recurrent neural networks",
    "## 15.1 From scratch",
    "1. (Easy) first\n2. second\n12. twelfth",
    "GRUs (Cho et al., 2014) and LSTMs (1997), in the 1990s, from 1999-01-04 to 2018-12-31",
    "the snapshot `^GSPC_1999-01-04_2018-12-31.csv` at 09:30",
    "`float32` weights of `rnn_1`, a 2D lattice, 3x3 blocks, Python 3.11 and TensorFlow 2.16.1",
    "3 epochs of a 4-gram model with 2 layers, below 6 and 10 times",
    '<img src="a.png" width="400"> &#8594;',
    "the install cell pins commit 3974e83 (`8632f94`)",
    "Two ways:\n\n11. first\n    wrapped inside\n12. second",
])
def test_what_is_not_a_figure(markdown):
    assert figures_of(markdown) == [], [f.text for f in figures_of(markdown)]


@pytest.mark.parametrize("markdown, expected", [
    ("it takes 3 s per epoch", ["3"]),
    ("4x faster and 7% better", ["4x", "7%"]),
    ("perplexity 5.67 after 12 epochs", ["5.67", "12"]),
    ("with `units=512` and `lr = 0.02`", ["512", "0.02"]),
    ("costs \\$151.20 a share", ["151.20"]),
    ("the year 802,701, in 2,015 steps", ["802,701", "2,015"]),
    ("lattices of 32×32", ["32", "32"]),
    ("the perplexity falls to\n17. Then it rises", ["17"]),  # a wrapped line, not a list
])
def test_what_is_a_figure(markdown, expected):
    assert [f.text for f in figures_of(markdown)] == expected


def test_code_constants_are_literals_of_the_code():
    code = "T, h = 1000, 256  # 999 in a comment\nlr = -0.5e-1\nn = 1_000 + 0x10\nprint('123')\n%time x = 7"
    assert code_constants(code) == {Decimal(v) for v in ("1000", "256", "0.05", "1000", "16")}
    assert Decimal(42) in code_constants("def f(:\n    return 42")  # not Python: read as text


def test_percent_constants():
    constants = {Decimal("0.1"), Decimal(95)}
    assert is_constant(_figure("the last 10%"), constants)
    assert is_constant(_figure("the first 90%"), constants)  # the complement of a split
    assert is_constant(_figure("5% of the sentences"), constants)  # the 95th percentile cuts 5%
    assert is_constant(_figure("within 10%"), {Decimal("1.10")})  # assert ratio < 1.10
    assert not is_constant(_figure("80%"), constants)


def test_notebooks_named():
    assert notebooks_named("notebook 03's counted models") == {"03"}
    assert notebooks_named("notebooks 05 and 06, and notebooks 04–06") == {"04", "05", "06"}
    assert notebooks_named("the 4-gram model and 5 notebooks") == set()


def _notebook(*cells):
    def cell(kind, source, output=None):
        c = {"cell_type": kind, "source": source}
        if kind == "code":
            c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [output]}] if output else []
        return c
    return {"cells": [cell(*c) for c in cells]}


def test_check_notebook_names_cell_number_and_sentence():
    nb = _notebook(
        ("markdown", "# 04 · Title\n\nWe train for 20 epochs."),
        ("code", "epochs = 20\nprint(f'perplexity {ppl:.2f}')", "perplexity 5.67\n"),
        ("markdown", ["The held-out perplexity falls to 5.7. ",
                      "Notebook 03's 4-gram reached 5.45 and its target was 6.5, ",
                      "while the RNN has some 80,000 parameters."]),
        ("markdown", "In the year 802,701 the Eloi live on; a 3 s epoch."),
    )
    others = {"03": Evidence(frozenset({Decimal("6.5")}), frozenset(printed_numbers("5.45")))}.get
    allowed = {"year 802,701": "the novel", "gone 1,234": "stale", "for 20 epochs": "printed anyway"}
    violations, unused = check_notebook(nb, "04_rnn", allowed=allowed, others=others)
    assert [(v.cell, v.number) for v in violations] == [(2, "5.45"), (2, "80,000"), (3, "3")]
    assert unused == ["for 20 epochs", "gone 1,234"]
    message = str(violations[0])
    assert message.startswith("04_rnn, markdown cell 2: '5.45' in “Notebook 03's 4-gram reached 5.45")
    assert "printed by notebook 03, not by this one" in message
    assert "some 80,000 parameters" in str(violations[1])


def test_notebooks_are_found():
    assert NOTEBOOKS and all(re.fullmatch(r"\d\d_\w+", p.stem) for p in NOTEBOOKS)


def test_a_named_notebook_lends_its_settings_to_its_paragraph_only():
    markdown = "Notebook 04 trained the RNN. Its 60 steps were enough.\n\nHere 60 steps are not."
    nb = _notebook(("markdown", markdown), ("code", "T = 35", None))
    others = {"04": Evidence(frozenset({Decimal(60)}), frozenset())}.get
    violations, _ = check_notebook(nb, "06_lstm", allowed={}, others=others)
    assert [(v.cell, v.number, v.sentence) for v in violations] == [(0, "60", "Here 60 steps are not.")]
