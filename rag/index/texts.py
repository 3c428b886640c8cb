"""The passages of a snapshot, one per row: those of a saved snapshot stay in its file (one
JSON line each) and are read when a question asks for them; those a change added are held
in memory until the snapshot is saved.

A saved copy is written by copying the kept rows' lines as bytes from the file they are in
and appending the new ones, so a change costs a copy of the file, not the parsing and
encoding of every passage again, and a process holds only the passages it was asked for.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from rag.types import Passage


class Texts:
    """Rows ``0 … len(spans) − 1`` are the lines ``data[start:stop]`` of a saved file (its
    bytes, mapped), the rows after them the passages ``fresh``."""

    def __init__(self, data: bytes | mmap.mmap, spans: np.ndarray, fresh: list[Passage]) -> None:
        self.data = data
        self.spans = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
        self.fresh = fresh

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> Texts:
        """Passages held in memory."""
        return cls(b"", np.zeros((0, 2), dtype=np.int64), list(passages))

    def __len__(self) -> int:
        return len(self.spans) + len(self.fresh)

    def __getitem__(self, row: int) -> Passage:
        saved = len(self.spans)
        if row >= saved:
            return self.fresh[row - saved]
        start, stop = self.spans[row]
        return Passage(**json.loads(self.data[start:stop]))

    def __iter__(self) -> Iterator[Passage]:
        return (self[row] for row in range(len(self)))

    def changed(self, kept: np.ndarray, written: Sequence[Passage]) -> Texts:
        """The rows ``kept`` (in increasing order), then ``written``."""
        saved = len(self.spans)
        fresh = [self.fresh[row - saved] for row in kept[kept >= saved]]
        return Texts(self.data, self.spans[kept[kept < saved]], fresh + list(written))

    def save(self, path: Path) -> None:
        """Write every row to ``path``, one JSON line each, and where each line starts and
        ends beside it (``PATH.spans.npy``)."""
        sizes: list[np.ndarray] = [self.spans[:, 1] - self.spans[:, 0]]
        with path.open("wb") as out:
            for start, stop in _runs(self.spans):
                out.write(self.data[start:stop])
            lines = [json.dumps(asdict(p)).encode() + b"\n" for p in self.fresh]
            out.write(b"".join(lines))
        sizes.append(np.array([len(line) for line in lines], dtype=np.int64))
        ends = np.cumsum(np.concatenate(sizes))
        np.save(_spans(path), np.stack([ends - np.concatenate(sizes), ends], axis=1))

    @classmethod
    def load(cls, path: Path) -> Texts:
        """The passages saved at ``path``, mapped (so they stay readable if the file is
        removed); raises OSError or ValueError where they cannot be read."""
        spans = np.load(_spans(path))
        with path.open("rb") as file:
            size = path.stat().st_size
            data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        if len(spans) and spans[-1, 1] != size:
            raise ValueError(f"{path}: its lines are not those recorded beside it")
        return cls(data, spans, [])


def _spans(path: Path) -> Path:
    return path.with_name(path.name + ".spans.npy")


def _runs(spans: np.ndarray) -> Iterator[tuple[int, int]]:
    """The byte ranges of ``spans`` with neighbours joined (one write for each run)."""
    if not len(spans):
        return
    breaks = np.flatnonzero(spans[1:, 0] != spans[:-1, 1]) + 1
    firsts = np.concatenate([[0], breaks])
    lasts = np.concatenate([breaks - 1, [len(spans) - 1]])
    for first, last in zip(firsts, lasts, strict=True):
        yield int(spans[first, 0]), int(spans[last, 1])
