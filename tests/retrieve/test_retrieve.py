"""Hybrid retrieval: fusion, filters, duplicate collapse, and the snapshot kept in step."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from rag.embed.factory import create_embedder
from rag.index.open import open_index, snapshot_root
from rag.retrieve import retriever as retriever_module
from rag.retrieve.collapse import collapse, overlap, shingles
from rag.retrieve.fusion import convex, rrf
from rag.retrieve.retriever import Retriever
from rag.settings import Settings
from rag.types import Filters, Hit, Passage
from tests.support.files import article, make_corpus, write
from tests.support.index import ingest, retriever


def titles(hits: list[Hit]) -> list[str]:
    return [h.passage.metadata.get("title", "") for h in hits]


def passage(pid: str, text: str) -> Passage:
    return Passage(pid, "a", 0, text, 0, len(text), "a.md")


def test_rrf_rewards_agreement_and_weights_rankings() -> None:
    scores = rrf([["a", "b", "c"], ["d", "b", "e"]], [1.0, 1.0], k=60)
    assert max(scores, key=scores.__getitem__) == "b"  # 2nd in both beats 1st in one
    assert scores["a"] == pytest.approx(1 / 61)
    weighted = rrf([["a", "b"], ["b", "a"]], [1.0, 2.0], k=60)
    assert weighted["b"] > weighted["a"]


def test_near_duplicates_collapse_into_the_better_hit() -> None:
    text = "Putin met Nazarbayev at the Kremlin on December 27 and talked for hours about Astana."
    hits = [
        Hit(passage("1", text), 0.9),
        Hit(passage("2", "An unrelated passage about pipelines that bypass Russia entirely."), 0.8),
        Hit(passage("3", "Moscow, Dec 28. " + text), 0.7),
        Hit(passage("4", "A third passage about the CSTO summit and external threats."), 0.6),
    ]
    kept = collapse(hits, 2, threshold=0.8)
    assert [h.passage.id for h in kept] == ["1", "2"]
    assert [p.id for p in kept[0].also_in] == ["3"]
    assert overlap(shingles(text), shingles("Something else entirely, said nobody here.")) == 0


def test_the_snapshot_follows_every_ingest(settings: Settings) -> None:
    make_corpus(Path("corpus"), 3)
    ingest(settings)
    assert retriever(settings).bm25("zanzibar", 5) == []
    extra = write(
        Path("corpus/extra.md"),
        article("Zanzibar", "Wire", "2025-01-02", "Zanzibar trade talks resumed."),
    )
    ingest(settings)
    found = retriever(settings).bm25("zanzibar", 5)
    assert len(found) == 1
    assert list(snapshot_root(settings).glob(f"{settings.collection}.*.*"))
    extra.unlink()
    ingest(settings)
    assert retriever(settings).bm25("zanzibar", 5) == []


def test_the_index_is_asked_for_a_newer_copy_at_most_once_per_recheck(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_corpus(Path("corpus"), 3)
    ingest(settings)
    asked: list[object] = []
    now = retriever(settings.model_copy(update={"recheck_seconds": 5.0}))
    store_snapshot = now.store.snapshot

    def counted(have: object = None) -> object:
        asked.append(have)
        return store_snapshot(have)  # type: ignore[arg-type]

    monkeypatch.setattr(now.store, "snapshot", counted)
    clock = [100.0]
    monkeypatch.setattr(retriever_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    for _ in range(3):
        now.bm25("dispatch", 5)
    assert len(asked) == 1  # one question after another within the 5 s: asked once
    write(Path("corpus/extra.md"), article("Zanzibar", "Wire", "2025-01-02", "Zanzibar talks."))
    ingest(settings)
    assert now.bm25("zanzibar", 5) == [] and len(asked) == 1  # not asked yet
    clock[0] += 5.0
    assert len(now.bm25("zanzibar", 5)) == 1 and len(asked) == 2
    now.refresh()
    now.bm25("zanzibar", 5)
    assert len(asked) == 3  # a refresh asks at once


def test_a_stale_snapshot_is_rebuilt_from_the_collection(settings: Settings) -> None:
    make_corpus(Path("corpus"), 3)
    ingest(settings)
    write(
        Path("corpus/extra.md"),
        article("Zanzibar", "Wire", "2025-01-02", "Zanzibar talks resumed."),
    )
    ingest(settings)
    store = open_index(settings)[0]
    store.clear_stamp()  # as left by an ingest killed midway
    assert len(Retriever(store, create_embedder(settings), settings).bm25("zanzibar", 5)) == 1
    pointer = snapshot_root(settings) / f"{settings.collection}.current"
    pointer.write_text("gone.1", encoding="utf-8")  # snapshot files lost
    ingest(settings)  # nothing changed, but the missing stamp makes it rebuild
    assert open_index(settings)[0].stamp() is not None
    assert len(retriever(settings).bm25("zanzibar", 5)) == 1


def test_filters_apply_to_both_retrievers(settings: Settings) -> None:
    body = "The pipeline bypasses Russia"
    write(Path("corpus/a.md"), article("Early", "Alpha", "2024-03-01", f"{body}, planners said."))
    write(Path("corpus/b.md"), article("Late", "Beta", "2025-06-01", f"{body}; it opened in June."))
    undated = f"---\ntitle: Undated\noutlet: Alpha\n---\n\nWhy {body.lower()} is unclear.\n"
    write(Path("corpus/c.md"), undated)
    ingest(settings)
    r = retriever(settings)
    query = "pipeline bypasses Russia"
    assert set(titles(r.retrieve(query))) == {"Early", "Late", "Undated"}
    assert set(titles(r.retrieve(query, filters=Filters(outlets=("Alpha",))))) == {
        "Early",
        "Undated",
    }
    assert titles(r.retrieve(query, filters=Filters(since="2025-01-01"))) == ["Late"]
    assert titles(r.retrieve(query, filters=Filters(until="2024-12-31"))) == ["Early"]
    only_b = Filters(articles=("corpus/b.md",))
    assert titles(r.retrieve(query, filters=only_b)) == ["Late"]
    assert [pid for pid, _ in r.snapshot().search(query, 10, only_b)] == [
        h.passage.id for h in r.retrieve(query, filters=only_b)
    ]


def test_syndicated_text_is_shown_once_with_also_in(settings: Settings) -> None:
    body = (
        "Kazakhstan plans a new oil pipeline that bypasses Russia, officials in Astana said, "
        "routing crude through Azerbaijan and Turkey towards European buyers next year."
    )
    write(Path("corpus/a.md"), article("Original", "Alpha", "2025-01-01", body))
    write(Path("corpus/b.md"), article("Reprint", "Beta", "2025-01-02", body))
    write(Path("corpus/c.md"), article("Other", "Gamma", "2025-01-03", "Uzbekistan talks."))
    ingest(settings)
    hits = retriever(settings).retrieve("oil pipeline bypasses Russia", k=3)
    assert len(hits) == 2
    first = hits[0]
    shown_and_hidden = {first.passage.metadata["title"], first.also_in[0].metadata["title"]}
    assert shown_and_hidden == {"Original", "Reprint"}


def test_k_bounds_the_hits_and_ranks_are_recorded(settings: Settings) -> None:
    make_corpus(Path("corpus"), 6)
    ingest(settings)
    hits = retriever(settings).retrieve("Putin Nazarbayev Kremlin meeting", k=4)
    assert len(hits) == 4
    assert all(h.dense_rank or h.bm25_rank for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_convex_fusion_sums_rescaled_scores() -> None:
    fused = convex([{"a": 0.9, "b": 0.5, "c": 0.7}, {"a": 0.0, "b": 10.0, "c": 5.0}], [1.0, 1.0])
    assert fused == pytest.approx({"a": 1.0, "b": 1.0, "c": 1.0})
    leaning = convex([{"a": 0.9, "b": 0.5}, {"a": 0.0, "b": 10.0}], [1.0, 2.0])
    assert leaning["b"] > leaning["a"]


def test_the_snapshot_ranks_and_scores_passages_like_chroma(settings: Settings) -> None:
    make_corpus(Path("corpus"), 6)
    ingest(settings)
    store = open_index(settings)[0]
    vector = np.asarray(create_embedder(settings).embed(["Putin Nazarbayev Kremlin"])[0])
    got = store.passages.query(query_embeddings=[vector], n_results=10, include=["distances"])
    chroma = [(pid, 1 - d) for pid, d in zip(got["ids"][0], got["distances"][0], strict=True)]
    snapshot = store.snapshot()
    nearest = snapshot.nearest(vector, 10)
    assert [pid for pid, _ in nearest] == [pid for pid, _ in chroma]
    assert [s for _, s in nearest] == pytest.approx([s for _, s in chroma], abs=1e-5)
    assert snapshot.cosine([pid for pid, _ in chroma], vector) == pytest.approx(dict(chroma))
