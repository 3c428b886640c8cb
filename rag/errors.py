"""Errors the tool reports to a person as one line, and the one a full disk becomes."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RagError(Exception):
    """Base class: the message is shown as it is, prefixed with 'error: '."""


class ConfigError(RagError):
    """A setting is missing or wrong."""


class StoreError(RagError):
    """The Chroma index cannot be opened or written."""


class IndexMismatch(StoreError):
    """The index was built with other embedder or chunking settings."""


class ReadError(RagError):
    """A corpus file cannot be read as an article."""


class LLMError(RagError):
    """The LLM endpoint refused, failed or answered with something unusable."""


class DiskFull(StoreError):
    """The disk that holds the index is full (or its quota is spent)."""


#: What the OS, SQLite (under embedded Chroma) and Chroma's errors say of a full disk.
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_FULL_WORDS = ("database or disk is full", "no space left on device", "disk quota exceeded")
#: Free space under which a failed Chroma write is taken for a full disk: embedded Chroma
#: sometimes says only "Error in compaction: Failed to apply logs to the metadata segment"
#: when SQLite ran out of room, and rolling back frees what the write had taken.
LOW_SPACE = 64 * 2**20


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the errors it was raised from or while handling."""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        yield found
        seen.add(id(found))
        found = found.__cause__ or found.__context__


def disk_full(exc: BaseException) -> BaseException | None:
    """The error in ``exc``'s chain that says the disk is full: ENOSPC or EDQUOT from the
    OS, SQLite's "database or disk is full" as Chroma passes it on; None when none does."""
    for found in _chain(exc):
        if isinstance(found, OSError) and found.errno in _FULL_ERRNOS:
            return found
        if any(words in str(found).lower() for words in _FULL_WORDS):
            return found
    return None


def low_space(folder: Path) -> bool:
    """Whether the disk that holds ``folder`` (or its nearest existing parent) has less
    than ``LOW_SPACE`` free."""
    place = next((p for p in (folder, *folder.resolve().parents) if p.exists()), None)
    try:
        return place is not None and shutil.disk_usage(place).free < LOW_SPACE
    except OSError:
        return False


@contextmanager
def disk_full_named(folder: Path, server: str | None, command: str) -> Iterator[None]:
    """Report a full disk met inside the block as one ``DiskFull`` naming where: the index
    ``folder``, or the Chroma ``server`` when it is the one that said so; and ``command``,
    to run again once there is room. An embedded Chroma's error while ``folder``'s disk
    is short of space (``low_space``) is a full disk too."""
    try:
        yield
    except Exception as exc:
        found = disk_full(exc)
        chroma = any(type(e).__module__.startswith("chromadb") for e in _chain(exc))
        if found is None and not (server is None and chroma and low_space(folder)):
            raise
        raise DiskFull(_full_line(found, folder, server, command)) from None


def _full_line(found: BaseException | None, folder: Path, server: str | None, command: str) -> str:
    """The line a full disk is told in: where it was met, and what to do."""
    index = folder.resolve()
    where = f"writing the index at {index}"
    if isinstance(found, OSError) and found.filename:
        written = Path(os.fsdecode(found.filename)).resolve()
        if not written.is_relative_to(index):  # an answers file or a report, say
            where = f"writing {written}"
    elif server and not isinstance(found, OSError):
        where = f"on the Chroma server at RAG_CHROMA_URL={server}"
    return f"no space left on device {where}; free some space there, then run `{command}` again"
