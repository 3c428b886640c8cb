"""What the index holds, article by article and speaker by speaker: ``list_articles`` and
``list_speakers`` read it through ``Store`` (never a Chroma collection directly) into typed
``ArticleRow``s and ``SpeakerRow``s. Nothing here makes HTML or table values
(``rag/app/library.py``) or handles files (``rag/ingest/uploads.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from rag.index.speakers import SpeakerRow, count_speakers
from rag.index.store import Store


@dataclass(frozen=True)
class ArticleRow:
    """One indexed article: its title, outlet and date ("" when unknown), and how many
    passages of it are stored."""

    title: str
    outlet: str
    published: str
    passages: int
    article_id: str


def list_articles(store: Store) -> list[ArticleRow]:
    """One row per indexed article, by title (then id)."""
    fields: dict[str, tuple[str, str, str]] = {}
    counts: dict[str, int] = {}
    for meta in store.passage_metadatas():
        aid = str(meta["article_id"])
        if aid not in fields:
            title, outlet, published = (
                meta.get(key, "") for key in ("title", "outlet", "published")
            )
            fields[aid] = (title, outlet, published)
        counts[aid] = counts.get(aid, 0) + 1
    rows = [ArticleRow(*fields[aid], counts[aid], aid) for aid in fields]
    return sorted(rows, key=lambda row: (str(row.title).lower(), row.article_id))


def list_speakers(store: Store) -> list[SpeakerRow]:
    """One row per speaker quoted or reported in the index, most spans first, as of the
    snapshot questions are answered from (a StoreError while an ingest is writing an index
    that has none saved yet)."""
    return count_speakers(store.snapshot().texts)
