"""The keyword index scores as bm25s does, and a change (passages gone, passages added,
segments merged) leaves it scoring exactly as one built whole over what is left; a saved
copy links the segments it shares with the one before and writes only the new."""

from __future__ import annotations

import random
from pathlib import Path

import bm25s
import numpy as np
import pytest

from rag.index.keywords import Keywords

WORDS = [f"w{n}" for n in range(60)]


def documents(count: int, seed: int) -> list[list[str]]:
    """Token lists of varied length over a vocabulary with common and rare words."""
    pick = random.Random(seed)
    weights = [1 / (n + 1) for n in range(len(WORDS))]
    return [pick.choices(WORDS, weights, k=pick.randint(3, 40)) for _ in range(count)]


QUERIES = [["w0"], ["w3", "w17", "w59"], ["w5", "w5", "w40"], ["w1", "unknown"], ["w58"]]


def all_scores(keywords: Keywords, size: int) -> list[np.ndarray]:
    return [keywords.scores(query, size) for query in QUERIES]


@pytest.mark.parametrize(("k1", "b"), [(0.9, 0.4), (3.0, 1.0)])
def test_scores_are_those_of_bm25s(k1: float, b: float) -> None:
    docs = documents(300, seed=1)
    theirs = bm25s.BM25(k1=k1, b=b)
    theirs.index(docs, show_progress=False)
    ours = Keywords.build(k1, b, docs)
    for query, scores in zip(QUERIES, all_scores(ours, len(docs)), strict=True):
        np.testing.assert_allclose(scores, theirs.get_scores(query), rtol=1e-5, atol=1e-6)
    assert scores.any()  # the last query matched something


def changed_and_whole(keywords: Keywords, docs: list[list[str]], gone: set[int],
                      added: list[list[str]]) -> tuple[Keywords, list[list[str]]]:  # fmt: skip
    """``keywords`` (over ``docs``) changed: rows ``gone`` dropped, ``added`` appended; and
    the documents it should now hold, in their rows."""
    kept = [i for i in range(len(docs)) if i not in gone]
    moved = np.full(len(docs), -1)
    moved[kept] = np.arange(len(kept))
    return keywords.changed(moved, added), [docs[i] for i in kept] + added


def test_a_changed_index_scores_as_one_built_whole_over_what_is_left() -> None:
    docs = documents(400, seed=2)
    keywords = Keywords.build(0.9, 0.4, docs)
    pick = random.Random(3)
    segment_counts = []
    for step in range(30):
        gone = set(pick.sample(range(len(docs)), pick.randint(0, 30)))
        added = documents(pick.randint(1, 40), seed=100 + step)
        keywords, docs = changed_and_whole(keywords, docs, gone, added)
        segment_counts.append(len(keywords.segments))
        whole = Keywords.build(0.9, 0.4, docs)
        for ours, theirs in zip(all_scores(keywords, len(docs)), all_scores(whole, len(docs)),
                                strict=True):  # fmt: skip
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert max(segment_counts) > 2  # small changes stayed segments of their own
    assert max(segment_counts) <= 6  # and were merged


def test_an_index_that_lost_a_third_is_merged_into_one_segment() -> None:
    docs = documents(90, seed=4)
    keywords = Keywords.build(0.9, 0.4, docs)
    keywords, docs = changed_and_whole(keywords, docs, set(), documents(5, seed=5))
    assert len(keywords.segments) == 2
    keywords, docs = changed_and_whole(keywords, docs, set(range(40)), [])
    assert len(keywords.segments) == 1 and len(keywords.rows) == keywords.count == len(docs)
    assert (keywords.rows == np.arange(len(docs))).all()


def test_everything_gone_leaves_an_index_that_finds_nothing() -> None:
    docs = documents(10, seed=6)
    keywords, docs = changed_and_whole(Keywords.build(0.9, 0.4, docs), docs, set(range(10)), [])
    assert docs == [] and keywords.count == 0 and keywords.segments == []
    assert not keywords.scores(["w0"], 0).size


def test_a_saved_copy_links_the_segments_it_shares_and_loads_as_it_was(tmp_path: Path) -> None:
    docs = documents(200, seed=7)
    first = Keywords.build(0.9, 0.4, docs)
    (tmp_path / "a").mkdir()
    first.save(tmp_path / "a", None)
    loaded = Keywords.load(tmp_path / "a")
    later, docs = changed_and_whole(loaded, docs, {1, 2}, documents(3, seed=8))
    (tmp_path / "b").mkdir()
    later.save(tmp_path / "b", tmp_path / "a")
    again = Keywords.load(tmp_path / "b")
    for ours, theirs in zip(all_scores(again, len(docs)), all_scores(later, len(docs)),
                            strict=True):  # fmt: skip
        np.testing.assert_array_equal(ours, theirs)
    old, new = (seg.name for seg in later.segments)
    shared = f"keywords.{old}.docs.npy"
    assert (tmp_path / "b" / shared).stat().st_ino == (tmp_path / "a" / shared).stat().st_ino
    assert not (tmp_path / "a" / f"keywords.{new}.docs.npy").exists()
    (tmp_path / "c").mkdir()
    later.save(tmp_path / "c", tmp_path / "gone")  # the folder it came from was removed
    assert Keywords.load(tmp_path / "c").count == len(docs)
