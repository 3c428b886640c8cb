"""Conflicts between two sentences on one point, measured on the hand-written pairs of
``bench/disagreements/pairs.jsonl``: the project's detector beside a number-mismatch rule.

Usage: python bench/disagreements.py [--pairs PATH] [--split tune|heldout|fresh|fresh2|all]
       [--repeats 3] [--peer-only] [--misses] [--json]

``project`` is ``rag.text.conflicts.conflict(a, b)``: a pair counts as flagged when it
returns a ``Conflict`` (anything but ``None``). ``peer`` is a one-line rule, number mismatch
alone: a conflict when both sentences hold at least one number (digits, thousands
separators dropped, decimals compared by value: "3,000" = "3000", "4.0" = "4") and their
sets of numbers differ; its kind is always ``number``. Written-out numbers ("fifteen") are
not numbers to it.

Scores: conflict detection precision, recall and F1 over the pairs (a flagged pair is a true
positive when it is labelled a conflict, whatever kind was given), recall per labelled kind,
and among the true positives how often the flagged ``kind`` is the labelled one; false
alarms per category of the pairs that do not conflict. ``conflict`` is timed per pair (the
mean over ``--repeats`` calls, after one untimed warm-up call), reported as the mean over
pairs in µs. The misses (missed conflicts and false alarms) are printed with both sentences;
``--misses`` (or ``--peer-only``) prints the peer's too. The fresh sets
(``--pairs bench/disagreements/fresh.jsonl``, ``fresh2.jsonl``), written after the detector
was tuned on both splits of ``pairs.jsonl``, give the figures to report.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "bench" / "disagreements" / "pairs.jsonl"
KINDS = ("number", "date", "negation", "assessment")
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
# What a detector gives for one pair: None, or (kind, point).
Found = tuple[str, str] | None


#: The splits a pair may belong to: tuned on, held out, and written after the tuning
#: (``bench/disagreements/fresh.jsonl``, ``fresh2.jsonl``) by people who had not read the
#: detector.
SPLITS = ("tune", "heldout", "fresh", "fresh2")


def read_pairs(path: Path, split: str) -> list[dict[str, Any]]:
    """The labelled pairs of ``split`` ("all" for every one); a malformed line stops the run."""
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            if not isinstance(row["a"], str) or not isinstance(row["b"], str):
                raise ValueError("a and b must be strings")
            if row["conflict"] != (row["kind"] in KINDS) or row["split"] not in SPLITS:
                raise ValueError("conflict, kind and split do not agree")
        except (ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"{path}:{n}: unreadable pair ({exc!r})") from None
        if split in ("all", row["split"]):
            pairs.append(row)
    return pairs


def numbers(text: str) -> set[Decimal]:
    """The numbers written in digits in ``text``, thousands separators dropped, by value."""
    return {Decimal(m.group().replace(",", "")).normalize() for m in _NUMBER.finditer(text)}


def peer(a: str, b: str) -> Found:
    """Number mismatch alone: both sentences hold a number and their sets of numbers differ."""
    x, y = numbers(a), numbers(b)
    return ("number", "") if x and y and x != y else None


def project_detector() -> Callable[[str, str], Found]:
    """``rag.text.conflicts.conflict`` as (kind, point) or None; a missing module stops the run."""
    try:
        module = importlib.import_module("rag.text.conflicts")
    except ModuleNotFoundError as exc:
        if exc.name not in ("rag.text.conflicts", "rag.text", "rag"):
            raise
        raise SystemExit(
            "bench/disagreements.py: rag.text.conflicts does not exist yet "
            "(use --peer-only to score the number-mismatch peer alone)"
        ) from None
    conflict = module.conflict

    def detect(a: str, b: str) -> Found:
        got = conflict(a, b)
        return None if got is None else (str(got.kind), str(got.point))

    return detect


def run(
    detect: Callable[[str, str], Found], pairs: list[dict[str, Any]], repeats: int
) -> tuple[list[Found], list[float]]:
    """What ``detect`` gives for each pair, and its mean µs per call on each pair."""
    found, micros = [], []
    detect(pairs[0]["a"], pairs[0]["b"])  # warm-up, untimed
    for pair in pairs:
        got: Found = None
        started = time.perf_counter()
        for _ in range(repeats):
            got = detect(pair["a"], pair["b"])
        micros.append(1e6 * (time.perf_counter() - started) / repeats)
        found.append(got)
    return found, micros


def _ratio(n: int, d: int) -> float | None:
    return round(n / d, 3) if d else None


def score(pairs: list[dict[str, Any]], found: list[Found]) -> dict[str, Any]:
    """Precision, recall, F1, per-kind recall and kind agreement, false alarms per category."""
    count: Counter[str] = Counter()
    for pair, got in zip(pairs, found, strict=True):
        kind = pair["kind"]
        if pair["conflict"]:
            count[f"labelled {kind}"] += 1
            if got is not None:
                count["tp"] += 1
                count[f"tp {kind}"] += 1
                count["kind"] += got[0] == kind
                count[f"kind {kind}"] += got[0] == kind
        else:
            count["negatives"] += 1
            count[f"negatives {pair['category']}"] += 1
            if got is not None:
                count["fp"] += 1
                count[f"fp {pair['category']}"] += 1
    labelled = sum(count[f"labelled {k}"] for k in KINDS)
    precision = _ratio(count["tp"], count["tp"] + count["fp"])
    recall = _ratio(count["tp"], labelled)
    f1 = round(2 * precision * recall / (precision + recall), 3) if precision and recall else 0.0
    out: dict[str, Any] = {
        "flagged": count["tp"] + count["fp"], "true_positives": count["tp"],
        "false_positives": count["fp"], "false_negatives": labelled - count["tp"],
        "precision": precision, "recall": recall, "f1": f1,
        "kind_right_among_true_positives": _ratio(count["kind"], count["tp"]),
    }  # fmt: skip
    for k in KINDS:
        out[k] = {
            "labelled": count[f"labelled {k}"],
            "recall": _ratio(count[f"tp {k}"], count[f"labelled {k}"]),
            "kind_right_among_found": _ratio(count[f"kind {k}"], count[f"tp {k}"]),
        }
    categories = sorted({p["category"] for p in pairs if not p["conflict"]})
    out["false_alarms_by_category"] = {
        c: f"{count[f'fp {c}']}/{count[f'negatives {c}']}" for c in categories
    }
    return out


def misses(pairs: list[dict[str, Any]], found: list[Found]) -> list[dict[str, Any]]:
    """Missed conflicts and false alarms, with both sentences and what was expected and got."""
    out = []
    for pair, got in zip(pairs, found, strict=True):
        if pair["conflict"] != (got is not None):
            expected = pair["kind"] if pair["conflict"] else "none"
            out.append({
                "id": pair["id"], "category": pair["category"], "expected": expected,
                "got": "none" if got is None else ": ".join(x for x in got if x),
                "a": pair["a"], "b": pair["b"],
            })  # fmt: skip
    return out


def show(results: dict[str, Any]) -> None:
    """The results as a readable table, then the misses."""
    p = results["pairs"]
    print(f"pairs ({results['split']}): {p['total']}, {p['conflicting']} conflicting "
          f"({', '.join(f'{k} {p[k]}' for k in KINDS)}), {p['not_conflicting']} not")  # fmt: skip
    names = [n for n in ("project", "peer") if n in results]
    print(f"\n{'':40}" + "".join(f"{n:>10}" for n in names))
    first = results[names[0]]
    rows = [k for k in first if not isinstance(first[k], dict)]
    lines = [(k, [results[n][k] for n in names]) for k in rows]
    for k in KINDS:
        for key in ("recall", "kind_right_among_found"):
            lines.append((f"{k}: {key}", [results[n][k][key] for n in names]))
    for category in first["false_alarms_by_category"]:
        values = [results[n]["false_alarms_by_category"][category] for n in names]
        lines.append((f"false alarms: {category}", values))
    for name, values in lines:
        cells = "".join(f"{'-' if v is None else v:>10}" for v in values)
        print(f"{name.replace('_', ' '):40}{cells}")
    if "project_us_per_pair" in results:
        t = results["project_us_per_pair"]
        print(f"\nconflict(): {t['mean']} µs per pair (median {t['median']}, "
              f"slowest {t['max']})")  # fmt: skip
    for name in names:
        if f"{name}_misses" not in results:
            continue
        missed = results[f"{name}_misses"]
        print(f"\n{name} misses ({len(missed)}):")
        for m in missed:
            print(f"  {m['id']} [{m['category']}] expected {m['expected']}, got {m['got']}")
            print(f"    a: {m['a']}\n    b: {m['b']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per pair")
    parser.add_argument("--peer-only", action="store_true", help="score the peer alone")
    parser.add_argument("--misses", action="store_true", help="print the peer's misses too")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    pairs = read_pairs(args.pairs, args.split)
    if not pairs:
        raise SystemExit(f"{args.pairs}: no pairs in split {args.split!r}")
    kinds = Counter(p["kind"] for p in pairs if p["conflict"])
    conflicting = kinds.total()
    results: dict[str, Any] = {"split": args.split, "pairs": {
        "total": len(pairs), "conflicting": conflicting,
        "not_conflicting": len(pairs) - conflicting, **{k: kinds[k] for k in KINDS},
    }}  # fmt: skip
    if not args.peer_only:
        found, micros = run(project_detector(), pairs, max(1, args.repeats))
        results["project"] = score(pairs, found)
        results["project_us_per_pair"] = {
            "mean": round(statistics.mean(micros), 1),
            "median": round(statistics.median(micros), 1),
            "max": round(max(micros), 1),
        }
        results["project_misses"] = misses(pairs, found)
    peer_found, _ = run(peer, pairs, 1)
    results["peer"] = score(pairs, peer_found)
    if args.peer_only or args.misses:
        results["peer_misses"] = misses(pairs, peer_found)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        show(results)


if __name__ == "__main__":
    main()
