"""Shared fixtures: every test runs in its own folder with a clean environment."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pytest

from rag.embed.base import BACKENDS, Vectors
from rag.index.chroma import pages
from rag.index.store import Store, open_store
from rag.index.sync import Ingestor, IngestReport
from rag.pipeline import Pipeline
from rag.settings import Settings

if TYPE_CHECKING:  # tests/fake_openai.py imports this module
    from tests.fake_openai import FakeOpenAI

REPO = Path(__file__).resolve().parent.parent
SEEDS = sorted((REPO / "corpus").glob("*.md"))

#: ``RAG_TEST_CHROMA=server`` runs the suite against a real Chroma server started on
#: 127.0.0.1, each test in its own collection, instead of embedded Chroma.
ON_SERVER = os.environ.get("RAG_TEST_CHROMA", "embedded") == "server"
_COLLECTIONS = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On a server, skip the tests of what only embedded Chroma has (files, OS locks)."""
    if not ON_SERVER:
        return
    skip = pytest.mark.skip(reason="embedded Chroma only")
    for item in items:
        if item.get_closest_marker("embedded_only"):
            item.add_marker(skip)


class FakeEmbedder:
    """Vectors that depend on the text (bag of hashed words), and a log of what was embedded."""

    calls: ClassVar[list[list[str]]] = []

    def __init__(self, settings: Settings) -> None:
        self.name = f"fake:{settings.embedding_model}"

    def embed(self, texts: Sequence[str]) -> Vectors:
        FakeEmbedder.calls.append(list(texts))
        return [text_vector(text) for text in texts]


def text_vector(text: str, dims: int = 16) -> list[float]:
    vector = [0.0] * dims
    for word in text.lower().split():
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % dims] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


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
    server: pointed at the test's own collection there); built models are shared."""
    for key in list(os.environ):
        if key.startswith(("RAG_", "OPENAI_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RAG_MODEL_CACHE", str(model_cache))
    if ON_SERVER:
        monkeypatch.setenv("RAG_CHROMA_URL", request.getfixturevalue("chroma_server"))
        monkeypatch.setenv("RAG_COLLECTION", f"test-{next(_COLLECTIONS)}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(BACKENDS, "fake", FakeEmbedder)
    FakeEmbedder.calls = []
    yield tmp_path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with the fake embedder and an index in the test's folder."""
    return Settings(index_dir=tmp_path / "index", embed_backend="fake", ingest_group=4)


def make_store(settings: Settings) -> Store:
    return open_store(settings)


def ingest(settings: Settings, *paths: Path | str) -> IngestReport:
    """One in-process ingest with the embedder the settings name."""
    ingestor = Ingestor.from_settings(settings, progress=False)
    return ingestor.run([Path(p) for p in paths] or [settings.corpus_dir])


def embedded_texts() -> list[str]:
    return [text for call in FakeEmbedder.calls for text in call]


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def make_corpus(folder: Path, count: int, paragraphs: int = 6) -> list[Path]:
    """``count`` distinct Markdown articles built from the seed texts' sentences."""
    sentences = [
        s.strip() + "."
        for seed in SEEDS
        for s in seed.read_text(encoding="utf-8").split("---")[-1].split(".")
        if len(s.split()) > 6
    ]
    paths = []
    for i in range(count):
        body = []
        for p in range(paragraphs):
            picked = [sentences[(i * 7 + p * 5 + k) % len(sentences)] for k in range(4)]
            body.append(f"Dispatch {i}.{p}: " + " ".join(picked))
        text = f"---\ntitle: Article {i}\noutlet: Test Wire\n---\n\n" + "\n\n".join(body) + "\n"
        paths.append(write(folder / f"article-{i:03d}.md", text))
    return paths


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


def rag_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "rag", *args]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server on 127.0.0.1, stopped after the session."""
    with start_chroma(tmp_path_factory.mktemp("chroma-server"), free_port()) as url:
        yield url


@contextlib.contextmanager
def start_chroma(data: Path, port: int) -> Iterator[str]:
    """Run ``chroma run`` on ``data`` at 127.0.0.1:``port`` until the block ends."""
    import urllib.request

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


def seeds_with(root: Path, files: dict[str, str]) -> Settings:
    """Settings of an index, built with the real model under ``root``, of the seed corpus
    and ``files`` (name: text) beside it."""
    shutil.copytree(REPO / "corpus", root / "corpus")
    for name, text in files.items():
        write(root / "corpus" / name, text)
    settings = Settings(index_dir=root / "index", corpus_dir=root / "corpus")
    ingest(settings)
    return settings


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    """A scripted OpenAI-compatible server on 127.0.0.1 (``tests/fake_openai.py``)."""
    from tests.fake_openai import fake_openai

    with fake_openai() as state:
        yield state


def llm_pipeline(settings: Settings, server: FakeOpenAI) -> Pipeline:
    """A pipeline on the index of ``settings`` whose answers the scripted ``server`` writes."""
    update = {"openai_base_url": server.url, "llm_model": "test-model", "llm_retries": 0}
    return Pipeline.from_settings(settings.model_copy(update=update))


def index_env(settings: Settings) -> dict[str, str]:
    """The environment that points a ``rag`` process at the index of ``settings``."""
    found = {"RAG_INDEX_DIR": str(settings.index_dir), "RAG_COLLECTION": settings.collection}
    return {**found, "RAG_CHROMA_URL": settings.chroma_url} if settings.chroma_url else found


def copy_index(settings: Settings, index_dir: Path) -> Settings:
    """A copy of the index of ``settings`` that a test may change."""
    if not settings.chroma_url:
        shutil.copytree(settings.index_dir, index_dir)
        return settings.model_copy(update={"index_dir": index_dir})
    name = f"{settings.collection}-copy-{next(_COLLECTIONS)}"
    copy = settings.model_copy(update={"index_dir": index_dir, "collection": name})
    source, target = open_store(settings), open_store(copy)
    for part in ("passages", "records"):
        include = ["documents", "metadatas", "embeddings"]
        for got in pages(getattr(source, part), include, source.batch):
            documents = got["documents"] if part == "passages" else None
            getattr(target, part).add(
                ids=got["ids"], documents=documents, metadatas=got["metadatas"],
                embeddings=got["embeddings"],
            )  # fmt: skip
    return copy
