"""Where an article quotes someone: the spans of its quotations, over paragraphs too.

A quotation opens at “, « or „ (or a straight " after a space or bracket) and closes at the
next ”, » (or straight "). One still open at the end of its paragraph goes on when the next
quotation mark in the text closes it (a quotation over several paragraphs closed only at
its end, "…possible,” Abishev concluded.), or when the next paragraph opens with a quotation
mark (the convention for a quotation over several paragraphs); otherwise it ends with its
paragraph. It goes on over at most ``MAX_PARAGRAPHS`` paragraph ends.

Sentences inside a quotation that reaches beyond them are a speaker's words, not the
source's statement: the offline answerer never quotes them as if they were.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from rag.text.sentences import opens_quotation, segments

Span = tuple[int, int]

_OPENING = "“«„"
_CLOSING = "”»"
MAX_PARAGRAPHS = 8


def quotation_spans(text: str) -> list[Span]:
    """(open, close) of each quotation in ``text``, the closing mark included."""
    ends = [end for _, end in segments(text)]
    found: list[Span] = []
    opened: int | None = None
    last = 0  # the quotation's latest mark: its opening, or a paragraph's that goes on
    for at, opening in _marks(text):
        if opened is not None and not _goes_on(text, ends, (opened, last), at, opening):
            found.append((opened, _paragraph_end(ends, last, len(text))))
            opened = None
        if opening:
            opened = at if opened is None else opened
            last = at
        elif opened is not None:
            found.append((opened, at + 1))
            opened = None
    if opened is not None:
        found.append((opened, _paragraph_end(ends, last, len(text))))
    return found


def _paragraph_end(ends: Sequence[int], at: int, default: int) -> int:
    index = bisect.bisect_left(ends, at)
    return ends[index] if index < len(ends) else default


def _marks(text: str) -> list[tuple[int, bool]]:
    """(offset, opens) of each double quotation mark."""
    marks = []
    for at, char in enumerate(text):
        if char in _OPENING or char in _CLOSING:
            marks.append((at, char in _OPENING))
        elif char == '"':
            marks.append((at, opens_quotation(text, at)))
    return marks


def _goes_on(
    text: str, ends: Sequence[int], quotation: tuple[int, int], at: int, opening: bool
) -> bool:
    """Whether a quotation (opened, last mark) is still open at the mark at ``at``."""
    opened, last = quotation
    crossed = bisect.bisect_left(ends, at) - bisect.bisect_left(ends, last)
    if crossed == 0:
        return True
    if bisect.bisect_left(ends, at) - bisect.bisect_left(ends, opened) > MAX_PARAGRAPHS:
        return False
    if not opening:
        return True
    return crossed == 1 and not text[_paragraph_end(ends, last, at) : at].strip()


def inside_quotation(start: int, end: int, quotations: Sequence[Span]) -> bool:
    """Whether ``start:end`` lies, in part or whole, in a quotation that reaches beyond it."""
    return any(a < end and b > start and not (start <= a and b <= end) for a, b in quotations)
