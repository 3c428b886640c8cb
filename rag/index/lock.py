"""One ingest at a time per index: a second one waits up to ``wait`` seconds, then is refused
with a message naming the ingest that holds the index.

Embedded, the lock is an OS file lock on ``INDEX/ingest.lock`` (released by the OS when the
process dies). On a Chroma server, it is a lease in the ``COLLECTION-lock`` collection,
renewed while the ingest runs and taken over once it has expired (an ingest that was
killed holds the index for at most ``LEASE_SECONDS``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from rag.errors import StoreError
from rag.index.chroma import open_client
from rag.settings import Settings

LEASE_SECONDS = 60.0
POLL_SECONDS = 0.5
_LEASE_ID = "g:ingest-lease"


def holder() -> dict[str, Any]:
    """Who is asking for the lock, as recorded for the others to read."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "boot": _boot_id(),
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def gone(info: dict[str, Any]) -> bool:
    """Whether the holder ran on this machine, since its last boot, and has exited."""
    me = holder()
    if not me["boot"] or (info.get("host"), info.get("boot")) != (me["host"], me["boot"]):
        return False
    try:
        os.kill(int(info["pid"]), 0)
    except ProcessLookupError:
        return True
    except (OSError, KeyError, TypeError, ValueError):
        return False
    return False


def describe(info: dict[str, Any]) -> str:
    """'pid 123 on host, started 2026-01-01T10:00:00+00:00' (what is known of it)."""
    if not info:
        return "another ingest"
    return f"another ingest (pid {info.get('pid')} on {info.get('host')}, " \
        f"started {info.get('started')})"  # fmt: skip


@contextmanager
def ingest_lock(settings: Settings, wait: float = 0.0) -> Iterator[None]:
    """Hold the index for one ingest; StoreError when another holds it after ``wait`` s."""
    if settings.chroma_url:
        with _server_lease(settings, wait):
            yield
    else:
        with _file_lock(settings.index_dir, wait):
            yield


@contextmanager
def _file_lock(index: Path, wait: float) -> Iterator[None]:
    index.mkdir(parents=True, exist_ok=True)
    path = index / "ingest.lock"
    with path.open("a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + wait
        while not _try_flock(handle):
            if time.monotonic() >= deadline:
                handle.seek(0)
                raise StoreError(f"{describe(_parse(handle.read()))} is writing {index}/; "
                                 "wait for it to finish, or use --wait")  # fmt: skip
            time.sleep(POLL_SECONDS)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(holder()))
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_flock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _parse(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@contextmanager
def _server_lease(settings: Settings, wait: float) -> Iterator[None]:

    lease = Lease(
        open_client(settings).get_or_create_collection(
            f"{settings.collection}-lock", embedding_function=None
        )
    )
    deadline = time.monotonic() + wait
    while not lease.take():
        if time.monotonic() >= deadline:
            raise StoreError(f"{describe(lease.other)} is writing {settings.chroma_url} "
                             f"(collection {settings.collection}); wait for it to finish, or "
                             "use --wait")  # fmt: skip
        time.sleep(POLL_SECONDS)
    stop = threading.Event()
    renewer = threading.Thread(target=lease.keep, args=(stop,), daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        with contextlib.suppress(StoreError):  # a lease left behind expires by itself
            lease.release()


class Lease:
    """A lease record in a Chroma collection: taken when absent or expired."""

    def __init__(self, collection: Any) -> None:
        self.collection = collection
        self.owner = uuid.uuid4().hex
        self.me = holder()
        self.other: dict[str, Any] = {}

    def _current(self) -> dict[str, Any]:
        got = self.collection.get(ids=[_LEASE_ID], include=["metadatas"])
        return dict(got["metadatas"][0]) if got["ids"] else {}

    def _write(self) -> None:
        meta = {**self.me, "owner": self.owner, "expires": time.time() + LEASE_SECONDS}
        self.collection.upsert(ids=[_LEASE_ID], documents=[""], metadatas=[meta],
                               embeddings=[[0.0, 0.0]])  # fmt: skip

    def take(self) -> bool:
        """Take the lease when it is free or expired; False when someone else holds it."""
        current = self._current()
        held = current and current.get("owner") != self.owner
        if held and current["expires"] > time.time() and not gone(current):
            self.other = current
            return False
        self._write()
        time.sleep(POLL_SECONDS)  # let a rival's write land, then see who won
        current = self._current()
        if current.get("owner") != self.owner:
            self.other = current
            return False
        return True

    def keep(self, stop: threading.Event) -> None:
        """Renew the lease until ``stop`` is set."""
        while not stop.wait(LEASE_SECONDS / 3):
            with contextlib.suppress(StoreError):  # the server is away: try again next round
                self._write()

    def release(self) -> None:
        if self._current().get("owner") == self.owner:
            self.collection.delete(ids=[_LEASE_ID])
