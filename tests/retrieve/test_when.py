"""What a question says about when: its words read as a period of publication and as a
wish for the newest reports, and retrieval narrowed and ordered by them."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from rag.index.snapshot import Columns
from rag.retrieve.recency import newer_first
from rag.retrieve.retriever import Retriever
from rag.retrieve.when import AskedTime, asked_time, narrowed
from rag.settings import Settings
from rag.types import Filters, Hit
from tests.support.files import article, write
from tests.support.index import ingest, retriever

#: A Friday.
TODAY = dt.date(2025, 6, 13)


@pytest.mark.parametrize(
    ("question", "since", "until"),
    [
        ("What was decided in 2025?", "2025-01-01", None),
        ("What did the ministry say in March 2024?", "2024-03-01", None),
        ("How did prices move during 2023?", "2023-01-01", None),
        ("What has changed since 1 March?", "2025-03-01", None),
        ("What has changed since last year?", "2024-01-01", None),
        ("Who led the talks before June 2024?", None, "2024-05-31"),
        ("Which outlets covered it between 2022 and 2023?", "2022-01-01", None),
        ("How many cases were there as of 1 March 2025?", None, "2025-03-01"),
        ("What happened last week?", "2025-06-02", None),
        ("What happened this week?", "2025-06-09", None),
        ("What was agreed last month?", "2025-05-01", None),
        ("What was agreed this year?", "2025-01-01", None),
        ("Who spoke yesterday?", "2025-06-12", None),
        ("Who spoke two weeks ago?", "2025-05-26", None),
        ("What did the ministry report in the past two weeks?", "2025-05-30", None),
        ("What did the ministry report over the last 3 months?", "2025-03-13", None),
        ("How much did gas prices rise over the past year?", "2024-06-13", None),
        ("What was said after March 2024 but before 1 June 2024?", "2024-04-01", "2024-05-31"),
    ],
)
def test_a_stated_period_is_read_as_days_of_publication(
    question: str, since: str | None, until: str | None
) -> None:
    assert asked_time(question, TODAY) == AskedTime(since, until)


@pytest.mark.parametrize(
    "question",
    [
        "What is the latest figure for oil output?",
        "What is the most recent estimate?",
        "Which is the newest landmark in the city?",
        "What is the current inflation rate?",
        "Who has recently resigned?",
        "Who leads the party now?",
        "Are aid groups still assessing the damage?",
        "How many have signed so far?",
        "How many cases are there as of now?",
        "How many cases are there as of this week?",
        "Give me an up-to-date count.",
    ],
)
def test_recency_words_ask_for_the_latest(question: str) -> None:
    assert asked_time(question, TODAY) == AskedTime(latest=True)


@pytest.mark.parametrize(
    "question",
    [
        "What happened in the 2022 election?",
        "Since there was no ceremony, who announced the winners?",
        "Who will win the election in 2030?",
        "Which company was founded before 2030?",
        "What does the tobacco ban mean for today's teens?",
        "How many people were on the 2003 flight?",
        "What did the 1990s reforms change?",
        "What is planned for next year?",
    ],
)
def test_words_that_do_not_bound_the_reporting_time_are_left_alone(question: str) -> None:
    assert asked_time(question, TODAY) == AskedTime()


def test_a_period_that_contradicts_itself_bounds_nothing() -> None:
    assert asked_time("What changed since 2025 as of 1 March 2024?", TODAY) == AskedTime()


def test_reading_a_question_takes_well_under_a_millisecond() -> None:
    phrases = ["this week", "since 1 March", "in 2024", "latest", "", "as of 1 March 2025"]
    questions = [f"Question {i} about oil {phrases[i % len(phrases)]}?" for i in range(600)]
    started = time.perf_counter()
    for question in questions:
        asked_time(question, TODAY)
    assert (time.perf_counter() - started) / len(questions) < 0.001


def test_the_callers_dates_win_and_as_of_ends_every_range() -> None:
    columns = Columns(["p1", "p2"], ["a", "b"], ["Alpha", "Beta"], [20250110, 20250305])
    asked = AskedTime(since="2025-03-01")
    outlet = Filters(outlets=("Alpha",))
    assert narrowed(asked, None, None, columns) == Filters(since="2025-03-01")
    assert narrowed(asked, Filters(outlets=("Beta",)), None, columns) == Filters(
        outlets=("Beta",), since="2025-03-01"
    )
    assert narrowed(asked, Filters(until="2025-01-31"), None, columns) == Filters(
        until="2025-01-31"
    )
    assert narrowed(AskedTime(), None, None, columns) is None
    april = dt.date(2025, 4, 1)
    assert narrowed(asked, None, april, columns) == Filters(since="2025-03-01", until="2025-04-01")
    late = Filters(until="2025-05-01")
    assert narrowed(asked, late, april, columns) == Filters(until="2025-04-01")
    assert narrowed(asked, outlet, None, columns) == outlet  # no passage of Alpha is in it
    undated = Columns(["p1"], ["a"], ["Alpha"], [0])
    assert narrowed(asked, None, None, undated) is None


def test_newer_candidates_gain_and_undated_ones_keep_their_score() -> None:
    scores = {"old": 1.0, "new": 0.95, "undated": 0.9}
    ranked = newer_first(scores, {"old": 20250110, "new": 20250305})
    assert sorted(ranked, key=lambda pid: -ranked[pid]) == ["new", "old", "undated"]
    assert ranked["undated"] == pytest.approx(0.9)
    assert newer_first({"a": 0.0}, {}) == {"a": 0.0}


# retrieval on a real index ---------------------------------------------------------

OLD = "Kazakhstan's daily oil output figure is 1.8 million barrels, the energy ministry said."
NEW = "Kazakhstan's daily oil output figure is 2.1 million barrels, the energy ministry reports."
UNDATED = "Kazakhstan pumped about 1.9 million barrels of oil a day, the energy ministry said."
LATEST = "What is the latest figure for Kazakhstan's daily oil output?"
OTHER = "Tengiz field operators said the Caspian pipeline carried more crude to Novorossiysk."


@pytest.fixture(scope="module")
def oil(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    """An index, built with the real model, of two figures of the same ministry on different
    dates, an undated one and a pipeline report of the same weeks."""
    root = tmp_path_factory.mktemp("oil")
    write(root / "corpus/old.md", article("Oil output", "Wire", "2025-01-10", OLD))
    write(root / "corpus/new.md", article("Oil output", "Wire", "2025-03-05", NEW))
    write(root / "corpus/other.md", article("Caspian pipeline", "Wire", "2025-02-20", OTHER))
    write(root / "corpus/undated.md", f"---\ntitle: Oil pumped\noutlet: Wire\n---\n\n{UNDATED}\n")
    settings = Settings(
        index_dir=root / "index", corpus_dir=root / "corpus", model_cache=model_cache
    )
    ingest(settings)
    return settings


def named(hits: list[Hit]) -> list[str]:
    return [Path(hit.passage.article_id).stem for hit in hits]


@pytest.fixture
def asking(oil: Settings) -> Retriever:
    return retriever(oil)


def test_asking_for_the_latest_figure_puts_the_newer_article_first(asking: Retriever) -> None:
    plain = named(asking.retrieve("What is the figure for Kazakhstan's daily oil output?", 4))
    latest = named(asking.retrieve(LATEST, 4))
    assert plain.index("old") < plain.index("new")  # the older one reads closer
    assert latest.index("new") < latest.index("old")
    assert "undated" in latest


def test_as_of_a_day_leaves_out_what_was_published_after_it(asking: Retriever) -> None:
    assert "new" in named(asking.retrieve(LATEST, 4))
    before = named(asking.retrieve(LATEST, 4, as_of=dt.date(2025, 2, 1)))
    assert before == ["old"]
    narrowed_too = asking.retrieve(LATEST, 4, Filters(until="2025-03-31"), as_of=TODAY)
    assert "new" in named(narrowed_too)


def test_a_stated_period_filters_unless_the_caller_gives_dates(asking: Retriever) -> None:
    question = "What did the energy ministry say about oil output since February 2025?"
    assert set(named(asking.retrieve(question, 4, as_of=TODAY))) == {"new", "other"}
    assert set(named(asking.retrieve(question, 4))) == {"new", "other"}
    given = Filters(until="2025-01-31")
    assert named(asking.retrieve(question, 4, given, as_of=TODAY)) == ["old"]
    relative = "What did the energy ministry say about oil output in the past two weeks?"
    assert named(asking.retrieve(relative, 4, as_of=dt.date(2025, 1, 20))) == ["old"]
