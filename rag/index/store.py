"""The Chroma index: passages with their vectors, and the record of what was ingested, in
the collections of the index's live generation (``rag/index/generations.py``), and the
life of the snapshot questions are answered from (its stamp, its refresh: from the last
one and the change log, ``changes.py``, where that can say what changed, else from every
passage). Every call to a
collection reads or writes at most ``Store.batch`` records (``rag/index/chroma.py``:
``pages``, ``chunks``), so an index of any size stays within what Chroma's SQLite takes.

``Store`` is opened by ``rag/index/open.py`` (``open_index``); this module does not decide
the embedding runtime, and knows records and passages only through ``records.py`` and
``passages.py``."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import StoreError
from rag.index import changes, dense, generations, records
from rag.index import snapshot as snapshots
from rag.index.chroma import chunks, pages
from rag.index.passages import passage_metadata, to_passage
from rag.index.records import (
    FINGERPRINT_KEYS,
    ArticleRecord,
    SourceRecord,
    check_fingerprint,
)
from rag.types import Filters, Passage

#: The search width of a new collection's HNSW index (recall@50 0.962 at 1,000,000
#: passages where Chroma's default of 100 gave 0.898: docs/BENCHMARKS.md).
SEARCH_EF = 200

_STAMP = "g:stamp"
log = logging.getLogger(__name__)


class Store:
    """Passages collection plus a records collection that says what was ingested, of the
    index named ``base``: its live generation, or ``generation`` (one being rebuilt)."""

    def __init__(
        self,
        client: Any,
        base: str,
        expected: dict[str, Any] | None,
        snapshot_root: Path | None = None,
        generation: str | None = None,
        *,
        dense_from: int | None = None,
        delete_grace: float | None = None,
    ) -> None:
        self.client = client
        #: Passages from which a snapshot keeps no vectors and dense search is Chroma's
        #: (``dense.py``); None: never.
        self.dense_from = dense_from
        #: Seconds the passages an ingest removes stay in Chroma after it is published
        #: (``changes.sweep``); None: removed at once.
        self.delete_grace = delete_grace
        #: Whether the change being written removes passages.
        self._removes = False
        self.base = base
        self.expected = expected
        self.snapshot_root = snapshot_root
        #: The live generation a rebuild replaces on ``publish`` (None: not a rebuild).
        self.replaces: str | None = None
        self.name = generation or generations.live(client, base)
        #: The generation this store may create: the base, or the one it rebuilds.
        self._creates = {base, generation}
        self.passages, self.records = self._collections(self.name)
        #: Most records one call to a collection touches.
        self.batch = min(1000, client.get_max_batch_size())
        #: The change of the change log (``changes.py``) this store is writing, if any.
        self.writing: int | None = None
        if generation is None:
            self.follow()  # a rebuild published meanwhile: its generation, not a dropped one

    def _collections(self, name: str) -> tuple[Any, Any]:
        """The collections of generation ``name``. A published generation is only opened,
        never made again: a rebuild may have dropped it since it was named live (Chroma's
        NotFoundError, which ``generations.reading`` answers by reading the next one)."""
        meta = {"hnsw:space": "cosine", "hnsw:search_ef": SEARCH_EF, **(self.expected or {})}
        if name in self._creates:
            passages = self.client.get_or_create_collection(
                name, metadata=meta, embedding_function=None
            )
            found = self.client.get_or_create_collection(f"{name}-records", embedding_function=None)
        else:
            passages = self.client.get_collection(name, embedding_function=None)
            found = self.client.get_collection(f"{name}-records", embedding_function=None)
        if self.expected is not None:
            check_fingerprint(passages.metadata or {}, self.expected)
        return passages, found

    def follow(self) -> None:
        """Move to the generation a rebuild published since this store was opened."""
        if self.replaces is not None:
            return
        live = generations.live(self.client, self.base)
        if live != self.name:
            self.passages, self.records = self._collections(live)
            self.name = live

    def publish(self) -> None:
        """Make this rebuilt generation the one questions use, then drop the one it
        replaces (its BM25 snapshot stays until the next rebuild, for questions under way;
        on a server, after the grace, for those whose dense search asks its collection)."""
        if self.replaces is None:
            return
        generations.publish(self.client, self.base, self.name)
        if self.delete_grace:
            time.sleep(self.delete_grace)
        generations.drop(self.client, self.base, self.replaces, dict(self.passages.metadata or {}))
        self.replaces = None

    def fingerprint(self) -> dict[str, Any]:
        """The settings this index was built with."""
        meta = self.passages.metadata or {}
        return {key: meta[key] for key in FINGERPRINT_KEYS if key in meta}

    # passages -----------------------------------------------------------------

    def upsert(self, passages: Sequence[Passage], vectors: Any) -> None:
        """Store passages with their vectors (idempotent: ids are content-derived), as part
        of the change being written (begun here if none is)."""
        seq = self.change()
        for i, part in enumerate(chunks(passages, self.batch)):
            self.passages.upsert(
                ids=[p.id for p in part],
                embeddings=vectors[i * self.batch : (i + 1) * self.batch],
                documents=[p.text for p in part],
                metadatas=[passage_metadata(p) | {"seq": seq} for p in part],
            )

    def update_metadata(self, passages: Sequence[Passage]) -> None:
        """Refresh metadata (offsets, titles) of stored passages without re-embedding them."""
        seq = self.change() if passages else 0
        for part in chunks(passages, self.batch):
            metas = [passage_metadata(p) | {"seq": seq} for p in part]
            self.passages.update(ids=[p.id for p in part], metadatas=metas)

    def passage_ids_of(self, article_ids: Iterable[str]) -> set[str]:
        """Ids of every stored passage of these articles."""
        found: set[str] = set()
        for chunk in chunks(article_ids, self.batch):
            where = {"article_id": {"$in": chunk}}
            for got in pages(self.passages, [], self.batch, where):
                found.update(got["ids"])
        return found

    def passages_of(self, article_ids: Iterable[str]) -> Iterator[Passage]:
        """Every stored passage of these articles (each article asked for once)."""
        for chunk in chunks(dict.fromkeys(article_ids), self.batch):
            where = {"article_id": {"$in": chunk}}
            for got in pages(self.passages, ["documents", "metadatas"], self.batch, where):
                for pid, text, meta in zip(
                    got["ids"], got["documents"], got["metadatas"], strict=True
                ):
                    yield to_passage(pid, text, meta)

    def passage_metadatas(self) -> Iterator[dict[str, Any]]:
        """The stored metadata of every passage, in pages."""
        for got in pages(self.passages, ["metadatas"], self.batch):
            yield from got["metadatas"]

    def delete_passages(self, ids: Iterable[str]) -> None:
        """Remove passages by id, recorded first in the change being written. With a grace
        (``delete_grace``), those an earlier change wrote stay in Chroma until it has passed
        after this change is published (``changes.sweep``); those this change wrote are in
        no published copy, and go at once."""
        for chunk in chunks(ids, self.batch):
            seq, later = self.change(), self.delete_grace is not None
            changes.log_deleted(self.records, self.batch, seq, chunk, swept=not later)
            now = chunk
            if later:
                got = self.passages.get(ids=chunk, include=["metadatas"])
                rows = zip(got["ids"], got["metadatas"], strict=True)
                now = [pid for pid, meta in rows if meta.get("seq") == seq]
                self._removes = self._removes or len(now) < len(got["ids"])
            if now:
                self.passages.delete(ids=now)

    def count(self) -> int:
        """Number of stored passages."""
        return int(self.passages.count())

    def scan(self, vectors: bool = True) -> Iterator[tuple[Passage, Any]]:
        """Every passage of the published index with its vector (None without ``vectors``),
        in pages: not those a published change removed that are still in their grace."""
        removed = changes.removing(self.records, self.batch)
        include = ["documents", "metadatas", "embeddings"][: 3 if vectors else 2]
        for got in pages(self.passages, include, self.batch):
            found = got["embeddings"] if vectors else [None] * len(got["ids"])
            rows = zip(got["ids"], got["documents"], got["metadatas"], found, strict=True)
            for pid, text, meta, vector in rows:
                if not changes.removed(removed, pid, meta):
                    yield to_passage(pid, text, meta), vector

    def nearest(
        self, snapshot: snapshots.Snapshot, vector: Any, n: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """The ``n`` passages of ``snapshot`` nearest to ``vector`` that pass ``filters``,
        with their cosine similarities: from its vectors, or Chroma's HNSW index."""
        if snapshot.vectors is not None:
            return snapshot.nearest(vector, n, filters)
        return dense.nearest(self.passages, snapshot, vector, n, filters)

    def cosine(
        self, snapshot: snapshots.Snapshot, ids: Sequence[str], vector: Any
    ) -> dict[str, float]:
        """Cosine similarity of the passages ``ids`` of ``snapshot`` to ``vector``."""
        if snapshot.vectors is not None:
            return snapshot.cosine(ids, vector)
        return dense.similarities(self.passages, ids, vector)

    def keeps_vectors(self) -> bool:
        """Whether a snapshot made now keeps the vectors (exact dense search) rather than
        leaving dense search to Chroma."""
        return self.dense_from is None or self.count() < self.dense_from

    # the snapshot --------------------------------------------------------------

    def stamp(self) -> str | None:
        """Changes whenever an ingest changes the passages."""
        return self.published()[0]

    def published(self) -> tuple[str | None, int | None]:
        """The stamp and the change (None before changes were logged) of the last complete
        ingest; no stamp while an ingest is changing the passages."""
        got = self.records.get(ids=[_STAMP], include=["metadatas"])
        if not got["ids"]:
            return None, None
        meta = got["metadatas"][0]
        return str(meta["stamp"]), int(meta["seq"]) if "seq" in meta else None

    def clear_stamp(self) -> None:
        """Mark the snapshot stale before changing passages (a crash then leaves it stale)."""
        self.records.delete(ids=[_STAMP])

    def change(self) -> int:
        """The change being written: begun now (the stamp cleared first) if none is; the
        passages earlier changes removed that are still in Chroma (their ingest stopped
        before its grace ended) are removed first."""
        if self.writing is None:
            self.writing = changes.begin(self.records, self.batch, self.stamp())
            self.clear_stamp()
            changes.sweep(self.passages, self.records, self.batch, self.writing)
        return self.writing

    def refresh_snapshot(self) -> snapshots.Snapshot:
        """Bring the snapshot in step with the passages under a new stamp and publish the
        change: from the saved one and what the change did where the log allows, else
        from every passage."""
        seq, stamp = self.change(), uuid.uuid4().hex
        saved = snapshots.load(self._snapshot_root(), self.name)
        snapshot = self._caught_up([saved], stamp, seq) or self._build_snapshot(stamp, seq)
        snapshots.save(snapshot, self._snapshot_root(), self.name)
        _give_back_memory()
        changes.finish(self.records, self.batch, seq)
        records.put(self.records, self.batch, [_STAMP], [{"stamp": stamp, "seq": seq}])
        self.writing = None
        if self._removes and self.delete_grace:
            log.info("removing passages in %.0f s (RAG_DELETE_GRACE_SECONDS)", self.delete_grace)
            time.sleep(self.delete_grace)
        self._removes = False
        changes.sweep(self.passages, self.records, self.batch, seq)
        return snapshot

    def snapshot(self, have: snapshots.Snapshot | None = None) -> snapshots.Snapshot:
        """The snapshot to answer from: in step with the passages when no ingest is changing
        them, else the last complete one (``have``, or the one saved here), never a mix.

        A snapshot out of step with the collection (or saved without its BM25 profile or
        its speakers) is rebuilt from it, and kept only if no ingest started meanwhile.
        """
        self.follow()
        stamp, seq = self.published()
        if have is not None and stamp in (have.stamp, None):
            return have  # the current one, or the last complete one while an ingest writes
        loaded = snapshots.load(self._snapshot_root(), self.name)
        if loaded is not None and loaded.stamp == stamp and loaded.recorded:
            return loaded
        if stamp is not None or self.count() == 0:
            built = self._caught_up([have, loaded], stamp, seq) if stamp else None
            built = built or self._build_snapshot(stamp or "empty", seq)
            if self.stamp() == stamp:
                if stamp is not None:
                    snapshots.save(built, self._snapshot_root(), self.name)
                    _give_back_memory()
                return built
        last = have or loaded
        if last is None:
            raise StoreError(
                "an ingest is writing the index, or one was interrupted, and no complete "
                "copy of it is saved here yet; wait for it to finish, or run `rag ingest`"
            )
        return last

    def _caught_up(
        self, bases: Sequence[snapshots.Snapshot | None], stamp: str, seq: int | None
    ) -> snapshots.Snapshot | None:
        """The first of ``bases`` that the change log can bring to change ``seq``, brought
        there, reading only what changed since it; None where none can be."""
        vectors = self.keeps_vectors()
        for base in bases:
            if base is None or base.seq is None or seq is None or not base.recorded:
                continue
            if vectors and base.vectors is None:
                continue  # dense search moves from Chroma to the snapshot: built whole
            delta = changes.since(
                self.passages, self.records, self.batch, base.seq, base.stamp, seq, vectors
            )
            if delta is None:
                continue
            started = time.perf_counter()
            updated = changes.apply(base, delta, stamp, seq)
            log.info(
                "index at change %d: from change %d, %d written and %d deleted since (%.1f s)",
                seq, base.seq, len(delta.written), len(delta.deleted),
                time.perf_counter() - started,
            )  # fmt: skip
            return updated
        return None

    def _build_snapshot(self, stamp: str, seq: int | None) -> snapshots.Snapshot:
        started = time.perf_counter()
        keep = self.keeps_vectors()
        scanned = list(self.scan(vectors=keep))
        passages = [p for p, _ in scanned]
        vectors = None
        if keep:
            dims = len(scanned[0][1]) if scanned else 0
            rows = [v for _, v in scanned]
            vectors = np.asarray(rows, dtype=np.float32).reshape(len(rows), dims)  # (0, 0) if empty
        built = snapshots.build(passages, stamp, vectors, seq)
        taken = time.perf_counter() - started
        log.info("index at change %s: read whole, %d passages (%.1f s)", seq, len(passages), taken)
        return built

    def _snapshot_root(self) -> Path:
        if self.snapshot_root is None:
            raise StoreError("this store was opened without a folder for its snapshot")
        self.snapshot_root.mkdir(parents=True, exist_ok=True)
        return self.snapshot_root

    # records ------------------------------------------------------------------

    def load_records(self) -> tuple[dict[str, ArticleRecord], dict[str, SourceRecord]]:
        """Every article and source record."""
        return records.load_records(self.records, self.batch)

    def put_articles(self, found: Sequence[ArticleRecord]) -> None:
        """Write article records (pending before their passages are stored, done after)."""
        records.put_articles(self.records, self.batch, found)

    def put_sources(self, found: Sequence[SourceRecord]) -> None:
        """Mark files as completely ingested."""
        records.put_sources(self.records, self.batch, found)

    def delete_records(self, article_ids: Iterable[str] = (), sources: Iterable[str] = ()) -> None:
        """Forget articles and sources."""
        records.delete_records(self.records, self.batch, article_ids, sources)


def _give_back_memory() -> None:
    """Return to the system the memory that making a snapshot used and freed (the passages
    read while indexing): glibc's allocator keeps it otherwise, so that a process that read
    the collection whole held hundreds of MiB more than one that loaded a saved snapshot
    (docs/BENCHMARKS.md). Nothing where the C library is not glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
