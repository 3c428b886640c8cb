"""Readers that turn corpus files (.md .txt .html .pdf .jsonl) into Articles.

Reading a file never raises: whatever its parser raises (a PDF bomb past pypdf's limits,
JSON nested past Python's depth, any library's own error) is that file's one-line error,
naming the exception and the first line of its message, and the other files read on.
Metadata leaves here within its caps (``rag/ingest/metadata.py``).

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
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import ReadError
from rag.ingest.dates import read_date
from rag.ingest.discover import SUFFIXES, TEXT_SUFFIXES, source_name
from rag.ingest.metadata import capped, check_id, clean_meta, parse_front_matter
from rag.text.sentences import split_sentences
from rag.types import Article, FileError

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_HTML_LANG = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z-]+)", re.IGNORECASE)


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
    except Exception as exc:  # the parser's own failure is the file's, never the run's
        kind = _KINDS.get(path.suffix.lower(), "file")
        result.errors.append(FileError(result.source, f"unreadable {kind}: {complaint(exc)}"))
    return result


#: What a file of each type is called in the error of a parser that failed on it.
_KINDS = {".md": "Markdown", ".markdown": "Markdown", ".txt": "text", ".html": "HTML",
          ".htm": "HTML", ".pdf": "PDF", ".jsonl": "JSON Lines"}  # fmt: skip
#: Longest part of a parser's message quoted in a file's error, in characters.
COMPLAINT_CHARS = 200


def complaint(exc: BaseException) -> str:
    """What a parser raised, as one bounded, printable line: the exception's class and the
    first line of its message.

    Every ``Exception`` is a file's failure, MemoryError included: one file's oversized
    allocation (a decompression bomb) fails and is freed as it unwinds, and the run goes on.
    KeyboardInterrupt and SystemExit are no ``Exception`` and stop the run as always.
    """
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    if len(first) > COMPLAINT_CHARS:
        first = first[:COMPLAINT_CHARS] + "…"
    first = "".join(c if c.isprintable() else " " for c in first)
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _parse(data: bytes, suffix: str, result: SourceFile) -> None:
    reader = READERS.get(suffix)
    if reader is None:
        raise ReadError(f"unsupported file type '{suffix}' (use one of {', '.join(SUFFIXES)})")
    if not data.strip():
        raise ReadError("empty file")
    for item in reader(data, result.source):
        if isinstance(item, FileError):
            result.errors.append(item)
            continue
        article, dropped = capped(item)
        where = _where(article, result)
        result.warnings.extend(FileError(where, reason) for reason in dropped)
        result.articles.append(_dated(article, result))
    if not result.articles and not result.errors:  # only characters that read as blank
        raise ReadError("no text")


def _where(article: Article, result: SourceFile) -> str:
    """What a warning on ``article`` names: the article of a .jsonl file, else the file."""
    return article.id if article.id.startswith(f"{result.source}#") else result.source


def _dated(article: Article, result: SourceFile) -> Article:
    """``article`` with its date in ISO form; a date that is not one is dropped, and said."""
    if not article.published:
        return article
    day = read_date(article.published, article.language)
    if day is None:
        where = _where(article, result)
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


def _article(
    source: str, text: str, meta: dict[str, Any], infer_title: bool = False, **extra: Any
) -> Article:
    if not text.strip():
        raise ReadError("no text")
    if infer_title and not meta.get("title"):
        meta["title"] = first_title(text)
    article_id = meta.pop("id", None) or source
    check_id(article_id)
    return Article(id=article_id, source=source, text=text, **meta, **extra)


def read_markdown(data: bytes, source: str) -> Iterator[Article]:
    """A .md or .txt file with optional YAML front matter between '---' lines."""
    text = decode_text(data)
    meta: dict[str, str] = {}
    if text.startswith("---\n") or text.startswith("---\r"):
        match = _FRONT_MATTER.match(text)
        if match is None:
            raise ReadError("broken front matter: opening '---' has no closing '---'")
        meta = clean_meta(parse_front_matter(match.group(1)))
        text = text[match.end() :]
    yield _article(source, text, meta, infer_title=True)


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
    yield _article(source, doc.text, clean_meta(raw))


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
    meta = clean_meta(raw)
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
        except Exception as exc:  # a line nested past the parser's depth, say: its own
            yield FileError(f"{source}:{number}", f"unreadable JSON: {complaint(exc)}")
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
    meta = clean_meta({k: v for k, v in record.items() if k not in ("id", "_id")})
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
