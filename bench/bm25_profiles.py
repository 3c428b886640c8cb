"""BM25 variants and fusion weights on SciFact, SQuAD and rtqa-dev, side by side: how each
candidate BM25 (k1, b, titles indexed or not) ranks alone and fused with the dense side,
and which profile the product chooses for each index.

Usage: python bench/bm25_profiles.py [--data ../shared/bench-data] [--sets ...]
       [--out bench/results/bm25_profiles.json]

Runs on the indexes ``retrieval_quality.py`` caches (built first when missing). For each
variant, BM25 is rebuilt over the index's passages with the project's tokenizer
(``rag.index.snapshot.tokenize``) and asked every question; fusion is the product's own
(``rag.retrieve.retriever.convex_scores``) over the union of each side's top 50, with the
questions embedded as ``rag ask`` does.
Scores are per document, as in ``retrieval_quality.py``, without the duplicate collapse.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from common import DATA, RESULTS, Query
from retrieval_quality import SETS, documents, score
from tqdm import tqdm

from rag.embed.factory import create_embedder
from rag.index.profile import MIXED, UNIFORM, choose, short_share
from rag.index.snapshot import Snapshot, tokenize
from rag.retrieve.fusion import Fusion
from rag.retrieve.retriever import candidate_cosines, convex_scores

#: (k1, b, titles) tried, the product's two profiles among them.
VARIANTS = [(0.9, 0.4, True), (0.9, 0.4, False), (1.2, 0.75, False), (1.5, 1.0, False),
            (3.0, 1.0, False), (3.0, 1.0, True)]  # fmt: skip
WEIGHTS = (0.5, 1.0)
CANDIDATES = 50


def rank_variant(
    snapshot: Snapshot, questions: np.ndarray, queries: list[Query], variant: tuple
) -> dict[str, list[list[str]]]:
    """Document rankings of BM25 alone and of each fusion weight, one per query, BM25 built
    as ``variant`` says and fused by the product's ``convex_scores``."""
    k1, b, titles = variant
    passages = list(snapshot.texts)
    model = bm25s.BM25(k1=k1, b=b)
    model.index(
        tokenize([p.embedding_text() if titles else p.text for p in passages]), show_progress=False
    )
    article_of = dict(zip(snapshot.columns.ids, snapshot.columns.articles, strict=True))
    out: dict[str, list[list[str]]] = {"bm25": [], **{f"fused {w}": [] for w in WEIGHTS}}
    tokens = tokenize([q.text for q in queries])
    for vector, words in zip(questions, tokens, strict=True):
        scores = model.get_scores(words) if words else None
        out["bm25"].append(documents(article_of[pid] for pid, _ in snapshot.top(scores, 100)))
        dense = snapshot.nearest(vector, CANDIDATES)
        sparse = snapshot.top(scores, CANDIDATES)
        cosine = candidate_cosines(dense, sparse, partial(snapshot.cosine, vector=vector))
        for w in WEIGHTS:
            fused = convex_scores(Fusion(bm25_weight=w), snapshot, cosine, scores)
            order = sorted(fused, key=lambda pid: -fused[pid])
            out[f"fused {w}"].append(documents(article_of[pid] for pid in order))
    return out


def run_set(name: str, data: Path) -> list[dict[str, Any]]:
    """Every variant's scores on one set, dense alone first."""
    make_store, read_queries, _, _ = SETS[name]
    store, settings = make_store(data / name, False)
    queries = read_queries(data / name)
    snapshot = store.snapshot()
    passages = list(snapshot.texts)
    chosen = choose(passages)
    print(
        f"{name}: short share {short_share(passages):.3f}, profile {chosen.name}", file=sys.stderr
    )
    embedder = create_embedder(settings, light=True)
    questions = np.asarray(embedder.embed([q.text for q in queries]), dtype=np.float32)
    article_of = dict(zip(snapshot.columns.ids, snapshot.columns.articles, strict=True))
    dense = [documents(article_of[pid] for pid, _ in snapshot.nearest(v, 100)) for v in questions]
    rows = [{"set": name, "ranker": "dense", **score(name, dense, queries)}]
    for variant in tqdm(VARIANTS, desc=name, unit="variant"):
        k1, b, titles = variant
        profile = next((p.name for p in (UNIFORM, MIXED) if (p.k1, p.b, p.titles) == variant), "")
        for ranker, rankings in rank_variant(snapshot, questions, queries, variant).items():
            label = f"{ranker}, k1 {k1} b {b} titles {'in' if titles else 'out'}"
            row = {
                "set": name,
                "ranker": label,
                "profile": profile,
                "chosen": profile == chosen.name,
            }
            rows.append({**row, **score(name, rankings, queries)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--out", type=Path, default=RESULTS / "bm25_profiles.json")
    args = parser.parse_args()
    rows = [row for name in args.sets.split(",") for row in run_set(name, args.data)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
