"""The ``rag`` command as a person runs it: real model, real Chroma, real processes."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from rag.embed.base import embedder_name
from rag.index.chroma import open_client
from rag.index.store import Store
from rag.ingest.readers import read_file
from rag.ingest.split import Splitter
from rag.settings import Settings
from tests.support.cli import rag, rag_command
from tests.support.files import REPO, make_corpus, write
from tests.support.index import index_env
from tests.support.servers import ON_SERVER
from tests.support.servers import shell_env as env

pytestmark = pytest.mark.slow


def distinct_passages(folder: Path) -> int:
    splitter = Splitter(200, 30)
    files = sorted(folder.glob("*.md"))
    return sum(len(splitter.split(read_file(f, 10**7).articles[0])) for f in files)


def test_ingest_builds_the_index_once_and_then_embeds_nothing(tmp_path: Path) -> None:
    shutil.copytree(REPO / "corpus", tmp_path / "corpus")
    first = rag("ingest")
    assert first.returncode == 0, first.stderr
    expected = distinct_passages(tmp_path / "corpus")
    assert re.fullmatch(
        rf"articles: 2 added, 0 updated, 0 unchanged, 0 removed, 0 failed; passages: {expected} "
        rf"in index, {expected} embedded in [\d.]+ s \([\d.]+ passages/s\)\n",
        first.stdout,
    )
    second = rag("ingest", "--json")
    summary = json.loads(second.stdout)
    assert (summary["unchanged"], summary["embedded"], summary["passages"]) == (2, 0, expected)
    stats = json.loads(rag("stats", "--json").stdout)
    assert stats["articles"] == 2 and stats["passages"] == expected
    assert stats["embedder"] == embedder_name(Settings())  # the runtime this CPU gets
    assert stats["embedder"].startswith("local:all-MiniLM-L6-v2")
    assert (tmp_path / "index" / "chroma.sqlite3").is_file() != ON_SERVER


def test_bad_files_are_named_skipped_and_fail_the_exit_status(tmp_path: Path) -> None:
    write(tmp_path / "corpus/good.md", "# Good\n\nAstana and Moscow talk about oil.")
    write(tmp_path / "corpus/bad.md", "---\ntitle: [oops\n---\ntext")
    result = rag("ingest")
    assert result.returncode == 1
    assert "error: corpus/bad.md: broken front matter (line 2)" in result.stderr
    assert "1 added" in result.stdout and "1 failed" in result.stdout
    assert json.loads(rag("stats", "--json").stdout)["articles"] == 1


def test_settings_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    make_corpus(tmp_path / "corpus", 1)
    bad = rag("ingest", RAG_CHUNK_OVERLAP="500")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "error: invalid settings: RAG_SETTINGS: Value error, RAG_CHUNK_OVERLAP (500) must be "
        "smaller than RAG_CHUNK_SIZE (200)"
    ]
    assert rag("ingest").returncode == 0
    mismatch = rag("ingest", RAG_CHUNK_SIZE="100")
    assert mismatch.returncode == 2
    assert "run `rag ingest --rebuild`" in mismatch.stderr
    rebuilt = rag("ingest", "--rebuild", RAG_CHUNK_SIZE="100")
    assert rebuilt.returncode == 0 and "1 added" in rebuilt.stdout


def test_an_ingest_killed_half_way_is_completed_by_the_next_run(tmp_path: Path) -> None:
    make_corpus(tmp_path / "corpus", 24, paragraphs=8)
    group = {"RAG_INGEST_GROUP": "8"}
    proc = subprocess.Popen(
        rag_command("ingest", "--progress"), env=env(**group), stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    seen, deadline = b"", time.monotonic() + 240
    while not re.search(rb"embedding:\s+\d+%\|[^|]*\| *(1[6-9]|[2-9]\d)/", seen):
        assert time.monotonic() < deadline and proc.poll() is None, seen.decode()[-500:]
        seen += os.read(proc.stderr.fileno(), 4096)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    partial = json.loads(rag("stats", "--json").stdout)
    total = distinct_passages(tmp_path / "corpus")
    assert 0 < partial["passages"] < total
    resumed = rag("ingest", "--json", **group)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["passages"] == total
    assert summary["embedded"] < total
    stats = json.loads(rag("stats", "--json").stdout)
    assert stats["articles"] == 24 and "pending" not in stats
    clean = Settings(index_dir=tmp_path / "clean", collection=f"{Settings().collection}-clean")
    result = rag("ingest", "--json", **index_env(clean))
    assert json.loads(result.stdout)["passages"] == total
    assert passage_ids(Settings()) == passage_ids(clean)


def passage_ids(settings: Settings) -> set[str]:
    store = Store(open_client(settings), settings.collection, None)
    return set(store.passages.get(include=[])["ids"])


def test_edits_and_removals_reach_the_index_through_the_cli(tmp_path: Path) -> None:
    paths = make_corpus(tmp_path / "corpus", 3, paragraphs=10)
    first = json.loads(rag("ingest", "--json").stdout)
    text = paths[0].read_text(encoding="utf-8").replace("Dispatch 0.9:", "Late correction:")
    paths[0].write_text(text, encoding="utf-8")
    paths[2].unlink()
    second = rag("ingest", "--json")
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert (summary["updated"], summary["removed"], summary["unchanged"]) == (1, 1, 1)
    edited = Splitter(200, 30).split(read_file(paths[0], 10**7).articles[0])
    assert 0 < summary["embedded"] < len(edited) < first["passages"]
    assert summary["passages"] == distinct_passages(tmp_path / "corpus")


def test_every_format_ingests_with_the_real_model(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for words in ("Oil exports through the Caspian pipeline.", "Gas deals with China."):
        pdf.add_page()
        pdf.multi_cell(0, 10, words * 40)
    write(tmp_path / "corpus/report.pdf", bytes(pdf.output()))
    write(tmp_path / "corpus/note.txt", "Astana and Moscow\nTalks resumed on Monday.")
    paragraph = "<p>Kazakhstan balances Russia, China and the West in its foreign policy.</p>"
    write(tmp_path / "corpus/page.html", f"<html><body><article>{paragraph * 6}</article></html>")
    rows = [{"id": i, "title": f"Wire {i}", "body": f"Report number {i} on CSTO."} for i in (1, 2)]
    write(tmp_path / "corpus/wire.jsonl", "\n".join(json.dumps(r) for r in rows))
    result = rag("ingest", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 5
    settings = Settings(index_dir=tmp_path / "index")
    got = Store(open_client(settings), settings.collection, None).passages.get(
        include=["metadatas"]
    )
    pages = {m["page"] for m in got["metadatas"] if m["source"] == "corpus/report.pdf"}
    assert pages == {1, 2}
    assert {m["article_id"] for m in got["metadatas"]} >= {"corpus/wire.jsonl#1", "corpus/note.txt"}
