"""``rag batch``: formats, resuming an interrupted run, failures recorded, LLM workers."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from rag.answer.prompts import CANNOT_ANSWER
from rag.batch import AnswerFile, read_questions, run_batch
from rag.errors import RagError
from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.support.cli import rag
from tests.support.fake_openai import FakeOpenAI
from tests.support.files import write
from tests.support.index import index_env

pytestmark = pytest.mark.slow

QUESTIONS = [
    "What leverage does Moscow have over Astana?",
    "When did Putin and Nazarbayev meet?",
    "Who won the 2022 FIFA World Cup final?",
    "Why did Tokayev decide to build a new oil pipeline?",
]


@pytest.fixture(scope="module")
def pipeline(seed_index: Settings) -> Pipeline:
    return Pipeline.from_settings(seed_index)


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_input_format_is_read(tmp_path: Path) -> None:
    txt = write(tmp_path / "q.txt", "First question?\n\n  Second question?  \n")
    assert [(q.id, q.question) for q in read_questions(txt)] == [
        ("line-1", "First question?"),
        ("line-3", "Second question?"),
    ]
    rows = ["id,question,outlets,since,k", 'a,"One, two?",Alpha;Beta,2025-01-02,3', "b,Three?,,,"]
    parsed = read_questions(write(tmp_path / "q.csv", "\n".join(rows) + "\n"))
    assert parsed[0].filters.outlets == ("Alpha", "Beta") and parsed[0].k == 3
    assert parsed[0].question == "One, two?" and parsed[1].filters.since is None
    lines = ['{"id": "x", "question": "Q?", "articles": ["a.md"], "as_of": "2025-03-04"}',
             "{broken", '{"question": 1}', '{"question": "Now?", "as_of": "March 4"}']  # fmt: skip
    x, broken, bare, late = read_questions(write(tmp_path / "q.jsonl", "\n".join(lines)))
    assert x.filters.articles == ("a.md",) and "not JSON" in broken.problem
    assert x.filters.as_of == "2025-03-04" and "as_of 'March 4' is not a date" in late.problem
    assert bare.id == "line-3" and bare.question == "1"
    with pytest.raises(RagError, match=r"q\.docx: questions must be"):
        read_questions(write(tmp_path / "q.docx", "x"))
    with pytest.raises(RagError, match="no 'question' column"):
        read_questions(write(tmp_path / "bad.csv", "id,text\n1,x\n"))


def test_answers_go_to_jsonl_whole_and_to_csv_in_columns(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    questions = read_questions(write(tmp_path / "q.txt", "\n".join(QUESTIONS)))
    report = run_batch(pipeline, questions, AnswerFile(tmp_path / "a.jsonl"), progress=False)
    assert (report.answered, report.failed) == (4, 0)
    records = jsonl(tmp_path / "a.jsonl")
    assert [r["id"] for r in records] == ["line-1", "line-2", "line-3", "line-4"]
    assert records[0]["sources"][0]["number"] == 1 and records[0]["sentences"][0]["citations"]
    assert records[2]["text"] == CANNOT_ANSWER and not records[2]["answered"]
    run_batch(pipeline, questions, AnswerFile(tmp_path / "a.csv"), progress=False)
    with (tmp_path / "a.csv").open(encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    assert [r["id"] for r in rows] == ["line-1", "line-2", "line-3", "line-4"]
    assert rows[1]["sources"].startswith("[1] ") and rows[1]["mode"] == "extractive"
    assert "[1]" in rows[1]["answer"] and rows[1]["error"] == ""


def test_a_speaker_field_answers_from_that_speakers_passages_and_a_typo_fails(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    lines = [
        {"id": "one", "question": QUESTIONS[0], "speaker": "Abishev"},
        {"id": "two", "question": QUESTIONS[0], "speakers": ["Beisebayev", "Gaziz Abishev"]},
        {"id": "typo", "question": QUESTIONS[0], "speaker": "Abishv"},
    ]
    questions = read_questions(write(tmp_path / "q.jsonl", "\n".join(map(json.dumps, lines))))
    assert [q.filters.speakers for q in questions] == [
        ("Abishev",), ("Beisebayev", "Gaziz Abishev"), ("Abishv",),
    ]  # fmt: skip
    csv_rows = "id,question,speakers\na,One?,Abishev; Beisebayev\nb,Two?,\n"
    parsed = read_questions(write(tmp_path / "q.csv", csv_rows))
    assert [q.filters.speakers for q in parsed] == [("Abishev", "Beisebayev"), ()]
    report = run_batch(pipeline, questions, AnswerFile(tmp_path / "a.jsonl"), progress=False)
    assert (report.answered, report.failed) == (2, 1)
    records = {r["id"]: r for r in jsonl(tmp_path / "a.jsonl")}
    said = {r: [{a["speaker"] for a in p["attributions"]} for p in records[r]["retrieved"]]
            for r in ("one", "two")}  # fmt: skip
    assert said["one"] and all("Gaziz Abishev" in speakers for speakers in said["one"])
    assert all({"Gaziz Abishev", "Kazbek Beisebayev"} & speakers for speakers in said["two"])
    assert records["typo"]["error"] == (
        "no article quotes or reports speaker 'Abishv' (did you mean 'Gaziz Abishev'?)"
    )


class Interrupted(Pipeline):
    """Stops the run (like Ctrl-C) when it reaches its ``limit``-th question."""

    limit = 2
    asked = 0

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        Interrupted.asked += 1
        if Interrupted.asked > self.limit:
            raise KeyboardInterrupt
        return super().ask(*args, **kwargs)


def test_an_interrupted_run_resumes_where_it_stopped(pipeline: Pipeline, tmp_path: Path) -> None:
    questions = read_questions(write(tmp_path / "q.txt", "\n".join(QUESTIONS)))
    output = AnswerFile(tmp_path / "a.jsonl")
    stopping = Interrupted(
        pipeline.settings, pipeline.retriever, pipeline.answerer, pipeline.scorer
    )
    with pytest.raises(KeyboardInterrupt):
        run_batch(stopping, questions, output, progress=False)
    assert [r["id"] for r in jsonl(output.path)] == ["line-1", "line-2"]
    with output.path.open("a", encoding="utf-8") as out:
        out.write('{"id": "line-3", "question": "Who won')  # cut short by the kill
    report = run_batch(pipeline, questions, output, progress=False)
    assert (report.skipped, report.answered, report.failed) == (2, 2, 0)
    assert sorted(r["id"] for r in jsonl(output.path)) == ["line-1", "line-2", "line-3", "line-4"]


def test_a_failing_question_is_recorded_and_tried_again(
    tmp_path: Path, seed_index: Settings
) -> None:
    lines = [
        json.dumps({"id": "ok", "question": QUESTIONS[1]}),
        json.dumps({"id": "bad", "question": "  "}),
    ]
    write(tmp_path / "q.jsonl", "\n".join(lines) + "\n")
    env = index_env(seed_index)
    run = rag("batch", str(tmp_path / "q.jsonl"), "-o", str(tmp_path / "a.jsonl"), **env)
    assert run.returncode == 1 and "error: bad: the question is empty" in run.stderr
    assert "1 answered, 0 skipped" in run.stdout and "1 failed" in run.stdout
    by_id = {r["id"]: r for r in jsonl(tmp_path / "a.jsonl")}
    assert by_id["bad"]["error"] == "the question is empty" and by_id["ok"]["answered"]
    lines[1] = json.dumps({"id": "bad", "question": QUESTIONS[3]})
    write(tmp_path / "q.jsonl", "\n".join(lines) + "\n")
    again = rag("batch", str(tmp_path / "q.jsonl"), "-o", str(tmp_path / "a.jsonl"), **env)
    assert again.returncode == 0 and "1 answered, 1 skipped" in again.stdout
    by_id = {r["id"]: r for r in jsonl(tmp_path / "a.jsonl")}
    assert len(jsonl(tmp_path / "a.jsonl")) == 2 and "error" not in by_id["bad"]


def test_llm_answers_run_on_several_workers(
    seed_index: Settings, server: FakeOpenAI, tmp_path: Path
) -> None:
    settings = seed_index.model_copy(update={"openai_base_url": server.url, "llm_retries": 0})
    for _ in QUESTIONS:
        server.enqueue("Putin and Nazarbayev met on December 27, 2025 [1].")
    questions = read_questions(write(tmp_path / "q.txt", "\n".join(QUESTIONS)))
    output = AnswerFile(tmp_path / "a.jsonl")
    report = run_batch(
        Pipeline.from_settings(settings), questions, output, workers=3, progress=False
    )
    assert (report.answered, report.failed) == (4, 0)
    records = jsonl(output.path)
    assert sorted(r["id"] for r in records) == ["line-1", "line-2", "line-3", "line-4"]
    assert all(r["mode"] == "llm" for r in records) and len(server.chats) == 4


def test_llm_faults_are_recorded_one_per_question_and_a_rerun_answers_them(
    seed_index: Settings, server: FakeOpenAI, tmp_path: Path
) -> None:
    update = {"openai_base_url": server.url, "llm_retries": 0, "llm_timeout": 1.0}
    pipeline = Pipeline.from_settings(seed_index.model_copy(update=update))
    server.enqueue_hang(5)
    server.enqueue_status(500)
    server.enqueue_status(429)
    server.enqueue_cut("Putin and Nazarbayev met on December 27")
    server.enqueue_garbage("Putin and Nazarbayev met on December 27")
    questions = read_questions(write(tmp_path / "q.txt", "\n".join([*QUESTIONS, QUESTIONS[1]])))
    output = AnswerFile(tmp_path / "a.jsonl")
    report = run_batch(pipeline, questions, output, progress=False)
    assert (report.answered, report.failed) == (0, 5)
    errors = [r["error"] for r in jsonl(output.path)]
    assert len(set(errors)) == 5, errors  # each fault named for what it was
    assert all("\n" not in e and "Traceback" not in e and server.url in e for e in errors)
    for _ in questions:
        server.enqueue("Putin and Nazarbayev met on December 27, 2025 [1].")
    again = run_batch(pipeline, questions, output, progress=False)
    assert (again.answered, again.failed, again.skipped) == (5, 0, 0)
    assert all("error" not in r for r in jsonl(output.path)) and len(jsonl(output.path)) == 5
