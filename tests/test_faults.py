"""Faults in the middle of a run: an ingest killed at random points, a Chroma server
stopped under an ingest. The next run completes with nothing lost or doubled."""

from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path

import pytest

from rag.index.open import open_index
from rag.settings import Settings
from tests.support.cli import rag, rag_command
from tests.support.files import make_corpus
from tests.support.index import index_env
from tests.support.servers import free_port, shell_env, start_chroma

pytestmark = pytest.mark.slow

#: The delays are drawn from this seed, so a failing run can be repeated.
SEED = 20261122


def check_whole(settings: Settings, clean: Settings) -> None:
    """No duplicate or orphaned passages, every article complete, the same passages as an
    index built in one go."""
    store = open_index(settings)[0]
    got = store.passages.get(include=["metadatas"])
    ids = got["ids"]
    assert len(ids) == len(set(ids)) == store.count()
    articles, _ = store.load_records()
    assert all(record.done for record in articles.values())
    assert {m["article_id"] for m in got["metadatas"]} == set(articles)  # no orphans
    assert set(ids) == set(open_index(clean)[0].passages.get(include=[])["ids"])


def change(corpus: Path, round_: int) -> None:
    """Edit one article, remove one, add one."""
    paths = sorted(corpus.glob("*.md"))
    text = paths[0].read_text(encoding="utf-8")
    paths[0].write_text(text.replace("Dispatch", f"Round {round_} dispatch"), encoding="utf-8")
    paths[-1].unlink()
    make_corpus(corpus / f"round-{round_}", 1, paragraphs=8)


def test_an_ingest_killed_at_random_points_leaves_nothing_lost_or_doubled(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    make_corpus(tmp_path / "corpus", 14, paragraphs=8)
    delays = []
    for round_ in range(4):
        ingest = subprocess.Popen(
            rag_command("ingest"),
            env=shell_env(RAG_INGEST_GROUP="8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        delays.append(round(rng.uniform(2.0, 9.0), 2))
        time.sleep(delays[-1])
        ingest.kill()  # SIGKILL: no clean-up runs
        ingest.wait()
        change(tmp_path / "corpus", round_)
    final = rag("ingest", "--json")
    assert final.returncode == 0, (delays, final.stderr)
    clean = Settings(index_dir=tmp_path / "clean", collection=f"{Settings().collection}-clean")
    assert rag("ingest", **index_env(clean)).returncode == 0
    check_whole(Settings(), clean)
    assert json.loads(final.stdout)["passages"] == open_index(clean)[0].count()


def test_a_chroma_server_stopped_under_an_ingest_gives_one_clear_line_and_a_retry_completes(
    tmp_path: Path,
) -> None:
    make_corpus(tmp_path / "corpus", 14, paragraphs=8)
    port = free_port()
    settings = Settings(chroma_url=f"http://127.0.0.1:{port}", collection="faults")
    server = index_env(settings)
    with start_chroma(tmp_path / "chroma", port):
        ingest = subprocess.Popen(
            rag_command("ingest"),
            env=shell_env(RAG_INGEST_GROUP="8", **server),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while open_index(settings)[0].count() == 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # until the ingest has written its first passages
    _, stderr = ingest.communicate(timeout=120)
    assert ingest.returncode == 2, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"error: lost the Chroma server at RAG_CHROMA_URL={server['RAG_CHROMA_URL']} ("
    )
    assert last.endswith("check that it runs, then try again")
    assert "Traceback" not in stderr
    asked = rag("ask", "What leverage does Moscow have?", **server)
    assert asked.returncode == 2
    assert asked.stderr.startswith("error: ") and "Traceback" not in asked.stderr
    with start_chroma(tmp_path / "chroma", port):
        retry = rag("ingest", "--json", **server)
        assert retry.returncode == 0, retry.stderr
        clean = Settings(
            index_dir=tmp_path / "clean", collection="faults-clean", chroma_url=settings.chroma_url
        )
        assert rag("ingest", **index_env(clean)).returncode == 0
        check_whole(settings, clean)
        answered = rag("ask", "What leverage does Moscow have?", **server)
        assert answered.returncode == 0, answered.stderr
