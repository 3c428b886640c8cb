"""`rag ingest --rebuild` holds the index like any ingest, and questions and stats see the
index as it was before the rebuild until it completes, then the rebuilt one at once."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import IO

import pytest

from rag.embed.factory import create_embedder
from rag.errors import IndexMismatch
from rag.index import snapshot as snapshots
from rag.index.chroma import open_client
from rag.index.open import open_index, snapshot_root
from rag.index.stats import index_stats
from rag.index.store import Store
from rag.index.sync import Ingestor
from rag.retrieve.retriever import Retriever
from rag.settings import Settings
from tests.support.cli import rag, rag_command
from tests.support.files import make_corpus
from tests.support.index import ingest
from tests.support.servers import shell_env

QUESTIONS = ["What leverage does Moscow have?", "Nazarbayev and Putin", "pipeline exports"]
#: Articles of the corpus rebuilt: enough that the rebuild lasts a while on a fast machine.
ARTICLES = 40
#: Small groups and batches, so the rebuild writes in many steps and lasts a while.
GROUPS = {"RAG_INGEST_GROUP": "4", "RAG_EMBED_BATCH_SIZE": "2"}


def revise(corpus: Path) -> None:
    """Change every article (so every passage id changes) and drop four."""
    for path in sorted(corpus.glob("*.md"))[:4]:
        path.unlink()
    for path in sorted(corpus.glob("*.md")):
        path.write_text(path.read_text(encoding="utf-8").replace("Dispatch", "Revised dispatch"))


def start_rebuild(log: Path) -> subprocess.Popen[str]:
    """``rag ingest --rebuild`` in its own process, returned once it has written passages."""
    with log.open("w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            rag_command("ingest", "--rebuild", "--progress"),
            env=shell_env(**GROUPS),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    deadline = time.monotonic() + 240
    while not re.search(r"embedding:\s+\d+%\|[^|]*\| *[1-9]\d*/", log.read_text("utf-8")):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text("utf-8")
        time.sleep(0.1)
    return proc


def summary_passages(out: IO[str] | None) -> int:
    assert out is not None
    found = re.search(r"passages: (\d+) in index", out.read())
    assert found is not None
    return int(found.group(1))


def stats_passages() -> int:
    stats = rag("stats", "--json", **GROUPS)
    assert stats.returncode == 0, stats.stderr
    return int(json.loads(stats.stdout)["passages"])


@pytest.mark.slow
def test_ingests_during_a_rebuild_are_refused_or_wait_and_stats_see_old_then_new(
    tmp_path: Path,
) -> None:
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    make_corpus(settings.corpus_dir, ARTICLES, paragraphs=8)
    before = ingest(settings).passages
    revise(settings.corpus_dir)
    rebuild = start_rebuild(tmp_path / "rebuild.log")
    refused = rag("ingest", **GROUPS)  # first: the rebuild must still be running
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.startswith(f"error: another ingest (pid {rebuild.pid} on ")
    assert len(refused.stderr.splitlines()) == 1 and "use --wait" in refused.stderr
    assert rebuild.poll() is None, "the rebuild ended before the second ingest asked"
    during = [stats_passages()]
    waiting = subprocess.Popen(rag_command("ingest", "--wait", "120", "--json"),
                               env=shell_env(**GROUPS), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    while rebuild.poll() is None:
        seen = stats_passages()
        if rebuild.poll() is None:
            during.append(seen)
    assert rebuild.returncode == 0, (tmp_path / "rebuild.log").read_text("utf-8")
    after = summary_passages(rebuild.stdout)
    assert stats_passages() == after != before  # at once, in a new process
    assert during[0] == before and set(during) <= {before, after}, f"stats saw {during}"
    assert during == sorted(during, key=lambda seen: seen == after)  # old, then new
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    waited = json.loads(out)
    assert (waited["unchanged"], waited["embedded"], waited["passages"]) == (ARTICLES - 4, 0, after)


@pytest.mark.slow
def test_a_running_reader_answers_from_the_old_index_during_a_rebuild_then_the_new(
    tmp_path: Path,
) -> None:
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    make_corpus(settings.corpus_dir, 20, paragraphs=8)
    ingest(settings)
    before = {p.id for p, _ in open_index(settings)[0].scan()}
    retriever = Retriever(open_index(settings)[0], create_embedder(settings), settings)
    assert retriever.retrieve(QUESTIONS[0])  # loaded, as in a running app
    revise(settings.corpus_dir)
    rebuild = start_rebuild(tmp_path / "rebuild.log")
    seen: list[set[str]] = []
    while rebuild.poll() is None:
        hits = retriever.retrieve(QUESTIONS[len(seen) % len(QUESTIONS)], k=10)
        seen.append({hit.passage.id for hit in hits})
    assert rebuild.returncode == 0, (tmp_path / "rebuild.log").read_text("utf-8")
    after = {p.id for p, _ in open_index(settings)[0].scan()}
    assert len(before - after) > 30 and len(after - before) > 30 and len(seen) >= 5
    mixed = [ids for ids in seen if not (ids <= before or ids <= after)]
    assert not mixed, f"{len(mixed)} of {len(seen)} answers mixed the old and the new index"
    assert all(len(ids) == 10 for ids in seen)
    assert any(ids - after for ids in seen)  # the old index answered while the rebuild ran
    fresh = retriever.retrieve(QUESTIONS[0], k=10)
    assert len(fresh) == 10 and {hit.passage.id for hit in fresh} <= after


def test_a_reader_is_told_when_a_rebuild_changed_the_settings(settings: Settings) -> None:
    make_corpus(Path("corpus"), 3)
    ingest(settings)
    retriever = Retriever(open_index(settings)[0], create_embedder(settings), settings)
    assert retriever.retrieve("Moscow")
    rechunked = settings.model_copy(update={"chunk_size": 100})
    Ingestor.sync(rechunked, [Path("corpus")], progress=False, rebuild=True)
    with pytest.raises(IndexMismatch, match=r"chunking sentence:100:30.*rag ingest --rebuild"):
        retriever.retrieve("Moscow")
    fresh = Retriever(open_index(rechunked)[0], create_embedder(rechunked), rechunked)
    assert fresh.retrieve("Moscow")


def collections(settings: Settings) -> set[str]:
    base = settings.collection
    names = {getattr(c, "name", c) for c in open_client(settings).list_collections()}
    found = {n for n in names if n == base or n.startswith((f"{base}.", f"{base}-"))}
    return found - {f"{base}-lock"}  # the ingest lease, on a server


def test_an_interrupted_rebuild_leaves_the_index_as_it_was_and_the_next_clears_it_away(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_corpus(Path("corpus"), 4)
    before = ingest(settings).passages
    Path("corpus/article-000.md").unlink()

    def killed(self: Store) -> None:
        raise KeyboardInterrupt  # after writing everything, before publishing it

    with monkeypatch.context() as patch:
        patch.setattr(Store, "publish", killed)
        with pytest.raises(KeyboardInterrupt):
            Ingestor.sync(settings, [Path("corpus")], progress=False, rebuild=True)
    leftover = {n.removesuffix("-records") for n in collections(settings)} - {settings.collection}
    assert len(leftover) == 1 and leftover <= snapshots.saved(snapshot_root(settings))
    assert open_index(settings)[0].count() == index_stats(settings)["passages"] == before
    rebuilt = Ingestor.sync(settings, [Path("corpus")], progress=False, rebuild=True)
    live = open_index(settings)[0].name
    base = settings.collection
    assert collections(settings) == {base, f"{base}-live", live, f"{live}-records"}
    assert snapshots.saved(snapshot_root(settings)) == {base, live}  # the replaced one's, till next
    assert index_stats(settings)["passages"] == rebuilt.passages < before
    assert open_index(settings)[0].snapshot().stamp == open_index(settings)[0].stamp()


def test_stats_read_the_next_generation_when_a_rebuild_drops_theirs_midway(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_corpus(Path("corpus"), 4)
    ingest(settings)
    Path("corpus/article-000.md").unlink()
    counted = Store.count
    rebuilt: list[int] = []

    def rebuild_first(self: Store) -> int:  # the rebuild publishes after stats opened the old
        if not rebuilt:
            rebuilt.append(0)
            rebuilt[0] = Ingestor.sync(settings, [Path("corpus")], rebuild=True).passages
        return counted(self)

    monkeypatch.setattr(Store, "count", rebuild_first)
    stats = index_stats(settings)
    assert (stats["passages"], stats["articles"]) == (rebuilt[0], 3)


def test_a_reader_never_makes_again_a_generation_a_rebuild_dropped(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromadb.errors import NotFoundError

    from rag.index import generations
    from rag.index.chroma import has_collection

    make_corpus(settings.corpus_dir, 2)
    ingest(settings)
    client = open_client(settings)
    dropped = generations.new_name(settings.collection)  # named live, then dropped
    monkeypatch.setattr(generations, "live", lambda *_: dropped)
    with pytest.raises(NotFoundError):
        Store(client, settings.collection, None)
    assert not has_collection(client, dropped)
