"""Gold files for evaluation runs, and quote matching tolerant of how text was typed.

A gold file is ``.jsonl``, one question per line: ``id``, ``question``, ``gold_quotes``
(exact text from the corpus that answers it; empty when the corpus cannot answer),
optional ``answer_keywords`` and ``answerable`` (default: whether there are gold quotes),
and the optional filters ``rag batch`` reads (``outlet``, ``article``, ``since``, ...).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.batch import Question, jsonl_rows, question_of
from rag.errors import RagError

_TYPOGRAPHIC = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "‛": "'",
        "ʼ": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "\u00ad": None,
        "\u200b": None,
    }
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class GoldItem:
    """One question of a gold file and what a right answer holds."""

    ask: Question
    gold_quotes: tuple[str, ...] = ()
    answer_keywords: tuple[str, ...] = ()
    answerable: bool = True
    #: Why the line could not be used ("" when it can).
    problem: str = field(default="")

    @property
    def id(self) -> str:
        return self.ask.id


def read_gold(path: Path) -> list[GoldItem]:
    """The questions of a gold file; a line that cannot be used is kept with its ``problem``,
    so it is reported rather than lost. Two lines with one id are refused."""
    if path.suffix.lower() != ".jsonl":
        raise RagError(f"{path}: a gold file must be .jsonl")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RagError(f"{path}: cannot read the gold file: {exc}") from None
    items = [_item(n, row) for n, row in jsonl_rows(text)]
    if not items:
        raise RagError(f"{path}: the gold file holds no questions")
    twice = sorted(qid for qid, count in Counter(item.id for item in items).items() if count > 1)
    if twice:
        raise RagError(f"{path}: ids used more than once: {', '.join(twice)}")
    return items


def _item(n: int, row: dict[str, Any] | str) -> GoldItem:
    ask = question_of(n, row)
    if isinstance(row, str) or ask.problem:
        return GoldItem(ask, problem=ask.problem)
    try:
        quotes = _strings(row, "gold_quotes")
        keywords = _strings(row, "answer_keywords")
        answerable = row.get("answerable", bool(quotes))
        if not isinstance(answerable, bool):
            raise ValueError("'answerable' must be true or false")
        if answerable and not quotes:
            raise ValueError("an answerable question needs gold_quotes")
    except ValueError as exc:
        return GoldItem(ask, problem=f"line {n}: {exc}")
    if not ask.question.strip():
        return GoldItem(ask, problem=f"line {n}: no question")
    return GoldItem(ask, quotes, keywords, answerable)


def _strings(row: dict[str, Any], key: str) -> tuple[str, ...]:
    value = row.get(key) or []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValueError(f"'{key}' must be a list of strings")
    return tuple(x for x in value if x.strip())


def normalise(text: str) -> str:
    """``text`` folded for comparison: typographic quotes, apostrophes and dashes made
    plain, soft hyphens dropped, whitespace collapsed, lower case."""
    return _SPACE.sub(" ", text.translate(_TYPOGRAPHIC)).strip().lower()


def contains(text: str, quote: str) -> bool:
    """Whether ``text`` holds ``quote``, however either was spaced or quoted."""
    return normalise(quote) in normalise(text)


def holds_any(text: str, quotes: Sequence[str]) -> bool:
    """Whether ``text`` holds any of ``quotes``."""
    folded = normalise(text)
    return any(normalise(quote) in folded for quote in quotes)
