"""Offline answers to news questions (rtqa-dev), end to end through the project's pipeline:
how often the gold answer is in the answer (and in its first sentence), how often an
answerable question is refused and an unanswerable one is, how long answers are, and how
many answer sentences are not found word for word in the passage they cite. Then how well
the relevance of the best quotable sentence (what the offline answerer refuses on) tells
answerable from unanswerable questions: the area under the ROC curve, and both groups'
refusals at a few thresholds.

Usage: python bench/news_answers.py [--questions 300] [--k 6] [--label NAME] [--json]

Three groups of ``--questions`` questions each, taken evenly spaced from ``questions.jsonl``:

- *all*: any question, over the whole corpus (4,717 entries);
- *answerable*: questions whose gold entry states the answer word for word (a quoting
  answerer can show it), over the whole corpus;
- *unanswerable*: questions whose answer string is stated by no entry but their gold one,
  asked of a second index built without those questions' gold entries: nothing left in it
  states their answer.

Both indexes are built once through the project's own ``Ingestor`` and cached under
``bench/results/``. A sentence counts as quoted word for word when its text, whitespace
collapsed and with its final punctuation and quote marks set aside, occurs in one passage it
cites (for a sentence that names its speaker first, the words after the name). The check
is written here, apart from the project's, so that the same script measures
any version of the package put first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import re
import statistics
import time
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from common import DATA, RESULTS, cached_store
from tqdm import tqdm

from rag.answer.extractive import candidates
from rag.evaluate.gold import contains, normalise
from rag.ingest.injection import screened
from rag.pipeline import Pipeline
from rag.types import Answer

T = TypeVar("T")
GROUPS = ("all", "answerable", "unanswerable")
#: Refusal thresholds on the best sentence's relevance at which both groups are counted.
THRESHOLDS = (0.3, 0.36, 0.4, 0.45, 0.5, 0.55, 0.6)
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
        words = sentence.words() if hasattr(sentence, "words") else sentence.text  # older
        needle = re.sub(r"[\s.!?…]+$", "", folded(words))
        found += any(needle in passages.get(n, "") for n in sentence.citations)
    return sentences, found


def evenly(rows: list[T], count: int) -> list[T]:
    """``count`` rows taken evenly spaced from ``rows``."""
    step = max(1, len(rows) // count)
    return rows[::step][:count]


class Corpus:
    """The corpus entries, and which of them state a given string."""

    def __init__(self, path: Path) -> None:
        self.entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        self.by_text = {entry["text"]: entry["id"] for entry in self.entries}
        folded = [normalise(entry["text"]) for entry in self.entries]
        self.starts = [0]
        for text in folded:
            self.starts.append(self.starts[-1] + len(text) + 1)
        self.joined = "\0".join(folded)

    def stating(self, answer: str) -> set[str]:
        """Ids of the entries whose text holds ``answer``."""
        needle, found, at = normalise(answer), set(), 0
        while needle and (at := self.joined.find(needle, at)) >= 0:
            found.add(self.entries[bisect.bisect_right(self.starts, at) - 1]["id"])
            at += 1
        return found

    def without(self, ids: set[str]) -> Path:
        """A jsonl of the corpus less the entries ``ids`` (written once, named by them)."""
        digest = hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:10]
        path = RESULTS / f"rtqa-without-{digest}.jsonl"
        if not path.is_file():
            RESULTS.mkdir(parents=True, exist_ok=True)
            kept = (json.dumps(e) for e in self.entries if e["id"] not in ids)
            path.write_text("\n".join(kept) + "\n", encoding="utf-8")
        return path


def groups(corpus: Corpus, rows: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """The three question groups, and the gold entries the unanswerable ones lose."""
    answerable: list[dict[str, Any]] = []
    unanswerable: list[tuple[dict[str, Any], str]] = []
    for row in rows:
        gold = corpus.by_text.get(row["gold_quotes"][0])
        stating = corpus.stating(row["answer"])
        if gold in stating:
            answerable.append(row)
            if stating == {gold}:
                unanswerable.append((row, gold))
    picked = evenly(unanswerable, count)
    gone = {gold for _, gold in picked}
    return {
        "all": evenly(rows, count),
        "answerable": evenly(answerable, count),
        "unanswerable": [row for row, _ in picked],
        "gone": gone,
    }


def measure(pipeline: Pipeline, items: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """The figures over ``items``."""
    hits = first = refused = retrieved = sentences = whole = words = 0
    seconds: list[float] = []
    best: list[float] = []
    for item in tqdm(items, desc="questions", unit="q"):
        started = time.perf_counter()
        answer = pipeline.ask(item["question"], k=k)
        seconds.append(time.perf_counter() - started)
        gold = item["gold_quotes"][0]
        retrieved += any(contains(p.text, gold) for p in answer.retrieved)
        refused += not answer.answered
        hits += answer.answered and contains(answer.text, item["answer"])
        opening = answer.sentences[0].text if answer.answered and answer.sentences else ""
        first += contains(opening, item["answer"])
        best.append(best_relevance(pipeline, item["question"], k))
        words += len(answer.text.split()) if answer.answered else 0
        counted, found = quoted_whole(answer)
        sentences, whole = sentences + counted, whole + found
    n, answered = len(items), len(items) - refused
    return {
        "questions": n,
        "gold passage retrieved": round(retrieved / n, 3),
        "gold answer in the answer": round(hits / n, 3),
        "gold answer in the first sentence": round(first / n, 3),
        "refused": round(refused / n, 3),
        "sentences per answer": round(sentences / answered, 2) if answered else 0,
        "words per answer": round(words / answered, 1) if answered else 0,
        "not word for word in their source": sentences - whole,
        "ask p50 s": round(statistics.median(seconds), 3),
        "best": best,
    }


def best_relevance(pipeline: Pipeline, question: str, k: int) -> float:
    """The relevance of the best sentence the offline answerer could quote (what it
    refuses on), 0 when it has none."""
    hits = screened(pipeline.retriever.retrieve(question, k))
    found = candidates(hits)
    if not found:
        return 0.0
    relevance, _ = pipeline.answerer.relevance(question, found)  # type: ignore[attr-defined]
    return float(relevance.max())


def separation(answerable: list[float], unanswerable: list[float]) -> dict[str, Any]:
    """How well the best sentence's relevance tells answerable from unanswerable questions:
    the area under the ROC curve, and the share of each refused at a few thresholds."""
    a, u = np.array(answerable), np.array(unanswerable)
    auc = float(((a[:, None] > u[None, :]) + 0.5 * (a[:, None] == u[None, :])).mean())
    return {
        "auc": round(auc, 3),
        "refused at threshold": {
            f"{t:.2f}": [round(float((a < t).mean()), 3), round(float((u < t).mean()), 3)]
            for t in THRESHOLDS
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--label", default="this version")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = DATA / "rtqa-dev"
    corpus = Corpus(data / "corpus.jsonl")
    rows = [json.loads(line) for line in (data / "questions.jsonl").read_text().splitlines()]
    asked = groups(corpus, rows, args.questions)
    _, settings = cached_store("rtqa", data / "corpus.jsonl")
    without = corpus.without(asked["gone"])
    _, held_out = cached_store(without.stem, without)
    figures: dict[str, Any] = {"label": args.label}
    for group, index in zip(GROUPS, (settings, settings, held_out), strict=True):
        figures[group] = measure(Pipeline.from_settings(index), asked[group], args.k)
    best = {group: figures[group].pop("best") for group in GROUPS}
    figures["separation"] = separation(best["answerable"], best["unanswerable"])
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{'':36}" + "".join(f"{group:>14}" for group in GROUPS))
    for name in figures["all"]:
        print(f"{name:36}" + "".join(f"{figures[group][name]:>14}" for group in GROUPS))
    print(
        f"\nbest sentence's relevance, answerable against unanswerable: ROC AUC "
        f"{figures['separation']['auc']}"
    )
    print(f"{'threshold':>10}{'answerable refused':>22}{'unanswerable refused':>24}")
    for t, (a, u) in figures["separation"]["refused at threshold"].items():
        print(f"{t:>10}{a:>22}{u:>24}")


if __name__ == "__main__":
    main()
