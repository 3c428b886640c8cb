"""Relative dates in news, measured on the hand-labelled expressions of
``bench/dates/labels.jsonl``: the project's resolver beside ``dateparser``'s ``search_dates``.

Usage: python bench/dates.py [--data ../shared/bench-data] [--labels PATH] [--peer-only]
       [--json] [--misses N]

``project`` is ``rag.text.times.time_expressions(text, published)``, run once per labelled
article with the article's ``published`` date in ISO form (``YYYY-MM-DD``, as the project's
readers pass it on). ``peer`` is ``dateparser.search.search_dates`` over the same text with
the publication day as ``RELATIVE_BASE`` and ``PREFER_DATES_FROM`` "past", English only;
each substring it returns is located in the text in order (searching on from the end of the
previous one; a substring not found there is dropped).

A label is *found* when a predicted span overlaps it (by one character or more); the
prediction taken for it is the one overlapping it most (the first of equals). It is
*resolved correctly* when found and the prediction's date equals the label's date:
the project's ``date`` string exactly (for a ``week`` label, the labelled Monday, so
"2022-05-09"); the peer's datetime cut to the label's granularity (``YYYY-MM-DD`` for a day,
``YYYY-MM`` for a month, ``YYYY`` for a year, the Monday of its week for a week).
Accuracy = correct / labelled, overall, over the relative labels, and per expression kind.
Each label's sha1 (of ``text[start:end]``) is checked; a mismatch stops the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from common import DATA

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "bench" / "dates" / "labels.jsonl"
KINDS = ("weekday", "day", "week", "month", "year", "month_name", "ago", "stated")
GRANULARITIES = ("day", "week", "month", "year")


class Span(Protocol):
    """What the scoring reads of a prediction (``rag.types.TimeRef`` has it)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def date(self) -> str: ...


@dataclass(frozen=True)
class Label:
    """One hand-labelled time expression: where it is and the date it names."""

    source: str
    start: int
    end: int
    kind: str
    date: str
    granularity: str


@dataclass(frozen=True)
class Found:
    """A prediction in the scorer's terms: a span and the date it names, as a string."""

    start: int
    end: int
    date: str


@dataclass(frozen=True)
class Article:
    """A labelled article's text and publication day."""

    text: str
    published: dt.date


def rtqa_entries(data: Path) -> dict[str, dict[str, Any]]:
    """rtqa-dev's corpus entries by id."""
    path = data / "rtqa-dev" / "corpus.jsonl"
    if not path.is_file():
        raise SystemExit(f"{path}: no such file (is --data the bench-data folder?)")
    lines = path.read_text(encoding="utf-8").splitlines()
    return {entry["id"]: entry for entry in map(json.loads, lines)}


def read_day(value: str) -> dt.date:
    """A publication date as rtqa-dev writes it (``2022/05/12``) or in ISO form."""
    return dt.date.fromisoformat(value.strip().replace("/", "-"))


def read_labels(
    path: Path, entries: dict[str, dict[str, Any]]
) -> tuple[dict[str, list[Label]], dict[str, Article]]:
    """Labels and articles by source; a line that is unreadable or whose sha1 does not match
    its article stops the run."""
    labels: dict[str, list[Label]] = {}
    articles: dict[str, Article] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            source = row["source"]
            entry = entries[source.removeprefix("rtqa:")]
            if source not in articles:
                articles[source] = Article(entry["text"], read_day(entry["published"]))
            label = Label(
                source, int(row["start"]), int(row["end"]), row["expression_kind"],
                row["date"], row["granularity"],
            )  # fmt: skip
            if label.kind not in KINDS or label.granularity not in GRANULARITIES:
                raise ValueError(f"unknown kind or granularity in {row}")
        except (ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"{path}:{n}: unreadable label ({exc!r})") from None
        got = articles[source].text[label.start : label.end]
        if hashlib.sha1(got.encode()).hexdigest() != row["sha1"]:
            raise SystemExit(
                f"{path}:{n}: sha1 differs from that of {source}[{label.start}:{label.end}]"
            )
        labels.setdefault(source, []).append(label)
    return labels, articles


def project_resolver() -> Callable[[str, str | None], Sequence[Span]]:
    """``rag.text.times.time_expressions``; a one-line exit when it is not there yet."""
    try:
        module = importlib.import_module("rag.text.times")
    except ModuleNotFoundError as exc:
        raise SystemExit(
            f"rag.text.times cannot be imported ({exc}); use --peer-only to score the peer"
        ) from None
    resolver = getattr(module, "time_expressions", None)
    if resolver is None:
        raise SystemExit("rag.text.times has no time_expressions; use --peer-only")
    return resolver


def project(text: str, published: dt.date) -> list[Found]:
    """The project's time expressions in ``text``, as spans and date strings."""
    refs = project_resolver()(text, published.isoformat())
    return [Found(r.start, r.end, r.date) for r in refs]


def peer(text: str, published: dt.date) -> list[Found]:
    """``search_dates`` over ``text``, each substring located in order; dates are ISO days
    (compared at the label's granularity)."""
    from dateparser.search import search_dates

    base = dt.datetime.combine(published, dt.time())
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
    pairs = search_dates(text, settings=settings, languages=["en"]) or []
    found, cursor = [], 0
    for substring, when in pairs:
        at = text.find(substring, cursor)
        if at < 0:
            continue
        found.append(Found(at, at + len(substring), when.date().isoformat()))
        cursor = at + len(substring)
    return found


def monday(day: str) -> str:
    """The Monday of the week holding an ISO day."""
    date = dt.date.fromisoformat(day)
    return (date - dt.timedelta(date.weekday())).isoformat()


def same_date(predicted: str, label: Label, by_day: bool) -> bool:
    """Whether a predicted date is the label's: exactly (the project), or a day cut to the
    label's granularity (the peer, whose dates are always days)."""
    if not by_day:
        return predicted == label.date
    if label.granularity == "week":
        return monday(predicted) == label.date
    return predicted[: {"day": 10, "month": 7, "year": 4}[label.granularity]] == label.date


def best(found: list[Found], label: Label) -> Found | None:
    """The prediction overlapping the label most (the first of equals), if any overlaps."""
    scored = [(min(f.end, label.end) - max(f.start, label.start), i) for i, f in enumerate(found)]
    overlaps = [(size, i) for size, i in scored if size > 0]
    if not overlaps:
        return None
    return found[min(overlaps, key=lambda p: (-p[0], p[1]))[1]]


def _ratio(n: int, d: int) -> float | None:
    return round(n / d, 3) if d else None


def score(
    found: dict[str, list[Found]], labels: dict[str, list[Label]], by_day: bool
) -> dict[str, Any]:
    """Found and correct counts and accuracy, overall, relative only and per kind, and every
    label not resolved correctly (by offsets: the JSON output holds no article text)."""
    count: Counter[str] = Counter()
    misses = []
    for source, gold in labels.items():
        got = found.get(source, [])
        count["predicted"] += len(got)
        for label in gold:
            hit = best(got, label)
            right = hit is not None and same_date(hit.date, label, by_day)
            groups = ["all", label.kind] + (["relative"] if label.kind != "stated" else [])
            for group in groups:
                count[f"labelled {group}"] += 1
                count[f"found {group}"] += hit is not None
                count[f"correct {group}"] += right
            if not right:
                misses.append({
                    "source": source, "start": label.start, "end": label.end,
                    "kind": label.kind, "labelled": label.date,
                    "predicted": None if hit is None else hit.date,
                    "predicted_span": None if hit is None else [hit.start, hit.end],
                })  # fmt: skip
    out: dict[str, Any] = {"predicted_in_labelled_articles": count["predicted"]}
    for group in ("all", "relative", *KINDS):
        labelled = count[f"labelled {group}"]
        out[group] = {
            "labelled": labelled,
            "found": count[f"found {group}"],
            "correct": count[f"correct {group}"],
            "found_rate": _ratio(count[f"found {group}"], labelled),
            "accuracy": _ratio(count[f"correct {group}"], labelled),
        }
    out["misses"] = misses
    return out


def show(results: dict[str, Any], articles: dict[str, Article], misses: int) -> None:
    """The results as a readable table, then the misses of each resolver with their text."""
    labels = results["labels"]
    kinds = ", ".join(f"{k} {labels[k]}" for k in KINDS)
    print(f"labelled expressions: {labels['expressions']} in {labels['articles']} articles "
          f"({kinds})")  # fmt: skip
    names = [name for name in ("project", "peer") if name in results]
    print(f"\n{'':12}" + "".join(f"{name + ': found, correct, accuracy':>38}" for name in names))
    for group in ("all", "relative", *KINDS):
        cells = ""
        for name in names:
            row = results[name][group]
            accuracy = "-" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
            cells += (
                f"{row['found']:>16}/{row['labelled']:<4}{row['correct']:>8}/{row['labelled']:<4}"
            )
            cells += f"{accuracy:>6}"
        print(f"{group:12}{cells}")
    for name in names:
        shown, every = results[name]["misses"][:misses], len(results[name]["misses"])
        more = f" (first {len(shown)})" if len(shown) < every else ""
        print(f"\n{name}: {every} labels not resolved correctly{more}")
        for miss in shown:
            article = articles[miss["source"]]
            expression = article.text[miss["start"] : miss["end"]]
            predicted = "not found"
            if miss["predicted_span"] is not None:
                a, b = miss["predicted_span"]
                predicted = f"{miss['predicted']} from {article.text[a:b]!r}"
            print(f"  {miss['source'].removeprefix('rtqa:')} ({article.published}) "
                  f"{miss['kind']:10} {expression!r}: labelled {miss['labelled']}, "
                  f"predicted {predicted}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--peer-only", action="store_true", help="score dateparser alone")
    parser.add_argument("--misses", type=int, default=1000, help="misses listed per resolver")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not args.peer_only:
        project_resolver()  # fail before any work when the resolver is not there
    labels, articles = read_labels(args.labels, rtqa_entries(args.data))
    every = Counter(label.kind for gold in labels.values() for label in gold)
    results: dict[str, Any] = {"labels": {"expressions": every.total(), "articles": len(labels)}}
    results["labels"] |= {k: every[k] for k in KINDS}
    resolvers = {"peer": (peer, True)} if args.peer_only else {
        "project": (project, False), "peer": (peer, True)
    }  # fmt: skip
    for name, (resolve, by_day) in resolvers.items():
        found = {s: resolve(a.text, a.published) for s, a in articles.items()}
        results[name] = score(found, labels, by_day)
    if args.json:
        json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        show(results, articles, args.misses)


if __name__ == "__main__":
    main()
