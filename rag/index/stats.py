"""What an index holds, for ``rag stats``."""

from __future__ import annotations

from typing import Any

from rag.embed.base import settle
from rag.index import generations
from rag.index import snapshot as snapshots
from rag.index.chroma import has_collection, location, open_client
from rag.index.open import snapshot_root
from rag.index.records import fingerprint
from rag.index.store import Store
from rag.settings import Settings


def index_stats(settings: Settings) -> dict[str, Any]:
    """Location, build settings, counts and BM25 profile (once a snapshot is saved) of the
    index that ``settings`` point at: its live generation, read again if a rebuild
    replaced it while it was read."""
    return generations.reading(lambda: _stats(settings))


def _stats(settings: Settings) -> dict[str, Any]:
    client = open_client(settings)
    stats: dict[str, Any] = {"index": location(settings), "collection": settings.collection}
    empty = f"the index is empty; put articles in {settings.corpus_dir}/ and run `rag ingest`"
    if not has_collection(client, settings.collection):
        return {**stats, "articles": 0, "passages": 0, "sources": 0, "note": empty}
    store = Store(client, settings.collection, None)
    built = store.fingerprint()
    articles, _ = store.load_records()
    pending = sum(not record.done for record in articles.values())
    stats.update(
        embedder=built.get("rag:embedder", "unknown"),
        chunking=built.get("rag:chunking", "unknown"),
        articles=len(articles),
        passages=store.count(),
        sources=len({record.source for record in articles.values()}),
    )
    profile = snapshots.recorded_profile(snapshot_root(settings), store.name)
    if profile is not None:
        stats["bm25"] = profile.describe()
    if not stats["passages"]:
        stats["note"] = empty
    if pending:
        stats["pending"] = f"{pending} articles half-ingested; run `rag ingest` to finish"
    expected = fingerprint(settle(settings, built.get("rag:embedder")))
    if any(built.get(key) != value for key, value in expected.items()):
        stats["note"] = "built with other settings; `rag ingest --rebuild` re-indexes"
    return stats
