"""Retrieval quality on BEIR SciFact, SQuAD v1.1 dev and the news set rtqa-dev: dense, BM25
and hybrid.

Usage: python bench/retrieval_quality.py [--data ../shared/bench-data] [--fresh] [--grid]
       [--sets scifact,squad,rtqa-dev] [--limit N] [--out bench/results/retrieval_quality.json]

The corpora go through the project's own ``Ingestor`` (jsonl articles, the project's
chunks and embedder) into indexes cached under ``bench/results/``. Every run then asks
the project's ``Retriever`` for each query: dense alone and BM25 alone (300 passages deep
on SciFact, 100 on SQuAD), and ``retrieve``, the hybrid with the product's default
settings. Passage rankings become document rankings by each document's best-ranked passage.

SciFact: nDCG@10 on the 300 test claims, recall@100 for dense and BM25. SQuAD: recall@1/5/10
and MRR@10 over the 10,570 questions, gold = the paragraph the question was written on.
rtqa-dev: recall@1/5/10 and MRR@10 over the 3,824 news questions, gold = the entry whose
text is the question's gold quote. A hybrid hit whose near-duplicates were folded into it
counts as each of their documents. Hybrid latency: p50/p95 of ``retrieve`` with the
question embedded as ``rag ask`` does, over 300 questions spaced evenly through the set.
``--grid`` also scores fusion settings on the same candidate lists (no duplicate collapse);
the lists are kept in ``bench/results/candidates-<set>.pkl`` and ``--grid-only`` scores the
grid on them without querying again.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from common import (
    DATA,
    RESULTS,
    Query,
    doc_id,
    rtqa_queries,
    rtqa_store,
    scifact_queries,
    scifact_store,
    squad_queries,
    squad_store,
)
from tqdm import tqdm

from rag.embed.base import Embedder, Vectors
from rag.embed.factory import create_embedder
from rag.index.store import Store
from rag.retrieve.fusion import Fusion, convex, rrf
from rag.retrieve.retriever import Retriever
from rag.settings import Settings

Scored = list[tuple[str, float]]
Metric = Callable[[Sequence[str], dict[str, int]], float]


class CachedEmbedder:
    """The local embedder, with every benchmark query embedded up front in one batch."""

    def __init__(self, inner: Embedder, texts: Iterable[str]) -> None:
        self.inner = inner
        self.name = inner.name
        unique = sorted(set(texts))
        self.vectors = dict(zip(unique, inner.embed(unique), strict=True))

    def embed(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in texts if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.inner.embed(missing), strict=True))
        return [self.vectors[t] for t in texts]


# metrics ----------------------------------------------------------------------


def ndcg(ranking: Sequence[str], gold: dict[str, int], k: int = 10) -> float:
    """nDCG@k with linear gains (as pytrec_eval / BEIR compute it)."""
    dcg = sum(gold.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    ideal = sorted(gold.values(), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def recall(k: int) -> Metric:
    """Share of the gold documents in the first ``k``."""
    return lambda ranking, gold: len(set(ranking[:k]) & set(gold)) / len(gold)


def mrr(ranking: Sequence[str], gold: dict[str, int], k: int = 10) -> float:
    """Reciprocal rank of the first gold document within the first ``k`` (0 when none)."""
    return next((1.0 / (i + 1) for i, d in enumerate(ranking[:k]) if d in gold), 0.0)


RANKS: dict[str, Metric] = {
    "recall@1": recall(1), "recall@5": recall(5), "recall@10": recall(10), "mrr@10": mrr
}  # fmt: skip
METRICS: dict[str, dict[str, Metric]] = {
    "scifact": {"ndcg@10": ndcg, "recall@100": recall(100)},
    "squad": RANKS,
    "rtqa-dev": RANKS,
}


def documents(article_ids: Iterable[str]) -> list[str]:
    """Document ranking from a passage ranking: each document at its best passage."""
    return list(dict.fromkeys(doc_id(a) for a in article_ids))


def score(name: str, rankings: Sequence[Sequence[str]], queries: Sequence[Query]) -> dict:
    """Mean of each metric of the set over the queries, rounded."""
    out = {}
    for metric, fn in METRICS[name].items():
        values = [fn(r, q.gold) for r, q in zip(rankings, queries, strict=True)]
        out[metric] = round(sum(values) / len(values), 4)
    return out


# running ------------------------------------------------------------------------


@dataclass
class Run:
    """Candidate lists and hybrid results of one set's queries."""

    dense: list[Scored]
    sparse: list[Scored]
    both: list[dict[str, tuple[float, float]]]
    #: Per query, per hit: the documents of its passage and of the duplicates folded into it.
    hybrid: list[list[tuple[str, ...]]]
    collapsed: int
    article_of: dict[str, str]
    seconds: float


def run_queries(retriever: Retriever, queries: Sequence[Query], hybrid_k: int, depth: int) -> Run:
    """Dense and BM25 lists ``depth`` deep, and the product's ``retrieve`` ranking."""
    started = time.perf_counter()
    snapshot = retriever.snapshot()
    article_of = dict(zip(snapshot.columns.ids, snapshot.columns.articles, strict=True))
    run = Run([], [], [], [], 0, article_of, 0.0)
    vectors = stored_vectors(retriever.store)
    for query in tqdm(queries, desc="queries", unit="query", mininterval=10):
        dense = retriever.dense_scored(query.text, depth)
        run.dense.append([(p.id, s) for p, s in dense])
        bm25 = snapshot.scores(query.text)
        run.sparse.append(snapshot.top(bm25, depth))
        vector = np.asarray(retriever.embedder.embed([query.text])[0])
        union = {pid for pid, _ in run.dense[-1] + run.sparse[-1]}
        run.both.append(
            {
                pid: (float(vectors[pid] @ vector), float(bm25[snapshot.position[pid]]))
                if bm25 is not None
                else (float(vectors[pid] @ vector), 0.0)
                for pid in union
            }
        )
        hits = retriever.retrieve(query.text, k=hybrid_k)
        groups = [tuple(doc_id(p.article_id) for p in (h.passage, *h.also_in)) for h in hits]
        run.hybrid.append(groups)
        hidden = {doc for group in groups for doc in group[1:]}
        run.collapsed += len(hidden - {group[0] for group in groups})
    run.seconds = time.perf_counter() - started
    return run


def stored_vectors(store: Store) -> dict[str, np.ndarray]:
    """Every stored passage's vector, by id."""
    got = store.passages.get(include=["embeddings"])
    return {pid: np.asarray(v) for pid, v in zip(got["ids"], got["embeddings"], strict=True)}


def folded_ranking(groups: Sequence[tuple[str, ...]], gold: dict[str, int]) -> list[str]:
    """Document ranking of hybrid hits: each hit stands for a gold document among those
    folded into it, else for its own passage's."""
    picked = (next((d for d in group if d in gold), group[0]) for group in groups)
    return list(dict.fromkeys(picked))


def evaluate(name: str, run: Run, queries: Sequence[Query]) -> dict[str, Any]:
    """Dense, BM25 and hybrid scores side by side."""
    art = run.article_of
    dense = [documents(art[pid] for pid, _ in d) for d in run.dense]
    sparse = [documents(art[pid] for pid, _ in s) for s in run.sparse]
    folded = [folded_ranking(h, q.gold) for h, q in zip(run.hybrid, queries, strict=True)]
    hybrid = score(name, folded, queries)
    if name == "scifact":
        hybrid.pop("recall@100")
    return {
        "queries": len(queries),
        "dense": score(name, dense, queries),
        "bm25": score(name, sparse, queries),
        "hybrid": hybrid,
        "documents_hidden_by_collapse": run.collapsed,
        "seconds": round(run.seconds, 1),
    }


# tuning grid ----------------------------------------------------------------------

GRID: list[tuple[str, int, float, float]] = [
    *(("rrf", c, k, w) for c in (50, 100) for k in (10, 30, 60) for w in (0.5, 1.0, 1.5, 2.0)),
    *(("convex", c, 0.0, w) for c in (20, 50, 100) for w in (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)),
]


def fused(run: Run, fusion: Fusion, candidates: int) -> list[list[str]]:
    """Passage → document rankings of one fusion setting on the kept candidate lists, fused
    by the functions ``Retriever.retrieve`` uses."""
    rankings = []
    weights = [fusion.dense_weight, fusion.bm25_weight]
    for dense, sparse, both in zip(run.dense, run.sparse, run.both, strict=True):
        dense_ids = [pid for pid, _ in dense[:candidates]]
        sparse_ids = [pid for pid, _ in sparse[:candidates]]
        if fusion.mode == "convex":
            union = set(dense_ids) | set(sparse_ids)
            sides = [{pid: both[pid][side] for pid in union} for side in (0, 1)]
            scores = convex(sides, weights)
        else:
            scores = rrf([dense_ids, sparse_ids], weights, fusion.rrf_k)
        order = sorted(scores, key=lambda pid: -scores[pid])
        rankings.append(documents(run.article_of[pid] for pid in order))
    return rankings


def grid(runs: dict[str, tuple[Run, list[Query]]]) -> list[dict[str, Any]]:
    """Each fusion setting of ``GRID`` scored on every set that was run."""
    rows = []
    for mode, candidates, rrf_k, weight in GRID:
        fusion = Fusion(mode=mode, rrf_k=rrf_k or 60.0, bm25_weight=weight)
        row: dict[str, Any] = {"fusion": mode, "candidates": candidates, "bm25_weight": weight}
        if mode == "rrf":
            row["rrf_k"] = rrf_k
        for name, (run, queries) in runs.items():
            got = score(name, fused(run, fusion, candidates), queries)
            row.update({f"{name}_{m}": v for m, v in got.items() if m != "recall@100"})
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    return rows


# main -------------------------------------------------------------------------------

StoreMaker = Callable[[Path, bool], tuple[Store, Settings]]
#: Per set: its index, its queries, passages asked of ``retrieve`` (enough for 10 documents)
#: and depth of the dense and BM25 lists (SciFact's recall@100 needs ~2 passages a document).
SETS: dict[str, tuple[StoreMaker, Callable[[Path], list[Query]], int, int]] = {
    "scifact": (scifact_store, scifact_queries, 30, 300),
    "squad": (squad_store, squad_queries, 20, 100),
    "rtqa-dev": (rtqa_store, rtqa_queries, 20, 100),
}
#: Questions timed per set for the hybrid's latency.
TIMED = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ",".join(SETS))
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached indexes")
    parser.add_argument("--grid", action="store_true", help="also score the fusion grid")
    parser.add_argument("--grid-only", action="store_true", help="grid on the kept lists only")
    parser.add_argument("--limit", type=int, default=0, help="first N queries of each set")
    parser.add_argument("--out", type=Path, default=RESULTS / "retrieval_quality.json")
    args = parser.parse_args()
    results: dict[str, Any] = {"settings": product_settings()}
    runs: dict[str, tuple[Run, list[Query]]] = {}
    for name in args.sets.split(","):
        kept = RESULTS / f"candidates-{name}.pkl"
        if args.grid_only:
            runs[name] = pickle.loads(kept.read_bytes())
            continue
        results[name], runs[name] = run_set(name, args)
        kept.write_bytes(pickle.dumps(runs[name]))
    if args.grid or args.grid_only:
        results["grid"] = grid(runs)
    text = json.dumps(results, indent=2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


_EMBEDDER: list[Embedder] = []


def run_set(name: str, args: argparse.Namespace) -> tuple[dict[str, Any], tuple[Run, list[Query]]]:
    """Build (or reuse) the set's index, run its queries and score them."""
    make_store, read_queries, hybrid_k, depth = SETS[name]
    store, settings = make_store(args.data / name, args.fresh)
    queries = read_queries(args.data / name)[: args.limit or None]
    if not _EMBEDDER:
        _EMBEDDER.append(create_embedder(settings, light=True))  # as questions are asked
    cached = CachedEmbedder(_EMBEDDER[0], (q.text for q in queries))
    retriever = Retriever(store, cached, settings)
    run = run_queries(retriever, queries, hybrid_k, depth)
    timing = latency(Retriever(store, _EMBEDDER[0], settings), queries)
    profile = retriever.snapshot().profile.to_dict()
    scores = {"passages": store.count(), "profile": profile, **evaluate(name, run, queries)}
    scores.update(timing)
    return scores, (run, queries)


def latency(retriever: Retriever, queries: Sequence[Query]) -> dict[str, float]:
    """p50 and p95 of the hybrid's ``retrieve`` in ms, the question embedded each time,
    over ``TIMED`` questions spaced evenly through the set (after a few to warm up)."""
    step = max(1, len(queries) // TIMED)
    sample = [q.text for q in queries[::step][:TIMED]]
    for text in sample[:5]:
        retriever.retrieve(text)
    times = []
    for text in sample:
        started = time.perf_counter()
        retriever.retrieve(text)
        times.append(1000 * (time.perf_counter() - started))
    p50, p95 = np.percentile(times, [50, 95])
    return {"retrieve_p50_ms": round(float(p50), 1), "retrieve_p95_ms": round(float(p95), 1)}


def product_settings() -> dict[str, Any]:
    """The retrieval settings the hybrid ran with (the defaults, unless RAG_* says otherwise)."""
    s = Settings()
    keys = ("fusion", "candidates", "rrf_k", "bm25_weight", "duplicate_threshold")
    return {key: getattr(s, key) for key in keys}


if __name__ == "__main__":
    main()
