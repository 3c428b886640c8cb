"""Keyword search that a change updates instead of rebuilding: Lucene's BM25 (the scores
bm25s gives, its ``lucene`` method) over segments, as a search engine keeps them.

Each change of the index adds one segment holding only the passages it wrote: their term
frequencies by term, and their lengths. The passages it deleted or wrote again are only
marked gone. Document frequencies and the mean length are counted at question time over
the passages still there, so the scores are those of one index built whole over them.
Small segments are merged into the one before them when they grow to a quarter of its size
(so an index of N passages has about log₄ N segments), and everything is merged into one
when a third of the passages held are gone; neither tokenises anything again.

bm25s (which the scores match) cannot add to an index, and tantivy, which can, scores with
k1 1.2 and b 0.75 only, not with the index's profile (``profile.py``).

A segment never changes once made: a saved copy links the files of the segments it shares
with the copy it came from, and writes only the new ones.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

#: A segment is merged into the one before it when it holds this share of its passages.
MERGE_SHARE = 0.25
#: Every segment is merged into one when this share of the passages held is gone.
GONE_SHARE = 1 / 3
_ARRAYS = ("indptr", "docs", "counts", "lengths")


@dataclass(frozen=True)
class Segment:
    """The passages of one change: for term t (of the vocabulary as it was then), the
    passages that hold it are ``docs[indptr[t]:indptr[t + 1]]``, ``counts`` times each."""

    name: str
    indptr: np.ndarray
    docs: np.ndarray
    counts: np.ndarray
    #: Tokens in each passage.
    lengths: np.ndarray

    def __len__(self) -> int:
        return len(self.lengths)

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The passages (numbered in this segment) that hold ``term``, and how often."""
        if term + 1 >= len(self.indptr):
            return self.docs[:0], self.counts[:0]
        start, stop = int(self.indptr[term]), int(self.indptr[term + 1])
        return self.docs[start:stop], self.counts[start:stop]

    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (term, passage, count) of the segment."""
        terms = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        return terms, self.docs, self.counts


def segment(
    terms: np.ndarray, docs: np.ndarray, counts: np.ndarray, lengths: np.ndarray, vocabulary: int
) -> Segment:
    """A segment from (term, passage, count) triples, in any order."""
    order = np.lexsort((docs, terms))
    indptr = np.zeros(vocabulary + 1, dtype=np.int64)
    np.cumsum(np.bincount(terms, minlength=vocabulary), out=indptr[1:])
    return Segment(
        uuid.uuid4().hex[:16],
        indptr,
        docs[order].astype(np.int32),
        counts[order].astype(np.float32),
        np.asarray(lengths, dtype=np.int32),
    )


class Keywords:
    """BM25 over ``segments``; ``rows`` gives, for each passage the segments hold (in their
    order), its row in the snapshot, or -1 where it is gone."""

    def __init__(
        self,
        k1: float,
        b: float,
        vocabulary: dict[str, int],
        segments: list[Segment],
        rows: np.ndarray,
    ) -> None:
        self.k1, self.b = k1, b
        self.vocabulary = vocabulary
        self.segments = segments
        self.rows = np.asarray(rows, dtype=np.int64)

    @classmethod
    def build(cls, k1: float, b: float, documents: Sequence[Sequence[str]]) -> Keywords:
        """An index of ``documents`` (token lists), row i being document i."""
        empty = cls(k1, b, {}, [], np.zeros(0, dtype=np.int64))
        return empty.changed(np.zeros(0, dtype=np.int64), documents)

    @cached_property
    def offsets(self) -> list[int]:
        """Where each segment's passages start in ``rows``."""
        return [0, *np.cumsum([len(s) for s in self.segments]).tolist()][: len(self.segments)]

    @cached_property
    def lengths(self) -> np.ndarray:
        """Tokens in each passage held, in the order of ``rows``."""
        return np.concatenate([s.lengths for s in self.segments] or [np.zeros(0, np.int32)])

    @cached_property
    def mean_length(self) -> float:
        """Mean length of the passages still there."""
        there = self.lengths[self.rows >= 0]
        return float(there.mean()) if len(there) else 1.0

    @cached_property
    def count(self) -> int:
        """Passages still there."""
        return int((self.rows >= 0).sum())

    @cached_property
    def norms(self) -> np.ndarray:
        """k1 × (1 − b + b × length ÷ mean length) of each passage held."""
        ratio = self.lengths.astype(np.float32) / np.float32(self.mean_length)
        return np.float32(self.k1) * (np.float32(1 - self.b) + np.float32(self.b) * ratio)

    def scores(self, tokens: Sequence[str], size: int) -> np.ndarray:
        """BM25 score of each of the snapshot's ``size`` rows for the query ``tokens``
        (a token given twice counts twice, as in bm25s; unknown ones count nothing)."""
        terms = Counter(self.vocabulary[t] for t in tokens if t in self.vocabulary)
        found = [self._postings(term) for term in terms]
        held = np.concatenate([docs for docs, _ in found] or [np.zeros(0, np.int64)])
        counts = np.concatenate([times for _, times in found] or [np.zeros(0, np.float32)])
        which = np.repeat(np.arange(len(found)), [len(docs) for docs, _ in found])
        rows = self.rows[held]
        there = rows >= 0
        if not there.all():
            held, counts, rows, which = held[there], counts[there], rows[there], which[there]
        df = np.bincount(which, minlength=len(found))
        idf = np.fromiter(terms.values(), np.float64, len(terms))
        idf *= np.log(1 + (self.count - df + 0.5) / (df + 0.5))
        weights = idf.astype(np.float32)[which] * counts / (self.norms[held] + counts)
        return np.bincount(rows, weights=weights, minlength=size).astype(np.float32)

    def _postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The passages held (their places in ``rows``) that hold ``term``, and how often."""
        docs, counts = [np.zeros(0, np.int64)], [np.zeros(0, np.float32)]
        for seg, offset in zip(self.segments, self.offsets, strict=True):
            found, times = seg.postings(term)
            docs.append(found.astype(np.int64) + offset)
            counts.append(times)
        return np.concatenate(docs), np.concatenate(counts)

    def changed(self, moved: np.ndarray, documents: Sequence[Sequence[str]]) -> Keywords:
        """This index after a change: ``moved`` gives each old row's new row (-1: gone),
        and ``documents`` (token lists) are added as the rows after the last one kept."""
        rows = moved[self.rows] if len(self.rows) else self.rows
        rows = np.where(self.rows >= 0, rows, -1)
        vocabulary = dict(self.vocabulary)
        segments = list(self.segments)
        first = int(moved.max(initial=-1)) + 1
        if documents:
            terms, docs, counts, lengths = _counted(documents, vocabulary)
            segments.append(segment(terms, docs, counts, lengths, len(vocabulary)))
            rows = np.concatenate([rows, np.arange(first, first + len(documents))])
        return Keywords(self.k1, self.b, vocabulary, segments, rows)._merged()

    def _merged(self) -> Keywords:
        """This index with its small last segments merged, or all of them where many of
        its passages are gone."""
        if len(self.rows) and (self.rows < 0).mean() >= GONE_SHARE:
            return self._merge_from(0)
        start = len(self.segments) - 1
        size = len(self.segments[start]) if self.segments else 0
        while start > 0 and size >= MERGE_SHARE * len(self.segments[start - 1]):
            start -= 1
            size += len(self.segments[start])
        return self._merge_from(start) if start < len(self.segments) - 1 else self

    def _merge_from(self, first: int) -> Keywords:
        """The segments from ``first`` on merged into one, without the passages gone."""
        offset = self.offsets[first] if self.segments else 0
        rows = self.rows[offset:]
        there = rows >= 0
        number = np.cumsum(there) - 1  # new number of each passage kept
        terms, docs, counts = [], [], []
        for seg, start in zip(self.segments[first:], self.offsets[first:], strict=True):
            term, doc, count = seg.triples()
            kept = there[doc + start - offset]
            terms.append(term[kept])
            docs.append(number[doc[kept] + start - offset])
            counts.append(count[kept])
        lengths = self.lengths[offset:][there]
        merged = segment(
            np.concatenate(terms), np.concatenate(docs), np.concatenate(counts), lengths,
            len(self.vocabulary),
        )  # fmt: skip
        segments = [*self.segments[:first], merged] if len(lengths) else self.segments[:first]
        keep = np.concatenate([self.rows[:offset], rows[there]])
        return Keywords(self.k1, self.b, self.vocabulary, segments, keep)

    # files -----------------------------------------------------------------------

    def save(self, folder: Path, linked: Path | None) -> None:
        """Write this index into ``folder``: segments already saved in ``linked`` (the
        folder of the copy it came from) are linked from there, the others written."""
        for seg in self.segments:
            for part in _ARRAYS:
                name = f"keywords.{seg.name}.{part}.npy"
                if not _link(linked / name if linked else None, folder / name):
                    np.save(folder / name, getattr(seg, part))
        np.save(folder / "keywords.rows.npy", self.rows)
        meta = {"k1": self.k1, "b": self.b, "segments": [s.name for s in self.segments]}
        meta["vocabulary"] = list(self.vocabulary)
        (folder / "keywords.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Keywords:
        """The index saved in ``folder`` (its arrays mapped, not read; raises OSError,
        ValueError or KeyError when it is missing or damaged)."""
        meta = json.loads((folder / "keywords.json").read_text(encoding="utf-8"))
        segments = [
            Segment(
                name,
                *(
                    np.load(folder / f"keywords.{name}.{p}.npy", mmap_mode="r").view(np.ndarray)
                    for p in _ARRAYS
                ),
            )
            for name in meta["segments"]
        ]
        vocabulary = {token: n for n, token in enumerate(meta["vocabulary"])}
        rows = np.load(folder / "keywords.rows.npy")
        return cls(float(meta["k1"]), float(meta["b"]), vocabulary, segments, rows)


def _counted(
    documents: Sequence[Sequence[str]], vocabulary: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(term, document, count) of every term of ``documents`` (terms numbered in
    ``vocabulary``, new ones added to it), and each document's length; a few thousand
    documents at a time, so that no Python object is made per token."""
    parts = []
    for first in range(0, len(documents), 4096):
        batch = documents[first : first + 4096]
        terms = np.fromiter(
            (vocabulary.setdefault(t, len(vocabulary)) for doc in batch for t in doc), np.int64
        )
        lengths = np.fromiter((len(doc) for doc in batch), np.int64, len(batch))
        docs = np.repeat(np.arange(first, first + len(batch), dtype=np.int64), lengths)
        pairs, counts = np.unique((docs << 32) | terms, return_counts=True)
        parts.append((pairs & 0xFFFFFFFF, pairs >> 32, counts, lengths))
    terms, docs, counts, lengths = (np.concatenate(column) for column in zip(*parts, strict=True))
    return terms, docs, counts, lengths


def _link(source: Path | None, target: Path) -> bool:
    """Hard-link ``source`` as ``target``; False where it cannot be (then it is written)."""
    if source is None:
        return False
    try:
        os.link(source, target)
    except OSError:
        return False
    return True
