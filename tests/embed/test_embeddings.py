"""Embedders: the bundled model offline, and the OpenAI path over real HTTP."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.embed.factory import create_embedder
from rag.embed.local import LocalEmbedder
from rag.errors import ConfigError, RagError
from rag.settings import Settings
from tests.support.fake_openai import fake_openai
from tests.support.fakes import text_vector
from tests.support.files import make_corpus
from tests.support.index import ingest, make_store


@pytest.fixture(scope="module")
def local() -> LocalEmbedder:
    return LocalEmbedder(Settings())


@pytest.mark.slow
def test_bundled_model_gives_normalised_vectors_that_track_meaning(local: LocalEmbedder) -> None:
    vectors = np.asarray(
        local.embed(
            [
                "Moscow is putting pressure on Astana.",
                "Russia pressures the government of Kazakhstan.",
                "Knead the dough and let the bread rise overnight.",
            ]
        )
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    related, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert related > 0.5 > unrelated
    assert local.name == "local:all-MiniLM-L6-v2"


def test_unknown_backends_and_models_are_named() -> None:
    with pytest.raises(ConfigError, match="RAG_EMBED_BACKEND='nope': choose one of"):
        create_embedder(Settings(embed_backend="nope"))
    with pytest.raises(ConfigError, match="RAG_EMBED_MODEL='bge-large' is neither"):
        create_embedder(Settings(embed_model="bge-large"))
    with pytest.raises(ConfigError, match="needs OPENAI_API_KEY"):
        create_embedder(Settings(embed_backend="openai"))


def openai_settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        embed_backend="openai",
        index_dir=tmp_path / "index",
        openai_api_key="sk-test",
        openai_base_url=url,
    )


def test_openai_embeddings_over_http_build_an_index(tmp_path: Path) -> None:
    make_corpus(Path("corpus"), 2)
    with fake_openai() as server:
        settings = openai_settings(server.url, tmp_path)
        report = ingest(settings)
    assert report.added == 2
    request = server.requests[0]
    assert request["path"] == "/v1/embeddings"
    assert request["model"] == "text-embedding-3-small"
    assert request["auth"] == "Bearer sk-test"
    got = make_store(settings).passages.get(include=["embeddings", "documents", "metadatas"])
    for vector, doc, meta in zip(
        got["embeddings"], got["documents"], got["metadatas"], strict=True
    ):
        assert np.allclose(vector, text_vector(f"{meta['title']}\n\n{doc}"))


def test_openai_transient_errors_are_retried_and_hard_errors_reported(tmp_path: Path) -> None:
    with fake_openai() as server:
        embedder = create_embedder(openai_settings(server.url, tmp_path))
        server.failures = [503]
        assert len(embedder.embed(["one", "two"])) == 2
        server.failures = [400]
        with pytest.raises(RagError, match="embedding request to the OpenAI API failed"):
            embedder.embed(["three"])
