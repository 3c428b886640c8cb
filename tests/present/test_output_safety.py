"""What the CLI prints and writes cannot act on a terminal or a spreadsheet: control
characters from articles, titles and file names are escaped, CSV cells never start a
formula, and the escaped forms still mean the same to a machine."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from rag.batch import AnswerFile, inert
from rag.present.terminal import shown
from tests.support.cli import rag_command
from tests.support.files import REPO, write
from tests.support.servers import shell_env

ESCAPES = ("\x1b", "\x9b", "\x07", "\u202e")
QUESTION = "What leverage does Moscow have over Astana?"
HOSTILE = """# =HYPERLINK("http://evil.example","\x1b]0;owned\x07click")

Moscow's leverage over Astana rests on pipelines\x1b[8m hidden\x1b[0m, the CSTO and the
\u202eRussian\u202c-speaking regions of the north.
"""


def test_control_characters_are_escaped_and_kept_apart_from_the_tool_s_own_marks() -> None:
    assert shown("a\x1b[2Jb\x9bc\u202ed\te\nf") == "a\\u001b[2Jb\\u009bc\\u202ed\te\nf"
    marks = ("\x1b[1;33m", "\x1b[0m")
    assert shown("\x1b[1;33mspan\x1b[0m \x1b[31m", marks) == "\x1b[1;33mspan\x1b[0m \\u001b[31m"
    as_json = json.dumps({"t": "x\x9by\u202e"}, ensure_ascii=False)
    assert json.loads(shown(as_json)) == {"t": "x\x9by\u202e"}


def test_csv_cells_that_would_be_formulas_are_text_and_read_back_as_written(
    tmp_path: Path,
) -> None:
    assert [inert(v) for v in ("=1+2", "+1", "-x", "@SUM(A1)", "'q", "plain", 3)] == [
        "'=1+2", "'+1", "'-x", "'@SUM(A1)", "''q", "plain", 3
    ]  # fmt: skip
    output = AnswerFile(tmp_path / "a.csv")
    output.append({"id": "=1+2", "question": "-q", "error": "boom"})
    output.append({"id": "'x", "question": "@q", "answer": "plain"})
    with output.path.open(encoding="utf-8") as table:
        cells = [cell for row in csv.reader(table) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert set(output.records()) == {"=1+2", "'x"} and output.answered() == {"'x"}
    assert output.records()["=1+2"]["question"] == "-q"


@pytest.mark.slow
def test_rag_prints_no_raw_escapes_and_writes_no_formulas(tmp_path: Path) -> None:
    import subprocess

    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    write(corpus / "wire\x1b[31m.md", HOSTILE)
    write(corpus / "bad\x1b]0;x\x07.md", "---\ntitle: [unclosed\n---\nText.\n")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            rag_command(*args), env=shell_env(), cwd=tmp_path, capture_output=True, text=True
        )
        for stream in (done.stdout, done.stderr):
            assert not [c for c in ESCAPES if c in stream], (args, stream)
        return done

    ingest = run("ingest")
    assert ingest.returncode == 1 and "bad\\u001b]0;x\\u0007.md" in ingest.stderr
    only = ("--article", "corpus/wire\x1b[31m.md")
    ask = run("ask", QUESTION, *only)
    assert ask.returncode == 0 and "\\u001b[8m hidden" in ask.stdout, ask.stdout
    as_json = run("ask", QUESTION, "--json", *only)
    assert "\x1b[8m hidden" in json.loads(as_json.stdout)["text"]
    articles = run("articles")
    assert "wire\\u001b[31m.md" in articles.stdout
    assert "\\u001b]0;owned\\u0007click" in articles.stdout
    write(tmp_path / "q.csv", f'id,question\n"=1+2","{QUESTION}"\n')
    assert run("batch", "q.csv", "-o", "a.csv").returncode == 0
    with (tmp_path / "a.csv").open(encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    assert rows[0]["id"] == "'=1+2" and rows[0]["sources"].startswith("[1] ")
    assert not [v for row in rows for v in row.values() if v[:1] in ("=", "+", "-", "@")]
    assert "1 skipped" in run("batch", "q.csv", "-o", "a.csv").stdout
