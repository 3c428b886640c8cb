"""``Pipeline.ask``: condense a follow-up, retrieve, answer, check every citation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rag.errors import RagError
from rag.generate import Answerer, History, create_answerer
from rag.prompts import CANNOT_ANSWER
from rag.settings import Settings
from rag.types import Answer, Filters, Hit

if TYPE_CHECKING:
    from rag.retrieve import Retriever
    from rag.support import SupportScorer

#: Longest question accepted, in characters.
MAX_QUESTION = 2000


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
    """Filters from what a person gave, the dates checked; a bad date is a RagError naming
    the option (``prefix`` + "since" or "until")."""
    return Filters(tuple(outlets), tuple(articles), iso_date(since or None, f"{prefix}since"),
                   iso_date(until or None, f"{prefix}until"))  # fmt: skip


def iso_date(value: str | None, option: str) -> str | None:
    """``value`` checked as a YYYY-MM-DD date."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise RagError(f"{option} {value!r} is not a date like 2025-12-27") from None


class Pipeline:
    """Everything needed to answer questions from one index."""

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        answerer: Answerer,
        scorer: SupportScorer,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.answerer = answerer
        self.scorer = scorer

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Pipeline:
        """A pipeline on the index, embedder and answerer that ``settings`` select."""
        from rag.embeddings import create_embedder
        from rag.retrieve import Retriever
        from rag.store import location, open_store
        from rag.support import SupportScorer

        settings = settings or Settings()
        store = open_store(settings)
        if store.count() == 0:
            raise RagError(f"the index at {location(settings)} is empty; run `rag ingest` first")
        settings = store.settings or settings
        embedder = create_embedder(settings, light=True)
        scorer = SupportScorer(embedder)
        retriever = Retriever(store, embedder, settings)
        return cls(settings, retriever, create_answerer(settings, scorer.embed), scorer)

    def offline(self) -> Pipeline:
        """The same index with the extractive answerer (when an LLM endpoint fails)."""
        from rag.extractive import ExtractiveAnswerer

        answerer = ExtractiveAnswerer(self.settings, self.scorer.embed)
        return Pipeline(self.settings, self.retriever, answerer, self.scorer)

    def ask(
        self,
        question: str,
        history: History = (),
        filters: Filters | None = None,
        k: int | None = None,
    ) -> Answer:
        """The checked, cited answer to ``question`` (a follow-up of ``history``)."""
        for item in self.stream(question, history, filters, k):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream() always ends with an Answer")

    def stream(
        self,
        question: str,
        history: History = (),
        filters: Filters | None = None,
        k: int | None = None,
    ) -> Iterator[str | Answer]:
        """The answer's raw text in pieces as the answerer writes them, then the checked
        ``Answer`` (whose text is renumbered and may differ from the pieces)."""
        clock = Clock()
        question = clean_question(question)
        standalone = self.answerer.condense(question, history) if history else question
        clock.lap("condense")
        hits = self.retriever.retrieve(standalone, k, filters)
        clock.lap("retrieve")
        pieces: list[str] = []
        if hits:
            with self.warm_checker(hits):
                for piece in self.answerer.answer(standalone, hits):
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
        from rag.citations import check_answer

        checked = check_answer(raw, hits, self.scorer, self.settings.support_threshold)
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
