"""Dense search served by Chroma's HNSW index, for a snapshot that keeps no vectors (a large
index on a Chroma server: ``RAG_DENSE``).

Chroma's collection can be ahead of the snapshot a question is answered from: an ingest
under way has written passages the snapshot does not have, and the passages a published
ingest removed stay in Chroma for a grace period (``Store.delete_passages``) while
processes still answer from the copy before it. So only passages of the snapshot are
returned, and a few more are asked for than are wanted. A filter is searched within the
passages it keeps (Chroma's ``ids``) where they are few, else by asking for as many more
as it leaves out (up to ``MOST``: a filter keeping a small share of a large index may then
find fewer than asked for by meaning; BM25 still searches all it keeps).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.index.chroma import chunks
from rag.index.snapshot import Snapshot
from rag.types import Filters

#: Most passages a filter may keep for the search to run within them (Chroma's ``ids``).
WITHIN = 10_000
#: Most ids one query names.
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
            return sorted(similarities(collection, ids, vector).items(), key=lambda x: -x[1])[:n]
        ask = min(int(n * total / len(rows)) + SLACK, MOST)
    else:
        ask = n + SLACK
    found = _query(collection, vector, ask, None)
    position = snapshot.position
    hits = [
        (pid, sim)
        for pid, sim in found
        if pid in position and (keep is None or keep[position[pid]])
    ]
    return hits[:n]


def similarities(collection: Any, ids: Sequence[str], vector: np.ndarray) -> dict[str, float]:
    """Cosine similarity of each passage in ``ids`` to ``vector``, computed by Chroma
    (exactly, within those ids, ``PART`` at a time); a passage no longer in Chroma is left
    out."""
    from chromadb.errors import ChromaError

    found: dict[str, float] = {}
    for part in chunks(ids, PART):
        try:
            found.update(_query(collection, vector, len(part), part))
        except ChromaError:  # it refuses a query naming an id it does not have
            there = collection.get(ids=part, include=[])["ids"]
            found.update(_query(collection, vector, len(there), there) if there else [])
    return found


def _query(
    collection: Any, vector: np.ndarray, n: int, ids: list[str] | None
) -> list[tuple[str, float]]:
    got = collection.query(
        query_embeddings=[np.asarray(vector, dtype=np.float32)],
        ids=ids,
        n_results=n,
        include=["distances"],
    )
    rows = zip(got["ids"][0], got["distances"][0], strict=True)
    return [(pid, 1.0 - float(distance)) for pid, distance in rows]
