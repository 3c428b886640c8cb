"""``Pipeline.ask``: condense a follow-up, retrieve, answer, check every citation.

A passage holding text addressed to an AI model (``rag.ingest.injection``) is given to an LLM as
any other, inside its source delimiters, and the check keeps any sentence from resting on
it; an answerer that quotes passages (the offline one) gets it blanked out, so that it
never quotes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypedDict, Unpack

from rag.answer.base import Answerer, History
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.factory import create_answerer
from rag.answer.prompts import CANNOT_ANSWER
from rag.check.citations import check_answer
from rag.check.disagreements import disagreements
from rag.check.support import SupportScorer
from rag.embed.factory import create_embedder
from rag.errors import LLMError, RagError
from rag.index.chroma import location
from rag.index.open import open_index
from rag.ingest.injection import screened
from rag.retrieve.request import check_matches, checked_k, clean_question
from rag.retrieve.retriever import Retriever
from rag.settings import Settings
from rag.types import Answer, Filters, Hit

#: How a fallback answer's note ends, after the LLM's error.
OFFLINE_INSTEAD = "answered offline instead."


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
        as_of = dt.date.fromisoformat(filters.as_of) if filters and filters.as_of else None
        hits = self.retriever.retrieve(standalone, k, filters, as_of=as_of)
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
        if self.settings.disagreements and answer.answered:
            found = disagreements(standalone, answer.sources, hits, self.scorer)
            answer = dataclasses.replace(
                answer, sources=found.sources, disagreements=found.disagreements
            )
            clock.lap("disagree")
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
