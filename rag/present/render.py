"""An Answer as plain text for a terminal: the answer, then its numbered sources.

The answer's warnings (sources holding instructions to the model) follow its mode line,
each on a line of its own, and an affected source says so under its heading.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from rag.present.disputes import disagreement_heading, quoted, side_label
from rag.text.sentences import segments
from rag.types import Answer, Attribution, Source

#: Marks around a supporting span: ANSI bold yellow on a terminal, ** otherwise.
_MARKS = {True: ("\033[1;33m", "\033[0m"), False: ("**", "**")}
#: The escape sequences this module writes itself (printed as they are, unlike any other).
COLOR_MARKS = _MARKS[True]
#: Prefix of a sentence the citation check could not back with its sources.
UNSUPPORTED = "(unsupported) "
#: Prefix of an answer's warning line.
WARNING = "warning: "
#: Under the heading of a source with instructions to the model.
SOURCE_WARNING = "warning: contains text addressed to an AI model; it supports no sentence"


def render_answer(answer: Answer, color: bool = False) -> str:
    """The answer text, which answerer wrote it, and each cited source with its span marked."""
    lines = [answer_text(answer), "", f"({mode_line(answer)})"]
    if answer.removed_citations:
        numbers = ", ".join(str(n) for n in answer.removed_citations)
        lines.append(f"(removed citations to sources that were not given: {numbers})")
    for warning in answer.warnings:
        lines += textwrap.wrap(WARNING + warning, 88, subsequent_indent="    ")
    for disagreement in answer.disagreements:
        lines += ["", disagreement_heading(disagreement)]
        for side in disagreement.sides:
            quote = f"{side_label(side)}: {quoted(side.text)} [{side.number}]"
            lines += textwrap.wrap(quote, 88, initial_indent="  ", subsequent_indent="    ")
    for source in answer.sources:
        lines += ["", *source_lines(source, color)]
    return "\n".join(lines)


def answer_text(answer: Answer) -> str:
    """Sentences with their citations; those without adequate support are marked."""
    if not answer.answered or not answer.sentences:
        return answer.text
    parts = []
    for sentence in answer.sentences:
        marks = "".join(f"[{n}]" for n in sentence.citations)
        flag = "" if sentence.supported else UNSUPPORTED
        parts.append(f"{flag}{sentence.text} {marks}".rstrip())
    return " ".join(parts)


def mode_line(answer: Answer) -> str:
    """Which answerer produced the answer, and how many sentences were flagged."""
    who = "offline extractive answer" if answer.mode == "extractive" else f"LLM {answer.model}"
    if not answer.answered:
        return f"{who}; the retrieved passages do not answer the question"
    return f"{who}; {len(answer.unsupported)} of {len(answer.sentences)} sentences unsupported"


def source_lines(source: Source, color: bool) -> list[str]:
    """Heading (number, title, outlet, date), the articles that repeat the passage, and the
    passage with its spans marked, each heading and paragraph on lines of its own."""
    passage = source.passage
    heading = f"[{source.number}] {article_label(passage.metadata, passage.article_id)}"
    if source.page is not None:
        heading += f", p. {source.page}"
    also = [article_label(p.metadata, p.article_id) for p in source.also_in]
    lines = [heading] + ([f"    also in: {'; '.join(also)}"] if also else [])
    lines += [f"    {SOURCE_WARNING} (source [{source.number}])"] if source.warning else []
    lines += [f"    said by: {said.said_by()}" for said in speakers_cited(source)]
    return lines + [
        line for a, b in segments(passage.text) for line in _wrapped(source, a, b, color)
    ]


def _wrapped(source: Source, start: int, end: int, color: bool) -> list[str]:
    """The passage's text from ``start`` to ``end`` (a heading, title or paragraph, as the
    sentence boundaries read it) with its spans marked, wrapped and indented."""
    text = source.passage.text
    spans = tuple((max(a, start) - start, min(b, end) - start) for a, b in source.spans
                  if a < end and b > start)  # fmt: skip
    body = marked(text[start:end], spans, *_MARKS[color])
    return textwrap.wrap(body, 88, initial_indent="    ", subsequent_indent="    ")


def speakers_cited(source: Source) -> list[Attribution]:
    """The attributed spans of the source's passage that its cited spans lie in: whose words
    the answer takes from it (one each for a speaker and kind)."""
    found: dict[tuple[str, str], Attribution] = {}
    for said in source.passage.attributions or ():
        if said.speaker and any(a < said.end and said.start < b for a, b in source.spans):
            found.setdefault((said.speaker, said.kind), said)
    return list(found.values())


def article_label(metadata: Mapping[str, str], article_id: str) -> str:
    """An article as a reader tells it apart: "Title — Outlet, 2025-03-04", with what is
    known (the id stands in for a missing title)."""
    title = metadata.get("title") or article_id
    where = ", ".join(v for v in (metadata.get("outlet"), metadata.get("published")) if v)
    return f"{title} — {where}" if where else title


def marked(text: str, spans: tuple[tuple[int, int], ...], open_: str, close: str) -> str:
    """``text`` with each span wrapped in the marks, whitespace collapsed."""
    out, last = [], 0
    for start, end in sorted(spans):
        out += [text[last:start], open_, text[start:end], close]
        last = end
    out.append(text[last:])
    return " ".join("".join(out).split())
