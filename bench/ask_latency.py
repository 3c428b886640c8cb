"""Wall time of ``rag ask`` on the seed corpus (extractive, index already built), and where
the time of an answer goes.

Usage: python bench/ask_latency.py [--runs 5]

Peers, interleaved in one run: on an index built with the float32 ``torch`` runtime, the
``rag ask`` command as shipped (questions embedded with the NumPy encoder) and the same
command with questions embedded by sentence-transformers (torch), as before the NumPy
encoder; and ``rag ask`` on an index built with the default runtime (``auto``), whose
questions are embedded by that runtime. Then, in one process, the mean seconds per step
of ``Pipeline.ask`` over the seed gold questions, on each index.
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
from typing import Any

from rag.index.sync import Ingestor
from rag.pipeline import Pipeline
from rag.settings import Settings

REPO = Path(__file__).resolve().parent.parent
QUESTION = "What leverage does Moscow have over Astana?"
#: ``rag`` with questions embedded by sentence-transformers instead of NumPy.
TORCH_QUERIES = (
    "import sys\n"
    "from rag.embed import factory\n"
    "full = factory.create_embedder\n"
    "factory.create_embedder = lambda settings, light=False: full(settings)\n"
    "from rag.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def wall(command: list[str], env: dict[str, str]) -> float:
    """Seconds from start to exit of ``command``, which must succeed."""
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def commands(float32: Path, default: Path) -> dict[str, tuple[list[str], Path]]:
    ask = [sys.executable, "-m", "rag", "ask", QUESTION]
    return {
        "rag ask, float32 index (numpy queries)": (ask, float32),
        "rag ask, float32 index (torch queries)": (
            [sys.executable, "-c", TORCH_QUERIES, "ask", QUESTION],
            float32,
        ),
        "rag ask, default-runtime index": (ask, default),
    }


def time_commands(peers: dict[str, tuple[list[str], Path]], runs: int) -> dict[str, Any]:
    def env(index: Path) -> dict[str, str]:
        return {**os.environ, "RAG_INDEX_DIR": str(index)}

    times: dict[str, list[float]] = {name: [] for name in peers}
    for command, index in peers.values():  # warm the page cache once
        wall(command, env(index))
    for _ in range(runs):
        for name, (command, index) in peers.items():
            times[name].append(wall(command, env(index)))
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
        float32 = Settings(index_dir=Path(tmp) / "float32", embed_runtime="torch")
        default = Settings(index_dir=Path(tmp) / "default")
        for settings in (float32, default):
            Ingestor.from_settings(settings).run([REPO / "corpus"])
        peers = commands(float32.index_dir, default.index_dir)
        timed = time_commands(peers, args.runs)
        runtime = Ingestor.from_settings(default).settings.embed_runtime
        breakdown = {"float32 (torch)": steps(float32), f"default ({runtime})": steps(default)}
    numpy, torch, ours = (timed[name]["median_s"] for name in peers)
    result = {
        "commands": timed,
        "numpy_over_torch": round(numpy / torch, 2),
        "default_over_numpy": round(ours / numpy, 2),
        "pipeline_steps_mean_s": breakdown,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
