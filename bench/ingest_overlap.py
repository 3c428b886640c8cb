"""The ingest with and without its worker thread, and the encoder alone, on a sample of
BEIR SciFact, for each ONNX runtime.

Usage: python bench/ingest_overlap.py [--data ../shared/bench-data/scifact] [--articles 1200]

For each runtime, in one process: the encoder alone on the sample's passage texts (model
loaded), then ``Ingestor.run`` of the sample into a new index as shipped (the next group
split and embedded while the last is written), then the same with the groups made in the
writing thread, one after the other.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from ingest_scifact import passage_texts

from rag.embed.factory import create_embedder
from rag.index import sync as ingest
from rag.index.sync import Ingestor
from rag.settings import Settings

T = TypeVar("T")


@contextlib.contextmanager
def in_line(source: Iterator[T]) -> Iterator[Iterator[T]]:
    """``prefetch`` without its thread: each item made when it is taken."""
    yield source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/bench-data/scifact"))
    parser.add_argument("--articles", type=int, default=1200)
    args = parser.parse_args()
    lines = (args.data / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    sample = random.Random(1).sample(lines, args.articles)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "sample.jsonl"
        corpus.write_text("\n".join(sample) + "\n", encoding="utf-8")
        base = Settings(model_cache=Path(tmp) / "models")
        texts = passage_texts(base, corpus)
        results["passages"] = len(texts)
        for runtime in ("onnx-int8", "onnx"):
            settings = base.model_copy(update={"embed_runtime": runtime})
            results[runtime] = measure(settings, corpus, texts, Path(tmp) / runtime)
    print(json.dumps(results, indent=2))


def measure(settings: Settings, corpus: Path, texts: list[str], folder: Path) -> dict:
    embedder = create_embedder(settings)
    started = time.perf_counter()
    embedder.embed(texts)
    alone = len(texts) / (time.perf_counter() - started)
    overlapped = Ingestor.from_settings(settings.model_copy(update={"index_dir": folder / "a"}))
    shipped = overlapped.run([corpus]).rate
    threaded = ingest.prefetch
    ingest.prefetch = in_line  # type: ignore[assignment]
    try:
        plain = Ingestor.from_settings(settings.model_copy(update={"index_dir": folder / "b"}))
        one_thread = plain.run([corpus]).rate
    finally:
        ingest.prefetch = threaded
    return {
        "encoder_alone_per_s": round(alone, 1),
        "ingest_per_s": round(shipped, 1),
        "ingest_without_worker_per_s": round(one_thread, 1),
        "worker_gain": round(shipped / one_thread, 3),
        "ingest_over_encoder": round(shipped / alone, 3),
    }


if __name__ == "__main__":
    main()
