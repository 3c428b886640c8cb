"""Keyword search for a large index: bm25s (the snapshot's engine, rebuilt whole on every
change) beside tantivy (segments added per change, merged in the background), side by side
on the same passages and questions.

For each engine, in a process of its own (so that its peak RSS is its own): the time to
index N passages from scratch (the passages tokenised as the snapshot tokenises them:
English stopwords dropped, Snowball stems; tantivy indexes those tokens as given), the time
to take in a change of 1,000 new passages and 1,000 deleted ones (bm25s: index all again;
tantivy: add, delete, commit and open a new searcher), the top-50 search time p50/p95
over ``--queries`` real questions, how far the engine raised the process's peak RSS above
what loading the base passages took, and tantivy's size on disk.
The top 10 of both engines are compared (their mean overlap): tantivy scores BM25 with
k1 1.2 and b 0.75, bm25s here with the news profile's k1 0.9 and b 0.4.

The passages are ``bench/scale.py``'s copies of the cached benchmark indexes' real passages
(rtqa-dev news, SciFact, SQuAD), each lightly perturbed; the questions are real ones of
those sets.

Usage: python bench/keyword_engines.py [--size 100000] [--queries 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from common import DATA
from scale import Base, copy_passage, load_base, load_questions

from rag.index.snapshot import tokenize

CHANGE = 1000
ENGINES = ("bm25s", "tantivy")


def texts(base: Base, start: int, stop: int) -> Iterator[list[str]]:
    """The texts of copies ``start`` … ``stop`` − 1, 20,000 at a time."""
    size = len(base.passages)
    for first in range(start, stop, 20_000):
        last = min(stop, first + 20_000)
        yield [copy_passage(base.passages[i % size], i, i // size).text for i in range(first, last)]


def timed_searches(search: Any, questions: list[str]) -> tuple[list[float], list[list[int]]]:
    """Seconds per top-50 search and the top-10 passage numbers of each question."""
    search(questions[0])
    seconds, tops = [], []
    for question in questions:
        started = time.perf_counter()
        found = search(question)
        seconds.append(time.perf_counter() - started)
        tops.append(found[:10])
    return seconds, tops


def run_bm25s(base: Base, size: int, questions: list[str]) -> dict[str, Any]:
    import bm25s

    def index(start: int, stop: int) -> Any:
        tokens = [t for part in texts(base, start, stop) for t in tokenize(part)]
        model = bm25s.BM25(k1=0.9, b=0.4)
        model.index(tokens, show_progress=False)
        return model

    started = time.perf_counter()
    model = index(0, size)
    built = time.perf_counter() - started
    started = time.perf_counter()
    index(CHANGE, size + CHANGE)  # the change: everything indexed again
    changed = time.perf_counter() - started

    def search(question: str) -> list[int]:
        scores = model.get_scores(tokenize([question])[0])
        top = np.argpartition(-scores, 49)[:50]
        return [int(i) for i in top[np.argsort(-scores[top])]]

    seconds, tops = timed_searches(search, questions)
    return {"build_s": built, "change_s": changed, "search_s": seconds, "tops": tops}


def run_tantivy(base: Base, size: int, questions: list[str], folder: Path) -> dict[str, Any]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("n", stored=False, indexed=True, fast=True)
    builder.add_text_field("terms", stored=False, tokenizer_name="whitespace", index_option="freq")
    schema = builder.build()
    index = tantivy.Index(schema, path=str(folder))

    def add(writer: Any, start: int, stop: int) -> None:
        for first, part in zip(range(start, stop, 20_000), texts(base, start, stop), strict=True):
            for n, tokens in enumerate(tokenize(part), first):
                writer.add_document(tantivy.Document(n=n, terms=" ".join(tokens)))

    started = time.perf_counter()
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    add(writer, 0, size)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    built = time.perf_counter() - started
    started = time.perf_counter()
    writer = index.writer(heap_size=64_000_000, num_threads=1)
    add(writer, size, size + CHANGE)
    writer.delete_documents_by_query(
        tantivy.Query.range_query(schema, "n", tantivy.FieldType.Integer, 0, CHANGE - 1)
    )
    writer.commit()
    index.reload()
    changed = time.perf_counter() - started
    writer.wait_merging_threads()
    searcher = index.searcher()

    def search(question: str) -> list[int]:
        terms = [tantivy.Query.term_query(schema, "terms", t) for t in tokenize([question])[0]]
        query = tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
        hits = searcher.search(query, 50).hits
        values = searcher.fast_field_values("n", [address for _, address in hits])
        return [int(v or 0) for v in values]

    seconds, tops = timed_searches(search, questions)
    disk = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {"build_s": built, "change_s": changed, "search_s": seconds, "tops": tops, "disk": disk}


def child(args: argparse.Namespace) -> None:
    """Measure one engine and print one JSON object."""
    base = load_base(["rtqa", "scifact", "squad"], args.data)
    questions = load_questions(args.data, args.queries)
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with tempfile.TemporaryDirectory(prefix="rag-keywords-") as tmp:
        if args.engine == "bm25s":
            found = run_bm25s(base, args.size, questions)
        else:
            found = run_tantivy(base, args.size, questions, Path(tmp))
    found["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - loaded
    print(json.dumps(found))


def overlap(a: list[list[int]], b: list[list[int]]) -> float:
    """Mean share of one top 10 in the other."""
    pairs = zip(a, b, strict=True)
    return statistics.fmean(len(set(x) & set(y)) / max(len(x), 1) for x, y in pairs)


def row(found: dict[str, Any]) -> dict[str, Any]:
    ms = [1000 * s for s in found["search_s"]]
    return {
        "build_s": round(found["build_s"], 1),
        "change_s": round(found["change_s"], 2),
        "search_p50_ms": round(statistics.median(ms), 1),
        "search_p95_ms": round(float(np.percentile(ms, 95)), 1),
        "added_peak_rss_mib": round(found["peak_rss"] / 2**20),
        "disk_mib": round(found["disk"] / 2**20, 1) if "disk" in found else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.engine:
        child(args)
        return 0
    if args.size <= CHANGE:
        raise SystemExit(f"error: --size must be above {CHANGE}")
    found = {}
    for engine in ENGINES:
        command = [sys.executable, __file__, "--engine", engine, "--size", str(args.size)]
        command += ["--queries", str(args.queries), "--data", str(args.data)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"error: the {engine} run failed: {done.stderr.strip()[-500:]}")
        found[engine] = json.loads(done.stdout.strip().splitlines()[-1])
    rows = {engine: row(found[engine]) for engine in ENGINES}
    agree = round(overlap(found["bm25s"]["tops"], found["tantivy"]["tops"]), 3)
    if args.json:
        print(json.dumps({"size": args.size, "engines": rows, "top10_overlap": agree}))
        return 0
    print(f"{args.size} passages, {args.queries} questions, a change of {CHANGE} in and out")
    print(f"{'':26}{'bm25s':>12}{'tantivy':>12}")
    for key in rows["bm25s"]:
        print(f"{key:26}" + "".join(f"{rows[e][key]!s:>12}" for e in ENGINES))
    print(f"top-10 overlap between them: {agree}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
