"""Time expressions: found in news text, resolved against the publication date, kept with
the passages that hold them through Chroma and the snapshot, and read into older indexes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rag.index import snapshot as snapshots
from rag.index import store as stores
from rag.index import sync
from rag.index.open import open_index, snapshot_root
from rag.ingest.split import Splitter
from rag.settings import Settings
from rag.text.times import time_expressions
from rag.types import Article, Passage
from tests.support.fakes import FakeEmbedder
from tests.support.files import article, write
from tests.support.index import ingest, make_store, retriever

TUESDAY = "2025-03-04"  # a Tuesday
ARTICLE = "corpus/times.md"
#: Paragraphs of an article published on ``TUESDAY``, each with its expressions' dates.
PARAGRAPHS = {
    "The council voted on Tuesday to close the bridge, the mayor said.": ["2025-03-04"],
    "Engineers had warned last year that the steel was failing.": ["2024"],
    "The bridge opened on 4 June 1998 and was repaired in 2011.": ["1998-06-04", "2011"],
    "Traffic fell by 3,000 cars a day earlier this week, officials said.": ["2025-03-03"],
    "Work may start in May, and drivers may march on the town hall.": ["2024-05"],
}


def found(text: str, published: str | None = TUESDAY) -> list[tuple[str, str, str]]:
    """(words, date, how) of each time expression of ``text``."""
    return [(text[t.start : t.end], t.date, t.how) for t in time_expressions(text, published)]


@pytest.mark.parametrize(
    ("text", "words", "date"),
    [
        ("The council voted on Tuesday.", "on Tuesday", "2025-03-04"),  # publication's day
        ("On Monday, the talks ended.", "On Monday", "2025-03-03"),
        ("The company said Wednesday it would appeal.", "Wednesday", "2025-02-26"),
        ("He left last Tuesday.", "last Tuesday", "2025-02-25"),
        ("They meet next Tuesday.", "next Tuesday", "2025-03-11"),
        ("Rain fell yesterday.", "yesterday", "2025-03-03"),
        ("The vote is today.", "today", "2025-03-04"),
        ("It opens tomorrow.", "tomorrow", "2025-03-05"),
        ("Talks stalled last week.", "last week", "2025-02-24"),  # the week's Monday
        ("Earlier this week, talks stalled.", "Earlier this week", "2025-03-03"),
        ("Two weeks ago they met.", "Two weeks ago", "2025-02-17"),
        ("Prices rose 3 days ago.", "3 days ago", "2025-03-01"),
        ("Sales fell last month.", "last month", "2025-02"),
        ("He was hired two months ago.", "two months ago", "2025-01"),
        ("Sales fell last year.", "last year", "2024"),
        ("It will grow this year.", "this year", "2025"),
        ("The firm was sold four years ago.", "four years ago", "2021"),
    ],
)
def test_relative_expressions_resolve_against_the_publication_date(
    text: str, words: str, date: str
) -> None:
    assert found(text) == [(words, date, "resolved")]


@pytest.mark.parametrize(
    ("text", "published", "words", "date"),
    [
        ("The law passed in March.", TUESDAY, "in March", "2025-03"),  # publication's month
        ("The law passed in May.", TUESDAY, "in May", "2024-05"),  # the latest May before
        ("The law passed in December.", "2025-01-10", "in December", "2024-12"),
        ("The vote is on March 10.", TUESDAY, "on March 10", "2025-03-10"),  # the nearest
        ("The fire began on December 28.", "2025-01-03", "on December 28", "2024-12-28"),
        ("The fair opens on Jan. 5.", "2024-12-20", "on Jan. 5", "2025-01-05"),
    ],
)
def test_days_and_months_without_a_year_take_it_from_publication(
    text: str, published: str, words: str, date: str
) -> None:
    assert found(text, published) == [(words, date, "stated")]
    assert found(text, None) == []  # nothing gives the year


@pytest.mark.parametrize(
    ("text", "words", "date"),
    [
        ("It opened on 4 March 2021.", "on 4 March 2021", "2021-03-04"),
        ("It opened March 4, 2021, in Baku.", "March 4, 2021", "2021-03-04"),
        ("It opened on Thursday, March 4, 2021.", "on Thursday, March 4, 2021", "2021-03-04"),
        ("It opened Sept. 5, 2019.", "Sept. 5, 2019", "2019-09-05"),
        ("The filing is dated 2024-06-30.", "2024-06-30", "2024-06-30"),
        ("It opened in March 2024.", "in March 2024", "2024-03"),
        ("It opened in mid-March 2024.", "in mid-March 2024", "2024-03"),
        ("It opened in 2022.", "in 2022", "2022"),
        ("It has grown since 2019.", "2019", "2019"),
        ("It opened in early 2023.", "in early 2023", "2023"),
    ],
)
@pytest.mark.parametrize("published", [TUESDAY, None])
def test_stated_dates_are_read_with_or_without_a_publication_date(
    text: str, words: str, date: str, published: str | None
) -> None:
    assert found(text, published) == [(words, date, "stated")]


@pytest.mark.parametrize(
    "text",
    [
        "Prices may rise, and protesters may march to the square.",
        "The Sunday Times reported it, as did USA Today.",
        "Shops close on Good Friday.",
        "About 3,000 people and 2,024 cars came; 2023 was a record.",
        "It was popular in the 1990s and at the 2022 election.",
        "Theresa May said March was cold.",
        "The bridge is 1998 metres long.",
        "The form is dated 2025-02-30.",  # no real day
    ],
)
def test_words_that_are_no_time_expression_are_left_out(text: str) -> None:
    assert found(text) == []


def test_relative_expressions_are_left_out_without_a_publication_date() -> None:
    text = "On Tuesday, a year after the vote in 2022, the council met. It met last week too."
    assert found(text, None) == found(text, "not a date") == [("in 2022", "2022", "stated")]


def test_a_publication_date_and_time_places_them_on_its_day() -> None:
    text = "The council voted on Tuesday."
    assert found(text, "2025-03-04T23:30:00+03:00") == found(text)


def test_every_expression_spans_exactly_its_words_in_a_whole_article() -> None:
    text = "\n\n".join(PARAGRAPHS)
    assert [words for words, _, _ in found(text)] == [
        "on Tuesday", "last year", "on 4 June 1998", "in 2011", "earlier this week", "in May",
    ]  # fmt: skip
    assert [date for _, date, _ in found(text)] == [d for ds in PARAGRAPHS.values() for d in ds]


def test_passages_keep_the_dates_inside_them_in_their_own_offsets() -> None:
    text = "\n\n".join(f"Part {i}. {line}" for i in range(6) for line in PARAGRAPHS)
    news = Article(id="a", source="a.md", text=text, published=TUESDAY)
    passages = Splitter(chunk_size=40, chunk_overlap=0).split(news)
    assert len(passages) > 3 and all(p.dates is not None for p in passages)
    kept = {(p.start + d.start, p.start + d.end, d.date) for p in passages for d in p.dates or ()}
    assert kept == {(t.start, t.end, t.date) for t in time_expressions(text, TUESDAY)}
    assert all(0 <= d.start < d.end <= len(p.text) for p in passages for d in p.dates or ())


def write_article() -> None:
    write(Path(ARTICLE), article("Bridge", "Test Wire", TUESDAY, "\n\n".join(PARAGRAPHS)))


def stored_dates(settings: Settings) -> dict[str, list[tuple[str, str]] | None]:
    """Each stored passage's (words, date) pairs, as Chroma, the live snapshot and the one
    saved on disk give them, keyed by where and passage id."""
    store = make_store(settings)
    saved = snapshots.load(snapshot_root(settings), open_index(settings)[0].name)
    assert saved is not None
    sources: dict[str, list[Passage]] = {
        "chroma": list(store.passages_of([ARTICLE])),
        "snapshot": list(retriever(settings).snapshot().texts),
        "saved": list(saved.texts),
    }
    return {
        f"{where}:{p.id}": None if p.dates is None else [(p.text[d.start : d.end], d.date)
                                                        for d in p.dates]
        for where, passages in sources.items()
        for p in passages
    }  # fmt: skip


def test_dates_are_kept_through_chroma_and_the_saved_snapshot(settings: Settings) -> None:
    write_article()
    ingest(settings)
    kept = stored_dates(settings)
    assert {key.split(":")[0] for key in kept} == {"chroma", "snapshot", "saved"}
    every = sorted(pair for pairs in kept.values() for pair in pairs or ())
    expected = [(w, d) for w, d, _ in found("\n\n".join(PARAGRAPHS))]
    assert every == sorted(expected * 3)


def test_an_older_index_gets_its_dates_at_the_next_ingest_without_embedding_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article()
    written = stores.passage_metadata

    def undated(passage: Passage) -> dict[str, Any]:
        return {k: v for k, v in written(passage).items() if k != "dates"}

    with monkeypatch.context() as older:  # as built before dates were read
        older.setattr(sync, "ANALYSIS", 2)
        older.setattr(stores, "passage_metadata", undated)
        ingest(settings)
    assert all(dates is None for dates in stored_dates(settings).values())
    FakeEmbedder.calls = []
    report = ingest(settings)
    assert (report.updated, report.embedded, FakeEmbedder.calls) == (1, 0, [])
    assert None not in stored_dates(settings).values()
    assert ("on Tuesday", "2025-03-04") in {
        pair for pairs in stored_dates(settings).values() for pair in pairs or ()
    }
