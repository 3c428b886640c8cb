"""Passages and search hits made from bare texts, for checking answers without an index."""

from __future__ import annotations

from rag.types import Hit, Passage


def passage(text: str, pid: str = "p") -> Passage:
    """A passage of one article whose whole text is ``text``."""
    return Passage(pid, "article", 0, text, 0, len(text), "source.md")


def hits_of(*texts: str) -> list[Hit]:
    """One hit per text, numbered p1, p2, ... in order."""
    return [Hit(passage(text, f"p{i}"), 1.0) for i, text in enumerate(texts, start=1)]
