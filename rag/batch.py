"""Question sets answered in bulk: read questions, answer each through the ``Pipeline``,
append every result as soon as it is known, so an interrupted run resumes where it stopped.

Input: ``.jsonl`` (``id``, ``question``, optional ``outlet``/``outlets``, ``article``/
``articles``, ``speaker``/``speakers``, ``since``, ``until``, ``as_of``, ``k``), ``.csv`` (the same
columns; several outlets, articles or speakers separated by ``;``) or ``.txt`` (one
question per line, ids ``line-N``). An id used on several lines is one failed question
naming them; the others are answered.
Output: ``.jsonl`` (the whole ``Answer`` with its ``id`` per line, its ``fallback`` when
the offline answerer stood in for a failed LLM; a failed question as ``id``, ``question``,
``error``) or ``.csv`` (id, question, answer, sources, mode,
unsupported, error, fallback; a cell a spreadsheet would take for a formula starts with
``'``). Questions whose answer is already in the output are skipped; failed ones, and
those the offline answerer answered in a failed LLM's place, are asked again, and the
output keeps the last result of each id.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag.errors import RagError
from rag.pipeline import Pipeline
from rag.retrieve.request import checked_filters, checked_k
from rag.types import Answer, Filters

CSV_COLUMNS = ["id", "question", "answer", "sources", "mode", "unsupported", "error", "fallback"]
QUESTION_TYPES = (".jsonl", ".csv", ".txt")
ANSWER_TYPES = (".jsonl", ".csv")


@dataclass(frozen=True)
class Question:
    """One question of a set, with its filters; ``problem`` when its line could not be read."""

    id: str
    question: str
    filters: Filters = field(default_factory=Filters)
    k: int | None = None
    problem: str = ""
    #: The line it was read from (not part of what is asked).
    line: int = field(default=0, compare=False, repr=False)


@dataclass
class BatchReport:
    """What a batch run did, for the summary line and --json."""

    answered: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    #: "id: why" of each question the offline answerer answered because the LLM failed.
    warnings: list[str] = field(default_factory=list)

    def line(self, output: Path) -> str:
        return (
            f"questions: {self.answered} answered, {self.skipped} skipped (already in {output}), "
            f"{self.failed} failed in {self.seconds:.1f} s"
        )


# reading questions -----------------------------------------------------------------


def read_questions(path: Path) -> list[Question]:
    """The questions in ``path``; a line that cannot be read becomes a ``Question`` with a
    ``problem``, so it is reported in the output rather than lost."""
    suffix = path.suffix.lower()
    if suffix not in QUESTION_TYPES:
        raise RagError(f"{path}: questions must be {', '.join(QUESTION_TYPES)}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RagError(f"{path}: cannot read the questions: {exc}") from None
    if suffix == ".txt":
        lines = enumerate(text.splitlines(), start=1)
        return [Question(f"line-{n}", line.strip()) for n, line in lines if line.strip()]
    rows = jsonl_rows(text) if suffix == ".jsonl" else _csv_rows(text)
    return without_repeats([question_of(n, row) for n, row in rows])


def without_repeats(questions: list[Question]) -> list[Question]:
    """``questions`` with those that share an id replaced by one failed question (at the
    first of them) that names the id and its lines."""
    lines: dict[str, list[int]] = {}
    for item in questions:
        lines.setdefault(item.id, []).append(item.line)
    kept = []
    for item in questions:
        used = lines[item.id]
        if len(used) == 1:
            kept.append(item)
        elif item.line == used[0]:
            where = ", ".join(str(n) for n in used[:-1]) + f" and {used[-1]}"
            problem = f"id {item.id!r} is used on lines {where}; give each question its own id"
            kept.append(dataclasses.replace(item, problem=problem))
    return kept


def jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Each non-empty line's number and object, or the reason it is not a JSON object."""
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, f"line {n} is not JSON: {exc.msg}"
            continue
        yield n, row if isinstance(row, dict) else f"line {n} is not a JSON object"


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "question" not in reader.fieldnames:
        raise RagError("the CSV has no 'question' column")
    for n, row in enumerate(reader, start=2):
        yield n, {k: v for k, v in row.items() if k and v not in (None, "")}


def question_of(n: int, row: dict[str, Any] | str) -> Question:
    """The question of line ``n`` (a row, or the reason it could not be read)."""
    qid = str(row.get("id") or f"line-{n}") if isinstance(row, dict) else f"line-{n}"
    if isinstance(row, str):
        return Question(qid, "", problem=row, line=n)
    try:
        filters = checked_filters(
            _many(row, "outlet"), _many(row, "article"), row.get("since"), row.get("until"),
            speakers=_many(row, "speaker"), as_of=row.get("as_of"),
        )  # fmt: skip
        k = checked_k(row.get("k"))
    except (RagError, ValueError, TypeError) as exc:
        return Question(qid, str(row.get("question", "")), problem=str(exc), line=n)
    return Question(qid, str(row.get("question", "")), filters, k, line=n)


def _many(row: dict[str, Any], key: str) -> tuple[str, ...]:
    value = row.get(f"{key}s", row.get(key))
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else str(value).split(";")
    return tuple(str(item).strip() for item in items if str(item).strip())


# writing answers -------------------------------------------------------------------


class AnswerFile:
    """The output file: which ids it already answers, and appending results safely."""

    def __init__(self, path: Path) -> None:
        if path.suffix.lower() not in ANSWER_TYPES:
            raise RagError(f"{path}: answers must be {' or '.join(ANSWER_TYPES)}")
        self.path = path
        self.csv = path.suffix.lower() == ".csv"
        self._lock = threading.Lock()

    def records(self) -> dict[str, dict[str, Any]]:
        """The last record of each id (a line cut short by an interruption is ignored)."""
        if not self.path.exists():
            return {}
        text = self.path.read_text(encoding="utf-8")
        rows: Iterable[Any] = _csv_records(text) if self.csv else _json_lines(text)
        return {str(row["id"]): row for row in rows if isinstance(row, dict) and row.get("id")}

    def answered(self) -> set[str]:
        """The ids whose answer is final: not failed, and not an offline stand-in for an
        LLM that failed (the next run asks the LLM again)."""
        return {
            qid
            for qid, row in self.records().items()
            if not row.get("error") and not row.get("fallback")
        }

    def append(self, record: dict[str, Any]) -> None:
        with self._lock:
            new = not self.path.exists() or self.path.stat().st_size == 0
            self.path.parent.mkdir(parents=True, exist_ok=True)
            cut = not new and _last_byte(self.path) != b"\n"
            with self.path.open("a", encoding="utf-8", newline="") as out:
                if cut:  # a line left unfinished by a killed run: start a fresh one
                    out.write("\n")
                if self.csv:
                    writer = csv.DictWriter(out, CSV_COLUMNS)
                    if new:
                        writer.writeheader()
                    writer.writerow({key: inert(record.get(key, "")) for key in CSV_COLUMNS})
                else:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()

    def compact(self, keep: Callable[[str], bool] = lambda qid: True) -> None:
        """Rewrite the file (atomically) with only the last record of each id, and only of
        the ids ``keep`` accepts."""
        if not self.path.exists():
            return
        records = [row for qid, row in self.records().items() if keep(qid)]
        tmp = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        tmp.unlink(missing_ok=True)
        staged = AnswerFile(tmp)
        for record in records:
            staged.append(record)
        if records:
            os.replace(tmp, self.path)
        else:
            self.path.unlink()


#: What makes a spreadsheet read a cell as a formula (``=HYPERLINK(…)``, ``+1``, ``@SUM``).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: one that would start a formula, or starts
    with the quote mark that guards one, gets a leading ``'`` (``_csv_records`` removes it)."""
    if isinstance(value, str) and value.startswith((*_FORMULA_START, "'")):
        return "'" + value
    return value


def _csv_records(text: str) -> Iterator[dict[str, str]]:
    for row in csv.DictReader(io.StringIO(text)):
        yield {key: value[1:] if value and value[0] == "'" else value for key, value in row.items()}


def _last_byte(path: Path) -> bytes:
    with path.open("rb") as data:
        data.seek(-1, os.SEEK_END)
        return data.read(1)


def _json_lines(text: str) -> Iterator[Any]:
    for line in text.splitlines():
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            continue


def answer_record(qid: str, answer: Answer, as_csv: bool) -> dict[str, Any]:
    """What the output holds for an answered question."""
    if not as_csv:
        return {"id": qid, **answer.to_dict()}
    sources = "; ".join(
        f"[{s.number}] {s.passage.metadata.get('title') or s.passage.article_id}"
        for s in answer.sources
    )
    unsupported = len(answer.unsupported) if answer.answered else 0
    return {"id": qid, "question": answer.question, "answer": answer.text, "sources": sources,
            "mode": answer.mode, "unsupported": unsupported,
            "fallback": answer.fallback}  # fmt: skip


# running ---------------------------------------------------------------------------


def run_batch(
    pipeline: Pipeline,
    questions: list[Question],
    output: AnswerFile,
    workers: int = 1,
    progress: bool | None = None,
) -> BatchReport:
    """Answer every question not yet answered in ``output``; one failure never stops the run."""
    started = time.perf_counter()
    report = BatchReport()
    done = output.answered()
    todo = [q for q in questions if q.problem or q.id not in done]  # a problem is always told
    report.skipped = len(questions) - len(todo)
    if pipeline.answerer.mode != "llm":
        workers = 1  # extractive answers are bound by the CPU: threads would only queue
    answer = _answerer(pipeline, output, report)
    bar = tqdm(total=len(todo), desc="answering", unit="question", disable=bars_off(progress))
    with bar, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for _ in pool.map(answer, todo):
            bar.update(1)
    output.compact()
    report.seconds = time.perf_counter() - started
    return report


def _answerer(
    pipeline: Pipeline, output: AnswerFile, report: BatchReport
) -> Callable[[Question], None]:
    lock = threading.Lock()

    def answer(item: Question) -> None:
        try:
            if item.problem:
                raise RagError(item.problem)
            result = pipeline.ask(item.question, filters=item.filters, k=item.k)
        except RagError as exc:
            output.append({"id": item.id, "question": item.question, "error": str(exc)})
            with lock:
                report.failed += 1
                report.errors.append(f"{item.id}: {exc}")
            return
        output.append(answer_record(item.id, result, output.csv))
        with lock:
            report.answered += 1
            if result.fallback:
                report.warnings.append(f"{item.id}: {result.fallback}")

    return answer


def bars_off(progress: bool | None) -> bool | None:
    """tqdm's ``disable`` for a --progress/--no-progress choice (None: only on a terminal)."""
    return None if progress is None else not progress
