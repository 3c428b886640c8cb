"""The dated events about a subject, in order (``rag timeline``, the app's Timeline tab).

The passages retrieved for the query (a generous ``k``) are read sentence by sentence; each
whole sentence that holds a time expression (``Passage.dates``, recorded at ingest) and is
itself about the query is an event, once per date it names. Rules:

- **Whole sentences only.** Sentences are the article's (``rag.text.sentences``, run on the
  article as its stored passages rebuild it), so one that a passage's edge cuts is not taken
  from that passage; it is taken from an overlapping passage that holds it whole, if one was
  retrieved. A sentence must also close like a statement: a heading or dateline does not,
  and a question ("And does Moscow today possess…?") tells of no event.
- **Relevance.** A sentence is kept when its embedding's cosine with the query's reaches
  ``MIN_RELEVANCE`` (the retriever's embedder). Passage rank does not tell: on a small corpus
  a generous ``k`` retrieves every passage.
- **No publication dates.** A sentence without a time expression of its own is no event: its
  article's date says when it was reported, not when what it tells happened.
- **Duplicates folded.** The same sentence in overlapping passages (same article and
  offsets) and the same date is one event, taken from the better-ranked passage.
- **Order.** By date as ISO text, so a year ("2025") sorts before its months and days
  ("2025-03", "2025-03-04"); then by the article's publication date, the article and the
  place in it.
- **Since / until bound the event's date, by overlap.** "2025" is the whole year: it is kept
  for ``since`` 2025-03-01 and for ``until`` 2025-01-31; "2025-03" likewise the whole month.
- **Citations.** Sources are articles, numbered 1..n in the order they first appear in the
  ordered events.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from rag.embed.base import Embedder
from rag.retrieve.request import checked_k, clean_question
from rag.retrieve.retriever import Retriever
from rag.text.sentences import sentence_spans
from rag.types import Passage, TimeRef

#: Passages retrieved for a timeline when ``k`` is not given.
TIMELINE_K = 30
#: Least cosine between a sentence and the query for the sentence to be an event. On the
#: seed corpus (its dated sentences, and those its undated article would have were it
#: dated) the sentences about a query's subject score 0.47 to 0.76 and the others 0.07 to
#: 0.33 (queries on the meeting, the elections, the presidential term, the war, the
#: pipeline). The sentence alone separates them better than with a neighbour: that lifted
#: the meeting's date to 0.42 for "Kazakhstan elections".
MIN_RELEVANCE = 0.4
#: How a statement closes: a full stop or exclamation, then perhaps closing quotes and
#: brackets.
_CLOSING = re.compile(r"""[.!…]["'”’»)\]]*$""")


@dataclass(frozen=True)
class Event:
    """One dated sentence of one passage: what happened when, as the source says it."""

    #: The date named, ISO as precise as the text ("2025-03-04", "2025-03", "2025").
    date: str
    #: "stated" or "resolved" (``rag.types.DATE_HOWS``).
    how: str
    #: The whole sentence, exactly as ``passage.text[start:end]``.
    text: str
    #: The time expression as written ("on Tuesday").
    expression: str
    passage_id: str
    #: Where the sentence, and the expression in it, lie in the passage's text.
    start: int
    end: int
    expression_start: int
    expression_end: int
    #: The number of the article among the timeline's sources.
    number: int
    article_id: str
    outlet: str | None
    #: The article's publication date (ISO), if known.
    published: str | None
    title: str | None
    source: str
    #: Cosine of the sentence with the query.
    relevance: float

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class Timeline:
    """The events for a query, in order, and the articles they cite."""

    query: str
    events: tuple[Event, ...]
    #: Whether any retrieved passage records its time expressions (an index built before
    #: they were records none until its next ingest).
    recorded: bool = True

    def sources(self) -> list[dict[str, Any]]:
        """The cited articles, by number: id, title, outlet, published and source."""
        firsts = {e.number: e for e in reversed(self.events)}
        return [
            {"number": n, "article_id": e.article_id, "title": e.title, "outlet": e.outlet,
             "published": e.published, "source": e.source}
            for n, e in sorted(firsts.items())
        ]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """What ``rag timeline --json`` prints: the query, the events and the sources."""
        events = [event.to_dict() for event in self.events]
        return {"query": self.query, "events": events, "sources": self.sources()}


def timeline(
    retriever: Retriever,
    query: str,
    k: int | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Timeline:
    """The events about ``query`` in the ``k`` passages retrieved for it, dated from
    ``since`` to ``until`` (checked ISO days; either may be None)."""
    query = clean_question(query)
    hits = retriever.retrieve(query, checked_k(k) or TIMELINE_K)
    passages = [hit.passage for hit in hits]
    stored = retriever.snapshot().of_articles(p.article_id for p in passages)
    articles = article_texts(stored, passages)
    return dated_events(query, passages, articles, retriever.embedder, since, until)


def dated_events(
    query: str,
    passages: Sequence[Passage],
    articles: dict[str, str],
    embedder: Embedder,
    since: str | None = None,
    until: str | None = None,
) -> Timeline:
    """The timeline of ``query`` from ``passages`` (best first), whose articles' texts are
    ``articles`` (``article_texts``), relevance judged with ``embedder``."""
    found = candidates(passages, articles)
    if not found:
        return Timeline(query, (), any(p.dates is not None for p in passages))
    vectors = np.asarray(embedder.embed([query, *(c[1] for c in found)]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    relevance = vectors[1:] @ vectors[0]
    kept = [
        (passage, span, ref, float(score))
        for (passage, _, span, refs), score in zip(found, relevance, strict=True)
        if score >= MIN_RELEVANCE
        for ref in refs
        if overlaps(ref.date, since, until)
    ]
    return Timeline(query, numbered(kept))


Candidate = tuple[Passage, str, tuple[int, int], tuple[TimeRef, ...]]


def candidates(passages: Sequence[Passage], articles: dict[str, str]) -> list[Candidate]:
    """Each whole, closed sentence of ``passages`` that holds a time expression, once: its
    passage (the best-ranked holding it), text, span in the passage and the distinct dates
    of its expressions. ``articles`` are the articles' texts as rebuilt from their passages."""
    spans = {aid: list(sentence_spans(text)) for aid, text in articles.items()}
    found: list[Candidate] = []
    seen: set[tuple[str, int]] = set()
    for passage in passages:
        for a, b in spans[passage.article_id]:
            if a < passage.start or b > passage.end or (passage.article_id, a) in seen:
                continue
            start, end = a - passage.start, b - passage.start
            text = passage.text[start:end]
            refs = tuple(r for r in passage.dates or () if start <= r.start and r.end <= end)
            if refs and _CLOSING.search(text):
                seen.add((passage.article_id, a))
                found.append((passage, text, (start, end), distinct(refs)))
    return found


def distinct(refs: Iterable[TimeRef]) -> tuple[TimeRef, ...]:
    """The first expression of each date."""
    firsts: dict[str, TimeRef] = {}
    for ref in refs:
        firsts.setdefault(ref.date, ref)
    return tuple(firsts.values())


def article_texts(stored: Iterable[Passage], passages: Sequence[Passage]) -> dict[str, str]:
    """The text of each article of ``passages``, rebuilt at its own offsets from its
    passages among ``stored`` (the index's); what no passage covers (a repeated line dropped
    at ingest) is line breaks, which end any sentence."""
    wanted = {p.article_id for p in passages}
    grouped: dict[str, list[Passage]] = {aid: [] for aid in wanted}
    for passage in stored:
        if passage.article_id in wanted:
            grouped[passage.article_id].append(passage)
    return {aid: rebuilt(group) for aid, group in grouped.items()}


def rebuilt(passages: Iterable[Passage]) -> str:
    """An article's text from its passages, each character at its offset in the article."""
    out: list[str] = []
    cursor = 0
    for passage in sorted(passages, key=lambda p: p.start):
        if passage.start > cursor:
            out.append("\n" * (passage.start - cursor))
        if passage.end > cursor:
            out.append(passage.text[max(cursor, passage.start) - passage.start :])
            cursor = passage.end
    return "".join(out)


def overlaps(date: str, since: str | None, until: str | None) -> bool:
    """Whether the period ``date`` names (a day, a month or a year) meets ``since``..``until``."""
    first, last = period(date)
    return (since is None or last >= since) and (until is None or first <= until)


def period(date: str) -> tuple[str, str]:
    """The first and last day (ISO) of the day, month or year ``date`` names."""
    parts = date.split("-")
    if len(parts) == 1:
        return f"{date}-01-01", f"{date}-12-31"
    if len(parts) == 2:
        days = calendar.monthrange(int(parts[0]), int(parts[1]))[1]
        return f"{date}-01", f"{date}-{days:02d}"
    return date, date


def numbered(kept: Sequence[tuple[Passage, tuple[int, int], TimeRef, float]]) -> tuple[Event, ...]:
    """The events in order (see the module's rules), their articles numbered as they first
    appear."""

    def order(item: tuple[Passage, tuple[int, int], TimeRef, float]) -> tuple[str, ...]:
        passage, (start, _), ref, _ = item
        place = f"{passage.start + start:012d}"
        return ref.date, passage.metadata.get("published", ""), passage.article_id, place

    numbers: dict[str, int] = {}
    events = []
    for passage, (start, end), ref, score in sorted(kept, key=order):
        number = numbers.setdefault(passage.article_id, len(numbers) + 1)
        meta = passage.metadata
        events.append(
            Event(ref.date, ref.how, passage.text[start:end], passage.text[ref.start:ref.end],
                  passage.id, start, end, ref.start, ref.end, number, passage.article_id,
                  meta.get("outlet"),
                  meta.get("published"), meta.get("title"), passage.source, round(score, 4))
        )  # fmt: skip
    return tuple(events)
