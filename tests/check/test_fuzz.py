"""Bad input, generated: every reader, citation parsing and question cleaning give a correct
result or a clear error for arbitrary bytes and text, never a crash or a hang."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.check.citations import check_answer, parse_answer
from rag.check.support import SupportScorer
from rag.errors import RagError
from rag.ingest.discover import SUFFIXES
from rag.ingest.readers import read_file
from rag.retrieve.request import MAX_QUESTION, clean_question
from rag.text.attribution import attributions
from rag.types import ATTRIBUTION_KINDS
from tests.support.fakes import FakeEmbedder
from tests.support.hits import hits_of

#: Characters that break naive text handling: zero-width, direction marks, BOM, NUL, CR.
AWKWARD = "\u200b\u200c\u200d\u2060\ufeff\u202e\u202d\u200f\u061c\x00\r\t…“”’[]-–,;0123456789"
TEXT = st.text(st.sampled_from(AWKWARD) | st.characters(codec="utf-8"), max_size=400)
FRONT = st.sampled_from(["", "---\n", "---\ntitle: [\n", "---\n---\n", "---\ntitle: x\n---\n"])
LIMIT = 10**6
#: Slowest a single generated file may take to read.
SECONDS = 5.0
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def read_bytes(suffix: str, data: bytes) -> None:
    """``data`` read as a ``suffix`` file: articles or named errors, in good time."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        started = time.monotonic()
        result = read_file(path, LIMIT)
        assert time.monotonic() - started < SECONDS
    assert result.articles or result.errors
    for error in result.errors:
        assert f"fuzz{suffix}" in error.path and error.reason.strip()
        assert "\n" not in error.reason
    for article in result.articles:
        assert article.text.strip()


@SETTINGS
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(max_size=2000))
def test_any_bytes_in_any_reader(suffix: str, data: bytes) -> None:
    read_bytes(suffix, data)


@SETTINGS
@given(suffix=st.sampled_from([".md", ".txt", ".html", ".jsonl"]), front=FRONT, text=TEXT)
def test_any_text_with_broken_front_matter_and_awkward_characters(
    suffix: str, front: str, text: str
) -> None:
    read_bytes(suffix, (front + text).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        (".txt", b"word " * 400_000),  # one 2 MB line
        (".html", b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000),
        (".html", b"<p>" + b"<b>" * 50_000 + b"unclosed"),
        (".jsonl", b'{"text": "' + b"a" * 900_000 + b'"}\n{"text": 1}\n'),
        (".md", b"---\n" + b"key: value\n" * 50_000),  # front matter never closed
    ],
    ids=["huge-line", "deep-html", "unclosed-html", "huge-jsonl-line", "endless-front-matter"],
)
def test_enormous_and_deep_files(suffix: str, data: bytes) -> None:
    read_bytes(suffix, data)


def test_a_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * (LIMIT + 1))
    result = read_file(path, LIMIT)
    assert result.failed and "over the 1,000,000-byte limit" in result.errors[0].reason


SCORER = SupportScorer(FakeEmbedder(dims=64))


@SETTINGS
@given(text=TEXT, markers=st.lists(st.integers(-5, 40), max_size=6), k=st.integers(0, 4))
def test_citations_in_any_text_are_parsed_and_checked(
    text: str, markers: list[int], k: int
) -> None:
    raw = text + "".join(f" [{n}]" for n in markers)
    for sentence in parse_answer(raw):
        assert sentence.text.strip() and all(n >= 0 for n in sentence.citations)
    hits = hits_of(*[f"Passage {i} about Astana and Moscow." for i in range(1, k + 1)])
    checked = check_answer(raw, hits, SCORER, 0.5)
    assert [s.number for s in checked.sources] == list(range(1, len(checked.sources) + 1))
    assert all(not 0 < n <= k for n in checked.removed)
    for line in checked.sentences:
        assert set(line.citations) <= {s.number for s in checked.sources}
        assert 0.0 <= line.support <= 1.0


@SETTINGS
@given(question=st.text(st.sampled_from(AWKWARD) | st.characters(), max_size=3000))
def test_any_question_is_cleaned_or_refused_clearly(question: str) -> None:
    try:
        cleaned = clean_question(question)
    except RagError as exc:
        assert str(exc) == "the question is empty" or f"limit is {MAX_QUESTION}" in str(exc)
        return
    assert cleaned and cleaned == cleaned.strip() and len(cleaned) <= MAX_QUESTION
    assert cleaned.isprintable()


#: Pieces of news text that attribution reads: quotation marks, cues, names, titles.
NEWS_PIECES = st.sampled_from(
    [*"abc XYZ“”\"'.,:;!?\n‘’«»—-", "said ", "Reyes ", "the company ", "according to ",
     "He ", "Dr. ", "FDA ", "Jane Reyes ", "insiders ", "(4,618) ", "Political analyst "]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.lists(NEWS_PIECES, max_size=80).map("".join) | TEXT)
def test_attribution_reads_any_text_and_keeps_its_spans_inside_it(text: str) -> None:
    for said in attributions(text):
        assert 0 <= said.start < said.end <= len(text)
        assert said.kind in ATTRIBUTION_KINDS
