"""Wall time of ``rag ask`` on the seed corpus (extractive, index already built), and where
the time of an answer goes.

Usage: python bench/ask_latency.py [--runs 5]

Peers, interleaved in one run: the ``rag ask`` command as shipped (questions embedded
with the NumPy encoder), and the same command with questions embedded by
sentence-transformers (torch), as before the NumPy encoder. Then, in one process, the
mean seconds per step of ``Pipeline.ask`` over the seed gold questions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.ingest import Ingestor
from rag.pipeline import Pipeline
from rag.settings import Settings

REPO = Path(__file__).resolve().parent.parent
QUESTION = "What leverage does Moscow have over Astana?"
#: ``rag`` with questions embedded by sentence-transformers instead of NumPy.
TORCH_QUERIES = (
    "import sys\n"
    "from rag import embeddings\n"
    "full = embeddings.create_embedder\n"
    "embeddings.create_embedder = lambda settings, light=False: full(settings)\n"
    "from rag.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def wall(command: list[str], env: dict[str, str]) -> float:
    """Seconds from start to exit of ``command``, which must succeed."""
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def commands(question: str) -> dict[str, list[str]]:
    return {
        "rag ask (numpy queries)": [sys.executable, "-m", "rag", "ask", question],
        "rag ask (torch queries)": [sys.executable, "-c", TORCH_QUERIES, "ask", question],
    }


def time_commands(index: Path, runs: int) -> dict[str, dict[str, float]]:
    env = {**os.environ, "RAG_INDEX_DIR": str(index)}
    peers = commands(QUESTION)
    times: dict[str, list[float]] = {name: [] for name in peers}
    for command in peers.values():  # warm the page cache once
        wall(command, env)
    for _ in range(runs):
        for name, command in peers.items():
            times[name].append(wall(command, env))
    return {
        name: {"median_s": round(statistics.median(t), 2), "min_s": round(min(t), 2)}
        for name, t in times.items()
    }


def steps(settings: Settings) -> dict[str, float]:
    """Mean seconds per step of ``Pipeline.ask`` over the gold questions (after one warm-up)."""
    gold = REPO / "eval" / "seed.jsonl"
    questions = [json.loads(line)["question"] for line in gold.read_text().splitlines()]
    started = time.perf_counter()
    pipeline = Pipeline.from_settings(settings)
    opened = time.perf_counter() - started
    pipeline.ask(questions[0])
    laps = [pipeline.ask(q).timings for q in questions]
    means = {key: round(statistics.mean(t[key] for t in laps), 4) for key in laps[0]}
    return {"open_pipeline_s": round(opened, 3), **means}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index")
        Ingestor.from_settings(settings).run([REPO / "corpus"])
        timed = time_commands(settings.index_dir, args.runs)
        breakdown = steps(settings)
    ours, peer = (timed[name]["median_s"] for name in commands(QUESTION))
    result = {
        "commands": timed,
        "numpy_over_torch": round(ours / peer, 2),
        "pipeline_steps_mean_s": breakdown,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
