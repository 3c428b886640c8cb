"""The web UI's handlers: chat, export and the library, testable without a browser.

The layout that wires them to widgets is ``rag.ui.create_app``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from html import escape
from pathlib import Path
from typing import Any

from rag.errors import LLMError, RagError, StoreError
from rag.pipeline import Pipeline, checked_filters
from rag.settings import Settings
from rag.types import Answer, Filters
from rag.webview import answer_html, conversation_json, conversation_markdown, sources_html

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

Message = dict[str, str]
#: Where uploaded files go, inside the corpus folder.
UPLOADS = "uploads"
#: Seconds an upload waits for another ingest to finish before it is refused.
UPLOAD_WAIT = 30.0


class ChatApp:
    """State shared by the handlers: settings and the pipeline (opened on first use)."""

    def __init__(self, settings: Settings, pipeline: Pipeline | None = None) -> None:
        self.settings = settings
        self._pipeline = pipeline
        self._opening = threading.Lock()

    def pipeline(self) -> Pipeline:
        with self._opening:
            if self._pipeline is None:
                self._pipeline = Pipeline.from_settings(self.settings)
            return self._pipeline

    def warm_up(self) -> None:
        """Open the pipeline and run one question through the encoder in the background,
        so the first question does not wait for them (an empty index just stays cold)."""

        def warm() -> None:
            with contextlib.suppress(RagError):
                self.pipeline().retriever.retrieve("warm up", k=1)

        threading.Thread(target=warm, daemon=True, name="warm-up").start()

    # chat ---------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        outlets: list[str] | None = None,
        articles: list[str] | None = None,
        since: str = "",
        until: str = "",
        k: int = 0,
    ) -> dict[str, Any]:
        """The app's API: one question answered as ``rag batch`` writes it (the ``Answer``
        as JSON), with a ``warning`` when the LLM failed and the offline answerer stood in."""
        import gradio as gr

        try:
            filters = checked_filters(outlets or (), articles or (), since, until)
            pipeline, top = self.pipeline(), k or None
            try:
                answer, warning = pipeline.ask(question, [], filters, top), ""
            except LLMError as exc:
                answer = pipeline.offline().ask(question, [], filters, top)
                warning = f"{exc}; answered offline instead."
        except RagError as exc:
            raise gr.Error(str(exc)) from None
        return {**dataclasses.asdict(answer), "warning": warning}

    def respond(
        self,
        question: str,
        chat: list[Message],
        answers: list[Answer],
        outlets: Sequence[str] = (),
        articles: Sequence[str] = (),
        since: str = "",
        until: str = "",
        k: float | None = None,
    ) -> Iterator[tuple[list[Message], str, list[Answer], str]]:
        """Stream the answer into the chat, then show it checked, with its sources."""
        chat = [*chat, {"role": "user", "content": question}]
        try:
            filters = checked_filters(outlets, articles, since, until)
            history = [m for a in answers for m in exchange(a)]
            answer, warning = yield from self._stream(question, chat, answers, history, filters, k)
        except RagError as exc:
            note = f'<p class="error">{escape(str(exc))}</p>'
            yield [*chat, {"role": "assistant", "content": note}], sources_html(None), answers, ""
            return
        shown = (f'<p class="error">{escape(warning)}</p>' if warning else "") + answer_html(answer)
        final = [*chat, {"role": "assistant", "content": shown}]
        yield final, self.sources(answer), [*answers, answer], ""

    def _stream(
        self,
        question: str,
        chat: list[Message],
        answers: list[Answer],
        history: list[Message],
        filters: Filters,
        k: float | None,
    ) -> Generator[tuple[list[Message], str, list[Answer], str], None, tuple[Answer, str]]:
        """Partial answers as the answerer writes; returns the answer and a warning (the LLM
        failed and the extractive answerer stood in)."""
        pipeline, text, top = self.pipeline(), "", int(k) if k else None
        try:
            for item in pipeline.stream(question, history, filters, top):
                if isinstance(item, Answer):
                    return item, ""
                text += item
                partial = {"role": "assistant", "content": escape(text) + " …"}
                yield [*chat, partial], sources_html(None), answers, ""
        except LLMError as exc:
            offline = pipeline.offline().ask(question, history, filters, top)
            return offline, f"{exc}; answered offline instead."
        raise RagError("the answer ended without a result")

    def sources(self, answer: Answer) -> str:
        from rag.library import whole_articles

        store = self.pipeline().retriever.store
        ids = [s.passage.article_id for s in answer.sources]
        return sources_html(answer, whole_articles(store, ids))

    def new_chat(self) -> tuple[list[Message], str, list[Answer], str]:
        return [], sources_html(None), [], ""

    def export(self, answers: list[Answer], kind: str) -> str:
        """A file holding the conversation and its sources (``md`` or ``json``)."""
        text = conversation_markdown(answers) if kind == "md" else conversation_json(answers)
        folder = Path(tempfile.mkdtemp(prefix="rag-export-"))
        path = folder / f"conversation.{kind}"
        path.write_text(text, encoding="utf-8")
        return str(path)

    # library ------------------------------------------------------------------------

    def library(self) -> list[list[Any]]:
        from rag.library import list_articles
        from rag.store import open_store

        return list_articles(open_store(self.settings))

    def ingest(self, files: Sequence[Any] | None) -> tuple[str, list[list[Any]]]:
        """Copy uploads into the corpus, ingest them, and report on every file."""
        from rag.ingest import Ingestor
        from rag.library import accept_upload

        lines, accepted = [], []
        folder = self.settings.corpus_dir / UPLOADS
        for upload in files or []:
            path = Path(getattr(upload, "name", upload))
            name = getattr(upload, "orig_name", None) or path.name
            try:
                limit = int(self.settings.max_upload_mb * 1e6)
                accepted.append(accept_upload(path, name, folder, limit))
            except RagError as exc:
                lines.append(f"✗ {exc}")
        if accepted:
            try:
                report = Ingestor.sync(self.settings, accepted, progress=True, wait=UPLOAD_WAIT)
            except StoreError as exc:
                lines.append(f"✗ {exc}; the files stay in {folder} for the next ingest")
                return "\n".join(lines), self.library()
            failed = {Path(f.path).name: f.reason for f in report.failed}
            for path in accepted:
                reason = failed.get(path.name)
                if reason:  # not kept: every later ingest would fail on it again
                    path.unlink(missing_ok=True)
                lines.append(f"✗ {path.name}: {reason}" if reason else f"✓ {path.name}: added")
            if self._pipeline is not None:
                self._pipeline.retriever.refresh()
        return "\n".join(lines) or "No files chosen.", self.library()

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


def example_questions(rows: Sequence[Sequence[Any]], count: int = 3) -> list[str]:
    """Questions about the names that recur most in the indexed titles."""
    names = Counter(
        word.strip("?,.:;—“”\"'")
        for row in rows
        for word in str(row[0]).split()
        if word[:1].isupper() and len(word.strip("?,.:;—“”\"'")) > 3
    )
    return [f"What is said about {name}?" for name, _ in names.most_common(count)]
