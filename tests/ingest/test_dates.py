"""Publication dates: written forms read as ISO days, non-dates dropped with a warning."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from rag.index.open import open_index
from rag.ingest.dates import read_date
from rag.ingest.readers import read_file
from rag.settings import Settings
from tests.support.files import write
from tests.support.index import ingest

LIMIT = 10**7


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2025-03-03", "2025-03-03"),
        ("2025-03-20T23:30:00-05:00", "2025-03-20"),  # the day as written, not in UTC
        ("2025/03/04", "2025-03-04"),
        ("March 3, 2025", "2025-03-03"),
        ("3 March 2025", "2025-03-03"),
        ("Mar 3rd 2025", "2025-03-03"),
        ("Mon, 03 Mar 2025 10:00:00 GMT", "2025-03-03"),
        ("3 марта 2025", "2025-03-03"),
        ("03/25/2025", "2025-03-25"),  # 25 can only be the day
    ],
)
def test_written_dates_are_read_as_iso_days(written: str, day: str) -> None:
    assert read_date(written) == day


@pytest.mark.parametrize(
    "written",
    ["2025-02-30", "2025-13-01", "2025/13/01", "yesterday", "2 days ago", "today", "March 2025",
     "2025", "Tuesday", "D:2025XX20120000Z", "soon"],
)  # fmt: skip
def test_relative_partial_and_impossible_dates_are_not_dates(written: str) -> None:
    assert read_date(written) is None


def test_numeric_dates_are_day_first_unless_the_article_is_in_us_english() -> None:
    assert read_date("03/04/2025") == "2025-04-03"
    assert read_date("03/04/2025", "en") == "2025-04-03"
    assert read_date("03/04/2025", "en-GB") == "2025-04-03"
    assert read_date("03/04/2025", "en-US") == "2025-03-04"
    assert read_date("03/04/2025", "en_us") == "2025-03-04"


def markdown(published: str, language: str = "en") -> str:
    return f"---\ntitle: T\nlanguage: {language}\npublished: {published}\n---\n\nBody text.\n"


@pytest.mark.parametrize(
    ("published", "language", "day"),
    [
        ('"March 3, 2025"', "en", "2025-03-03"),
        ("2025-03-03", "en", "2025-03-03"),  # unquoted: YAML would make it a date object
        ("2025-03-03 10:15:00", "en", "2025-03-03"),
        ('"03/04/2025"', "en", "2025-04-03"),
        ('"03/04/2025"', "en-US", "2025-03-04"),
    ],
)
def test_front_matter_dates_are_stored_as_iso_days(
    tmp_path: Path, published: str, language: str, day: str
) -> None:
    result = read_file(write(tmp_path / "a.md", markdown(published, language)), LIMIT)
    assert result.errors == [] and result.warnings == []
    assert result.articles[0].published == day


@pytest.mark.parametrize("published", ["2025-02-30", "2025-13-01", "yesterday", '"March 2025"'])
def test_a_date_that_is_none_keeps_the_article_undated_with_a_warning(
    tmp_path: Path, published: str
) -> None:
    result = read_file(write(tmp_path / "a.md", markdown(published)), LIMIT)
    assert result.errors == [] and not result.failed
    assert result.articles[0].published is None and result.articles[0].title == "T"
    [warning] = result.warnings
    assert warning.path == "a.md"
    assert warning.reason.startswith(f"published {published.strip(chr(34))!r} is not a calendar")


def test_jsonl_and_html_dates_are_read_the_same_way(tmp_path: Path) -> None:
    lines = [
        {"id": 1, "text": "One.", "published": "March 3, 2025"},
        {"id": 2, "text": "Two.", "published_at": "2025-02-30"},
        {"id": 3, "text": "Three.", "date": "03/04/2025", "language": "en-US"},
    ]
    dump = "\n".join(json.dumps(line) for line in lines)
    result = read_file(write(tmp_path / "dump.jsonl", dump), LIMIT)
    assert [a.published for a in result.articles] == ["2025-03-03", None, "2025-03-04"]
    assert [(w.path, w.reason[:32]) for w in result.warnings] == [
        ("dump.jsonl#2", "published '2025-02-30' is not a ")
    ]
    html = (
        "<html lang='en'><head><title>Page</title>"
        "<meta property='article:published_time' content='2025-03-20T08:00:00+03:00'></head>"
        "<body><article><h1>Moscow and Astana</h1>"
        + "<p>Kazakhstan weighs its oil routes around Russia carefully. </p>" * 8
        + "</article></body></html>"
    )
    page = read_file(write(tmp_path / "page.html", html), LIMIT)
    assert page.articles[0].published == "2025-03-20" and page.warnings == []


def pdf_bytes(created: dt.datetime) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(created)
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, "The pipeline bypasses Russia.")
    return bytes(pdf.output())


def test_a_pdf_is_dated_by_its_creation_date(tmp_path: Path) -> None:
    data = pdf_bytes(dt.datetime(2025, 3, 20, 12, 0, tzinfo=dt.UTC))
    assert b"/CreationDate (D:20250320120000Z" in data
    assert read_file(write(tmp_path / "a.pdf", data), LIMIT).articles[0].published == "2025-03-20"
    broken = read_file(write(tmp_path / "b.pdf", data.replace(b"D:20250320", b"D:20251320")), LIMIT)
    assert broken.articles[0].published is None
    assert [w.reason[:40] for w in broken.warnings] == ["published 'D:20251320120000Z' is not a c"]


def test_an_ingest_stores_iso_days_and_counts_no_bad_date_as_a_failure(
    settings: Settings,
) -> None:
    write(Path("corpus/written.md"), markdown('"March 3, 2025"'))
    write(Path("corpus/impossible.md"), markdown("2025-02-30"))
    report = ingest(settings)
    assert (report.added, report.failed) == (2, [])
    assert [str(w) for w in report.warnings] == [
        "corpus/impossible.md: published '2025-02-30' is not a calendar date; the article is "
        "kept without a date (write it as YYYY-MM-DD)"
    ]
    stored = open_index(settings)[0].passages.get(include=["metadatas"])["metadatas"]
    dates = {meta["source"]: meta.get("published") for meta in stored}
    assert dates == {"corpus/written.md": "2025-03-03", "corpus/impossible.md": None}
