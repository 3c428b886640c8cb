"""Hybrid retrieval: dense and BM25 over one snapshot of the index, fused (by default a convex
combination of normalised scores, or reciprocal rank fusion; BM25 weighted as the index's
profile says unless ``bm25_weight`` is set), near-duplicate passages collapsed into one.

llama-index's ``QueryFusionRetriever`` does the same fusion, but through asyncio and its
node wrappers, and it cannot push our filters into BM25; fusion is a few lines here.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from rag.embed.base import Embedder
from rag.index.snapshot import Snapshot
from rag.index.store import Store
from rag.retrieve.collapse import collapse
from rag.retrieve.fusion import Fusion, convex, rrf
from rag.retrieve.recency import newer_first
from rag.retrieve.when import asked_time, narrowed
from rag.settings import Settings
from rag.types import Filters, Hit, Passage

Scored = Sequence[tuple[str, float]]


class Retriever:
    """Dense + BM25 retrieval over one store."""

    def __init__(self, store: Store, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = settings.candidates
        self.top_k = settings.top_k
        self.duplicate_threshold = settings.duplicate_threshold
        self.fusion = Fusion(mode=settings.fusion, rrf_k=settings.rrf_k)
        #: BM25's weight in fusion when set; else the snapshot's profile gives it.
        self.bm25_weight = settings.bm25_weight
        #: Longest the snapshot is used without asking the index for a newer one.
        self.recheck = settings.recheck_seconds
        self._snapshot: Snapshot | None = None
        self._checked = 0.0

    def refresh(self) -> None:
        """Forget the loaded snapshot; the next question loads the current one."""
        self._snapshot = None

    def snapshot(self) -> Snapshot:
        """The passages to answer one question from: as of the last complete ingest that
        the index reported at most ``recheck`` seconds ago (each asking costs a Chroma
        server a few requests)."""
        now = time.monotonic()
        if self._snapshot is None or now - self._checked >= self.recheck:
            self._snapshot = self.store.snapshot(self._snapshot)
            self._checked = now
        return self._snapshot

    def dense(self, query: str, n: int, filters: Filters | None = None) -> list[Passage]:
        """The ``n`` passages nearest to the query's embedding."""
        return [p for p, _ in self.dense_scored(query, n, filters)]

    def dense_scored(
        self, query: str, n: int, filters: Filters | None = None
    ) -> list[tuple[Passage, float]]:
        """The ``n`` passages nearest to the query's embedding, with cosine similarities."""
        snapshot = self.snapshot()
        vector = np.asarray(self.embedder.embed([query])[0], dtype=np.float32)
        nearest = self.store.nearest(snapshot, vector, n, filters)
        found = snapshot.get([pid for pid, _ in nearest])
        return [(found[pid], score) for pid, score in nearest]

    def bm25(self, query: str, n: int, filters: Filters | None = None) -> list[str]:
        """Ids of the ``n`` best BM25 passages."""
        return [pid for pid, _ in self.snapshot().search(query, n, filters)]

    def retrieve(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        *,
        as_of: dt.date | None = None,
    ) -> list[Hit]:
        """The top ``k`` passages for ``query``, fused, duplicates collapsed, best first.

        The period the query asks about (``rag.retrieve.when``, read against ``as_of`` or
        else today) narrows ``filters`` that bound no date, unless no passage is in it; with
        ``as_of`` nothing published after it is returned; a query asking for the latest gets
        newer passages first among relevant ones.
        """
        snapshot = self.snapshot()
        asked = asked_time(query, as_of or dt.date.today())
        filters = narrowed(asked, filters, as_of, snapshot.columns)
        k = k or self.top_k
        n = max(self.candidates, k)
        vector = np.asarray(self.embedder.embed([query])[0], dtype=np.float32)
        dense = self.store.nearest(snapshot, vector, n, filters)
        bm25_scores = snapshot.scores(query, filters)
        sparse = snapshot.top(bm25_scores, n)
        fusion = self.fusion_for(snapshot)
        if fusion.mode == "convex":
            cosine = candidate_cosines(
                dense, sparse, lambda ids: self.store.cosine(snapshot, ids, vector)
            )
            scores = convex_scores(fusion, snapshot, cosine, bm25_scores)
        else:
            scores = rrf_scores(fusion, dense, sparse)
        if asked.latest:
            days, position = snapshot.columns.days, snapshot.position
            scores = newer_first(scores, {pid: days[position[pid]] for pid in scores})
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

    def fusion_for(self, snapshot: Snapshot) -> Fusion:
        """The fusion settings for ``snapshot``: BM25's weight from the settings when they
        set one, else from the profile the snapshot was built with."""
        weight = self.bm25_weight
        return replace(
            self.fusion, bm25_weight=snapshot.profile.bm25_weight if weight is None else weight
        )


def rrf_scores(fusion: Fusion, dense: Scored, sparse: Scored) -> dict[str, float]:
    """Reciprocal rank fusion of the two candidate lists."""
    rankings = [[pid for pid, _ in dense], [pid for pid, _ in sparse]]
    return rrf(rankings, [fusion.dense_weight, fusion.bm25_weight], fusion.rrf_k)


def candidate_cosines(
    dense: Scored, sparse: Scored, cosine: Callable[[list[str]], dict[str, float]]
) -> dict[str, float]:
    """The cosine similarity of every candidate to the question: the dense finds' as found,
    BM25's asked of ``cosine``."""
    found = dict(dense)
    found.update(cosine([pid for pid, _ in sparse if pid not in found]))
    return found


def convex_scores(
    fusion: Fusion, snapshot: Snapshot, cosine: dict[str, float], bm25_scores: np.ndarray | None
) -> dict[str, float]:
    """Convex fusion over the union of candidates (``cosine``: each one's cosine similarity
    to the question, BM25's finds included), scored by both sides."""
    position = snapshot.position
    bm25 = {
        pid: float(bm25_scores[position[pid]])
        if bm25_scores is not None and pid in position
        else 0.0
        for pid in cosine
    }
    return convex([cosine, bm25], [fusion.dense_weight, fusion.bm25_weight])
