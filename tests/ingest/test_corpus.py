"""Readers: every format, metadata inference, and every kind of bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.ingest.discover import discover
from rag.ingest.readers import first_title, read_file
from tests.support.files import REPO, write

LIMIT = 10**7


def read(path: Path):  # type: ignore[no-untyped-def]
    return read_file(path, LIMIT)


def only_article(path: Path):  # type: ignore[no-untyped-def]
    result = read(path)
    assert result.errors == []
    assert len(result.articles) == 1
    return result.articles[0]


def test_markdown_front_matter_sets_metadata_and_id(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.md",
        "---\nid: kz-1\ntitle: Signals\noutlet: Wire\npublished: 2025-12-28\nlanguage: en\n"
        "translated_from: ru\nunknown_key: kept out\n---\n\nBody text here.\n",
    )
    article = only_article(path)
    assert article.id == "kz-1"
    assert article.metadata() == {
        "title": "Signals",
        "outlet": "Wire",
        "published": "2025-12-28",
        "language": "en",
        "translated_from": "ru",
    }
    assert article.text == "\nBody text here.\n"


def test_title_comes_from_first_heading_else_first_line(tmp_path: Path) -> None:
    heading = only_article(write(tmp_path / "h.md", "Byline\n\n## The Real Title ##\n\ntext"))
    plain = only_article(write(tmp_path / "p.txt", "\n\n  First line is the title  \nmore"))
    assert heading.title == "The Real Title"
    assert plain.title == "First line is the title"
    assert plain.id == "p.txt"


def test_repository_corpus_carries_only_supported_metadata() -> None:
    caliber = only_article(REPO / "corpus" / "caliber-az-nazarbayev-at-the-kremlin.md")
    assert caliber.outlet == "Caliber.Az"
    assert caliber.title is not None and caliber.title.startswith("Nazarbayev at the Kremlin")
    assert caliber.language == "en"
    assert caliber.published is None and caliber.url is None and caliber.translated_from is None
    translated = only_article(REPO / "corpus" / "putin-nazarbayev-private-meeting.md")
    assert translated.translated_from == "zh"
    assert translated.outlet is None and translated.published is None and translated.url is None
    assert translated.title is not None and translated.title.startswith("Putin held a private")


def test_html_main_text_and_meta_tags(tmp_path: Path) -> None:
    html = (
        "<html lang='en'><head><title>Page</title><meta name='author' content='Jane Roe'>"
        "<meta property='article:published_time' content='2025-12-28'>"
        "<meta property='og:site_name' content='Steppe Review'></head><body>"
        "<nav>Home | About | Subscribe</nav><article><h1>Moscow and Astana</h1>"
        + "<p>Kazakhstan weighs its oil routes around Russia carefully. </p>" * 8
        + "</article><footer>Copyright notice</footer></body></html>"
    )
    article = only_article(write(tmp_path / "page.html", html))
    assert article.title == "Moscow and Astana"
    assert article.author == "Jane Roe"
    assert article.published == "2025-12-28"
    assert article.outlet == "Steppe Review"
    assert article.language == "en"
    assert "oil routes" in article.text
    assert "Subscribe" not in article.text


def test_pdf_text_per_page_with_page_offsets(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Pipeline Politics")
    pdf.set_font("helvetica", size=12)
    for page in ("The first page discusses oil.", "The second page discusses gas."):
        pdf.add_page()
        pdf.multi_cell(0, 10, page)
    article = only_article(write(tmp_path / "report.pdf", bytes(pdf.output())))
    assert article.title == "Pipeline Politics"
    second = article.text.index("second page")
    assert article.page_at(0) == 1
    assert article.page_at(second) == 2
    assert len(article.page_starts) == 2


def test_jsonl_fields_aliases_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "id": 7,
                "title": "T",
                "text": "Alpha text.",
                "source": "Agency",
                "published_at": "2024-01-02",
                "author": ["A", "B"],
                "url": "http://x",
            }
        ),
        json.dumps({"body": "Beta text without id."}),
        "{not json",
        json.dumps({"id": 9, "title": "no text"}),
        json.dumps({"id": 7, "text": "duplicate id"}),
        json.dumps(["a", "list"]),
        json.dumps({"_id": "beir-1", "title": "Beir", "text": "Gamma."}),
    ]
    result = read(write(tmp_path / "dump.jsonl", "\n".join(lines) + "\n\n"))
    first, second, beir = result.articles
    assert first.id == "dump.jsonl#7"
    assert (first.outlet, first.published, first.author, first.url) == (
        "Agency",
        "2024-01-02",
        "A, B",
        "http://x",
    )
    assert second.text == "Beta text without id." and second.id.startswith("dump.jsonl#")
    assert beir.id == "dump.jsonl#beir-1"
    reasons = {e.path: e.reason for e in result.errors}
    assert reasons["dump.jsonl:3"].startswith("invalid JSON")
    assert reasons["dump.jsonl:4"] == "no 'text' or 'body'"
    assert reasons["dump.jsonl:5"] == "duplicate id (first on line 1)"
    assert reasons["dump.jsonl:6"] == "expected a JSON object"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary file"),
        ("latin1.md", "caf\u00e9 au lait".encode("latin-1"), "not UTF-8 text (byte 0xe9"),
        ("unclosed.md", b"---\ntitle: x\n\nbody", "broken front matter: opening"),
        ("yaml.md", b"---\ntitle: [unclosed\n---\nbody", "broken front matter (line"),
        ("list.md", b"---\n- a\n- b\n---\nbody", "broken front matter: expected"),
        ("nobody.md", b"---\ntitle: only\n---\n", "no text"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
        ("broken.pdf", b"%PDF-1.4 garbage", "unreadable PDF"),
        ("empty.html", b"<html><body></body></html>", "no main text"),
    ],
)
def test_bad_files_are_named_with_a_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    result = read(write(tmp_path / name, content))
    assert result.articles == []
    assert [e.path for e in result.errors] == [name]
    assert result.errors[0].reason.startswith(reason), result.errors[0].reason


def test_files_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    result = read_file(write(tmp_path / "big.txt", "word " * 1000), max_bytes=1000)
    assert result.errors[0].reason == (
        "file is 5,000 bytes, over the 1,000-byte limit (RAG_MAX_FILE_MB)"
    )


def test_discover_walks_folders_skips_hidden_and_names_missing_paths(tmp_path: Path) -> None:
    for name in ("a.md", "sub/b.txt", "sub/c.jsonl", ".git/x.md", "sub/.hidden.md", "d.png"):
        write(tmp_path / "corpus" / name, "x")
    files, errors = discover([Path("corpus"), Path("corpus/a.md"), Path("nope")])
    assert [f.as_posix() for f in files] == [
        "corpus/a.md",
        "corpus/sub/b.txt",
        "corpus/sub/c.jsonl",
    ]
    assert [(e.path, e.reason) for e in errors] == [("nope", "no such file or folder")]


def test_unchanged_bytes_are_not_parsed_again(tmp_path: Path) -> None:
    path = write(tmp_path / "a.md", "# T\n\ntext")
    first = read(path)
    again = read_file(path, LIMIT, known_sha256=first.sha256)
    assert again.unchanged and again.articles == []


def test_a_title_inferred_from_a_long_first_line_is_its_first_sentence_shortened() -> None:
    line = (
        "Putin held a private meeting with the former Kazakh leader, and the news caused "
        "widespread attention across the region and beyond. The details are secret."
    )
    title = first_title(line) or ""
    assert title.endswith("the news caused widespread…") and len(title) <= 101
    assert line.startswith(title.removesuffix("…"))
    assert first_title("A short first line\n\nBody text.") == "A short first line"
    assert first_title("One sentence. Then another.") == "One sentence."
