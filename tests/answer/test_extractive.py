"""The extractive answerer's choices, with vectors that depend on the words of a text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from rag.answer.extractive import ExtractiveAnswerer, candidates
from rag.answer.prompts import CANNOT_ANSWER
from rag.settings import Settings
from rag.types import Hit, Passage
from tests.support.fakes import FakeEmbedder


def embed(texts: Sequence[str]) -> NDArray[np.float32]:
    return np.array(FakeEmbedder(dims=64).embed(texts), dtype=np.float32)


def hit(text: str, pid: str = "p") -> Hit:
    return Hit(Passage(pid, "a", 0, text, 0, len(text), "a.md"), 1.0)


def answerer(**changes: object) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(Settings(**changes), embed)  # type: ignore[arg-type]


PIPELINE = "Tokayev decided to build a new oil pipeline that bypasses Russia entirely."
HITS = [
    hit("What happens next? Nobody in Astana would say so on the record today. " + PIPELINE),
    hit("The weather in Astana was cold and grey for most of the week in December.", "q"),
    hit(PIPELINE.replace("entirely", "completely") + " Officials declined to comment.", "r"),
]


def test_the_most_relevant_sentence_is_cited_and_near_copies_are_left_out() -> None:
    text = answerer().compose("Why did Tokayev build an oil pipeline that bypasses Russia?", HITS)
    assert text.count("Tokayev decided") == 1  # the near-copy in the other passage adds nothing
    assert "weather" not in text


def test_nothing_relevant_gives_the_sentinel() -> None:
    assert answerer().compose("Who won the FIFA World Cup final?", HITS) == CANNOT_ANSWER
    assert answerer().compose("anything", [hit("Too short.")]) == CANNOT_ANSWER


def test_questions_and_fragments_are_not_answers() -> None:
    texts = [c.text for c in candidates(HITS)]
    assert "What happens next?" not in texts
    assert "Officials declined to comment." not in texts  # fewer than six words


def test_sentences_from_one_passage_keep_their_order() -> None:
    text = (
        "Moscow gives Astana oil and gas at privileged prices every year. "
        "Moscow also gives Astana loans on extremely favourable terms."
    )
    answer = answerer(answer_sentences=2).compose(
        "What oil, gas and loans does Moscow give Astana?", [hit(text)]
    )
    assert answer.index("oil and gas") < answer.index("loans on")
    assert answer.count("[1]") == 2


def test_quotations_are_whole_with_their_speaker_or_left_out() -> None:
    text = (
        "“It is obvious that this is not accidental. The term ends in 2029,” Beisebayev "
        "stated. “He said it more than once before the summit in Astana.\n"
        "Nobody in the region was surprised by what followed after that meeting.”"
    )
    found = [c.text for c in candidates([hit(text)])]
    assert found == [
        "“It is obvious that this is not accidental. The term ends in 2029,” Beisebayev stated."
    ]
