"""The one interface every answerer meets, and the types answerers share.

This module owns the ``Answerer`` protocol and the ``Embed`` and ``History`` types; it must
not import any answerer, the chat client or anything else in ``rag.answer``, so that every
module of the stage can import it without an import circle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

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
