"""Who says what: attributed spans found in the seed article, kept with the passages, named
in offline answers, and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer.llm import user_prompt
from rag.check.citations import check_answer
from rag.check.support import SupportScorer
from rag.check.voices import WRONG_SPEAKER
from rag.index.passages import passage_metadata, to_passage
from rag.ingest.readers import read_file
from rag.ingest.split import Splitter
from rag.pipeline import Pipeline
from rag.present.html import source_card
from rag.present.render import source_lines
from rag.settings import Settings
from rag.text.attribution import attributions
from rag.text.verbatim import occurs_in
from rag.types import Attribution, Hit, Passage, Source
from tests.support.fakes import FakeEmbedder

REPO = Path(__file__).resolve().parents[2]
CALIBER = REPO / "corpus" / "caliber-az-nazarbayev-at-the-kremlin.md"


def caliber_text() -> str:
    (article,) = read_file(CALIBER, 10**7).articles
    return article.text


def spans(text: str) -> list[tuple[str, str, str, bool]]:
    """(kind, speaker, opening words, continued) of each attributed span."""
    return [
        (a.kind, a.speaker, " ".join(text[a.start : a.end].split()[:4]), a.continued)
        for a in attributions(text)
    ]


def test_the_seed_article_s_quotes_and_claims_are_attributed_to_their_speakers() -> None:
    found = spans(caliber_text())
    assert found[0] == ("relayed", "Razvedchik", "The Kremlin’s patience with", False)
    assert found[1][:2] == ("direct", "Razvedchik")  # “…,” the publication says.
    assert ("anonymous", "the channel’s source", "According to the channel’s", False) in found
    assert ("anonymous", "the channel’s source", "For decades, Astana has", True) in found
    assert ("anonymous", "insiders", "Insiders note that the", False) in found
    direct = [(speaker, words) for kind, speaker, words, _ in found if kind == "direct"]
    assert ("Kazbek Beisebayev", "“Moscow regards Nazarbayev as") in direct
    # "the analyst explained" after Abishev's words is Abishev, not the other analyst
    assert ("Gaziz Abishev", "“And if the ethics") in direct
    assert ("Gaziz Abishev", "“There is a second") in direct
    assert all(speaker for kind, speaker, _, _ in found if kind == "direct")


def test_roles_resolve_to_the_fullest_mention_and_scare_quotes_are_no_one_s_words() -> None:
    text = (
        "Political analyst Kazbek Beisebayev said the talks mattered.\n"
        "There is a certain “personal chemistry” between the two men.\n"
        "“Nobody in Astana expected the meeting to be made public so quickly,” "
        "Beisebayev said.\n"
        "“It is a signal to the whole region and to every capital in it,” he added.\n"
    )
    found = attributions(text)
    assert [(a.kind, a.speaker, a.role) for a in found] == [
        ("reported", "Kazbek Beisebayev", "political analyst"),
        ("direct", "Kazbek Beisebayev", "political analyst"),
        ("direct", "Kazbek Beisebayev", "political analyst"),
    ]
    assert not any("chemistry" in text[a.start : a.end] for a in found)


def test_attributions_are_kept_with_each_passage_in_its_own_offsets() -> None:
    (article,) = read_file(CALIBER, 10**7).articles
    passages = Splitter(200, 30).split(article)
    whole = {(a.start, a.speaker) for a in attributions(article.text)}
    for passage in passages:
        assert passage.attributions is not None
        for said in passage.attributions:
            assert (said.start + passage.start, said.speaker) in whole
        stored = to_passage(passage.id, passage.text, passage_metadata(passage))
        assert stored.attributions == passage.attributions
    assert any(p.attributions for p in passages)


def hit(text: str, said: tuple[Attribution, ...]) -> Hit:
    passage = Passage("p", "a", 0, text, 0, len(text), "a.md", metadata={"outlet": "The Ledger"},
                      attributions=said)  # fmt: skip
    return Hit(passage, 1.0)


QUOTE = (
    "Mayor Tomas Reyes spoke on Sunday.\n"
    "“We did what we could. I do not believe the dam will hold another week of rain. "
    "We will see,” Reyes said.\n"
)


def test_a_speaker_named_before_the_words_must_be_the_one_the_source_gives() -> None:
    said = tuple(attributions(QUOTE))
    assert [(a.kind, a.speaker) for a in said] == [("direct", "Tomas Reyes")]
    hits = [hit(QUOTE, said)]
    scorer = SupportScorer(FakeEmbedder(Settings(embed_backend="fake")))
    words = "I do not believe the dam will hold another week of rain."
    right = f"Mayor Tomas Reyes (The Ledger): “{words}” [1]"
    (sentence,) = check_answer(right, hits, scorer, 0.5, quoted=True).sentences
    assert sentence.problem == "" and sentence.attribution is not None
    assert sentence.attribution["speaker"] == "Tomas Reyes"
    assert sentence.attribution["kind"] == "direct"
    wrong = "Reyes (The Ledger): “" + words + "” [1]"
    (sentence,) = check_answer(wrong, hits, scorer, 0.5, quoted=True).sentences
    assert sentence.problem and not sentence.supported
    other = Attribution(said[0].start, said[0].end, "direct", "Hana Sato", "professor")
    lied = f"Professor Hana Sato (The Ledger): “{words}” [1]"
    (sentence,) = check_answer(lied, [hit(QUOTE, (*said, other))], scorer, 0.5, True).sentences
    assert sentence.problem == WRONG_SPEAKER


def test_a_sentence_stating_as_fact_what_its_source_attributes_is_flagged() -> None:
    said = tuple(attributions(QUOTE))
    hits = [hit(QUOTE, said)]
    scorer = SupportScorer(FakeEmbedder(Settings(embed_backend="fake")))
    bare = "The dam will not hold another week of rain. [1]"
    (sentence,) = check_answer(bare, hits, scorer, 0.5).sentences
    assert sentence.problem.startswith("unattributed claim") and not sentence.supported
    assert "Mayor Tomas Reyes (The Ledger)" in sentence.problem
    named = "Mayor Reyes does not believe the dam will hold another week of rain. [1]"
    (sentence,) = check_answer(named, hits, scorer, 0.5).sentences
    assert sentence.problem == "" and sentence.attribution is not None
    plain = "Mayor Tomas Reyes spoke on Sunday. [1]"  # the source's own voice
    (sentence,) = check_answer(plain, hits, scorer, 0.5).sentences
    assert sentence.problem == "" and sentence.attribution is None


def test_the_llm_prompt_says_who_says_what_in_each_source() -> None:
    prompt = user_prompt("Will the dam hold?", [hit(QUOTE, tuple(attributions(QUOTE)))])
    assert "who says what:" in prompt
    assert '- "“We did what we could. I do not believe the …" — ' in prompt
    assert "Tomas Reyes, mayor (quoted)" in prompt
    assert "who says what" not in user_prompt("Q?", [hit("Plain text here.", ())])


@pytest.mark.slow
def test_the_mission_question_names_every_speaker_and_keeps_their_words_exact(
    seed_index: Settings,
) -> None:
    answer = Pipeline.from_settings(seed_index).ask("What leverage does Moscow have over Astana?")
    assert answer.answered
    passages = {s.number: s.passage for s in answer.sources}
    for sentence in answer.sentences:
        assert sentence.supported, sentence
        (number,) = sentence.citations
        said = sentence.attribution
        if said is None:
            assert occurs_in(sentence.text, passages[number].text)
            continue
        assert sentence.text.startswith(f"{said['label']}: ")
        words = sentence.text.removeprefix(f"{said['label']}: ").strip("“”")
        assert occurs_in(words, passages[number].text)
    first = answer.sentences[0]
    assert first.attribution and first.attribution["speaker"] == "Gaziz Abishev"
    assert first.text.startswith("Political commentator Gaziz Abishev (Caliber.Az): “But I do")
    assert " I " not in " ".join(s.text for s in answer.sentences if not s.attribution)


def test_source_cards_name_who_says_the_words_the_answer_cites() -> None:
    said = tuple(attributions(QUOTE))
    (quote,) = said
    words = "I do not believe the dam will hold another week of rain."
    at = QUOTE.index(words)
    source = Source(1, hit(QUOTE, said).passage, spans=((at, at + len(words)),))
    card = source_card(source, None)
    tag = '<span class="said-by">Tomas Reyes, mayor (quoted):</span> '
    assert f"{tag}“We did what we could. <mark" in card
    assert card.count("<mark") == card.count("</mark>") == 1
    assert "said by: Tomas Reyes, mayor (quoted)" in "\n".join(source_lines(source, False))
    uncited = Source(1, hit(QUOTE, said).passage, spans=((0, 10),))  # the source's own words
    assert "said-by" not in source_card(uncited, None)
    assert quote.said_by() == "Tomas Reyes, mayor (quoted)"
