"""The BM25 profile of an index: chosen from its passages, recorded with its snapshot, set
aside by an explicit BM25 weight; and, in a mixed news index, what the hybrid finds that
BM25 alone or dense alone ranks below a distractor."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag.index.profile import MIXED, UNIFORM, Profile, choose, short_share
from rag.retrieve.retriever import Retriever
from rag.settings import Settings
from rag.types import Passage
from tests.support.files import article
from tests.support.index import columns_file, copy_without, retriever, seeds_with
from tests.support.servers import COLLECTIONS, ON_SERVER


def unwrap(text: str) -> str:
    """``text``'s paragraphs, wrapped here to fit the file, each on one line again."""
    return "\n\n".join(" ".join(par.split()) for par in text.strip().split("\n\n"))


#: One-paragraph briefs, each its own file: name → (headline, text).
# fmt: off
BRIEFS = {
    "fog": ("Fog cancels flights at Almaty airport",
            "Thick fog closed the runway at Almaty airport on Tuesday morning, and dozens of "
            "departures were scrapped until visibility improved, the operator said."),
    "customs": ("Certificate error",
            "The revenue committee said the importer of consignment KZ-7731 had listed the wrong "
            "country of origin and must correct its certificate before the goods are released."),
    "trucks": ("Why shipments are held at the border",
            "Customs officers explain what keeps lorries waiting for days at the frontier: missing "
            "documents, wrong origin certificates and unpaid duties."),
    "wheat": ("Wheat harvest record",
            "Farmers in the north gathered a record grain crop this autumn, though a shortage of "
            "rail wagons means much of it is still stored in the fields, the ministry said."),
    "tenge": ("Tenge weakens",
            "The national currency lost two percent against the dollar this week as oil prices "
            "fell, and the central bank sold reserves to slow the slide, traders in Almaty said."),
    "metro": ("Metro line opens",
            "Three new underground stations opened in the southern capital on Thursday, cutting "
            "the journey from the western districts to the centre by a quarter of an hour."),
    "snow": ("Snow closes pass",
            "Heavy snow closed the mountain highway to Kyrgyzstan for a second day, and police "
            "turned back cars at the checkpoint until ploughs could clear the drifts."),
    "copper": ("Copper smelter upgrade",
            "The copper smelter in the central steppe will install filters to halve its sulphur "
            "emissions, its owner said, after years of complaints from the nearby town."),
    "school": ("New schools",
            "Two hundred new schools will open in September, the education ministry said, easing "
            "the three-shift timetables that pupils in fast-growing suburbs have endured."),
    "heat": ("Heating bills rise",
            "Households in the capital will pay a fifth more for district heating from November, "
            "the utility said, blaming the cost of repairing pipes laid in Soviet times."),
    "horse": ("Horse games",
            "Riders from twelve countries competed in horseback games at the nomad festival near "
            "Astana, and the home team won the kokpar final in front of thousands of spectators."),
    "caviar": ("Caviar smugglers caught",
            "Border guards on the Caspian coast seized two hundred kilograms of sturgeon roe "
            "hidden in a fishing boat and arrested three men, prosecutors in Atyrau said."),
}
# fmt: on

#: A long article that repeats the flight question's words without answering it.
PARK = unwrap("""
A developer from Astana has bought forty hectares of farmland beside Almaty airport and plans
offices, warehouses and two hotels for crews between flights, the company said on Monday.

An earlier plan for the same land was cancelled in 2019 when its backers ran out of money, and a
second, for a shopping centre, was cancelled in 2021 after the city refused a building permit. The
new owners say they have the permits and the money. Construction would start in the spring and the
first warehouses would open next year, near the cargo terminal of Almaty airport, where freight
flights from China land every night.

The developer also wants a rail stop. A rail link between Almaty airport and the city centre was
cancelled in 2020, and the company says a station at the business park would revive it. City
officials were cautious: the zoning rules for land near Almaty airport limit the height of buildings
under the flight paths, and a tower the developer proposed would have to be lower.

The mayor's office said it would decide on the plan by the summer, after public hearings in the
nearby villages, whose residents complain about noise from night traffic and dust from building
sites. Villagers also want the developer to pave the road that links them to the main highway, which
turns to mud every spring.

The company has built two smaller parks near Astana and says both are fully let. Its founder, a
former banker, said the Almaty project would cost about two hundred million dollars, most of it
borrowed from a state development bank, and would employ three thousand people when it is finished
in five years.
""")

NEWS = {
    f"{name}.md": article(title, "Steppe Wire", f"2025-01-{day:02d}", text)
    for day, (name, (title, text)) in enumerate(BRIEFS.items(), start=10)
}
NEWS["park.md"] = article(
    "Developer buys farmland for a business park", "Property Review", "2025-03-03", PARK
)

#: Answered by the fog brief, whose text says "departures were scrapped": "flights" and
#: "cancelled" are in its headline only, which BM25 leaves out in a mixed index; PARK's
#: first chunk repeats the question's words without answering it.
FLIGHTS = "Why were flights cancelled at Almaty airport?"
#: Answered by the customs brief, the only passage naming KZ-7731; the trucks brief's
#: headline restates the question, its text shares none of the question's words.
SHIPMENT = "Why was shipment KZ-7731 held at the border?"


@pytest.fixture(scope="module")
def mixed(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, model_cache: Path
) -> Settings:
    """Settings of an index, built with the real model, of the seed corpus (two long
    articles), PARK and the twelve briefs; set here, before a test's environment is."""
    with pytest.MonkeyPatch.context() as env:
        for key in [k for k in os.environ if k.startswith(("RAG_", "OPENAI_"))]:
            env.delenv(key)
        env.setenv("RAG_MODEL_CACHE", str(model_cache))
        if ON_SERVER:
            env.setenv("RAG_CHROMA_URL", request.getfixturevalue("chroma_server"))
            env.setenv("RAG_COLLECTION", f"profile-{next(COLLECTIONS)}")
        return seeds_with(tmp_path_factory.mktemp("mixed"), NEWS)


def recorded(settings: Settings) -> object:
    return json.loads(columns_file(settings).read_text(encoding="utf-8")).get("profile")


def files(r: Retriever, ids: list[str]) -> list[str]:
    found = r.snapshot().get(ids)
    return [Path(found[pid].source).name for pid in ids]


def passages(*articles: tuple[str, list[int]]) -> list[Passage]:
    """Passages of the given lengths in words, by article."""
    return [
        Passage(f"{name}:{i}", name, i, "word " * words, 0, 5 * words, f"{name}.md")
        for name, lengths in articles
        for i, words in enumerate(lengths)
    ]


LONG = [(f"long-{i}", [150] * 5) for i in range(3)]  # 15 chunks of three long articles


def briefs(count: int, words: int = 30) -> list[tuple[str, list[int]]]:
    return [(f"brief-{i}", [words]) for i in range(count)]


@pytest.mark.parametrize(
    ("articles", "share", "profile"),
    [
        pytest.param([], 0.0, UNIFORM, id="empty"),
        pytest.param(LONG, 0.0, UNIFORM, id="long-articles"),
        pytest.param(LONG + briefs(2), 2 / 17, MIXED, id="with-briefs"),
        pytest.param([("long", [150] * 9), *briefs(1)], 0.1, MIXED, id="share-at-threshold"),
        pytest.param([("long", [150] * 10), *briefs(1)], 1 / 11, UNIFORM, id="below-threshold"),
        pytest.param(
            [(f"long-{i}", [150, 150, 150, 20]) for i in range(3)], 0.0, UNIFORM, id="short-last"
        ),
        pytest.param(LONG + briefs(4, words=80), 0.0, UNIFORM, id="whole-but-not-short"),
    ],
)
def test_the_profile_is_chosen_by_the_share_of_short_whole_articles(
    articles: list[tuple[str, list[int]]], share: float, profile: Profile
) -> None:
    found = passages(*articles)
    assert short_share(found) == pytest.approx(share)
    assert choose(found) == profile


def test_the_profile_is_recorded_with_the_snapshot(mixed: Settings, seed_index: Settings) -> None:
    assert retriever(mixed).snapshot().profile == MIXED
    assert recorded(mixed) == "mixed"
    assert retriever(seed_index).snapshot().profile == UNIFORM  # long articles only
    assert recorded(seed_index) == "uniform"


def test_a_snapshot_saved_without_a_profile_is_rebuilt(mixed: Settings, tmp_path: Path) -> None:
    copy, legacy = copy_without(mixed, tmp_path / "index", "profile")
    assert (legacy.profile, legacy.recorded) == (UNIFORM, False)
    r = retriever(copy)  # answerable from while an ingest runs; rebuilt when none does
    assert files(r, [r.retrieve(SHIPMENT)[0].passage.id]) == ["customs.md"]
    assert r.snapshot().profile == MIXED
    assert recorded(copy) == "mixed"


def test_the_hybrid_finds_a_brief_that_bm25_ranks_below_a_long_article(mixed: Settings) -> None:
    r = retriever(mixed)
    assert files(r, r.bm25(FLIGHTS, 2)) == ["park.md", "fog.md"]
    assert files(r, [p.id for p in r.dense(FLIGHTS, 1)]) == ["fog.md"]
    assert files(r, [r.retrieve(FLIGHTS)[0].passage.id]) == ["fog.md"]


def test_the_hybrid_finds_a_rare_code_dense_ranks_below_a_paraphrase(mixed: Settings) -> None:
    r = retriever(mixed)
    assert files(r, [p.id for p in r.dense(SHIPMENT, 2)]) == ["trucks.md", "customs.md"]
    assert files(r, r.bm25(SHIPMENT, 1)) == ["customs.md"]
    assert files(r, [r.retrieve(SHIPMENT)[0].passage.id]) == ["customs.md"]


def test_a_set_bm25_weight_overrides_the_profiles(
    mixed: Settings, seed_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = retriever(mixed).snapshot()
    assert retriever(mixed).fusion_for(snapshot).bm25_weight == MIXED.bm25_weight == 0.5
    uniform = retriever(seed_index)
    assert uniform.fusion_for(uniform.snapshot()).bm25_weight == UNIFORM.bm25_weight == 1.0
    monkeypatch.setenv("RAG_BM25_WEIGHT", "0.8")
    from_env = Settings(
        index_dir=mixed.index_dir, chroma_url=mixed.chroma_url,
        collection=mixed.collection, model_cache=mixed.model_cache,
    )  # fmt: skip
    assert retriever(from_env).fusion_for(snapshot).bm25_weight == 0.8
    dense_only = retriever(mixed.model_copy(update={"bm25_weight": 0.0}))  # 0 is set, too
    assert dense_only.fusion_for(snapshot).bm25_weight == 0.0
    assert files(dense_only, [dense_only.retrieve(SHIPMENT)[0].passage.id]) == ["trucks.md"]
