"""The dense step alone: Chroma's HNSW query against the snapshot's exact search.

Usage: python bench/dense_search.py [--passages 100000] [--queries 300]

Questions are answered from the snapshot (``rag/index/snapshot.py``): an exact cosine search over
the float32 vectors held in memory, instead of a query to Chroma's HNSW index. This
measures what that costs at a given size. ``--passages`` random unit vectors of 384
dimensions (MiniLM's size, seed 7) go into an embedded Chroma collection (cosine space,
default HNSW settings) and into a snapshot; ``--queries`` random unit vectors are
searched for their 50 nearest (the retriever's candidate count) by both, taking turns.
Reported: p50/p95 ms of each, and the share of the exact top 50 that HNSW returns
(random vectors are a hard case for HNSW; real text embeddings cluster).
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

from rag.index import snapshot as snapshots
from rag.index.profile import UNIFORM

DIMS, CANDIDATES, SEED = 384, 50, 7


def unit(rows: int, rng: np.random.Generator) -> np.ndarray:
    vectors = rng.normal(size=(rows, DIMS)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    rng = np.random.default_rng(SEED)
    vectors, queries = unit(args.passages, rng), unit(args.queries, rng)
    ids = [f"p{i}" for i in range(args.passages)]
    columns = snapshots.Columns(ids=ids, articles=ids, outlets=[""] * len(ids), days=[0] * len(ids))
    snapshot = snapshots.Snapshot(
        None, columns, "bench", vectors, [], UNIFORM
    )  # nearest needs no texts
    with tempfile.TemporaryDirectory(prefix="rag-dense-") as tmp:
        client = chromadb.PersistentClient(tmp, settings=ChromaSettings(anonymized_telemetry=False))
        collection = client.create_collection("bench", metadata={"hnsw:space": "cosine"})
        started = time.perf_counter()
        step = client.get_max_batch_size()
        for i in range(0, len(ids), step):
            collection.add(ids=ids[i : i + step], embeddings=vectors[i : i + step])
        print(f"{args.passages} vectors into Chroma in {time.perf_counter() - started:.0f} s")
        times: dict[str, list[float]] = {"chroma_hnsw": [], "snapshot_exact": []}
        overlap = []
        for query in queries:
            t = time.perf_counter()
            got = collection.query(query_embeddings=[query], n_results=CANDIDATES, include=[])
            times["chroma_hnsw"].append(time.perf_counter() - t)
            t = time.perf_counter()
            exact = snapshot.nearest(query, CANDIDATES)
            times["snapshot_exact"].append(time.perf_counter() - t)
            overlap.append(len(set(got["ids"][0]) & {pid for pid, _ in exact}) / CANDIDATES)
    base = float(np.percentile(times["chroma_hnsw"], 50))
    print("| search | p50 ms | p95 ms | p50 ÷ Chroma |")
    print("|---|---:|---:|---:|")
    for name, seconds in times.items():
        p50, p95 = (float(np.percentile(seconds, q)) for q in (50, 95))
        print(f"| {name} | {p50 * 1000:.2f} | {p95 * 1000:.2f} | {p50 / base:.2f} |")
    print(f"HNSW recall of the exact top {CANDIDATES}: {np.mean(overlap):.3f}")


if __name__ == "__main__":
    main()
