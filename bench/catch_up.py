"""What bringing one machine's snapshot up to date costs, against reading it whole, at
several sizes: the snapshot code alone (no Chroma), so that its own share of a catch-up is
seen apart from the reads from the server that ``bench/scale.py`` measures.

For each size N: N copies of the real passages of the cached benchmark indexes (as
``bench/scale.py`` makes them) with their real MiniLM vectors are indexed whole
(``snapshot.build``: tokenising, BM25, columns) and saved; the saved snapshot is loaded,
and a change of 1,000 new passages and 1,000 deleted ones is applied to it
(``changes.apply``: the catch-up) and saved. Each step is timed once, with the process's
peak RSS after it. The peer of a catch-up is a whole build of the changed passages plus
its save, which is what a machine does without the change log. With ``--vectors none`` the
snapshot holds no vectors, as where Chroma serves dense search (``RAG_DENSE``).

Usage: python bench/catch_up.py [--sizes 100000,300000] [--vectors kept|none] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from common import DATA
from scale import copy_passage, load_base

from rag.index import snapshot as snapshots
from rag.index.changes import Delta, apply

CHANGE = 1000
T = TypeVar("T")


def timed(steps: dict[str, Any], label: str, work: Callable[[], T]) -> T:
    """Run ``work``, recording its seconds and the peak RSS after it under ``label``."""
    started = time.perf_counter()
    result = work()
    steps[label] = {
        "s": round(time.perf_counter() - started, 2),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    return result


def measure(size: int, data: Path, vectors: bool = True) -> dict[str, Any]:
    base = load_base(["rtqa", "scifact", "squad"], data)
    count = len(base.passages)
    rows = np.arange(size)
    passages = [copy_passage(base.passages[i % count], int(i), int(i) // count) for i in rows]
    steps: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="rag-catch-up-") as tmp:
        root = Path(tmp)
        kept = base.vectors[rows % count] if vectors else None
        built = timed(steps, "build whole", lambda: snapshots.build(passages, "s1", kept, 1))
        timed(steps, "save whole", lambda: snapshots.save(built, root, "c"))
        loaded = timed(steps, "load", lambda: snapshots.load(root, "c"))
        assert loaded is not None
        added = [copy_passage(base.passages[i % count], i, 10_000 + i) for i in range(CHANGE)]
        gone = frozenset(passages[i].id for i in range(0, 2 * CHANGE, 2))
        delta = Delta(gone, added, base.vectors[np.arange(CHANGE) % count] if vectors else None)
        after = timed(steps, "catch-up: apply the change", lambda: apply(loaded, delta, "s2", 2))
        timed(steps, "catch-up: save", lambda: snapshots.save(after, root, "c"))
        timed(steps, "search (BM25, one question)", lambda: after.search("grain exports", 50))
        disk = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    catch_up = steps["catch-up: apply the change"]["s"] + steps["catch-up: save"]["s"]
    whole = steps["build whole"]["s"] + steps["save whole"]["s"]
    return {"size": size, "steps": steps, "catch_up_s": round(catch_up, 2),
            "whole_s": round(whole, 2), "saved_mib": round(disk / 2**20)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated passage counts")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--vectors",
        choices=("kept", "none"),
        default="kept",
        help="kept: the snapshot holds the vectors (exact dense search); none: Chroma "
        "serves dense search (RAG_DENSE)",
    )
    args = parser.parse_args(argv)
    vectors = args.vectors == "kept"
    results = [measure(int(size), args.data, vectors) for size in args.sizes.split(",")]
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for result in results:
        print(f"== {result['size']:,} passages; saved snapshot {result['saved_mib']} MiB ==")
        for label, step in result["steps"].items():
            print(f"{label:30s} {step['s']:8.2f} s   peak RSS {step['peak_mib']:,} MiB")
        ratio = result["catch_up_s"] / result["whole_s"]
        print(f"catch-up {result['catch_up_s']} s; whole {result['whole_s']} s ({ratio:.3f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
