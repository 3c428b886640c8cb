"""Hybrid retrieval: dense and BM25 over one snapshot of the index, fused (by default a convex
combination of normalised scores, or reciprocal rank fusion), near-duplicate passages
collapsed into one.

llama-index's ``QueryFusionRetriever`` does the same fusion, but through asyncio and its
node wrappers, and it cannot push our filters into BM25; fusion is a few lines here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.embed.base import Embedder
from rag.index.snapshot import Sidecar
from rag.index.store import Store
from rag.settings import Settings
from rag.types import Filters, Hit, Passage

_WORD = re.compile(r"\w+")
SHINGLE = 5


Scored = Sequence[tuple[str, float]]


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


class Retriever:
    """Dense + BM25 retrieval over one store."""

    def __init__(self, store: Store, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = settings.candidates
        self.top_k = settings.top_k
        self.duplicate_threshold = settings.duplicate_threshold
        self.fusion = Fusion(
            mode=settings.fusion, rrf_k=settings.rrf_k, bm25_weight=settings.bm25_weight
        )
        self._sidecar: Sidecar | None = None

    def refresh(self) -> None:
        """Forget the loaded snapshot; the next question loads the current one."""
        self._sidecar = None

    def snapshot(self) -> Sidecar:
        """The passages to answer one question from: as of the last complete ingest."""
        self._sidecar = self.store.sidecar(self._sidecar)
        return self._sidecar

    def dense(self, query: str, n: int, filters: Filters | None = None) -> list[Passage]:
        """The ``n`` passages nearest to the query's embedding."""
        return [p for p, _ in self.dense_scored(query, n, filters)]

    def dense_scored(
        self, query: str, n: int, filters: Filters | None = None
    ) -> list[tuple[Passage, float]]:
        """The ``n`` passages nearest to the query's embedding, with cosine similarities."""
        snapshot = self.snapshot()
        vector = np.asarray(self.embedder.embed([query])[0], dtype=np.float32)
        nearest = snapshot.nearest(vector, n, filters)
        found = snapshot.get([pid for pid, _ in nearest])
        return [(found[pid], score) for pid, score in nearest]

    def bm25(self, query: str, n: int, filters: Filters | None = None) -> list[str]:
        """Ids of the ``n`` best BM25 passages."""
        return [pid for pid, _ in self.snapshot().search(query, n, filters)]

    def retrieve(
        self, query: str, k: int | None = None, filters: Filters | None = None
    ) -> list[Hit]:
        """The top ``k`` passages for ``query``, fused, duplicates collapsed, best first."""
        k = k or self.top_k
        n = max(self.candidates, k)
        snapshot = self.snapshot()
        vector = np.asarray(self.embedder.embed([query])[0], dtype=np.float32)
        dense = snapshot.nearest(vector, n, filters)
        bm25_scores = snapshot.scores(query, filters)
        sparse = snapshot.top(bm25_scores, n)
        if self.fusion.mode == "convex":
            scores = self.convex_scores(snapshot, vector, dense, bm25_scores, sparse)
        else:
            scores = self._rrf(dense, sparse)
        order = sorted(scores, key=lambda pid: -scores[pid])[: 3 * k]
        found = snapshot.get(order)
        dense_rank = {pid: i for i, (pid, _) in enumerate(dense, start=1)}
        bm25_rank = {pid: i for i, (pid, _) in enumerate(sparse, start=1)}
        hits = [
            Hit(found[pid], scores[pid], dense_rank.get(pid), bm25_rank.get(pid))
            for pid in order
            if pid in found
        ]
        return collapse(hits, k, self.duplicate_threshold)

    def _rrf(self, dense: Scored, sparse: Scored) -> dict[str, float]:
        rankings = [[pid for pid, _ in dense], [pid for pid, _ in sparse]]
        weights = [self.fusion.dense_weight, self.fusion.bm25_weight]
        return rrf(rankings, weights, self.fusion.rrf_k)

    def convex_scores(
        self,
        snapshot: Sidecar,
        vector: np.ndarray,
        dense: Scored,
        bm25_scores: np.ndarray | None,
        sparse: Scored,
    ) -> dict[str, float]:
        """Convex fusion over the union of candidates, each scored by both sides: BM25's
        finds by their vectors, dense finds by the BM25 score array."""
        cosine = dict(dense)
        cosine.update(snapshot.cosine([pid for pid, _ in sparse if pid not in cosine], vector))
        position = snapshot.position
        bm25 = {
            pid: float(bm25_scores[position[pid]])
            if bm25_scores is not None and pid in position
            else 0.0
            for pid in cosine
        }
        weights = [self.fusion.dense_weight, self.fusion.bm25_weight]
        return convex([cosine, bm25], weights)
