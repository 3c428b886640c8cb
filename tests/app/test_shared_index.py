"""Two app processes on one Chroma server, each with its own copy of the index (as on two
machines), answer from an ingest made by a third process, each bringing its copy up to date
from the change log rather than reading every passage again; with dense search by the copy's
vectors or by Chroma's HNSW index."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import rag, rag_command
from tests.support.files import make_corpus, write
from tests.support.servers import COLLECTIONS, ON_SERVER, free_port, shell_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(ON_SERVER, reason="runs on a Chroma server in either pass"),
]

QUESTION = "Zanzibar talks in Stone Town"


def retrieved_articles(url: str) -> set[str]:
    from gradio_client import Client

    got: dict[str, Any] = Client(url, verbose=False).predict(
        question=QUESTION, k=3, api_name="/ask"
    )
    return {passage["article_id"] for passage in got["retrieved"]}


def started(app: subprocess.Popen[str], url: str) -> None:
    """Wait until the app answers (its page is served)."""
    import urllib.request

    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:
            assert app.poll() is None, "the app stopped"
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.5)


@pytest.mark.parametrize("dense", ["exact", "chroma"])
def test_two_apps_answer_from_an_ingest_made_elsewhere_reading_only_the_change(
    chroma_server: str, tmp_path: Path, dense: str
) -> None:
    shared = {
        "RAG_CHROMA_URL": chroma_server,
        "RAG_COLLECTION": f"shared-{next(COLLECTIONS)}",
        "RAG_DENSE": dense,
    }
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 4)
    ingester = {
        **shared,
        "RAG_INDEX_DIR": str(tmp_path / "ingester"),
        "RAG_CORPUS_DIR": str(corpus),
    }
    assert rag("ingest", **ingester).returncode == 0
    apps, urls = [], []
    try:
        for n in (1, 2):
            port = free_port()
            env = shell_env(**shared, RAG_INDEX_DIR=str(tmp_path / f"app{n}"))
            apps.append(
                subprocess.Popen(
                    rag_command("serve", "--port", str(port)),
                    env=env,
                    cwd=tmp_path,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for app, url in zip(apps, urls, strict=True):
            started(app, url)
            assert "corpus/zanzibar.md" not in retrieved_articles(url)
        write(corpus / "zanzibar.md", "# Zanzibar\n\nZanzibar talks resumed in Stone Town.\n")
        ended = rag("ingest", **ingester)
        assert ended.returncode == 0 and "1 added" in ended.stdout
        deadline = time.monotonic() + 10
        for url in urls:
            while "corpus/zanzibar.md" not in retrieved_articles(url):
                assert time.monotonic() < deadline, f"{url} still answers from the old index"
                time.sleep(0.2)
    finally:
        for app in apps:
            app.terminate()
    for app in apps:
        output = app.communicate(timeout=30)[0]
        assert "rag: index at change 2: from change 1, 1 written and 0 deleted since" in output
        assert output.count("read whole") == 1, output  # once, when it started
    kept = {n: list((tmp_path / f"app{n}").rglob("vectors.npy")) for n in (1, 2)}
    assert all(kept.values()) if dense == "exact" else not any(kept.values())
