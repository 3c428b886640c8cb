"""A timeline (``rag.retrieve.timeline``) as terminal text and as HTML for the app: one line
per event (its date, how the date is known, the whole sentence and its citation), then the
numbered articles with outlet and date. Every sentence, title and outlet is HTML-escaped in
the HTML; the terminal's control characters are escaped by whoever prints the text."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from rag.present.render import article_label
from rag.retrieve.timeline import Event, Timeline
from rag.text.sentences import flow

#: Width of the date column: a day, "2025-03-04".
DATE_WIDTH = 10
#: Width of the "how" column: "(resolved)".
HOW_WIDTH = 10
#: What an empty timeline says.
NO_EVENTS = "no dated events about {query!r} in the passages retrieved for it"
#: Added when no retrieved passage records its time expressions.
NOT_RECORDED = (
    "; the index records no time expressions (`rag ingest` finds them in articles indexed before)"
)
_SPACE = re.compile(r"\s+")
#: The timeline's own styles, shipped with its HTML.
STYLE = """<style>
.timeline .event { margin: 6px 0; }
.timeline .sources { margin-top: 14px; color: #57606a; }
.timeline .date { font-weight: 600; font-variant-numeric: tabular-nums; }
.timeline .how, .timeline .where { color: #57606a; font-size: 0.9em; }
.timeline mark { background: #fef08a; }
</style>"""


def empty_note(timeline: Timeline) -> str:
    """What to say when ``timeline`` holds no event."""
    note = NO_EVENTS.format(query=timeline.query)
    return note + ("" if timeline.recorded else NOT_RECORDED)


def timeline_text(timeline: Timeline) -> str:
    """One line per event, "2025-12-27  (stated)    “The meeting … took place …” [1]", a
    blank line, then "[1] Title — Outlet, 2025-12-28" per article."""
    lines = [
        f"{e.date:<{DATE_WIDTH}}  {f'({e.how})':<{HOW_WIDTH}}  “{flow(e.text)}” [{e.number}]"
        for e in timeline.events
    ]
    sources = [f"[{s['number']}] {source_label(s)}" for s in timeline.sources()]
    return "\n".join([*lines, "", *sources])


def source_label(source: dict[str, Any]) -> str:
    """An article of ``Timeline.sources`` as "Title — Outlet, 2025-03-04"."""
    fields = ("title", "outlet", "published")
    return article_label({k: source[k] for k in fields if source[k]}, source["article_id"])


def timeline_html(timeline: Timeline) -> str:
    """The events in HTML, one per line, each with its date, how it is known, the sentence (its time
    expression marked), the article's outlet and date and the citation; then the articles."""
    if not timeline.events:
        return f'<div class="timeline"><p>{escape(empty_note(timeline))}</p></div>'
    events = "".join(event_html(event) for event in timeline.events)
    sources = "".join(
        f'<div id="timeline-s{s["number"]}">[{s["number"]}] {escape(source_label(s))}</div>'
        for s in timeline.sources()
    )
    return f'{STYLE}<div class="timeline">{events}<div class="sources">{sources}</div></div>'


def event_html(event: Event) -> str:
    """One event as a line of its own."""
    a, b = event.expression_start - event.start, event.expression_end - event.start
    text = event.text
    before, words, after = (escape(_SPACE.sub(" ", s)) for s in (text[:a], text[a:b], text[b:]))
    sentence = f"{before}<mark>{words}</mark>{after}"
    where = ", ".join(escape(v) for v in (event.outlet, event.published) if v)
    return (
        f'<div class="event"><span class="date">{escape(event.date)}</span> '
        f'<span class="how">({escape(event.how)})</span> “{sentence}” '
        f'<span class="where">{where}</span> '
        f'<a class="cite" href="#timeline-s{event.number}">[{event.number}]</a></div>'
    )
