"""``Pipeline.ask``: condense a follow-up, retrieve, answer, check every citation.

A passage holding text addressed to an AI model (``rag.ingest.injection``) is given to an LLM as
any other, inside its source delimiters, and the check keeps any sentence from resting on
it; an answerer that quotes passages (the offline one) gets it blanked out, so that it
never quotes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypedDict, Unpack

from rag.answer.base import Answerer, History
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.factory import create_answerer
from rag.answer.prompts import CANNOT_ANSWER
from rag.check.citations import check_answer
from rag.check.support import SupportScorer
from rag.embed.factory import create_embedder
from rag.errors import LLMError, RagError
from rag.index.chroma import location
from rag.index.open import open_index
from rag.ingest.injection import screened
from rag.retrieve.retriever import Retriever
from rag.settings import Settings
from rag.types import Answer, Filters, Hit

if TYPE_CHECKING:
    from rag.index.snapshot import Columns

#: Longest question accepted, in characters.
MAX_QUESTION = 2000
#: Most passages an answer may be given (``k``), as ``RAG_TOP_K`` allows.
MAX_K = 50
#: Most values of the index listed when a filter names none of them.
LISTED = 8
#: How a fallback answer's note ends, after the LLM's error.
OFFLINE_INSTEAD = "answered offline instead."


def clean_question(question: str) -> str:
    """The question with control characters and surplus whitespace removed; refuses an
    empty or enormous one with a message that says so."""
    text = "".join(ch if ch.isprintable() else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise RagError("the question is empty")
    if len(text) > MAX_QUESTION:
        raise RagError(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION}")
    return text


def checked_filters(
    outlets: Sequence[str] = (),
    articles: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    prefix: str = "",
) -> Filters:
    """Filters from what a person gave, the dates checked; a bad date, or a range that ends
    before it starts, is a RagError naming the option (``prefix`` + "since" or "until")."""
    first = iso_date(since or None, f"{prefix}since")
    last = iso_date(until or None, f"{prefix}until")
    if first and last and first > last:
        raise RagError(f"{prefix}since {first} is after {prefix}until {last}")
    return Filters(tuple(outlets), tuple(articles), first, last)


def iso_date(value: str | None, option: str) -> str | None:
    """``value`` checked as a YYYY-MM-DD date."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise RagError(f"{option} {value!r} is not a date like 2025-12-27") from None


def checked_k(k: object, option: str = "k") -> int | None:
    """``k`` (passages to retrieve) as a whole number from 1 to ``MAX_K``; None when not
    given. Anything else is a RagError naming ``option`` and the limits."""
    if k is None or k == "":
        return None
    number = _whole(k)
    if number is None or not 1 <= number <= MAX_K:
        raise RagError(f"{option} must be at least 1 and at most {MAX_K}, not {k!r}")
    return number


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    return None


def check_matches(filters: Filters, columns: Columns) -> None:
    """A RagError when a filter matches no passage of the index (naming it, and what it
    may have meant), or when the filters match none together."""
    _known("outlet", filters.outlets, columns.outlets)
    _known("id", filters.articles, columns.articles)
    dates = Filters(since=filters.since, until=filters.until)
    if dates and not columns.mask(dates).any():
        raise RagError(_no_dates(dates, columns.days))
    if filters and not columns.mask(filters).any():
        raise RagError(
            f"no article matches these filters together: {describe(filters)} (each matches "
            "some articles alone)"
        )


def _known(field: str, wanted: Sequence[str], present: Iterable[str]) -> None:
    if not wanted:
        return
    known = set(present) - {""}
    for value in wanted:
        if value in known:
            continue
        guess = closest(value, known)
        if guess is not None:
            hint = f"did you mean {guess!r}?"
        elif field == "outlet" and len(known) <= LISTED:
            hint = f"outlets: {', '.join(sorted(known)) or 'none is named'}"
        else:
            hint = "`rag articles` lists them"
        raise RagError(f"no article has {field} {value!r} ({hint})")


def closest(value: str, known: Iterable[str]) -> str | None:
    """The value of ``known`` ``value`` most likely means: the same but for case, one that
    ends with it (an article id given without its folder), else the nearest in spelling."""
    by_fold = {item.casefold(): item for item in sorted(known, reverse=True)}
    folded = value.casefold()
    if folded in by_fold:
        return by_fold[folded]
    tails = sorted(key for key in by_fold if key.endswith(("/" + folded, "#" + folded)))
    if tails:
        return by_fold[tails[0]]
    near = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.6)
    return by_fold[near[0]] if near else None


def _no_dates(dates: Filters, days: Sequence[int]) -> str:
    wanted = describe(dates)
    dated = [day for day in days if day]
    if not dated:
        return f"no article in the index has a published date, so none is {wanted}"
    first, last = _iso(min(dated)), _iso(max(dated))
    span = f"run from {first} to {last}" if first != last else f"are all {first}"
    return f"no article is {wanted} (published dates in the index {span})"


def _iso(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def describe(filters: Filters) -> str:
    """The filters in words: "outlet 'A' and published from 2025-01-01 to 2025-03-01"."""
    parts = []
    if filters.outlets:
        parts.append("outlet " + " or ".join(repr(outlet) for outlet in filters.outlets))
    if filters.articles:
        parts.append("article " + " or ".join(repr(article) for article in filters.articles))
    if filters.since and filters.until:
        parts.append(f"published from {filters.since} to {filters.until}")
    elif filters.since or filters.until:
        after = f"on or after {filters.since}" if filters.since else f"on or before {filters.until}"
        parts.append(f"published {after}")
    return " and ".join(parts)


def fallback_note(exc: LLMError) -> str:
    """The one-line warning of an answer the offline answerer gave because the LLM failed."""
    return f"{exc}; {OFFLINE_INSTEAD}"


class Narrowing(TypedDict, total=False):
    """What narrows a question, by keyword: its filters, and how many passages it gets."""

    filters: Filters | None
    k: int | None


class Pipeline:
    """Everything needed to answer questions from one index.

    With ``fallback``, an LLM that fails (``LLMError``) is not the end of a question: the
    offline answerer answers it instead, and the answer's ``fallback`` says why (the app,
    ``rag ask`` and ``rag batch`` answer so; ``rag eval`` does not, so as not to score
    one answerer's answers as another's).
    """

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        answerer: Answerer,
        scorer: SupportScorer,
        fallback: bool = False,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.answerer = answerer
        self.scorer = scorer
        self.fallback = fallback

    @classmethod
    def from_settings(cls, settings: Settings | None = None, fallback: bool = False) -> Pipeline:
        """A pipeline on the index, embedder and answerer that ``settings`` select."""

        settings = settings or Settings()
        store, settings = open_index(settings)
        if store.count() == 0:
            raise RagError(f"the index at {location(settings)} is empty; run `rag ingest` first")
        embedder = create_embedder(settings, light=True)
        scorer = SupportScorer(embedder)
        retriever = Retriever(store, embedder, settings)
        answerer = create_answerer(settings, scorer.embed)
        return cls(settings, retriever, answerer, scorer, fallback)

    def offline(self) -> Pipeline:
        """The same index with the extractive answerer (when an LLM endpoint fails)."""

        answerer = ExtractiveAnswerer(self.settings, self.scorer.embed)
        return Pipeline(self.settings, self.retriever, answerer, self.scorer)

    def ask(self, question: str, history: History = (), **narrowing: Unpack[Narrowing]) -> Answer:
        """The checked, cited answer to ``question`` (a follow-up of ``history``)."""
        for item in self.stream(question, history, **narrowing):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream() always ends with an Answer")

    def stream(
        self, question: str, history: History = (), **narrowing: Unpack[Narrowing]
    ) -> Iterator[str | Answer]:
        """The answer's raw text in pieces as the answerer writes them, then the checked
        ``Answer`` (whose text is renumbered and may differ from the pieces).

        With ``fallback``, an LLM that fails, before or while it writes, is followed by the
        offline answer alone (no pieces of its own), its ``fallback`` naming the failure."""
        try:
            yield from self._stream(question, history, narrowing.get("filters"), narrowing.get("k"))
        except LLMError as exc:
            if not self.fallback:
                raise
            answer = self.offline().ask(question, history, **narrowing)
            yield dataclasses.replace(answer, fallback=fallback_note(exc))

    def _stream(
        self,
        question: str,
        history: History,
        filters: Filters | None,
        k: int | None,
    ) -> Iterator[str | Answer]:
        clock = Clock()
        question = clean_question(question)
        k = checked_k(k)
        if filters:
            check_matches(filters, self.retriever.snapshot().columns)
        standalone = self.answerer.condense(question, history) if history else question
        clock.lap("condense")
        hits = self.retriever.retrieve(standalone, k, filters)
        clock.lap("retrieve")
        pieces: list[str] = []
        if hits:
            given = screened(hits) if self.answerer.mode == "extractive" else hits
            with self.warm_checker(hits):
                for piece in self.answerer.answer(standalone, given):
                    pieces.append(piece)
                    yield piece
        else:
            pieces.append(CANNOT_ANSWER)
            yield CANNOT_ANSWER
        clock.lap("generate")
        answer = self.check(question, standalone, "".join(pieces), hits)
        clock.lap("check")
        yield dataclasses.replace(answer, timings=clock.laps())

    @contextmanager
    def warm_checker(self, hits: Sequence[Hit]) -> Iterator[None]:
        """While an LLM writes, embed the passages' sentences for the check in a thread.

        The extractive answerer embeds through the scorer itself, so nothing runs beside it.
        """
        if self.answerer.mode != "llm":
            yield
            return
        texts = [hit.passage.text for hit in hits]
        worker = threading.Thread(target=self.scorer.prepare, args=([], texts), daemon=True)
        worker.start()
        try:
            yield
        finally:
            worker.join()

    def check(self, question: str, standalone: str, raw: str, hits: Sequence[Hit]) -> Answer:
        """The answer with its citations validated and its sentences' support scored."""

        quoted = self.answerer.mode == "extractive"  # its sentences are the passages' words
        checked = check_answer(raw, hits, self.scorer, self.settings.support_threshold, quoted)
        return Answer(
            question=question,
            text=checked.text,
            sentences=checked.sentences,
            sources=checked.sources,
            mode=self.answerer.mode,
            model=self.answerer.model,
            standalone_question=standalone,
            answered=checked.answered,
            retrieved=tuple(hit.passage for hit in hits),
            removed_citations=checked.removed,
            warnings=checked.warnings,
        )


class Clock:
    """Seconds spent in each step of an answer."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self._laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self._laps[name] = round(now - self.last, 4)
        self.last = now

    def laps(self) -> dict[str, float]:
        return {**self._laps, "total": round(self.last - self.started, 4)}
