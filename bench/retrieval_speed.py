"""Retrieval latency at 100,000 passages: the project's hybrid against llama-index.

Usage: python bench/retrieval_speed.py [--data ../shared/bench-data] [--passages 100000]
       [--queries 300] [--fresh] [--profile] [--out bench/results/retrieval_speed.json]

The collection is made from the real passages and vectors of the cached SciFact and
SQuAD indexes (see ``retrieval_quality.py``), read back from Chroma: the originals, then
variants of them until there are ``--passages``: sentences shuffled and 15 % of the words
dropped, the vector moved by Gaussian noise (sigma 0.02 per dimension) and re-normalised.
They are written with ``Store.upsert`` and indexed for BM25 with ``Store.refresh_snapshot``,
and cached under ``bench/results/``.

Queries are real SciFact claims and SQuAD questions; each is answered by every peer in
turn (the order rotating per query), query embedding included, after a few warm-ups:
our ``Retriever.retrieve`` (hybrid), ``Retriever.dense``, ``Retriever.bm25``, and a plain
llama-index ``VectorStoreIndex`` retriever over the same Chroma collection, embedding with
llama-index's ``HuggingFaceEmbedding`` on the same local model folder.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from common import (
    DATA,
    RESULTS,
    index_key,
    scifact_queries,
    scifact_store,
    squad_queries,
    squad_store,
)

from rag.embed.base import local_model_path
from rag.embed.factory import create_embedder
from rag.index.open import open_index
from rag.index.passages import to_passage
from rag.index.store import Store
from rag.retrieve.collapse import collapse
from rag.retrieve.retriever import Retriever, candidate_cosines, convex_scores
from rag.settings import Settings
from rag.types import Hit, Passage

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
NOISE = 0.02
WARMUP = 10


# the collection ---------------------------------------------------------------------


def originals(store: Store) -> Iterator[tuple[Passage, np.ndarray]]:
    """Every passage of ``store`` with its stored vector."""
    offset = 0
    while True:
        got = store.passages.get(
            include=["documents", "metadatas", "embeddings"], limit=1000, offset=offset
        )
        if not len(got["ids"]):
            return
        rows = zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)
        for pid, text, meta, vector in rows:
            yield to_passage(pid, text, meta), np.asarray(vector, dtype=np.float32)
        offset += len(got["ids"])


def vary(
    passage: Passage, vector: np.ndarray, copy: int, rng: np.random.Generator
) -> tuple[Passage, np.ndarray]:
    """A variant of a passage: sentences shuffled, some words dropped, the vector moved."""
    sentences = _SENTENCE.split(passage.text)
    words = " ".join(sentences[i] for i in rng.permutation(len(sentences))).split()
    drop = rng.random(len(words)) < 0.15
    text = " ".join(w for w, d in zip(words, drop, strict=True) if not d) or passage.text
    moved = vector + rng.normal(0.0, NOISE, size=vector.shape).astype(np.float32)
    moved /= np.linalg.norm(moved)
    variant = replace(
        passage,
        id=f"{passage.id}~{copy}",
        article_id=f"{passage.article_id}~{copy}",
        text=text,
        end=passage.start + len(text),
    )
    return variant, moved


def build_collection(sources: Sequence[Store], total: int, folder: Path) -> Store:
    """``total`` passages: the sources' own, then numbered variants of them, in ``folder``."""
    base = list(p for store in sources for p in originals(store))
    store, _ = open_index(Settings(index_dir=folder))  # a new folder: an empty index
    rng = np.random.default_rng(7)
    batch: list[tuple[Passage, np.ndarray]] = []
    for i in range(total):
        passage, vector = base[i % len(base)]
        copy = i // len(base)
        batch.append((passage, vector) if copy == 0 else vary(passage, vector, copy, rng))
        if len(batch) == 5000 or i == total - 1:
            store.upsert([p for p, _ in batch], np.stack([v for _, v in batch]))
            batch = []
    store.refresh_snapshot()
    return store


def speed_store(data: Path, total: int, fresh: bool) -> tuple[Store, Settings]:
    """The cached ``total``-passage collection, built now when missing (or ``fresh``)."""
    folder = RESULTS / f"speed-{total}-{index_key('scifact+squad', Settings())}"
    done = folder / "built.json"
    if fresh or not done.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        sources = [scifact_store(data / "scifact")[0], squad_store(data / "squad")[0]]
        started = time.perf_counter()
        store = build_collection(sources, total, folder)
        meta = {"passages": store.count(), "seconds": round(time.perf_counter() - started, 1)}
        done.write_text(json.dumps(meta), encoding="utf-8")
    return open_index(Settings(index_dir=folder))


# the peers --------------------------------------------------------------------------

Peer = Callable[[str], object]


def llama_index_retriever(store: Store, settings: Settings, k: int) -> Any:
    """A plain llama-index vector retriever over the same Chroma collection and model."""
    from llama_index.core import VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    model = HuggingFaceEmbedding(
        model_name=str(local_model_path(settings.embedding_model)), device=settings.embed_device
    )
    vector_store = ChromaVectorStore(chroma_collection=store.passages)
    index = VectorStoreIndex.from_vector_store(vector_store, embed_model=model)
    return index.as_retriever(similarity_top_k=k)


def peers(retriever: Retriever, llama: Any, k: int) -> dict[str, Peer]:
    """Each timed way of answering a query with ``k`` passages."""
    return {
        "ours_hybrid": lambda q: retriever.retrieve(q, k),
        "ours_dense": lambda q: retriever.dense(q, k),
        "ours_bm25": lambda q: retriever.bm25(q, k),
        "llamaindex_dense": lambda q: llama.retrieve(q),
    }


def measure(timed: dict[str, Peer], queries: Sequence[str]) -> dict[str, list[float]]:
    """Seconds per query of each peer, the peers taking turns (order rotating per query)."""
    names = list(timed)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i, query in enumerate(queries):
        turn = i % len(names)
        for name in names[turn:] + names[:turn]:
            started = time.perf_counter()
            timed[name](query)
            samples[name].append(time.perf_counter() - started)
    return samples


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95 and mean in milliseconds."""
    ms = np.asarray(seconds) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "mean_ms": round(float(ms.mean()), 2),
    }


def profile(retriever: Retriever, queries: Sequence[str], k: int) -> dict[str, dict[str, float]]:
    """Where the hybrid's time goes: ``retrieve``'s steps (convex fusion), timed one by one."""
    steps: dict[str, list[float]] = {}

    def timed(name: str, started: float) -> float:
        now = time.perf_counter()
        steps.setdefault(name, []).append(now - started)
        return now

    n = max(retriever.candidates, k)
    snapshot = retriever.snapshot()
    fusion = retriever.fusion_for(snapshot)
    for query in queries:
        t = time.perf_counter()
        vector = np.asarray(retriever.embedder.embed([query])[0], dtype=np.float32)
        t = timed("embed_query", t)
        dense = snapshot.nearest(vector, n)
        t = timed("dense", t)
        bm25_scores = snapshot.scores(query)
        sparse = snapshot.top(bm25_scores, n)
        t = timed("bm25", t)
        cosine = candidate_cosines(dense, sparse, partial(snapshot.cosine, vector=vector))
        scores = convex_scores(fusion, snapshot, cosine, bm25_scores)
        order = sorted(scores, key=lambda pid: -scores[pid])[: 3 * k]
        t = timed("fuse", t)
        found = snapshot.get(order)
        t = timed("fetch_passages", t)
        hits = [Hit(found[pid], scores[pid], None, None) for pid in order if pid in found]
        collapse(hits, k, retriever.duplicate_threshold)
        timed("collapse", t)
    return {name: summary(values) for name, values in steps.items()}


# main -------------------------------------------------------------------------------


def bench_queries(data: Path, count: int) -> list[str]:
    """``count`` real questions, half SciFact claims and half SQuAD questions, interleaved."""
    claims = [q.text for q in scifact_queries(data / "scifact")]
    squad = [q.text for q in squad_queries(data / "squad")]
    half = count // 2 + 1
    squad = squad[:: max(1, len(squad) // half)]
    mixed = [q for pair in zip(claims[:half], squad[:half], strict=False) for q in pair]
    return mixed[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached collection")
    parser.add_argument("--profile", action="store_true", help="also time the hybrid's steps")
    parser.add_argument("--out", type=Path, default=RESULTS / "retrieval_speed.json")
    args = parser.parse_args()
    store, settings = speed_store(args.data, args.passages, args.fresh)
    k = settings.top_k
    retriever = Retriever(store, create_embedder(settings, light=True), settings)
    timed = peers(retriever, llama_index_retriever(store, settings, k), k)
    queries = bench_queries(args.data, args.queries + WARMUP)
    measure(timed, queries[:WARMUP])
    results = report(store, settings, measure(timed, queries[WARMUP:]))
    if args.profile:
        results["hybrid_steps"] = profile(retriever, queries[WARMUP:], k)
    text = json.dumps(results, indent=2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


def report(store: Store, settings: Settings, samples: dict[str, list[float]]) -> dict[str, Any]:
    """Latencies of every peer and ours ÷ llama-index."""
    stats = {name: summary(values) for name, values in samples.items()}
    peer = stats["llamaindex_dense"]
    ratios = {
        f"{name}_over_llamaindex_{key}": round(values[key] / peer[key], 3)
        for name, values in stats.items()
        if name != "llamaindex_dense"
        for key in ("p50_ms", "p95_ms")
    }
    keys = ("top_k", "candidates", "fusion", "rrf_k", "bm25_weight")
    return {
        "passages": store.count(),
        "queries": len(next(iter(samples.values()))),
        "settings": {key: getattr(settings, key) for key in keys},
        "latency": stats,
        "ratios": ratios,
    }


if __name__ == "__main__":
    main()
