"""An ingest whose result is an empty index (no corpus folder, an empty one, its last article
removed) finishes cleanly, and stats and questions then say the index is empty."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rag.embed.factory import create_embedder
from rag.errors import RagError
from rag.index.open import open_index
from rag.index.stats import index_stats
from rag.index.sync import Ingestor
from rag.ingest.discover import SUFFIXES
from rag.pipeline import Pipeline
from rag.retrieve.retriever import Retriever
from rag.settings import Settings
from tests.support.cli import rag
from tests.support.files import make_corpus, write
from tests.support.index import ingest

EMPTY_FOLDER = (
    f"warning: corpus: no files to ingest in this folder (it reads {', '.join(sorted(SUFFIXES))})"
)
EMPTY_INDEX = "is empty; run `rag ingest` first"


def summary(run: subprocess.CompletedProcess[str]) -> str:
    lines = run.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("articles: "), run.stdout + run.stderr
    return lines[0]


def assert_reported_empty() -> None:
    """``rag stats`` and ``rag ask`` say the index is empty, on one line each."""
    stats = rag("stats", "--json")
    assert stats.returncode == 0 and stats.stderr == "", stats.stderr
    found = json.loads(stats.stdout)
    assert found["passages"] == 0 and found["articles"] == 0
    assert "the index is empty" in found["note"] and "run `rag ingest`" in found["note"]
    ask = rag("ask", "What leverage does Moscow have over Astana?")
    assert ask.returncode == 2 and ask.stdout == ""
    assert len(ask.stderr.splitlines()) == 1 and EMPTY_INDEX in ask.stderr, ask.stderr


@pytest.mark.slow
def test_the_cli_on_a_missing_then_an_empty_corpus_folder() -> None:
    missing = rag("ingest")
    assert missing.stderr.splitlines() == ["error: corpus: no such file or folder (skipped)"]
    assert missing.returncode == 1
    assert "0 failed" not in summary(missing) and "passages: 0 in index" in summary(missing)
    assert_reported_empty()
    Path("corpus").mkdir()
    empty = rag("ingest")
    assert (empty.returncode, empty.stderr.splitlines()) == (0, [EMPTY_FOLDER])
    assert "0 failed; passages: 0 in index" in summary(empty)
    assert_reported_empty()


@pytest.mark.slow
def test_the_cli_after_the_last_article_is_removed() -> None:
    article = make_corpus(Path("corpus"), 1)[0]
    first = rag("ingest")
    assert first.returncode == 0, first.stderr
    assert "1 added" in summary(first)
    article.unlink()
    last = rag("ingest")
    assert (last.returncode, last.stderr.splitlines()) == (0, [EMPTY_FOLDER])
    assert "1 removed, 0 failed; passages: 0 in index" in summary(last)
    assert_reported_empty()


def test_the_api_on_an_empty_folder_and_after_the_last_article_is_removed(
    settings: Settings,
) -> None:
    Path("corpus").mkdir()
    report = Ingestor.sync(settings, [Path("corpus")], progress=False)
    assert (report.passages, report.failed) == (0, [])
    assert [(w.path, w.reason.split(" (")[0]) for w in report.warnings] == [
        ("corpus", "no files to ingest in this folder")
    ]
    article = write(Path("corpus/a.md"), "# Astana\n\nTalks resumed in Astana on Monday.\n")
    assert ingest(settings).passages == 1
    article.unlink()
    removed = Ingestor.sync(settings, [Path("corpus")], progress=False)
    assert (removed.removed, removed.passages, removed.failed) == (1, 0, [])
    assert open_index(settings)[0].snapshot().stamp == open_index(settings)[0].stamp()
    retriever = Retriever(open_index(settings)[0], create_embedder(settings), settings)
    assert retriever.retrieve("Astana talks") == []
    assert "the index is empty" in index_stats(settings)["note"]
    with pytest.raises(RagError, match="is empty; run `rag ingest` first"):
        Pipeline.from_settings(settings)


def test_a_missing_folder_is_a_failure_that_removes_nothing(settings: Settings) -> None:
    make_corpus(Path("corpus"), 2)
    before = ingest(settings).passages
    Path("corpus").rename("elsewhere")
    report = Ingestor.sync(settings, [Path("corpus")], progress=False)
    assert [(f.path, f.reason) for f in report.failed] == [("corpus", "no such file or folder")]
    assert (report.removed, report.passages) == (0, before)
