"""Time words in news questions, on rtqa-dev: retrieval with what a question says about when
(``rag.retrieve.when.asked_time``) read or ignored, with and without ``as_of``.

Usage: python bench/question_time.py [--data ../shared/bench-data] [--limit N] [--json]

Every rtqa-dev question is asked on the day in its id (``YYYYMMDD_n``). Four runs of the
project's ``Retriever.retrieve`` over the same questions, side by side:

- ``ignored``: the question's time words not read, no ``as_of``;
- ``read``: its time words read against its day, no ``as_of``;
- ``as_of``: ``as_of`` = its day (nothing published after it), time words not read;
- ``as_of+read``: both, as ``rag ask --as-of DAY`` answers it.

``Retriever`` has no switch to leave time words unread, and reads them against ``as_of`` or
else today's date; so for these runs this benchmark replaces ``asked_time`` in
``rag.retrieve.retriever`` by a stand-in that returns an empty ``AskedTime`` (not read) or
calls the real ``asked_time`` with the question's day (read). Everything else is the
product's ``retrieve`` with its default settings, on the cached rtqa-dev index of
``bench/common.py``, questions embedded up front as ``bench/retrieval_quality.py`` does.

Scores are those of ``bench/retrieval_quality.py``: recall@1/5/10 and MRR@10, gold = the
entry whose text is the question's gold quote, a hit counting as each document folded into
it as a near-duplicate. ``worded`` is the subset of questions whose words, read against
their day, state a period (``since`` or ``until``) or ask for the latest; its size (and how
many of each) and recall@5 there with the words ignored and read.

``asked_time`` is timed once per question, in the set's order, against the question's day:
dateparser is imported before the timed pass and ``rag.retrieve.when``'s caches (its parser
per day, the periods it has read) are emptied, so each new day builds its parser within the
pass as in use. Mean, p50, p95 and max in ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
from common import DATA, Query, doc_id, rtqa_queries, rtqa_store
from retrieval_quality import SETS, CachedEmbedder, folded_ranking, score
from tqdm import tqdm

import rag.retrieve.retriever
import rag.retrieve.when as when
from rag.embed.factory import create_embedder
from rag.retrieve.retriever import Retriever
from rag.retrieve.when import AskedTime

SET = "rtqa-dev"
#: Name of each run: (time words read, ``as_of`` = the question's day).
RUNS: dict[str, tuple[bool, bool]] = {
    "ignored": (False, False),
    "read": (True, False),
    "as_of": (False, True),
    "as_of+read": (True, True),
}


def asked_on(query: Query) -> dt.date:
    """The day a question was asked: the date its id starts with (``20220107_10``)."""
    return dt.datetime.strptime(query.id.split("_", 1)[0], "%Y%m%d").date()


class TimeWords:
    """Stands in for ``asked_time`` in ``rag.retrieve.retriever``: the question's time words
    read against ``day`` when ``read``, else nothing."""

    def __init__(self) -> None:
        self.read = True
        self.day = dt.date.today()

    def __call__(self, question: str, today: dt.date) -> AskedTime:
        return when.asked_time(question, self.day) if self.read else AskedTime()


@dataclass
class Timing:
    """What ``asked_time`` read of each question, and how long it took (ms)."""

    asked: list[AskedTime]
    ms: list[float]


def time_reading(queries: Sequence[Query]) -> Timing:
    """``asked_time`` on every question against its day, each call timed, caches emptied."""
    when.asked_time("What happened last week?", dt.date(2000, 1, 1))  # imports dateparser
    when._span.cache_clear()
    when._parser.cache_clear()
    timing = Timing([], [])
    for query in queries:
        day = asked_on(query)
        started = time.perf_counter()
        timing.asked.append(when.asked_time(query.text, day))
        timing.ms.append(1000 * (time.perf_counter() - started))
    return timing


def rankings(
    retriever: Retriever,
    words: TimeWords,
    queries: Sequence[Query],
    read: bool,
    as_of: bool,
    k: int,
) -> tuple[list[list[str]], float]:
    """Each question's document ranking from ``retrieve`` (duplicates folded as in
    ``retrieval_quality``), and the seconds the run took."""
    started = time.perf_counter()
    words.read = read
    out = []
    for query in tqdm(queries, desc="queries", unit="query", mininterval=10):
        words.day = asked_on(query)
        hits = retriever.retrieve(query.text, k=k, as_of=words.day if as_of else None)
        groups = [tuple(doc_id(p.article_id) for p in (h.passage, *h.also_in)) for h in hits]
        out.append(folded_ranking(groups, query.gold))
    return out, time.perf_counter() - started


def run(data: Path, limit: int) -> dict[str, Any]:
    """The four runs scored on all questions, ``ignored`` and ``read`` on the worded ones,
    and the cost of ``asked_time``."""
    store, settings = rtqa_store(data / SET)
    queries = rtqa_queries(data / SET)[: limit or None]
    timing = time_reading(queries)
    cached = CachedEmbedder(create_embedder(settings, light=True), (q.text for q in queries))
    retriever = Retriever(store, cached, settings)
    k = SETS[SET][2]
    results: dict[str, Any] = {"questions": len(queries), "passages": store.count(), "k": k}
    ranked: dict[str, list[list[str]]] = {}
    words = TimeWords()
    retriever.retrieve(queries[0].text, k=k)  # loads the snapshot outside the timed runs
    with mock.patch.object(rag.retrieve.retriever, "asked_time", words):
        for name, (read, as_of) in RUNS.items():
            ranked[name], seconds = rankings(retriever, words, queries, read, as_of, k)
            results[name] = score(SET, ranked[name], queries) | {"seconds": round(seconds, 1)}
    worded = [i for i, a in enumerate(timing.asked) if a.since or a.until or a.latest]
    subset = [queries[i] for i in worded]
    results["worded"] = {
        "questions": len(worded),
        "period": sum(1 for i in worded if timing.asked[i].since or timing.asked[i].until),
        "latest": sum(1 for i in worded if timing.asked[i].latest),
    }
    for name in ("ignored", "read"):
        got = score(SET, [ranked[name][i] for i in worded], subset) if worded else {}
        results["worded"][f"{name}_recall@5"] = got.get("recall@5")
    ms = np.asarray(timing.ms)
    results["asked_time_ms"] = {
        "mean": round(float(ms.mean()), 3),
        "p50": round(float(np.percentile(ms, 50)), 3),
        "p95": round(float(np.percentile(ms, 95)), 3),
        "max": round(float(ms.max()), 1),
    }
    return results


def show(results: dict[str, Any]) -> None:
    """The runs side by side, the worded subset and the timing, as a table."""
    print(f"rtqa-dev: {results['questions']} questions, {results['passages']} passages, "
          f"retrieve k={results['k']}, each asked on the day in its id")  # fmt: skip
    print(f"{'run':<12} {'words':<8} {'as_of':<6} {'R@1':>7} {'R@5':>7} {'R@10':>7} "
          f"{'MRR@10':>7} {'s':>6}")  # fmt: skip
    for name, (read, as_of) in RUNS.items():
        row = results[name]
        print(f"{name:<12} {'read' if read else 'ignored':<8} {'day' if as_of else '-':<6} "
              f"{row['recall@1']:>7.4f} {row['recall@5']:>7.4f} {row['recall@10']:>7.4f} "
              f"{row['mrr@10']:>7.4f} {row['seconds']:>6.1f}")  # fmt: skip
    worded = results["worded"]
    print(f"worded (a period or the latest): {worded['questions']} questions "
          f"({worded['period']} a period, {worded['latest']} the latest); "
          f"R@5 ignored {worded['ignored_recall@5']}, read {worded['read_recall@5']}")  # fmt: skip
    ms = results["asked_time_ms"]
    print(f"asked_time per question: mean {ms['mean']} ms, p50 {ms['p50']} ms, "
          f"p95 {ms['p95']} ms, max {ms['max']} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=0, help="first N questions only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    results = run(args.data, args.limit)
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        show(results)


if __name__ == "__main__":
    main()
