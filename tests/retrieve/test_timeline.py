"""The timeline: dated whole sentences about a query, in order, folded, bounded by overlap
and cited by article; on passages dated by hand, with the bundled model judging relevance."""

from __future__ import annotations

import pytest

from rag.embed.base import Embedder
from rag.embed.factory import create_embedder
from rag.retrieve.timeline import Timeline, article_texts, dated_events, overlaps, period
from rag.settings import Settings
from rag.types import Passage, TimeRef

pytestmark = pytest.mark.slow

QUERY = "Putin and Nazarbayev meeting"
#: Two articles; the time expressions of each, and the date each names.
KREMLIN = (
    "Putin received Nazarbayev at the Kremlin on 27 December 2025. "
    "Putin and Nazarbayev first met as leaders in 1991. "
    "Putin and Nazarbayev are to meet again in March 2026. "
    "Grain prices in Brazil fell sharply in 2024."
)
KREMLIN_DATES = {
    "on 27 December 2025": ("2025-12-27", "stated"),
    "in 1991": ("1991", "stated"),
    "in March 2026": ("2026-03", "stated"),
    "in 2024": ("2024", "stated"),
}
WIRE = (
    "Nazarbayev flew to Moscow on Friday for the meeting with Putin. "
    "The meeting of Putin and Nazarbayev lasted three hours."
)
WIRE_DATES = {"on Friday": ("2025-12-26", "resolved")}


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return create_embedder(Settings(), light=True)


def cut(
    aid: str, article: str, start: int, end: int, dates: dict[str, tuple[str, str]], **meta: str
) -> Passage:
    """The passage ``article[start:end]`` with the expressions of ``dates`` it holds whole."""
    text = article[start:end]
    refs = []
    for words, (date, how) in dates.items():
        at = text.find(words)
        if at >= 0:
            refs.append(TimeRef(at, at + len(words), date, how))
    refs.sort(key=lambda ref: ref.start)
    return Passage(f"{aid}:{start}", aid, 0, text, start, end, f"{aid}.md", None, meta,
                   dates=tuple(refs))  # fmt: skip


def whole(aid: str, article: str, dates: dict[str, tuple[str, str]], **meta: str) -> Passage:
    return cut(aid, article, 0, len(article), dates, **meta)


def run(
    embedder: Embedder,
    passages: list[Passage],
    since: str | None = None,
    until: str | None = None,
    stored: list[Passage] | None = None,
) -> Timeline:
    articles = article_texts(stored or passages, passages)
    return dated_events(QUERY, passages, articles, embedder, since, until)


def test_events_are_relevant_whole_sentences_in_date_order_a_year_before_its_days(
    embedder: Embedder,
) -> None:
    kremlin = whole("kremlin", KREMLIN, KREMLIN_DATES, outlet="Kremlin Wire")
    found = run(embedder, [kremlin])
    assert [(e.date, e.how) for e in found.events] == [
        ("1991", "stated"), ("2025-12-27", "stated"), ("2026-03", "stated")
    ]  # fmt: skip
    first = found.events[0]
    assert first.text == "Putin and Nazarbayev first met as leaders in 1991."
    assert kremlin.text[first.start : first.end] == first.text
    assert kremlin.text[first.expression_start : first.expression_end] == "in 1991"
    assert "Brazil" not in " ".join(e.text for e in found.events)  # dated, but off the subject
    year = whole("y", "Putin and Nazarbayev met in 2025, as they do each year.", {
        "in 2025": ("2025", "stated")})  # fmt: skip
    both = run(embedder, [kremlin, year])
    assert [e.date for e in both.events][1:3] == ["2025", "2025-12-27"]


def test_since_and_until_keep_events_whose_period_overlaps_the_range(
    embedder: Embedder,
) -> None:
    kremlin = whole("kremlin", KREMLIN, KREMLIN_DATES)
    assert [e.date for e in run(embedder, [kremlin], since="2025-12-28").events] == ["2026-03"]
    assert [e.date for e in run(embedder, [kremlin], since="2026-03-31").events] == ["2026-03"]
    assert [e.date for e in run(embedder, [kremlin], until="2026-03-01").events] == [
        "1991", "2025-12-27", "2026-03"
    ]  # fmt: skip
    assert run(embedder, [kremlin], since="2026-04-01").events == ()
    assert [e.date for e in run(embedder, [kremlin], "1991-06-01", "1991-06-30").events] == ["1991"]
    assert period("2024-02") == ("2024-02-01", "2024-02-29")
    assert overlaps("2025", "2025-03-01", None) and not overlaps("2025-02", "2025-03-01", None)
    assert overlaps("2025-03-04", "2025-03-04", "2025-03-04")


def test_a_sentence_cut_by_a_passage_edge_is_taken_only_from_a_passage_holding_it_whole(
    embedder: Embedder,
) -> None:
    cut_at = KREMLIN.index("1991.") + len("1991")  # "… first met as leaders in 1991" (no stop)
    edge = len("Putin received Nazarbayev at the Kremlin on 27 December 2025. Putin and")
    head = cut("kremlin", KREMLIN, 0, cut_at, KREMLIN_DATES)
    tail = cut("kremlin", KREMLIN, edge, len(KREMLIN), KREMLIN_DATES)
    alone = run(embedder, [tail], stored=[head, tail])
    assert "1991" not in [e.date for e in alone.events]  # "Nazarbayev first met… in 1991."
    assert [e.date for e in alone.events] == ["2026-03"]
    assert [e.date for e in run(embedder, [head], stored=[head, tail]).events] == ["2025-12-27"]
    shown = KREMLIN.index("Putin and Nazarbayev first")
    covering = cut("kremlin", KREMLIN, shown, len(KREMLIN), KREMLIN_DATES)
    found = run(embedder, [tail, covering], stored=[head, tail, covering])
    assert [(e.date, e.passage_id) for e in found.events] == [
        ("1991", covering.id), ("2026-03", tail.id)
    ]  # fmt: skip


def test_a_sentence_in_overlapping_passages_is_one_event_from_the_better_ranked(
    embedder: Embedder,
) -> None:
    middle = KREMLIN.index("Putin and Nazarbayev are")
    first = cut("kremlin", KREMLIN, 0, middle, KREMLIN_DATES)
    second = cut("kremlin", KREMLIN, KREMLIN.index("Putin and Nazarbayev first"), len(KREMLIN),
                 KREMLIN_DATES)  # fmt: skip
    found = run(embedder, [second, first])
    assert [(e.date, e.passage_id) for e in found.events] == [
        ("1991", second.id), ("2025-12-27", first.id), ("2026-03", second.id)
    ]  # fmt: skip


def test_articles_are_numbered_as_they_first_appear_and_cited_by_every_event(
    embedder: Embedder,
) -> None:
    kremlin = whole("kremlin", KREMLIN, KREMLIN_DATES, outlet="Kremlin Wire",
                    published="2025-12-28", title="At the Kremlin")  # fmt: skip
    wire = whole("wire", WIRE, WIRE_DATES, outlet="Astana Daily", published="2025-12-27")
    found = run(embedder, [kremlin, wire])
    assert [(e.date, e.number) for e in found.events] == [
        ("1991", 1), ("2025-12-26", 2), ("2025-12-27", 1), ("2026-03", 1)
    ]  # fmt: skip
    resolved = found.events[1]
    assert (resolved.how, resolved.expression, resolved.outlet) == (
        "resolved", "on Friday", "Astana Daily"
    )  # fmt: skip
    data = found.to_dict()
    assert data["query"] == QUERY and len(data["events"]) == 4
    assert data["sources"] == [
        {"number": 1, "article_id": "kremlin", "title": "At the Kremlin",
         "outlet": "Kremlin Wire", "published": "2025-12-28", "source": "kremlin.md"},
        {"number": 2, "article_id": "wire", "title": None, "outlet": "Astana Daily",
         "published": "2025-12-27", "source": "wire.md"},
    ]  # fmt: skip
    assert data["events"][0]["passage_id"] == kremlin.id


def test_a_sentence_naming_two_dates_is_an_event_at_each_and_a_question_is_none(
    embedder: Embedder,
) -> None:
    text = "Putin met Nazarbayev in 2019, and Putin and Nazarbayev met again in 2025."
    two = whole("two", text, {"in 2019": ("2019", "stated"), "in 2025": ("2025", "stated")})
    found = run(embedder, [two])
    assert [(e.date, e.expression) for e in found.events] == [
        ("2019", "in 2019"), ("2025", "in 2025")
    ]  # fmt: skip
    assert len(found.sources()) == 1
    legacy = Passage("p", "a", 0, WIRE, 0, len(WIRE), "a.md")
    assert run(embedder, [legacy]) == Timeline(QUERY, (), recorded=False)
    assert run(embedder, [whole("w", WIRE, {})]).recorded
    asked = "Will Putin and Nazarbayev meet again in 2026?"
    assert run(embedder, [whole("q", asked, {"in 2026": ("2026", "stated")})]).events == ()
