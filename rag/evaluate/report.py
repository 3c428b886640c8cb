"""Evaluation reports: the ``Report`` of a run, written as JSON (every record and the
totals), Markdown and HTML to read, an SVG histogram of support scores, and two runs side by
side. ``Report.to_dict`` is the JSON's one layout; ``Report.from_dict`` reads it back."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.evaluate.metrics import METRICS, QuestionResult, Totals

#: Columns of the per-question table: key in the record, heading.
COLUMNS = (
    ("id", "id"),
    ("problems", "problems"),
    ("gold_rank", "gold rank"),
    ("quotes", "quotes retrieved"),
    ("citation_recall", "citation recall"),
    ("citation_precision", "citation precision"),
    ("cites_gold", "cites gold"),
    ("keywords", "keywords"),
    ("answer", "answer"),
)
BINS = 20
ANSWER_CHARS = 160


@dataclass(frozen=True)
class JudgeName:
    """Who judged entailment: its kind ("llm", "local") and name as shown."""

    kind: str
    name: str


@dataclass
class Report:
    """One evaluation run: what was measured with what, the totals, every question."""

    gold: str
    answers: str
    created: str
    judge: JudgeName
    totals: Totals
    questions: list[QuestionResult] = field(default_factory=list)
    support_threshold: float = 0.5
    #: Which answerers wrote the answers ("llm gpt-4o-mini", "extractive").
    answerer: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as ``report.json`` holds it."""
        return {
            "gold": self.gold,
            "answers": self.answers,
            "created": self.created,
            "judge": {"kind": self.judge.kind, "name": self.judge.name},
            "support_threshold": self.support_threshold,
            "answerer": list(self.answerer),
            "totals": self.totals.to_dict(),
            "questions": [result.to_dict() for result in self.questions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """The report ``to_dict`` (or an earlier ``rag eval``) wrote; KeyError, TypeError or
        ValueError when it is not one."""
        judge = data["judge"]
        return cls(
            gold=str(data.get("gold", "")),
            answers=str(data.get("answers", "")),
            created=str(data.get("created", "")),
            judge=JudgeName(str(judge.get("kind", "")), str(judge["name"])),
            totals=Totals.from_dict(data["totals"]),
            questions=[QuestionResult.from_dict(row) for row in data["questions"]],
            support_threshold=float(data.get("support_threshold", 0.5)),
            answerer=list(data.get("answerer", [])),
        )


def write_reports(report: Report, out: Path) -> dict[str, Path]:
    """``report.json``, ``report.md``, ``report.html`` and ``support.svg`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {kind: out / f"report.{kind}" for kind in ("json", "md", "html")}
    paths["svg"] = out / "support.svg"
    data = report.to_dict()
    paths["json"].write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    paths["md"].write_text(markdown(report, paths["svg"].name), encoding="utf-8")
    paths["html"].write_text(to_html(report), encoding="utf-8")
    paths["svg"].write_text(histogram(report), encoding="utf-8")
    return paths


def ordered(report: Report) -> list[QuestionResult]:
    """The per-question records, failures first, then those with problems, then the rest."""
    return sorted(report.questions, key=lambda row: (not row.error, not row.problems))


def fmt(value: Any) -> str:
    """A figure as shown in a table."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def cell(row: QuestionResult, key: str) -> str:
    """The text of one per-question cell (``key`` names an attribute of ``row``)."""
    if key == "problems":
        return "; ".join(row.problems) or "ok"
    if key == "quotes":
        return f"{row.quotes_retrieved}/{row.quotes}" if row.quotes else "–"
    if key == "keywords":
        return f"{row.keywords_found}/{row.keywords}" if row.keywords else "–"
    return fmt(getattr(row, key))


def summary(report: Report) -> list[str]:
    """What the run was: gold, answers, answerer, judge, counts."""
    t = report.totals
    return [
        f"gold: {report.gold}",
        f"answers: {report.answers} ({', '.join(report.answerer) or 'none'})",
        f"judge: {report.judge.name}",
        f"questions: {t.questions} ({t.answerable} answerable, "
        f"{t.unanswerable} unanswerable), {t.failed} failed, k = {t.k}",
    ]


def metric_rows(report: Report) -> list[tuple[str, str]]:
    """(label, value) of every metric, in order."""
    k = report.totals.k
    return [(label.replace("@k", f"@{k}"), fmt(getattr(report.totals, key)))
            for key, label in METRICS.items()]  # fmt: skip


def text_table(report: Report) -> str:
    """The totals for a terminal."""
    rows = metric_rows(report)
    width = max(len(label) for label, _ in rows)
    lines = [*summary(report), ""]
    lines += [f"{label:<{width}}  {value:>6}" for label, value in rows]
    return "\n".join(lines)


def markdown(report: Report, plot: str) -> str:
    """The report as Markdown, the histogram linked as ``plot``."""
    lines = [f"# Evaluation of {report.gold}", ""]
    lines += [f"- {line}" for line in summary(report)] + [f"- created: {report.created}", ""]
    lines += ["| Metric | Value |", "|---|---|"]
    lines += [f"| {label} | {value} |" for label, value in metric_rows(report)]
    lines += ["", f"![Support scores of cited answer sentences]({plot})", ""]
    lines += ["## Questions, problems first", ""]
    lines.append("| " + " | ".join(heading for _, heading in COLUMNS) + " |")
    lines.append("|" + "---|" * len(COLUMNS))
    for row in ordered(report):
        cells = [_md(_short(cell(row, key)) if key == "answer" else cell(row, key))
                 for key, _ in COLUMNS]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _short(text: str) -> str:
    return text if len(text) <= ANSWER_CHARS else text[: ANSWER_CHARS - 1] + "…"


def to_html(report: Report) -> str:
    """The report as one self-contained HTML page (the histogram inline)."""
    e = html.escape
    info = "".join(f"<li>{e(line)}</li>" for line in summary(report))
    metrics = "".join(
        f"<tr><td>{e(label)}</td><td class=num>{e(value)}</td>"
        f"<td class=bar><span style='width:{_percent(value)}%'></span></td></tr>"
        for label, value in metric_rows(report)
    )
    head = "".join(f"<th>{e(heading)}</th>" for _, heading in COLUMNS)
    body = "".join(_html_row(row) for row in ordered(report))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Evaluation of {e(report.gold)}</title>
<style>{CSS}</style></head><body>
<h1>Evaluation of {e(report.gold)}</h1>
<ul>{info}<li>created: {e(report.created)}</li></ul>
<table class=totals><tr><th>Metric</th><th>Value</th><th></th></tr>{metrics}</table>
<h2>Support scores of cited answer sentences</h2>
{histogram(report)}
<h2>Questions, problems first</h2>
<table class=questions><tr>{head}</tr>{body}</table>
</body></html>
"""


def _html_row(row: QuestionResult) -> str:
    kind = "failed" if row.error else "problem" if row.problems else "ok"
    cells = "".join(f"<td class={key}>{html.escape(cell(row, key))}</td>" for key, _ in COLUMNS)
    return f"<tr class={kind}>{cells}</tr>"


def _percent(value: str) -> float:
    try:
        return max(0.0, min(100.0, float(value) * 100))
    except ValueError:
        return 0.0


CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px;
  padding: 0 1em; color: #1f2328; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #d0d7de; padding: .35em .6em; text-align: left;
  vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.bar { width: 220px; }
td.bar span { display: block; height: .8em; background: #4d7cc7; border-radius: 2px; }
tr.failed td { background: #fde8e8; }
tr.problem td.problems { color: #a40e26; }
td.answer { max-width: 420px; font-size: 13px; }
"""


def histogram(report: Report) -> str:
    """An SVG histogram of the support score of every cited answer sentence, bars under the
    support threshold in red."""
    scores = [s for row in report.questions for s in row.support]
    threshold = report.support_threshold
    counts = [0] * BINS
    for score in scores:
        counts[min(BINS - 1, int(score * BINS))] += 1
    width, height, left, bottom, top = 640, 240, 40, 30, 20
    plot_w, plot_h = width - left - 10, height - bottom - top
    tallest = max(counts) or 1
    bar_w = plot_w / BINS
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f"<title>Support scores of {len(scores)} cited answer sentences</title>",
    ]
    for i, count in enumerate(counts):
        h = plot_h * count / tallest
        colour = "#c0392b" if (i + 1) / BINS <= threshold else "#2e8b57"
        x, y = left + i * bar_w, top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" '
                     f'height="{h:.1f}" fill="{colour}"><title>{i / BINS:.2f}–'
                     f"{(i + 1) / BINS:.2f}: {count}</title></rect>")  # fmt: skip
    tx = left + plot_w * threshold
    parts.append(f'<line x1="{tx:.1f}" y1="{top}" x2="{tx:.1f}" y2="{top + plot_h}" '
                 'stroke="#333" stroke-dasharray="4 3"/>')  # fmt: skip
    parts.append(f'<text x="{tx + 4:.1f}" y="{top + 10}">threshold {threshold:g}</text>')
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = left + plot_w * tick
        parts.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle">{tick:g}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + 8}" text-anchor="end">{tallest}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 1}" text-anchor="middle">'
                 "support score (sentences per bin)</text>")  # fmt: skip
    return "\n".join([*parts, "</svg>"]) + "\n"


def load_report(path: Path) -> Report:
    """A report written by ``rag eval``; RagError naming the file when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RagError(f"{path}: cannot read the report: {exc}") from None
    if not isinstance(data, dict) or not {"totals", "questions", "judge"} <= data.keys():
        raise RagError(f"{path}: not a report written by rag eval")
    try:
        return Report.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RagError(f"{path}: not a report written by rag eval ({exc})") from None


def compare(a: Report, b: Report, names: Sequence[str]) -> str:
    """Two runs side by side, Markdown: the totals with the change, then the questions whose
    problems differ."""
    lines = [f"| Metric | A: {names[0]} | B: {names[1]} | B − A |", "|---|---|---|---|"]
    lines.append(f"| questions | {a.totals.questions} | {b.totals.questions} | |")
    lines.append(f"| k | {a.totals.k} | {b.totals.k} | |")
    for key, label in METRICS.items():
        left, right = getattr(a.totals, key), getattr(b.totals, key)
        change = f"{right - left:+.3f}" if None not in (left, right) else "–"
        lines.append(f"| {label} | {fmt(left)} | {fmt(right)} | {change} |")
    lines.append(f"| Failed questions | {a.totals.failed} | {b.totals.failed} | |")
    lines += ["", f"A judge: {a.judge.name}; B judge: {b.judge.name}"]
    before = {row.id: row.problems for row in a.questions}
    changed = [(row.id, before.get(row.id), row.problems) for row in b.questions
               if before.get(row.id) != row.problems]  # fmt: skip
    if changed:
        lines += ["", "| Question | A | B |", "|---|---|---|"]
        for qid, old, new in changed:
            was = "not in A" if old is None else "; ".join(old) or "ok"
            lines.append(f"| {_md(qid)} | {_md(was)} | {_md('; '.join(new) or 'ok')} |")
    return "\n".join(lines) + "\n"
