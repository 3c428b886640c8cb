"""Offline answers to news questions (rtqa-dev), end to end through the project's pipeline:
how often the gold answer is in the answer, how often an answerable question is refused, and
how many answer sentences are not found word for word in the passage they cite.

Usage: python bench/news_answers.py [--questions 300] [--k 6] [--label NAME] [--json]

The index of ``../shared/bench-data/rtqa-dev/corpus.jsonl`` is built once through the
project's own ``Ingestor`` and cached under ``bench/results/``. Questions are taken evenly
spaced from ``questions.jsonl``. A sentence counts as quoted word for word when its text,
whitespace collapsed and with its final punctuation and quote marks set aside, occurs in one
passage it cites. The check is written here, apart from the project's, so that the same
script measures any version of the package put first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

from common import DATA, cached_store
from tqdm import tqdm

from rag.evaluate.gold import contains
from rag.pipeline import Pipeline
from rag.types import Answer

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def folded(text: str) -> str:
    """``text`` with quote marks dropped, whitespace collapsed (none before a punctuation
    mark), lower-cased."""
    text = text.translate(_QUOTES).replace('"', "").replace("'", "")
    return re.sub(r" ([.,;:!?…])", r"\1", " ".join(text.lower().split()))


def quoted_whole(answer: Answer) -> tuple[int, int]:
    """(sentences, sentences found word for word in a passage they cite)."""
    passages = {source.number: folded(source.passage.text) for source in answer.sources}
    sentences = found = 0
    for sentence in answer.sentences:
        if not sentence.citations:
            continue
        sentences += 1
        needle = re.sub(r"[\s.!?…]+$", "", folded(sentence.text))
        found += any(needle in passages.get(n, "") for n in sentence.citations)
    return sentences, found


def questions(path: Path, count: int) -> list[dict[str, Any]]:
    """``count`` questions taken evenly spaced from the file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    step = max(1, len(rows) // count)
    return rows[::step][:count]


def measure(pipeline: Pipeline, items: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """The figures over ``items``."""
    hits = refused = retrieved = sentences = whole = 0
    seconds: list[float] = []
    for item in tqdm(items, desc="questions", unit="q"):
        started = time.perf_counter()
        answer = pipeline.ask(item["question"], k=k)
        seconds.append(time.perf_counter() - started)
        gold = item["gold_quotes"][0]
        retrieved += any(contains(p.text, gold) for p in answer.retrieved)
        refused += not answer.answered
        hits += answer.answered and contains(answer.text, item["answer"])
        counted, found = quoted_whole(answer)
        sentences, whole = sentences + counted, whole + found
    n = len(items)
    return {
        "questions": n,
        "gold passage retrieved": round(retrieved / n, 3),
        "gold answer in the answer": round(hits / n, 3),
        "answerable refused": round(refused / n, 3),
        "answer sentences": sentences,
        "not word for word in their source": sentences - whole,
        "ask p50 s": round(statistics.median(seconds), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--label", default="this version")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = DATA / "rtqa-dev"
    _, settings = cached_store("rtqa", data / "corpus.jsonl")
    pipeline = Pipeline.from_settings(settings)
    items = questions(data / "questions.jsonl", args.questions)
    figures = {"label": args.label, **measure(pipeline, items, args.k)}
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name:36} {value}")


if __name__ == "__main__":
    main()
