"""Questions asked while another process ingests see the index before or after, never half."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from rag.embed.factory import create_embedder
from rag.errors import StoreError
from rag.index.open import open_index
from rag.index.sync import Ingestor
from rag.retrieve.retriever import Retriever
from rag.settings import Settings
from tests.support.cli import rag_command
from tests.support.files import make_corpus, write
from tests.support.index import ingest
from tests.support.servers import shell_env

QUESTIONS = ["What leverage does Moscow have?", "Nazarbayev and Putin", "pipeline exports"]


def stored_ids(settings: Settings) -> set[str]:
    return set(open_index(settings)[0].passages.get(include=[])["ids"])


def revise(corpus: Path) -> None:
    """Change every article (so every passage id changes), drop some, add some."""
    for path in sorted(corpus.glob("*.md"))[:3]:
        path.unlink()
    for path in sorted(corpus.glob("*.md")):
        path.write_text(path.read_text(encoding="utf-8").replace("Dispatch", "Revised dispatch"))
    make_corpus(corpus / "new", 4, paragraphs=8)


def test_questions_during_an_ingest_see_the_old_or_the_new_index(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    make_corpus(settings.corpus_dir, 12)
    ingest(settings)
    before = stored_ids(settings)
    retriever = Retriever(open_index(settings)[0], create_embedder(settings), settings)
    assert retriever.retrieve(QUESTIONS[0])  # loaded, as in a running app
    revise(settings.corpus_dir)
    seen: list[set[str]] = []
    during = 0
    writer = subprocess.Popen(
        rag_command("ingest"),
        env=shell_env(RAG_INGEST_GROUP="8"),
        stderr=subprocess.PIPE,
        text=True,
    )
    while writer.poll() is None:
        hits = retriever.retrieve(QUESTIONS[len(seen) % len(QUESTIONS)], k=10)
        seen.append({hit.passage.id for hit in hits})
        during += writer.poll() is None
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    after = stored_ids(settings)
    assert len(before - after) > 30 and len(after - before) > 30
    assert during >= 20  # the questions really overlapped the ingest
    mixed = [ids for ids in seen if not (ids <= before or ids <= after)]
    assert not mixed, f"{len(mixed)} of {len(seen)} answers mixed the old and the new index"
    assert all(len(ids) == 10 for ids in seen)
    fresh = retriever.retrieve(QUESTIONS[0], k=10)  # the other process's ingest is seen
    assert {hit.passage.id for hit in fresh} <= after


def test_an_interrupted_ingest_leaves_the_last_complete_snapshot(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_corpus(Path("corpus"), 3)
    ingest(settings)
    complete = open_index(settings)[0].snapshot()
    write(Path("corpus/extra.md"), "# Zanzibar\n\nZanzibar talks resumed in March.\n")
    killed = Ingestor.from_settings(settings, progress=False)

    def kill() -> None:
        raise KeyboardInterrupt  # after its passages are written, before it completes

    monkeypatch.setattr(killed.store, "refresh_snapshot", kill)
    with pytest.raises(KeyboardInterrupt):
        killed.run([Path("corpus")])
    assert any("Zanzibar talks" in p.text for p, _ in open_index(settings)[0].scan())
    retriever = Retriever(open_index(settings)[0], create_embedder(settings), settings)
    assert retriever.bm25("zanzibar", 5) == []
    assert retriever.snapshot().stamp == complete.stamp
    ingest(settings)  # the next ingest completes it
    assert len(retriever.bm25("zanzibar", 5)) == 1


def test_with_no_complete_snapshot_questions_are_refused_clearly(settings: Settings) -> None:
    make_corpus(Path("corpus"), 2)
    ingest(settings)
    open_index(settings)[0].clear_stamp()
    shutil.rmtree(settings.index_dir / "bm25")
    retriever = Retriever(open_index(settings)[0], create_embedder(settings), settings)
    started = time.monotonic()
    try:
        retriever.retrieve("anything")
    except StoreError as refused:
        assert "an ingest is writing the index, or one was interrupted" in str(refused)
        assert "run `rag ingest`" in str(refused)
    else:
        raise AssertionError("answered from a half-written index")
    assert time.monotonic() - started < 5
    write(Path("corpus/extra.md"), "# Later\n\nA later article.\n")
    ingest(settings)
    assert retriever.retrieve("later article")


def test_threads_saving_one_snapshot_at_once_each_finish_and_leave_it_whole(
    settings: Settings,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from rag.index import snapshot as snapshots
    from rag.index.open import snapshot_root

    make_corpus(Path("corpus"), 3)
    ingest(settings)
    store = open_index(settings)[0]
    snapshot, root = store.snapshot(), snapshot_root(settings)
    with ThreadPoolExecutor(8) as pool:
        saves = [pool.submit(snapshots.save, snapshot, root, store.name) for _ in range(40)]
        for done in saves:
            done.result()  # none raised
    loaded = snapshots.load(root, store.name)
    assert loaded is not None and loaded.stamp == snapshot.stamp
    assert len(loaded.columns.ids) == len(snapshot.columns.ids) > 0


def test_questions_asked_while_an_ingest_writes_keep_their_copy_reading_no_files(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.index import snapshot as snapshots

    make_corpus(Path("corpus"), 2)
    ingest(settings)
    store = open_index(settings)[0]
    have = store.snapshot()
    store.clear_stamp()  # as while an ingest writes

    def load(*_: object) -> None:
        raise AssertionError("read the saved snapshot again")

    monkeypatch.setattr(snapshots, "load", load)
    assert store.snapshot(have) is have
