"""The extractive answerer's refusal rule, the answering sentence first, and the priors of
passage rank and lede: with vectors scripted so that each sentence's relevance is exactly
known, and once with the bundled model."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from rag.answer.base import Embed
from rag.answer.extractive import KEEP_RATIO, SEMANTIC, ExtractiveAnswerer, overlap
from rag.answer.prompts import CANNOT_ANSWER
from rag.check.support import SupportScorer
from rag.embed.factory import create_embedder
from rag.settings import Settings
from rag.types import Hit
from tests.support.hits import hits_of

#: The shipped ``min_relevance`` (not the environment's).
DEFAULT = float(Settings.model_fields["min_relevance"].default)
#: The hard floor below which answers used to come out empty (``KEEP_FLOOR``, removed).
OLD_FLOOR = 0.4

QUESTION = "How many people were evacuated after the dam failed in Tessin county?"
EVACUATED = "About 4,200 people were evacuated from the villages below the dam on Tuesday."
FAILED = "The Kessel dam in Tessin county failed early on Tuesday after days of rain."
RESCUE = "Rescue teams searched the flooded farms of Tessin county by boat on Wednesday."


def scripted(question: str, relevance: Mapping[str, float]) -> Embed:
    """An embed under which each sentence of ``relevance`` scores exactly that against
    ``question``: the cosine that, with the sentence's share of the question's words, gives
    it, the rest of the sentence's vector in a direction of its own."""
    axes = np.eye(len(relevance) + 1)
    vectors = {question: axes[0]}
    for k, (text, score) in enumerate(relevance.items(), start=1):
        cosine = (score - (1 - SEMANTIC) * float(overlap(question, [text])[0])) / SEMANTIC
        assert 0 <= cosine <= 1, f"relevance {score} is out of reach for {text!r}"
        vectors[text] = cosine * axes[0] + np.sqrt(1 - cosine**2) * axes[k]

    def embed(texts: Sequence[str]) -> NDArray[np.float32]:
        return np.array([vectors[t] for t in texts], dtype=np.float32)

    return embed


def compose(relevance: Mapping[str, float], hits: Sequence[Hit], least: float = DEFAULT) -> str:
    settings = Settings(min_relevance=least)
    return ExtractiveAnswerer(settings, scripted(QUESTION, relevance)).compose(QUESTION, hits)


def later(hits: Sequence[Hit]) -> list[Hit]:
    """The same hits as passages from further into their articles (no lede among them)."""
    return [dataclasses.replace(h, passage=dataclasses.replace(h.passage, ordinal=1)) for h in hits]


@pytest.mark.parametrize("least", [DEFAULT, 0.5])
def test_a_best_sentence_just_above_min_relevance_is_quoted_just_below_refused(
    least: float,
) -> None:
    hits = hits_of(EVACUATED)  # the top passage's lede: both priors would lift it
    assert compose({EVACUATED: least + 0.01}, hits, least) == f"{EVACUATED} [1]"
    assert compose({EVACUATED: least - 0.01}, hits, least) == CANNOT_ANSWER


@pytest.mark.parametrize("least", [DEFAULT, 0.5])
def test_a_second_sentence_below_min_relevance_is_never_quoted(least: float) -> None:
    hits = hits_of(FAILED, EVACUATED)  # the weaker sentence has both priors
    best, weaker = least + 0.03, least - 0.005
    assert weaker >= KEEP_RATIO * best  # only min_relevance keeps it out
    assert compose({FAILED: weaker, EVACUATED: best}, hits, least) == f"{EVACUATED} [2]"
    both = compose({FAILED: least + 0.005, EVACUATED: best}, hits, least)
    assert both == f"{FAILED} [1] {EVACUATED} [2]"  # just above it, it is quoted (first)


@pytest.mark.parametrize("least", [DEFAULT, 0.2])
def test_a_best_sentence_between_min_relevance_and_the_old_floor_is_answered(
    least: float,
) -> None:
    assert least < OLD_FLOOR
    relevance = {FAILED: (least + OLD_FLOOR) / 2}
    assert compose(relevance, hits_of(FAILED), least) == f"{FAILED} [1]"
    assert compose(relevance, later(hits_of(FAILED)), least) == f"{FAILED} [1]"


def test_the_answering_sentence_comes_first_then_its_passage_in_text_order() -> None:
    hits = hits_of(f"{FAILED} {EVACUATED}", RESCUE)
    relevance = {FAILED: 0.55, EVACUATED: 0.7, RESCUE: 0.6}
    assert relevance[FAILED] >= KEEP_RATIO * relevance[EVACUATED]  # both are quoted
    answer = compose(relevance, hits)
    assert answer == f"{EVACUATED} [1] {FAILED} [1] {RESCUE} [2]"


@pytest.mark.parametrize(("better", "worse"), [(FAILED, EVACUATED), (EVACUATED, FAILED)])
def test_of_two_equally_relevant_sentences_the_better_ranked_passage_comes_first(
    better: str, worse: str
) -> None:
    # The worse-ranked one is a shade more relevant: only the rank prior puts it second.
    answer = compose({better: 0.5, worse: 0.52}, later(hits_of(better, worse)))
    assert answer == f"{better} [1] {worse} [2]"


@pytest.mark.parametrize(
    ("ordinal", "first", "second"), [(0, FAILED, EVACUATED), (1, EVACUATED, FAILED)]
)
def test_an_articles_opening_sentence_beats_an_equally_relevant_later_one(
    ordinal: int, first: str, second: str
) -> None:
    (top,) = hits_of(f"{FAILED} {EVACUATED}")
    hit = dataclasses.replace(top, passage=dataclasses.replace(top.passage, ordinal=ordinal))
    # The later sentence is a shade more relevant: only the lede prior puts it second.
    answer = compose({FAILED: 0.5, EVACUATED: 0.52}, [hit])
    assert answer == f"{first} [1] {second} [1]"


def test_the_priors_never_rescue_sentences_below_min_relevance() -> None:
    hits = hits_of(f"{FAILED} {EVACUATED}", RESCUE)
    relevance = {FAILED: DEFAULT - 0.001, EVACUATED: DEFAULT - 0.02, RESCUE: DEFAULT - 0.01}
    assert compose(relevance, hits) == CANNOT_ANSWER


TESSIN = [
    "Heavy rain fell across the northern valleys of Tessin county for a fourth day on Monday. "
    "The Kessel dam failed early on Tuesday, and about 4,200 people were evacuated from "
    "villages downstream. Engineers had warned for years that the dam's spillway was too "
    "small for such floods.",
    "Rescue teams in Tessin county searched flooded farms by boat on Wednesday. The regional "
    "governor said schools in the valley would stay closed until next week. Insurers expect "
    "claims to run into the hundreds of millions of euros.",
    "Parliament debated a new budget for road repairs in the capital on Thursday. Opposition "
    "members said the plan ignored rural districts and their bridges.",
]


@pytest.mark.slow
def test_the_bundled_model_answers_the_factoid_first_and_refuses_the_off_topic(
    model_cache: Path,
) -> None:
    embedder = create_embedder(Settings(model_cache=model_cache), light=True)
    answerer = ExtractiveAnswerer(Settings(), SupportScorer(embedder).embed)
    hits = hits_of(*TESSIN)
    answer = answerer.compose(QUESTION, hits)
    assert answer.startswith(
        "The Kessel dam failed early on Tuesday, and about 4,200 people were evacuated from "
        "villages downstream. [1]"
    )
    assert answerer.compose("What is the population of Brazil?", hits) == CANNOT_ANSWER
