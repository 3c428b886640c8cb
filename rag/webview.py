"""Answers and sources as HTML for the web UI, and conversations as Markdown or JSON.

Every piece of article text, title and metadata is HTML-escaped here: an article that
contains ``<script>`` or ``<img onerror=…>`` shows as text.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from html import escape

from rag.render import UNSUPPORTED, marked, mode_line
from rag.types import Answer, Passage, Source

#: JavaScript (put in the page head) that makes a citation bring its source card into view.
CITATION_SCRIPT = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest ? event.target.closest("a.cite") : null;
  if (!link || !(link.getAttribute("href") || "").startsWith("#source-")) return;
  event.preventDefault();
  const card = document.getElementById((link.getAttribute("href") || "").slice(1));
  if (!card) return;
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
.unsupported { text-decoration: underline wavy #dc2626; }
.answer-mode { color: #57606a; font-size: 0.85em; margin-top: 6px; }
a.cite { text-decoration: none; font-weight: 600; cursor: pointer; }
.cannot-answer { font-style: italic; }
"""


def answer_html(answer: Answer) -> str:
    """The answer: sentences with clickable citations, unsupported ones marked, its mode."""
    mode = f'<div class="answer-mode">{escape(mode_line(answer))}</div>'
    if not answer.answered:
        return f'<p class="cannot-answer">{escape(answer.text)}</p>{mode}'
    parts = []
    for sentence in answer.sentences:
        links = "".join(f'<a class="cite" href="#source-{n}">[{n}]</a>' for n in sentence.citations)
        text = f"{escape(sentence.text)} {links}".rstrip()
        if not sentence.supported:
            note = "not supported by the passages it cites"
            text = f'<span class="unsupported" title="{note}">{escape(UNSUPPORTED)}{text}</span>'
        parts.append(text)
    removed = ""
    if answer.removed_citations:
        numbers = ", ".join(str(n) for n in answer.removed_citations)
        removed = f'<div class="answer-mode">removed citations to no source: {numbers}</div>'
    return f"<p>{' '.join(parts)}</p>{mode}{removed}"


def sources_html(answer: Answer | None, articles: dict[str, str] | None = None) -> str:
    """One card per cited source; ``articles`` maps article ids to their whole text."""
    if answer is None or not answer.sources:
        return '<div class="no-sources">Sources of the current answer appear here.</div>'
    whole = articles or {}
    return "".join(source_card(s, whole.get(s.passage.article_id)) for s in answer.sources)


def source_card(source: Source, article: str | None) -> str:
    """A source: number, title, outlet and date, the passage with its span highlighted."""
    passage = source.passage
    meta = passage.metadata
    title = escape(meta.get("title") or passage.article_id)
    where = escape(" · ".join(v for v in (meta.get("outlet"), meta.get("published")) if v))
    body = escaped_marked(passage.text, source.spans)
    also = ""
    if source.also_in:
        names = "; ".join(escape(p.metadata.get("title") or p.article_id) for p in source.also_in)
        also = f'<div class="source-meta">also in: {names}</div>'
    whole = ""
    if article:
        whole = (
            '<details class="whole-article"><summary>Show whole article</summary>'
            f'<div style="white-space: pre-wrap">{escape(article)}</div></details>'
        )
    return (
        f'<div class="source-card" id="source-{source.number}">'
        f'<div class="source-title">[{source.number}] {title}</div>'
        f'<div class="source-meta">{where or "&nbsp;"}</div>{also}'
        f"<div>{body}</div>{whole}</div>"
    )


def escaped_marked(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """``text`` escaped, with each span in ``<mark class="support">``."""
    pieces, last = [], 0
    for start, end in sorted(spans):
        pieces += [escape(text[last:start]), '<mark class="support">']
        pieces += [escape(text[start:end]), "</mark>"]
        last = max(last, end)
    pieces.append(escape(text[last:]))
    return "".join(pieces)


def conversation_markdown(answers: Sequence[Answer]) -> str:
    """The conversation with every answer's sources, as Markdown."""
    blocks = []
    for answer in answers:
        lines = [f"## {answer.question}", "", answer.text, "", f"*{mode_line(answer)}*"]
        for source in answer.sources:
            lines += ["", *source_markdown(source)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def source_markdown(source: Source) -> list[str]:
    meta = source.passage.metadata
    where = ", ".join(v for v in (meta.get("outlet"), meta.get("published")) if v)
    heading = f"**[{source.number}] {meta.get('title') or source.passage.article_id}**"
    quote = marked(source.passage.text, source.spans, "**", "**")
    return [heading + (f" — {where}" if where else ""), "", f"> {quote}"]


def conversation_json(answers: Sequence[Answer]) -> str:
    """The conversation as JSON: every answer whole."""
    return json.dumps([dataclasses.asdict(a) for a in answers], indent=2, ensure_ascii=False)


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
