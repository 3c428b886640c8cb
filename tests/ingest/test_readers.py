"""Which files are read: other types named as skipped, UTF-16 text read, NULs refused;
any failure of a parser is its file's one line; front matter aliases and over-long ids
refused."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import pytest

from rag.ingest.discover import discover
from rag.ingest.metadata import ALIASES_REFUSED, ID_CHARS
from rag.ingest.readers import COMPLAINT_CHARS, read_file
from rag.settings import Settings
from rag.types import FileError
from tests.support.files import make_corpus, write
from tests.support.index import ingest

LIMIT = 10**7
TEXT = "---\ntitle: Привет\noutlet: Wire\n---\n\nAstana and Moscow talk about oil — «нефть».\n"


def test_files_of_other_types_in_a_folder_are_named_as_skipped(tmp_path: Path) -> None:
    for name in ("a.md", "notes.docx", "sub/data.csv", "README", ".hidden.docx", ".git/x.pack"):
        write(tmp_path / "corpus" / name, "x")
    skipped: list[FileError] = []
    files, errors = discover([Path("corpus"), Path("corpus/sub")], skipped)
    assert [f.as_posix() for f in files] == ["corpus/a.md"] and errors == []
    assert [str(s) for s in skipped] == [
        "corpus/README: no file type suffix (skipped)",
        "corpus/notes.docx: unsupported file type '.docx' (skipped)",
        "corpus/sub/data.csv: unsupported file type '.csv' (skipped)",
    ]


def test_an_ingest_warns_of_skipped_files_without_counting_them_failed(
    settings: Settings,
) -> None:
    make_corpus(Path("corpus"), 2)
    write(Path("corpus/notes.docx"), b"PK\x03\x04")
    write(Path("corpus/.DS_Store"), b"\x00\x01")
    report = ingest(settings)
    assert (report.added, report.failed) == (2, [])
    assert [str(w) for w in report.warnings] == [
        "corpus/notes.docx: unsupported file type '.docx' (skipped)"
    ]
    assert report.to_dict()["warnings"] == [
        {"path": "corpus/notes.docx", "reason": "unsupported file type '.docx' (skipped)"}
    ]
    assert ingest(settings).warnings == report.warnings  # said on every run, not only once


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_and_utf32_text_with_a_byte_order_mark_is_read(tmp_path: Path, codec: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    data = bom.get(codec, codecs.BOM_UTF32_LE) + TEXT.replace("\n", "\r\n").encode(codec)
    result = read_file(write(tmp_path / "a.md", data), LIMIT)
    assert result.errors == []
    [article] = result.articles
    assert (article.title, article.outlet) == ("Привет", "Wire")
    assert article.text == "\nAstana and Moscow talk about oil — «нефть».\n"


def test_utf16_jsonl_and_html_with_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    line = '{"id": 1, "text": "Нефть и газ.", "published": "2025-03-03"}\n'
    dump = read_file(write(tmp_path / "d.jsonl", line.encode("utf-16")), LIMIT)
    assert [(a.text, a.published) for a in dump.articles] == [("Нефть и газ.", "2025-03-03")]
    page = (
        "<html lang='ru'><head><title>Нефть</title></head><body><article>"
        + "<p>Казахстан строит новый нефтепровод в обход России. </p>" * 8
        + "</article></body></html>"
    )
    html = read_file(write(tmp_path / "p.html", page.encode("utf-16")), LIMIT)
    assert html.errors == [] and "нефтепровод" in html.articles[0].text


def test_utf16_without_a_byte_order_mark_is_named_as_such(tmp_path: Path) -> None:
    result = read_file(write(tmp_path / "a.txt", TEXT.encode("utf-16-le")), LIMIT)
    assert result.failed
    assert result.errors[0].reason == (
        "UTF-16 text without a byte-order mark; save it as UTF-8 (or UTF-16 with a BOM)"
    )


@pytest.mark.parametrize("name", ["late.txt", "late.md", "late.jsonl", "late.html"])
def test_nul_bytes_after_the_first_8_kb_are_binary(tmp_path: Path, name: str) -> None:
    body = '{"text": "' + "word " * 2000 + '"}' if name.endswith(".jsonl") else "word " * 2000
    if name.endswith(".html"):
        body = f"<html><body><article><p>{body}</p></article></body></html>"
    data = body.encode() + b"\x00\x01\x02garbage" + b"more words " * 10
    assert data.index(0) > 8192
    result = read_file(write(tmp_path / name, data), LIMIT)
    assert result.failed and result.articles == []
    assert result.errors[0].reason.startswith("binary file (contains NUL bytes"), result.errors


class Weird(Exception):
    """What no reader expects: a library's own exception type."""


WEIRD = Weird("parser gave up \x1b[31mhere\x1b[0m " + "x" * 500 + "\nsecond line\nthird line")


@pytest.mark.parametrize(
    ("name", "module", "attribute", "kind"),
    [
        ("page.html", "trafilatura", "bare_extraction", "HTML"),
        ("report.pdf", "pypdf", "PdfReader", "PDF"),
        ("note.md", "yaml", "load", "Markdown"),
        ("note.txt", "rag.ingest.readers", "first_title", "text"),
    ],
)
def test_any_exception_a_reader_meets_is_its_files_one_bounded_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    module: str,
    attribute: str,
    kind: str,
) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise WEIRD

    monkeypatch.setattr(f"{module}.{attribute}", fail)
    content = "---\ntitle: T\n---\nText." if name == "note.md" else "<p>Text.</p> %PDF Text."
    result = read_file(write(tmp_path / name, content), LIMIT)
    [error] = result.errors
    first = "parser gave up  [31mhere [0m " + "x" * 500
    assert error.reason == f"unreadable {kind}: Weird: {first[:COMPLAINT_CHARS]}…"
    assert result.articles == []


def test_a_keyboard_interrupt_in_a_reader_still_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("trafilatura.bare_extraction", interrupted)
    with pytest.raises(KeyboardInterrupt):
        read_file(write(tmp_path / "page.html", "<p>Text.</p>"), LIMIT)


@pytest.mark.parametrize(
    "front",
    ["base: &b Wire\noutlet: *b", "base: &b {outlet: Wire}\n<<: *b", "title: &t T\nauthor: *t"],
)
def test_every_alias_in_front_matter_is_refused(tmp_path: Path, front: str) -> None:
    result = read_file(write(tmp_path / "a.md", f"---\n{front}\n---\nText.\n"), LIMIT)
    assert [e.reason for e in result.errors] == [ALIASES_REFUSED] and result.articles == []


def test_an_article_id_over_its_cap_is_refused(tmp_path: Path) -> None:
    long_id = "x" * (ID_CHARS + 1)
    note = read_file(write(tmp_path / "a.md", f"---\nid: {long_id}\n---\nText.\n"), LIMIT)
    dump = read_file(write(tmp_path / "d.jsonl", json.dumps({"id": long_id, "text": "T."})), LIMIT)
    refused = "characters, over the 500-character limit; give the article a shorter id"
    assert [e.reason for e in note.errors] == [f"article id is 501 {refused}"]
    assert [(e.path, e.reason) for e in dump.errors] == [
        ("d.jsonl:1", f"article id is 509 {refused}")
    ]


@pytest.mark.parametrize("data", [b"\x1c", b"\x1c\n\x1f\n", b"\x1d \x1e"])
def test_a_jsonl_of_only_characters_that_read_as_blank_is_an_error_not_silence(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_bytes(data)  # Python reads \x1c-\x1f as line breaks and spaces
    result = read_file(path, 10**6)
    assert result.articles == []
    assert [(e.path, e.reason) for e in result.errors] == [(result.source, "no text")]
