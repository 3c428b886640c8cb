"""The embedding runtimes on BEIR SciFact, in one run: ingest speed, retrieval quality and
question latency of the default (ONNX Runtime) against float32 sentence-transformers.

Usage: python bench/embed_runtimes.py [--data ../shared/bench-data/scifact]
                                      [--runtimes auto,onnx,torch-bf16]

1. Batch size: passages/s of each ONNX runtime on 1,000 passages taken evenly from the
   corpus, at several batch sizes.
2. Ingest: ``Ingestor.run`` of ``corpus.jsonl`` into an empty embedded index with the
   default settings (``RAG_EMBED_RUNTIME=auto``) and with each other runtime named,
   timed from start to end (reading, splitting, the model's start, embedding, Chroma
   writes); an ONNX model is built beforehand and that one-time build timed on its own.
3. Float32: ``SentenceTransformer.encode`` of exactly the passage texts the ingest
   embedded (batch 32, normalised, the model loaded), timed around ``encode`` alone; its
   vectors are written to a third index (runtime ``torch``), untimed.
4. Quality: the 300 test claims on each index as ``rag ask`` retrieves, each index's
   questions embedded by its own runtime (``create_embedder(light=True)``); nDCG@10 of
   dense alone and of the product's hybrid retrieval; cosine of each runtime's passage
   vectors to the float32 ones.
5. Question latency: each claim embedded alone by each runtime's question embedder,
   interleaved; the median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from common import scifact_queries
from ingest_scifact import passage_texts
from retrieval_quality import SETS, evaluate, run_queries

from rag.embed.base import Embedder, Vectors
from rag.embed.factory import create_embedder
from rag.embed.local import LocalEmbedder
from rag.embed.onnx_model import OnnxBert, model_file
from rag.index.open import open_index
from rag.index.store import Store
from rag.index.sync import Ingestor
from rag.retrieve.retriever import Retriever
from rag.settings import Settings

BATCHES = (1, 4, 8, 16, 32)
#: An index opened, with the settings to embed for it (``open_index``).
Opened = tuple[Store, Settings]


class Precomputed:
    """An embedder that hands out vectors computed before, by text."""

    def __init__(self, name: str, vectors: dict[str, Any]) -> None:
        self.name = name
        self.vectors = vectors

    def embed(self, texts: Sequence[str]) -> Vectors:
        return cast(Vectors, np.asarray([self.vectors[t] for t in texts]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/bench-data/scifact"))
    parser.add_argument("--runtimes", default="auto,onnx,torch-bf16", help="comma-separated")
    args = parser.parse_args()
    corpus = args.data / "corpus.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(model_cache=Path(tmp) / "models")
        texts = passage_texts(base, corpus)
        runtimes = args.runtimes.split(",")
        results: dict[str, Any] = {"passages": len(texts)}
        results["batch_sizes"] = batch_sweep(base, texts[:: len(texts) // 1000][:1000])
        stores: dict[str, Opened] = {}
        for runtime in runtimes:
            settings = base.model_copy(
                update={"embed_runtime": runtime, "index_dir": Path(tmp) / runtime}
            )
            results[runtime], stores[runtime] = timed_ingest(settings, corpus)
        results["torch"], stores["torch"] = float32_reference(
            base, corpus, texts, Path(tmp) / "torch"
        )
        reference = passage_vectors(stores["torch"][0])
        queries = scifact_queries(args.data)
        for name, opened in stores.items():
            results[name]["quality"] = quality(opened, queries, reference)
        results["question_ms_p50"] = question_latency(stores, [q.text for q in queries])
        speed = results["torch"]["passages_per_s"]
        for runtime in runtimes:
            results[runtime]["ingest_over_float32"] = round(
                results[runtime]["ingest_passages_per_s"] / speed, 3
            )
    print(json.dumps(results, indent=2))


def batch_sweep(settings: Settings, texts: list[str]) -> dict[str, dict[str, float]]:
    """Passages/s of each ONNX runtime by batch size (its model built here if missing)."""
    from rag.embed.base import local_model_path

    folder = local_model_path(settings.embedding_model)
    rates: dict[str, dict[str, float]] = {}
    for runtime in ("onnx-int8", "onnx"):
        model = model_file(folder, runtime, settings.model_cache or Path("models"))
        rates[runtime] = {}
        for size in BATCHES:
            encoder = OnnxBert(folder, model, size)
            started = time.perf_counter()
            encoder.encode(texts)
            rates[runtime][str(size)] = round(len(texts) / (time.perf_counter() - started), 2)
    return rates


def timed_ingest(settings: Settings, corpus: Path) -> tuple[dict[str, Any], Opened]:
    """Build the runtime's model (timed apart), then the whole ingest into a new index."""
    store, settled = open_index(settings)
    started = time.perf_counter()
    create_embedder(settled, light=True)  # builds the ONNX model once, cached
    build = time.perf_counter() - started
    report = Ingestor.from_settings(settings, progress=True).run([corpus])
    return {
        "runtime": settled.embed_runtime,
        "embedder": store.fingerprint()["rag:embedder"],
        "model_build_s": round(build, 1),
        "ingest_s": round(report.seconds, 1),
        "ingest_passages_per_s": round(report.rate, 2),
    }, open_index(settings)


def float32_reference(
    base: Settings, corpus: Path, texts: list[str], index: Path
) -> tuple[dict[str, Any], Opened]:
    """Float32 sentence-transformers: time ``encode``, then store its vectors (untimed)."""
    settings = base.model_copy(update={"embed_runtime": "torch", "index_dir": index})
    model = LocalEmbedder(settings).model
    started = time.perf_counter()
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
    seconds = time.perf_counter() - started
    store, settings = open_index(settings)
    by_text = dict(zip(texts, vectors, strict=True))
    embedder = Precomputed(store.fingerprint()["rag:embedder"], by_text)
    Ingestor(settings, store, lambda: embedder, progress=False).run([corpus])
    return {
        "runtime": "torch",
        "embedder": store.fingerprint()["rag:embedder"],
        "encode_s": round(seconds, 1),
        "passages_per_s": round(len(texts) / seconds, 2),
        "batch_size": 32,
    }, (store, settings)


def passage_vectors(store: Store) -> dict[str, np.ndarray]:
    got = store.passages.get(include=["embeddings"])
    return {pid: np.asarray(v) for pid, v in zip(got["ids"], got["embeddings"], strict=True)}


def quality(opened: Opened, queries: Sequence[Any], reference: dict[str, np.ndarray]) -> dict:
    """nDCG@10 (dense, hybrid) with the index's own question embedder, and the cosine of
    its passage vectors to the float32 ones."""
    store, settings = opened
    embedder: Embedder = create_embedder(settings, light=True)
    _, _, hybrid_k, depth = SETS["scifact"]
    run = run_queries(Retriever(store, embedder, settings), queries, hybrid_k, depth)
    scores = evaluate("scifact", run, queries)
    mine = passage_vectors(store)
    cosines = np.array([float(mine[pid] @ reference[pid]) for pid in reference])
    return {
        "question_embedder": type(embedder).__name__,
        "dense_ndcg@10": scores["dense"]["ndcg@10"],
        "hybrid_ndcg@10": scores["hybrid"]["ndcg@10"],
        "cosine_to_float32_min": round(float(cosines.min()), 5),
        "cosine_to_float32_mean": round(float(cosines.mean()), 6),
    }


def question_latency(stores: dict[str, Opened], questions: list[str]) -> dict[str, float]:
    """Median milliseconds to embed one question, each runtime's question embedder."""
    embedders = {
        name: create_embedder(settings, light=True) for name, (_, settings) in stores.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in embedders}
    for text in questions:
        for name, embedder in embedders.items():
            started = time.perf_counter()
            embedder.embed([text])
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: round(statistics.median(values), 2) for name, values in samples.items()}


if __name__ == "__main__":
    main()
