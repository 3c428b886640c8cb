"""Indexes for tests: built in process with the embedder the settings name, copied for a
test to change, and pointed at by a ``rag`` process's environment or a pipeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.embed.factory import create_embedder
from rag.index import snapshot as snapshots
from rag.index.chroma import pages
from rag.index.open import open_index, snapshot_root
from rag.index.snapshot import Snapshot
from rag.index.store import Store
from rag.index.sync import Ingestor, IngestReport
from rag.pipeline import Pipeline
from rag.retrieve.retriever import Retriever
from rag.settings import Settings
from tests.support.files import REPO, write
from tests.support.servers import COLLECTIONS

if TYPE_CHECKING:
    from tests.support.fake_openai import FakeOpenAI


def make_store(settings: Settings) -> Store:
    """The store of the index of ``settings``."""
    return open_index(settings)[0]


def retriever(settings: Settings) -> Retriever:
    """A retriever over the index ``settings`` point at."""
    return Retriever(open_index(settings)[0], create_embedder(settings), settings)


def ingest(settings: Settings, *paths: Path | str) -> IngestReport:
    """One in-process ingest with the embedder the settings name."""
    ingestor = Ingestor.from_settings(settings, progress=False)
    return ingestor.run([Path(p) for p in paths] or [settings.corpus_dir])


def seeds_with(root: Path, files: dict[str, str], **given: Any) -> Settings:
    """Settings of an index, built with the real model under ``root``, of the seed corpus
    and ``files`` (name: text) beside it; ``given`` are further settings (a Chroma server
    and collection for an index a ``rag`` process must find there too)."""
    shutil.copytree(REPO / "corpus", root / "corpus")
    for name, text in files.items():
        write(root / "corpus" / name, text)
    settings = Settings(index_dir=root / "index", corpus_dir=root / "corpus", **given)
    ingest(settings)
    return settings


def index_env(settings: Settings) -> dict[str, str]:
    """The environment that points a ``rag`` process at the index of ``settings``."""
    found = {"RAG_INDEX_DIR": str(settings.index_dir), "RAG_COLLECTION": settings.collection}
    return {**found, "RAG_CHROMA_URL": settings.chroma_url} if settings.chroma_url else found


def copy_index(settings: Settings, index_dir: Path) -> Settings:
    """A copy of the index of ``settings`` that a test may change."""
    if not settings.chroma_url:
        shutil.copytree(settings.index_dir, index_dir)
        return settings.model_copy(update={"index_dir": index_dir})
    name = f"{settings.collection}-copy-{next(COLLECTIONS)}"
    copy = settings.model_copy(update={"index_dir": index_dir, "collection": name})
    source, target = make_store(settings), make_store(copy)
    for part in ("passages", "records"):
        include = ["documents", "metadatas", "embeddings"]
        for got in pages(getattr(source, part), include, source.batch):
            documents = got["documents"] if part == "passages" else None
            getattr(target, part).add(
                ids=got["ids"], documents=documents, metadatas=got["metadatas"],
                embeddings=got["embeddings"],
            )  # fmt: skip
    return copy


def columns_file(settings: Settings) -> Path:
    """The ``columns.json`` of the current snapshot of the index of ``settings``."""
    root = snapshot_root(settings)
    pointer = root / f"{open_index(settings)[0].name}.current"
    return root / pointer.read_text(encoding="utf-8").strip() / "columns.json"


def copy_without(settings: Settings, index_dir: Path, key: str) -> tuple[Settings, Snapshot]:
    """A copy of the index of ``settings`` whose saved snapshot lacks ``key`` in its
    ``columns.json`` (as saved before that field existed), and that snapshot as loaded."""
    copy = copy_index(settings, index_dir)
    retriever(copy).snapshot()  # on a server, the copy's snapshot is first saved here
    meta = json.loads(columns_file(copy).read_text(encoding="utf-8"))
    del meta[key]
    columns_file(copy).write_text(json.dumps(meta), encoding="utf-8")
    legacy = snapshots.load(snapshot_root(copy), open_index(copy)[0].name)
    assert legacy is not None
    return copy, legacy


def llm_pipeline(settings: Settings, server: FakeOpenAI) -> Pipeline:
    """A pipeline on the index of ``settings`` whose answers the scripted ``server`` writes."""
    update = {"openai_base_url": server.url, "llm_model": "test-model", "llm_retries": 0}
    return Pipeline.from_settings(settings.model_copy(update=update))
