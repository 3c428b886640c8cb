"""What the index holds, article by article (rows, filter choices, example questions), and
new files brought into the corpus safely: under a name that stays in its folder, of a type
and size that is read, and only when every part of them reads (``upload_problem``)."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.index.chroma import chunks, pages
from rag.ingest.readers import READERS
from rag.errors import RagError
from rag.present.render import article_label
from rag.index.store import Store, to_passage
from rag.types import FileError
from rag.present.html import article_text

#: Columns of the library table.
COLUMNS = ["title", "outlet", "published", "passages", "article id"]
_UNSAFE = re.compile(r"[^\w.\- ]+")


def list_articles(store: Store) -> list[list[Any]]:
    """One row per indexed article (see ``COLUMNS``), by title."""
    rows: dict[str, list[Any]] = {}
    for got in pages(store.passages, ["metadatas"], store.batch):
        for meta in got["metadatas"]:
            aid = str(meta["article_id"])
            fields = [meta.get(key, "") for key in ("title", "outlet", "published")]
            row = rows.setdefault(aid, [*fields, 0, aid])
            row[3] += 1
    return sorted(rows.values(), key=lambda row: (str(row[0]).lower(), row[4]))


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
    grouped: dict[str, list[Any]] = {}
    for chunk in chunks(dict.fromkeys(article_ids), store.batch):
        where = {"article_id": {"$in": chunk}}
        for got in pages(store.passages, ["documents", "metadatas"], store.batch, where):
            for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                grouped.setdefault(str(meta["article_id"]), []).append(to_passage(pid, text, meta))
    return {aid: article_text(passages) for aid, passages in grouped.items()}


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
    from rag.ingest.readers import read_file

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
