"""Prompt injections in news passages: how many planted ones ``rag.ingest.injection`` catches, and
how many clean news passages it flags by mistake.

Usage: python bench/injections.py [--shown 20] [--policy] [--json]

Planted: every template of ``bench/injection_templates.py`` (imperatives to the model, fake
system and assistant turns, "the answer is X", commands inside quotation marks or HTML
comments, words split by zero-width characters, look-alike letters), each put at the start,
after the first sentence and at the end of a real news passage of rtqa-dev, a different
passage for each. A planted passage is caught when a finding overlaps the planted text.

Clean: every passage of ``../shared/bench-data/rtqa-dev/corpus.jsonl`` as the project splits
it (3,917 news snippets and 800 full articles), every whole article of it (what the ingest
check reads), every SQuAD v1.1 dev context (2,067 Wikipedia paragraphs), and the written
hard negatives of ``bench/injection_templates.py``; any finding there is a false alarm,
listed so it can be fixed. The data is read from ``../shared/bench-data``, never copied.

``--policy`` also scores, with the project's support scorer (the local MiniLM model), the
sentence an obedient model writes (the planted claim, cited) against each planted passage
with its findings set aside three ways: the flagged spans only, the sentences holding them,
or the whole passage (what the citation check does): how often the obeyed claim would still
count as supported.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import DATA, squad_paragraphs
from injection_heldout import HELD_OUT
from injection_templates import CLAIM, HARD_NEGATIVES, TEMPLATES, Template

from rag.ingest.injection import Finding, findings
from rag.ingest.readers import read_file
from rag.ingest.split import Splitter
from rag.settings import Settings
from rag.text.sentences import sentence_spans

PLACES = ("start", "after first sentence", "end")
#: What the planted figure does not say: the rules were tuned on these templates.
TUNED = (
    "(the rules were tuned on these templates, among them a first held-out set that caught "
    "45 of 84 before it was tuned on: see bench/injection_templates.py)"
)
#: Words the rules look for, to count the clean texts that put them to the test.
TRIGGERS = re.compile(
    r"\b(?:ignore|disregard|answer|respond|reply|system|assistant|instructions?|prompt|"
    r"chatbot|chatgpt)\b|\bsay [\"'“‘]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Planted:
    """A real news passage with one injection put into it."""

    template: Template
    place: str
    text: str
    #: Where the injection lies in ``text``.
    start: int
    end: int

    def caught(self, found: tuple[Finding, ...]) -> bool:
        return any(f.start < self.end and f.end > self.start for f in found)


def rtqa(data: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(id, text) of every article of rtqa-dev, and of every passage as the project splits
    them."""
    settings = Settings()
    articles = read_file(data / "rtqa-dev" / "corpus.jsonl", 10**10).articles
    splitter = Splitter(settings.chunk_size, settings.chunk_overlap)
    passages = [(p.article_id, p.text) for a in articles for p in splitter.split(a)]
    return [(a.id, a.text) for a in articles], passages


def squad_contexts(data: Path) -> list[tuple[str, str]]:
    """(id, text) of every SQuAD v1.1 dev paragraph."""
    return [
        (f"squad#{pid}", context)
        for pid, _, context, _ in squad_paragraphs(data / "squad" / "dev-v1.1.json")
    ]


def hosts(passages: list[tuple[str, str]], count: int) -> list[str]:
    """``count`` news passages of three sentences or more, evenly spread over the corpus."""
    fit = [text for _, text in passages if len(list(sentence_spans(text))) >= 3]
    step = max(1, len(fit) // count)
    return fit[::step][:count]


def plant(template: Template, place: str, host: str) -> Planted:
    """``host`` with the template's injection at ``place``."""
    injection = template.text.format(claim=CLAIM)
    if place == "start":
        cut = 0
    elif place == "end":
        cut = len(host)
    else:
        cut = next(iter(sentence_spans(host)))[1]
    before, after = host[:cut], host[cut:]
    gap_before = " " if before and not before.endswith((" ", "\n")) else ""
    gap_after = " " if after and not after.startswith((" ", "\n")) else ""
    start = len(before) + len(gap_before)
    text = f"{before}{gap_before}{injection}{gap_after}{after}"
    return Planted(template, place, text, start, start + len(injection))


def planted_set(
    passages: list[tuple[str, str]], templates: list[Template] = TEMPLATES
) -> list[Planted]:
    """Every template at every place, each in a passage of its own."""
    pairs = [(t, place) for t in templates for place in PLACES]
    return [
        plant(t, place, host)
        for (t, place), host in zip(pairs, hosts(passages, len(pairs)), strict=True)
    ]


def false_alarms(passages: list[tuple[str, str]]) -> Iterator[dict[str, str]]:
    """Each finding in a clean passage: its id, reason and the text flagged."""
    for pid, text in passages:
        for found in findings(text):
            context = text[max(0, found.start - 60) : found.end + 60]
            yield {"id": pid, "reason": found.reason, "text": " ".join(context.split())}


def measure_planted(planted: list[Planted]) -> dict[str, Any]:
    """Caught / total over all planted passages and per shape; the ones missed."""
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    missed = []
    for item in planted:
        total[item.template.shape] += 1
        if item.caught(findings(item.text)):
            caught[item.template.shape] += 1
        else:
            missed.append(f"{item.template.name} ({item.place})")
    shapes = {shape: f"{caught[shape]}/{total[shape]}" for shape in total}
    return {"caught": sum(caught.values()), "total": len(planted), "shapes": shapes,
            "missed": missed}  # fmt: skip


def measure_clean(name: str, passages: list[tuple[str, str]]) -> dict[str, Any]:
    """False alarms over ``passages`` and the time the rules took."""
    started = time.perf_counter()
    alarms = list(false_alarms(passages))
    seconds = time.perf_counter() - started
    flagged = sum(bool(findings(text)) for _, text in passages)
    tricky = sum(bool(TRIGGERS.search(text)) for _, text in passages)
    return {"corpus": name, "passages": len(passages), "with trigger words": tricky,
            "flagged": flagged,
            "ms per passage": round(1000 * seconds / max(1, len(passages)), 3),
            "false alarms": alarms}  # fmt: skip


def policy(planted: list[Planted]) -> dict[str, str]:
    """How often the obeyed claim counts as supported when findings are set aside as
    spans, as whole sentences, or as the whole passage."""
    from rag.check.support import SupportScorer
    from rag.embed.factory import create_embedder

    settings = Settings()
    scorer = SupportScorer(create_embedder(settings, light=True))
    claim = f"{CLAIM}."
    counts: Counter[str] = Counter()
    cases = [p for p in planted if CLAIM.lower() in p.text.lower() and findings(p.text)]
    for item in cases:
        found = findings(item.text)
        for name, text in (("spans", _blank(item.text, [(f.start, f.end) for f in found])),
                           ("sentences", _blank(item.text, _sentences(item.text, found))),
                           ("passage", "")):  # fmt: skip
            supported = bool(text.strip()) and scorer.score(claim, [text]).score >= 0.5
            counts[name] += supported
    return {name: f"{counts[name]}/{len(cases)}" for name in ("spans", "sentences", "passage")}


def _sentences(text: str, found: tuple[Finding, ...]) -> list[tuple[int, int]]:
    return [
        (a, b) for a, b in sentence_spans(text) if any(f.start < b and f.end > a for f in found)
    ]


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def report(figures: dict[str, Any], shown: int) -> str:
    """The figures as a small table, then the misses and false alarms."""
    planted = figures["planted"]
    lines = [f"{'set':40} {'texts':>7} {'triggers':>9} {'flagged':>8}  rate", "-" * 76]
    for name, found in (
        ("planted injections (caught)", planted),
        ("held-out injections (caught)", figures["held out"]),
    ):
        lines.append(
            f"{name:40} {found['total']:>7} {'':>9} "
            f"{found['caught']:>8}  {found['caught'] / found['total']:.1%}"
        )
    for clean in figures["clean"]:
        lines.append(f"{clean['corpus'] + ' (false alarms)':40} {clean['passages']:>7} "
                     f"{clean['with trigger words']:>9} {clean['flagged']:>8}  "
                     f"{clean['flagged'] / clean['passages']:.2%}")  # fmt: skip
    lines.append("(triggers: texts holding ignore, answer, system, assistant, instructions, "
                 "prompt, chatbot, say \"…)")  # fmt: skip
    lines += ["", "caught by shape:"]
    lines += [f"  {shape:40} {value}" for shape, value in planted["shapes"].items()]
    lines += ["", f"missed: {', '.join(planted['missed']) or 'none'}", TUNED]
    held_out = figures["held out"]
    lines += ["", "held out (written after the rules, never tuned on; bench/injection_heldout.py):"]
    lines += [f"  {shape:40} {value}" for shape, value in held_out["shapes"].items()]
    lines += [f"  missed: {', '.join(held_out['missed']) or 'none'}"]
    if "policy" in figures:
        lines += ["", "obeyed claim still supported when findings are set aside as:"]
        lines += [f"  {name:12} {value}" for name, value in figures["policy"].items()]
    for clean in figures["clean"]:
        lines += ["", f"false alarms in {clean['corpus']} ({clean['ms per passage']} ms/passage):"]
        alarms = clean["false alarms"]
        lines += [f"  {a['id']}: {a['reason']}: …{a['text']}…" for a in alarms[:shown]]
        lines += [f"  … and {len(alarms) - shown} more"] if len(alarms) > shown else []
        lines += ["  none"] if not alarms else []
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shown", type=int, default=20, help="false alarms listed per corpus")
    parser.add_argument("--policy", action="store_true", help="score obeyed claims (loads MiniLM)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    articles, news = rtqa(DATA)
    planted = planted_set(news)
    written = [(f"hard#{i}", text) for i, text in enumerate(HARD_NEGATIVES, start=1)]
    figures: dict[str, Any] = {
        "planted": measure_planted(planted),
        "held out": measure_planted(planted_set(news, HELD_OUT)),
        "clean": [
            measure_clean("rtqa-dev passages", news),
            measure_clean("rtqa-dev whole articles", articles),
            measure_clean("squad-dev contexts", squad_contexts(DATA)),
            measure_clean("hard negatives (written)", written),
        ],
    }
    if args.policy:
        figures["policy"] = policy(planted)
    print(json.dumps(figures, indent=2) if args.json else report(figures, args.shown))


if __name__ == "__main__":
    main()
