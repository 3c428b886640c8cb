"""Passages: exact offsets, stable ids, one copy of a repeated paragraph, configurable size."""

from __future__ import annotations

import itertools
from pathlib import Path

from rag.ingest.readers import read_file
from rag.ingest.split import Splitter, locate, unique_blocks
from rag.types import Article
from tests.support.files import REPO

CALIBER = REPO / "corpus" / "caliber-az-nazarbayev-at-the-kremlin.md"
REPEATED = "It is obvious that all of this is not accidental."


def caliber() -> Article:
    return read_file(CALIBER, 10**7).articles[0]


def test_offsets_point_at_the_passage_text() -> None:
    article = caliber()
    passages = Splitter(200, 30).split(article)
    assert len(passages) > 5
    for ordinal, passage in enumerate(passages):
        assert passage.ordinal == ordinal
        assert article.text[passage.start : passage.end] == passage.text
        assert passage.metadata["outlet"] == "Caliber.Az"
        assert passage.article_id == article.id == CALIBER.as_posix()
    starts = [p.start for p in passages]
    assert starts == sorted(starts)


def test_a_paragraph_repeated_in_the_article_is_stored_once() -> None:
    article = caliber()
    assert article.text.count(REPEATED) == 2
    passages = Splitter(200, 30).split(article)
    assert sum(p.text.count(REPEATED) for p in passages) == 1
    covered = "".join(article.text[p.start : p.end] for p in passages)
    assert "Political commentator Gaziz Abishev" in covered


def test_ids_are_stable_and_depend_on_article_and_text() -> None:
    article = caliber()
    first = [p.id for p in Splitter(200, 30).split(article)]
    again = [p.id for p in Splitter(200, 30).split(article)]
    assert first == again and len(set(first)) == len(first)
    renamed = Article(id="other", source="x.md", text=article.text)
    assert not set(first) & {p.id for p in Splitter(200, 30).split(renamed)}


def test_chunk_size_and_overlap_are_honoured() -> None:
    article = caliber()
    small = Splitter(64, 0).split(article)
    large = Splitter(400, 0).split(article)
    overlapping = Splitter(64, 32).split(article)
    assert len(small) > 2 * len(large)
    assert len(overlapping) > len(small)
    assert all(b.start >= a.end - 1 for a, b in itertools.pairwise(small))
    assert any(b.start < a.end for a, b in itertools.pairwise(overlapping))


def test_short_repeated_lines_are_kept() -> None:
    text = "Q:\nFirst answer is long enough to matter here.\nQ:\nSecond answer is different.\n"
    assert list(unique_blocks(text)) == [(0, len(text))]
    doubled = "A line that is long enough to count as a paragraph.\n" * 2 + "tail\n"
    assert list(unique_blocks(doubled)) == [(0, 52), (104, 109)]


def test_locate_tolerates_changed_whitespace() -> None:
    block = "one  two\nthree four"
    assert locate(block, "two three", 0) == (5, 14)


def test_pdf_passages_know_their_page(tmp_path: Path) -> None:
    text = "Page one text. " * 40 + "\n\n" + "Page two text. " * 40
    article = Article(id="r", source="r.pdf", text=text, page_starts=(0, text.index("Page two")))
    pages = [p.page for p in Splitter(64, 0).split(article)]
    assert pages[0] == 1 and pages[-1] == 2
