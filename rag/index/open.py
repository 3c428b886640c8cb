"""Opening the index: ``open_index`` gives the ``Store`` that settings point at together with
those settings settled (the local model's runtime decided by what the index records), so
passages and questions are always embedded for the index they go to. It also says where
an index's snapshots live (``snapshot_root``).

This is the one place the index meets the runtime choice (``rag.embed.base.settle``); it
opens and, for a rebuild, clears generations, but reads and writes no passages or records."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rag.embed.base import settle
from rag.index import generations
from rag.index import snapshot as snapshots
from rag.index.chroma import has_collection, open_client
from rag.index.records import fingerprint
from rag.index.store import Store
from rag.settings import Settings


def open_index(settings: Settings, rebuild: bool = False) -> tuple[Store, Settings]:
    """The store these settings point at (its live generation), refusing an index built
    with other settings, and the settings to embed passages and questions for it with:
    their embedding runtime decided (``settle``) by what the index records.

    With ``rebuild``: a new, empty generation of the index to build anew (the runtime
    decided afresh); questions go on using the live one until ``Store.publish``.
    Leftovers of interrupted rebuilds are dropped first (the caller holds the ingest
    lock)."""
    client = open_client(settings)
    base, root = settings.collection, snapshot_root(settings)
    options = store_options(settings)
    live = generations.live(client, base)
    if not rebuild:
        settings = settle(settings, recorded_embedder(client, live))
        expected = fingerprint(settings)
        found = generations.reading(lambda: Store(client, base, expected, root, **options))
        return found, settings
    stale = generations.all_of(client, base) | generations.among(base, snapshots.saved(root))
    for name in stale - {live}:
        generations.drop(client, base, name, _metadata(client, live))
        snapshots.remove(root, name)
    settings = settle(settings, None)
    name = generations.new_name(base)
    store = Store(client, base, fingerprint(settings), root, generation=name, **options)
    store.replaces = live
    return store, settings


def store_options(settings: Settings) -> dict[str, Any]:
    """Where a store's dense search runs (``dense_from``: the passages from which Chroma
    serves it) and how long the passages an ingest removes stay in Chroma after it
    (``delete_grace``: on a server, where other machines may still answer from before it)."""
    server = settings.chroma_url is not None
    auto = settings.dense_chroma_from if server else None
    return {
        "dense_from": {"exact": None, "chroma": 0, "auto": auto}[settings.dense],
        "delete_grace": settings.delete_grace_seconds if server else None,
    }


def recorded_embedder(client: Any, name: str) -> str | None:
    """The embedder the collection ``name`` records, if it exists."""
    found = _metadata(client, name).get("rag:embedder")
    return str(found) if found else None


def _metadata(client: Any, name: str) -> dict[str, Any]:
    if not has_collection(client, name):
        return {}
    return dict(client.get_collection(name, embedding_function=None).metadata or {})


def snapshot_root(settings: Settings) -> Path:
    """Folder of the snapshots: beside an embedded index, or a local cache per server.
    (Named ``bm25/`` on disk, as indexes built before have it.)"""
    root = settings.index_dir / "bm25"
    if not settings.chroma_url:
        return root
    url = urlparse(settings.chroma_url)
    return root / f"{url.hostname}-{url.port or 'default'}"
