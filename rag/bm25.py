"""The BM25 sidecar: a bm25s index of the passages in Chroma, kept beside the index.

Chroma has no sparse index, so BM25 lives in files under ``<index_dir>/bm25/``. Each
build goes to a fresh folder named after the ingest stamp it reflects; a pointer file,
replaced atomically, names the current one. A reader whose stamp differs from the
collection's rebuilds from the collection, so every process sees the passages Chroma holds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.types import Filters

#: bm25s parameters: Lucene's BM25 with Anserini's defaults for BEIR.
K1, B = 0.9, 0.4
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def day_number(date: str | None) -> int | None:
    """``2025-12-27`` → 20251227 (comparable as a number); None when not an ISO date."""
    match = _DATE.match(date or "")
    return int("".join(match.groups())) if match else None


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stemmed English words without stopwords."""
    import bm25s

    tokens: list[list[str]] = bm25s.tokenize(
        list(texts),
        stopwords="en",
        stemmer=_stemmer(),
        return_ids=False,
        show_progress=False,
    )
    return tokens


_STEMMER: Any = None


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english").stemWords
    return _STEMMER


@dataclass
class Columns:
    """Per-passage fields the sidecar filters on, aligned with the BM25 document order."""

    ids: list[str]
    articles: list[str]
    outlets: list[str]
    days: list[int]

    def mask(self, filters: Filters) -> np.ndarray:
        """Boolean array: which passages pass ``filters``."""
        keep = np.ones(len(self.ids), dtype=bool)
        if filters.outlets:
            keep &= np.isin(np.array(self.outlets, dtype=object), list(filters.outlets))
        if filters.articles:
            keep &= np.isin(np.array(self.articles, dtype=object), list(filters.articles))
        days = np.array(self.days, dtype=np.int64)
        if filters.since:
            keep &= days >= (day_number(filters.since) or 0)
        if filters.until:
            keep &= (days > 0) & (days <= (day_number(filters.until) or 99999999))
        return keep


class Sidecar:
    """A loaded BM25 index and its columns; ``search`` ranks passage ids."""

    def __init__(self, model: Any, columns: Columns, stamp: str) -> None:
        self.model = model
        self.columns = columns
        self.stamp = stamp

    def __len__(self) -> int:
        return len(self.columns.ids)

    def search(self, query: str, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Ids and scores of the ``n`` best passages for ``query`` (positive scores only)."""
        if not len(self):
            return []
        tokens = tokenize([query])[0]
        if not tokens:
            return []
        scores = self.model.get_scores(tokens)
        if filters:
            scores = np.where(self.columns.mask(filters), scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.columns.ids[i], float(scores[i])) for i in top if scores[i] > 0]


def build(texts: Sequence[str], columns: Columns, stamp: str) -> Sidecar:
    """Index ``texts`` (aligned with ``columns``) in memory."""
    import bm25s

    model = bm25s.BM25(k1=K1, b=B)
    if texts:
        model.index(tokenize(texts), show_progress=False)
    return Sidecar(model, columns, stamp)


def save(sidecar: Sidecar, root: Path, name: str) -> None:
    """Write ``sidecar`` under ``root`` and make it current, atomically."""
    folder = root / f"{name}.{sidecar.stamp}.{os.getpid()}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if len(sidecar):
        sidecar.model.save(str(folder), show_progress=False)
    meta = {"stamp": sidecar.stamp, **sidecar.columns.__dict__}
    (folder / "columns.json").write_text(json.dumps(meta), encoding="utf-8")
    pointer = root / f"{name}.current"
    tmp = root / f"{name}.current.{os.getpid()}"
    tmp.write_text(folder.name, encoding="utf-8")
    os.replace(tmp, pointer)
    for old in root.glob(f"{name}.*.*"):
        if old.is_dir() and old != folder:
            shutil.rmtree(old, ignore_errors=True)


def load(root: Path, name: str) -> Sidecar | None:
    """The current sidecar under ``root``, or None when there is none (or it is damaged)."""
    import bm25s

    try:
        folder = root / (root / f"{name}.current").read_text(encoding="utf-8").strip()
        meta = json.loads((folder / "columns.json").read_text(encoding="utf-8"))
        stamp = meta.pop("stamp")
        columns = Columns(**meta)
        model = None
        if columns.ids:
            model = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return Sidecar(model, columns, stamp)
