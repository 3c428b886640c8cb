"""The web UI's handlers: chat, export and the library, testable without a browser.

The layout that wires them to widgets is ``rag.app.layout.create_app``. A conversation is a list of
``Turn``: every answer with the filters, k and time it was asked with.

The app's handlers run in many threads at once; every store they open is opened under one
lock (``STORE_OPENING``), because Chroma's client for an index is made once per process and
making it from two threads at once breaks it for both. An uploaded file is kept in the
corpus only when all of it was read and ingested: one that fails is removed and named.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import threading
from collections.abc import Generator, Iterator, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import RagError, StoreError
from rag.pipeline import Pipeline, checked_filters, checked_k
from rag.present.html import (
    Turn,
    answer_html,
    conversation_json,
    conversation_markdown,
    sources_html,
)
from rag.settings import Settings
from rag.types import Answer, Filters

if TYPE_CHECKING:
    from rag.index.store import Store

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

Message = dict[str, str]
#: What ``respond`` yields: the chat, the sources panel, the conversation, the question box.
Step = tuple[list[Message], Any, list[Turn], str]
#: Where uploaded files go, inside the corpus folder.
UPLOADS = "uploads"
#: Seconds an upload waits for another ingest to finish before it is refused.
UPLOAD_WAIT = 30.0
#: Held while the app opens a store: Chroma shares one client per index folder (or server)
#: in a process, and two threads making that client at once leave it stopped, so a warm-up
#: and a page load opening the index together failed ("Could not connect to tenant").
STORE_OPENING = threading.Lock()


class ChatApp:
    """State shared by the handlers: settings and the pipeline (opened on first use)."""

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
        from rag.index.open import open_index

        with STORE_OPENING:
            return open_index(self.settings)[0]

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
        outlets: list[str] | str | None = None,
        articles: list[str] | str | None = None,
        since: str = "",
        until: str = "",
        k: int | None = None,
    ) -> dict[str, Any]:
        """The app's API: one question answered as ``rag batch`` writes it (the ``Answer``
        as JSON), with a ``warning`` when the LLM failed and the offline answerer stood in.
        ``outlets`` and ``articles`` take one name or a list; ``k`` is checked as
        ``rag ask --k`` is."""
        import gradio as gr

        try:
            top = checked_k(k)
            chosen = names(outlets, "outlets"), names(articles, "articles")
            filters = checked_filters(*chosen, since, until)
            answer = self.pipeline().ask(question, [], filters, top)
        except RagError as exc:
            raise gr.Error(str(exc)) from None
        return {**answer.to_dict(), "warning": answer.fallback}

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
    ) -> Iterator[Step]:
        """Stream the answer into the chat, then show it checked, with its sources (the
        panel keeps the earlier answers' sources meanwhile)."""
        import gradio as gr

        chat = [*chat, {"role": "user", "content": question}]
        asked = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            filters, top = checked_filters(outlets, articles, since, until), checked_k(k)
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
        for item in self.pipeline().stream(question, history, filters, top):
            if isinstance(item, Answer):
                return item
            text += item
            partial = {"role": "assistant", "content": escape(text) + " …"}
            yield [*chat, partial], gr.skip(), turns, ""
        raise RagError("the answer ended without a result")

    def sources(self, turns: Sequence[Turn]) -> str:
        """The sources panel: every answer's cards, the last answer's shown."""
        from rag.app.library import whole_articles

        store = self.pipeline().retriever.store
        ids = [s.passage.article_id for t in turns for s in t.answer.sources]
        return sources_html([t.answer for t in turns], whole_articles(store, ids))

    def new_chat(self) -> tuple[list[Message], str, list[Turn], str]:
        return [], sources_html([]), [], ""

    def export(self, turns: Sequence[Turn], kind: str) -> str:
        """The conversation and its sources as a file (``md`` or ``json``), made when asked
        for, in Gradio's file cache (a folder named by its content, as Gradio keeps files;
        the app clears them with the cache)."""
        from gradio.utils import get_upload_folder

        text = conversation_markdown(turns) if kind == "md" else conversation_json(turns)
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        folder = Path(get_upload_folder()) / "rag-conversations" / digest
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"conversation.{kind}"
        path.write_text(text, encoding="utf-8")
        return str(path)

    def choices(self) -> tuple[list[str], list[tuple[str, str]], list[list[Any]]]:
        """What the index holds now: outlets and (label, id) articles to filter by, and the
        library's rows."""
        from rag.app.library import article_choices, outlet_choices

        rows = self.library()
        return outlet_choices(rows), article_choices(rows), rows

    # library ------------------------------------------------------------------------

    def library(self) -> list[list[Any]]:
        from rag.app.library import table_rows
        from rag.index.library import list_articles

        return table_rows(list_articles(self.store()))

    def ingest(self, files: Sequence[Any] | None) -> tuple[str, list[list[Any]]]:
        """Copy uploads into the corpus, ingest them, and report on every file, one line
        each. A file that fails (to be copied, read or ingested) is not kept: every later
        ingest of the corpus would fail on it again."""
        lines, accepted = self._accept(files or [])
        if accepted:
            lines += self._ingest(accepted)
        return "\n".join(lines) or "No files chosen.", self.library()

    def _accept(self, files: Sequence[Any]) -> tuple[list[str], list[Path]]:
        """The uploads copied into the corpus whose every part reads, and a line for each
        refused one (removed again when it was copied)."""
        from rag.ingest.uploads import accept_upload, upload_problem

        lines, accepted = [], []
        folder = self.settings.corpus_dir / UPLOADS
        limit = int(self.settings.max_upload_mb * 1e6)
        for upload in files:
            path = Path(getattr(upload, "name", upload))
            name = getattr(upload, "orig_name", None) or path.name
            try:
                kept = accept_upload(path, name, folder, limit)
            except RagError as exc:
                lines.append(f"✗ {exc}")
                continue
            problem = upload_problem(kept, int(self.settings.max_file_mb * 1e6))
            if problem:
                kept.unlink(missing_ok=True)
                lines.append(f"✗ {kept.name}: {problem}")
            else:
                accepted.append(kept)
        return lines, accepted

    def _ingest(self, accepted: Sequence[Path]) -> list[str]:
        """Ingest the accepted uploads; a line for each, and those the ingest names as
        failed removed."""
        from rag.index.sync import Ingestor
        from rag.ingest.readers import source_name
        from rag.ingest.uploads import failures_of, problem_line

        try:
            report = Ingestor.sync(self.settings, accepted, progress=True, wait=UPLOAD_WAIT)
        except StoreError as exc:
            folder = self.settings.corpus_dir / UPLOADS
            return [f"✗ {exc}; the files stay in {folder} for the next ingest"]
        lines = []
        for path in accepted:
            failed = failures_of(source_name(path), report.failed)
            if failed:
                path.unlink(missing_ok=True)
                lines.append(f"✗ {path.name}: {problem_line(source_name(path), failed)}")
            else:
                lines.append(f"✓ {path.name}: added")
        if self._pipeline is not None:
            self._pipeline.retriever.refresh()
        return lines

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


def names(value: object, option: str) -> tuple[str, ...]:
    """Outlet or article names given as one name or a list of them (none: empty)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RagError(f"{option} must be a name or a list of names, not {value!r}")
