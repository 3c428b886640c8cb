"""Who says what, measured on the hand-labelled spans of ``bench/attribution/labels.jsonl``:
the project's extractor beside a rule-only baseline, and what attribution costs the ingest.

Usage: python bench/attribution.py [--data ../shared/bench-data] [--labels PATH]
       [--repeats 1] [--articles 300] [--no-ingest] [--json]

``project`` is ``rag.text.attribution.attributions`` with its ``continued`` spans left out
(they carry the previous sentence's attribution; the labels hold only spans with a cue of
their own). ``baseline`` is a ten-minute rule: every quotation (``quotation_spans``) of 5+
words is ``direct``, said by the nearest capitalised 2-3 word name before it in the text,
else the nearest after it in its paragraph. A found span matches a labelled one of the same
article when they overlap by half the longer or more (one to one, largest overlaps first).
Span precision and recall; among matched spans, speaker (equal after lower-casing and
dropping "the ", or the same last word) and kind; per labelled kind, the same. Each label's
sha1 (of ``text[start:end]``) is checked; a mismatch stops the run.

Ingest: the first ``--articles`` rtqa-dev entries of over 400 words, as one jsonl, built by
the project's ``Ingestor`` into fresh temporary indexes with attribution off
(``rag.ingest.split.attributions`` = ``lambda text: []``) and on, alternately, ``--repeats``
pairs after one small untimed warm-up build: medians of wall s and passages/s, the on/off
ratio, and ``attributions`` alone over the same articles (mean, median, slowest).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import DATA
from tqdm import tqdm

import rag.ingest.split as split
from rag.index.sync import Ingestor
from rag.ingest.readers import read_markdown
from rag.settings import Settings
from rag.text.attribution import attributions
from rag.text.quotations import quotation_spans
from rag.types import Attribution

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "bench" / "attribution" / "labels.jsonl"
KINDS = ("direct", "reported", "anonymous", "relayed")
_NAME = re.compile(r"\b[A-Z][\w’'-]+(?: [A-Z][\w’'-]+){1,2}\b")
Spans = dict[str, list[Attribution]]


def rtqa_entries(data: Path) -> list[dict[str, Any]]:
    """rtqa-dev's corpus entries, in file order."""
    path = data / "rtqa-dev" / "corpus.jsonl"
    if not path.is_file():
        raise SystemExit(f"{path}: no such file (is --data the bench-data folder?)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def article_text(source: str, rtqa: dict[str, str]) -> str:
    """The text a label's offsets are into: a corpus file's body as the project reads it
    (after its front matter), or an rtqa entry's ``text``."""
    if source.startswith("rtqa:"):
        return rtqa[source.removeprefix("rtqa:")]
    return next(iter(read_markdown((ROOT / source).read_bytes(), source))).text


def read_labels(path: Path, rtqa: dict[str, str]) -> tuple[Spans, dict[str, str]]:
    """Labelled spans and texts by source; a line whose sha1 does not match stops the run."""
    labels: Spans = {}
    texts: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            source, start, end, kind = row["source"], row["start"], row["end"], row["kind"]
            if source not in texts:
                texts[source] = article_text(source, rtqa)
            span = Attribution(start, end, KINDS[KINDS.index(kind)], row["speaker"], row["role"])
        except (ValueError, KeyError, OSError) as exc:
            raise SystemExit(f"{path}:{n}: unreadable label ({exc!r})") from None
        if hashlib.sha1(texts[source][start:end].encode()).hexdigest() != row["sha1"]:
            raise SystemExit(f"{path}:{n}: sha1 differs from that of {source}[{start}:{end}]")
        labels.setdefault(source, []).append(span)
    return labels, texts


def baseline(text: str) -> list[Attribution]:
    """Quotations of 5+ words, each said by the nearest capitalised name before it, else
    the nearest after it in its paragraph."""
    names = [(m.start(), m.end(), m.group()) for m in _NAME.finditer(text)]
    found = []
    for start, end in quotation_spans(text):
        if len(text[start:end].split()) < 5:
            continue
        before = [name for a, b, name in names if b <= start]
        after = [name for a, b, name in names if a >= end and "\n" not in text[end:a]]
        speaker = before[-1] if before else after[0] if after else ""
        found.append(Attribution(start, end, "direct", speaker))
    return found


def matches(found: list[Attribution], gold: list[Attribution]) -> list[tuple[int, int]]:
    """(found, gold) index pairs overlapping by half the longer span or more, one to one,
    the largest overlaps first."""
    pairs = []
    for i, f in enumerate(found):
        for j, g in enumerate(gold):
            overlap = min(f.end, g.end) - max(f.start, g.start)
            if overlap > 0 and overlap >= max(f.end - f.start, g.end - g.start) / 2:
                pairs.append((overlap, i, j))
    taken: list[tuple[int, int]] = []
    for _, i, j in sorted(pairs, key=lambda p: -p[0]):
        if all(i != a and j != b for a, b in taken):
            taken.append((i, j))
    return taken


def same_speaker(found: str, gold: str) -> bool:
    """Equal after lower-casing and dropping "the ", or the same last word (surname)."""
    a, b = (s.lower().strip().removeprefix("the ").strip() for s in (found, gold))
    last_a, last_b = (s.split()[-1].strip(".,;:’'\"") if s.split() else "" for s in (a, b))
    return a == b or (bool(last_a) and last_a == last_b)


def _ratio(n: int, d: int) -> float | None:
    return round(n / d, 3) if d else None


def score(found: Spans, labels: Spans) -> dict[str, Any]:
    """Span precision and recall, speaker and kind accuracy, overall and per labelled kind."""
    count: Counter[str] = Counter()
    for source, gold in labels.items():
        got = found.get(source, [])
        count["found"] += len(got)
        count.update(f"labelled {g.kind}" for g in gold)
        for i, j in matches(got, gold):
            kind = gold[j].kind
            for key in ("", f" {kind}"):
                count["matched" + key] += 1
                count["speaker" + key] += same_speaker(got[i].speaker, gold[j].speaker)
                count["kind" + key] += got[i].kind == kind
    labelled = sum(count[f"labelled {k}"] for k in KINDS)
    out: dict[str, Any] = {
        "found": count["found"], "matched": count["matched"],
        "span_precision": _ratio(count["matched"], count["found"]),
        "span_recall": _ratio(count["matched"], labelled),
        "speaker_right_among_found": _ratio(count["speaker"], count["matched"]),
        "speaker_right_over_labelled": _ratio(count["speaker"], labelled),
        "kind_right_among_found": _ratio(count["kind"], count["matched"]),
    }  # fmt: skip
    for k in KINDS:
        out[k] = {
            "labelled": count[f"labelled {k}"],
            "recall": _ratio(count[f"matched {k}"], count[f"labelled {k}"]),
            "speaker_right_among_found": _ratio(count[f"speaker {k}"], count[f"matched {k}"]),
            "kind_right_among_found": _ratio(count[f"kind {k}"], count[f"matched {k}"]),
        }
    return out


def build(jsonl: Path, off: bool) -> tuple[float, int]:
    """Wall seconds and passages of one ingest of ``jsonl`` into a fresh temporary index,
    with attribution off (``split.attributions`` returns nothing) or on."""
    shipped = split.attributions
    with tempfile.TemporaryDirectory(prefix="attribution-ingest-") as tmp:
        settings = Settings().model_copy(update={"index_dir": Path(tmp) / "index"})
        try:
            split.attributions = (lambda text: []) if off else shipped
            started = time.perf_counter()
            report = Ingestor.from_settings(settings, progress=False).run([jsonl])
            seconds = time.perf_counter() - started
        finally:
            split.attributions = shipped
    return seconds, report.passages


def ingest(entries: list[dict[str, Any]], articles: int, repeats: int) -> dict[str, Any]:
    """Off/on ingest timings (medians), their ratio, and ``attributions`` alone."""
    sample = [e for e in entries if len(e["text"].split()) > 400][:articles]
    out: dict[str, Any] = {"articles": len(sample), "pairs": repeats}
    with tempfile.TemporaryDirectory(prefix="attribution-bench-") as tmp:
        jsonl, warm = Path(tmp) / "articles.jsonl", Path(tmp) / "warm.jsonl"
        jsonl.write_text("".join(json.dumps(e) + "\n" for e in sample), encoding="utf-8")
        warm.write_text("".join(json.dumps(e) + "\n" for e in sample[:10]), encoding="utf-8")
        build(warm, off=False)
        runs: dict[str, list[tuple[float, int]]] = {"off": [], "on": []}
        for _ in tqdm(range(repeats), desc="ingest pairs (off, on)", unit="pair"):
            for mode in ("off", "on"):
                runs[mode].append(build(jsonl, off=mode == "off"))
    for mode, got in runs.items():
        out[mode] = {
            "wall_s": round(statistics.median(s for s, _ in got), 2),
            "passages": got[0][1],
            "passages_per_s": round(statistics.median(p / s for s, p in got), 2),
        }
    on, off = out["on"], out["off"]
    out["on_over_off_passages_per_s"] = round(on["passages_per_s"] / off["passages_per_s"], 3)
    out["on_over_off_wall"] = round(on["wall_s"] / off["wall_s"], 3)
    times = []
    for entry in tqdm(sample, desc="attributions alone", unit="article", mininterval=5):
        started = time.perf_counter()
        attributions(entry["text"])
        times.append(1000 * (time.perf_counter() - started))
    out["attributions_ms_per_article"] = round(statistics.mean(times), 2)
    out["attributions_ms_median"] = round(statistics.median(times), 2)
    out["attributions_ms_max"] = round(max(times), 1)
    return out


def show(results: dict[str, Any]) -> None:
    """The results as a readable table."""
    labels, project_, base = results["labels"], results["project"], results["baseline"]
    kinds = ", ".join(f"{k} {labels[k]}" for k in KINDS)
    print(f"labelled spans: {labels['spans']} in {labels['articles']} articles ({kinds})")
    print(f"project: its {results['continued_left_out']} continued spans (no cue of their own) "
          "are left out; the labels hold only spans with a cue\n")  # fmt: skip
    print(f"{'':38}{'project':>10}{'baseline':>10}")
    rows = [(key, project_[key], base[key]) for key in list(project_)[:7]]
    for k in KINDS:
        for key in ("recall", "speaker_right_among_found", "kind_right_among_found"):
            rows.append((f"{k}: {key}", project_[k][key], base[k][key]))
    for name, *values in rows:
        cells = "".join(f"{'-' if v is None else v:>10}" for v in values)
        print(f"{name.replace('_', ' '):38}{cells}")
    if not (got := results.get("ingest")):
        return
    print(f"\ningest of {got['articles']} rtqa-dev articles (> 400 words), median of "
          f"{got['pairs']} off/on pair(s):")  # fmt: skip
    print(f"{'attribution':12}{'wall s':>12}{'passages':>12}{'passages/s':>12}")
    for mode in ("off", "on"):
        print(f"{mode:12}" + "".join(f"{v:>12}" for v in got[mode].values()))
    ratio = f"x{got['on_over_off_passages_per_s']} passages/s, x{got['on_over_off_wall']} wall"
    print(f"on/off: {ratio}")
    print(f"attributions alone: {got['attributions_ms_per_article']} ms per article (median "
          f"{got['attributions_ms_median']}, slowest {got['attributions_ms_max']})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--repeats", type=int, default=1, help="off/on ingest pairs")
    parser.add_argument("--articles", type=int, default=300, help="rtqa articles ingested")
    parser.add_argument("--no-ingest", action="store_true", help="skip the ingest timing")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    entries = rtqa_entries(args.data)
    labels, texts = read_labels(args.labels, {e["id"]: e["text"] for e in entries})
    every = Counter(g.kind for gold in labels.values() for g in gold)
    results: dict[str, Any] = {"labels": {"spans": every.total(), "articles": len(labels)}}
    results["labels"] |= {k: every[k] for k in KINDS}
    said = {s: attributions(t) for s, t in tqdm(texts.items(), desc="project", unit="article")}
    results["continued_left_out"] = sum(a.continued for got in said.values() for a in got)
    own = {s: [a for a in got if not a.continued] for s, got in said.items()}
    results["project"] = score(own, labels)
    results["baseline"] = score({s: baseline(t) for s, t in texts.items()}, labels)
    if not args.no_ingest:
        results["ingest"] = ingest(entries, args.articles, args.repeats)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        show(results)


if __name__ == "__main__":
    main()
