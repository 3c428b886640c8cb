"""How right the local judge (the citation check's support scorer) is, and whether planted
citation faults are caught.

Usage: python bench/judge_accuracy.py [--pairs eval/judge_pairs.jsonl]

1. Labelled pairs: every sentence of ``eval/judge_pairs.jsonl`` (supported, unsupported or
   contradicted by the corpus passages beside it; written apart from the scorer's
   calibration) is scored, and counted right when "score >= RAG_SUPPORT_THRESHOLD" matches
   "label == supported". Peers in the same run: the cosine of the sentence and the passages'
   embeddings, and the share of the sentence's words found in the passages, each at the
   threshold that suits it best on these very pairs (a best case for them).
2. Planted faults: each answerable question of ``eval/seed.jsonl`` is answered offline; then
   (a) the first sentence's citation is moved to a retrieved passage it was not drawn from,
   and (b) an invented sentence is added citing the answer's first source. A fault is
   caught when ``rag eval``'s judge counts the sentence as not entailed.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.check.support import SupportScorer
from rag.evaluate.gold import read_gold
from rag.evaluate.judge import LocalJudge
from rag.evaluate.metrics import score_answer
from rag.index.sync import Ingestor
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.types import Answer, Hit

REPO = Path(__file__).resolve().parent.parent
#: Claims the seed corpus does not make, planted into answers.
INVENTED = (
    "Tokayev announced that Kazakhstan will leave the Eurasian Economic Union in 2027.",
    "Nazarbayev said he would stand for president again in the 2029 election.",
    "Russia cut its gas supplies to Kazakhstan by 40 percent in November.",
    "The meeting was also attended by the Chinese foreign minister.",
    "Kazakhstan agreed to lease a new naval base to Russia on the Caspian Sea.",
)
_WORD = re.compile(r"[a-z]{3,}")


def read_pairs(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def accuracy(rows: Sequence[dict[str, Any]], predicted: Sequence[bool]) -> dict[str, Any]:
    """Share right overall, per label and per kind; precision and recall of 'supported'."""
    right = [p == (row["label"] == "supported") for row, p in zip(rows, predicted, strict=True)]
    groups: dict[str, list[bool]] = defaultdict(list)
    for row, ok in zip(rows, right, strict=True):
        groups[row["label"]].append(ok)
        groups[f"{row['label']}/{row['kind']}"].append(ok)
    said = [row["label"] == "supported" for row, p in zip(rows, predicted, strict=True) if p]
    truly = [p for row, p in zip(rows, predicted, strict=True) if row["label"] == "supported"]
    return {
        "accuracy": round(sum(right) / len(right), 4),
        "right": f"{sum(right)}/{len(right)}",
        "supported_precision": round(sum(said) / len(said), 4) if said else None,
        "supported_recall": round(sum(truly) / len(truly), 4),
        "by_label": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(groups.items())},
    }


def best_threshold(
    rows: Sequence[dict[str, Any]], scores: Sequence[float]
) -> tuple[float, dict[str, Any]]:
    """The threshold (over the scores themselves) at which ``scores`` are most accurate."""
    best: tuple[float, dict[str, Any]] | None = None
    for cut in sorted(set(scores)):
        found = accuracy(rows, [s >= cut for s in scores])
        if best is None or found["accuracy"] > best[1]["accuracy"]:
            best = (cut, found)
    assert best is not None
    return best


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def judge_pairs(scorer: SupportScorer, rows: Sequence[dict[str, Any]], threshold: float) -> Any:
    scores = [scorer.score(row["sentence"], row["passages"]).score for row in rows]
    ours = accuracy(rows, [s >= threshold for s in scores])
    misses = [
        {"id": row["id"], "label": row["label"], "score": round(s, 3)}
        for row, s in zip(rows, scores, strict=True)
        if (s >= threshold) != (row["label"] == "supported")
    ]
    sentences = scorer.embed([row["sentence"] for row in rows])
    passages = scorer.embed([" ".join(row["passages"]) for row in rows])
    cosine = [float(x) for x in np.sum(sentences * passages, axis=1)]
    overlap = [
        len(words(row["sentence"]) & words(" ".join(row["passages"])))
        / max(1, len(words(row["sentence"])))
        for row in rows
    ]
    sweep = {f"{cut:.2f}": accuracy(rows, [s >= cut for s in scores])["accuracy"]
             for cut in np.arange(0.3, 0.71, 0.05)}  # fmt: skip
    peers = {}
    for name, values in (("cosine", cosine), ("word overlap", overlap)):
        cut, found = best_threshold(rows, values)
        peers[name] = {"best_threshold": round(cut, 3), **found}
    return {
        "pairs": len(rows),
        "support scorer": {"threshold": threshold, **ours, "misses": misses},
        "threshold sweep (support scorer accuracy)": sweep,
        "peers at their best threshold on these pairs": peers,
    }


def raw_text(answer: Answer, hits: Sequence[Hit], edit: Callable[[list[list[Any]]], None]) -> str:
    """``answer`` written back with its citations as hit numbers, after ``edit`` changed
    its [text, hit numbers] sentences."""
    number = {hit.passage.id: n for n, hit in enumerate(hits, start=1)}
    by_display = {s.number: number[s.passage.id] for s in answer.sources}
    rows = [[s.text, [by_display[c] for c in s.citations]] for s in answer.sentences]
    edit(rows)
    return " ".join(f"{text} " + "".join(f"[{n}]" for n in cited) for text, cited in rows)


def planted(pipeline: Pipeline, settings: Settings) -> dict[str, Any]:
    judge = LocalJudge(pipeline.scorer, settings.support_threshold)
    caught: dict[str, list[bool]] = {"wrong citation": [], "unsupported sentence": []}
    items = [item for item in read_gold(REPO / "eval" / "seed.jsonl") if item.answerable]
    for i, item in enumerate(items):
        question = item.ask.question
        hits = pipeline.retriever.retrieve(question)
        answer = pipeline.check(question, question, _answer(pipeline, question, hits), hits)
        if not answer.answered:
            continue
        first = answer.sentences[0]
        hit_of = {hit.passage.id: n for n, hit in enumerate(hits, start=1)}
        cited = {hit_of[s.passage.id] for s in answer.sources}
        drawn = {h for h, hit in enumerate(hits, 1) if first.text[:40] in hit.passage.text}
        others = [h for h in range(len(hits), 0, -1) if h not in drawn and h not in cited]
        if others:

            def move(rows: list[list[Any]], to: int = others[0]) -> None:
                rows[0][1] = [to]

            caught["wrong citation"].append(_caught(pipeline, judge, item, hits, answer, move, 0))
        claim = INVENTED[i % len(INVENTED)]

        def add(rows: list[list[Any]], claim: str = claim) -> None:
            rows.append([claim, rows[0][1][:1]])

        last = len(answer.sentences)
        caught["unsupported sentence"].append(
            _caught(pipeline, judge, item, hits, answer, add, last)
        )
    return {kind: f"{sum(found)}/{len(found)} caught" for kind, found in caught.items()}


def _answer(pipeline: Pipeline, question: str, hits: Sequence[Hit]) -> str:
    return "".join(pipeline.answerer.answer(question, hits))


def _caught(
    pipeline: Pipeline,
    judge: LocalJudge,
    item: Any,
    hits: Sequence[Hit],
    answer: Answer,
    edit: Callable[[list[list[Any]]], None],
    index: int,
) -> bool:
    """Whether the judge finds sentence ``index`` of the edited answer not entailed."""
    tampered = pipeline.check(answer.question, answer.question, raw_text(answer, hits, edit), hits)
    sentence = tampered.sentences[index]
    passages = {s.number: s.passage.text for s in tampered.sources}
    result = score_answer(item, tampered, judge)
    entailed = judge.entails(sentence.text, [passages[n] for n in sentence.citations])
    return not entailed and result.entailed < result.sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=REPO / "eval" / "judge_pairs.jsonl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index")
        Ingestor.from_settings(settings).run([REPO / "corpus"])
        pipeline = Pipeline.from_settings(settings)
        faults = planted(pipeline, settings)
    result = judge_pairs(pipeline.scorer, read_pairs(args.pairs), settings.support_threshold)
    print(json.dumps({**result, "planted faults in seed answers": faults}, indent=2))


if __name__ == "__main__":
    main()
