"""Filters and k as a person gives them: checked before anything is retrieved, and a filter
that matches nothing in the index named, with what it may have meant."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.batch import read_questions
from rag.errors import RagError
from rag.index.snapshot import Columns
from rag.index.speakers import passage_speakers
from rag.pipeline import Pipeline
from rag.retrieve.request import MAX_K, check_matches, checked_filters, checked_k, closest
from rag.settings import Settings
from rag.types import Filters
from tests.support.files import write
from tests.support.index import ingest

QUESTION = "What did Putin discuss?"


@pytest.fixture(scope="module")
def seed(seed_index: Settings) -> Pipeline:
    return Pipeline.from_settings(seed_index)


def asked(pipeline: Pipeline, **given: str | tuple[str, ...]) -> str:
    """The one-line error asking with ``given`` filters raises."""
    with pytest.raises(RagError) as raised:
        pipeline.ask(QUESTION, filters=Filters(**given))  # type: ignore[arg-type]
    return str(raised.value)


def test_an_outlet_the_index_lacks_is_named_with_the_close_match(seed: Pipeline) -> None:
    assert asked(seed, outlets=("caliber.az",)) == (
        "no article has outlet 'caliber.az' (did you mean 'Caliber.Az'?)"
    )
    assert asked(seed, outlets=("Calibre Az",)) == (
        "no article has outlet 'Calibre Az' (did you mean 'Caliber.Az'?)"
    )
    assert asked(seed, outlets=("Caliber.Az", "Reuters")) == (
        "no article has outlet 'Reuters' (outlets: Caliber.Az)"
    )


def test_an_article_id_without_its_folder_is_named_with_the_whole_id(seed: Pipeline) -> None:
    ids = set(seed.retriever.snapshot().columns.articles)
    [whole] = [aid for aid in ids if aid.endswith("/putin-nazarbayev-private-meeting.md")]
    assert asked(seed, articles=("putin-nazarbayev-private-meeting.md",)) == (
        f"no article has id 'putin-nazarbayev-private-meeting.md' (did you mean {whole!r}?)"
    )
    assert asked(seed, articles=("no-such-article",)) == (
        "no article has id 'no-such-article' (`rag articles` lists them)"
    )
    answer = seed.ask(QUESTION, filters=Filters(articles=(whole,)))
    assert answer.retrieved and {p.article_id for p in answer.retrieved} == {whole}


def test_a_speaker_filter_answers_from_passages_where_that_speaker_speaks_only(
    seed: Pipeline,
) -> None:
    question = "What leverage does Moscow have over Astana?"
    for wanted, speaker in (
        ("Abishev", "Gaziz Abishev"),
        ("kazbek beisebayev", "Kazbek Beisebayev"),
    ):
        answer = seed.ask(question, filters=Filters(speakers=(wanted,)))
        assert answer.retrieved and answer.sources
        assert all(speaker in passage_speakers(p) for p in answer.retrieved)
        assert all(speaker in passage_speakers(s.passage) for s in answer.sources)
    unfiltered = seed.ask(question)
    assert any("Gaziz Abishev" not in passage_speakers(p) for p in unfiltered.retrieved)


def test_a_speaker_the_index_lacks_is_named_with_the_close_match(seed: Pipeline) -> None:
    assert asked(seed, speakers=("Abishv",)) == (
        "no article quotes or reports speaker 'Abishv' (did you mean 'Gaziz Abishev'?)"
    )
    assert asked(seed, speakers=("Kazbek Beisebaev",)) == (
        "no article quotes or reports speaker 'Kazbek Beisebaev' (did you mean "
        "'Kazbek Beisebayev'?)"
    )
    assert asked(seed, speakers=("Abishev", "Tokayev")) == (
        "no article quotes or reports speaker 'Tokayev' (`rag speakers` lists them)"
    )
    ids = set(seed.retriever.snapshot().columns.articles)
    [meeting] = [aid for aid in ids if aid.endswith("/putin-nazarbayev-private-meeting.md")]
    assert asked(seed, speakers=("Abishev",), articles=(meeting,)) == (
        f"no article matches these filters together: article {meeting!r} and speaker "
        "'Abishev' (each matches some articles alone)"
    )


def test_dates_in_an_index_without_dated_articles_are_said_to_match_nothing(
    seed: Pipeline,
) -> None:
    assert asked(seed, since="2025-01-01") == (
        "no article in the index has a published date, so none is published on or after 2025-01-01"
    )


@pytest.fixture
def dated(settings: Settings) -> Pipeline:
    """Two outlets, each with articles of its own months."""
    body = "Kazakhstan weighs its oil routes around Russia and the Caspian pipeline."
    for name, outlet, day in [
        ("a", "Alpha", "2025-01-10"),
        ("b", "Alpha", "2025-01-20"),
        ("c", "Beta", "2025-03-05"),
    ]:
        text = f"---\ntitle: {name}\noutlet: {outlet}\npublished: {day}\n---\n\n{body}\n"
        write(Path(f"corpus/{name}.md"), text)
    ingest(settings)
    return Pipeline.from_settings(settings)


def test_a_date_range_without_articles_names_the_dates_the_index_has(dated: Pipeline) -> None:
    assert asked(dated, since="2025-02-01", until="2025-02-28") == (
        "no article is published from 2025-02-01 to 2025-02-28 (published dates in the index "
        "run from 2025-01-10 to 2025-03-05)"
    )
    assert asked(dated, until="2024-12-31").startswith(
        "no article is published on or before 2024-12-31 (published dates"
    )


def test_an_index_of_one_date_is_said_to_have_only_that_date() -> None:
    columns = Columns(ids=["p1", "p2"], articles=["a", "b"], outlets=["A", "B"], days=[20250303, 0])
    with pytest.raises(RagError) as raised:
        check_matches(Filters(since="2025-03-10"), columns)
    assert str(raised.value) == (
        "no article is published on or after 2025-03-10 (published dates in the index are all "
        "2025-03-03)"
    )
    check_matches(Filters(outlets=("A",), since="2025-03-03"), columns)  # matches: no error


def test_filters_that_each_match_but_not_together_are_said_plainly(dated: Pipeline) -> None:
    assert asked(dated, outlets=("Alpha",), since="2025-03-01") == (
        "no article matches these filters together: outlet 'Alpha' and published on or after "
        "2025-03-01 (each matches some articles alone)"
    )
    assert asked(dated, outlets=("Beta",), articles=("corpus/a.md", "corpus/b.md")) == (
        "no article matches these filters together: outlet 'Beta' and article 'corpus/a.md' or "
        "'corpus/b.md' (each matches some articles alone)"
    )
    found = dated.ask("oil routes", filters=Filters(outlets=("Alpha",), until="2025-01-15"))
    assert {p.article_id for p in found.retrieved} == {"corpus/a.md"}


def test_the_closest_value_prefers_case_then_folder_then_spelling() -> None:
    known = ["corpus/a/x.md", "corpus/b/x.md", "Steppe Review", "Steppe Wire"]
    assert closest("steppe review", known) == "Steppe Review"
    assert closest("x.md", known) == "corpus/a/x.md"
    assert closest("Stepe Wire", known) == "Steppe Wire"
    assert closest("Reuters", known) is None


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("yesterday", None, "since 'yesterday' is not a date like 2025-12-27"),
        ("2025-02-30", None, "since '2025-02-30' is not a date"),
        (None, "2025-13-01", "until '2025-13-01' is not a date"),
        ("2025-03-10", "2025-03-01", "since 2025-03-10 is after until 2025-03-01"),
    ],
)
def test_date_options_refuse_relative_impossible_and_reversed_dates(
    since: str | None, until: str | None, message: str
) -> None:
    with pytest.raises(RagError, match=message):
        checked_filters(since=since, until=until)
    as_options = message.replace("since ", "--since ").replace("until ", "--until ")
    with pytest.raises(RagError, match=as_options):
        checked_filters(since=since, until=until, prefix="--")


@pytest.mark.parametrize("k", [0, -1, MAX_K + 1, "abc", "2.5", 2.5, True, [3]])
def test_k_outside_its_range_is_refused_naming_the_limits(k: object) -> None:
    with pytest.raises(RagError) as raised:
        checked_k(k, "--k")
    assert str(raised.value) == f"--k must be at least 1 and at most {MAX_K}, not {k!r}"


def test_k_is_read_from_whatever_a_file_or_form_holds() -> None:
    assert [checked_k(k) for k in (None, "", 3, "3", " 7 ", 4.0, MAX_K)] == [
        None, None, 3, 3, 7, 4, MAX_K,
    ]  # fmt: skip


def test_the_pipeline_refuses_a_bad_k_itself(dated: Pipeline) -> None:
    with pytest.raises(RagError, match=f"k must be at least 1 and at most {MAX_K}, not 0"):
        dated.ask("oil routes", k=0)


def test_batch_questions_with_a_bad_k_or_a_repeated_id_are_failed_questions(
    tmp_path: Path,
) -> None:
    lines = [
        '{"id": "a", "question": "One?"}',
        '{"id": "b", "question": "Two?", "k": 0}',
        '{"id": "a", "question": "One again?"}',
        '{"id": "c", "question": "Three?", "k": "4"}',
        "",
        '{"id": "a", "question": "One more?"}',
    ]
    questions = read_questions(write(tmp_path / "q.jsonl", "\n".join(lines)))
    assert [(q.id, q.question, q.k, q.problem) for q in questions] == [
        ("a", "One?", None, "id 'a' is used on lines 1, 3 and 6; give each question its own id"),
        ("b", "Two?", None, f"k must be at least 1 and at most {MAX_K}, not 0"),
        ("c", "Three?", 4, ""),
    ]
    csv = "id,question,k\nx,One?,\ny,Two?,500\nx,Again?,\n"
    rows = read_questions(write(tmp_path / "q.csv", csv))
    assert [(q.id, q.problem[:30]) for q in rows] == [
        ("x", "id 'x' is used on lines 2 and "),
        ("y", "k must be at least 1 and at mo"),
    ]
