"""Concurrent questions to the running app through its API, and to the pipeline.

Usage: python bench/load.py [--questions 50] [--json]

Builds an index of the seed corpus in a temporary folder (or uses RAG_CHROMA_URL's server
and RAG_COLLECTION), starts ``app.py`` on a free port of 127.0.0.1 and sends the
questions of ``eval/seed.jsonl`` (repeated up to --questions) all at once to its ``/ask``
API, one client thread per question. Then the same questions, all at once, to one
``Pipeline`` in this process. Reported per path: wall time, questions per second, p50 and
p95 latency (from the moment all were sent, so queueing counts) and errors, where an error
is a question that raised, or came back without a cited answer although the pipeline
answers it with one when it is asked alone (load must not change an answer).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
#: Seconds one run of questions may take before the rest count as errors.
DEADLINE = 300.0


@dataclass
class Load:
    """What one burst of concurrent questions gave."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self, questions: int) -> dict[str, float | int]:
        ms = np.asarray(self.latencies or [0.0]) * 1000
        return {
            "questions": questions,
            "wall_s": round(self.seconds, 2),
            "per_s": round(questions / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(float(np.percentile(ms, 50))),
            "p95_ms": round(float(np.percentile(ms, 95))),
            "errors": len(self.errors),
        }


def seed_questions(count: int) -> list[str]:
    """``count`` questions of the seed gold set, repeated in order."""
    rows = [json.loads(line) for line in (REPO / "eval" / "seed.jsonl").read_text().splitlines()]
    questions = [row["question"] for row in rows if row]
    return [questions[i % len(questions)] for i in range(count)]


def answered_alone(pipeline: Any, questions: Sequence[str]) -> list[tuple[str, bool]]:
    """Each question with whether the pipeline gives it a cited answer when asked alone."""
    alone = {q: problem(pipeline_record(pipeline, q), True) is None for q in set(questions)}
    return [(question, alone[question]) for question in questions]


def problem(answer: dict[str, Any], answered: bool) -> str | None:
    """Why an answer is not the cited answer the question gets alone (None when it is)."""
    if not answered:
        return None
    if not answer.get("answered"):
        return "refused a question it answers when asked alone"
    if not any(s["citations"] for s in answer["sentences"]):
        return "no sentence cites a source"
    return None


def fire(ask: Callable[[str], dict[str, Any]], questions: Sequence[tuple[str, bool]]) -> Load:
    """Send every question at once, one thread each, and time them."""
    load = Load()

    def one(question: str, answerable: bool) -> tuple[float, str | None]:
        try:
            found = problem(ask(question), answerable)
        except Exception as exc:  # every failure is counted, whatever it is
            found = f"{type(exc).__name__}: {exc}"
        return time.perf_counter() - started, found

    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        started = time.perf_counter()
        futures = [pool.submit(one, q, answerable) for q, answerable in questions]
        for future in futures:
            seconds, error = future.result(timeout=DEADLINE)
            load.latencies.append(seconds)
            if error:
                load.errors.append(error)
    load.seconds = time.perf_counter() - started
    return load


def api_asker(url: str) -> Callable[[str], dict[str, Any]]:
    """Ask the running app through its ``/ask`` API with the official Gradio client."""
    from gradio_client import Client

    client = Client(url, verbose=False)

    def ask(question: str) -> dict[str, Any]:
        return dict(client.predict(question=question, api_name="/ask"))

    return ask


@contextmanager
def app(env: dict[str, str], port: int) -> Iterator[str]:
    """``app.py`` on 127.0.0.1:``port`` until the block ends."""
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, str(REPO / "app.py"), "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("app.py did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    from common import free_port

    from rag.index.sync import Ingestor
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    with tempfile.TemporaryDirectory(prefix="rag-load-") as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", corpus_dir=REPO / "corpus")
        Ingestor.sync(settings, [settings.corpus_dir], progress=False)
        pipeline = Pipeline.from_settings(settings)
        questions = answered_alone(pipeline, seed_questions(args.questions))
        env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir), "HF_HUB_OFFLINE": "1",
               "GRADIO_ANALYTICS_ENABLED": "False"}  # fmt: skip
        with app(env, free_port()) as url:
            asker = api_asker(url)
            asker(questions[0][0])  # the app's first answer loads the model
            api = fire(asker, questions)
        direct = fire(lambda q: pipeline_record(pipeline, q), questions)
    rows = {"api": api.summary(len(questions)), "pipeline": direct.summary(len(questions))}
    errors = sorted(set(api.errors + direct.errors))
    where = {"chroma": settings.chroma_url or "embedded", "cpus": os.cpu_count(),
             "answered_alone": sum(answered for _, answered in questions)}  # fmt: skip
    if args.json:
        print(json.dumps({**rows, "errors": errors, **where}, indent=2))
    else:
        print(f"{where}\n| path | questions | wall s | questions/s | p50 ms | p95 ms | errors |")
        print("|---|---|---|---|---|---|---|")
        for name, row in rows.items():
            print(f"| {name} | {' | '.join(str(v) for v in row.values())} |")
        for error in errors:
            print(f"error: {error}")
    return 1 if api.errors or direct.errors else 0


def pipeline_record(pipeline: Any, question: str) -> dict[str, Any]:
    """The pipeline's answer as the API returns it."""
    return pipeline.ask(question).to_dict()


if __name__ == "__main__":
    sys.exit(main())
