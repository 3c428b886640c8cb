"""The other processes of ``bench/scale.py``: an asking process and the ingesting process.

Usage (started by bench/scale.py, not by hand):
    python bench/scale_worker.py asker --questions Q.json --probe TEXT [--measure] [--dump F]
    python bench/scale_worker.py ingest --jsonl NEW.jsonl --probe-vector P.npy --sigma S

Both read the index from the environment (RAG_INDEX_DIR, RAG_CHROMA_URL, RAG_COLLECTION,
RAG_MODEL_CACHE) through ``Settings`` and ``open_index``. They speak to bench/scale.py in
JSON lines on standard output that start with ``@@ ``; the asker waits for a line on
standard input before it starts polling.

The asker embeds questions with the project's own embedder and answers with ``Retriever``.
The ingest runs the real ``Ingestor.run`` with an embedder that runs no model: each new
passage's vector is the probe question's real MiniLM vector plus Gaussian noise (cosine
about that of ``--sigma``), so the probe's nearest passages are the new ones.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed.base import Vectors, embedder_name
from rag.embed.factory import create_embedder
from rag.index.open import open_index
from rag.index.sync import Ingestor
from rag.retrieve.retriever import Retriever
from rag.settings import Settings

#: Marks the article ids of the passages the ingest adds (jsonl ids are ``path#id``).
NEW_MARK = "#new-"


def emit(message: dict[str, Any]) -> None:
    """One message to bench/scale.py."""
    sys.stdout.write("@@ " + json.dumps(message) + "\n")
    sys.stdout.flush()


def proc_status() -> dict[str, int]:
    """VmRSS, VmHWM and RssFile (mapped files resident, such as an mmap-ed snapshot) of
    this process, in bytes."""
    found: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssFile"):
            found[key] = int(value.split()[0]) * 1024
    return found


def rchar() -> int:
    """Bytes this process has read through read(2)-like calls (/proc/self/io)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


# the asker ---------------------------------------------------------------------------------


def open_retriever() -> Retriever:
    """The retriever on the index the environment names, with the project's embedder."""
    store, settings = open_index(Settings())
    return Retriever(store, create_embedder(settings, light=True), settings)


def timed_answers(retriever: Retriever, questions: Sequence[str]) -> list[float]:
    """Milliseconds of ``retrieve(q, k=10)`` for each question."""
    took = []
    for question in questions:
        started = time.perf_counter()
        retriever.retrieve(question, k=10)
        took.append((time.perf_counter() - started) * 1000)
    return took


def dense_dump(retriever: Retriever, questions: Sequence[str], path: Path) -> None:
    """Each question's vector and the ids of its 50 dense nearest, for recall. Each is
    embedded alone, as ``dense_scored`` does (int8 vectors depend on the batch)."""
    embed = retriever.embedder.embed
    vectors = np.asarray([embed([q])[0] for q in questions], dtype=np.float32)
    ids = [[p.id for p, _ in retriever.dense_scored(q, 50)] for q in questions]
    np.save(path.with_suffix(".npy"), vectors)
    path.write_text(json.dumps(ids), encoding="utf-8")


def sees_new(retriever: Retriever, probe: str) -> bool:
    """Whether the probe's answer holds a passage the ingest added."""
    return any(NEW_MARK in hit.passage.article_id for hit in retriever.retrieve(probe, k=10))


def poll(retriever: Retriever, probe: str, every: float, limit: float) -> dict[str, Any]:
    """Ask the probe until a new passage answers it; the times and rchar of every poll."""
    samples: list[tuple[float, int]] = []
    deadline = time.time() + limit
    polls = 0
    while time.time() < deadline:
        samples.append((time.time(), rchar()))
        polls += 1
        if sees_new(retriever, probe):
            return {
                "first_new": time.time(),
                "rchar_at": rchar(),
                "samples": samples,
                "polls": polls,
            }
        time.sleep(every)
    return {"first_new": None, "rchar_at": rchar(), "samples": samples, "polls": polls}


def asker(args: argparse.Namespace) -> None:
    """Warm up, (measure), say ready, wait for the go, poll until the change shows."""
    questions: list[str] = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    started = time.perf_counter()
    retriever = open_retriever()
    retriever.retrieve(questions[0], k=10)
    ready: dict[str, Any] = {"warm_s": time.perf_counter() - started}
    if args.measure:
        ready["latencies_ms"] = timed_answers(retriever, questions)
        ready.update(proc_status())
        dense_dump(retriever, questions, Path(args.dump))
    probe_vector = np.asarray(retriever.embedder.embed([args.probe])[0], dtype=np.float32)
    ready["probe_vector"] = probe_vector.tolist()
    ready["probe_new_before"] = sees_new(retriever, args.probe)
    ready["before"] = proc_status()
    emit({"ready": ready})
    sys.stdin.readline()
    found = poll(retriever, args.probe, args.poll_ms / 1000, args.limit)
    found["after"] = proc_status()
    emit({"caught_up": found})


# the ingest --------------------------------------------------------------------------------


class DerivedEmbedder:
    """Vectors without a model: ``base`` plus Gaussian noise of ``sigma``, normalised."""

    def __init__(self, name: str, base: np.ndarray, sigma: float) -> None:
        self.name = name
        self.base = base / np.linalg.norm(base)
        self.sigma = sigma
        self.rng = np.random.default_rng(7)
        self.texts = 0
        self.text_bytes = 0

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One derived vector per text."""
        self.texts += len(texts)
        self.text_bytes += sum(len(t.encode("utf-8")) for t in texts)
        noise = self.rng.standard_normal((len(texts), len(self.base))).astype(np.float32)
        rows = self.base + self.sigma * noise
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        return rows.tolist()


def ingest(args: argparse.Namespace) -> None:
    """``Ingestor.run`` on the new articles; wall-clock times around it."""
    store, settings = open_index(Settings())
    base = np.load(args.probe_vector).astype(np.float32)
    embedder = DerivedEmbedder(embedder_name(settings), base, args.sigma)
    ingestor = Ingestor(settings, store, lambda: embedder, progress=False)
    started = time.time()
    report = ingestor.run([Path(args.jsonl)])
    ended = time.time()
    emit(
        {
            "ingested": {
                "started": started,
                "ended": ended,
                "report": report.to_dict(),
                "texts": embedder.texts,
                "text_bytes": embedder.text_bytes,
            }
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    roles = parser.add_subparsers(dest="role", required=True)
    ask = roles.add_parser("asker")
    ask.add_argument("--questions", required=True)
    ask.add_argument("--probe", required=True)
    ask.add_argument("--measure", action="store_true")
    ask.add_argument("--dump", default="")
    ask.add_argument("--poll-ms", type=float, default=100.0)
    ask.add_argument("--limit", type=float, default=1800.0, help="seconds to wait for it")
    ing = roles.add_parser("ingest")
    ing.add_argument("--jsonl", required=True)
    ing.add_argument("--probe-vector", required=True)
    ing.add_argument("--sigma", type=float, required=True)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    asker(args) if args.role == "asker" else ingest(args)


if __name__ == "__main__":
    main()
