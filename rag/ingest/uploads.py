"""New files brought into the corpus safely: under a name that stays in its folder
(``safe_name``), of a type and size that is read, and only when every part of them reads
(``upload_problem``); and a file's failures told on one line. It copies and reads files,
and never writes the index (the ingest does)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from rag.errors import RagError
from rag.ingest.readers import READERS, read_file
from rag.types import FileError

_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_name(name: str) -> str:
    """A file name that cannot leave its folder: the last path part, odd characters dropped."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    if not cleaned or cleaned.startswith("."):
        raise RagError(f"{name!r} is not a usable file name")
    return cleaned


def accept_upload(source: Path, name: str, folder: Path, max_bytes: int) -> Path:
    """Copy an uploaded file into ``folder`` (inside the corpus) under a safe, unused name;
    refuse types the readers do not know and files over ``max_bytes``."""
    target_name = safe_name(name)
    suffix = Path(target_name).suffix.lower()
    if suffix not in READERS:
        kinds = ", ".join(sorted(READERS))
        raise RagError(f"{target_name}: files of type {suffix or '(none)'} are not read ({kinds})")
    if source.stat().st_size > max_bytes:
        raise RagError(f"{target_name}: larger than the {max_bytes // 1_000_000} MB limit")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / target_name
    stem, number = target.stem, 1
    while target.exists():
        number += 1
        target = folder / f"{stem}-{number}{suffix}"
    if target.resolve().parent != folder.resolve():
        raise RagError(f"{name!r} would be written outside the corpus folder")
    shutil.copyfile(source, target)
    return target


def upload_problem(path: Path, max_bytes: int) -> str | None:
    """Why the uploaded file at ``path`` is not ingested, on one line, or None when every
    part of it reads. A file read only in part (a JSON Lines file with a bad line) is
    refused whole: kept, it would fail every later ingest of the corpus again."""
    found = read_file(path, max_bytes)
    return problem_line(found.source, found.errors) if found.errors else None


def failures_of(source: str, failed: Sequence[FileError]) -> list[FileError]:
    """The failures of the file known to the index as ``source``, or of its lines."""
    return [f for f in failed if f.path == source or f.path.startswith(f"{source}:")]


def problem_line(source: str, errors: Sequence[FileError]) -> str:
    """The first of a file's ``errors`` on one line (with its line number for a line of
    it), and how many more there are."""
    first, more = errors[0], len(errors) - 1
    place = first.path[len(source) + 1 :] if first.path.startswith(f"{source}:") else ""
    reason = " ".join(first.reason.split())
    line = f"line {place}: {reason}" if place else reason
    return line + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
