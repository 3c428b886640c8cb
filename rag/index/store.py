"""The Chroma index: passages with their vectors, and the record of what was ingested, in
the collections of the index's live generation (``rag/generations.py``). Every call to a
collection reads or writes at most ``Store.batch`` records (``rag/chroma.py``: ``pages``,
``chunks``), so an index of any size stays within what Chroma's SQLite takes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.index import snapshot as bm25

from rag.index import generations
from rag.index.chroma import Remote as Remote
from rag.index.chroma import chunks, pages
from rag.index.chroma import has_collection as has_collection
from rag.index.chroma import location as location
from rag.index.chroma import open_client as open_client
from rag.embed.base import embedder_name, settle
from rag.errors import IndexMismatch, StoreError
from rag.settings import Settings
from rag.types import METADATA_FIELDS, Passage

#: 2: passages carry ``day`` (published date as YYYYMMDD) for date filters.
FORMAT = 2
_STAMP = "g:stamp"
_FINGERPRINT_KEYS = ("rag:format", "rag:embedder", "rag:chunking")


@dataclass(frozen=True)
class ArticleRecord:
    """What the index knows of one ingested article."""

    article_id: str
    source: str
    content_hash: str
    done: bool


@dataclass(frozen=True)
class SourceRecord:
    """A file whose every article was ingested, by the hash of its bytes."""

    source: str
    sha256: str


def fingerprint(settings: Settings) -> dict[str, Any]:
    """What an index records about the settings that build it."""
    return {
        "rag:format": FORMAT,
        "rag:embedder": embedder_name(settings),
        "rag:chunking": f"sentence:{settings.chunk_size}:{settings.chunk_overlap}",
    }


def open_store(settings: Settings, rebuild: bool = False) -> Store:
    """The store these settings point at (its live generation), refusing an index built
    with other settings; ``rebuild`` deletes every generation first (an empty index).
    Its ``settings`` have the embedding runtime decided (``embeddings.settle``) by what
    the index records, so embed passages and questions for it with those."""
    client = open_client(settings)
    if rebuild:
        generations.drop_all(client, settings.collection)
    live = generations.live(client, settings.collection)
    settings = settle(settings, recorded_embedder(client, live))
    expected = fingerprint(settings)
    return Store(client, settings.collection, expected, sidecar_root(settings), settings)


def open_rebuild(settings: Settings) -> Store:
    """A new, empty generation of the index to build anew; questions go on using the live
    one until ``Store.publish``. Leftovers of interrupted rebuilds are dropped first (the
    caller holds the ingest lock)."""
    client = open_client(settings)
    base, root = settings.collection, sidecar_root(settings)
    live = generations.live(client, base)
    stale = generations.all_of(client, base) | generations.among(base, bm25.saved(root))
    for name in stale - {live}:
        generations.drop(client, base, name, _metadata(client, live))
        bm25.remove(root, name)
    settings = settle(settings, None)
    name = generations.new_name(base)
    store = Store(client, base, fingerprint(settings), root, settings, generation=name)
    store.replaces = live
    return store


def recorded_embedder(client: Any, name: str) -> str | None:
    """The embedder the collection ``name`` records, if it exists."""
    found = _metadata(client, name).get("rag:embedder")
    return str(found) if found else None


def _metadata(client: Any, name: str) -> dict[str, Any]:
    if not has_collection(client, name):
        return {}
    return dict(client.get_collection(name, embedding_function=None).metadata or {})


def sidecar_root(settings: Settings) -> Path:
    """Folder of the BM25 sidecar: beside an embedded index, or a local cache per server."""
    root = settings.index_dir / "bm25"
    if not settings.chroma_url:
        return root
    url = urlparse(settings.chroma_url)
    return root / f"{url.hostname}-{url.port or 'default'}"


class Store:
    """Passages collection plus a records collection that says what was ingested, of the
    index named ``base``: its live generation, or ``generation`` (one being rebuilt)."""

    def __init__(
        self,
        client: Any,
        base: str,
        expected: dict[str, Any] | None,
        sidecar_root: Path | None = None,
        settings: Settings | None = None,
        generation: str | None = None,
    ) -> None:
        self.client = client
        self.base = base
        self.expected = expected
        self.settings = settings
        self.sidecar_root = sidecar_root
        #: The live generation a rebuild replaces on ``publish`` (None: not a rebuild).
        self.replaces: str | None = None
        self.name = generation or generations.live(client, base)
        self.passages, self.records = self._collections(self.name)
        #: Most records one call to a collection touches.
        self.batch = min(1000, client.get_max_batch_size())
        if generation is None:
            self.follow()  # a rebuild published meanwhile: its generation, not a dropped one

    def _collections(self, name: str) -> tuple[Any, Any]:
        meta = {"hnsw:space": "cosine", **(self.expected or {})}
        passages = self.client.get_or_create_collection(
            name, metadata=meta, embedding_function=None
        )
        if self.expected is not None:
            check_fingerprint(passages.metadata or {}, self.expected)
        records = self.client.get_or_create_collection(f"{name}-records", embedding_function=None)
        return passages, records

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
        replaces (its BM25 snapshot stays until the next rebuild, for questions under way)."""
        if self.replaces is None:
            return
        generations.publish(self.client, self.base, self.name)
        generations.drop(self.client, self.base, self.replaces, dict(self.passages.metadata or {}))
        self.replaces = None

    def fingerprint(self) -> dict[str, Any]:
        """The settings this index was built with."""
        meta = self.passages.metadata or {}
        return {key: meta[key] for key in _FINGERPRINT_KEYS if key in meta}

    # passages -----------------------------------------------------------------

    def upsert(self, passages: Sequence[Passage], vectors: Any) -> None:
        """Store passages with their vectors (idempotent: ids are content-derived)."""
        for i, part in enumerate(chunks(passages, self.batch)):
            self.passages.upsert(
                ids=[p.id for p in part],
                embeddings=vectors[i * self.batch : (i + 1) * self.batch],
                documents=[p.text for p in part],
                metadatas=[passage_metadata(p) for p in part],
            )

    def update_metadata(self, passages: Sequence[Passage]) -> None:
        """Refresh metadata (offsets, titles) of stored passages without re-embedding them."""
        for part in chunks(passages, self.batch):
            self.passages.update(
                ids=[p.id for p in part], metadatas=[passage_metadata(p) for p in part]
            )

    def passage_ids_of(self, article_ids: Iterable[str]) -> set[str]:
        """Ids of every stored passage of these articles."""
        found: set[str] = set()
        for chunk in chunks(article_ids, self.batch):
            where = {"article_id": {"$in": chunk}}
            for got in pages(self.passages, [], self.batch, where):
                found.update(got["ids"])
        return found

    def delete_passages(self, ids: Iterable[str]) -> None:
        """Remove passages by id."""
        for chunk in chunks(ids, self.batch):
            self.passages.delete(ids=chunk)

    def count(self) -> int:
        """Number of stored passages."""
        return int(self.passages.count())

    def scan(self) -> Iterator[tuple[Passage, Any]]:
        """Every stored passage with its vector, in pages."""
        columns = ("ids", "documents", "metadatas", "embeddings")
        for got in pages(self.passages, list(columns[1:]), self.batch):
            for pid, text, meta, vector in zip(*(got[c] for c in columns), strict=True):
                yield to_passage(pid, text, meta), vector

    # BM25 sidecar --------------------------------------------------------------

    def stamp(self) -> str | None:
        """Changes whenever an ingest changes the passages."""
        got = self.records.get(ids=[_STAMP], include=["metadatas"])
        return str(got["metadatas"][0]["stamp"]) if got["ids"] else None

    def clear_stamp(self) -> None:
        """Mark the sidecar stale before changing passages (a crash then leaves it stale)."""
        self.records.delete(ids=[_STAMP])

    def refresh_sidecar(self) -> bm25.Sidecar:
        """Rebuild the BM25 sidecar from the passages and record a new stamp."""
        stamp = uuid.uuid4().hex
        sidecar = self._build_sidecar(stamp)
        bm25.save(sidecar, self._sidecar_root(), self.name)
        self._put([_STAMP], [{"stamp": stamp}])
        return sidecar

    def sidecar(self, have: bm25.Sidecar | None = None) -> bm25.Sidecar:
        """The snapshot to answer from: in step with the passages when no ingest is changing
        them, else the last complete one (``have``, or the one saved here), never a mix.

        A snapshot out of step with the collection is rebuilt from it, and kept only if no
        ingest started meanwhile.
        """
        self.follow()
        stamp = self.stamp()
        if have is not None and have.stamp == stamp:
            return have
        loaded = bm25.load(self._sidecar_root(), self.name)
        if loaded is not None and loaded.stamp == stamp:
            return loaded
        if stamp is not None or self.count() == 0:
            built = self._build_sidecar(stamp or "empty")
            if self.stamp() == stamp:
                if stamp is not None:
                    bm25.save(built, self._sidecar_root(), self.name)
                return built
        last = have or loaded
        if last is None:
            raise StoreError(
                "an ingest is writing the index, or one was interrupted, and no complete "
                "copy of it is saved here yet; wait for it to finish, or run `rag ingest`"
            )
        return last

    def _build_sidecar(self, stamp: str) -> bm25.Sidecar:
        scanned = list(self.scan())
        passages = [p for p, _ in scanned]
        dims = len(scanned[0][1]) if scanned else 0
        rows = [v for _, v in scanned]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(rows), dims)  # (0, 0) if empty
        columns = bm25.Columns(
            ids=[p.id for p in passages],
            articles=[p.article_id for p in passages],
            outlets=[p.metadata.get("outlet", "") for p in passages],
            days=[bm25.day_number(p.metadata.get("published")) or 0 for p in passages],
        )
        return bm25.build(passages, columns, stamp, vectors)

    def _sidecar_root(self) -> Path:
        if self.sidecar_root is None:
            raise StoreError("this store was opened without a folder for the BM25 sidecar")
        self.sidecar_root.mkdir(parents=True, exist_ok=True)
        return self.sidecar_root

    # records ------------------------------------------------------------------

    def load_records(self) -> tuple[dict[str, ArticleRecord], dict[str, SourceRecord]]:
        """Every article and source record."""
        articles: dict[str, ArticleRecord] = {}
        sources: dict[str, SourceRecord] = {}
        for page in pages(self.records, ["metadatas"], self.batch):
            for rid, meta in zip(page["ids"], page["metadatas"], strict=True):
                kind, key = rid[:2], rid[2:]
                if kind == "a:":
                    done = bool(meta["done"])
                    articles[key] = ArticleRecord(key, meta["source"], meta["hash"], done)
                elif kind == "s:":
                    sources[key] = SourceRecord(key, meta["sha256"])
        return articles, sources

    def put_articles(self, records: Sequence[ArticleRecord]) -> None:
        """Write article records (pending before their passages are stored, done after)."""
        metas = [{"source": r.source, "hash": r.content_hash, "done": r.done} for r in records]
        self._put([f"a:{r.article_id}" for r in records], metas)

    def put_sources(self, records: Sequence[SourceRecord]) -> None:
        """Mark files as completely ingested."""
        metas = [{"sha256": r.sha256} for r in records]
        self._put([f"s:{r.source}" for r in records], metas)

    def delete_records(self, article_ids: Iterable[str] = (), sources: Iterable[str] = ()) -> None:
        """Forget articles and sources."""
        ids = [f"a:{a}" for a in article_ids] + [f"s:{s}" for s in sources]
        for chunk in chunks(ids, self.batch):
            self.records.delete(ids=chunk)

    def _put(self, ids: list[str], metas: list[dict[str, Any]]) -> None:
        for part in chunks(zip(ids, metas, strict=True), self.batch):
            self.records.upsert(
                ids=[rid for rid, _ in part],
                embeddings=[[0.0]] * len(part),
                metadatas=[meta for _, meta in part],
            )


def check_fingerprint(found: dict[str, Any], expected: dict[str, Any]) -> None:
    """Refuse an index built with other settings, naming the way out."""
    differ = [key for key in expected if found.get(key) != expected[key]]
    if not differ:
        return
    was = ", ".join(f"{k.removeprefix('rag:')} {found.get(k, 'unknown')}" for k in differ)
    now = ", ".join(f"{k.removeprefix('rag:')} {expected[k]}" for k in differ)
    raise IndexMismatch(
        f"the index was built with {was}, but the settings ask for {now}; "
        "run `rag ingest --rebuild` to re-index with the current settings"
    )


def passage_metadata(passage: Passage) -> dict[str, Any]:
    """Chroma metadata for a passage (Chroma stores no None values)."""
    meta: dict[str, Any] = {
        "article_id": passage.article_id,
        "ordinal": passage.ordinal,
        "start": passage.start,
        "end": passage.end,
        "source": passage.source,
        **passage.metadata,
    }
    if passage.page is not None:
        meta["page"] = passage.page
    if passage.page_breaks:
        meta["page_breaks"] = ",".join(str(offset) for offset in passage.page_breaks)
    if passage.ends_article:
        meta["ends_article"] = True
    if passage.quotations is not None:
        meta["quotations"] = ",".join(f"{a}:{b}" for a, b in passage.quotations)
    day = bm25.day_number(passage.metadata.get("published"))
    if day is not None:
        meta["day"] = day
    return meta


def to_passage(pid: str, text: str, meta: dict[str, Any]) -> Passage:
    """A stored passage back as a ``Passage``."""
    return Passage(
        id=pid,
        article_id=str(meta["article_id"]),
        ordinal=int(meta["ordinal"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        source=str(meta["source"]),
        page=int(meta["page"]) if "page" in meta else None,
        metadata={k: str(meta[k]) for k in METADATA_FIELDS if k in meta},
        page_breaks=tuple(int(x) for x in str(meta.get("page_breaks") or "").split(",") if x),
        ends_article=bool(meta.get("ends_article", False)),
        quotations=_spans(meta["quotations"]) if "quotations" in meta else None,
    )


def _spans(value: Any) -> tuple[tuple[int, int], ...]:
    """Spans stored as "a:b,c:d"."""
    pairs = (item.split(":") for item in str(value).split(",") if item)
    return tuple((int(a), int(b)) for a, b in pairs)
