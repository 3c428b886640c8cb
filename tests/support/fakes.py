"""The fake embedder: vectors that depend on the words of a text (a bag of hashed words), so
tests run without the model, and a log of what was embedded."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import ClassVar

from rag.embed.base import Vectors
from rag.settings import Settings


def text_vector(text: str, dims: int = 16) -> list[float]:
    """The unit vector of ``text``: each word, lower-cased, counted in the slot its MD5 picks."""
    vector = [0.0] * dims
    for word in text.lower().split():
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % dims] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


class FakeEmbedder:
    """``text_vector`` of each text, in ``dims`` dimensions, and a log of every batch.

    It is the ``fake`` embedding backend (``FakeEmbedder(settings)``, 16 dimensions: the
    vectors the fake OpenAI server gives too); ``FakeEmbedder(dims=64)`` is the one for
    support scoring and answering, where fewer words share a slot."""

    #: Every batch any fake embedder embedded in this test (the ``isolated`` fixture empties it).
    calls: ClassVar[list[list[str]]] = []

    def __init__(self, settings: Settings | None = None, dims: int = 16) -> None:
        self.name = f"fake:{settings.embedding_model}" if settings else "hash"
        self.dims = dims

    def embed(self, texts: Sequence[str]) -> Vectors:
        FakeEmbedder.calls.append(list(texts))
        return [text_vector(text, self.dims) for text in texts]


def embedded_texts() -> list[str]:
    """Every text embedded in this test, in order."""
    return [text for call in FakeEmbedder.calls for text in call]
