"""The library tab's values: the index's article rows as the table shows them (``COLUMNS``,
``table_rows``), its speakers as theirs does (``SPEAKER_COLUMNS``, ``speaker_rows``), the
filters' choices and the example questions made from those rows, and whole articles as the
sources panel shows them. It reads the index only through ``rag.index`` (``list_articles``,
``count_speakers``, ``Store``) and writes nothing."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rag.index.library import ArticleRow
from rag.index.speakers import SpeakerRow
from rag.index.store import Store
from rag.present.html import article_text
from rag.present.render import article_label
from rag.types import Passage

#: Columns of the library table.
COLUMNS = ["title", "outlet", "published", "passages", "article id"]


def table_rows(rows: Sequence[ArticleRow]) -> list[list[Any]]:
    """The library table's values (see ``COLUMNS``), one list per article."""
    return [[r.title, r.outlet, r.published, r.passages, r.article_id] for r in rows]


#: Columns of the speakers table.
SPEAKER_COLUMNS = ["speaker", "role", "kinds", "spans", "articles", "outlets"]


def speaker_rows(rows: Sequence[SpeakerRow]) -> list[list[Any]]:
    """The speakers table's values (see ``SPEAKER_COLUMNS``), one list per speaker; an
    article is shown by its title (its id when it has none)."""
    return [
        [r.speaker, r.role, ", ".join(r.kinds), r.spans,
         "; ".join(title or aid for aid, title in r.articles), ", ".join(r.outlets)]
        for r in rows
    ]  # fmt: skip


def speaker_choices(rows: Sequence[Sequence[Any]]) -> list[str]:
    """The speakers of the speakers table's rows, sorted by name."""
    return sorted({str(row[0]) for row in rows if row[0]}, key=str.casefold)


def outlet_choices(rows: Sequence[Sequence[Any]]) -> list[str]:
    """The outlets of the library rows, sorted."""
    return sorted({str(row[1]) for row in rows if row[1]})


def article_choices(rows: Sequence[Sequence[Any]]) -> list[tuple[str, str]]:
    """(label, article id) per library row: "Title — Outlet, date", and the id as well
    where two articles would still read the same (a syndicated copy)."""
    labels = [
        article_label({"title": row[0], "outlet": row[1], "published": row[2]}, str(row[4]))
        for row in rows
    ]
    twice = {label for label, count in Counter(labels).items() if count > 1}
    return [
        (f"{label} ({row[4]})" if label in twice else label, str(row[4]))
        for label, row in zip(labels, rows, strict=True)
    ]


def whole_articles(store: Store, article_ids: Sequence[str]) -> dict[str, str]:
    """The text of each article, rebuilt from its stored passages."""
    if not article_ids:
        return {}
    grouped: dict[str, list[Passage]] = {}
    for passage in store.passages_of(article_ids):
        grouped.setdefault(passage.article_id, []).append(passage)
    return {aid: article_text(passages) for aid, passages in grouped.items()}


#: Where a headline's parts meet: "Kicker — main", "Main | Site", "Topic: main".
_HEADLINE_PARTS = re.compile(r"\s+[—–|-]\s+|:\s+")
#: A question inside a headline, from the start of its part to its question mark.
_ASKED = re.compile(
    r"^\s*((?:what|who|whom|whose|which|why|how|when|where|is|are|was|were|can|could|will"
    r"|would|should|does|do|did|has|have)\b[^?]*\?)",
    re.IGNORECASE,
)
#: Fewest words a headline part needs to be asked about (one name alone reads badly).
_MIN_WORDS = 3
_MAX_CHARS = 90


def example_questions(rows: Sequence[Sequence[Any]], count: int = 3) -> list[str]:
    """Questions a reader could ask of the indexed articles, made from their titles: a
    question a headline asks itself, else one about the article's main headline part."""
    asked, about = [], []
    for row in rows:
        title, outlet = " ".join(str(row[0]).split()), " ".join(str(row[1]).split())
        if not title or "<" in title or ">" in title:
            continue
        parts = [p.strip() for p in _HEADLINE_PARTS.split(title) if p.strip()]
        found = [m.group(1) for m in map(_ASKED.match, parts) if m]
        if found:
            asked.append(found[0][0].upper() + found[0][1:])
            continue
        main = max(parts, key=lambda p: len(p.split()), default="").rstrip(".!;,")
        if len(main.split()) >= _MIN_WORDS and len(main) <= _MAX_CHARS:
            whose = f"the {outlet} article" if outlet else "the article"
            about.append(f"What does {whose} “{main}” say?")
    return list(dict.fromkeys([*asked, *about]))[:count]
