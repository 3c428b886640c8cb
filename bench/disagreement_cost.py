"""What finding disagreements between sources adds to an answer: p50 of ``Pipeline.ask``
with and without the step, on the seed corpus (extractive answerer, warm pipelines).

Usage: python bench/disagreement_cost.py [--rounds 10]

Both pipelines answer the seed gold questions (``eval/seed.jsonl``) on one index, question
by question in alternation, after one warm-up round each; the step's own lap (``disagree``
in ``Answer.timings``) is reported beside the difference of the two medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from rag.index.sync import Ingestor
from rag.pipeline import Pipeline
from rag.settings import Settings

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    gold = (REPO / "eval" / "seed.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in gold]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index")
        Ingestor.from_settings(settings, progress=False).run([REPO / "corpus"])
        pipelines = {
            "with": Pipeline.from_settings(settings),
            "without": Pipeline.from_settings(settings.model_copy(update={"disagreements": False})),
        }
        walls: dict[str, list[float]] = {name: [] for name in pipelines}
        laps: list[float] = []
        found = 0
        for round_ in range(args.rounds + 1):
            for question in questions:
                for name, pipeline in pipelines.items():
                    started = time.perf_counter()
                    answer = pipeline.ask(question)
                    took = time.perf_counter() - started
                    if round_:  # the first round warms caches
                        walls[name].append(took)
                        if name == "with":
                            laps.append(answer.timings.get("disagree", 0.0))
                            found += bool(answer.disagreements) and round_ == 1
    p50 = {name: statistics.median(times) for name, times in walls.items()}
    result = {
        "questions": len(questions),
        "answers_timed_each": len(walls["with"]),
        "answers_with_a_disagreement": found,
        "ask_p50_ms": {name: round(1000 * value, 1) for name, value in p50.items()},
        "added_p50_ms": round(1000 * (p50["with"] - p50["without"]), 1),
        "disagree_step_p50_ms": round(1000 * statistics.median(laps), 2),
        "disagree_step_p95_ms": round(1000 * sorted(laps)[int(0.95 * (len(laps) - 1))], 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
