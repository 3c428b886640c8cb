"""Whether what an answer presents as a source's words is in that source, word for word.

An extractive answer sentence is a quote of the passage it cites: it must occur there whole,
as one contiguous span of one cited passage. Any answer sentence's quotation ("…", “…”,
«…») of two words or more must occur in one of its cited passages. Comparison ignores case,
quote marks, brackets, whitespace and line breaks (a word hyphenated at a line end counts as
joined), and matches whole words only, so "publish a Reyes said" never matches a passage
that says "publish a" and, elsewhere, "Reyes said".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from rag.text.claims import normalised

#: A quotation inside an answer sentence.
_QUOTATION = re.compile(r"“([^”]+)”|«([^»]+)»|(?<![\w])\"([^\"]+)\"")
#: Shorter quotations (one word: a term in quotes) are not checked.
MIN_QUOTE_WORDS = 2
_EDGE = " .,;:!?…"
_SPACE_BEFORE_MARK = re.compile(r" ([.,;:!?…])")

NOT_IN_SOURCE = "not found word for word in the passage it cites"
QUOTE_NOT_IN_SOURCE = "its quotation is not found word for word in the passages it cites"


def occurs_in(words: str, passage: str) -> bool:
    """Whether ``words`` occur in ``passage`` as one run of whole words (a space before a
    punctuation mark, "Ukraine , citing", does not count)."""
    needle = _folded(words).strip(_EDGE)
    if not needle:
        return False
    folded = _folded(passage)
    found = folded.find(needle)
    while found >= 0:
        end = found + len(needle)
        if not folded[found - 1 : found].isalnum() and not folded[end : end + 1].isalnum():
            return True
        found = folded.find(needle, found + 1)
    return False


@functools.lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    """``text`` as compared (a passage is folded once, however many sentences it is checked
    for)."""
    return _SPACE_BEFORE_MARK.sub(r"\1", normalised(text)[0])


def quotations(sentence: str) -> list[str]:
    """The quotations of two words or more in ``sentence``."""
    found = ("".join(groups) for groups in _QUOTATION.findall(sentence))
    return [quote for quote in found if len(quote.split()) >= MIN_QUOTE_WORDS]


def misquote(sentence: str, passages: Sequence[str], whole: bool) -> str | None:
    """Why ``sentence`` misrepresents ``passages`` (its cited passages), or None when it does
    not: with ``whole`` (an extractive sentence) it must occur in one of them; in any case
    each of its quotations must."""
    if whole and not any(occurs_in(sentence, passage) for passage in passages):
        return NOT_IN_SOURCE
    for quote in quotations(sentence):
        if not any(occurs_in(quote, passage) for passage in passages):
            return QUOTE_NOT_IN_SOURCE
    return None
