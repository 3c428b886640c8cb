"""The web UI's session and chat, testable without a browser: ``ChatApp`` owns the
pipeline's life (opened on first use, warmed up, refreshed after an ingest) and the chat
with its sources panel; the other handlers use it: ``rag.app.api`` (the /ask JSON API),
``rag.app.export`` (conversation files) and ``rag.app.uploads`` (the library's uploads).

The layout that wires them to widgets is ``rag.app.layout.create_app``. A conversation is a list of
``Turn``: every answer with the filters, k and time it was asked with.

The app's handlers run in many threads at once; every store they open is opened under one
lock (``STORE_OPENING``), because Chroma's client for an index is made once per process and
making it from two threads at once breaks it for both.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Generator, Iterator, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from rag.app.library import (
    article_choices,
    outlet_choices,
    speaker_rows,
    table_rows,
    whole_articles,
)
from rag.errors import RagError, StoreError
from rag.index.library import list_articles
from rag.index.open import open_index
from rag.index.speakers import count_speakers
from rag.pipeline import Pipeline
from rag.present.html import Turn, answer_html, sources_html
from rag.retrieve.request import checked_filters, checked_k
from rag.settings import Settings
from rag.types import Answer, Filters

if TYPE_CHECKING:
    from rag.index.store import Store

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

Message = dict[str, str]
#: What ``respond`` yields: the chat, the sources panel, the conversation, the question box.
Step = tuple[list[Message], Any, list[Turn], str]
#: Held while the app opens a store: Chroma shares one client per index folder (or server)
#: in a process, and two threads making that client at once leave it stopped, so a warm-up
#: and a page load opening the index together failed ("Could not connect to tenant").
STORE_OPENING = threading.Lock()


class ChatApp:
    """State shared by the handlers: settings and the pipeline (opened on first use; it
    answers offline, saying why, when the LLM fails)."""

    def __init__(self, settings: Settings, pipeline: Pipeline | None = None) -> None:
        self.settings = settings
        self._pipeline = pipeline
        self._opening = threading.Lock()

    def pipeline(self) -> Pipeline:
        with self._opening:
            if self._pipeline is None:
                self.store()  # Chroma's client made under the lock; the pipeline reuses it
                self._pipeline = Pipeline.from_settings(self.settings, fallback=True)
            return self._pipeline

    def store(self) -> Store:
        """The index of the settings, opened under ``STORE_OPENING``."""
        with STORE_OPENING:
            return open_index(self.settings)[0]

    def warm_up(self) -> None:
        """Open the pipeline and run one question through the encoder in the background,
        so the first question does not wait for them (an empty index just stays cold)."""

        def warm() -> None:
            with contextlib.suppress(RagError):
                self.pipeline().retriever.retrieve("warm up", k=1)

        threading.Thread(target=warm, daemon=True, name="warm-up").start()

    def refresh(self) -> None:
        """Have an open pipeline see the index as it is now (after an ingest)."""
        if self._pipeline is not None:
            self._pipeline.retriever.refresh()

    # chat ---------------------------------------------------------------------------

    def respond(
        self,
        question: str,
        chat: list[Message],
        turns: list[Turn],
        outlets: Sequence[str] = (),
        articles: Sequence[str] = (),
        since: str = "",
        until: str = "",
        k: float | None = None,
        speakers: Sequence[str] = (),
    ) -> Iterator[Step]:
        """Stream the answer into the chat, then show it checked, with its sources (the
        panel keeps the earlier answers' sources meanwhile)."""
        import gradio as gr

        chat = [*chat, {"role": "user", "content": question}]
        asked = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            filters = checked_filters(outlets, articles, since, until, speakers=speakers)
            top = checked_k(k)
            history = [m for t in turns for m in exchange(t.answer)]
            answer = yield from self._stream(question, chat, turns, history, filters, top)
        except RagError as exc:
            note = f'<p class="error">{escape(str(exc))}</p>'
            yield [*chat, {"role": "assistant", "content": note}], gr.skip(), turns, ""
            return
        turn = Turn(answer, filters, top or self.pipeline().settings.top_k, asked)
        turns = [*turns, turn]
        shown = answer_html(answer, len(turns))
        warning = answer.fallback
        shown = (f'<p class="error">{escape(warning)}</p>' if warning else "") + shown
        yield [*chat, {"role": "assistant", "content": shown}], self.sources(turns), turns, ""

    def _stream(
        self,
        question: str,
        chat: list[Message],
        turns: list[Turn],
        history: list[Message],
        filters: Filters,
        top: int | None,
    ) -> Generator[Step, None, Answer]:
        """Partial answers as the answerer writes; returns the answer (the offline one, its
        ``fallback`` saying why, when the LLM failed)."""
        import gradio as gr

        text = ""
        for item in self.pipeline().stream(question, history, filters=filters, k=top):
            if isinstance(item, Answer):
                return item
            text += item
            partial = {"role": "assistant", "content": escape(text) + " …"}
            yield [*chat, partial], gr.skip(), turns, ""
        raise RagError("the answer ended without a result")

    def sources(self, turns: Sequence[Turn]) -> str:
        """The sources panel: every answer's cards, the last answer's shown."""
        store = self.pipeline().retriever.store
        ids = [s.passage.article_id for t in turns for s in t.answer.sources]
        return sources_html([t.answer for t in turns], whole_articles(store, ids))

    def new_chat(self) -> tuple[list[Message], str, list[Turn], str]:
        return [], sources_html([]), [], ""

    def choices(self) -> tuple[list[str], list[tuple[str, str]], list[list[Any]]]:
        """What the index holds now: outlets and (label, id) articles to filter by, and the
        library's rows."""
        rows = self.library()
        return outlet_choices(rows), article_choices(rows), rows

    # library ------------------------------------------------------------------------

    def library(self) -> list[list[Any]]:

        return table_rows(list_articles(self.store()))

    def speakers(self) -> list[list[Any]]:
        """The speakers table: who the index quotes or reports, as of the snapshot questions
        are answered from (none while an ingest writes an index that has none saved yet)."""
        try:
            opened = self._pipeline
            snapshot = opened.retriever.snapshot() if opened else self.store().snapshot()
        except StoreError:
            return []
        return speaker_rows(count_speakers(snapshot.texts))

    def describe(self) -> str:
        """Which answerer is in use, for the header."""
        if self.settings.llm_configured:
            where = self.settings.openai_base_url or "api.openai.com"
            return f"Answers: LLM `{self.settings.llm_model}` at {where}"
        return "Answers: offline extractive (set OPENAI_API_KEY or OPENAI_BASE_URL for an LLM)"


def exchange(answer: Answer) -> list[Message]:
    return [
        {"role": "user", "content": answer.question},
        {"role": "assistant", "content": answer.text},
    ]
