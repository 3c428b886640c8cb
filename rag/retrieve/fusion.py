"""How the dense and BM25 rankings are combined: ``Fusion`` (the settings), ``rrf``
(weighted reciprocal rank fusion) and ``convex`` (a weighted sum of min-max normalised
scores). Pure arithmetic on scores by passage id: nothing here reads the index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Fusion:
    """How the two rankings are combined.

    ``rrf``: weighted reciprocal rank fusion of the two rankings. ``convex``: a weighted sum
    of both scores of every candidate (its cosine similarity and its BM25 score, each
    min-max normalised over the candidates), as compared by Bruch et al. (2022).
    """

    mode: str = "convex"
    rrf_k: float = 60.0
    bm25_weight: float = 1.0
    dense_weight: float = 1.0


def rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: float) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum of weight / (k + rank) over the rankings."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, pid in enumerate(ranking, start=1):
            scores[pid] = scores.get(pid, 0.0) + weight / (k + rank)
    return scores


def minmax(scores: dict[str, float]) -> dict[str, float]:
    """Scores rescaled to [0, 1] (all 1.0 when they are equal)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {pid: (score - low) / span if span > 0 else 1.0 for pid, score in scores.items()}


def convex(sides: Sequence[dict[str, float]], weights: Sequence[float]) -> dict[str, float]:
    """Weighted sum of min-max normalised scores; every side scores the same candidates."""
    fused: dict[str, float] = {}
    for scores, weight in zip(sides, weights, strict=True):
        for pid, value in minmax(scores).items():
            fused[pid] = fused.get(pid, 0.0) + weight * value
    return fused
