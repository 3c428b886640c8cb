"""Ingest speed on BEIR SciFact: the whole ingest against a bare SentenceTransformer.encode.

Usage: python bench/ingest_scifact.py [--data ../shared/bench-data/scifact] [--limit N]

Both sides embed the same passage texts with the same model in this one process: the
ingest with the default runtime, the bare side float32 sentence-transformers at batch 32,
timed around ``encode`` alone (model already loaded); the ingest is timed around the whole
run (reading, splitting, model load, Chroma writes). ``bench/embed_runtimes.py`` compares
the runtimes in more detail.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.embed.local import LocalEmbedder
from rag.index.sync import Ingestor
from rag.ingest.readers import read_file
from rag.ingest.split import Splitter
from rag.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/bench-data/scifact"))
    parser.add_argument("--limit", type=int, default=0, help="first N abstracts only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = prepare_corpus(args.data / "corpus.jsonl", Path(tmp), args.limit)
        settings = Settings(index_dir=Path(tmp) / "index")
        results = run(settings, corpus)
    print(json.dumps(results, indent=2))


def prepare_corpus(source: Path, tmp: Path, limit: int) -> Path:
    """The SciFact corpus itself, or its first ``limit`` lines in a temporary file."""
    if not limit:
        return source
    lines = source.read_text(encoding="utf-8").splitlines()[:limit]
    target = tmp / "corpus.jsonl"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def run(settings: Settings, corpus: Path) -> dict[str, float | int | str]:
    """Time the first ingest, a second unchanged one, and the bare encoder."""
    first = Ingestor.from_settings(settings, progress=True).run([corpus])
    second = Ingestor.from_settings(settings).run([corpus])
    cli_seconds = time_cli(settings, corpus)
    texts = passage_texts(settings, corpus)
    model = LocalEmbedder(settings).model
    started = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    bare = time.perf_counter() - started
    return {
        "articles": first.added,
        "passages": first.embedded,
        "bare_batch_size": 32,
        "ingest_s": round(first.seconds, 1),
        "ingest_passages_per_s": round(first.rate, 2),
        "bare_encode_s": round(bare, 1),
        "bare_passages_per_s": round(len(texts) / bare, 2),
        "ingest_over_bare": round(first.rate / (len(texts) / bare), 3),
        "second_ingest_s": round(second.seconds, 2),
        "second_over_first": round(second.seconds / first.seconds, 4),
        "second_ingest_cli_s": round(cli_seconds, 2),
        "second_cli_over_first": round(cli_seconds / first.seconds, 4),
    }


def time_cli(settings: Settings, corpus: Path) -> float:
    """Wall time of ``rag ingest`` as a person runs it, interpreter start included."""
    env = {"RAG_INDEX_DIR": str(settings.index_dir), "PATH": str(Path(sys.executable).parent)}
    started = time.perf_counter()
    subprocess.run(["rag", "ingest", str(corpus)], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def passage_texts(settings: Settings, corpus: Path) -> list[str]:
    """The exact texts the ingest embedded, split again outside the timed region."""
    splitter = Splitter(settings.chunk_size, settings.chunk_overlap)
    articles = read_file(corpus, 10**10).articles
    return [p.embedding_text() for a in articles for p in splitter.split(a)]


if __name__ == "__main__":
    main()
