"""The passages of a snapshot, one per row: those of a saved snapshot stay in its files (one
JSON line each) and are read when a question asks for them; those a change added are held
in memory until the snapshot is saved.

The lines are kept in parts, files that never change once written: a saved copy links the
parts of the copy it came from and writes one new part with the passages the change added,
so a change costs the lines it wrote, not a copy of every passage. Lines of passages a
change removed stay in their part until a third of all bytes are such lines; then the
lines still used are copied into one part.
"""

from __future__ import annotations

import json
import mmap
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from rag.types import Passage

#: Share of the parts' bytes in lines no row uses above which a save copies the used ones.
GONE_SHARE = 1 / 3
_INDEX = "passages.json"
_ROWS = "passages.rows.npy"


class Texts:
    """Row ``r < len(rows)`` is the line ``parts[rows[r, 0]][rows[r, 1]:rows[r, 2]]`` of a
    saved part (its bytes, mapped), named ``names[rows[r, 0]]``; the rows after them are
    the passages ``fresh``."""

    def __init__(
        self,
        names: list[str],
        parts: list[bytes | mmap.mmap],
        rows: np.ndarray,
        fresh: list[Passage],
    ) -> None:
        self.names = names
        self.parts = parts
        self.rows = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
        self.fresh = fresh

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> Texts:
        """Passages held in memory."""
        return cls([], [], np.zeros((0, 3), dtype=np.int64), list(passages))

    def __len__(self) -> int:
        return len(self.rows) + len(self.fresh)

    def __getitem__(self, row: int) -> Passage:
        saved = len(self.rows)
        if row >= saved:
            return self.fresh[row - saved]
        part, start, stop = self.rows[row]
        return Passage(**json.loads(self.parts[part][start:stop]))

    def __iter__(self) -> Iterator[Passage]:
        return (self[row] for row in range(len(self)))

    def changed(self, kept: np.ndarray, written: Sequence[Passage]) -> Texts:
        """The rows ``kept`` (in increasing order), then ``written``."""
        saved = len(self.rows)
        fresh = [self.fresh[row - saved] for row in kept[kept >= saved]]
        return Texts(self.names, self.parts, self.rows[kept[kept < saved]], fresh + list(written))

    def save(self, folder: Path, linked: Path | None) -> None:
        """Write every row into ``folder``: the parts its saved rows use, linked from
        ``linked`` (the folder of the copy it came from) where they can be, else written,
        or, where a third of their bytes are unused, the used lines copied into one part;
        then the fresh passages as a new part."""
        names: list[str] = []
        rows: list[np.ndarray] = [np.zeros((0, 3), dtype=np.int64)]
        if len(self.rows):
            used = np.unique(self.rows[:, 0])
            sizes = self.rows[:, 2] - self.rows[:, 1]
            if sizes.sum() < (1 - GONE_SHARE) * sum(len(self.parts[p]) for p in used):
                runs = (self.parts[p][start:stop] for p, start, stop in _runs(self.rows))
                names.append(_write_part(folder, runs))
                rows.append(_lines(0, sizes))
            else:
                number = np.full(len(self.names), -1, dtype=np.int64)
                for part in used:
                    number[part] = len(names)
                    names.append(self.names[part])
                    _link_or_write(linked, folder, self.names[part], self.parts[part])
                rows.append(np.column_stack([number[self.rows[:, 0]], self.rows[:, 1:]]))
        if self.fresh:
            lines = [json.dumps(asdict(p)).encode() + b"\n" for p in self.fresh]
            rows.append(_lines(len(names), np.array([len(line) for line in lines])))
            names.append(_write_part(folder, lines))
        np.save(folder / _ROWS, np.concatenate(rows))
        (folder / _INDEX).write_text(json.dumps({"parts": names}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Texts:
        """The passages saved in ``folder``, mapped (so they stay readable if its files are
        removed); raises OSError, ValueError or KeyError where they cannot be read."""
        names = list(json.loads((folder / _INDEX).read_text(encoding="utf-8"))["parts"])
        rows = np.load(folder / _ROWS)
        parts = [_mapped(folder / name) for name in names]
        if len(rows) and (rows[:, 0].max() >= len(parts) or rows[:, 0].min() < 0):
            raise ValueError(f"{folder}: its passages name a part that is not there")
        sizes = np.array([len(p) for p in parts], dtype=np.int64)
        if len(rows) and (rows[:, 2] > sizes[rows[:, 0]]).any():
            raise ValueError(f"{folder}: its passages are not those recorded beside them")
        return cls(names, parts, rows, [])


def _write_part(folder: Path, chunks: Iterable[bytes | mmap.mmap]) -> str:
    """A new part of ``folder`` holding ``chunks``; its name."""
    name = f"passages.{uuid.uuid4().hex[:16]}.jsonl"
    with (folder / name).open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return name


def _link_or_write(linked: Path | None, folder: Path, name: str, data: bytes | mmap.mmap) -> None:
    """The part ``name`` in ``folder``: linked from ``linked``, or written from ``data``."""
    if linked is not None:
        try:
            os.link(linked / name, folder / name)
            return
        except OSError:
            pass  # gone, or another file system: written
    (folder / name).write_bytes(data)


def _lines(part: int, sizes: np.ndarray) -> np.ndarray:
    """Rows of lines of these ``sizes`` one after another in the part numbered ``part``."""
    ends = np.cumsum(sizes, dtype=np.int64)
    return np.column_stack([np.full(len(sizes), part, dtype=np.int64), ends - sizes, ends])


def _mapped(path: Path) -> bytes | mmap.mmap:
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""


def _runs(rows: np.ndarray) -> Iterator[tuple[int, int, int]]:
    """The byte ranges of ``rows`` (part, start, stop), neighbours in one part joined."""
    if not len(rows):
        return
    apart = (rows[1:, 0] != rows[:-1, 0]) | (rows[1:, 1] != rows[:-1, 2])
    breaks = np.flatnonzero(apart) + 1
    firsts = np.concatenate([[0], breaks])
    lasts = np.concatenate([breaks - 1, [len(rows) - 1]])
    for first, last in zip(firsts, lasts, strict=True):
        yield int(rows[first, 0]), int(rows[first, 1]), int(rows[last, 2])
