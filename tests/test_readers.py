"""Which files are read: other types named as skipped, UTF-16 text read, NULs refused."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from rag.corpus import discover, read_file
from rag.settings import Settings
from rag.types import FileError
from tests.conftest import ingest, make_corpus, write

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
