"""The same index code against a real Chroma server through RAG_CHROMA_URL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rag.errors import StoreError
from rag.index.chroma import open_client
from rag.index.open import open_index
from rag.index.stats import index_stats
from rag.settings import Settings
from tests.support.cli import rag_command
from tests.support.files import make_corpus
from tests.support.index import ingest
from tests.support.servers import free_port, shell_env

pytestmark = pytest.mark.slow


def test_ingest_and_stats_through_a_chroma_server(chroma_server: str, tmp_path: Path) -> None:
    make_corpus(Path("corpus"), 3)
    settings = Settings(
        chroma_url=chroma_server, collection="server-test", embed_backend="fake", ingest_group=4
    )
    first = ingest(settings)
    second = ingest(settings)
    assert first.added == 3 and second.unchanged == 3 and second.embedded == 0
    stats = index_stats(settings)
    assert stats["index"] == chroma_server
    assert stats["articles"] == 3 and stats["passages"] == first.passages
    assert not (tmp_path / "index" / "chroma.sqlite3").exists()  # passages live on the server
    cached = list((tmp_path / "index" / "bm25").glob("127.0.0.1-*/server-test.current"))
    assert len(cached) == 1  # the snapshot is cached locally, per server


def test_the_cli_uses_the_server_with_the_real_model(chroma_server: str, tmp_path: Path) -> None:
    make_corpus(tmp_path / "corpus", 2)
    extra = {"RAG_CHROMA_URL": chroma_server, "RAG_COLLECTION": "cli-server"}
    run = subprocess.run(
        rag_command("ingest", "--json"), env=shell_env(**extra), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    stats = subprocess.run(
        rag_command("stats", "--json"), env=shell_env(**extra), capture_output=True, text=True
    )
    assert json.loads(stats.stdout)["passages"] == json.loads(run.stdout)["passages"] > 0


def test_an_unreachable_server_is_one_clear_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match=f"cannot reach the Chroma server at RAG_CHROMA_URL={url}"):
        open_client(Settings(chroma_url=url))
    with pytest.raises(StoreError, match="is not http"):
        open_client(Settings(chroma_url="chroma.local:8000"))


def test_a_relative_index_folder_follows_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(index_dir=Path("index"), chroma_url=None, collection="passages")
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)
        store = open_index(settings)[0]
        assert store.records.get()["ids"] == []  # not the other folder's records
        store.records.upsert(ids=[name], embeddings=[[0.0]])
    assert (tmp_path / "second" / "index" / "chroma.sqlite3").is_file()
