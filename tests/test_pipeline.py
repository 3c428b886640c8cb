"""``Pipeline.ask`` and ``rag ask`` on the seed corpus: the LLM path against a scripted
OpenAI-compatible server over real HTTP, the offline path, follow-ups and filters."""

from __future__ import annotations

import json

import pytest

from rag.answer.prompts import CANNOT_ANSWER
from rag.errors import LLMError, RagError
from rag.evaluate.gold import holds_any
from rag.pipeline import Pipeline
from rag.retrieve.request import MAX_QUESTION, clean_question
from rag.settings import Settings
from rag.types import Answer, Filters
from tests.support.cli import rag
from tests.support.fake_openai import FakeOpenAI
from tests.support.index import index_env, llm_pipeline

pytestmark = pytest.mark.slow

DATE = (
    "The meeting between Vladimir Putin and Nursultan Nazarbayev took place on December 27, 2025."
)
CSTO = "Tokayev said there was no need to overemphasize the existence of an external threat"


def number_of(pipeline: Pipeline, question: str, quote: str) -> int:
    """The number [n] the answerer sees for the passage holding ``quote``."""
    hits = pipeline.retriever.retrieve(question)
    return next(i for i, h in enumerate(hits, 1) if holds_any(h.passage.text, [quote]))


def test_an_llm_answer_streams_and_every_citation_is_checked(
    seed_index: Settings, server: FakeOpenAI
) -> None:
    pipeline = llm_pipeline(seed_index, server)
    question = "When did Putin and Nazarbayev meet?"
    right = number_of(pipeline, question, DATE)
    other = 1 if right != 1 else 2
    scripted = (
        f"Putin and Nazarbayev met on December 27, 2025 [{right}]. "
        f"Kazakhstan joined NATO in 2024 [{other}]. Moscow was pleased [9]. "
        "Nobody expected the meeting."
    )
    server.enqueue(scripted)
    items = list(pipeline.stream(question))
    pieces, answer = items[:-1], items[-1]
    assert len(pieces) > 3 and "".join(str(p) for p in pieces) == scripted
    assert isinstance(answer, Answer) and answer.mode == "llm" and answer.model == "test-model"
    first, fabricated, out_of_range, uncited = answer.sentences
    assert first.citations == (1,) and first.supported
    assert first.citation_support == (pytest.approx(first.support, abs=1e-4),)
    assert len(fabricated.citation_support) == 1 and fabricated.citation_support[0] < 0.5
    assert answer.sources[0].passage.text.count("December 27, 2025")
    assert fabricated.citations == (2,) and not fabricated.supported
    assert answer.removed_citations == (9,)
    assert out_of_range.citations == () and not out_of_range.supported
    assert uncited.citations == () and not uncited.supported
    start, end = answer.sources[0].spans[0]
    assert "December 27, 2025" in answer.sources[0].passage.text[start:end]
    prompt = server.chats[0]["messages"][1]["content"]
    assert "<source 1>" in prompt and question in prompt


def test_the_llm_condenses_a_follow_up_before_retrieving(
    seed_index: Settings, server: FakeOpenAI
) -> None:
    pipeline = llm_pipeline(seed_index, server)
    standalone = "What did Tokayev say about external threats at the CSTO summit?"
    server.enqueue(standalone)
    server.enqueue(CANNOT_ANSWER)
    history = [
        {"role": "user", "content": "What happened at the CSTO summit?"},
        {"role": "assistant", "content": "Putin and Lukashenko spoke of Western threats [1]."},
    ]
    answer = pipeline.ask("And what did Tokayev say?", history=history)
    assert answer.standalone_question == standalone
    assert not answer.answered and answer.text == CANNOT_ANSWER
    assert any(holds_any(p.text, [CSTO]) for p in answer.retrieved)
    assert "CSTO summit" in server.chats[0]["messages"][-1]["content"]
    assert standalone in server.chats[1]["messages"][1]["content"]


def test_an_llm_failure_reaches_the_caller_as_one_line(
    seed_index: Settings, server: FakeOpenAI
) -> None:
    server.enqueue_status(500, "boom")
    with pytest.raises(LLMError, match="HTTP 500") as caught:
        llm_pipeline(seed_index, server).ask("When did Putin and Nazarbayev meet?")
    assert "\n" not in str(caught.value)


def test_an_offline_follow_up_is_resolved_against_the_conversation(seed_index: Settings) -> None:
    history = [
        {"role": "user", "content": "What did Tokayev say at the CSTO summit?"},
        {"role": "assistant", "content": "He said there was no need to overemphasize it [1]."},
    ]
    answer = Pipeline.from_settings(seed_index).ask("And about external threats?", history)
    assert "CSTO" in answer.standalone_question and "external threats" in answer.standalone_question
    assert any(holds_any(s.passage.text, [CSTO]) for s in answer.sources)


def test_filters_restrict_the_sources(seed_index: Settings) -> None:
    pipeline = Pipeline.from_settings(seed_index)
    answer = pipeline.ask("What did Putin discuss?", filters=Filters(outlets=("Caliber.Az",)))
    assert answer.retrieved and {p.metadata.get("outlet") for p in answer.retrieved} == {
        "Caliber.Az"
    }
    with pytest.raises(RagError, match="no article in the index has a published date"):
        pipeline.ask("What did Putin discuss?", filters=Filters(since="2030-01-01"))


def test_questions_are_cleaned_or_refused_clearly() -> None:
    assert clean_question("  What\x00 did\tPutin\u200b say?\n") == "What did Putin say?"
    with pytest.raises(RagError, match="empty"):
        clean_question(" \x07\n ")
    with pytest.raises(RagError, match="limit"):
        clean_question("why " * MAX_QUESTION)


def test_rag_ask_prints_a_cited_answer_and_its_sources(seed_index: Settings) -> None:
    run = rag(
        "ask",
        "What leverage does Moscow have over Astana?",
        **index_env(seed_index),
    )
    assert run.returncode == 0, run.stderr
    assert "[1]" in run.stdout and "offline extractive answer" in run.stdout
    assert "\n[1] Nazarbayev at the Kremlin" in run.stdout and "**" in run.stdout


def test_rag_ask_json_holds_the_whole_answer(seed_index: Settings) -> None:
    run = rag(
        "ask",
        "Why did Tokayev decide to build a new oil pipeline?",
        "--json",
        "--k",
        "3",
        **index_env(seed_index),
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["mode"] == "extractive" and len(answer["retrieved"]) == 3
    assert answer["sentences"][0]["citations"] == [1] and answer["sentences"][0]["supported"]
    assert answer["sources"][0]["number"] == 1 and answer["sources"][0]["spans"]


def test_rag_ask_answers_through_an_llm_endpoint(seed_index: Settings, server: FakeOpenAI) -> None:
    server.enqueue("Putin and Nazarbayev met on December 27, 2025 [1][2][3].")
    extra = {**index_env(seed_index), "OPENAI_BASE_URL": server.url}
    run = rag("ask", "When did Putin and Nazarbayev meet?", **extra, RAG_LLM_MODEL="test-model")
    assert run.returncode == 0, run.stderr
    assert "LLM test-model" in run.stdout and "December 27, 2025" in run.stdout


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (["--since", "2025-13-01"], {}, "--since '2025-13-01' is not a date"),
        (["--k", "0"], {}, "--k must be at least 1"),
        ([], {"RAG_COLLECTION": "empty"}, "is empty; run `rag ingest` first"),
    ],
)
def test_rag_ask_errors_are_one_line_and_exit_2(
    seed_index: Settings, args: list[str], extra: dict[str, str], message: str
) -> None:
    env = {**index_env(seed_index), "RAG_LLM_RETRIES": "0", **extra}
    run = rag("ask", "When did Putin and Nazarbayev meet?", *args, **env)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and message in run.stderr


def test_rag_ask_with_an_unreachable_llm_answers_offline_with_a_one_line_warning(
    seed_index: Settings,
) -> None:
    env = {
        **index_env(seed_index),
        "RAG_LLM_RETRIES": "0",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    }
    run = rag("ask", "When did Putin and Nazarbayev meet?", **env)
    assert run.returncode == 0 and run.stderr.count("\n") == 1
    assert run.stderr.startswith("warning: cannot reach the LLM endpoint http://127.0.0.1:9/v1")
    assert run.stderr.endswith("; answered offline instead.\n")
    assert "offline extractive answer" in run.stdout
