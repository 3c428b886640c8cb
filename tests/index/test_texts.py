"""A snapshot's passages: saved as lines in parts and read one by one when asked for; a
change links the parts it keeps and writes only the passages it adds, copies the lines in
use once most of a part is unused, and what it saves reads back as the same passages, even
after the files it came from are gone."""

from __future__ import annotations

import json
import shutil
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


def saved(texts: Texts, folder: Path, linked: Path | None = None) -> Texts:
    folder.mkdir()
    texts.save(folder, linked)
    return Texts.load(folder)


def test_changes_saved_and_read_back_keep_every_passage_whole(tmp_path: Path) -> None:
    loaded = saved(Texts.of([passage(n) for n in range(6)]), tmp_path / "one")
    assert list(loaded) == [passage(n) for n in range(6)] and loaded.fresh == []
    changed = loaded.changed(np.array([0, 2, 3, 5]), [passage(10), passage(11)])
    again = changed.changed(np.array([1, 2, 4, 5]), [passage(12)])  # saved and fresh rows
    expected = [passage(n) for n in (2, 3, 10, 11, 12)]
    assert list(again) == expected
    two = saved(again, tmp_path / "two", tmp_path / "one")
    shutil.rmtree(tmp_path / "one")
    assert list(again) == expected  # still read from the mapped file
    assert list(two) == expected == list(Texts.load(tmp_path / "two"))
    lines = b"".join(p.read_bytes() for p in (tmp_path / "two").glob("*.jsonl")).splitlines()
    assert len(lines) == 5  # one line each (most unused: copied), line breaks escaped


def test_a_change_writes_only_its_passages_and_links_the_rest(tmp_path: Path) -> None:
    one = saved(Texts.of([passage(n) for n in range(30)]), tmp_path / "one")
    (first,) = (tmp_path / "one").glob("*.jsonl")
    two = saved(one.changed(np.arange(1, 30), [passage(30)]), tmp_path / "two", tmp_path / "one")
    assert list(two) == [passage(n) for n in range(1, 31)]
    parts = {p.name: p for p in (tmp_path / "two").glob("*.jsonl")}
    assert parts[first.name].stat().st_ino == first.stat().st_ino  # linked, not copied
    (new,) = set(parts) - {first.name}
    assert Passage(**json.loads(parts[new].read_bytes())) == passage(30)
    shutil.rmtree(tmp_path / "one")
    three = saved(two.changed(np.arange(30), [passage(31)]), tmp_path / "three", tmp_path / "one")
    assert list(three) == [passage(n) for n in range(1, 32)]  # written where it cannot link


def test_parts_mostly_unused_are_copied_into_one(tmp_path: Path) -> None:
    one = saved(Texts.of([passage(n) for n in range(30)]), tmp_path / "one")
    two = saved(one.changed(np.arange(0, 30, 2), []), tmp_path / "two", tmp_path / "one")
    assert len(list((tmp_path / "two").glob("*.jsonl"))) == 1  # half unused: still linked
    three = saved(two.changed(np.arange(0, 15, 3), []), tmp_path / "three", tmp_path / "two")
    (part,) = (tmp_path / "three").glob("*.jsonl")
    assert list(three) == [passage(n) for n in range(0, 30, 6)]
    assert part.stat().st_size == sum(len(line) for line in part.read_bytes().splitlines(True))
    assert len(part.read_bytes().splitlines()) == 5  # only the lines in use


def test_an_empty_set_of_passages_saves_and_loads(tmp_path: Path) -> None:
    assert list(saved(Texts.of([]), tmp_path / "none")) == []


def test_a_part_that_does_not_match_its_rows_is_refused(tmp_path: Path) -> None:
    saved(Texts.of([passage(1), passage(2)]), tmp_path / "t")
    (part,) = (tmp_path / "t").glob("*.jsonl")
    part.write_bytes(part.read_bytes()[:-5])
    with pytest.raises(ValueError, match="not those recorded"):
        Texts.load(tmp_path / "t")
