"""Embedding one question at a time: the NumPy encoder on one BLAS thread (as shipped), on
every BLAS thread, and sentence-transformers (torch), interleaved over the same questions.

Usage: python bench/question_encoder.py [--questions 200] [--busy N]

``--busy N`` keeps N other processes spinning on the CPU while it measures, as another
busy program (an ingest, a second request) would.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from threadpoolctl import threadpool_limits

from rag.embed.factory import create_embedder
from rag.embed.local import LocalEmbedder
from rag.settings import Settings

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "bench-data"
SPIN = "while True: pass"


def peers(settings: Settings) -> dict[str, Callable[[str], object]]:
    light = create_embedder(settings, light=True)
    model = getattr(light, "model")  # noqa: B009 - the NumPy encoder behind the embedder
    torch = LocalEmbedder(settings)

    def all_threads(text: str) -> object:
        with threadpool_limits(limits=None):
            return model._encode([text])

    return {
        "numpy, 1 thread (shipped)": lambda text: light.embed([text]),
        "numpy, all threads": all_threads,
        "torch (sentence-transformers)": lambda text: torch.embed([text]),
    }


def measure(timed: dict[str, Callable[[str], object]], texts: list[str]) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in timed}
    for text in texts:
        for name, embed in timed.items():
            started = time.perf_counter()
            embed(text)
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: round(statistics.median(values), 2) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--busy", type=int, default=0, help="spinning processes beside it")
    args = parser.parse_args()
    lines = (args.data / "scifact" / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines[: args.questions]]
    timed = peers(Settings(embed_runtime="torch"))
    measure(timed, texts[:10])  # warm-up
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(args.busy)]
    try:
        p50 = measure(timed, texts)
    finally:
        for spinner in spinners:
            spinner.kill()
    print(json.dumps({"questions": len(texts), "busy": args.busy, "p50_ms": p50}, indent=2))


if __name__ == "__main__":
    main()
