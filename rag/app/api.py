"""The app's JSON API: ``/ask``, one question answered as ``rag batch`` writes it, its
arguments checked as ``rag ask`` checks its options; ``/timeline``, the dated events about a
subject as ``rag timeline --json`` prints them.

It owns reading the API's arguments and the shape of its reply; it must not render HTML,
open the index or hold a pipeline of its own (the ``ChatApp``'s is used, with its offline
fallback).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rag.app.timeline import events_of
from rag.errors import RagError
from rag.retrieve.request import checked_filters, checked_k

if TYPE_CHECKING:
    from rag.app.chat import ChatApp


class AskApi:
    """``/ask`` and ``/timeline`` on the pipeline of ``app``."""

    def __init__(self, app: ChatApp) -> None:
        self.app = app

    def ask(
        self,
        question: str,
        outlets: list[str] | str | None = None,
        articles: list[str] | str | None = None,
        since: str = "",
        until: str = "",
        k: int | None = None,
        speakers: list[str] | str | None = None,
        as_of: str = "",
    ) -> dict[str, Any]:
        """The app's API: one question answered as ``rag batch`` writes it (the ``Answer``
        as JSON), with a ``warning`` when the LLM failed and the offline answerer stood in.
        ``outlets``, ``articles`` and ``speakers`` take one name or a list; ``k`` is checked
        as ``rag ask --k`` is; ``as_of`` (YYYY-MM-DD) as ``rag ask --as-of``."""
        import gradio as gr

        try:
            top = checked_k(k)
            chosen = names(outlets, "outlets"), names(articles, "articles")
            filters = checked_filters(
                *chosen, since, until, speakers=names(speakers, "speakers"), as_of=as_of
            )
            answer = self.app.pipeline().ask(question, filters=filters, k=top)
        except RagError as exc:
            raise gr.Error(str(exc)) from None
        return {**answer.to_dict(), "warning": answer.fallback}

    def timeline(
        self, query: str, since: str = "", until: str = "", k: int | None = None
    ) -> dict[str, Any]:
        """The app's API: the dated events about ``query`` (``query``, ``events``,
        ``sources``); ``since`` and ``until`` bound the events' dates, ``k`` the passages
        read, checked as ``rag timeline`` checks them."""
        import gradio as gr

        try:
            return events_of(self.app, query, since, until, k).to_dict()
        except RagError as exc:
            raise gr.Error(str(exc)) from None


def names(value: object, option: str) -> tuple[str, ...]:
    """Outlet, article or speaker names given as one name or a list of them (none: empty)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RagError(f"{option} must be a name or a list of names, not {value!r}")
