"""Article metadata as read from files: YAML front matter and the fields every reader fills.

Front matter is read by YAML's safe loader without its timestamp type (dates stay as
written, for ``rag/ingest/dates.py``) and without aliases: an alias (``*name``) is refused before
anything is built from it, so a few hundred bytes of anchors cannot expand into gigabytes.
Every metadata field leaves here as a string no longer than its cap in ``FIELD_CHARS``; a
longer one is dropped with a warning (the article is kept), and an article id longer than
``ID_CHARS`` is refused (the id names the article everywhere, so it is not guessed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import yaml

from rag.errors import ReadError
from rag.types import METADATA_FIELDS, Article

_KEY_ALIASES = {"source": "outlet", "published_at": "published", "date": "published"}

#: Longest value of each metadata field, in characters; a longer one is dropped, and said.
FIELD_CHARS = {
    "title": 500,
    "outlet": 200,
    "author": 500,
    "published": 100,
    "url": 2000,
    "language": 35,
    "translated_from": 35,
}
#: Longest article id, in characters; an article whose id is longer is refused.
ID_CHARS = 500

#: Why front matter with an alias is refused.
ALIASES_REFUSED = "front matter uses YAML aliases (&/*), which are not read; write each value out"


def clean_meta(raw: dict[str, Any]) -> dict[str, str]:
    """Known metadata keys (with their aliases) as strings; dates in ISO form."""
    meta: dict[str, str] = {}
    for key, value in raw.items():
        name = _KEY_ALIASES.get(str(key).lower(), str(key).lower())
        if name not in (*METADATA_FIELDS, "id") or value in (None, "") or name in meta:
            continue
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        meta[name] = str(value).strip()
    return meta


def check_id(article_id: str) -> None:
    """Refuse an article id over ``ID_CHARS``."""
    if len(article_id) > ID_CHARS:
        raise ReadError(
            f"article id is {len(article_id):,} characters, over the {ID_CHARS}-character "
            "limit; give the article a shorter id"
        )


def capped(article: Article) -> tuple[Article, list[str]]:
    """``article`` without the metadata fields over their cap, and why each was dropped."""
    over = {
        name: len(value)
        for name, cap in FIELD_CHARS.items()
        if (value := getattr(article, name)) and len(value) > cap
    }
    reasons = [
        f"{name} is {size:,} characters, over the {FIELD_CHARS[name]:,}-character limit; "
        "the article is kept without it"
        for name, size in over.items()
    ]
    dropped: dict[str, Any] = dict.fromkeys(over)
    return dataclasses.replace(article, **dropped), reasons


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader without its timestamp type: dates stay as written, for
    ``read_date`` to read (so ``2025-02-30`` is a warning, not a crash); and without
    aliases, refused where the first one appears."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise ReadError(ALIASES_REFUSED)
        return super().compose_node(parent, index)


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in found if tag != "tag:yaml.org,2002:timestamp"]
    for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_front_matter(block: str) -> dict[str, Any]:
    """The ``key: value`` lines between the front matter's '---' lines; a ReadError names
    what is wrong with them."""
    try:
        loaded = yaml.load(block, Loader=_FrontMatterLoader)
    except ValueError as exc:  # an explicit !!timestamp that is no date
        raise ReadError(f"broken front matter: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ReadError(f"broken front matter{line}: {problem}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ReadError("broken front matter: expected 'key: value' lines")
    return loaded
