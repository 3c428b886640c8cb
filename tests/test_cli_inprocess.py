"""The ``rag`` command called in this process (``run_cli``): quick checks of what each
command prints and the exit status it returns, on small indexes built with the fake
embedder. That the installed command does the same as a process of its own is what
``test_cli.py``, ``test_commands.py`` and the other users of ``tests.support.cli.rag`` prove."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag.settings import Settings
from tests.support.cli import run_cli
from tests.support.files import make_corpus, write
from tests.support.index import index_env, ingest

QUESTION = "What did the dispatch say about the talks?"


@pytest.fixture
def env(settings: Settings) -> dict[str, str | None]:
    """The environment of a ``rag`` command on a three-article index built with the fake
    embedder (the ``fake`` backend this process has)."""
    make_corpus(Path("corpus"), 3)
    ingest(settings)
    return {**index_env(settings), "RAG_EMBED_BACKEND": "fake"}


def test_help_lists_every_command_and_exits_0() -> None:
    run = run_cli("--help")
    assert run.code == 0 and run.err == ""
    assert run.out.startswith("usage: rag ")
    for command in ("ingest", "ask", "batch", "eval", "articles", "speakers", "stats"):
        assert command in run.out


def test_a_missing_argument_is_a_usage_error_with_exit_2() -> None:
    run = run_cli("ask")
    assert run.code == 2 and run.out == ""
    assert "the following arguments are required: question" in run.err


def test_stats_counts_the_articles_and_passages(env: dict[str, str | None]) -> None:
    text = run_cli("stats", env=env)
    assert text.code == 0 and text.err == ""
    assert "articles:    3\n" in text.out
    found = run_cli("stats", "--json", env=env)
    assert found.code == 0 and found.err == ""
    stats = json.loads(found.out)
    assert stats["articles"] == 3 and stats["passages"] > 3
    assert stats["embedder"].startswith("fake:")


def test_articles_lists_each_indexed_article_with_its_id(env: dict[str, str | None]) -> None:
    text = run_cli("articles", env=env)
    assert text.code == 0 and text.err == ""
    assert text.out.splitlines()[0].split()[0] == "id"
    found = run_cli("articles", "--json", env=env)
    assert found.code == 0 and found.err == ""
    listed = json.loads(found.out)
    assert [a["id"] for a in listed] == [f"corpus/article-{i:03d}.md" for i in range(3)]
    assert {a["outlet"] for a in listed} == {"Test Wire"}


def test_ask_json_offline_cites_only_passages_it_shows(env: dict[str, str | None]) -> None:
    run = run_cli("ask", QUESTION, "--json", env=env)
    assert run.code == 0 and run.err == ""
    answer = json.loads(run.out)
    assert answer["question"] == QUESTION and answer["mode"] == "extractive"
    assert answer["sentences"] and answer["sources"]
    numbers = {source["number"] for source in answer["sources"]}
    assert {n for s in answer["sentences"] for n in s["citations"]} <= numbers
    articles = {source["passage"]["article_id"] for source in answer["sources"]}
    assert articles <= {f"corpus/article-{i:03d}.md" for i in range(3)}


def test_an_invalid_setting_exits_2_with_one_error_line() -> None:
    run = run_cli("stats", env={"RAG_TOP_K": "many"})
    assert run.code == 2 and run.out == ""
    (line,) = run.err.splitlines()
    assert line.startswith("error: ") and "RAG_TOP_K" in line


def test_ingest_of_an_unreadable_file_names_it_and_exits_1(env: dict[str, str | None]) -> None:
    write(Path("bad.pdf"), b"%PDF-1.4 not really a PDF")
    run = run_cli("ingest", "bad.pdf", env=env)
    assert run.code == 1
    assert run.out.startswith("articles: 0 added") and "1 failed" in run.out
    (line,) = run.err.splitlines()
    assert line.startswith("error: bad.pdf: ") and line.endswith("(skipped)")


def test_run_cli_sets_the_environment_for_the_call_only(env: dict[str, str | None]) -> None:
    before = dict(os.environ)
    assert run_cli("stats", env={**env, "RAG_TOP_K": None}).code == 0
    assert dict(os.environ) == before
