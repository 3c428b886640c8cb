"""The worker thread that embeds the next group while the last one is written."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from rag.embed.base import Vectors
from rag.embed.factory import BACKENDS
from rag.index.store import Store
from rag.ingest.prefetch import prefetch
from rag.settings import Settings
from rag.types import Passage
from tests.support.fakes import FakeEmbedder
from tests.support.files import make_corpus
from tests.support.index import ingest, make_store


def test_items_come_in_order_and_the_worker_runs_ahead() -> None:
    made: list[int] = []

    def source() -> Iterator[int]:
        for i in range(5):
            made.append(i)
            yield i

    with prefetch(source()) as items:
        first = next(items)
        deadline = time.monotonic() + 5
        while len(made) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first == 0
        assert made[:2] == [0, 1]  # the second item was made before it was asked for
        assert [first, *items] == [0, 1, 2, 3, 4]


def test_an_error_in_the_worker_reaches_the_consumer_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise ValueError("bad group")

    got = []
    with pytest.raises(ValueError, match="bad group"), prefetch(source()) as items:
        for item in items:
            got.append(item)
    assert got == [1]


def test_a_consumer_that_stops_early_stops_the_worker() -> None:
    made: list[int] = []

    def source() -> Iterator[int]:
        for i in range(1000):
            made.append(i)
            yield i

    with pytest.raises(KeyboardInterrupt), prefetch(source()) as items:
        next(items)
        raise KeyboardInterrupt
    time.sleep(0.5)
    count = len(made)
    time.sleep(0.3)
    assert len(made) == count < 10
    assert not any(t.name == "prefetch" and t.is_alive() for t in threading.enumerate())


class SlowEmbedder(FakeEmbedder):
    """Logs when each batch is embedded."""

    log: ClassVar[list[tuple[str, float, float]]] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        started = time.monotonic()
        time.sleep(0.2)
        vectors = super().embed(texts)
        SlowEmbedder.log.append(("embed", started, time.monotonic()))
        return vectors


def test_ingest_embeds_the_next_group_while_the_last_is_written(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_corpus(Path("corpus"), 6)
    SlowEmbedder.log = []
    monkeypatch.setitem(BACKENDS, "fake", SlowEmbedder)
    upsert = Store.upsert

    def slow_upsert(self: Store, passages: Sequence[Passage], vectors: Any) -> None:
        started = time.monotonic()
        time.sleep(0.3)
        upsert(self, passages, vectors)
        SlowEmbedder.log.append(("write", started, time.monotonic()))

    monkeypatch.setattr(Store, "upsert", slow_upsert)
    report = ingest(settings)
    assert report.added == 6
    writes = [(a, b) for kind, a, b in SlowEmbedder.log if kind == "write"]
    embeds = [(a, b) for kind, a, b in SlowEmbedder.log if kind == "embed"]
    assert len(writes) == len(embeds) >= 3
    overlapping = [e for e in embeds[1:] if any(w0 < e[0] < w1 for w0, w1 in writes)]
    assert overlapping, "no group was embedded while another was written"
    stored = make_store(settings).passages.get(include=[])["ids"]
    assert len(stored) == report.passages == len(set(stored))
