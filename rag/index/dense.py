"""Dense search served by Chroma's HNSW index, for a snapshot that keeps no vectors (a large
index on a Chroma server: ``RAG_DENSE``).

Chroma's collection can be ahead of the snapshot a question is answered from: an ingest
under way has written passages the snapshot does not have, and the passages a published
ingest removed stay in Chroma for a grace period (``Store.delete_passages``) while
processes still answer from the copy before it. So only passages of the snapshot are
returned, and a few more are asked for than are wanted. A filter that keeps few passages
is searched exactly within them, their vectors read from Chroma; one that keeps more, by
asking for as many more as it leaves out (up to ``MOST``: a filter keeping a small share
of a large index may then find fewer than asked for by meaning; BM25 still searches all
it keeps).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.index.chroma import chunks
from rag.index.snapshot import Snapshot
from rag.types import Filters

#: Most passages a filter may keep for the search to run within them.
WITHIN = 2000
#: Most vectors read from Chroma at once.
PART = 1000
#: Passages asked for beyond those wanted (Chroma's copy can be ahead of the snapshot).
SLACK = 50
#: Most passages one query asks for.
MOST = 10_000


def nearest(
    collection: Any, snapshot: Snapshot, vector: np.ndarray, n: int, filters: Filters | None
) -> list[tuple[str, float]]:
    """Ids of the ``n`` passages of ``snapshot`` most similar to ``vector`` that pass
    ``filters``, with their cosine similarity, found by Chroma's HNSW index."""
    total = len(snapshot)
    if not total or n <= 0:
        return []
    keep = snapshot.columns.mask(filters) if filters else None
    if keep is not None:
        rows = np.flatnonzero(keep)
        if len(rows) <= WITHIN:
            ids = [snapshot.columns.ids[i] for i in rows]
            within = similarities(collection, ids, vector)
            return sorted(within.items(), key=lambda item: -item[1])[:n]
        ask = min(int(n * total / len(rows)) + SLACK, MOST)
    else:
        ask = n + SLACK
    found = _query(collection, vector, ask)
    position = snapshot.position
    hits = [
        (pid, sim)
        for pid, sim in found
        if pid in position and (keep is None or keep[position[pid]])
    ]
    return hits[:n]


def similarities(collection: Any, ids: Sequence[str], vector: np.ndarray) -> dict[str, float]:
    """Cosine similarity of each passage in ``ids`` to the unit-length ``vector``, from
    their vectors read from Chroma ``PART`` at a time (a query restricted to ids took 77
    ms at 100,000 passages where reading 40 vectors took 2); a passage no longer in Chroma
    is left out."""
    found: dict[str, float] = {}
    query = np.asarray(vector, dtype=np.float32)
    for part in chunks(ids, PART):
        got = collection.get(ids=part, include=["embeddings"])
        if got["ids"]:
            sims = np.asarray(got["embeddings"], dtype=np.float32) @ query
            found.update(zip(got["ids"], (float(x) for x in sims), strict=True))
    return found


def _query(collection: Any, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
    got = collection.query(
        query_embeddings=[np.asarray(vector, dtype=np.float32)],
        n_results=n,
        include=["distances"],
    )
    rows = zip(got["ids"][0], got["distances"][0], strict=True)
    return [(pid, 1.0 - float(distance)) for pid, distance in rows]
