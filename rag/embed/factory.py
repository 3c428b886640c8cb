"""The embedder factory: the bundled local MiniLM (default, by the runtime ``base.settle``
decides) or an OpenAI-compatible API. It only picks and makes an embedder; the models are
loaded (torch, ONNX Runtime imported) by the embedder classes when made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rag.embed.base import Embedder, local_model_path, settle
from rag.embed.local import LocalEmbedder, NumpyEmbedder, OnnxEmbedder
from rag.embed.minilm import supported
from rag.embed.remote import OpenAIEmbedder
from rag.errors import ConfigError
from rag.settings import Settings

BACKENDS: dict[str, Callable[[Settings], Any]] = {"local": LocalEmbedder, "openai": OpenAIEmbedder}


def create_embedder(settings: Settings, light: bool = False) -> Embedder:
    """The embedder that ``settings.embed_backend`` (and for the local model
    ``embed_runtime``) names. ``light`` asks for one that starts fast, for questions
    rather than bulk ingest: with the torch runtime, the NumPy encoder (the same float32
    vectors) where the model allows it."""
    settings = settle(settings)
    if settings.embed_backend == "local" and settings.embed_runtime.startswith("onnx"):
        return OnnxEmbedder(settings, light)
    if light and settings.embed_backend == "local" and settings.embed_runtime == "torch":
        folder = local_model_path(settings.embedding_model)
        if supported(folder):
            return NumpyEmbedder(settings, folder)
    factory = BACKENDS.get(settings.embed_backend)
    if factory is None:
        choices = ", ".join(sorted(BACKENDS))
        raise ConfigError(f"RAG_EMBED_BACKEND={settings.embed_backend!r}: choose one of {choices}")
    embedder: Embedder = factory(settings)
    return embedder
