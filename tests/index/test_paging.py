"""Every read and write of the index goes to Chroma in bounded pages, so an index past
SQLite's 32,766 variables a statement (Chroma's embedded store) keeps working."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag.embed.factory import create_embedder
from rag.index.chroma import chunks, pages
from rag.index.open import open_index
from rag.index.stats import index_stats
from rag.index.sync import Ingestor
from rag.retrieve.retriever import Retriever
from rag.settings import Settings
from tests.support.files import write
from tests.support.index import ingest

#: SQLite's most variables in one statement; a Chroma call binds one per id it touches.
SQLITE_LIMIT = 32_766


def wire(path: Path, lines: dict[int, str]) -> Path:
    """A .jsonl with one short article a line, ``lines`` by id."""
    rows = (json.dumps({"id": i, "text": text}) for i, text in lines.items())
    return write(path, "\n".join(rows) + "\n")


def note(i: int) -> str:
    return f"Wire note {i} on grain prices."


class Bounded:
    """A Chroma collection that fails any call touching more than ``size`` records: a get
    without a limit, more ids, a longer ``$in`` list, or more records returned."""

    def __init__(self, target: Any, size: int) -> None:
        self.target, self.size, self.calls = target, size, 0

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.target, name)
        if name not in ("get", "delete", "upsert", "add", "update"):
            return found

        def call(**kwargs: Any) -> Any:
            self.calls += 1
            ids, where = kwargs.get("ids"), kwargs.get("where") or {}
            touched = [len(ids)] if ids is not None else []
            touched += [len(v["$in"]) for v in where.values() if isinstance(v, dict) and "$in" in v]
            if name == "get" and ids is None:
                assert kwargs.get("limit") is not None, f"get without a limit: {kwargs}"
                touched.append(kwargs["limit"])
            assert max(touched, default=0) <= self.size, f"{name} touches {touched}: {kwargs}"
            got = found(**kwargs)
            assert name != "get" or len(got["ids"]) <= self.size
            return got

        return call


def test_pages_and_chunks_cover_everything_in_bounded_calls(settings: Settings) -> None:
    store = open_index(settings)[0]
    ids = [f"r{i:02d}" for i in range(23)]
    store.records.upsert(ids=ids, embeddings=[[0.0]] * 23, metadatas=[{"n": i} for i in range(23)])
    bounded = Bounded(store.records, 5)
    got = list(pages(bounded, ["metadatas"], 5))
    assert [len(page["ids"]) for page in got] == [5, 5, 5, 5, 3]
    read = {r: m["n"] for p in got for r, m in zip(p["ids"], p["metadatas"], strict=True)}
    assert sorted(rid for page in got for rid in page["ids"]) == ids
    assert read == {rid: i for i, rid in enumerate(ids)}
    odd = {"n": {"$in": list(range(1, 23, 2))}}
    assert [len(p["ids"]) for p in pages(store.records, [], 5, where=odd)] == [5, 5, 1]
    assert [len(c) for c in chunks(iter(ids), 10)] == [10, 10, 3]
    assert list(chunks([], 10)) == []


def test_an_ingest_reads_and_writes_the_index_in_pages(settings: Settings) -> None:
    corpus = settings.corpus_dir
    lines = {i: note(i) for i in range(40)}
    wire(corpus / "wire.jsonl", lines)
    store = open_index(settings)[0]
    store.batch = 7
    store.passages, store.records = Bounded(store.passages, 7), Bounded(store.records, 7)
    ingestor = Ingestor(settings, store, lambda: create_embedder(settings), progress=False)
    assert ingestor.run([corpus]).added == 40
    del lines[3], lines[4]
    lines[5] = "A corrected wire note."
    lines[99] = "A late wire note."
    wire(corpus / "wire.jsonl", lines)
    again = ingestor.run([corpus])
    assert (again.added, again.updated, again.removed, again.unchanged) == (1, 1, 2, 37)
    articles, sources = store.load_records()
    assert len(articles) == store.count() == 39 and list(sources) == ["corpus/wire.jsonl"]
    assert store.records.calls > 10 and store.passages.calls > 10


@pytest.mark.slow
def test_an_index_past_sqlites_variable_limit_ingests_counts_and_answers(
    settings: Settings,
) -> None:
    """34,000 one-passage articles in one .jsonl: over 32,766 ingest records."""
    settings = settings.model_copy(update={"ingest_group": 4000})
    path = settings.corpus_dir / "wire.jsonl"
    lines = {i: note(i) for i in range(34_000)}
    first = ingest(settings, wire(path, lines))
    assert first.added == first.passages == 34_000 and not first.failed
    articles, _ = open_index(settings)[0].load_records()
    assert len(articles) + 1 > SQLITE_LIMIT  # and one source record
    del lines[10], lines[20], lines[30]
    lines[40] = "A corrected wire note on grain prices."
    lines[50_000] = "Zanzibar clove harvest fails after the cyclone."
    lines[50_001] = "Saffron growers report a record crop."
    second = ingest(settings, wire(path, lines))
    report = (second.added, second.updated, second.removed, second.unchanged, second.embedded)
    assert report == (2, 1, 3, 33_996, 3) and second.passages == 33_999
    stats = index_stats(settings)
    assert (stats["articles"], stats["passages"], stats["sources"]) == (33_999, 33_999, 1)
    assert "pending" not in stats and "note" not in stats
    retriever = Retriever(open_index(settings)[0], create_embedder(settings), settings)
    snapshot = retriever.snapshot()
    held = set(snapshot.columns.articles)
    assert len(held) == 33_999 and not {f"{path.as_posix()}#{i}" for i in (10, 20, 30)} & held
    hits = retriever.retrieve(lines[50_000])  # the same words: nearest and best by BM25
    assert hits[0].passage.article_id == f"{path.as_posix()}#50000"
    (corrected,) = snapshot.get(retriever.bm25("corrected", 1)).values()
    assert corrected.article_id == f"{path.as_posix()}#40" and corrected.text == lines[40]
