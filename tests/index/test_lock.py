"""One ingest at a time: a second one waits or is refused by name, embedded and on a server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rag.errors import StoreError
from rag.index.chroma import open_client
from rag.index.lock import Lease, ingest_lock
from rag.index.open import open_index
from rag.settings import Settings
from tests.support.cli import rag
from tests.support.files import REPO


@pytest.mark.embedded_only
def test_a_second_ingest_is_refused_naming_the_first(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    with ingest_lock(settings), pytest.raises(StoreError) as refused, ingest_lock(settings):
        pass
    message = str(refused.value)
    assert f"another ingest (pid {os.getpid()} on " in message
    assert f"is writing {tmp_path / 'index'}/; wait for it to finish, or use --wait" in message
    with ingest_lock(settings):  # released
        pass


def test_a_second_ingest_waits_for_the_first(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    held = threading.Event()

    def hold() -> None:
        with ingest_lock(settings):
            held.set()
            time.sleep(1.0)

    first = threading.Thread(target=hold)
    first.start()
    held.wait()
    started = time.monotonic()
    with ingest_lock(settings, wait=10):
        waited = time.monotonic() - started
    first.join()
    assert 0.3 < waited < 5


HOLD = "import sys, time\nfrom rag.index.lock import ingest_lock\n" \
    "from rag.settings import Settings\n" \
    "with ingest_lock(Settings(index_dir=sys.argv[1])):\n    print('held', flush=True)\n" \
    "    time.sleep(60)\n"  # fmt: skip


@pytest.mark.embedded_only  # a server's lease outlives its holder by design (tested below)
def test_a_killed_ingest_leaves_the_index_free(tmp_path: Path) -> None:
    index = tmp_path / "index"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(index)], stdout=subprocess.PIPE,
                            text=True)  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with (
            pytest.raises(StoreError, match=f"pid {proc.pid} "),
            ingest_lock(Settings(index_dir=index)),
        ):
            pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with ingest_lock(Settings(index_dir=index)):
        pass


@pytest.mark.slow
def test_rag_ingest_refuses_while_another_writes_and_waits_with_wait(tmp_path: Path) -> None:
    index = tmp_path / "index"
    env = {"RAG_INDEX_DIR": str(index)}
    with ingest_lock(Settings(index_dir=index)):
        refused = rag("ingest", str(REPO / "corpus"), **env)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"error: another ingest (pid {os.getpid()} on ")
    assert open_index(Settings(index_dir=index))[0].count() == 0


@pytest.mark.slow
def test_two_ingests_at_once_leave_one_whole_index(tmp_path: Path) -> None:
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp_path / "index"), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "rag", "ingest", str(REPO / "corpus"), "--wait", "300"]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]  # fmt: skip
    outputs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    first, second = sorted((out for out, _ in outputs), key=lambda out: "2 added" not in out)
    assert "2 added" in first and "2 unchanged" in second
    store = open_index(Settings(index_dir=tmp_path / "index"))[0]
    passages = [passage for passage, _ in store.scan()]
    assert len(passages) == len({p.id for p in passages}) == store.count() > 0


@pytest.mark.slow
def test_on_a_server_the_lease_refuses_a_second_ingest_and_expires(chroma_server: str) -> None:
    settings = Settings(chroma_url=chroma_server, collection="lock-test")
    with ingest_lock(settings), pytest.raises(StoreError) as refused, ingest_lock(settings):
        pass
    assert f"is writing {chroma_server} (collection lock-test)" in str(refused.value)
    assert f"pid {os.getpid()}" in str(refused.value)
    lock = open_client(settings).get_collection("lock-test-lock")
    assert lock.count() == 0  # released
    stale = Lease(lock)
    stale._write()
    lock.update(ids=["g:ingest-lease"], metadatas=[{"owner": "gone", "expires": time.time() - 1}])
    with ingest_lock(settings):  # an expired lease is taken over
        assert lock.get(ids=["g:ingest-lease"])["metadatas"][0]["owner"] != "gone"


@pytest.mark.slow
def test_on_a_server_a_lease_whose_holder_died_here_is_taken_at_once(chroma_server: str) -> None:
    settings = Settings(chroma_url=chroma_server, collection="lock-dead")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    with ingest_lock(settings):
        lock = open_client(settings).get_collection("lock-dead-lock")
        lease = lock.get(ids=["g:ingest-lease"], include=["metadatas"])["metadatas"][0]
    for pid, host, taken in [(int(dead.stdout), lease["host"], True),
                             (os.getpid(), lease["host"], False),
                             (int(dead.stdout), "elsewhere", False)]:  # fmt: skip
        held = {**lease, "owner": "other", "pid": pid, "host": host, "expires": time.time() + 60}
        lock.upsert(ids=["g:ingest-lease"], metadatas=[held], embeddings=[[0.0, 0.0]])
        if taken:
            with ingest_lock(settings):
                pass
        else:
            with pytest.raises(StoreError, match=f"pid {pid} on {host}"), ingest_lock(settings):
                pass
