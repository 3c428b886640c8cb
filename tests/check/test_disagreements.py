"""Where sources disagree: found among the passages an answer rests on, each side quoted
word for word from its own source with its outlet and date, the older figure marked
superseded, and shown in the JSON, the terminal, the web UI and exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.pipeline import Pipeline
from rag.present.html import Turn, answer_html, conversation_markdown, sources_html
from rag.present.render import render_answer
from rag.settings import Settings
from rag.text.verbatim import occurs_in
from rag.types import Answer
from tests.support.cli import rag
from tests.support.index import index_env, seeds_with
from tests.support.servers import ON_SERVER

HERALD = """---
title: Flood toll rises in the Eastland valley
outlet: Eastland Herald
published: 2025-03-05
---
Rescue teams worked through the night in the Eastland valley after the river burst its banks.

The death toll from the flood in the Eastland valley has risen to 15, officials said.

Hundreds of homes remain without power, and the regional governor asked for federal aid.
"""

LEDGER = """---
title: Valley flood leaves dozens homeless
outlet: The Daily Ledger
published: 2025-03-04
---
Heavy rain swept across the Eastland valley on Monday, flooding roads and farms.

The death toll from the flood in the Eastland valley stands at 19, according to the police.

Schools in the valley will stay closed for the rest of the week.
"""

FLOOD = "What is the death toll of the Eastland valley flood?"


@pytest.fixture(scope="module")
def flood(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, model_cache: Path
) -> Settings:
    """The seed corpus and the two flood reports, indexed once: on the tests' Chroma server
    when they run against one (a ``rag`` process is pointed there)."""
    server = request.getfixturevalue("chroma_server") if ON_SERVER else None
    files = {"herald.md": HERALD, "ledger.md": LEDGER}
    return seeds_with(tmp_path_factory.mktemp("flood"), files, chroma_url=server,
                      collection="flood", model_cache=model_cache)  # fmt: skip


def test_two_outlets_giving_two_death_tolls_are_shown_side_by_side_the_older_superseded(
    flood: Settings,
) -> None:
    answer = Pipeline.from_settings(flood).ask(FLOOD)
    assert len(answer.disagreements) == 1, answer.disagreements
    dispute = answer.disagreements[0]
    assert dispute.kind == "number" and "toll" in dispute.point
    newer, older = dispute.sides
    assert (newer.outlet, newer.published, newer.value) == ("Eastland Herald", "2025-03-05", "15")
    assert (older.outlet, older.value, older.superseded, newer.superseded) == (
        "The Daily Ledger", "19", True, False)  # fmt: skip
    numbers = {source.number: source.passage for source in answer.sources}
    for side in dispute.sides:  # each side is whole and word for word in its own source
        passage = numbers[side.number]
        assert passage.id == side.passage_id and passage.metadata["outlet"] == side.outlet
        assert occurs_in(side.text, passage.text) and side.value in side.text
        assert side.text.endswith(".") and side.text[0].isupper()
    assert "timings" in answer.to_dict() and "disagree" in answer.timings
    assert Answer.from_dict(json.loads(json.dumps(answer.to_dict()))) == answer


def test_the_terminal_the_web_ui_and_the_export_show_both_sides(flood: Settings) -> None:
    answer = Pipeline.from_settings(flood).ask(FLOOD)
    newer, older = answer.disagreements[0].sides
    text = render_answer(answer)
    heading = text.index("Sources disagree on ")
    assert text.index("Eastland Herald, 5 March 2025: “The death toll", heading) > heading
    assert "The Daily Ledger, 4 March 2025 (superseded by a later report)" in text
    assert f"[{older.number}]" in text[heading:]
    html = answer_html(answer, 2)
    assert 'class="disagreement"' in html and "Sources disagree on" in html
    for side in (newer, older):
        assert f'href="#a2-s{side.number}"' in html
    cards = sources_html([answer])
    assert f"superseded by the later report [{newer.number}]" in cards
    assert "**Sources disagree on" in conversation_markdown([Turn(answer)])


def test_rag_ask_json_carries_the_disagreement_and_can_turn_it_off(flood: Settings) -> None:
    env = index_env(flood)
    found = rag("ask", FLOOD, "--json", **env)
    assert found.returncode == 0, found.stderr
    sides = json.loads(found.stdout)["disagreements"][0]["sides"]
    assert {side["outlet"] for side in sides} == {"Eastland Herald", "The Daily Ledger"}
    assert all(side["published"] and side["number"] for side in sides)
    off = rag("ask", FLOOD, "--json", **env, RAG_DISAGREEMENTS="0")
    assert off.returncode == 0 and json.loads(off.stdout)["disagreements"] == []


def test_the_seed_commentators_who_disagree_on_moscows_leverage_are_shown(
    seed_index: Settings,
) -> None:
    answer = Pipeline.from_settings(seed_index).ask("Can Moscow influence Kazakhstan's leadership?")
    sides = [side for d in answer.disagreements for side in d.sides]
    texts = " ".join(side.text for side in sides)
    assert "lacks the technical and political instruments" in texts, answer.disagreements
    assert "capable of interfering in Kazakhstan's internal affairs" in texts
    assert any(side.speaker == "Gaziz Abishev" for side in sides)
    assert len({side.outlet for side in sides}) == 2


def test_agreeing_sources_and_one_source_alone_show_no_disagreement(
    flood: Settings, tmp_path: Path
) -> None:
    answer = Pipeline.from_settings(flood).ask("When will schools in the valley reopen?")
    assert answer.disagreements == ()
    alone = seeds_with(tmp_path, {"herald.md": HERALD})
    assert Pipeline.from_settings(alone).ask(FLOOD).disagreements == ()


def test_asked_as_of_the_earlier_day_only_the_report_known_then_answers(flood: Settings) -> None:
    env = index_env(flood)
    found = rag("ask", FLOOD, "--json", "--as-of", "2025-03-04", **env)
    assert found.returncode == 0, found.stderr
    answer = json.loads(found.stdout)
    outlets = {source["passage"]["metadata"].get("outlet") for source in answer["sources"]}
    assert outlets == {"The Daily Ledger"} and answer["disagreements"] == []
    bad = rag("ask", FLOOD, "--as-of", "4 March", **env)
    assert bad.returncode == 2 and bad.stderr == (
        "error: --as-of '4 March' is not a date like 2025-12-27\n")  # fmt: skip
