"""Dense search served by Chroma's HNSW index on a server (``RAG_DENSE=chroma``): the copy of
the index keeps no vectors, answers are those of the exact search, and a question answered
from the copy before an ingest still finds, by meaning, the passages that ingest removed,
until their grace is over; no copy made after it finds them."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import rag.index.store as store_module
from rag.embed.factory import create_embedder
from rag.index import changes
from rag.index.open import open_index, store_options
from rag.index.snapshot import Snapshot
from rag.index.sync import Ingestor
from rag.retrieve.retriever import Retriever
from rag.settings import Settings
from rag.types import Filters, Passage
from tests.support.files import make_corpus, write
from tests.support.index import ingest
from tests.support.servers import COLLECTIONS

QUESTIONS = ["grain exports pipeline", "Dispatch 3.2 talks", "who said what about the border"]


@pytest.fixture
def on_server(settings: Settings, chroma_server: str) -> Settings:
    """``settings`` on the test server, dense search by Chroma, removals after no grace."""
    return settings.model_copy(
        update={
            "chroma_url": chroma_server,
            "collection": f"dense-{next(COLLECTIONS)}",
            "dense": "chroma",
            "delete_grace_seconds": 0.0,
        }
    )


def asker(settings: Settings, folder: str) -> Retriever:
    """A process of its own: a retriever with its own folder of copies."""
    own = settings.model_copy(update={"index_dir": Path(folder)})
    return Retriever(open_index(own)[0], create_embedder(own), own)


def ranked(retriever: Retriever, filters: Filters | None = None) -> list[list[tuple[str, float]]]:
    return [
        [(h.passage.id, round(h.score, 4)) for h in retriever.retrieve(q, 8, filters)]
        for q in QUESTIONS
    ]


def ids_of(copy: Snapshot, article: str) -> set[str]:
    """The ids of the passages of the articles whose id holds ``article``."""
    rows = zip(copy.columns.ids, copy.columns.articles, strict=True)
    return {pid for pid, found in rows if article in found}


def vector_of(retriever: Retriever, text: str) -> np.ndarray:
    return np.asarray(retriever.embedder.embed([text])[0], dtype=np.float32)


def test_chroma_serves_the_same_answers_as_the_exact_search(on_server: Settings) -> None:
    make_corpus(Path("corpus"), 8)
    write(Path("corpus/other.md"), "---\noutlet: Other Desk\n---\n\nGrain exports fell.\n")
    ingest(on_server, "corpus")
    served = asker(on_server, "served")
    exact = asker(on_server.model_copy(update={"dense": "exact"}), "exact")
    copy = served.snapshot()
    assert copy.vectors is None and exact.snapshot().vectors is not None
    assert not list(Path("served").rglob("vectors.npy"))
    assert ranked(served) == ranked(exact) and ranked(served)[0]
    desk = Filters(outlets=("Other Desk",))
    assert ranked(served, desk) == ranked(exact, desk)
    assert {pid for row in ranked(served, desk) for pid, _ in row} == ids_of(copy, "other")
    vector = vector_of(served, QUESTIONS[0])
    every = served.store.nearest(copy, vector, len(copy))
    assert len(every) == len(copy)
    assert dict(every) == pytest.approx(dict(exact.store.nearest(exact.snapshot(), vector, 99)))


def test_an_unfinished_ingest_is_not_seen_by_meaning(on_server: Settings) -> None:
    make_corpus(Path("corpus"), 4)
    ingest(on_server, "corpus")
    served = asker(on_server, "served")
    before = ranked(served)
    writer = open_index(on_server)[0]
    text = "Grain exports pipeline " * 5
    passage = Passage("new-1", "corpus/x.md", 0, text, 0, len(text), "corpus/x.md")
    writer.upsert([passage], [vector_of(served, text)])  # written, not published
    assert writer.stamp() is None and ranked(served) == before
    copy = served.snapshot()
    assert "new-1" not in dict(served.store.nearest(copy, vector_of(served, text), 100))


def grace_checks(check: Callable[[], None]) -> types.SimpleNamespace:
    """A stand-in for the store's clock whose ``sleep`` (the grace) runs ``check``."""

    def sleep(seconds: float) -> None:
        assert seconds == 5.0
        check()

    return types.SimpleNamespace(sleep=sleep, perf_counter=lambda: 0.0)


def with_old_asker(on_server: Settings, articles: int) -> tuple[Settings, Retriever]:
    """Settings with a grace of 5 s, an index of ``articles`` articles, and a process that
    answers from its copy of it until it is told to refresh."""
    settings = on_server.model_copy(update={"delete_grace_seconds": 5.0})
    make_corpus(Path("corpus"), articles)
    ingest(settings, "corpus")
    return settings, asker(settings.model_copy(update={"recheck_seconds": 3600.0}), "old")


def test_a_question_from_the_copy_before_an_ingest_finds_what_it_removed(
    on_server: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, old = with_old_asker(on_server, 6)
    old_copy = old.snapshot()
    gone = ids_of(old_copy, "article-001")
    before = ranked(old)
    Path("corpus/article-001.md").unlink()
    seen: dict[str, object] = {}

    def during_grace() -> None:
        seen["old"] = ranked(old)  # the copy before: what it removed is still found
        assert old.snapshot() is old_copy
        everything = old.store.nearest(old_copy, vector_of(old, "Dispatch 1.3"), 1000)
        seen["found"] = {pid for pid, _ in everything}
        fresh = asker(settings, "fresh").snapshot()  # a machine without a copy: whole
        seen["fresh"] = set(fresh.columns.ids)
        seen["in chroma"] = set(old.store.passages.get(ids=sorted(gone), include=[])["ids"])

    monkeypatch.setattr(store_module, "time", grace_checks(during_grace))
    report = ingest(settings, "corpus")
    assert report.removed == 1
    assert seen["old"] == before and seen["found"] == set(old_copy.columns.ids)
    assert seen["in chroma"] == gone and not gone & seen["fresh"]  # type: ignore[operator]
    assert not old.store.passages.get(ids=sorted(gone), include=[])["ids"]
    old.refresh()
    caught_up = old.snapshot()
    assert set(caught_up.columns.ids) == seen["fresh"] == set(old_copy.columns.ids) - gone


def test_what_an_interrupted_grace_left_is_removed_by_the_next_change(
    on_server: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = on_server.model_copy(update={"delete_grace_seconds": 5.0})
    corpus = make_corpus(Path("corpus"), 4)
    ingest(settings, "corpus")
    store = open_index(settings)[0]
    gone = set(store.passage_ids_of(["corpus/article-000.md"]))
    corpus[0].unlink()

    def stopped() -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(store_module, "time", grace_checks(stopped))
        with pytest.raises(KeyboardInterrupt):
            ingest(settings, "corpus")
    assert store.passages.get(ids=sorted(gone), include=[])["ids"]  # left there
    assert changes.removing(store.records, store.batch).keys() == gone
    whole = asker(settings, "whole").snapshot()
    assert not gone & set(whole.columns.ids) and whole.stamp == store.stamp()
    write(Path("corpus/extra.md"), "# Extra\n\nAn extra article.\n")
    ingest(settings.model_copy(update={"delete_grace_seconds": 0.0}), "corpus")
    assert not store.passages.get(ids=sorted(gone), include=[])["ids"]
    assert not changes.removing(store.records, store.batch)


def test_auto_serves_dense_search_from_chroma_only_on_a_server_from_its_size(
    settings: Settings,
) -> None:
    embedded = settings.model_copy(update={"chroma_url": None})
    assert store_options(embedded) == {"dense_from": None, "delete_grace": None}
    server = settings.model_copy(update={"chroma_url": "http://127.0.0.1:9"})
    assert store_options(server) == {"dense_from": 200_000, "delete_grace": 0.0}
    exact = server.model_copy(update={"dense": "exact"})
    assert store_options(exact)["dense_from"] is None
    with pytest.raises(ValueError, match="RAG_DENSE=chroma needs a Chroma server"):
        Settings(dense="chroma", chroma_url=None)


def test_a_copy_brought_up_to_date_during_a_grace_leaves_out_what_came_and_went(
    on_server: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, old = with_old_asker(on_server, 3)
    old_copy = old.snapshot()
    write(Path("corpus/brief.md"), "# Brief\n\nA brief that is soon withdrawn.\n")
    ingest(settings, "corpus")
    Path("corpus/brief.md").unlink()
    seen: dict[str, set[str]] = {}

    def during_grace() -> None:  # the brief's passages are still in Chroma
        old.refresh()
        caught_up = old.snapshot()
        assert caught_up.seq == 3 and caught_up.seq - 2 == old_copy.seq
        seen["ids"] = set(caught_up.columns.ids)

    monkeypatch.setattr(store_module, "time", grace_checks(during_grace))
    ingest(settings, "corpus")
    assert seen["ids"] == set(old_copy.columns.ids)


def test_a_rebuild_drops_the_collection_it_replaces_after_the_grace(
    on_server: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, old = with_old_asker(on_server, 3)
    before = ranked(old)
    seen: dict[str, object] = {}

    def during_grace() -> None:  # the rebuild is published: questions under way go on
        seen["old"] = ranked(old)
        seen["live"] = open_index(settings)[0].name

    monkeypatch.setattr(store_module, "time", grace_checks(during_grace))
    Ingestor.from_settings(settings, progress=False, rebuild=True).run([Path("corpus")])
    assert seen["old"] == before and seen["live"] != old.store.name
    anchor = old.store.client.get_collection(old.store.name, embedding_function=None)
    assert anchor.count() == 0  # dropped; the name kept as the index's anchor
