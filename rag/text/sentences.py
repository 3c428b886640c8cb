"""Sentence boundaries with character offsets, and the words that carry meaning.

Boundaries follow the text, not its line breaks. A line break ends a sentence only where
the line is not prose running on: a blank line, a Markdown heading, list item, table row or
rule, a title, byline or dateline (a short line with no final punctuation, followed by a
capitalised line). A soft-wrapped line (a full line of a hard-wrapped paragraph, or one
whose next line goes on in lower case, or which ends in "the", "of"…) runs on into the
next, as PDF text does. Within such a stretch a sentence ends at ``.``, ``!``, ``?`` or
``…`` (with closing quotes, brackets and citation markers) before whitespace, not after an
abbreviation or before a word in lower case ("at 3 a.m. on Tuesday"), and, with
``quotes_whole``, not inside a quotation that closes further on in the same paragraph ("We
did what we could. The water is receding," Reyes said. is one sentence), so that a
quotation keeps its attribution.

``flow`` gives the text of a span as it reads: whitespace collapsed and a word hyphenated at
a line end joined again.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

#: A sentence end: final punctuation, closing quotes/brackets, citation markers "[1][2]".
_END = re.compile(r"""[.!?…]+["'”’»)\]]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s|$)""")
#: Abbreviations after which a full stop does not end a sentence.
_ABBREVIATION_WORDS = (
    "mr mrs ms dr prof st mt jr sr gen col lt sgt gov sen rep pres vs etc inc ltd co corp "
    "no fig e.g i.e u.s u.k u.n jan feb mar apr jun jul aug sep sept oct nov dec approx"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
_STOPWORD_TEXT = """a about above after again against all am an and any are as at be because
    been before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves also said says say according"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

#: A line that is never part of a sentence running over lines: a Markdown heading, list
#: item, quote, table row or rule.
_BLOCK_LINE = re.compile(r"^\s*(?:#{1,6}\s|[-*+]\s|\d{1,3}[.)]\s|>|\||[-*_=]{3,}\s*$)")
#: Words a line of running prose can end in but a title or byline does not.
_RUN_ON_TEXT = """a an the of to in on at by for from with and or but nor that as into than its
    their his her our your this these those be is are was were has have had will would"""
_RUN_ON_WORDS = frozenset(_RUN_ON_TEXT.split())
#: A hard-wrapped paragraph: its lines (but the last) are at most this long, and most of
#: them at least ``FULL_LINE`` of the longest.
MAX_WRAP = 130
FULL_LINE = 0.7
#: A quotation longer than this (in words) is not kept in one sentence.
QUOTE_WORDS = 120
#: A word broken by a hyphen at a line end: "inter-\nnational".
HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_])-[ \t]*\n\s*(?=[a-z])")
#: First parts of compounds whose hyphen stays when they are joined again ("well-known").
_COMPOUND_HEAD_WORDS = "well self non ex all half cross so long short high low"
_COMPOUND_HEADS = frozenset(_COMPOUND_HEAD_WORDS.split())
_OPENING_QUOTES = "“«„"
_CLOSING_QUOTES = "”»"


def sentence_spans(text: str, quotes_whole: bool = True) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence in ``text``, whitespace trimmed, in order."""
    for first, last in segments(text):
        quotes = _quotations(text, first, last) if quotes_whole else []
        start = first
        for match in _END.finditer(text, first, last):
            if match.group().startswith((".", "…")) and _after_abbreviation(text, match.start()):
                continue
            if _goes_on(text, match.end(), last):
                continue
            if any(a < match.start() and match.end() <= b for a, b in quotes):
                continue
            yield from _trimmed(text, start, match.end())
            start = match.end()
        yield from _trimmed(text, start, last)


def split_sentences(text: str, quotes_whole: bool = True) -> list[str]:
    """The sentences of ``text``, as they read (see ``flow``)."""
    return [flow(text[a:b]) for a, b in sentence_spans(text, quotes_whole)]


def flow(text: str) -> str:
    """``text`` as it reads: a word hyphenated at a line end joined again, whitespace
    collapsed to single spaces."""
    kept, last = [], 0
    for start, end in hyphen_breaks(text):
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    return " ".join("".join(kept).split())


def hyphen_breaks(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of what joins a word hyphenated at a line end again: the hyphen and the
    line break, or only the line break after the head of a compound ("well-")."""
    for match in HYPHEN_BREAK.finditer(text):
        head = re.search(r"(\w+)$", text[max(0, match.start() - 20) : match.start()])
        keep = head is not None and head.group(1).lower() in _COMPOUND_HEADS
        yield match.start() + keep, match.end()


def segments(text: str) -> Iterator[tuple[int, int]]:
    """Stretches of ``text`` between line breaks that end whatever came before them."""
    for block in _blocks(text):
        width = _wrap_width(text, block)
        start = block[0][0]
        for (a, b), (c, d) in itertools.pairwise(block):
            if not _runs_on(text[a:b], text[c:d], width, first=a == block[0][0] and a == 0):
                yield start, b
                start = c
        yield start, block[-1][1]


def _blocks(text: str) -> Iterator[list[tuple[int, int]]]:
    """Runs of non-blank lines, as (start, end) of each line without its newline."""
    block: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            block.append((offset, offset + len(line)))
        elif block:
            yield block
            block = []
        offset += len(line) + 1
    if block:
        yield block


def _wrap_width(text: str, block: Sequence[tuple[int, int]]) -> int | None:
    """The width a hard-wrapped block is wrapped at, or None when it is not wrapped."""
    lengths = [len(text[a:b].strip()) for a, b in block[:-1]]
    if len(lengths) < 2 or max(lengths) > MAX_WRAP:
        return None
    width = max(lengths)
    full = sum(length >= FULL_LINE * width for length in lengths)
    return width if full * 3 >= len(lengths) * 2 else None


def _runs_on(line: str, following: str, width: int | None, first: bool) -> bool:
    """Whether the sentence at the end of ``line`` may go on in ``following``."""
    line, following = line.strip(), following.strip()
    if _BLOCK_LINE.match(line) or _BLOCK_LINE.match(following):
        return False
    last = line.rsplit(maxsplit=1)[-1]
    opens_low = following[:1].islower() or following[:1].isdigit()
    if last in _RUN_ON_WORDS or opens_low or line.endswith((",", "-")):
        return True
    if first or width is None:
        return False
    return len(line) >= FULL_LINE * width


def _quotations(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(open, close) offsets of the quotations that open and close within ``start:end``
    and are at most ``QUOTE_WORDS`` long."""
    found: list[tuple[int, int]] = []
    opened: int | None = None
    for i in range(start, end):
        char = text[i]
        straight = char == '"' and opened is None and opens_quotation(text, i)
        if char in _OPENING_QUOTES or straight:
            opened = i if opened is None else opened
        elif opened is not None and (char in _CLOSING_QUOTES or char == '"'):
            if len(text[opened:i].split()) <= QUOTE_WORDS:
                found.append((opened, i))
            opened = None
    return found


def opens_quotation(text: str, i: int) -> bool:
    """Whether a straight double quote at ``i`` opens a quotation."""
    before = text[i - 1 : i]
    after = text[i + 1 : i + 2]
    return (not before or before.isspace() or before in "([—–-") and bool(after.strip())


def content_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` without stopwords or one-letter words."""
    words = (w.lower().replace("’", "'") for w in _WORD.findall(text))
    return [w for w in words if len(w) > 1 and w not in STOPWORDS and not w.isdigit()]


def _goes_on(text: str, end: int, last: int) -> bool:
    """Whether the sentence goes on after a would-be end: the next word is in lower case
    ("at 3 a.m. on Tuesday", "on 31 March… if the buildings are safe", "“Where?” asked")."""
    following = text[end:last].lstrip()
    return following[:1].islower()


def _after_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"(\w+(?:\.\w+)*)$", text[max(0, dot - 12) : dot])
    if not word:
        return False
    token = word.group(1).lower()
    if token in _ABBREVIATIONS:
        return True
    before = text[dot - len(token) - 1 : dot - len(token)]
    return len(token) == 1 and token.isalpha() and before not in "'’"  # an initial, not "’s"


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end
