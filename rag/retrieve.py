"""Hybrid retrieval: dense (Chroma) and BM25 (sidecar) fused by reciprocal rank fusion,
near-duplicate passages collapsed into one.

llama-index's ``QueryFusionRetriever`` does the same fusion, but through asyncio and its
node wrappers, and it cannot push our filters into BM25; fusion is a few lines here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.bm25 import Sidecar
from rag.embeddings import Embedder
from rag.settings import Settings
from rag.store import Store
from rag.types import Filters, Hit, Passage

_WORD = re.compile(r"\w+")
SHINGLE = 5


Scored = Sequence[tuple[str, float]]


@dataclass(frozen=True)
class Fusion:
    """How the two rankings are combined.

    ``rrf``: weighted reciprocal rank fusion of the two rankings. ``convex``: a weighted sum
    of each side's scores, min-max normalised over its own candidates (a passage missing
    from one side scores 0 there), as compared by Bruch et al. (2022).
    """

    mode: str = "rrf"
    rrf_k: float = 60.0
    bm25_weight: float = 1.0
    dense_weight: float = 1.0

    def fuse(self, dense: Scored, sparse: Scored) -> dict[str, float]:
        """Fused score per passage id from the dense and BM25 (id, score) lists, best first."""
        weights = [self.dense_weight, self.bm25_weight]
        if self.mode == "convex":
            return convex([dense, sparse], weights)
        return rrf([[pid for pid, _ in dense], [pid for pid, _ in sparse]], weights, self.rrf_k)


def rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: float) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum of weight / (k + rank) over the rankings."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, pid in enumerate(ranking, start=1):
            scores[pid] = scores.get(pid, 0.0) + weight / (k + rank)
    return scores


def minmax(scored: Scored) -> dict[str, float]:
    """Scores rescaled to [0, 1] over the list (all 1.0 when they are equal)."""
    if not scored:
        return {}
    values = [score for _, score in scored]
    low, span = min(values), max(values) - min(values)
    return {pid: (score - low) / span if span > 0 else 1.0 for pid, score in scored}


def convex(lists: Sequence[Scored], weights: Sequence[float]) -> dict[str, float]:
    """Weighted sum of min-max normalised scores; a passage absent from a list gets 0 there."""
    scores: dict[str, float] = {}
    for scored, weight in zip(lists, weights, strict=True):
        for pid, value in minmax(scored).items():
            scores[pid] = scores.get(pid, 0.0) + weight * value
    return scores


def shingles(text: str) -> set[tuple[str, ...]]:
    """Overlapping runs of ``SHINGLE`` lower-cased words (the whole text when shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE:
        return {tuple(words)}
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


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

    @property
    def sidecar(self) -> Sidecar:
        """The BM25 sidecar, loaded (or rebuilt when stale) on first use."""
        if self._sidecar is None:
            self._sidecar = self.store.sidecar()
        return self._sidecar

    def dense(self, query: str, n: int, filters: Filters | None = None) -> list[Passage]:
        """The ``n`` passages nearest to the query's embedding."""
        return [p for p, _ in self.dense_scored(query, n, filters)]

    def dense_scored(
        self, query: str, n: int, filters: Filters | None = None
    ) -> list[tuple[Passage, float]]:
        """The ``n`` passages nearest to the query's embedding, with cosine similarities."""
        vector = self.embedder.embed([query])[0]
        return self.store.query(vector, n, filters)

    def bm25(self, query: str, n: int, filters: Filters | None = None) -> list[str]:
        """Ids of the ``n`` best BM25 passages."""
        return [pid for pid, _ in self.sidecar.search(query, n, filters)]

    def retrieve(
        self, query: str, k: int | None = None, filters: Filters | None = None
    ) -> list[Hit]:
        """The top ``k`` passages for ``query``, fused, duplicates collapsed, best first."""
        k = k or self.top_k
        n = max(self.candidates, k)
        dense = self.dense_scored(query, n, filters)
        sparse = self.sidecar.search(query, n, filters)
        scores = self.fusion.fuse([(p.id, score) for p, score in dense], sparse)
        order = sorted(scores, key=lambda pid: -scores[pid])[: 3 * k]
        known = {p.id: p for p, _ in dense}
        known.update(self.store.get([pid for pid in order if pid not in known]))
        dense_rank = {p.id: i for i, (p, _) in enumerate(dense, start=1)}
        bm25_rank = {pid: i for i, (pid, _) in enumerate(sparse, start=1)}
        hits = [
            Hit(known[pid], scores[pid], dense_rank.get(pid), bm25_rank.get(pid))
            for pid in order
            if pid in known
        ]
        return collapse(hits, k, self.duplicate_threshold)
