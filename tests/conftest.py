"""Shared fixtures and pytest hooks: every test runs in its own folder with a clean
environment. The helpers the tests share are in ``tests/support/``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.embed.factory import BACKENDS
from rag.index.sync import Ingestor
from rag.settings import Settings
from tests.support.fake_openai import FakeOpenAI, fake_openai
from tests.support.fakes import FakeEmbedder
from tests.support.files import REPO
from tests.support.servers import COLLECTIONS, ON_SERVER, free_port, start_chroma


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On a server, skip the tests of what only embedded Chroma has (files, OS locks)."""
    if not ON_SERVER:
        return
    skip = pytest.mark.skip(reason="embedded Chroma only")
    for item in items:
        if item.get_closest_marker("embedded_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the ONNX models built from the bundled model, shared by every test's
    index, so the model is built once per run."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def isolated(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    model_cache: Path,
) -> Iterator[Path]:
    """Run in a temp folder with no RAG_/OPENAI_ settings leaking in from outside (on a
    server: pointed at the test's own collection there, what an ingest removes removed
    with no grace); built models are shared."""
    for key in list(os.environ):
        if key.startswith(("RAG_", "OPENAI_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RAG_MODEL_CACHE", str(model_cache))
    monkeypatch.setenv("RAG_DELETE_GRACE_SECONDS", "0")
    if ON_SERVER:
        monkeypatch.setenv("RAG_CHROMA_URL", request.getfixturevalue("chroma_server"))
        monkeypatch.setenv("RAG_COLLECTION", f"test-{next(COLLECTIONS)}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(BACKENDS, "fake", FakeEmbedder)
    FakeEmbedder.calls = []
    yield tmp_path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with the fake embedder and an index in the test's folder; a question sees
    an ingest at once (the tests ingest and ask in turn)."""
    return Settings(
        index_dir=tmp_path / "index", embed_backend="fake", ingest_group=4, recheck_seconds=0
    )


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server on 127.0.0.1, stopped after the session."""
    with start_chroma(tmp_path_factory.mktemp("chroma-server"), free_port()) as url:
        yield url


@pytest.fixture(scope="session")
def seed_index(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, model_cache: Path
) -> Settings:
    """Settings of an index of the seed corpus built once with the real model (read only:
    a test that changes it works on ``copy_index``)."""
    index = tmp_path_factory.mktemp("seed") / "index"
    server = request.getfixturevalue("chroma_server") if ON_SERVER else None
    settings = Settings(
        index_dir=index,
        corpus_dir=REPO / "corpus",
        chroma_url=server,
        collection="seed",
        model_cache=model_cache,
    )
    Ingestor.from_settings(settings, progress=False).run([REPO / "corpus"])
    return settings


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    """A scripted OpenAI-compatible server on 127.0.0.1 (``tests/support/fake_openai.py``)."""
    with fake_openai() as state:
        yield state
