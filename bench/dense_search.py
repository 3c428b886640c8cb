"""The dense step alone: Chroma's HNSW query, at several search widths (``ef_search``),
against an exact search over the same vectors.

Usage: python bench/dense_search.py [--passages 100000] [--queries 300] [--ef 50,100,200,400]

``--passages`` vectors go into an embedded Chroma collection per width (cosine space, made
with that ``ef_search``, the other HNSW settings at Chroma's defaults; Chroma 1.5 does not
apply a width changed later to an index already loaded): ``bench/scale.py``'s copies of
the real MiniLM vectors of the cached benchmark indexes (rtqa-dev, SciFact, SQuAD), each
its base plus Gaussian noise at a cosine of about 0.9 to it, so that neighbourhoods mean
what they mean for text. ``--queries`` real questions of those sets, embedded one at a time by the
project's embedder, are searched for their 50 nearest (the retriever's candidate count)
at each ``ef_search`` and by an exact NumPy search. Reported per width: the time to add
the vectors, p50/p95 ms and the share of the exact top 50 that HNSW returns (recall@50).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from common import DATA
from scale import DIMS, Generated, copies, exact_top, load_base, load_questions, sigma_for

from rag.embed.factory import create_embedder
from rag.settings import Settings

CANDIDATES = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--ef", default="50,100,200,400", help="ef_search values, comma-separated")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    base = load_base(["rtqa", "scifact", "squad"], args.data)
    embedder = create_embedder(Settings())
    questions = load_questions(args.data, args.queries)
    queries = np.asarray([embedder.embed([q])[0] for q in questions], dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    out = Generated(np.empty((args.passages, DIMS), np.float32))
    batches = list(copies(base, out, sigma_for(0.9), 5000))
    print(f"{args.passages} copies, cosine to their base {out.mean_cosine:.3f}")
    exact_rows = exact_top(out.vectors, queries, CANDIDATES)
    exact = [{f"scale-{i:07d}" for i in rows} for rows in exact_rows]
    seconds = []
    for query in queries:
        t = time.perf_counter()
        exact_top(out.vectors, query[None, :], CANDIDATES)
        seconds.append(time.perf_counter() - t)
    print("| search | into Chroma s | p50 ms | p95 ms | recall@50 |")
    print("|---|---:|---:|---:|---:|")
    print(f"| exact (NumPy) | | {row(seconds)} | 1.000 |")
    with tempfile.TemporaryDirectory(prefix="rag-dense-") as tmp:
        client = chromadb.PersistentClient(tmp, settings=ChromaSettings(anonymized_telemetry=False))
        for ef in (int(x) for x in args.ef.split(",")):
            collection = client.create_collection(
                f"ef{ef}", configuration={"hnsw": {"space": "cosine", "ef_search": ef}}
            )
            started = time.perf_counter()
            for passages, vectors in batches:
                collection.add(ids=[p.id for p in passages], embeddings=vectors)
            took = time.perf_counter() - started
            seconds, shares = [], []
            for query, wanted in zip(queries, exact, strict=True):
                t = time.perf_counter()
                got = collection.query(query_embeddings=[query], n_results=CANDIDATES, include=[])
                seconds.append(time.perf_counter() - t)
                shares.append(len(set(got["ids"][0]) & wanted) / CANDIDATES)
            print(f"| HNSW ef_search {ef} | {took:.0f} | {row(seconds)} | {np.mean(shares):.3f} |")
            client.delete_collection(f"ef{ef}")


def row(seconds: list[float]) -> str:
    p50, p95 = (float(np.percentile(seconds, q)) * 1000 for q in (50, 95))
    return f"{p50:.2f} | {p95:.2f}"


if __name__ == "__main__":
    main()
