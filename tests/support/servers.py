"""Servers and processes: free ports, a real Chroma server, the environment of a fresh shell.

``RAG_TEST_CHROMA=server`` runs the suite against a real Chroma server started on
127.0.0.1 (``ON_SERVER``), each test in its own collection (named from ``COLLECTIONS``),
instead of embedded Chroma."""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.settings import Settings

ON_SERVER = os.environ.get("RAG_TEST_CHROMA", "embedded") == "server"
#: Numbers for the collections tests make on a Chroma server, unique in the run.
COLLECTIONS = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shell_env(**extra: str) -> dict[str, str]:
    """The environment of a fresh shell pointed at the test's Chroma: no other RAG_, OPENAI_
    or HF_ settings, any hub download would hit a closed port, analytics off."""
    kept = ("RAG_CHROMA_URL", "RAG_COLLECTION", "RAG_MODEL_CACHE")
    clean = {
        k: v
        for k, v in os.environ.items()
        if k in kept or not k.startswith(("RAG_", "OPENAI_", "HF_"))
    }
    return {
        **clean,
        "HF_ENDPOINT": f"http://127.0.0.1:{free_port()}",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@contextlib.contextmanager
def start_chroma(data: Path, port: int) -> Iterator[str]:
    """Run ``chroma run`` on ``data`` at 127.0.0.1:``port`` until the block ends."""
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the Chroma server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextlib.contextmanager
def launched_app(settings: Settings) -> Iterator[str]:
    """The app on ``settings``'s index, served in this process on a free 127.0.0.1 port;
    its URL, closed afterwards."""
    from rag.app.layout import create_app

    port = free_port()
    blocks = create_app(settings)
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        blocks.close()
