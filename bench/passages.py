"""Splitting on BEIR SciFact: time to read and split, and passage lengths in the model's tokens.

Usage: python bench/passages.py [--data ../shared/bench-data/scifact]

Reports how many embedding inputs (title + passage) run past the model's window and are
truncated by the encoder.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from rag.embed.local import LocalEmbedder
from rag.ingest.readers import read_file
from rag.ingest.split import Splitter
from rag.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/bench-data/scifact"))
    args = parser.parse_args()
    settings = Settings()
    started = time.perf_counter()
    articles = read_file(args.data / "corpus.jsonl", 10**10).articles
    read_s = time.perf_counter() - started
    splitter = Splitter(settings.chunk_size, settings.chunk_overlap)
    started = time.perf_counter()
    passages = [p for article in articles for p in splitter.split(article)]
    split_s = time.perf_counter() - started
    model = LocalEmbedder(settings).model
    lengths = [
        len(ids) for ids in model.tokenizer([p.embedding_text() for p in passages])["input_ids"]
    ]
    window = model.max_seq_length or model.tokenizer.model_max_length
    over = sum(n > window for n in lengths)
    print(
        json.dumps(
            {
                "articles": len(articles),
                "passages": len(passages),
                "read_s": round(read_s, 2),
                "split_s": round(split_s, 2),
                "model_window": window,
                "tokens_median": statistics.median(lengths),
                "tokens_max": max(lengths),
                "over_window": over,
                "over_window_share": round(over / len(lengths), 4),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
