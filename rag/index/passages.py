"""How a passage is stored in Chroma: its metadata written (``passage_metadata``, which
drops None values, as Chroma keeps none) and read back (``to_passage``). Pure conversions:
nothing here opens or touches a collection."""

from __future__ import annotations

import json
from dataclasses import astuple
from typing import Any

from rag.index.snapshot import day_number
from rag.types import METADATA_FIELDS, Attribution, Passage, TimeRef


def passage_metadata(passage: Passage) -> dict[str, Any]:
    """Chroma metadata for a passage (Chroma stores no None values)."""
    meta: dict[str, Any] = {
        "article_id": passage.article_id,
        "ordinal": passage.ordinal,
        "start": passage.start,
        "end": passage.end,
        "source": passage.source,
        **passage.metadata,
    }
    if passage.page is not None:
        meta["page"] = passage.page
    if passage.page_breaks:
        meta["page_breaks"] = ",".join(str(offset) for offset in passage.page_breaks)
    if passage.ends_article:
        meta["ends_article"] = True
    if passage.quotations is not None:
        meta["quotations"] = ",".join(f"{a}:{b}" for a, b in passage.quotations)
    if passage.attributions is not None:
        meta["attributions"] = json.dumps([astuple(a) for a in passage.attributions])
    if passage.dates is not None:
        meta["dates"] = json.dumps([astuple(d) for d in passage.dates])
    day = day_number(passage.metadata.get("published"))
    if day is not None:
        meta["day"] = day
    return meta


def to_passage(pid: str, text: str, meta: dict[str, Any]) -> Passage:
    """A stored passage back as a ``Passage``."""
    return Passage(
        id=pid,
        article_id=str(meta["article_id"]),
        ordinal=int(meta["ordinal"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        source=str(meta["source"]),
        page=int(meta["page"]) if "page" in meta else None,
        metadata={k: str(meta[k]) for k in METADATA_FIELDS if k in meta},
        page_breaks=tuple(int(x) for x in str(meta.get("page_breaks") or "").split(",") if x),
        ends_article=bool(meta.get("ends_article", False)),
        quotations=_spans(meta["quotations"]) if "quotations" in meta else None,
        attributions=_attributions(meta["attributions"]) if "attributions" in meta else None,
        dates=_dates(meta["dates"]) if "dates" in meta else None,
    )


def _spans(value: Any) -> tuple[tuple[int, int], ...]:
    """Spans stored as "a:b,c:d"."""
    pairs = (item.split(":") for item in str(value).split(",") if item)
    return tuple((int(a), int(b)) for a, b in pairs)


def _attributions(value: Any) -> tuple[Attribution, ...]:
    """Attributed spans stored as a JSON list of field tuples."""
    return tuple(Attribution(*fields) for fields in json.loads(str(value)))


def _dates(value: Any) -> tuple[TimeRef, ...]:
    """Time expressions stored as a JSON list of field tuples."""
    return tuple(TimeRef(*fields) for fields in json.loads(str(value)))
