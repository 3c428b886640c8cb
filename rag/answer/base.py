"""Answerers behind one interface: an LLM (OpenAI-compatible) or the offline extractive one."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from rag.settings import Settings
from rag.types import Hit

#: Unit-length vectors of texts, one row each.
Embed = Callable[[Sequence[str]], NDArray[np.float32]]
#: A conversation as OpenAI-style messages: {"role": "user" | "assistant", "content": ...}.
History = Sequence[Mapping[str, str]]


class Answerer(Protocol):
    """Writes an answer whose citations [n] refer to ``hits[n - 1]``."""

    #: "llm" or "extractive".
    mode: str
    #: The model behind the answers, for display.
    model: str

    def answer(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        """The answer text in pieces, as they are produced."""
        ...

    def condense(self, question: str, history: History) -> str:
        """``question`` rewritten to stand alone, given the conversation before it."""
        ...


def create_answerer(settings: Settings, embed: Embed) -> Answerer:
    """An LLM answerer when an endpoint is configured, else the extractive one (which
    embeds sentences with ``embed``)."""
    if settings.llm_configured:
        from rag.answer.llm import LLMAnswerer

        return LLMAnswerer(settings)
    from rag.answer.extractive import ExtractiveAnswerer

    return ExtractiveAnswerer(settings, embed)


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
