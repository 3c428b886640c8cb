"""A copy of the index is brought up to date by what an ingest changed, read from the
change log, not by reading every passage again; where the log cannot say, it is built
whole, and either way it holds exactly what a whole build holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.index import changes
from rag.index import snapshot as snapshots
from rag.index.open import snapshot_root
from rag.index.snapshot import Snapshot
from rag.index.store import Store
from rag.index.sync import Ingestor
from rag.settings import Settings
from tests.support.files import make_corpus, write
from tests.support.index import ingest, make_store


def contents(snapshot: Snapshot) -> dict[str, tuple[str, str, tuple[float, ...]]]:
    """Each passage's text, article and vector (rounded), by id."""
    assert snapshot.vectors is not None
    rows = zip(snapshot.columns.ids, snapshot.texts, snapshot.vectors, strict=True)
    return {pid: (p.text, p.article_id, tuple(np.round(row, 5))) for pid, p, row in rows}


def searched(snapshot: Snapshot) -> list[dict[str, float]]:
    """The BM25 score of every passage a few questions find, by id."""
    questions = ["Zanzibar talks in March", "dispatch revised", "grain exports pipeline"]
    return [{pid: round(s, 4) for pid, s in snapshot.search(q, 100)} for q in questions]


def whole(store: Store) -> Snapshot:
    """The snapshot built from every passage in Chroma."""
    return store._build_snapshot("whole", None)


def no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    def scan(self: Store, vectors: bool = True) -> None:
        raise AssertionError("read every passage again")

    monkeypatch.setattr(Store, "scan", scan)


def forget_saved(settings: Settings) -> None:
    """Remove the saved copies, as on a machine other than the ingesting one."""
    shared = snapshot_root(settings)
    for name in snapshots.saved(shared):
        snapshots.remove(shared, name)


def revise(corpus: Path) -> None:
    """Change one article, remove one, add one."""
    first, second = sorted(corpus.glob("*.md"))[:2]
    first.write_text(first.read_text(encoding="utf-8").replace("Dispatch", "Revised"))
    second.unlink()
    write(corpus / "zanzibar.md", "# Zanzibar\n\nZanzibar talks resumed in March in Stone Town.\n")


def test_an_ingest_and_a_reader_bring_their_copies_up_to_date_from_the_change(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_corpus(Path("corpus"), 6)
    ingest(settings, "corpus")
    reader = make_store(settings)
    before = reader.snapshot()
    assert before.seq == 1 and before.get(before.columns.ids[:1])  # read, as by a question
    revise(Path("corpus"))
    with monkeypatch.context() as patched:
        no_scan(patched)
        report = ingest(settings, "corpus")  # its own copy: from the saved one and the log
        assert (report.added, report.updated, report.removed) == (1, 1, 1)
        saved = snapshots.load(snapshot_root(settings), reader.name)
        assert saved is not None and saved.seq == 2
        made_by_ingest = contents(saved)
        forget_saved(settings)
        after = reader.snapshot(before)  # another machine's copy: the same way
    assert made_by_ingest == contents(after)
    assert after.seq == 2 and after.stamp == reader.stamp() != before.stamp
    assert contents(after) == contents(whole(reader))
    assert searched(after) == searched(whole(reader)) != searched(before)
    assert contents(after) != contents(before)
    assert any("Zanzibar talks" in p.text for p in after.texts)


def test_a_copy_the_log_no_longer_reaches_is_built_whole(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_corpus(Path("corpus"), 4)
    ingest(settings, "corpus")
    reader = make_store(settings)
    before = reader.snapshot()
    monkeypatch.setattr(changes, "KEPT", 1)
    for n in range(2):
        write(Path(f"corpus/extra-{n}.md"), f"# Extra {n}\n\nExtra article number {n}.\n")
        ingest(settings, "corpus")
    assert reader.published()[1] == 3
    forget_saved(settings)
    with monkeypatch.context() as patched:
        no_scan(patched)
        with pytest.raises(AssertionError, match="read every passage again"):
            reader.snapshot(before)
    rebuilt = reader.snapshot(before)
    assert rebuilt.seq == 3 and contents(rebuilt) == contents(whole(reader))


def test_a_copy_from_another_state_is_not_patched(settings: Settings) -> None:
    """A saved copy whose stamp the log does not go on from (written by an ingest that
    stopped before publishing it) is never the base of a catch-up."""
    make_corpus(Path("corpus"), 3)
    ingest(settings, "corpus")
    store = make_store(settings)
    stamp, seq = store.published()
    assert stamp is not None and seq is not None
    assert changes.since(store.passages, store.records, store.batch, seq, stamp, seq) is None
    write(Path("corpus/extra.md"), "# Extra\n\nAn extra article on grain exports.\n")
    ingest(settings, "corpus")
    later = store.published()[1]
    assert later == seq + 1
    found = changes.since(store.passages, store.records, store.batch, seq, "another", later)
    assert found is None
    delta = changes.since(store.passages, store.records, store.batch, seq, stamp, later)
    assert delta is not None and [p.article_id for p in delta.written] == ["corpus/extra.md"]
    every = whole(store).vectors
    assert delta.vectors is not None and every is not None
    assert delta.vectors.shape == (1, every.shape[1])


def test_an_ingest_stopped_midway_is_continued_as_the_same_change(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_corpus(Path("corpus"), 5)
    ingest(settings, "corpus")
    reader = make_store(settings)
    before = reader.snapshot()
    assert before.get(before.columns.ids[:1])  # read, as by a question
    revise(Path("corpus"))
    killed = Ingestor.from_settings(settings, progress=False)

    def kill() -> None:
        raise KeyboardInterrupt  # after its passages are written, before it publishes

    monkeypatch.setattr(killed.store, "refresh_snapshot", kill)
    with pytest.raises(KeyboardInterrupt):
        killed.run([Path("corpus")])
    assert reader.snapshot(before) is before  # nothing published: the last complete copy
    write(Path("corpus/later.md"), "# Later\n\nA later article about pipeline tariffs.\n")
    with monkeypatch.context() as patched:
        no_scan(patched)
        ingest(settings, "corpus")
        forget_saved(settings)
        after = reader.snapshot(before)
    assert after.seq == 2  # one change, written by two runs
    assert contents(after) == contents(whole(reader))
    texts = " ".join(p.text for p in after.texts)
    assert "Zanzibar talks" in texts and "pipeline tariffs" in texts
