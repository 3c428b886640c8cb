"""Where an answer's sources disagree, as the terminal, the web UI and exports show it:
the point in dispute on a line of its own, then each side's exact words with who gives
them, the outlet and date, and its citation; an older figure or date marked superseded."""

from __future__ import annotations

from html import escape

from rag.types import Answer, Disagreement, Side, Source, spoken_date


def disagreement_heading(disagreement: Disagreement) -> str:
    """The line that names the point in dispute: "Sources disagree on the death toll:"."""
    return f"Sources disagree on {disagreement.point}:"


def side_label(side: Side) -> str:
    """Who gives one side, as it is shown before its words: "The Daily Ledger, 4 March 2025"
    (the speaker, where one is recorded, first; the article's title, as its card heads it,
    where it names no outlet; an older figure or date marked superseded)."""
    where = side.outlet or side.title or ""
    parts = [side.speaker, where, spoken_date(side.published) or ""]
    label = ", ".join(part for part in parts if part) or "A source"
    return f"{label} (superseded by a later report)" if side.superseded else label


def quoted(text: str) -> str:
    """``text`` in quotation marks, unless it holds its own at both ends."""
    if text[:1] in '“"«' and text.rstrip(".")[-1:] in '”"»':
        return text
    return f"“{text}”"


def disagreements_html(answer: Answer, number: int = 1) -> str:
    """A "Sources disagree" note for each disagreement: the point, then each side's exact
    words with its speaker, outlet and date, linked to its card."""
    notes = []
    for disagreement in answer.disagreements:
        sides = "".join(
            f"<li>{escape(side_label(side))}: {escape(quoted(side.text))} "
            f'<a class="cite" href="#a{number}-s{side.number}">[{side.number}]</a></li>'
            for side in disagreement.sides
        )
        point = escape(disagreement_heading(disagreement))
        notes.append(
            f'<div class="disagreement" data-kind="{escape(disagreement.kind)}">'
            f'<div class="disagreement-point">⚖ {point}</div><ul>{sides}</ul></div>'
        )
    return "".join(notes)


def superseded_by(answer: Answer, source: Source) -> int | None:
    """The number of the later source whose report supersedes ``source``'s, if one does."""
    for disagreement in answer.disagreements:
        numbers = {side.number: side.superseded for side in disagreement.sides}
        if numbers.get(source.number):
            return next((n for n, old in numbers.items() if not old), None)
    return None
