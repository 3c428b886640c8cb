"""One offline fallback for the app, ``rag ask`` and ``rag batch``: an LLM that fails is
followed by the offline answer, which says why with the same one-line warning, and the
command still exits 0. Failures are scripted on the fake OpenAI server."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from rag.app.api import AskApi
from rag.app.chat import ChatApp
from rag.pipeline import OFFLINE_INSTEAD, Pipeline
from rag.settings import Settings
from rag.types import Answer
from tests.support.cli import run_cli
from tests.support.fake_openai import FakeOpenAI
from tests.support.files import REPO, write
from tests.support.index import copy_index, index_env

pytestmark = pytest.mark.slow

QUESTION = "What leverage does Moscow have over Astana?"
REPLY = "Putin and Nazarbayev met on December 27, 2025 [1]."


def llm_env(seed_index: Settings, server: FakeOpenAI) -> dict[str, str | None]:
    return {**index_env(seed_index), "OPENAI_BASE_URL": server.url, "RAG_LLM_RETRIES": "0"}


def test_rag_ask_answers_offline_with_a_warning_when_the_llm_fails(
    seed_index: Settings, server: FakeOpenAI
) -> None:
    server.enqueue_status(500)
    shown = run_cli("ask", QUESTION, env=llm_env(seed_index, server))
    [warning] = [line for line in shown.err.splitlines() if line.startswith("warning: ")]
    assert shown.code == 0 and warning.endswith(f"; {OFFLINE_INSTEAD}") and server.url in warning
    assert "offline extractive answer" in shown.out and OFFLINE_INSTEAD not in shown.out
    server.enqueue_status(500)
    data = json.loads(run_cli("ask", QUESTION, "--json", env=llm_env(seed_index, server)).out)
    assert data["mode"] == "extractive" and f"warning: {data['fallback']}" == warning
    assert Answer.from_dict(data).fallback == data["fallback"]


def test_rag_ask_without_a_failure_says_nothing_of_a_fallback(
    seed_index: Settings, server: FakeOpenAI
) -> None:
    server.enqueue(REPLY)
    shown = run_cli("ask", QUESTION, "--json", env=llm_env(seed_index, server))
    data = json.loads(shown.out)
    assert shown.code == 0 and data["mode"] == "llm" and "fallback" not in data
    assert "warning" not in shown.err


def test_rag_batch_answers_offline_the_questions_the_llm_failed(
    seed_index: Settings, server: FakeOpenAI, tmp_path: Path
) -> None:
    questions = write(tmp_path / "q.txt", f"{QUESTION}\nWho met Putin?\n")
    server.enqueue_status(500)
    server.enqueue(REPLY)
    env = llm_env(seed_index, server)
    done = run_cli("batch", str(questions), "-o", str(tmp_path / "a.jsonl"), "--workers", "1",
                   "--json", env=env)  # fmt: skip
    assert done.code == 0, done.err
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "a.jsonl").read_text().splitlines())}
    assert records["line-1"]["mode"] == "extractive" and "error" not in records["line-1"]
    assert records["line-1"]["fallback"].endswith(f"; {OFFLINE_INSTEAD}")
    assert records["line-2"]["mode"] == "llm" and "fallback" not in records["line-2"]
    assert f"warning: line-1: {records['line-1']['fallback']}" in done.err.splitlines()
    summary = json.loads(done.out)
    assert (summary["answered"], summary["failed"]) == (2, 0)
    assert summary["warnings"] == [f"line-1: {records['line-1']['fallback']}"]
    server.enqueue(REPLY)  # the next run asks the LLM again for the stand-in answer only
    again = run_cli("batch", str(questions), "-o", str(tmp_path / "a.jsonl"), "--json", env=env)
    assert (json.loads(again.out)["answered"], json.loads(again.out)["skipped"]) == (1, 1)
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "a.jsonl").read_text().splitlines())}
    assert records["line-1"]["mode"] == "llm" and "fallback" not in records["line-1"]


def test_a_csv_answer_file_marks_the_stand_in_answers(
    seed_index: Settings, server: FakeOpenAI, tmp_path: Path
) -> None:
    questions = write(tmp_path / "q.txt", f"{QUESTION}\n")
    server.enqueue_status(500)
    done = run_cli("batch", str(questions), "-o", str(tmp_path / "a.csv"),
                   env=llm_env(seed_index, server))  # fmt: skip
    [row] = csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text(encoding="utf-8")))
    assert done.code == 0 and row["mode"] == "extractive" and row["error"] == ""
    assert row["fallback"].endswith(f"; {OFFLINE_INSTEAD}")


def test_a_pipeline_without_fallback_still_fails(seed_index: Settings, server: FakeOpenAI) -> None:
    from rag.errors import LLMError

    update = {"openai_base_url": server.url, "llm_retries": 0}
    pipeline = Pipeline.from_settings(seed_index.model_copy(update=update))
    server.enqueue_status(500)
    with pytest.raises(LLMError):
        pipeline.ask(QUESTION)


@pytest.fixture
def llm_app(seed_index: Settings, server: FakeOpenAI, tmp_path: Path) -> ChatApp:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    settings = copy_index(seed_index, tmp_path / "index")
    update = {"corpus_dir": corpus, "openai_base_url": server.url, "llm_retries": 0}
    return ChatApp(settings.model_copy(update=update))


def test_the_app_chat_and_api_answer_offline_with_the_same_warning(
    llm_app: ChatApp, server: FakeOpenAI
) -> None:
    server.enqueue_status(500)
    *_, (chat, _, turns, _) = llm_app.respond(QUESTION, [], [])
    [answer] = [turn.answer for turn in turns]
    assert answer.mode == "extractive" and answer.fallback.endswith(f"; {OFFLINE_INSTEAD}")
    assert chat[-1]["content"].startswith('<p class="error">') and server.url in chat[-1]["content"]
    server.enqueue_status(500)
    data = AskApi(llm_app).ask(QUESTION)
    assert data["warning"] == data["fallback"] == answer.fallback
    server.enqueue(REPLY)
    assert AskApi(llm_app).ask(QUESTION)["warning"] == ""


def test_a_stream_cut_after_its_first_pieces_falls_back_in_the_chat(
    llm_app: ChatApp, server: FakeOpenAI
) -> None:
    server.enqueue_cut(REPLY)
    steps = list(llm_app.respond(QUESTION, [], []))
    assert any("Putin" in step[0][-1]["content"] for step in steps[:-1])  # shown as it came
    chat, _, turns, _ = steps[-1]
    assert turns[0].answer.mode == "extractive" and OFFLINE_INSTEAD in chat[-1]["content"]
