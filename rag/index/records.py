"""The record of what was ingested, kept in the records collection beside the passages:
one ``ArticleRecord`` per article, one ``SourceRecord`` per file read whole, and the
fingerprint an index keeps of the settings that built it (``check_fingerprint`` refuses
another). It reads and writes the records collection only: never passages, and never the
snapshot (its stamp is ``store.py``'s)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.embed.base import embedder_name
from rag.errors import IndexMismatch
from rag.index.chroma import chunks, pages
from rag.settings import Settings

#: 2: passages carry ``day`` (published date as YYYYMMDD) for date filters.
FORMAT = 2
FINGERPRINT_KEYS = ("rag:format", "rag:embedder", "rag:chunking")


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


def load_records(
    records: Any, batch: int
) -> tuple[dict[str, ArticleRecord], dict[str, SourceRecord]]:
    """Every article and source record of the collection ``records``."""
    articles: dict[str, ArticleRecord] = {}
    sources: dict[str, SourceRecord] = {}
    for page in pages(records, ["metadatas"], batch):
        for rid, meta in zip(page["ids"], page["metadatas"], strict=True):
            kind, key = rid[:2], rid[2:]
            if kind == "a:":
                done = bool(meta["done"])
                articles[key] = ArticleRecord(key, meta["source"], meta["hash"], done)
            elif kind == "s:":
                sources[key] = SourceRecord(key, meta["sha256"])
    return articles, sources


def put_articles(records: Any, batch: int, found: Sequence[ArticleRecord]) -> None:
    """Write article records (pending before their passages are stored, done after)."""
    metas = [{"source": r.source, "hash": r.content_hash, "done": r.done} for r in found]
    put(records, batch, [f"a:{r.article_id}" for r in found], metas)


def put_sources(records: Any, batch: int, found: Sequence[SourceRecord]) -> None:
    """Mark files as completely ingested."""
    metas = [{"sha256": r.sha256} for r in found]
    put(records, batch, [f"s:{r.source}" for r in found], metas)


def delete_records(
    records: Any, batch: int, article_ids: Iterable[str] = (), sources: Iterable[str] = ()
) -> None:
    """Forget articles and sources."""
    ids = [f"a:{a}" for a in article_ids] + [f"s:{s}" for s in sources]
    for chunk in chunks(ids, batch):
        records.delete(ids=chunk)


def put(records: Any, batch: int, ids: list[str], metas: list[dict[str, Any]]) -> None:
    """Upsert records by id, ``batch`` at a time (records carry a dummy vector)."""
    for part in chunks(zip(ids, metas, strict=True), batch):
        records.upsert(
            ids=[rid for rid, _ in part],
            embeddings=[[0.0]] * len(part),
            metadatas=[meta for _, meta in part],
        )
