"""Readers that turn corpus files (.md .txt .html .pdf .jsonl) into Articles.

Every article's ``published`` date leaves here in ISO form (YYYY-MM-DD) or not at all: one
that cannot be read as a real calendar day is dropped with a warning on its file, and the
article is kept undated.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rag.dates import read_date
from rag.errors import ReadError
from rag.sentences import split_sentences
from rag.types import METADATA_FIELDS, Article, FileError

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
SUFFIXES = (*TEXT_SUFFIXES, ".html", ".htm", ".pdf", ".jsonl")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_HTML_LANG = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z-]+)", re.IGNORECASE)
_KEY_ALIASES = {"source": "outlet", "published_at": "published", "date": "published"}


@dataclass
class SourceFile:
    """What one file yielded: its articles and the problems met on the way."""

    source: str
    sha256: str = ""
    articles: list[Article] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    #: What was read with a problem that loses nothing but a detail (an unreadable date).
    warnings: list[FileError] = field(default_factory=list)
    unchanged: bool = False

    @property
    def failed(self) -> bool:
        """True when the file yielded nothing usable."""
        return bool(self.errors) and not self.articles


def source_name(path: Path) -> str:
    """The name a file is known by in the index: its path relative to the working folder,
    or its absolute path when it lies outside that folder."""
    relative = Path(os.path.relpath(path))
    return (path.resolve() if relative.parts[:1] == ("..",) else relative).as_posix()


def discover(
    paths: Iterable[Path], skipped: list[FileError] | None = None
) -> tuple[list[Path], list[FileError]]:
    """The readable files under ``paths`` (files or folders), sorted; missing paths are errors.

    Files of other types found in a folder are left out and, when ``skipped`` is given,
    named there; hidden files and folders are left out silently.
    """
    files: list[Path] = []
    errors: list[FileError] = []
    others: dict[str, FileError] = {}
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if not found.is_file() or _hidden(found, path):
                    continue
                if found.suffix.lower() in SUFFIXES:
                    files.append(found)
                else:
                    others[source_name(found)] = _skipped(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(FileError(source_name(path), "no such file or folder"))
    if skipped is not None:
        skipped.extend(others[name] for name in sorted(others))
    return sorted(set(files)), errors


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _skipped(path: Path) -> FileError:
    kind = f"unsupported file type '{path.suffix}'" if path.suffix else "no file type suffix"
    return FileError(source_name(path), f"{kind} (skipped)")


def read_file(path: Path, max_bytes: int, known_sha256: str | None = None) -> SourceFile:
    """Read one file; every problem is recorded on the result, never raised.

    When the file's bytes hash to ``known_sha256`` it is not parsed: ``unchanged`` is set.
    """
    result = SourceFile(source_name(path))
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError(
                f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (RAG_MAX_FILE_MB)"
            )
        data = path.read_bytes()
        result.sha256 = hashlib.sha256(data).hexdigest()
        if result.sha256 == known_sha256:
            result.unchanged = True
            return result
        _parse(data, path.suffix.lower(), result)
    except ReadError as exc:
        result.errors.append(FileError(result.source, str(exc)))
    except OSError as exc:
        result.errors.append(FileError(result.source, exc.strerror or str(exc)))
    return result


def _parse(data: bytes, suffix: str, result: SourceFile) -> None:
    reader = READERS.get(suffix)
    if reader is None:
        raise ReadError(f"unsupported file type '{suffix}' (use one of {', '.join(SUFFIXES)})")
    if not data.strip():
        raise ReadError("empty file")
    for item in reader(data, result.source):
        if isinstance(item, FileError):
            result.errors.append(item)
        else:
            result.articles.append(_dated(item, result))


def _dated(article: Article, result: SourceFile) -> Article:
    """``article`` with its date in ISO form; a date that is not one is dropped, and said."""
    if not article.published:
        return article
    day = read_date(article.published, article.language)
    if day is None:
        where = article.id if article.id.startswith(f"{result.source}#") else result.source
        reason = (
            f"published {article.published!r} is not a calendar date; the article is kept "
            "without a date (write it as YYYY-MM-DD)"
        )
        result.warnings.append(FileError(where, reason))
    return dataclasses.replace(article, published=day)


#: Byte-order marks and the codec each announces (UTF-32 first: its LE mark starts with
#: UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_codec(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 codec ``data``'s byte-order mark announces, if it has one."""
    return next((codec for bom, codec in _BOMS if data.startswith(bom)), None)


def decode_text(data: bytes) -> str:
    """UTF-8 text (or UTF-16/32 with a byte-order mark) with newlines normalised; binary or
    undecodable data is a ReadError."""
    codec = bom_codec(data) or "utf-8-sig"
    if codec == "utf-8-sig" and b"\x00" in data:
        raise ReadError(_nul_problem(data))
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        name = codec.removesuffix("-sig").upper()
        raise ReadError(
            f"not {name} text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    if "\x00" in text:
        raise ReadError(f"binary file (contains NUL characters), not {codec.upper()} text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _nul_problem(data: bytes) -> str:
    """Why data holding NUL bytes is not read: UTF-16 without its mark, or binary."""
    sample = data[:8192]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if min(even, odd) == 0 and max(even, odd) >= len(sample) // 20:
        return "UTF-16 text without a byte-order mark; save it as UTF-8 (or UTF-16 with a BOM)"
    return f"binary file (contains NUL bytes, the first at offset {data.index(0)}), not text"


#: Longest title inferred from an article's first line, in characters.
TITLE_CHARS = 100


def first_title(text: str) -> str | None:
    """The first Markdown heading, else the first sentence of the first non-empty line,
    shortened at a word to ``TITLE_CHARS`` ("…" marks a cut)."""
    heading = _HEADING.search(text)
    if heading:
        return heading.group(1).strip()
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), None)
    if not line:
        return None
    first = split_sentences(line)[0]
    if len(first) <= TITLE_CHARS:
        return first
    return first[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:—- ") + "…"


def _clean_meta(raw: dict[str, Any]) -> dict[str, str]:
    """Known metadata keys (with their aliases) as strings; dates in ISO form."""
    meta: dict[str, str] = {}
    for key, value in raw.items():
        name = _KEY_ALIASES.get(str(key).lower(), str(key).lower())
        if name not in (*METADATA_FIELDS, "id") or value in (None, "") or name in meta:
            continue
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        meta[name] = str(value).strip()
    return meta


def _article(
    source: str, text: str, meta: dict[str, Any], infer_title: bool = False, **extra: Any
) -> Article:
    if not text.strip():
        raise ReadError("no text")
    if infer_title and not meta.get("title"):
        meta["title"] = first_title(text)
    article_id = meta.pop("id", None) or source
    return Article(id=article_id, source=source, text=text, **meta, **extra)


def read_markdown(data: bytes, source: str) -> Iterator[Article]:
    """A .md or .txt file with optional YAML front matter between '---' lines."""
    text = decode_text(data)
    meta: dict[str, str] = {}
    if text.startswith("---\n") or text.startswith("---\r"):
        match = _FRONT_MATTER.match(text)
        if match is None:
            raise ReadError("broken front matter: opening '---' has no closing '---'")
        meta = _clean_meta(_parse_front_matter(match.group(1)))
        text = text[match.end() :]
    yield _article(source, text, meta, infer_title=True)


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader without its timestamp type: dates stay as written, for
    ``read_date`` to read (so ``2025-02-30`` is a warning, not a crash)."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in found if tag != "tag:yaml.org,2002:timestamp"]
    for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse_front_matter(block: str) -> dict[str, Any]:
    try:
        loaded = yaml.load(block, Loader=_FrontMatterLoader)
    except ValueError as exc:  # an explicit !!timestamp that is no date
        raise ReadError(f"broken front matter: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ReadError(f"broken front matter{line}: {problem}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ReadError("broken front matter: expected 'key: value' lines")
    return loaded


def read_html(data: bytes, source: str) -> Iterator[Article]:
    """Main text of a web page, with title, date, author and site from its meta tags."""
    import trafilatura

    codec = bom_codec(data)
    if codec is not None:
        data = decode_text(data).encode("utf-8")
    if b"\x00" in data:
        raise ReadError("binary file (contains NUL bytes), not HTML")
    doc: Any = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False)
    if doc is None or not doc.text:
        raise ReadError("no main text found in the HTML")
    lang = _HTML_LANG.search(data[:4096])
    raw = {
        "title": doc.title,
        "author": doc.author,
        "published": doc.date,
        "outlet": doc.sitename,
        "url": doc.url,
        "language": lang.group(1).decode() if lang else None,
    }
    yield _article(source, doc.text, _clean_meta(raw))


def read_pdf(data: bytes, source: str) -> Iterator[Article]:
    """Text page by page, joined by a line break so that a sentence running over a page end
    reads on; the start of each page is kept so passages know their page."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        info: dict[str, Any] = dict(reader.metadata or {})
    except (PdfReadError, ValueError, KeyError) as exc:
        raise ReadError(f"unreadable PDF: {exc}") from None
    published = _pdf_date(reader.metadata)
    starts, parts, offset = [], [], 0
    for page_text in pages:
        starts.append(offset)
        parts.append(page_text)
        offset += len(page_text) + 1
    text = "\n".join(parts)
    if not text.strip():
        raise ReadError("PDF has no extractable text (scanned images?)")
    raw = {"title": info.get("/Title"), "author": info.get("/Author"), "published": published}
    meta = _clean_meta(raw)
    yield _article(source, text, meta, infer_title=True, page_starts=tuple(starts))


def _pdf_date(info: Any) -> dt.datetime | str | None:
    """The PDF's creation date (its /CreationDate, ``D:20250320120000Z``), or what it says
    when that is not a date (for the warning)."""
    if info is None or not info.get("/CreationDate"):
        return None
    try:
        created: dt.datetime | None = info.creation_date
    except ValueError:
        return str(info["/CreationDate"])
    return created


def read_jsonl(data: bytes, source: str) -> Iterator[Article | FileError]:
    """One article per line; a bad line is reported and the others are read."""
    seen: dict[str, int] = {}
    for number, line in enumerate(decode_text(data).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            article = _jsonl_article(line, source)
        except ReadError as exc:
            yield FileError(f"{source}:{number}", str(exc))
            continue
        if article.id in seen:
            reason = f"duplicate id (first on line {seen[article.id]})"
            yield FileError(f"{source}:{number}", reason)
            continue
        seen[article.id] = number
        yield article


def _jsonl_article(line: str, source: str) -> Article:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ReadError(f"invalid JSON: {exc.msg}") from None
    if not isinstance(record, dict):
        raise ReadError("expected a JSON object")
    text = record.get("text") or record.get("body")
    if not isinstance(text, str) or not text.strip():
        raise ReadError("no 'text' or 'body'")
    meta = _clean_meta({k: v for k, v in record.items() if k not in ("id", "_id")})
    key = record.get("id", record.get("_id"))
    if key is None:
        key = hashlib.sha256(text.encode()).hexdigest()[:16]
    meta["id"] = f"{source}#{key}"
    return _article(source, text, meta)


Reader = Callable[[bytes, str], Iterable[Article | FileError]]
READERS: dict[str, Reader] = {
    **dict.fromkeys(TEXT_SUFFIXES, read_markdown),
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".jsonl": read_jsonl,
}
