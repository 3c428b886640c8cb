"""What a person sees of filters, dates, skipped files, ``rag articles`` and output paths:
real ``rag`` processes on the bundled model and real Chroma."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from rag.settings import Settings
from tests.support.cli import rag
from tests.support.files import REPO, write
from tests.support.index import index_env

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outlet", "caliber.az"],
         "no article has outlet 'caliber.az' (did you mean 'Caliber.Az'?)"),
        (["--article", "putin-nazarbayev-private-meeting.md"],
         "no article has id 'putin-nazarbayev-private-meeting.md' (did you mean '"),
        (["--since", "2025-03-10", "--until", "2025-03-01"],
         "--since 2025-03-10 is after --until 2025-03-01"),
        (["--k", "51"], "--k must be at least 1 and at most 50, not 51"),
        (["--speaker", "Abishv"],
         "no article quotes or reports speaker 'Abishv' (did you mean 'Gaziz Abishev'?)"),
    ],
)  # fmt: skip
def test_rag_ask_names_the_filter_that_matches_nothing_and_exits_2(
    seed_index: Settings, args: list[str], message: str
) -> None:
    run = rag("ask", "When did Putin and Nazarbayev meet?", *args, **index_env(seed_index))
    assert run.returncode == 2, run.stdout
    assert run.stdout == "" and run.stderr.startswith(f"error: {message}")
    assert run.stderr.count("\n") == 1


def test_rag_batch_fails_a_filter_typo_and_a_repeated_id_and_answers_the_rest(
    seed_index: Settings, tmp_path: Path
) -> None:
    lines = [
        {"id": "ok", "question": "What leverage does Moscow have over Astana?"},
        {"id": "typo", "question": "What leverage does Moscow have?", "outlet": "caliber.az"},
        {"id": "twice", "question": "When did Putin and Nazarbayev meet?"},
        {"id": "twice", "question": "Why did Tokayev build a new oil pipeline?"},
    ]
    write(tmp_path / "q.jsonl", "\n".join(json.dumps(line) for line in lines))
    run = rag("batch", "q.jsonl", "-o", "a.jsonl", **index_env(seed_index))
    assert run.returncode == 1
    assert run.stdout.startswith("questions: 1 answered, 0 skipped (already in a.jsonl), 2 failed")
    assert run.stderr.splitlines() == [
        "error: typo: no article has outlet 'caliber.az' (did you mean 'Caliber.Az'?)",
        "error: twice: id 'twice' is used on lines 3 and 4; give each question its own id",
    ]
    records = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert {r["id"]: bool(r.get("error")) for r in records} == {
        "ok": False, "typo": True, "twice": True,
    }  # fmt: skip


def test_rag_articles_lists_the_ids_filters_take(seed_index: Settings) -> None:
    listed = rag("articles", "--json", **index_env(seed_index))
    assert listed.returncode == 0, listed.stderr
    articles = {Path(a["id"]).name: a for a in json.loads(listed.stdout)}
    caliber = articles["caliber-az-nazarbayev-at-the-kremlin.md"]
    assert (caliber["outlet"], caliber["published"]) == ("Caliber.Az", None)
    assert caliber["title"].startswith("Nazarbayev at the Kremlin") and caliber["passages"] > 1
    assert articles["putin-nazarbayev-private-meeting.md"]["outlet"] is None
    table = rag("articles", **index_env(seed_index)).stdout.splitlines()
    assert table[0].split() == ["id", "outlet", "published", "passages", "title"]
    assert len(table) == 3 and table[1].startswith(caliber["id"] + "  ")
    assert table[1].split()[1:4] == ["Caliber.Az", "-", str(caliber["passages"])]
    empty = rag("articles", "--json", **{**index_env(seed_index), "RAG_COLLECTION": "empty"})
    assert (empty.returncode, json.loads(empty.stdout)) == (0, [])


def test_rag_ask_for_a_speaker_cites_only_passages_where_they_speak(seed_index: Settings) -> None:
    question = "What leverage does Moscow have over Astana?"
    run = rag("ask", question, "--speaker", "Abishev", "--json", **index_env(seed_index))
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    cited = {n for sentence in answer["sentences"] for n in sentence["citations"]}
    assert cited and answer["retrieved"]
    for passage in answer["retrieved"] + [s["passage"] for s in answer["sources"]]:
        assert "Gaziz Abishev" in {a["speaker"] for a in passage["attributions"]}


def test_rag_speakers_lists_who_is_quoted_with_role_article_and_outlet(
    seed_index: Settings,
) -> None:
    listed = rag("speakers", "--json", **index_env(seed_index))
    assert listed.returncode == 0, listed.stderr
    speakers = {row["speaker"]: row for row in json.loads(listed.stdout)}
    for name, role in (("Gaziz Abishev", "political commentator"),
                       ("Kazbek Beisebayev", "political analyst")):  # fmt: skip
        row = speakers[name]
        assert row["role"] == role and row["outlets"] == ["Caliber.Az"]
        assert "direct" in row["kinds"] and row["spans"] >= 3
        [article] = row["articles"]
        assert Path(article["id"]).name == "caliber-az-nazarbayev-at-the-kremlin.md"
        assert article["title"].startswith("Nazarbayev at the Kremlin")
    counts = [row["spans"] for row in speakers.values()]
    assert counts == sorted(counts, reverse=True) and "" not in speakers
    table = rag("speakers", **index_env(seed_index)).stdout.splitlines()
    assert table[0].split() == ["speaker", "role", "kinds", "spans", "outlets", "articles"]
    assert table[1].startswith("Gaziz Abishev  ") and "political commentator" in table[1]
    empty = rag("speakers", "--json", **{**index_env(seed_index), "RAG_COLLECTION": "empty"})
    assert (empty.returncode, empty.stdout) == (2, "")
    assert empty.stderr.startswith("error: the index at ") and empty.stderr.count("\n") == 1


def test_rag_ingest_warns_of_skipped_files_and_bad_dates_and_exits_0(tmp_path: Path) -> None:
    body = "Astana and Moscow talk about oil and the Caspian pipeline."
    write(tmp_path / "corpus/dated.md", f'---\npublished: "March 3, 2025"\n---\n\n{body}\n')
    write(tmp_path / "corpus/impossible.md", f"---\npublished: 2025-02-30\n---\n\n{body}\n")
    write(tmp_path / "corpus/utf16.txt", codecs.BOM_UTF16_LE + body.encode("utf-16-le"))
    write(tmp_path / "corpus/notes.docx", b"PK\x03\x04")
    write(tmp_path / "corpus/data.csv", "a,b\n1,2\n")
    write(tmp_path / "corpus/.hidden.docx", b"PK")
    run = rag("ingest")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("articles: 3 added, 0 updated, 0 unchanged, 0 removed, 0 failed")
    assert run.stderr.splitlines() == [
        "warning: corpus/data.csv: unsupported file type '.csv' (skipped)",
        "warning: corpus/notes.docx: unsupported file type '.docx' (skipped)",
        "warning: corpus/impossible.md: published '2025-02-30' is not a calendar date; the "
        "article is kept without a date (write it as YYYY-MM-DD)",
    ]
    listed = json.loads(rag("articles", "--json").stdout)
    assert {a["id"]: a["published"] for a in listed} == {
        "corpus/dated.md": "2025-03-03",
        "corpus/impossible.md": None,
        "corpus/utf16.txt": None,
    }


def test_rag_eval_refuses_a_file_name_for_its_folder_of_reports(tmp_path: Path) -> None:
    run = rag("eval", str(REPO / "eval/seed.jsonl"), "-o", "x.html")
    assert run.returncode == 2
    assert run.stderr == (
        "error: -o x.html names a file, but rag eval writes a folder (report.html, report.md, "
        "report.json and the answers); give a folder, e.g. -o x\n"
    )
    assert not (tmp_path / "x.html").exists()
