"""Hostile corpus files: a PDF bomb, a YAML alias bomb, parsers that fail in any way, symbolic
links out of the corpus, an article id taken from another file, a disk that fills up. Each
costs its own file one line, never the ingest, and nothing outside the corpus is read."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import shutil
import sqlite3
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.app.chat import ChatApp
from rag.app.uploads import add_uploads
from rag.errors import DiskFull, disk_full, disk_full_named
from rag.index.open import open_index
from rag.ingest.discover import discover
from rag.ingest.metadata import ALIASES_REFUSED, FIELD_CHARS
from rag.ingest.readers import read_file
from rag.settings import Settings
from rag.types import FileError
from tests.support.cli import rag_command
from tests.support.fake_openai import fake_openai
from tests.support.files import make_corpus, write
from tests.support.index import ingest
from tests.support.servers import shell_env

LIMIT = 10**7
GOOD = "---\ntitle: Caspian ferries\n---\n\nA ferry line across the Caspian opened in March.\n"


def reasons(failed: list[FileError]) -> list[tuple[str, str]]:
    return [(f.path, f.reason) for f in failed]


def stored_texts(settings: Settings) -> dict[str, str]:
    """Each stored article's passages, joined, by article id."""
    got = open_index(settings)[0].passages.get(include=["metadatas", "documents"])
    texts: dict[str, str] = {}
    for meta, doc in zip(got["metadatas"], got["documents"], strict=True):
        texts[meta["article_id"]] = texts.get(meta["article_id"], "") + doc
    return texts


# 1. a parser that fails -------------------------------------------------------------------


def pdf_bomb(size: int = 80_000_000) -> bytes:
    """A one-page PDF of about 80 KB whose content stream inflates to ``size`` bytes, past
    pypdf's 75 MB limit."""
    stream = zlib.compress(b" " * size, 9)
    font = "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {font} /Contents 4 0 R >>".encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref, count = len(out), len(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % count
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref)
    return bytes(out)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return pdf_bomb()


def test_the_pdf_bomb_is_small_and_trips_pypdfs_limit(bomb: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    assert len(bomb) < 100_000
    with pytest.raises(LimitReachedError):
        PdfReader(io.BytesIO(bomb)).pages[0].extract_text()


def test_a_pdf_bomb_fails_alone_and_the_good_files_are_ingested(
    settings: Settings, bomb: bytes
) -> None:
    write(Path("corpus/bomb.pdf"), bomb)
    write(Path("corpus/ferries.md"), GOOD)
    report = ingest(settings)
    assert report.added == 1 and list(stored_texts(settings)) == ["corpus/ferries.md"]
    [(path, reason)] = reasons(report.failed)
    assert path == "corpus/bomb.pdf"
    assert reason.startswith("unreadable PDF: LimitReachedError: Limit reached while decompress")
    assert "\n" not in reason and len(reason) < 300


@pytest.mark.slow
def test_rag_ingest_names_the_pdf_bomb_in_one_line_and_exits_1(bomb: bytes) -> None:
    write(Path("corpus/bomb.pdf"), bomb)
    write(Path("corpus/ferries.md"), GOOD)
    with fake_openai() as server:
        run = subprocess.run(
            rag_command("ingest"), env=openai_env(server.url), capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
    assert run.returncode == 1, run.stderr
    [line] = run.stderr.splitlines()
    assert line.startswith("error: corpus/bomb.pdf: unreadable PDF: LimitReachedError: ")
    assert line.endswith(" (skipped)") and "Traceback" not in run.stderr
    assert run.stdout.startswith("articles: 1 added, 0 updated, 0 unchanged, 0 removed, 1 failed")


def openai_env(url: str, **extra: str) -> dict[str, str]:
    """A ``rag`` process that embeds through the fake OpenAI server (no model to load)."""
    return shell_env(
        RAG_EMBED_BACKEND="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=url, **extra
    )


def test_json_and_yaml_nested_past_the_parsers_depth_fail_alone(settings: Settings) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    lines = [json.dumps({"id": 1, "text": "Ferries sail."}), f'{{"id": 2, "text": {deep}}}']
    write(Path("corpus/dump.jsonl"), "\n".join(lines) + "\n")
    write(Path("corpus/deep.md"), f"---\ntitle: {'[' * 2000}{']' * 2000}\n---\nText.\n")
    write(Path("corpus/ferries.md"), GOOD)
    report = ingest(settings)
    assert report.added == 2
    assert set(stored_texts(settings)) == {"corpus/ferries.md", "corpus/dump.jsonl#1"}
    assert reasons(report.failed) == [
        ("corpus/deep.md", "unreadable Markdown: RecursionError: maximum recursion depth exceeded"),
        (
            "corpus/dump.jsonl:2",
            "unreadable JSON: RecursionError: maximum recursion depth exceeded while decoding "
            "a JSON array from a unicode string",
        ),
    ]


# 2. YAML alias bombs and oversized metadata --------------------------------------------------

#: Nine levels of nine aliases: 9**9 "lol"s, gigabytes once written out as a title.
ALIAS_BOMB = """\
---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
title: *i
---

Laughs.
"""


def test_a_yaml_alias_bomb_in_front_matter_is_refused_at_once(settings: Settings) -> None:
    assert len(ALIAS_BOMB) < 450
    bomb = write(Path("corpus/bomb.md"), ALIAS_BOMB)
    write(Path("corpus/ferries.md"), GOOD)
    started = time.perf_counter()
    result = read_file(bomb, LIMIT)
    assert time.perf_counter() - started < 0.5
    assert reasons(result.errors) == [("corpus/bomb.md", ALIASES_REFUSED)]
    report = ingest(settings)
    assert report.added == 1 and reasons(report.failed) == [("corpus/bomb.md", ALIASES_REFUSED)]


def test_metadata_over_its_cap_is_dropped_with_a_warning(settings: Settings) -> None:
    title, url = "T" * (FIELD_CHARS["title"] + 1), "http://x/" + "u" * FIELD_CHARS["url"]
    write(Path("corpus/a.md"), f"---\ntitle: {title}\nurl: {url}\noutlet: Wire\n---\nText.\n")
    record = {"id": 1, "text": "Ferries.", "author": "A" * 10_000, "title": "Fine"}
    write(Path("corpus/d.jsonl"), json.dumps(record) + "\n")
    report = ingest(settings)
    assert (report.added, report.failed) == (2, [])
    assert reasons(report.warnings) == [
        ("corpus/a.md", "title is 501 characters, over the 500-character limit; "
         "the article is kept without it"),
        ("corpus/a.md", f"url is {len(url):,} characters, over the 2,000-character limit; "
         "the article is kept without it"),
        ("corpus/d.jsonl#1", "author is 10,000 characters, over the 500-character limit; "
         "the article is kept without it"),
    ]  # fmt: skip
    metas = open_index(settings)[0].passages.get(include=["metadatas"])["metadatas"]
    by_article = {m["article_id"]: m for m in metas}
    assert "title" not in by_article["corpus/a.md"] and "url" not in by_article["corpus/a.md"]
    assert by_article["corpus/a.md"]["outlet"] == "Wire"
    assert "author" not in by_article["corpus/d.jsonl#1"]
    assert by_article["corpus/d.jsonl#1"]["title"] == "Fine"


# 3. symbolic links ---------------------------------------------------------------------------


def test_symbolic_links_in_the_corpus_are_not_followed(settings: Settings, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside / "passwd", "root:x:0:0:root:/root:/bin/bash\n")
    write(outside / "private" / "notes.md", "# Private\n\nSalaries of the board.\n")
    write(Path("corpus/ferries.md"), GOOD)
    Path("corpus/passwd.txt").symlink_to(outside / "passwd")
    Path("corpus/private").symlink_to(outside / "private", target_is_directory=True)
    Path("corpus/again.md").symlink_to(Path("corpus/ferries.md").resolve())
    Path("corpus/sub").mkdir()
    Path("corpus/sub/up").symlink_to(Path("corpus").resolve(), target_is_directory=True)
    Path("corpus/gone.md").symlink_to(outside / "nothing.md")
    report = ingest(settings)
    assert (report.added, report.failed) == (1, [])
    assert list(stored_texts(settings)) == ["corpus/ferries.md"]
    assert reasons(report.warnings) == [
        ("corpus/again.md", "symbolic link to a file inside corpus/ (skipped)"),
        ("corpus/gone.md", "symbolic link to nothing (skipped)"),
        ("corpus/passwd.txt", "symbolic link to a file outside corpus/ (skipped)"),
        ("corpus/private", "symbolic link to a folder outside corpus/ (skipped)"),
        ("corpus/sub/up", "symbolic link to a folder inside corpus/ (skipped)"),
    ]
    texts = " ".join(stored_texts(settings).values())
    assert "root:x" not in texts and "Salaries" not in texts


def test_a_file_reached_under_two_names_is_read_once(settings: Settings) -> None:
    write(Path("corpus/ferries.md"), GOOD)
    Path("mirror").symlink_to(Path("corpus").resolve(), target_is_directory=True)
    skipped: list[FileError] = []
    files, _ = discover([Path("corpus"), Path("mirror"), Path("mirror/ferries.md")], skipped)
    assert files == [Path("corpus/ferries.md")]
    assert reasons(skipped) == [
        ("mirror/ferries.md", "the same file as corpus/ferries.md (skipped)")
    ]
    report = ingest(settings, "corpus", "mirror")
    assert report.added == 1 and list(stored_texts(settings)) == ["corpus/ferries.md"]


def test_a_corpus_folder_that_is_itself_a_link_is_read(settings: Settings, tmp_path: Path) -> None:
    write(tmp_path / "elsewhere" / "ferries.md", GOOD)
    Path("corpus").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    report = ingest(settings)
    assert (report.added, report.warnings) == (1, [])
    assert list(stored_texts(settings)) == ["corpus/ferries.md"]


# 4. article ids taken from another file ------------------------------------------------------


def note(article_id: str, text: str) -> str:
    return f"---\nid: {article_id}\n---\n\n{text}\n"


def taken(article_id: str, owner: str) -> str:
    return f"article id {article_id!r} is already used by {owner}; give this article another id"


def test_an_id_another_file_brought_in_an_earlier_run_is_refused(settings: Settings) -> None:
    write(Path("corpus/a.md"), note("x", "The original text."))
    assert ingest(settings).added == 1
    write(Path("corpus/b.md"), note("x", "An impostor's text."))
    for paths in (["corpus"], ["corpus/b.md"], ["corpus"]):  # every run, as an upload too
        report = ingest(settings, *paths)
        assert (report.added, report.updated) == (0, 0)
        assert reasons(report.failed) == [("corpus/b.md", taken("x", "corpus/a.md"))]
        assert stored_texts(settings) == {"x": "The original text."}
    records, _ = open_index(settings)[0].load_records()
    assert records["x"].source == "corpus/a.md"


def test_an_uploaded_file_that_takes_an_id_is_refused_and_not_kept(
    settings: Settings, tmp_path: Path
) -> None:
    write(Path("corpus/a.md"), note("x", "The original text."))
    ingest(settings)
    upload = write(tmp_path / "in" / "b.md", note("x", "An impostor's text."))
    app = ChatApp(settings.model_copy(update={"corpus_dir": Path("corpus")}))
    report, _ = add_uploads(app, [str(upload)])
    assert report.startswith(f"✗ b.md: {taken('x', 'corpus/a.md')}")
    assert not Path("corpus/uploads/b.md").exists()
    assert stored_texts(settings) == {"x": "The original text."}


def test_the_file_the_index_has_an_id_from_keeps_it_whatever_the_order(
    settings: Settings,
) -> None:
    write(Path("corpus/z.md"), note("x", "The original text."))
    ingest(settings)
    write(Path("corpus/a.md"), note("x", "An impostor's text."))  # read first, in sorted order
    report = ingest(settings)
    assert reasons(report.failed) == [("corpus/a.md", taken("x", "corpus/z.md"))]
    assert stored_texts(settings) == {"x": "The original text."}


def test_an_id_claimed_twice_in_one_run_goes_to_the_first_file(settings: Settings) -> None:
    write(Path("corpus/b.md"), note("x", "Second text."))
    write(Path("corpus/a.md"), note("x", "First text."))
    write(Path("corpus/d.jsonl"), json.dumps({"id": 1, "text": "Line."}) + "\n")
    write(Path("corpus/z.md"), note("corpus/d.jsonl#1", "Third text."))
    report = ingest(settings)
    assert reasons(report.failed) == [
        ("corpus/b.md", taken("x", "corpus/a.md")),
        ("corpus/z.md", taken("corpus/d.jsonl#1", "corpus/d.jsonl")),
    ]
    assert stored_texts(settings) == {"x": "First text.", "corpus/d.jsonl#1": "Line."}


def test_an_article_keeps_its_id_across_edits_moves_and_hand_overs(settings: Settings) -> None:
    write(Path("corpus/a.md"), note("x", "The first text."))
    ingest(settings)
    write(Path("corpus/a.md"), note("x", "The text, edited."))
    edited = ingest(settings)
    assert (edited.updated, edited.failed) == (1, [])
    assert stored_texts(settings) == {"x": "The text, edited."}
    Path("corpus/a.md").rename("corpus/b.md")  # moved: the id goes with it
    moved = ingest(settings)
    assert (moved.updated, moved.removed, moved.failed) == (1, 0, [])
    write(Path("corpus/b.md"), note("y", "The text, renamed."))  # b gives x up ...
    write(Path("corpus/a.md"), note("x", "A new x."))  # ... as a, read first, takes it
    handed = ingest(settings)
    assert handed.failed == []
    assert stored_texts(settings) == {"x": "A new x.", "y": "The text, renamed."}
    records, _ = open_index(settings)[0].load_records()
    assert (records["x"].source, records["y"].source) == ("corpus/a.md", "corpus/b.md")


# 5. a full disk ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        sqlite3.OperationalError("database or disk is full"),
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        RuntimeError("Query error: Database error: (code: 13) database or disk is full"),
    ],
)
def test_a_full_disk_is_one_line_naming_the_index(exc: Exception, tmp_path: Path) -> None:
    with pytest.raises(DiskFull) as raised, disk_full_named(Path("index"), None, "rag ingest"):
        raise exc
    assert str(raised.value) == (
        f"no space left on device writing the index at {tmp_path / 'index'}; free some space "
        "there, then run `rag ingest` again"
    )


def test_a_full_disk_behind_another_error_is_found_and_other_errors_pass() -> None:
    with pytest.raises(DiskFull), disk_full_named(Path("index"), None, "rag ingest"):
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise RuntimeError("could not release the lock") from None  # context is kept
    assert disk_full(ValueError("no room in the title")) is None
    with pytest.raises(PermissionError), disk_full_named(Path("index"), None, "rag ingest"):
        raise PermissionError(errno.EACCES, "Permission denied")


def test_a_full_disk_met_writing_another_file_names_that_file(tmp_path: Path) -> None:
    full = OSError(errno.ENOSPC, "No space left on device", "answers.jsonl")
    with pytest.raises(DiskFull) as raised, disk_full_named(Path("index"), None, "rag batch"):
        raise full
    assert str(raised.value) == (
        f"no space left on device writing {tmp_path / 'answers.jsonl'}; free some space there, "
        "then run `rag batch` again"
    )


def test_a_chroma_error_on_a_disk_short_of_space_is_a_full_disk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chromadb.errors import InternalError

    vague = InternalError("Error in compaction: Failed to apply logs to the metadata segment")
    monkeypatch.setattr("rag.errors.LOW_SPACE", 0)  # room to spare: the error is Chroma's
    with pytest.raises(InternalError), disk_full_named(Path("index"), None, "rag ingest"):
        raise vague
    monkeypatch.setattr("rag.errors.LOW_SPACE", 2**80)  # short of space: the disk is full
    with pytest.raises(DiskFull), disk_full_named(Path("index"), None, "rag ingest"):
        raise vague
    server = disk_full_named(Path("index"), "http://127.0.0.1:8000", "rag ingest")
    with pytest.raises(InternalError), server:  # a server's disk is not this one's
        raise vague


def test_a_full_disk_on_a_chroma_server_names_the_server() -> None:
    server = "http://127.0.0.1:8000"
    named = disk_full_named(Path("index"), server, "rag ingest")
    with pytest.raises(DiskFull, match=f"on the Chroma server at RAG_CHROMA_URL={server};"), named:
        raise RuntimeError("database or disk is full")


@contextlib.contextmanager
def small_disk(folder: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder`` until the block ends; skips the test where
    mounting is not permitted (not root, or in a container without the capability)."""
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command here")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    """Fill the disk of ``folder`` to its last byte."""
    with contextlib.suppress(OSError), (folder / "filler").open("wb") as out:
        while True:
            out.write(b"\0" * 4096)
            out.flush()


FULL = "error: no space left on device writing the index at {}; free some space there, then run "


@pytest.mark.slow
@pytest.mark.embedded_only
def test_rag_ingest_on_a_full_disk_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    make_corpus(Path("corpus"), 150, paragraphs=8)
    with small_disk(tmp_path / "small") as disk, fake_openai() as server:
        env = openai_env(server.url, RAG_INDEX_DIR=str(disk / "index"))
        runs = []
        for _ in range(2):  # filled by the ingest, then by another file: the lock is not written
            runs.append(subprocess.run(rag_command("ingest"), env=env, capture_output=True,
                                       text=True, timeout=300))  # fmt: skip
            fill(disk)
    for run in runs:
        assert run.returncode == 2, run.stderr
        assert run.stderr == FULL.format(disk / "index") + "`rag ingest` again\n"


@pytest.mark.slow
@pytest.mark.embedded_only
def test_rag_stats_on_a_full_disk_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    make_corpus(Path("corpus"), 2)
    with small_disk(tmp_path / "small") as disk, fake_openai() as server:
        env = openai_env(server.url, RAG_INDEX_DIR=str(disk / "index"))
        built = subprocess.run(rag_command("ingest"), env=env, capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        fill(disk)
        stats = subprocess.run(rag_command("stats"), env=env, capture_output=True, text=True)
    assert stats.returncode == 2, stats.stderr
    assert stats.stderr == FULL.format(disk / "index") + "`rag stats` again\n"
