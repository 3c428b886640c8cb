"""Sentence-aware splitting of Articles into Passages with exact character offsets."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from rag.text.attribution import attributions
from rag.text.quotations import quotation_spans
from rag.text.times import time_expressions
from rag.types import Article, Attribution, Passage, TimeRef

if TYPE_CHECKING:
    from llama_index.core.node_parser import SentenceSplitter

#: A repeated line shorter than this is kept (e.g. "Q:" in an interview); longer ones are dropped.
MIN_DEDUP_CHARS = 40
_SPACE = re.compile(r"\s+")


def passage_id(article_id: str, text: str) -> str:
    """Stable id of a passage: the same article and text always give the same id."""
    return hashlib.sha256(f"{article_id}\x00{text}".encode()).hexdigest()[:32]


def unique_blocks(text: str) -> Iterator[tuple[int, int]]:
    """Spans of ``text`` left after removing lines that repeat an earlier line verbatim."""
    seen: set[str] = set()
    block_start: int | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        key = _SPACE.sub(" ", line).strip()
        repeated = len(key) >= MIN_DEDUP_CHARS and key in seen
        seen.add(key)
        if repeated and block_start is not None:
            yield block_start, offset
            block_start = None
        elif not repeated and block_start is None:
            block_start = offset
        offset += len(line)
    if block_start is not None:
        yield block_start, offset


def locate(block: str, chunk: str, cursor: int) -> tuple[int, int]:
    """Start and end of ``chunk`` in ``block`` at or after ``cursor``, tolerant of whitespace."""
    found = block.find(chunk, cursor)
    if found >= 0:
        return found, found + len(chunk)
    pattern = r"\s+".join(re.escape(word) for word in chunk.split())
    match = re.compile(pattern).search(block, cursor)
    if match:
        return match.start(), match.end()
    return cursor, min(len(block), cursor + len(chunk))


class Splitter:
    """Wraps llama-index's SentenceSplitter; token counts use its bundled tokenizer."""

    def __init__(self, chunk_size: int, chunk_overlap: int) -> None:
        from llama_index.core.node_parser import SentenceSplitter

        self._splitter: SentenceSplitter = SentenceSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap
        )

    def split(self, article: Article) -> list[Passage]:
        """The article's distinct passages, in reading order."""
        passages: list[Passage] = []
        seen: set[str] = set()
        quotations = quotation_spans(article.text)
        said = attributions(article.text)
        times = time_expressions(article.text, article.published)
        for start, end in unique_blocks(article.text):
            for a, b in self._chunks(article.text[start:end]):
                text = article.text[start + a : start + b]
                pid = passage_id(article.id, text)
                if pid in seen or not text.strip():
                    continue
                seen.add(pid)
                passage = _passage(article, pid, len(passages), start + a, start + b)
                passages.append(dated(quoting(passage, quotations, said), times))
        return passages

    def _chunks(self, block: str) -> Iterator[tuple[int, int]]:
        cursor = 0
        for chunk in self._splitter.split_text(block):
            a, b = locate(block, chunk, cursor)
            cursor = a + 1
            yield a, b


def quoting(
    passage: Passage, quotations: Sequence[tuple[int, int]], said: Sequence[Attribution]
) -> Passage:
    """``passage`` with the article's quotations and attributed spans that reach into it,
    in its own offsets."""
    start, end = passage.start, passage.end
    inside = tuple((a - start, b - start) for a, b in quotations if a < end and b > start)
    spans = tuple(a.shifted(-start) for a in said if a.start < end and a.end > start)
    return dataclasses.replace(passage, quotations=inside, attributions=spans)


def dated(passage: Passage, times: Sequence[TimeRef]) -> Passage:
    """``passage`` with the article's time expressions that lie inside it, in its own
    offsets."""
    start, end = passage.start, passage.end
    inside = tuple(t.shifted(-start) for t in times if start <= t.start and t.end <= end)
    return dataclasses.replace(passage, dates=inside)


def _passage(article: Article, pid: str, ordinal: int, start: int, end: int) -> Passage:
    return Passage(
        id=pid,
        article_id=article.id,
        ordinal=ordinal,
        text=article.text[start:end],
        start=start,
        end=end,
        source=article.source,
        page=article.page_at(start),
        metadata=article.metadata(),
        page_breaks=tuple(p - start for p in article.page_starts if start < p < end),
        ends_article=not article.text[end:].strip(),
    )
