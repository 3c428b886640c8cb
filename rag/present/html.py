"""Answers and sources as HTML for the web UI, and conversations as Markdown or JSON.

Every piece of article text, title and metadata is HTML-escaped here: an article that
contains ``<script>`` or ``<img onerror=…>`` shows as text. Citations lead to their own
answer's sources: answer i's citation [n] links to the card ``a{i}-s{n}``. A source holding
instructions to the model (``rag.ingest.injection``) shows its warning on its card, and the answer
lists every warning under its mode line.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from rag.present.disputes import (
    disagreement_heading,
    disagreements_html,
    quoted,
    side_label,
    superseded_by,
)
from rag.present.render import UNSUPPORTED, article_label, marked, mode_line, speakers_cited
from rag.types import Answer, Filters, Passage, Source

#: JavaScript (put in the page head) that makes a citation show its answer's sources and
#: bring its card into view, outlined.
CITATION_SCRIPT = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest ? event.target.closest("a.cite") : null;
  const target = link ? link.getAttribute("href") || "" : "";
  if (!/^#a[0-9]+-s[0-9]+$/.test(target)) return;
  event.preventDefault();
  const card = document.getElementById(target.slice(1));
  if (!card) return;
  const group = card.closest(".answer-sources");
  document.querySelectorAll(".answer-sources").forEach((g) => {
    g.classList.toggle("current", g === group);
  });
  document.querySelectorAll(".source-card.marked").forEach((c) => c.classList.remove("marked"));
  card.classList.add("marked");
  card.scrollIntoView({behavior: "smooth", block: "center"});
});
</script>
"""

CSS = """
.source-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px;
  margin-bottom: 10px; scroll-margin: 80px; }
.source-card.marked { border: 2px solid #d97706; box-shadow: 0 0 0 3px #fde68a; }
.source-title { font-weight: 600; }
.source-meta { color: #57606a; font-size: 0.9em; margin-bottom: 6px; }
.source-card mark.support { background: #fef08a; }
.said-by { font-size: 0.85em; font-weight: 600; color: #1d4ed8; background: #dbeafe;
  border-radius: 4px; padding: 0 4px; }
.unsupported { text-decoration: underline wavy #dc2626; }
.answer-mode { color: #57606a; font-size: 0.85em; margin-top: 6px; }
a.cite { text-decoration: none; font-weight: 600; cursor: pointer; }
.cannot-answer { font-style: italic; }
.answer-sources { display: none; }
.answer-sources.current { display: block; }
.sources-of { color: #57606a; font-size: 0.9em; margin-bottom: 8px; }
.disagreement { border-left: 4px solid #7c3aed; background: #f5f3ff; border-radius: 6px;
  padding: 6px 10px; margin: 8px 0; }
.disagreement-point { font-weight: 600; }
.superseded { color: #6b21a8; font-size: 0.85em; font-weight: 600; }
.answer-warning, .source-warning { color: #9a3412; background: #ffedd5; border-radius: 6px;
  padding: 4px 8px; margin: 6px 0; font-size: 0.9em; }
"""


@dataclass(frozen=True)
class Turn:
    """One question of a conversation: its answer, and what it was asked with."""

    answer: Answer
    filters: Filters = field(default_factory=Filters)
    #: Passages retrieved for it.
    k: int = 0
    #: When it was asked: ISO 8601, local time with its UTC offset.
    asked: str = ""

    def record(self) -> dict[str, Any]:
        """As exported: when and how it was asked, then the whole answer."""
        how = {"asked": self.asked, "k": self.k, "filters": dataclasses.asdict(self.filters)}
        return {**how, **self.answer.to_dict()}


def answer_html(answer: Answer, number: int = 1) -> str:
    """The answer (the ``number``-th of its conversation): sentences with citations that
    link to its own source cards, unsupported ones marked, its mode."""
    mode = f'<div class="answer-mode">{escape(mode_line(answer))}</div>'
    if not answer.answered:
        return f'<p class="cannot-answer">{escape(answer.text)}</p>{mode}{warnings_html(answer)}'
    parts = []
    for sentence in answer.sentences:
        links = "".join(
            f'<a class="cite" href="#{card_id(number, n)}">[{n}]</a>' for n in sentence.citations
        )
        text = f"{escape(sentence.text)} {links}".rstrip()
        if not sentence.supported:
            note = escape(sentence.problem or "not supported by the passages it cites")
            text = f'<span class="unsupported" title="{note}">{escape(UNSUPPORTED)}{text}</span>'
        parts.append(text)
    removed = ""
    if answer.removed_citations:
        numbers = ", ".join(str(n) for n in answer.removed_citations)
        removed = f'<div class="answer-mode">removed citations to no source: {numbers}</div>'
    notes = disagreements_html(answer, number)
    return f"<p>{' '.join(parts)}</p>{notes}{mode}{removed}{warnings_html(answer)}"


def warnings_html(answer: Answer) -> str:
    """The answer's warnings, one line each."""
    return "".join(f'<div class="answer-warning">⚠ {escape(w)}</div>' for w in answer.warnings)


def card_id(answer: int, source: int) -> str:
    """The id of the card of source ``source`` of the ``answer``-th answer."""
    return f"a{answer}-s{source}"


def sources_html(answers: Sequence[Answer], articles: dict[str, str] | None = None) -> str:
    """The sources of every answer of a conversation, a group each, the last one shown;
    ``articles`` maps article ids to their whole text."""
    if not answers:
        return '<div class="no-sources">Sources of the current answer appear here.</div>'
    whole = articles or {}
    groups = []
    for number, answer in enumerate(answers, start=1):
        current = " current" if number == len(answers) else ""
        cards = "".join(
            source_card(s, whole.get(s.passage.article_id), number, superseded_by(answer, s))
            for s in answer.sources
        )
        groups.append(
            f'<div class="answer-sources{current}" id="a{number}-sources">'
            f'<div class="sources-of">Sources of answer {number}: {escape(answer.question)}</div>'
            f"{cards or '<div class=no-sources>No passage is cited.</div>'}</div>"
        )
    return "".join(groups)


def source_card(
    source: Source, article: str | None, answer: int = 1, superseded: int | None = None
) -> str:
    """A source of the ``answer``-th answer: number, title, outlet and date, the articles
    that repeat it, the passage with its span highlighted; marked superseded when a later
    source (number ``superseded``) gives another figure or date on the same point."""
    passage = source.passage
    meta = passage.metadata
    title = escape(meta.get("title") or passage.article_id)
    page = f"p. {source.page}" if source.page is not None else None
    where = escape(" · ".join(v for v in (meta.get("outlet"), meta.get("published"), page) if v))
    tags = {max(0, said.start): said.said_by() for said in speakers_cited(source)}
    body = escaped_marked(passage.text, source.spans, tags)
    also = ""
    if source.also_in:
        names = "; ".join(escape(article_label(p.metadata, p.article_id)) for p in source.also_in)
        also = f'<div class="source-meta">also in: {names}</div>'
    if source.warning:
        also += f'<div class="source-warning">⚠ {escape(source.warning)}</div>'
    if superseded is not None:
        also += f'<div class="superseded">superseded by the later report [{superseded}]</div>'
    whole = ""
    if article:
        whole = (
            '<details class="whole-article"><summary>Show whole article</summary>'
            f'<div style="white-space: pre-wrap">{escape(article)}</div></details>'
        )
    return (
        f'<div class="source-card" id="{card_id(answer, source.number)}">'
        f'<div class="source-title">[{source.number}] {title}</div>'
        f'<div class="source-meta">{where or "&nbsp;"}</div>{also}'
        f"<div>{body}</div>{whole}</div>"
    )


def escaped_marked(
    text: str, spans: tuple[tuple[int, int], ...], tags: dict[int, str] | None = None
) -> str:
    """``text`` escaped, with each span in ``<mark class="support">`` and, before the offsets
    ``tags`` names, who says the words from there (``<span class="said-by">``)."""
    tags = tags or {}
    cuts = sorted({0, len(text), *(a for span in spans for a in span), *tags})
    pieces, marking = [], False
    for start, end in itertools.pairwise(cuts):
        inside = any(a <= start and end <= b for a, b in spans)
        if marking and (not inside or start in tags):
            pieces.append("</mark>")
            marking = False
        if start in tags:
            pieces.append(f'<span class="said-by">{escape(tags[start])}:</span> ')
        if inside and not marking:
            pieces.append('<mark class="support">')
            marking = True
        pieces.append(escape(text[start:end]))
    return "".join([*pieces, "</mark>" if marking else ""])


def conversation_markdown(turns: Sequence[Turn]) -> str:
    """The conversation with every answer's sources, as Markdown; each question says when
    it was asked, with which filters and k."""
    if not turns:
        return "No questions asked yet.\n"
    blocks = []
    for turn in turns:
        answer = turn.answer
        asked = f"*Asked {turn.asked} · k = {turn.k} · {filters_line(turn.filters)}*"
        lines = [f"## {answer.question}", "", asked, "", answer.text, "", f"*{mode_line(answer)}*"]
        lines += [f"\n**Warning:** {warning}" for warning in answer.warnings]
        for disagreement in answer.disagreements:
            lines += ["", f"**{disagreement_heading(disagreement)}**", ""]
            lines += [f"- {side_label(side)}: {quoted(side.text)} [{side.number}]"
                      for side in disagreement.sides]  # fmt: skip
        for source in answer.sources:
            lines += ["", *source_markdown(source)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def filters_line(filters: Filters) -> str:
    """The filters in words: "outlets: A, B; since 2024-01-01", or "no filters"."""
    parts = [
        f"{name}: {', '.join(values)}"
        for name, values in (
            ("outlets", filters.outlets),
            ("articles", filters.articles),
            ("speakers", filters.speakers),
        )
        if values
    ]
    dates = (("since", filters.since), ("until", filters.until), ("as of", filters.as_of))
    parts += [f"{name} {day}" for name, day in dates if day]
    return "; ".join(parts) or "no filters"


def source_markdown(source: Source) -> list[str]:
    passage = source.passage
    heading = f"**[{source.number}] {article_label(passage.metadata, passage.article_id)}**"
    lines = [heading]
    if source.warning:
        lines.append(f"**Warning:** {source.warning}")
    if source.also_in:
        also = "; ".join(article_label(p.metadata, p.article_id) for p in source.also_in)
        lines.append(f"also in: {also}")
    quote = marked(passage.text, source.spans, "**", "**")
    return [*lines, "", f"> {quote}"]


def conversation_json(turns: Sequence[Turn]) -> str:
    """The conversation as JSON: for every question, when and how it was asked, and its
    whole answer."""
    return json.dumps([turn.record() for turn in turns], indent=2, ensure_ascii=False)


def article_text(passages: Sequence[Passage]) -> str:
    """An article's text rebuilt from its passages' offsets (overlaps joined, gaps marked)."""
    out: list[str] = []
    cursor: int | None = None
    for passage in sorted(passages, key=lambda p: p.start):
        if cursor is None or passage.start <= cursor:
            out.append(passage.text[(cursor or passage.start) - passage.start :])
        else:
            out.append("\n\n[…]\n\n" + passage.text)
        cursor = max(cursor or 0, passage.end)
    return "".join(out)
