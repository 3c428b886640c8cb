"""The gold set of the seed corpus: the answering passage is retrieved and cited, and
questions the corpus cannot answer get the sentinel. Real model, real Chroma."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from rag.gold import holds_any
from rag.pipeline import Pipeline
from rag.prompts import CANNOT_ANSWER
from rag.settings import Settings
from tests.conftest import REPO

pytestmark = pytest.mark.slow

GOLD = [
    json.loads(line)
    for line in (REPO / "eval" / "seed.jsonl").read_text(encoding="utf-8").splitlines()
]
ANSWERABLE = [row for row in GOLD if row["answerable"]]
UNANSWERABLE = [row for row in GOLD if not row["answerable"]]


@pytest.fixture(scope="module")
def pipeline(seed_index: Settings) -> Iterator[Pipeline]:
    yield Pipeline.from_settings(seed_index)


def test_the_gold_set_is_big_enough_and_quotes_are_real() -> None:
    assert len(ANSWERABLE) >= 15 and len(UNANSWERABLE) >= 3
    corpus = " ".join(p.read_text(encoding="utf-8") for p in (REPO / "corpus").glob("*.md"))
    assert all(holds_any(corpus, [q]) for row in ANSWERABLE for q in row["gold_quotes"])


@pytest.mark.parametrize("row", ANSWERABLE, ids=lambda row: row["id"])
def test_the_gold_passage_is_retrieved_and_cited(pipeline: Pipeline, row: dict[str, Any]) -> None:
    answer = pipeline.ask(row["question"])
    assert any(holds_any(p.text, row["gold_quotes"]) for p in answer.retrieved)
    assert answer.answered and answer.mode == "extractive"
    cited = [s.passage.text for s in answer.sources]
    assert any(holds_any(text, row["gold_quotes"]) for text in cited), answer.text
    assert all(s.supported for s in answer.sentences), answer.text


@pytest.mark.parametrize("row", UNANSWERABLE, ids=lambda row: row["id"])
def test_questions_the_corpus_cannot_answer_get_the_sentinel(
    pipeline: Pipeline, row: dict[str, Any]
) -> None:
    answer = pipeline.ask(row["question"])
    assert not answer.answered
    assert answer.text == CANNOT_ANSWER
    assert answer.sources == ()
