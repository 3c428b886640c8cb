"""The offline rule for follow-up questions: whether a question leans on the conversation
before it, and the standalone question made by joining it to the user's previous one.

This module owns that rule and its patterns; it must not call a model or import an
answerer, since the extractive answerer (and anything offline) builds on it.
"""

from __future__ import annotations

import re

from rag.answer.base import History

_FOLLOW_UP_START = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what|why|what else|anything else)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(
    r"\b(he|she|they|him|her|them|his|hers|their|it|its|this|that|these|those|there)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}")


def is_follow_up(question: str) -> bool:
    """Whether ``question`` leans on what came before (offline rule).

    A follow-up starts with a connective ("and", "what about"), or refers back with a
    pronoun while naming nothing itself, or is too short to stand alone.
    """
    words = question.split()
    if _FOLLOW_UP_START.match(question) or len(words) <= 3:
        return True
    return bool(_PRONOUN.search(question)) and not _NAME.search(question)


def condense_offline(question: str, history: History) -> str:
    """A follow-up joined to the user's previous question; a standalone one unchanged."""
    previous = [m["content"] for m in history if m.get("role") == "user" and m.get("content")]
    if not previous or not is_follow_up(question):
        return question
    return f"{previous[-1].strip()} {question.strip()}"
