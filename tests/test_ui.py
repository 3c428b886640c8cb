"""The web UI's handlers with the real pipeline on the seed corpus, and its HTML and safety."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app import login
from rag.chat import ChatApp, example_questions
from rag.errors import RagError
from rag.library import accept_upload, safe_name
from rag.settings import Settings
from rag.types import Answer, Passage, Sentence, Source
from rag.webview import answer_html, sources_html
from tests.conftest import REPO, copy_index, write

pytestmark = pytest.mark.slow

QUESTION = "What leverage does Moscow have over Astana?"


@pytest.fixture
def app(seed_index: Settings, tmp_path: Path) -> ChatApp:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    settings = copy_index(seed_index, tmp_path / "index")
    return ChatApp(settings.model_copy(update={"corpus_dir": corpus}))


def test_an_answer_streams_into_the_chat_then_shows_with_its_sources(app: ChatApp) -> None:
    steps = list(app.respond(QUESTION, [], []))
    chat, sources, answers, box = steps[-1]
    assert [m["role"] for m in chat] == ["user", "assistant"] and box == ""
    assert (
        'class="cite"' in chat[1]["content"] and "offline extractive answer" in chat[1]["content"]
    )
    assert len(answers) == 1 and answers[0].question == QUESTION
    assert sources.count('class="source-card"') == len(answers[0].sources) > 0
    assert '<mark class="support">' in sources and "Show whole article" in sources


def test_the_api_answers_as_batch_does_and_names_bad_input(app: ChatApp) -> None:
    import gradio as gr

    from rag.batch import answer_of

    got = app.ask(QUESTION, outlets=["no such outlet"])
    assert got["warning"] == "" and not answer_of(got).sources
    answer = answer_of(app.ask(QUESTION, k=3))
    assert answer.question == QUESTION and 0 < len(answer.sources) <= 3
    assert any(s.citations for s in answer.sentences)
    with pytest.raises(gr.Error, match="is not a date"):
        app.ask(QUESTION, since="2025-13-01")


def test_the_api_names_an_unreachable_llm_and_answers_offline(app: ChatApp) -> None:
    from rag.batch import answer_of

    app.settings = app.settings.model_copy(
        update={"openai_base_url": "http://127.0.0.1:9/v1", "llm_retries": 0}
    )
    fallback = app.ask(QUESTION)
    assert "cannot reach the LLM endpoint" in fallback["warning"]
    assert answer_of(fallback).mode == "extractive"


def test_a_follow_up_uses_the_conversation(app: ChatApp) -> None:
    *_, (chat, _, answers, _) = app.respond("What did Tokayev say at the CSTO summit?", [], [])
    *_, (chat, _, answers, _) = app.respond("And about external threats?", chat, answers)
    assert len(chat) == 4 and len(answers) == 2
    assert "CSTO" in answers[1].standalone_question


def test_an_unreachable_llm_is_named_and_the_offline_answerer_stands_in(app: ChatApp) -> None:
    app.settings = app.settings.model_copy(
        update={"openai_base_url": "http://127.0.0.1:9/v1", "llm_retries": 0}
    )
    *_, (chat, _, answers, _) = app.respond(QUESTION, [], [])
    shown = chat[-1]["content"]
    assert "cannot reach the LLM endpoint http://127.0.0.1:9/v1" in shown
    assert "answered offline instead" in shown and answers[0].mode == "extractive"


def test_bad_questions_and_filters_are_told_in_the_chat(app: ChatApp) -> None:
    *_, (chat, _, answers, _) = app.respond("   ", [], [])
    assert "the question is empty" in chat[-1]["content"] and answers == []
    *_, (chat, _, _, _) = app.respond(QUESTION, [], [], since="2025-13-40")
    assert "is not a date" in chat[-1]["content"]


def test_cannot_answer_is_shown_as_such(app: ChatApp) -> None:
    *_, (chat, sources, _, _) = app.respond("Who won the 2022 FIFA World Cup final?", [], [])
    assert 'class="cannot-answer"' in chat[-1]["content"] and "source-card" not in sources


def test_exports_hold_the_conversation_and_its_sources(app: ChatApp) -> None:
    *_, (_, _, answers, _) = app.respond(QUESTION, [], [])
    markdown = Path(app.export(answers, "md")).read_text(encoding="utf-8")
    assert f"## {QUESTION}" in markdown and "**[1]" in markdown
    data = json.loads(Path(app.export(answers, "json")).read_text(encoding="utf-8"))
    assert data[0]["question"] == QUESTION and data[0]["sources"][0]["number"] == 1
    assert app.new_chat()[0] == [] and app.new_chat()[2] == []


def test_uploads_are_ingested_and_bad_ones_named(app: ChatApp, tmp_path: Path) -> None:
    good = write(tmp_path / "in" / "ferry.md", "---\ntitle: Caspian ferry deal\n---\n\nFerries.\n")
    empty = write(tmp_path / "in" / "empty.md", "")
    exe = write(tmp_path / "in" / "tool.exe", b"MZ\x00")
    report, rows = app.ingest([str(good), str(empty), str(exe)])
    assert "✓ ferry.md: added" in report
    assert "✗ empty.md: empty file" in report and "tool.exe: files of type .exe" in report
    assert "Caspian ferry deal" in [row[0] for row in rows]
    uploads = app.settings.corpus_dir / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["ferry.md"]  # failures not kept
    *_, (_, _, answers, _) = app.respond("What deal about ferries was made?", [], [])
    assert any("Caspian ferry deal" in p.metadata.get("title", "") for p in answers[0].retrieved)


def test_an_upload_during_another_ingest_is_kept_for_the_next(
    app: ChatApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag import chat
    from rag.lock import ingest_lock

    monkeypatch.setattr(chat, "UPLOAD_WAIT", 0.0)
    good = write(tmp_path / "in" / "ferry.md", "---\ntitle: Caspian ferry deal\n---\n\nFerries.\n")
    with ingest_lock(app.settings):
        report, rows = app.ingest([str(good)])
    assert "✗ another ingest (pid " in report and "the files stay in" in report
    assert (app.settings.corpus_dir / "uploads" / "ferry.md").exists()
    assert "Caspian ferry deal" not in [row[0] for row in rows]


def test_upload_names_cannot_leave_the_corpus(tmp_path: Path) -> None:
    assert safe_name("../../etc/passwd.md") == "passwd.md"
    assert safe_name("..\\..\\evil.md") == "evil.md"
    source = write(tmp_path / "x.md", "text")
    folder = tmp_path / "corpus" / "uploads"
    stored = accept_upload(source, "../../../outside.md", folder, 10**6)
    assert stored.parent == folder and not (tmp_path / "outside.md").exists()
    assert accept_upload(source, "outside.md", folder, 10**6).name == "outside-2.md"
    with pytest.raises(RagError, match="limit"):
        accept_upload(source, "big.md", folder, 2)
    with pytest.raises(RagError, match="not a usable file name"):
        safe_name("../..")


def test_article_html_is_escaped_everywhere() -> None:
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    passage = Passage(
        "p",
        "a",
        0,
        f"Text {hostile} more.",
        0,
        40,
        "a.md",
        None,
        {"title": hostile, "outlet": hostile},
    )
    answer = Answer(
        question="q",
        text=hostile,
        sentences=(Sentence(f"Claim {hostile}.", (1,), 0.2, False),),
        sources=(Source(1, passage, ((5, 20),)),),
        mode="extractive",
        model="extractive",
    )
    for html in (answer_html(answer), sources_html(answer, {"a": hostile})):
        assert "<script>" not in html and "<img" not in html
        assert "&lt;script&gt;" in html
    assert 'class="unsupported"' in answer_html(answer)


def test_exposed_app_requires_a_login(monkeypatch: pytest.MonkeyPatch) -> None:
    assert login(Settings(), "127.0.0.1") is None
    with pytest.raises(RagError, match="RAG_AUTH"):
        login(Settings(), "0.0.0.0")
    assert login(Settings(auth="ana:s3cret"), "0.0.0.0") == ("ana", "s3cret")
    with pytest.raises(RagError, match="user:password"):
        login(Settings(auth="nocolon"), "0.0.0.0")


def test_examples_name_what_recurs_in_titles() -> None:
    rows = [["Putin meets Nazarbayev", "", "", 1, "a"], ["Nazarbayev and Tokayev", "", "", 1, "b"]]
    assert example_questions(rows)[0] == "What is said about Nazarbayev?"
