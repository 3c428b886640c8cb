"""The web UI's handlers with the real pipeline on the seed corpus, and its HTML and safety."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from rag.app.api import AskApi
from rag.app.chat import ChatApp
from rag.app.export import export_conversation
from rag.app.server import login
from rag.app.uploads import add_uploads
from rag.errors import RagError
from rag.ingest.uploads import accept_upload, safe_name
from rag.present.html import answer_html, sources_html
from rag.settings import Settings
from rag.types import Answer, Passage, Sentence, Source
from tests.support.files import REPO, write
from tests.support.index import copy_index

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
    chat, sources, turns, box = steps[-1]
    assert [m["role"] for m in chat] == ["user", "assistant"] and box == ""
    assert (
        'class="cite"' in chat[1]["content"] and "offline extractive answer" in chat[1]["content"]
    )
    assert len(turns) == 1 and turns[0].answer.question == QUESTION
    assert sources.count('class="source-card"') == len(turns[0].answer.sources) > 0
    assert '<mark class="support">' in sources and "Show whole article" in sources


def test_the_api_answers_as_batch_does_and_names_bad_input(app: ChatApp) -> None:
    import gradio as gr

    with pytest.raises(gr.Error, match="no article has outlet 'no such outlet'"):
        AskApi(app).ask(QUESTION, outlets=["no such outlet"])
    answer = Answer.from_dict(AskApi(app).ask(QUESTION, k=3))
    assert answer.question == QUESTION and 0 < len(answer.sources) <= 3
    assert any(s.citations for s in answer.sentences)
    with pytest.raises(gr.Error, match="is not a date"):
        AskApi(app).ask(QUESTION, since="2025-13-01")


def test_the_api_names_an_unreachable_llm_and_answers_offline(app: ChatApp) -> None:
    app.settings = app.settings.model_copy(
        update={"openai_base_url": "http://127.0.0.1:9/v1", "llm_retries": 0}
    )
    fallback = AskApi(app).ask(QUESTION)
    assert "cannot reach the LLM endpoint" in fallback["warning"]
    assert Answer.from_dict(fallback).mode == "extractive"


def test_a_follow_up_uses_the_conversation(app: ChatApp) -> None:
    *_, (chat, _, turns, _) = app.respond("What did Tokayev say at the CSTO summit?", [], [])
    *_, (chat, _, turns, _) = app.respond("And about external threats?", chat, turns)
    assert len(chat) == 4 and len(turns) == 2
    assert "CSTO" in turns[1].answer.standalone_question


def test_an_unreachable_llm_is_named_and_the_offline_answerer_stands_in(app: ChatApp) -> None:
    app.settings = app.settings.model_copy(
        update={"openai_base_url": "http://127.0.0.1:9/v1", "llm_retries": 0}
    )
    *_, (chat, _, turns, _) = app.respond(QUESTION, [], [])
    shown = chat[-1]["content"]
    assert "cannot reach the LLM endpoint http://127.0.0.1:9/v1" in shown
    assert "answered offline instead" in shown and turns[0].answer.mode == "extractive"


def test_bad_questions_and_filters_are_told_in_the_chat(app: ChatApp) -> None:
    *_, (chat, _, turns, _) = app.respond("   ", [], [])
    assert "the question is empty" in chat[-1]["content"] and turns == []
    *_, (chat, _, _, _) = app.respond(QUESTION, [], [], since="2025-13-40")
    assert "is not a date" in chat[-1]["content"]


def test_cannot_answer_is_shown_as_such(app: ChatApp) -> None:
    *_, (chat, sources, _, _) = app.respond("Who won the 2022 FIFA World Cup final?", [], [])
    assert 'class="cannot-answer"' in chat[-1]["content"] and "source-card" not in sources


def test_exports_record_how_each_question_was_asked_and_leave_no_folders(
    app: ChatApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    before = set(Path(tempfile.gettempdir()).glob("rag-export-*"))
    *_, (chat, _, turns, _) = app.respond(QUESTION, [], [], outlets=["Caliber.Az"], k=3)
    article = app.choices()[1][-1][1]
    *_, (_, _, turns, _) = app.respond("Who met Putin?", chat, turns, articles=[article])
    markdown = Path(export_conversation(turns, "md")).read_text(encoding="utf-8")
    assert f"## {QUESTION}" in markdown and "**[1]" in markdown
    asked = re.findall(r"^\*Asked (\S+) · k = (\d+) · (.+)\*$", markdown, re.MULTILINE)
    assert [(k, how) for _, k, how in asked] == [
        ("3", "outlets: Caliber.Az"),
        ("6", f"articles: {article}"),
    ]
    assert all(dt.datetime.fromisoformat(when).tzinfo for when, _, _ in asked)
    exported = Path(export_conversation(turns, "json"))
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data[0]["question"] == QUESTION and data[0]["sources"][0]["number"] == 1
    assert (data[0]["k"], data[0]["filters"]["outlets"]) == (3, ["Caliber.Az"])
    assert data[1]["filters"] == {
        "outlets": [],
        "articles": [article],
        "since": None,
        "until": None,
        "speakers": [],
        "as_of": None,
    }
    assert dt.datetime.fromisoformat(data[1]["asked"]) >= dt.datetime.fromisoformat(
        data[0]["asked"]
    )
    assert exported.is_relative_to(tmp_path / "gradio")  # Gradio's cache serves it
    assert set(Path(tempfile.gettempdir()).glob("rag-export-*")) == before
    assert app.new_chat()[0] == [] and app.new_chat()[2] == []


def test_uploads_are_ingested_and_bad_ones_named(app: ChatApp, tmp_path: Path) -> None:
    good = write(tmp_path / "in" / "ferry.md", "---\ntitle: Caspian ferry deal\n---\n\nFerries.\n")
    empty = write(tmp_path / "in" / "empty.md", "")
    exe = write(tmp_path / "in" / "tool.exe", b"MZ\x00")
    report, rows = add_uploads(app, [str(good), str(empty), str(exe)])
    assert "✓ ferry.md: added" in report
    assert "✗ empty.md: empty file" in report and "tool.exe: files of type .exe" in report
    assert "Caspian ferry deal" in [row[0] for row in rows]
    uploads = app.settings.corpus_dir / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["ferry.md"]  # failures not kept
    *_, (_, _, turns, _) = app.respond("What deal about ferries was made?", [], [])
    retrieved = turns[0].answer.retrieved
    assert any("Caspian ferry deal" in p.metadata.get("title", "") for p in retrieved)


def test_an_upload_during_another_ingest_is_kept_for_the_next(
    app: ChatApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.app import uploads
    from rag.index.lock import ingest_lock

    monkeypatch.setattr(uploads, "UPLOAD_WAIT", 0.0)
    good = write(tmp_path / "in" / "ferry.md", "---\ntitle: Caspian ferry deal\n---\n\nFerries.\n")
    with ingest_lock(app.settings):
        report, rows = add_uploads(app, [str(good)])
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
    for html in (answer_html(answer), sources_html([answer], {"a": hostile})):
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


@pytest.mark.parametrize("k", [0, -3, 10**9, "abc", 2.5, True])
def test_the_api_refuses_a_bad_k_as_rag_ask_does(app: ChatApp, k: object) -> None:
    import gradio as gr

    from rag.retrieve.request import MAX_K, checked_k

    with pytest.raises(RagError) as cli:
        checked_k(k)
    with pytest.raises(gr.Error) as api:
        AskApi(app).ask(QUESTION, k=k)  # type: ignore[arg-type]
    assert str(api.value.message) == str(cli.value)
    assert f"at most {MAX_K}" in str(cli.value) and repr(k) in str(cli.value)


def test_the_api_takes_one_outlet_as_a_string_and_refuses_other_shapes(app: ChatApp) -> None:
    import gradio as gr

    answer = Answer.from_dict(AskApi(app).ask(QUESTION, outlets="Caliber.Az"))
    outlets = {p.metadata.get("outlet") for p in answer.retrieved}
    assert answer.sources and outlets == {"Caliber.Az"}
    with pytest.raises(gr.Error, match="outlets must be a name or a list of names"):
        AskApi(app).ask(QUESTION, outlets={"name": "Caliber.Az"})  # type: ignore[arg-type]
    with pytest.raises(gr.Error, match="articles must be a name or a list of names"):
        AskApi(app).ask(QUESTION, articles=[1, 2])  # type: ignore[list-item]


def test_a_hung_llm_costs_one_deadline_and_the_chat_says_how_long(app: ChatApp) -> None:
    from tests.support.fake_openai import fake_openai

    deadline = 3.0
    with fake_openai() as server:
        update = {"openai_base_url": server.url, "llm_timeout": deadline, "llm_retries": 2}
        llm_app = ChatApp(app.settings.model_copy(update=update))
        llm_app.pipeline().offline().ask(QUESTION)  # the model loaded: only the wait is timed
        server.enqueue_hang(times=3)
        started = time.monotonic()
        *_, (chat, _, turns, _) = llm_app.respond(QUESTION, [], [])
        elapsed = time.monotonic() - started
    shown = chat[-1]["content"]
    assert f"no reply from the LLM endpoint {server.url} within 3s (RAG_LLM_TIMEOUT" in shown
    assert "answered offline instead" in shown and turns[0].answer.mode == "extractive"
    assert deadline <= elapsed < deadline + 3.0, elapsed  # three tries would take 9 s and more
    assert len(server.chats) == 1


def test_the_speakers_table_and_filter_follow_the_index(app: ChatApp) -> None:
    from rag.app.library import SPEAKER_COLUMNS, speaker_choices

    rows = {row[0]: dict(zip(SPEAKER_COLUMNS, row, strict=True)) for row in app.speakers()}
    assert rows["Gaziz Abishev"]["role"] == "political commentator"
    assert rows["Kazbek Beisebayev"]["outlets"] == "Caliber.Az"
    assert rows["Gaziz Abishev"]["articles"].startswith("Nazarbayev at the Kremlin")
    assert {"Gaziz Abishev", "Kazbek Beisebayev"} <= set(speaker_choices(app.speakers()))
    *_, (chat, _, turns, _) = app.respond(QUESTION, [], [], speakers=["Beisebayev"])
    assert turns[0].filters.speakers == ("Beisebayev",) and turns[0].answer.sources
    for passage in turns[0].answer.retrieved:
        assert "Kazbek Beisebayev" in {a.speaker for a in passage.attributions or ()}
    *_, (chat, _, _, _) = app.respond(QUESTION, chat, turns, speakers=["Beisebaev"])
    assert "did you mean &#x27;Kazbek Beisebayev&#x27;?" in chat[-1]["content"]


def test_filter_choices_follow_the_index_and_tell_syndicated_copies_apart(
    app: ChatApp, tmp_path: Path
) -> None:
    from tests.support.index import ingest

    outlets, articles, rows = app.choices()
    assert "Wire Daily" not in outlets and len(articles) == len(rows)
    text = "Ferries cross the Caspian again after the new port at Aktau opened this spring."
    for name, outlet in (("a.md", "Wire Daily"), ("b.md", "Steppe Post")):
        front = f"---\ntitle: Caspian ferries return\noutlet: {outlet}\npublished: 2025-03-04\n---"
        write(app.settings.corpus_dir / "wire" / name, f"{front}\n\n{text}\n")
    ingest(app.settings, app.settings.corpus_dir / "wire")  # as `rag ingest` would
    outlets, articles, rows = app.choices()
    assert {"Wire Daily", "Steppe Post"} <= set(outlets)
    labels = dict((value, label) for label, value in articles)
    ids = [row[4] for row in rows if row[0] == "Caspian ferries return"]
    assert sorted(labels[i] for i in ids) == [
        "Caspian ferries return — Steppe Post, 2025-03-04",
        "Caspian ferries return — Wire Daily, 2025-03-04",
    ]
