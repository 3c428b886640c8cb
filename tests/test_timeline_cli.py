"""``rag timeline`` on the seed corpus with the bundled model and real Chroma: the events as
text and as JSON, the date range, and one ``error:`` line (exit 2) for what it cannot do."""

from __future__ import annotations

import json
import re

import pytest

from rag.settings import Settings
from tests.support.cli import run_cli
from tests.support.files import REPO
from tests.support.index import index_env

pytestmark = pytest.mark.slow

QUERY = "Nazarbayev Putin meeting"
MEETING = (
    "The meeting between Vladimir Putin and Nursultan Nazarbayev took place on December 27, 2025."
)
#: One event line: date, how it is known, the sentence in quotes, its citation.
EVENT_LINE = re.compile(r"^\d{4}(?:-\d\d){0,2} +\((?:stated|resolved)\) +“.+” \[\d+\]$")


def test_the_json_timeline_holds_the_dated_sentences_in_order_each_citing_its_article(
    seed_index: Settings,
) -> None:
    run = run_cli("timeline", QUERY, "--json", env=index_env(seed_index))
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert data["query"] == QUERY and set(data) == {"query", "events", "sources"}
    events = data["events"]
    meeting = next(e for e in events if e["date"] == "2025-12-27")
    assert (meeting["text"], meeting["how"]) == (MEETING, "stated")
    assert meeting["expression"].endswith("December 27, 2025")
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)
    corpus = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "corpus").iterdir()}
    for event in events:
        assert any(event["text"] in text for text in corpus.values())  # whole and verbatim
        assert event["expression"] in event["text"]
    numbers = [source["number"] for source in data["sources"]]
    assert numbers == list(range(1, len(numbers) + 1))
    firsts = list(dict.fromkeys(e["number"] for e in events))
    assert firsts == numbers  # numbered as they first appear
    source = data["sources"][meeting["number"] - 1]
    assert (source["outlet"], source["article_id"]) == ("Caliber.Az", meeting["article_id"])


def test_the_text_timeline_is_one_line_per_event_then_the_numbered_articles(
    seed_index: Settings,
) -> None:
    run = run_cli("timeline", QUERY, "-k", "10", env=index_env(seed_index))
    assert run.code == 0 and run.err == ""
    events, sources = run.out.rstrip("\n").split("\n\n")
    assert all(EVENT_LINE.match(line) for line in events.splitlines())
    assert f"2025-12-27  (stated)    “{MEETING}” [1]" in events.splitlines()
    assert sources.splitlines()[0].startswith("[1] Nazarbayev at the Kremlin")
    assert sources.splitlines()[0].endswith(" — Caliber.Az")


def test_since_and_until_bound_the_events_dates_not_the_articles(seed_index: Settings) -> None:
    env = index_env(seed_index)
    later = json.loads(run_cli("timeline", QUERY, "--json", "--since", "2025-12-28", env=env).out)
    assert all(e["date"] >= "2025-12-28" or "2025-12-28".startswith(e["date"])
               for e in later["events"])  # fmt: skip
    assert "2025-12-27" not in [e["date"] for e in later["events"]]
    day = run_cli("timeline", QUERY, "--json", "--since", "2025-12-27", "--until", "2025-12-27",
                  env=env)  # fmt: skip
    assert [e["text"] for e in json.loads(day.out)["events"]] == [MEETING]


def test_an_empty_timeline_says_so_on_standard_error_and_exits_0(seed_index: Settings) -> None:
    run = run_cli("timeline", QUERY, "--until", "1900-01-01", env=index_env(seed_index))
    assert (run.code, run.out) == (0, "")
    assert run.err == f"no dated events about {QUERY!r} in the passages retrieved for it\n"
    data = run_cli("timeline", QUERY, "--json", "--until", "1900-01-01", env=index_env(seed_index))
    assert json.loads(data.out) == {"query": QUERY, "events": [], "sources": []}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2025-13-01"], "--since '2025-13-01' is not a date like 2025-12-27"),
        (["--since", "2026-01-01", "--until", "2025-01-01"],
         "--since 2026-01-01 is after --until 2025-01-01"),
        (["-k", "0"], "--k must be at least 1 and at most 50, not 0"),
    ],
)  # fmt: skip
def test_a_bad_date_or_k_is_one_error_line_and_exit_2(
    seed_index: Settings, args: list[str], message: str
) -> None:
    run = run_cli("timeline", QUERY, *args, env=index_env(seed_index))
    assert (run.code, run.out, run.err) == (2, "", f"error: {message}\n")


def test_an_empty_index_is_an_error(seed_index: Settings) -> None:
    run = run_cli("timeline", QUERY, env={**index_env(seed_index), "RAG_COLLECTION": "empty"})
    assert (run.code, run.out) == (2, "")
    assert run.err.startswith("error: the index at ") and run.err.endswith(
        "is empty; run `rag ingest` first\n"
    )
