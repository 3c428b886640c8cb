"""A sentence-transformers BERT encoder (such as all-MiniLM-L6-v2) run with NumPy.

Importing torch and transformers costs seconds before the first question can be
answered; the forward pass of a 6-layer, 384-wide BERT is a few matrix products. This
encoder reads the same files (``tokenizer.json``, ``model.safetensors``) and gives the
same vectors as sentence-transformers (cosine >= 0.9999, see tests), in a process that
starts in a fraction of the time. It serves questions and answer checking; ingest keeps
the torch encoder, whose batched throughput is higher.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float32]
#: Texts encoded together; batches are formed from texts of similar length.
BATCH = 32


def supported(folder: Path) -> bool:
    """Whether ``folder`` holds a BERT model with mean pooling this encoder can run."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    files = ("model.safetensors", "tokenizer.json")
    return (
        config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and bool(pooling.get("pooling_mode_mean_tokens"))
        and not any(
            v
            for k, v in pooling.items()
            if k.startswith("pooling_mode_") and "mean_tokens" not in k
        )
        and all((folder / name).is_file() for name in files)
    )


class NumpyBert:
    """Mean-pooled, L2-normalised BERT sentence vectors."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file

        self.config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.weights = _prepared(load_file(str(folder / "model.safetensors")))
        self.tokenizer = load_tokenizer(folder)
        self.heads = int(self.config["num_attention_heads"])
        self.eps = float(self.config.get("layer_norm_eps", 1e-12))

    def encode(self, texts: Sequence[str]) -> Array:
        """One unit-length vector per text, in order, computed on one BLAS thread (several
        threads spin against each other when requests or other processes share the cores)."""
        with _one_blas_thread():
            return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> Array:
        out = np.zeros((len(texts), int(self.config["hidden_size"])), dtype=np.float32)
        for chunk, ids, mask in length_batches(self.tokenizer, texts, BATCH):
            out[chunk] = self._pooled(ids, mask)
        return out

    def _pooled(self, ids: NDArray[np.int64], mask: Array) -> Array:
        hidden = self._forward(ids, mask)
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        mean = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(mean, axis=1, keepdims=True)
        return (mean / np.maximum(norms, 1e-12)).astype(np.float32)

    def _forward(self, ids: NDArray[np.int64], mask: Array) -> Array:
        w = self.weights
        length = ids.shape[1]
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for layer in range(int(self.config["num_hidden_layers"])):
            x = self._layer(x, bias, f"encoder.layer.{layer}.")
        return x

    def _layer(self, x: Array, bias: Array, p: str) -> Array:
        w = self.weights
        batch, length, width = x.shape
        flat = x.reshape(batch * length, width)
        qkv = flat @ w[p + "qkv.weight"] + w[p + "qkv.bias"]
        context = self._attention(qkv.reshape(batch, length, 3 * width), bias)
        attended = context.reshape(batch * length, width) @ w[p + "attention.output.dense.weight"]
        flat = self._norm(
            flat + attended + w[p + "attention.output.dense.bias"], p + "attention.output.LayerNorm"
        )
        inner = _gelu(flat @ w[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"])
        out = inner @ w[p + "output.dense.weight"] + w[p + "output.dense.bias"]
        return self._norm(flat + out, p + "output.LayerNorm").reshape(batch, length, width)

    def _attention(self, qkv: Array, bias: Array) -> Array:
        """Multi-head self-attention; ``qkv`` holds queries, keys and values side by side."""
        batch, length, triple = qkv.shape
        size = triple // (3 * self.heads)
        heads = np.ascontiguousarray(
            qkv.reshape(batch, length, 3, self.heads, size).transpose(2, 0, 3, 1, 4)
        )
        query, key, value = heads[0], heads[1], heads[2]
        scores = np.matmul(query, np.ascontiguousarray(key.transpose(0, 1, 3, 2)))
        scores = scores / np.float32(np.sqrt(size)) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = np.matmul(scores, value)
        return np.ascontiguousarray(context.transpose(0, 2, 1, 3)).reshape(batch, length, -1)

    def _norm(self, x: Array, name: str) -> Array:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        scaled = (x - mean) / np.sqrt(var + self.eps)
        return scaled * self.weights[name + ".weight"] + self.weights[name + ".bias"]


def _gelu(x: Array) -> Array:
    """GELU in its tanh form: within 1e-3 of the exact one, and many times faster in NumPy
    than ``erf``; the vectors stay within cosine 0.9999 of the reference."""
    inner = np.float32(np.sqrt(2.0 / np.pi)) * (x + np.float32(0.044715) * x * x * x)
    return np.asarray(np.float32(0.5) * x * (np.float32(1.0) + np.tanh(inner)), dtype=np.float32)


_CONTROLLER: Any = None


def _one_blas_thread() -> Any:
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def load_tokenizer(folder: Path) -> Any:
    """The model's fast tokenizer, truncating at its window and padding nothing."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=_max_length(folder))
    return tokenizer


def length_batches(
    tokenizer: Any, texts: Sequence[str], size: int
) -> Iterator[tuple[list[int], NDArray[np.int64], Array]]:
    """``texts`` tokenised and cut into batches of ``size`` texts of similar length, so
    little padding is computed: (positions in ``texts``, token ids, attention mask)."""
    encodings = tokenizer.encode_batch(list(texts))
    order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
    for start in range(0, len(order), size):
        chunk = order[start : start + size]
        ids, mask = _padded([encodings[i].ids for i in chunk])
        yield chunk, ids, mask


def _padded(rows: list[list[int]]) -> tuple[NDArray[np.int64], Array]:
    length = max(1, max(len(r) for r in rows))
    ids = np.zeros((len(rows), length), dtype=np.int64)
    mask = np.zeros((len(rows), length), dtype=np.float32)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1.0
    return ids, mask


def _max_length(folder: Path) -> int:
    try:
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config.get("max_seq_length", 256))
    except (OSError, ValueError):
        return 256


def _prepared(raw: dict[str, Any]) -> dict[str, Array]:
    """Weights without any ``bert.`` prefix, linear layers transposed to (in, out), and
    each layer's query/key/value fused into one product."""
    w = {k.removeprefix("bert."): np.asarray(v, dtype=np.float32) for k, v in raw.items()}
    for name in [
        k for k in w if k.endswith(".weight") and w[k].ndim == 2 and "embeddings" not in k
    ]:
        w[name] = np.ascontiguousarray(w[name].T)
    layers = {k.split(".attention.self.")[0] for k in w if ".attention.self." in k}
    for layer in layers:
        parts = [f"{layer}.attention.self.{n}" for n in ("query", "key", "value")]
        w[f"{layer}.qkv.weight"] = np.concatenate([w.pop(p + ".weight") for p in parts], axis=1)
        w[f"{layer}.qkv.bias"] = np.concatenate([w.pop(p + ".bias") for p in parts])
    return w
