"""The Timeline tab's handler: the dated events about a subject (``rag.retrieve.timeline``)
as the HTML list ``rag.present.timeline`` renders, on the ``ChatApp``'s retriever, its dates
checked as ``rag timeline --since/--until`` checks them. A bad date or an empty index is one
escaped error line in place of the list."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from rag.errors import RagError
from rag.present.timeline import timeline_html
from rag.retrieve.request import checked_filters
from rag.retrieve.timeline import Timeline, timeline

if TYPE_CHECKING:
    from rag.app.chat import ChatApp


def events_of(
    app: ChatApp, query: str, since: str = "", until: str = "", k: int | None = None
) -> Timeline:
    """The timeline of ``query`` from the app's index; a RagError names a bad date, a bad
    ``k`` or an empty index."""
    dates = checked_filters(since=since or None, until=until or None)
    return timeline(app.pipeline().retriever, query, k, dates.since, dates.until)


def timeline_view(app: ChatApp, query: str, since: str = "", until: str = "") -> str:
    """The tab's list of events for ``query`` from ``since`` to ``until``, or the error."""
    try:
        return timeline_html(events_of(app, query, since, until))
    except RagError as exc:
        return f'<p class="error">{escape(str(exc))}</p>'
