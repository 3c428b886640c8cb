"""Sentence boundaries with character offsets, and the words that carry meaning."""

from __future__ import annotations

import re
from collections.abc import Iterator

#: A sentence ends at . ! ? (optionally followed by closing quotes/brackets and citation
#: markers such as "[1][2]") before whitespace, or at a line break.
_END = re.compile(
    r"""[.!?…]+["'”’»)\]]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s|$)|\n+""",
)
#: Abbreviations after which a full stop does not end a sentence.
_ABBREVIATION_WORDS = (
    "mr mrs ms dr prof st mt jr sr gen col lt sgt gov sen rep pres vs etc inc ltd co corp "
    "no fig e.g i.e u.s u.k u.n jan feb mar apr jun jul aug sep sept oct nov dec"
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


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence in ``text``, whitespace trimmed, in order."""
    start = 0
    for match in _END.finditer(text):
        if match.group().startswith((".", "…")) and _after_abbreviation(text, match.start()):
            continue
        yield from _trimmed(text, start, match.end())
        start = match.end()
    yield from _trimmed(text, start, len(text))


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``."""
    return [text[a:b] for a, b in sentence_spans(text)]


def content_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` without stopwords or one-letter words."""
    words = (w.lower().replace("’", "'") for w in _WORD.findall(text))
    return [w for w in words if len(w) > 1 and w not in STOPWORDS and not w.isdigit()]


def _after_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"(\w+(?:\.\w+)*)$", text[max(0, dot - 12) : dot])
    if not word:
        return False
    token = word.group(1).lower()
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end
