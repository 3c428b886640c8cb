"""Who speaks in the index: each passage's speakers, the names a speaker answers to, the
spans counted once each for ``rag speakers`` and the library, and a snapshot saved before
speakers were recorded, which is rebuilt rather than taken to have none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.index import snapshot as snapshots
from rag.index.speakers import count_speakers, passage_speakers, speaks
from rag.retrieve.request import NO_SPEAKERS, check_matches
from rag.settings import Settings
from rag.types import Attribution, Filters, Passage
from tests.support.index import columns_file, copy_without, retriever

ABISHEV = Attribution(0, 40, "direct", "Gaziz Abishev", "political commentator")


def said(pid: str, article: str, start: int, *spans: Attribution, outlet: str = "") -> Passage:
    meta = {"title": f"Title of {article}", **({"outlet": outlet} if outlet else {})}
    text = "x" * 100
    return Passage(pid, article, 0, text, start, start + 100, article, metadata=meta,
                   attributions=spans)  # fmt: skip


def test_a_span_two_overlapping_passages_hold_is_counted_once() -> None:
    shared = Attribution(70, 90, "reported", "Gaziz Abishev", "commentator")
    passages = [
        said("p1", "a.md", 0, ABISHEV, shared, outlet="Caliber.Az"),
        said("p2", "a.md", 50, shared.shifted(-50), outlet="Caliber.Az"),  # the same span
        said("p3", "b.md", 0, ABISHEV, Attribution(50, 60, "anonymous", "insiders")),
        said("p4", "b.md", 100, Attribution(0, 9, "direct", "")),  # nobody known: not listed
        said("p5", "c.md", 0, Attribution(0, 9, "relayed", "Razvedchik", "Telegram channel")),
    ]
    rows = count_speakers(passages)
    assert [(r.speaker, r.spans) for r in rows] == [
        ("Gaziz Abishev", 3), ("insiders", 1), ("Razvedchik", 1),
    ]  # fmt: skip
    abishev = rows[0]
    assert abishev.role == "political commentator"  # the role the articles give most
    assert abishev.kinds == ("direct", "reported") and abishev.outlets == ("Caliber.Az",)
    assert abishev.articles == (("a.md", "Title of a.md"), ("b.md", "Title of b.md"))
    assert abishev.to_dict()["articles"][0] == {"id": "a.md", "title": "Title of a.md"}
    assert rows[1].to_dict()["role"] is None and rows[1].outlets == ()
    assert passage_speakers(passages[2]) == ["Gaziz Abishev", "insiders"]
    assert passage_speakers(passages[3]) == [] and count_speakers([]) == []


@pytest.mark.parametrize(
    ("wanted", "found"),
    [
        ("Gaziz Abishev", True),
        ("gaziz  ABISHEV", True),
        ("Abishev", True),
        ("abishev", True),
        ("Gaziz", False),  # a first name alone is not enough
        ("Abish", False),
        ("Insiders", True),
    ],
)
def test_a_speaker_answers_to_the_whole_name_or_the_surname_in_any_case(
    wanted: str, found: bool
) -> None:
    assert speaks([wanted], ["Gaziz Abishev", "insiders"]) is found


def test_the_speaker_column_keeps_passages_where_a_wanted_speaker_speaks() -> None:
    columns = snapshots.Columns(
        ids=["p1", "p2", "p3"], articles=["a", "a", "b"], outlets=["A", "A", "B"],
        days=[0, 0, 0], speakers=[["Gaziz Abishev"], [], ["Kazbek Beisebayev", "insiders"]],
    )  # fmt: skip
    assert columns.mask(Filters(speakers=("Abishev",))).tolist() == [True, False, False]
    assert columns.mask(Filters(speakers=("abishev", "Beisebayev"))).tolist() == [
        True, False, True,
    ]  # fmt: skip
    assert columns.mask(Filters(outlets=("B",), speakers=("Abishev",))).tolist() == [False] * 3
    legacy = snapshots.Columns(ids=["p1"], articles=["a"], outlets=["A"], days=[0])
    assert legacy.mask(Filters(speakers=("Abishev",))).tolist() == [False]
    with pytest.raises(RagError, match="saved before speakers were recorded; wait for the"):
        check_matches(Filters(speakers=("Abishev",)), legacy)
    silent = snapshots.Columns(ids=["p1"], articles=["a"], outlets=["A"], days=[0], speakers=[[]])
    with pytest.raises(RagError) as raised:
        check_matches(Filters(speakers=("Abishev",)), silent)
    assert str(raised.value) == f"no article quotes or reports speaker 'Abishev' ({NO_SPEAKERS})"


def test_a_snapshot_saved_without_speakers_is_rebuilt_with_them(
    seed_index: Settings, tmp_path: Path
) -> None:
    copy, legacy = copy_without(seed_index, tmp_path / "index", "speakers")
    assert legacy.columns.speakers is None and not legacy.recorded
    r = retriever(copy)  # answerable from while an ingest runs; rebuilt when none does
    hits = r.retrieve("Moscow's resources in Astana", filters=Filters(speakers=("Abishev",)))
    assert hits and all("Gaziz Abishev" in passage_speakers(h.passage) for h in hits)
    rebuilt = json.loads(columns_file(copy).read_text(encoding="utf-8"))
    assert any("Gaziz Abishev" in row for row in rebuilt["speakers"])
