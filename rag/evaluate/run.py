"""``rag eval``: answer a gold file's questions (or take an answers file) and measure them.

Answers are written by ``rag batch``'s machinery to ``OUT/answers.jsonl``, so an interrupted
run resumes. They are kept only while they are still the answers the tool would give:
``OUT/run.json`` records the settings, the index version and each question, and answers
given under other settings or to a since-edited question are asked again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag.batch import AnswerFile, bars_off, run_batch
from rag.errors import LLMError, RagError
from rag.evaluate.gold import GoldItem, read_gold
from rag.evaluate.judge import Judge, JudgeKind, create_judge
from rag.evaluate.metrics import QuestionResult, score_answer, totals
from rag.evaluate.report import JudgeName, Report, write_reports
from rag.pipeline import Pipeline
from rag.retrieve.request import clean_question
from rag.settings import Settings
from rag.types import Answer


@dataclass(frozen=True)
class EvalOptions:
    """How ``rag eval`` was asked to run."""

    gold: Path
    #: The folder the answers and reports are written to.
    out: Path
    answers: Path | None = None
    judge: JudgeKind = "auto"
    workers: int = 4
    progress: bool | None = None
    fresh: bool = False


def evaluate(settings: Settings, options: EvalOptions) -> Report:
    """The report of one evaluation run (also written to ``options.out``)."""
    check_out(options.out)
    items = read_gold(options.gold)
    scorer = None
    answers = options.answers
    if answers is None:
        pipeline = Pipeline.from_settings(settings)
        answers = answer_gold(pipeline, items, options)
        scorer = pipeline.scorer
    elif answers.suffix.lower() != ".jsonl" or not answers.is_file():
        raise RagError(f"{answers}: --answers needs a .jsonl file written by rag batch or rag eval")
    judge = create_judge(settings, options.judge, scorer, options.workers)
    records = AnswerFile(answers).records()
    results = judge_answers(items, records, str(answers), judge, options.progress)
    report = Report(
        gold=str(options.gold),
        answers=str(answers),
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        judge=JudgeName(judge.kind, judge.name),
        totals=totals(results),
        questions=results,
        support_threshold=settings.support_threshold,
        answerer=_answerers(records),
    )
    write_reports(report, options.out)
    return report


#: Suffixes that name a file, not the folder the reports are written to.
FILE_SUFFIXES = (".html", ".htm", ".md", ".json", ".jsonl", ".csv", ".txt", ".svg", ".pdf")


def check_out(out: Path) -> None:
    """Refuse an output folder that names a file (``-o x.html``, or an existing file)."""
    if out.is_file() or (out.suffix.lower() in FILE_SUFFIXES and not out.is_dir()):
        example = f", e.g. -o {out.with_suffix('')}" if out.suffix else ""
        raise RagError(
            f"-o {out} names a file, but rag eval writes a folder (report.html, report.md, "
            f"report.json and the answers); give a folder{example}"
        )


def answer_gold(pipeline: Pipeline, items: Sequence[GoldItem], options: EvalOptions) -> Path:
    """``OUT/answers.jsonl`` holding an answer (or an error) for every usable question."""
    options.out.mkdir(parents=True, exist_ok=True)
    output = AnswerFile(options.out / "answers.jsonl")
    ledger = options.out / "run.json"
    current = _fingerprint(pipeline, items)
    previous = {} if options.fresh else _read_json(ledger)
    if output.path.exists():
        same_run = all(previous.get(key) == current[key] for key in ("settings", "index"))
        if not same_run:
            print(f"answering anew: the settings or the index changed since {output.path} "
                  "was written", file=sys.stderr)  # fmt: skip
        asked, now = previous.get("questions", {}), current["questions"]
        output.compact(lambda qid: same_run and asked.get(qid) == now.get(qid))
    ledger.write_text(json.dumps(current, indent=2), encoding="utf-8")
    run_batch(pipeline, [item.ask for item in items if not item.problem], output,
              options.workers, options.progress)  # fmt: skip
    return output.path


def _fingerprint(pipeline: Pipeline, items: Sequence[GoldItem]) -> dict[str, Any]:
    """What the answers depend on: the settings, the index's version, each question."""
    settings = pipeline.settings.model_dump(mode="json", exclude={"openai_api_key", "auth"})
    return {
        "settings": _digest(settings),
        "index": pipeline.retriever.store.stamp(),
        "questions": {item.id: _digest(repr(item.ask)) for item in items},
    }


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def judge_answers(
    items: Sequence[GoldItem],
    records: dict[str, dict[str, Any]],
    source: str,
    judge: Judge,
    progress: bool | None = None,
) -> list[QuestionResult]:
    """Every gold question measured against its answer record (read from ``source``), in
    gold order; one that cannot be measured is kept with its error."""

    def measure(item: GoldItem) -> QuestionResult:
        failed = QuestionResult(item.id, item.ask.question, item.answerable)
        record = records.get(item.id)
        try:
            if item.problem:
                raise RagError(item.problem)
            if record is None:
                raise RagError(f"no answer in {source}")
            if record.get("error"):
                raise RagError(str(record["error"]))
            answer = Answer.from_dict(record)
            if answer.question != clean_question(item.ask.question):
                raise RagError(f"the answer in {source} is to another question")
            return score_answer(item, answer, judge)
        except LLMError as exc:
            failed.error = f"judge: {exc}"
        except (RagError, ValueError) as exc:
            failed.error = str(exc)
        return failed

    bar = tqdm(total=len(items), desc="judging", unit="question", disable=bars_off(progress))
    with bar, ThreadPoolExecutor(max_workers=max(1, judge.workers)) as pool:
        results = []
        for result in pool.map(measure, items):
            results.append(result)
            bar.update(1)
    return results


def _answerers(records: dict[str, dict[str, Any]]) -> list[str]:
    """Which answerers wrote the answers ("llm gpt-4o-mini", "extractive")."""
    found = {(row.get("mode"), row.get("model")) for row in records.values()}
    return sorted(m if m == model else f"{m} {model}" for m, model in found if m)
