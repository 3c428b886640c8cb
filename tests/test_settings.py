"""The README's settings table against ``Settings``: every field documented once, in order,
with its default, and nothing documented that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from rag.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| `(RAG_[A-Z0-9_]+)` \| (.+?) \|", re.M)
OPENAI_FIELDS = {"openai_api_key", "openai_base_url"}


def documented() -> dict[str, str]:
    """Variable → its default cell, from the table under ``## Settings``."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = ROW.findall(section)
    names = [name for name, _ in rows]
    assert len(names) == len(set(names)), f"a variable is listed twice: {names}"
    return dict(rows)


def test_every_setting_is_documented_in_field_order() -> None:
    fields = [f"RAG_{name.upper()}" for name in Settings.model_fields if name not in OPENAI_FIELDS]
    assert list(documented()) == fields
    assert "`OPENAI_API_KEY`, `OPENAI_BASE_URL`" in README.read_text(encoding="utf-8")


def test_documented_defaults_are_the_defaults() -> None:
    table = documented()
    for name, field in Settings.model_fields.items():
        if name in OPENAI_FIELDS or field.default is None:
            continue
        cell = table[f"RAG_{name.upper()}"]
        shown = re.fullmatch(r"`([^`]+)`", cell)
        assert shown, f"RAG_{name.upper()}: default cell {cell!r} is not one `value`"
        value = shown.group(1)
        if isinstance(field.default, int | float) and not isinstance(field.default, bool):
            assert float(value) == float(field.default), f"RAG_{name.upper()}"
        else:
            assert value == str(field.default), f"RAG_{name.upper()}"
