"""The local model's embedders: sentence-transformers (``LocalEmbedder``, torch), the
same model run with NumPy (``NumpyEmbedder``) or by ONNX Runtime (``OnnxEmbedder``).

torch, sentence-transformers and ONNX Runtime are imported only when an embedder is made,
so importing this module stays fast; the runtime is chosen in ``base.py``, not here."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from rag.embed import onnx_model
from rag.embed.base import Vectors, batch_size, embedder_name, local_model_path, settle
from rag.embed.minilm import NumpyBert, supported
from rag.errors import ConfigError
from rag.settings import Settings


class LocalEmbedder:
    """sentence-transformers on this machine; the default model ships in a Python package."""

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        bf16 = settle(settings).embed_runtime == "torch-bf16"
        settings = settings.model_copy(update={"embed_runtime": "torch-bf16" if bf16 else "torch"})
        self.name = embedder_name(settings)
        self.batch_size = batch_size(settings)
        path = local_model_path(settings.embedding_model)
        self.model = SentenceTransformer(str(path), device=settings.embed_device)
        if bf16:
            import torch

            self.model.to(torch.bfloat16)

    def embed(self, texts: Sequence[str]) -> Vectors:
        vectors: Any = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        # Normalised again in float32: a bfloat16 model's own normalisation is rounded.
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return cast(Vectors, vectors / np.maximum(norms, 1e-12))


class NumpyEmbedder:
    """The bundled model run with NumPy (see ``rag.embed.minilm``): the same vectors as
    ``LocalEmbedder``, without importing torch; for questions and answer checking."""

    def __init__(self, settings: Settings, folder: Path) -> None:

        self.name = embedder_name(settings.model_copy(update={"embed_runtime": "torch"}))
        self.model = NumpyBert(folder)

    def embed(self, texts: Sequence[str]) -> Vectors:
        return cast(Vectors, self.model.encode(texts))


class OnnxEmbedder:
    """The local model run by ONNX Runtime (``rag.embed.onnx_model``), built on first use and
    cached under ``index/models/``. ``light`` runs it on one thread, for questions."""

    def __init__(self, settings: Settings, light: bool = False) -> None:

        runtime = settings.embed_runtime
        folder = local_model_path(settings.embedding_model)
        if not onnx_model.available():
            raise ConfigError(f"RAG_EMBED_RUNTIME={runtime} needs onnxruntime, not found here")
        if not supported(folder):
            raise ConfigError(
                f"RAG_EMBED_RUNTIME={runtime} runs BERT models with mean pooling; "
                f"{settings.embedding_model} is not one: set RAG_EMBED_RUNTIME=torch"
            )
        self.name = embedder_name(settings)
        cache = settings.model_cache or settings.index_dir / "models"
        model = onnx_model.model_file(folder, runtime, cache)
        self.model = onnx_model.OnnxBert(
            folder, model, batch_size(settings), threads=1 if light else 0
        )

    def embed(self, texts: Sequence[str]) -> Vectors:
        return cast(Vectors, self.model.encode(texts))
