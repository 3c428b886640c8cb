"""Citations: parsing markers, removing and renumbering them, the sentinel, support scoring."""

from __future__ import annotations

import pytest

from rag.answer.prompts import CANNOT_ANSWER
from rag.check.citations import (
    CheckedAnswer,
    ParsedSentence,
    check_answer,
    citation_numbers,
    is_cannot_answer,
    merge_spans,
    parse_answer,
    tidy,
)
from rag.check.support import SupportScorer
from rag.text.claims import Claim, contradicts, negations, numbers, stem
from rag.types import Hit, Sentence
from tests.support.fakes import FakeEmbedder
from tests.support.files import REPO
from tests.support.hits import hits_of, passage


def check(raw: str, *texts: str, threshold: float = 0.5) -> CheckedAnswer:
    return check_answer(raw, hits_of(*texts), SupportScorer(FakeEmbedder(dims=64)), threshold)


ONE = "The summit opened in Astana on Monday. Delegates discussed pipeline tariffs at length."
TWO = "Tokayev met the delegation from Baku. The ministers signed a transit agreement."
THREE = "Oil exports through the Caspian route fell sharply. Officials blamed storm damage."


# Parsing


# fmt: off
MARKERS = [
    ("[1][2]", (1, 2)), ("[1, 2]", (1, 2)), ("[1,2,3]", (1, 2, 3)), ("[1-3]", (1, 2, 3)),
    ("[2–4]", (2, 3, 4)), ("[1], [3]", (1, 3)), ("[ 2 ; 5 ]", (2, 5)), ("[3][1][3]", (3, 1)),
    ("[1-2, 4]", (1, 2, 4)),
]
# fmt: on


@pytest.mark.parametrize(("marker", "expected"), MARKERS)
def test_lists_and_ranges_before_and_after_the_final_punctuation(
    marker: str, expected: tuple[int, ...]
) -> None:
    for raw in (f"Tokayev met the delegation {marker}.", f"Tokayev met the delegation. {marker}"):
        assert parse_answer(raw) == [ParsedSentence("Tokayev met the delegation.", expected)]


def test_a_marker_alone_on_a_line_belongs_to_the_sentence_before() -> None:
    parsed = parse_answer("The summit opened in Astana.\n[1]\nTariffs were discussed\n\n[2][3]")
    assert parsed == [
        ParsedSentence("The summit opened in Astana.", (1,)),
        ParsedSentence("Tariffs were discussed", (2, 3)),
    ]
    assert parse_answer("[4] The summit opened.") == [ParsedSentence("The summit opened.", (4,))]


def test_markers_inside_a_sentence_are_collected_in_order() -> None:
    parsed = parse_answer("Putin met Nazarbayev [2] and later Tokayev [1], [2] in Moscow.")
    assert parsed == [ParsedSentence("Putin met Nazarbayev and later Tokayev in Moscow.", (2, 1))]


def test_other_brackets_are_text() -> None:
    raw = "During a meeting [between Putin and Nazarbayev] irritation grew [2]. See [note] [a]."
    assert parse_answer(raw) == [
        ParsedSentence("During a meeting [between Putin and Nazarbayev] irritation grew.", (2,)),
        ParsedSentence("See [note] [a].", ()),
    ]


def test_text_is_tidied() -> None:
    assert tidy("Astana  ,\n as  planned ( ) .") == "Astana, as planned."
    assert parse_answer("Values ([1]) rose .") == [ParsedSentence("Values rose.", (1,))]
    assert parse_answer("") == parse_answer("  \n ") == parse_answer("[1][2]") == []


def test_citation_numbers_bound_long_ranges() -> None:
    assert citation_numbers("[3-1]") == [3, 2, 1]
    assert citation_numbers("[1-100000]") == [1, 100000]


# fmt: off
SENTINELS = [
    CANNOT_ANSWER, CANNOT_ANSWER.upper(), f"  {CANNOT_ANSWER}\n", f'"{CANNOT_ANSWER}"',
    f"“{CANNOT_ANSWER.rstrip('.')}”.", f"{CANNOT_ANSWER} [1]", f"{CANNOT_ANSWER[:-1]} [2].",
    CANNOT_ANSWER.rstrip("."),
]
# fmt: on


@pytest.mark.parametrize("raw", SENTINELS)
def test_sentinel_variants(raw: str) -> None:
    assert is_cannot_answer(raw)
    checked = check(raw, ONE, TWO)
    assert (checked.text, checked.sources, checked.answered) == (CANNOT_ANSWER, (), False)
    assert checked.sentences == (Sentence(CANNOT_ANSWER, (), 1.0, True),)


def test_not_the_sentinel_and_numbers_naming_no_passage_after_it() -> None:
    assert not is_cannot_answer("The sources do not answer this question fully, but [1] helps.")
    assert not is_cannot_answer("")
    assert check(f"{CANNOT_ANSWER} [7]", ONE).removed == (7,)


def test_empty_answer_has_no_sentences() -> None:
    for raw in ("", "  \n", "[1]"):
        checked = check(raw, ONE)
        assert (checked.text, checked.sentences, checked.sources) == ("", (), ())
        assert not checked.answered


def test_sentinel_inside_a_longer_answer_is_kept_uncited() -> None:
    checked = check(f"{CANNOT_ANSWER} The summit opened in Astana on Monday. [1]", ONE)
    assert checked.answered
    assert [s.text for s in checked.sentences] == [CANNOT_ANSWER, ONE.split(". ")[0] + "."]
    assert checked.sentences[0].supported and checked.sentences[0].citations == ()
    assert checked.sentences[1].citations == (1,)


def test_numbers_naming_no_passage_are_removed_and_reported() -> None:
    raw = "The summit opened in Astana on Monday [1][7]. Officials blamed storm damage [0][9][7]."
    checked = check(raw, ONE, TWO, THREE)
    assert checked.removed == (0, 7, 9)
    assert checked.sentences[1] == Sentence("Officials blamed storm damage.", (), 0.0, False)
    assert [s.passage.text for s in checked.sources] == [ONE]
    assert (
        checked.text == "The summit opened in Astana on Monday. [1] Officials blamed storm damage."
    )


def test_a_sentence_without_citation_is_never_supported() -> None:
    checked = check("The summit opened in Astana on Monday.", ONE)
    assert checked.sentences == (Sentence("The summit opened in Astana on Monday.", (), 0.0),)
    assert (checked.sources, checked.answered) == ((), True)


def test_display_numbers_follow_the_order_of_first_citation() -> None:
    raw = (
        "Oil exports through the Caspian route fell sharply [3]. "
        "The summit opened in Astana on Monday [1][3]. "
        "The ministers signed a transit agreement [2]."
    )
    hits = hits_of(ONE, TWO, THREE, "An uncited passage about something else entirely.")
    checked = check_answer(raw, hits, SupportScorer(FakeEmbedder(dims=64)), 0.5)
    assert [s.citations for s in checked.sentences] == [(1,), (1, 2), (3,)]
    assert [(s.number, s.passage.text) for s in checked.sources] == [(1, THREE), (2, ONE), (3, TWO)]
    assert checked.text == (
        "Oil exports through the Caspian route fell sharply. [1] "
        "The summit opened in Astana on Monday. [1][2] "
        "The ministers signed a transit agreement. [3]"
    )


def test_rendered_text_parses_back_to_the_same_sentences() -> None:
    raw = "The summit opened in Astana on Monday [2]\nThe ministers signed [1-2]. Storm damage."
    checked = check(raw, TWO, ONE)
    again = parse_answer(checked.text)
    assert [(p.text, p.citations) for p in again] == [
        (s.text, s.citations) for s in checked.sentences
    ]
    assert checked.sentences[0].text == "The summit opened in Astana on Monday."


def test_sources_keep_near_duplicates() -> None:
    copy = passage(ONE, "copy")
    hit = Hit(passage(ONE), 1.0, also_in=(copy,))
    scorer = SupportScorer(FakeEmbedder(dims=64))
    checked = check_answer("The summit opened in Astana on Monday. [1]", [hit], scorer, 0.5)
    assert checked.sources[0].also_in == (copy,)


def test_copied_sentences_are_supported_with_exact_spans() -> None:
    checked = check("Delegates discussed pipeline tariffs at length [1].", ONE, threshold=1.0)
    sentence = checked.sentences[0]
    assert sentence.support == 1.0 and sentence.supported
    start = ONE.index("Delegates")
    assert checked.sources[0].spans == ((start, len(ONE)),)


def test_spans_of_sentences_citing_one_passage_are_merged() -> None:
    text = "Alpha beta gamma delta. Epsilon zeta eta theta. Iota kappa lambda mu. Nu xi omicron pi."
    raw = "Alpha beta gamma delta. [1] Alpha beta gamma [1]. Nu xi omicron pi. [1]"
    checked = check(raw, text)
    nu = text.index("Nu")
    assert checked.sources[0].spans == ((0, text.index(" Epsilon")), (nu, len(text)))
    assert merge_spans([(5, 9), (0, 3), (3, 4), (8, 12), (20, 25)]) == ((0, 4), (5, 12), (20, 25))


def test_unrelated_sentence_is_flagged() -> None:
    checked = check("Quantum computers factor large primes quickly [1].", ONE, TWO)
    assert checked.sentences[0].support < 0.2
    assert not checked.sentences[0].supported


def test_passages_and_sentences_are_embedded_once_in_one_batch() -> None:
    embedder = FakeEmbedder(dims=64)
    scorer = SupportScorer(embedder)
    hits = hits_of(ONE, TWO, THREE)
    raw = "The summit began in Astana on Monday [1]. Tokayev met a delegation from Baku [2]."
    first = check_answer(raw, hits, scorer, 0.5)
    assert len(embedder.calls) == 1
    assert len(embedder.calls[0]) == 2 + 4  # two answer sentences, two sentences per passage
    assert check_answer(raw, hits, scorer, 0.5) == first
    assert len(embedder.calls) == 1


def test_copy_up_to_quotes_and_whitespace_scores_one_with_the_sentence_span() -> None:
    text = "Talks ended early. He said: “the talks went well.” Then he\n left for Astana."
    support = SupportScorer(FakeEmbedder(dims=64)).score('He said: "the talks  went well."', [text])
    assert support.score >= 0.95
    assert support.spans == (((19, text.index(" Then")),),)
    inside = SupportScorer(FakeEmbedder(dims=64)).score("Then he left for Astana", [text])
    assert inside.spans == (((text.index("Then"), len(text)),),)


def test_a_copy_of_a_denied_clause_is_not_support() -> None:
    claim = "Moscow has the resources to change the leadership."
    text = f"But I do not believe that {claim}"
    assert SupportScorer(FakeEmbedder(dims=64)).score(claim, [text]).score < 0.5


def test_a_number_the_passage_lacks_caps_the_score() -> None:
    text = "The meeting between Putin and Nazarbayev took place on December 27, 2025."
    scorer = SupportScorer(FakeEmbedder(dims=64))
    right = scorer.score("Putin and Nazarbayev met on December 27, 2025.", [text])
    wrong = scorer.score("Putin and Nazarbayev met on December 27, 2024.", [text])
    assert right.score >= 0.5 > wrong.score


def test_scoring_with_no_passage() -> None:
    support = SupportScorer(FakeEmbedder(dims=64)).score("Anything at all.", [])
    assert (support.score, support.spans, support.per_passage) == (0.0, (), ())


def opposed(claim: str, passage: str) -> bool:
    return contradicts(Claim.of(claim), Claim.of(passage))


def test_claims() -> None:
    assert stem("sanctions") == stem("sanction") == stem("sanctioned")
    assert numbers("four years, 2,000 troops in 2025.") == {"4", "2000", "2025"}
    governed = negations("Putin is not hoping to oust Tokayev, who won.")[0]
    assert governed == {stem("hoping"), stem("oust")}
    assert opposed("Putin hopes to oust Tokayev.", "Putin is not hoping to oust Tokayev.")
    assert opposed("Its influence is growing.", "The decline of its influence.")
    assert opposed("Putin is happy.", "Putin is very unhappy.")
    assert not opposed("Putin is not happy.", "Putin is unhappy.")
    assert not opposed("Tokayev won.", "Putin is not hoping to oust Tokayev, who won.")
    names = Claim.of("According to Abishev, Kazakhstan's Tokayev met Putin.")
    assert names.names == {"kazakhstan", "tokayev", "putin"} and names.speakers == {"abishev"}


# Calibration on the seed corpus with the real model


def seed(name: str) -> str:
    return (REPO / "corpus" / name).read_text(encoding="utf-8")


def cut(text: str, first: str, last: str) -> str:
    """The part of ``text`` from ``first`` to the end of the next ``last``."""
    start = text.index(first)
    return text[start : text.index(last, start) + len(last)]


CALIBER = seed("caliber-az-nazarbayev-at-the-kremlin.md")
MEETING = seed("putin-nazarbayev-private-meeting.md")
SEED = {
    "patience": cut(CALIBER, "The Kremlin’s patience", "deliberate strategy."),
    "date": cut(CALIBER, "The meeting between Vladimir Putin", "Shavkat Mirziyoyev."),
    "terms": cut(CALIBER, "For instance, after his meeting", "presidential candidate."),
    "chemistry": cut(CALIBER, "Political commentator Gaziz Abishev", "like-minded person."),
    "resources": cut(CALIBER, "I think this is an example", "within the broader context."),
    "rift": cut(MEETING, "In this case, Putin's invitation", "Kazakhstan's oil exports."),
    "pipeline": cut(MEETING, "Russia's closure of oil", "in a position to help Nazarbayev."),
    "oust": cut(MEETING, "Putin wants Tokayev to understand", "in Kazakhstan."),
}
#: Answer sentences, the seed passages they cite, and whether those support them: S supported,
#: W a wrong fact (number, name, place), C contradicted, U unrelated or the wrong passage.
LABELLED = """
S date | Putin and Nazarbayev met on December 27, 2025.
S date | Beisebayev said contacts between Nazarbayev and Putin have become fairly regular.
S oust | Putin does not want to remove Tokayev from power.
S oust | Tokayev was re-elected with many votes in the last election.
S terms | The president's term expires in 2029 and the parliament's term ends in 2028.
S terms | After meeting Putin, Nazarbayev spoke by phone with Mirziyoyev.
S resources | Abishev does not believe Moscow has the resources to change Astana's leaders.
S resources | Moscow is preoccupied with its confrontation with Ukraine and the West.
S pipeline | Tokayev decided to build an oil pipeline that bypasses Russia, via Azerbaijan.
S pipeline | At the CSTO summit, Tokayev said there was no need to overemphasize a threat.
S chemistry | Abishev said there is a personal chemistry between Nazarbayev and Putin.
S patience | Astana has benefited from privileged oil and gas supplies and cheap loans.
S rift | Putin's relations with Tokayev are not harmonious.
S date oust | They met on December 27, 2025, and Putin is not hoping to oust Tokayev.
W date | Putin and Nazarbayev met on December 27, 2024.
W terms | The current president's term expires in 2027.
W terms | After meeting Putin, Nazarbayev spoke by phone with Lukashenko.
W pipeline | Tokayev decided to build a pipeline through China.
C oust | Putin hopes to oust Tokayev.
C resources | Abishev believes Moscow has serious resources to change the leadership in Astana.
C rift | Putin's relations with Tokayev are harmonious.
C resources | Moscow has the instruments to force a change of leadership in Kazakhstan.
C rift | Tokayev supported the independence of Donetsk and Luhansk.
U chemistry | The Federal Reserve raised interest rates by a quarter point.
U date | Tokayev decided to build a new oil pipeline bypassing Russia.
U pipeline | Nazarbayev understood Putin's psychotype very well.
"""
#: The one known miss above: its passage has both "support" (Putin's wish for Donetsk and
#: Luhansk) and "opposition" (Tokayev's answer), which no word rule can tell apart.


def labelled() -> list[tuple[str, list[str], str]]:
    rows = [line.split(" | ") for line in LABELLED.strip().splitlines()]
    return [(head.split()[0], head.split()[1:], sentence) for head, sentence in rows]


@pytest.fixture(scope="module")
def real_scorer() -> SupportScorer:
    from rag.embed.local import LocalEmbedder
    from rag.settings import Settings

    return SupportScorer(LocalEmbedder(Settings()))


@pytest.mark.slow
def test_labelled_seed_pairs(real_scorer: SupportScorer) -> None:
    rows = labelled()
    assert len(rows) >= 20 and {label for label, _, _ in rows} == set("SWCU")
    misses = []
    for label, cited, sentence in rows:
        support = real_scorer.score(sentence, [SEED[name] for name in cited])
        if (support.score >= 0.5) != (label == "S"):
            misses.append(f"{label}: {sentence} ({support.score:.2f})")
    assert 1 - len(misses) / len(rows) >= 0.9, "\n".join(misses)


@pytest.mark.slow
def test_real_copy_scores_one_with_the_exact_span(real_scorer: SupportScorer) -> None:
    text = SEED["oust"]
    copied = "However, Putin is not hoping to oust Tokayev, who has managed to take power"
    start = text.index(copied)
    end = text.index(".", start) + 1
    support = real_scorer.score(f"“{' '.join(text[start:end].split())}”", [text])
    assert support.score >= 0.95
    assert support.spans == (((start, end),),)


@pytest.mark.slow
def test_citing_the_wrong_passage_is_flagged(real_scorer: SupportScorer) -> None:
    hits = hits_of(SEED["date"], SEED["pipeline"])
    pipeline, meeting = "Tokayev plans a pipeline that bypasses Russia", "Putin met Nazarbayev"
    right = f"{pipeline} [2]. {meeting} on December 27, 2025 [1]."
    wrong = right.replace("[2]", "[x]").replace("[1]", "[2]").replace("[x]", "[1]")
    assert all(s.supported for s in check_answer(right, hits, real_scorer, 0.5).sentences)
    assert not any(s.supported for s in check_answer(wrong, hits, real_scorer, 0.5).sentences)


@pytest.mark.slow
def test_a_citation_that_does_not_support_alone_shows_in_per_passage(
    real_scorer: SupportScorer,
) -> None:
    raw = "Tokayev decided to build an oil pipeline that bypasses Russia [1][2]."
    checked = check_answer(raw, hits_of(SEED["pipeline"], SEED["chemistry"]), real_scorer, 0.5)
    support = checked.supports[0]
    assert checked.sentences[0].supported and support is not None
    assert support.per_passage[0] >= 0.5 > support.per_passage[1]
    assert checked.sentences[0].citation_support == pytest.approx(support.per_passage, abs=1e-4)
    assert [s.number for s in checked.sources] == [1, 2]
    assert all(source.spans for source in checked.sources)


# fmt: off
SPELLED = [
    ("Tokayev met the delegation [source 1].", (1,)), ("Tokayev met the delegation (2).", (2,)),
    ("Tokayev met the delegation 【3】.", (3,)), ("Tokayev met the delegation. (1, 2)", (1, 2)),
    ("Tokayev met the delegation [Sources 1, 2].", (1, 2)),
    ("Tokayev met the delegation (source 4).", (4,)), ("Tokayev met the delegation［2］.", (2,)),
]
# fmt: on


@pytest.mark.parametrize(("raw", "expected"), SPELLED)
def test_citations_as_small_models_write_them(raw: str, expected: tuple[int, ...]) -> None:
    assert parse_answer(raw) == [ParsedSentence("Tokayev met the delegation.", expected)]


def test_numbers_in_parentheses_inside_a_sentence_are_text() -> None:
    raw = "The plan had two parts: (1) elections and (2) pressure [3]."
    assert parse_answer(raw) == [
        ParsedSentence("The plan had two parts: (1) elections and (2) pressure.", (3,))
    ]


@pytest.mark.parametrize(
    "words",
    [
        "The boroughs with the most thefts were Westminster (25,899) and Hackney (4,618).",
        "The ferry line was founded in the UK (2022).",
        "Political analyst Reyes (The Ledger): “Thefts fell in Hackney (4,618).”",
    ],
)
def test_a_count_or_a_year_in_parentheses_at_a_sentence_end_is_text_not_a_citation(
    words: str,
) -> None:
    assert parse_answer(f"{words} [2]") == [ParsedSentence(words, (2,))]


@pytest.mark.parametrize(
    "refusal",
    [
        "I cannot find this in the sources.",
        "I could not find the answer in the provided passages.",
        "The provided sources do not mention the death toll.",
        "The context does not specify when the report will be published [2].",
    ],
)
def test_a_refusal_in_other_words_is_a_refusal(refusal: str) -> None:
    checked = check(refusal, ONE)
    assert not checked.answered and checked.text == CANNOT_ANSWER and checked.sources == ()


def test_a_sentence_about_sources_that_answers_is_not_a_refusal() -> None:
    assert not is_cannot_answer("The sources do not agree on the toll: 19 or 15.")
    assert not is_cannot_answer("Officials did not find any survivors in the valley.")
