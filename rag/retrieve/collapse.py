"""Near-duplicate passages collapsed into one hit (``collapse``), by the share of
``SHINGLE``-word runs they have in common. Works on hits already ranked; it neither ranks
nor reads the index."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.types import Hit

_WORD = re.compile(r"\w+")
SHINGLE = 5


def shingles(text: str) -> set[tuple[str, ...]]:
    """Overlapping runs of ``SHINGLE`` lower-cased words (the whole text when shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE:
        return {tuple(words)}
    return set(zip(*(words[i:] for i in range(SHINGLE)), strict=False))


def overlap(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """Share of the smaller passage's shingles found in the other (1.0: one contains the other)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def collapse(hits: Sequence[Hit], k: int, threshold: float) -> list[Hit]:
    """The first ``k`` hits that are not near-duplicates of a better one; duplicates become
    the better hit's ``also_in``."""
    kept: list[Hit] = []
    kept_shingles: list[set[tuple[str, ...]]] = []
    for hit in hits:
        these = shingles(hit.passage.text)
        twin = next(
            (i for i, other in enumerate(kept_shingles) if overlap(these, other) >= threshold),
            None,
        )
        if twin is not None:
            best = kept[twin]
            kept[twin] = Hit(
                best.passage, best.score, best.dense_rank, best.bm25_rank,
                (*best.also_in, hit.passage),
            )  # fmt: skip
        elif len(kept) < k:
            kept.append(hit)
            kept_shingles.append(these)
    return kept
