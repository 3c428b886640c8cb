"""The snapshot: the passages in Chroma as of one complete ingest, which questions are
answered from (``Snapshot``), and its files (``build``, ``save``, ``load``, ``remove``).

It holds a keyword index (``keywords.py``: BM25, which Chroma's single-node server does
not have) built as the index's ``Profile`` says, the passages' vectors for exact dense
search (none where dense search is served by Chroma's HNSW index, ``dense.py``), and the
passages themselves, in files under ``<index_dir>/bm25/``; the profile is
recorded with them. Each save goes to a fresh folder named after the ingest stamp it
reflects (linking the keyword segments it shares with the one before); a pointer file,
replaced atomically, names the current one. Answering from one snapshot means a
question never sees half of an ingest, and a process never reads a stale copy of
Chroma's vector index (embedded Chroma does not see another process's writes). A snapshot
also records the change of the change log it is at (``changes.py``), from which the next
one is made by reading only what later ingests changed (``changed``), and adding to the
keyword index only what they wrote.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
import shutil
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag.index.keywords import Keywords
from rag.index.profile import PROFILES, UNIFORM, Profile, choose, choose_of, words
from rag.index.speakers import passage_speakers, speaks
from rag.index.texts import Texts
from rag.types import Filters, Passage

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
    """Per-passage fields the snapshot filters on, aligned with the BM25 document order."""

    ids: list[str]
    articles: list[str]
    outlets: list[str]
    days: list[int]
    #: The named speakers of each passage (``rag.index.speakers.passage_speakers``); None
    #: in a snapshot saved before they were recorded, where no passage has one.
    speakers: list[list[str]] | None = None
    #: The length of each passage in words (``profile.words``); None in a snapshot saved
    #: before they were recorded.
    words: list[int] | None = None

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> Columns:
        """The columns of ``passages``, in their order."""
        return cls(
            ids=[p.id for p in passages],
            articles=[p.article_id for p in passages],
            outlets=[p.metadata.get("outlet", "") for p in passages],
            days=[day_number(p.metadata.get("published")) or 0 for p in passages],
            speakers=[passage_speakers(p) for p in passages],
            words=[words(p) for p in passages],
        )

    def fields(self) -> dict[str, list[Any]]:
        """The recorded columns by name (those that are not None)."""
        found = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {name: value for name, value in found.items() if value is not None}

    def mask(self, filters: Filters) -> np.ndarray:
        """Boolean array: which passages pass ``filters``."""
        keep = np.ones(len(self.ids), dtype=bool)
        if filters.outlets:
            keep &= _among(self._outlets, filters.outlets)
        if filters.speakers:
            keep &= self.speaking(filters.speakers)
        if filters.articles:
            keep &= _among(self._articles, filters.articles)
        days = self._days
        if filters.since:
            keep &= days >= (day_number(filters.since) or 0)
        if filters.until:
            keep &= (days > 0) & (days <= (day_number(filters.until) or 99999999))
        return keep

    def changed(self, kept: Sequence[int], written: Sequence[Passage]) -> Columns:
        """The columns of rows ``kept`` (in that order), then those of ``written``."""
        new = Columns.of(written)
        old = self.fields()
        return Columns(
            **{key: [value[i] for i in kept] + getattr(new, key) for key, value in old.items()}
        )

    def speaking(self, wanted: Sequence[str]) -> np.ndarray:
        """Boolean array: in which passages one of the ``wanted`` speakers speaks."""
        keep = np.zeros(len(self.ids), dtype=bool)
        for speaker, rows in self._speaker_rows.items():
            if speaks(wanted, [speaker]):
                keep[rows] = True
        return keep

    # Arrays filters are computed over, made once per loaded snapshot.

    @cached_property
    def _days(self) -> np.ndarray:
        return np.array(self.days, dtype=np.int64)

    @cached_property
    def _outlets(self) -> tuple[dict[str, int], np.ndarray]:
        return _coded(self.outlets)

    @cached_property
    def _articles(self) -> tuple[dict[str, int], np.ndarray]:
        return _coded(self.articles)

    @cached_property
    def _speaker_rows(self) -> dict[str, np.ndarray]:
        rows: dict[str, list[int]] = {}
        for row, named in enumerate(self.speakers or []):
            for speaker in named:
                rows.setdefault(speaker, []).append(row)
        return {speaker: np.array(found, dtype=np.int64) for speaker, found in rows.items()}


def _coded(values: Sequence[str]) -> tuple[dict[str, int], np.ndarray]:
    """A number for each distinct value, and each row's number."""
    codes: dict[str, int] = {}
    rows = (codes.setdefault(value, len(codes)) for value in values)
    return codes, np.fromiter(rows, dtype=np.int64, count=len(values))


def _among(coded: tuple[dict[str, int], np.ndarray], wanted: Iterable[str]) -> np.ndarray:
    """Boolean array: which rows of the ``coded`` column hold one of the ``wanted`` values."""
    codes, rows = coded
    return np.isin(rows, [codes[value] for value in wanted if value in codes])


class Snapshot:
    """A loaded snapshot: ``search`` ranks passage ids by BM25, ``nearest`` by cosine
    similarity, ``get`` returns passages, all as of the ingest named by ``stamp``, which
    published the change ``seq`` of the change log (None: not known, in a snapshot saved
    before it was recorded); BM25 was built as ``profile`` says. ``folder``: where it was
    last saved or loaded from (None: not saved)."""

    def __init__(
        self,
        keywords: Keywords,
        columns: Columns,
        stamp: str,
        vectors: np.ndarray | None,
        texts: Texts,
        profile: Profile,
        recorded: bool = True,
        seq: int | None = None,
        folder: Path | None = None,
    ) -> None:
        self.keywords = keywords
        self.folder = folder
        self.columns = columns
        self.stamp = stamp
        self.seq = seq
        self.profile = profile
        #: False for a snapshot saved before profiles or speakers were recorded (built as
        #: ``UNIFORM``, no passage with a speaker): it is answered from only until a
        #: rebuild can replace it.
        self.recorded = recorded
        #: One float32 row per passage, in the order of ``columns.ids``; None where dense
        #: search is served by Chroma (``dense.py``).
        self.vectors = None if vectors is None else np.asarray(vectors, dtype=np.float32)
        #: The passages, row by row; those of a saved snapshot read when asked for.
        self.texts = texts

    def __len__(self) -> int:
        return len(self.columns.ids)

    @cached_property
    def position(self) -> dict[str, int]:
        """Passage id → its row in the index."""
        return {pid: i for i, pid in enumerate(self.columns.ids)}

    def scores(self, query: str, filters: Filters | None = None) -> np.ndarray | None:
        """BM25 score of every passage for ``query`` (0 where ``filters`` exclude it), or
        None when nothing can match (empty index, no query terms)."""
        if not len(self):
            return None
        tokens = tokenize([query])[0]
        if not tokens:
            return None
        scores = self.keywords.scores(tokens, len(self))
        if filters:
            scores = np.where(self.columns.mask(filters), scores, 0.0)
        return scores

    def top(self, scores: np.ndarray | None, n: int) -> list[tuple[str, float]]:
        """Ids and scores of the ``n`` best passages of ``scores`` (positive scores only)."""
        if scores is None or n <= 0:
            return []
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.columns.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def search(self, query: str, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Ids and scores of the ``n`` best passages for ``query`` (positive scores only)."""
        return self.top(self.scores(query, filters), n)

    def cosine(self, ids: Sequence[str], vector: np.ndarray) -> dict[str, float]:
        """Cosine similarity of each passage in ``ids`` to the unit-length ``vector``."""
        rows = [self.position[pid] for pid in ids]
        if not rows or self.vectors is None:
            return {}
        sims = self.vectors[rows] @ np.asarray(vector, dtype=np.float32)
        return dict(zip(ids, (float(x) for x in sims), strict=True))

    def nearest(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """Ids of the ``n`` passages most similar to the unit-length ``vector`` that pass
        ``filters``, with their cosine similarity (an exact search)."""
        if not len(self) or n <= 0 or self.vectors is None:
            return []
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        if filters:
            sims = np.where(self.columns.mask(filters), sims, -np.inf)
        n = min(n, len(sims))
        top = np.argpartition(-sims, n - 1)[:n]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(self.columns.ids[i], float(sims[i])) for i in top if np.isfinite(sims[i])]

    def get(self, ids: Sequence[str]) -> dict[str, Passage]:
        """Passages by id (ids not in the snapshot are left out), read only these."""
        position = self.position
        return {pid: self.texts[position[pid]] for pid in ids if pid in position}

    def of_articles(self, article_ids: Iterable[str]) -> list[Passage]:
        """Every passage of these articles, in the index's order (read only these)."""
        wanted = set(article_ids)
        rows = [row for row, article in enumerate(self.columns.articles) if article in wanted]
        return [self.texts[row] for row in rows]


def build(
    passages: Sequence[Passage], stamp: str, vectors: np.ndarray | None, seq: int | None = None
) -> Snapshot:
    """Index ``passages`` (aligned with the rows of ``vectors``; None: dense search served
    by Chroma) in memory, BM25 as the profile chosen from them says."""
    profile = choose(passages)
    keywords = Keywords.build(profile.k1, profile.b, tokenize([profile.text(p) for p in passages]))
    texts = Texts.of(passages)
    return Snapshot(keywords, Columns.of(passages), stamp, vectors, texts, profile, seq=seq)


def changed(
    snapshot: Snapshot,
    dropped: frozenset[str],
    written: Sequence[Passage],
    vectors: np.ndarray | None,
    stamp: str,
    seq: int,
) -> Snapshot:
    """``snapshot`` without the passages ``dropped``, with those ``written`` added (aligned
    with the rows of ``vectors``; None: dense search served by Chroma, and the result keeps
    no vectors), as of ``stamp`` and change ``seq``. Only what was
    written is read or tokenised; the keyword index is built whole again only where the
    profile the passages call for is no longer the one it was built with."""
    ids = snapshot.columns.ids
    kept = np.array([i for i, pid in enumerate(ids) if pid not in dropped], dtype=np.int64)
    if vectors is not None and snapshot.vectors is not None:
        rows = [np.asarray(snapshot.vectors[kept], dtype=np.float32), vectors]
        vectors = np.concatenate([r for r in rows if r.size] or [rows[0]])
    else:
        vectors = None
    texts = snapshot.texts.changed(kept, written)
    columns = snapshot.columns.changed(kept.tolist(), written)
    profile = choose_of(columns.words or [], columns.articles)
    if profile != snapshot.profile or columns.words is None:
        return build(list(texts), stamp, vectors, seq)
    moved = np.full(len(ids), -1, dtype=np.int64)
    moved[kept] = np.arange(len(kept))
    tokens = tokenize([profile.text(p) for p in written])
    keywords = snapshot.keywords.changed(moved, tokens)
    return Snapshot(
        keywords, columns, stamp, vectors, texts, profile, seq=seq, folder=snapshot.folder
    )


#: Numbers the saves of this process, one at a time (``save``).
_SAVES = itertools.count()
_SAVING = threading.Lock()


def save(snapshot: Snapshot, root: Path, name: str) -> None:
    """Write ``snapshot`` under ``root`` and make it current, atomically; then remove the
    folders the pointer no longer names. The threads of one process save one at a time
    (one could otherwise remove the folder another is writing)."""
    with _SAVING:
        _save(snapshot, root, name)


def _save(snapshot: Snapshot, root: Path, name: str) -> None:
    token = f"{os.getpid()}{next(_SAVES):06d}"
    folder = root / f"{name}.{snapshot.stamp}.{token}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    snapshot.keywords.save(folder, snapshot.folder)
    if snapshot.vectors is not None:
        np.save(folder / "vectors.npy", snapshot.vectors)
    snapshot.texts.save(folder, snapshot.folder)
    meta: dict[str, Any] = {"stamp": snapshot.stamp, "seq": snapshot.seq}
    meta |= {"profile": snapshot.profile.name, "vectors": snapshot.vectors is not None}
    meta |= snapshot.columns.fields()
    (folder / "columns.json").write_text(json.dumps(meta), encoding="utf-8")
    pointer = root / f"{name}.current"
    tmp = root / f"{name}.current.{token}"
    tmp.write_text(folder.name, encoding="utf-8")
    os.replace(tmp, pointer)
    snapshot.folder = folder
    snapshot.texts = Texts.load(folder)  # what was held in memory, read from there
    current = root / pointer.read_text(encoding="utf-8").strip()
    for old in _folders(root, name):
        if old not in (folder, current):
            shutil.rmtree(old, ignore_errors=True)


def remove(root: Path, name: str) -> None:
    """Delete every snapshot of the collection ``name`` under ``root``."""
    (root / f"{name}.current").unlink(missing_ok=True)
    for old in _folders(root, name):
        shutil.rmtree(old, ignore_errors=True)


def saved(root: Path) -> set[str]:
    """The names of the collections with a snapshot under ``root``."""
    return {p.name.removesuffix(".current") for p in root.glob("*.current")}


def _folders(root: Path, name: str) -> list[Path]:
    """The snapshot folders of ``name`` (``NAME.STAMP.PID``), not those of a collection
    whose name starts with it (``NAME.g1a2b….STAMP.PID``)."""
    shape = re.compile(re.escape(name) + r"\.[^.]+\.\d+")
    return [p for p in root.glob(f"{name}.*.*") if p.is_dir() and shape.fullmatch(p.name)]


def _current(root: Path, name: str) -> tuple[Path, dict[str, Any]]:
    """The folder of the current snapshot of ``name`` under ``root``, and its columns file
    (raises OSError or ValueError when there is none or it is unreadable)."""
    folder = root / (root / f"{name}.current").read_text(encoding="utf-8").strip()
    return folder, json.loads((folder / "columns.json").read_text(encoding="utf-8"))


def recorded_profile(root: Path, name: str) -> Profile | None:
    """The BM25 profile of the current snapshot of ``name`` under ``root``, if one is saved."""
    try:
        _, meta = _current(root, name)
    except (OSError, ValueError):
        return None
    return PROFILES.get(str(meta.get("profile")), UNIFORM)


def load(root: Path, name: str) -> Snapshot | None:
    """The current snapshot under ``root``, or None when there is none (or it is damaged).
    One saved before profiles were recorded was built as ``UNIFORM``, and one saved before
    speakers or passage lengths were has none; either says it is not ``recorded``. One
    saved with another keyword index than ``keywords.py``'s, or its passages in one file
    rather than in parts (``texts.py``), is not loaded (it is built again)."""
    try:
        folder, meta = _current(root, name)
        stamp, seq = meta.pop("stamp"), meta.pop("seq", None)
        built_as = meta.pop("profile", None)
        has_vectors = meta.pop("vectors", True)
        columns = Columns(**meta)
        vectors = np.load(folder / "vectors.npy", mmap_mode="r") if has_vectors else None
        keywords = Keywords.load(folder)
        texts = Texts.load(folder)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    rows = len(columns.ids) if vectors is None else len(vectors)
    if len({rows, len(columns.ids), keywords.count, len(texts)}) > 1:
        return None
    profile = PROFILES.get(built_as, UNIFORM)
    recorded = built_as in PROFILES and None not in (columns.speakers, columns.words)
    return Snapshot(keywords, columns, stamp, vectors, texts, profile, recorded, seq, folder)
