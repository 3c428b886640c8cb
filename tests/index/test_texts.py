"""A snapshot's passages: saved as lines and read one by one when asked for; a change
copies the kept lines as they are and adds the new ones, and what it saves reads back as
the same passages, even after the file it came from is gone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.index.texts import Texts
from rag.types import Attribution, Passage


def passage(n: int) -> Passage:
    text = f'Passage {n}: Astana said "no"\nto Moscow — line two ü.'
    said = (Attribution(0, 9, "quote", "Gaziz Abishev", "analyst"),)
    return Passage(
        f"p{n}", f"a{n % 3}", n, text, 0, len(text), f"a{n % 3}.md",
        metadata={"title": f"T{n}"}, page_breaks=(4,), attributions=said,
    )  # fmt: skip


def test_changes_saved_and_read_back_keep_every_passage_whole(tmp_path: Path) -> None:
    first = Texts.of([passage(n) for n in range(6)])
    first.save(tmp_path / "one.jsonl")
    loaded = Texts.load(tmp_path / "one.jsonl")
    assert list(loaded) == [passage(n) for n in range(6)] and loaded.fresh == []
    changed = loaded.changed(np.array([0, 2, 3, 5]), [passage(10), passage(11)])
    again = changed.changed(np.array([1, 2, 4, 5]), [passage(12)])  # saved and fresh rows
    expected = [passage(n) for n in (2, 3, 10, 11, 12)]
    assert list(again) == expected
    again.save(tmp_path / "two.jsonl")
    (tmp_path / "one.jsonl").unlink()
    assert list(again) == expected  # still read from the mapped file
    assert list(Texts.load(tmp_path / "two.jsonl")) == expected
    lines = (tmp_path / "two.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(expected)  # one line each, line breaks in a text escaped


def test_an_empty_set_of_passages_saves_and_loads(tmp_path: Path) -> None:
    Texts.of([]).save(tmp_path / "none.jsonl")
    assert list(Texts.load(tmp_path / "none.jsonl")) == []


def test_a_file_that_does_not_match_its_spans_is_refused(tmp_path: Path) -> None:
    Texts.of([passage(1), passage(2)]).save(tmp_path / "t.jsonl")
    with (tmp_path / "t.jsonl").open("ab") as file:
        file.write(b"{}\n")
    with pytest.raises(ValueError, match=r"t\.jsonl"):
        Texts.load(tmp_path / "t.jsonl")
