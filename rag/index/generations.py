"""Which collections of an index answer questions: its live generation.

An index is named by RAG_COLLECTION, its base name. Its passages and records are the
collections ``NAME`` and ``NAME-records`` of one generation: the base itself until the
first ``rag ingest --rebuild``, then ``BASE.g<12 hex digits>``. A rebuild writes a new
generation while the live one goes on answering, then publishes it by replacing the one
record of ``BASE-live`` (a single write), so a reader opens the generation before the
rebuild or the one after it, never a half-built one. The replaced generation is then
dropped; the base collection stays, empty, so the index keeps existing under its name.
A rebuild that was interrupted leaves its generation unpublished: the live one is
untouched, and the next rebuild drops the leftover.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_POINTER = "g:live"


def pointer_name(base: str) -> str:
    """The collection whose one record names the live generation of ``base``."""
    return f"{base}-live"


def live(client: Any, base: str) -> str:
    """The generation readers use: the last one a rebuild published, else the base."""
    from chromadb.errors import NotFoundError

    try:
        pointer = client.get_collection(pointer_name(base), embedding_function=None)
        got = pointer.get(ids=[_POINTER], include=["metadatas"])
    except NotFoundError:
        return base
    return str(got["metadatas"][0]["collection"]) if got["ids"] else base


def reading(read: Callable[[], T], attempts: int = 3) -> T:
    """``read()``, done again when a rebuild dropped the generation it was reading (having
    published the next one meanwhile), so a reader sees one whole generation or the next."""
    from chromadb.errors import NotFoundError

    for _ in range(attempts - 1):
        with contextlib.suppress(NotFoundError):
            return read()
    return read()


def new_name(base: str) -> str:
    """A name for a generation no other has used."""
    return f"{base}.g{uuid.uuid4().hex[:12]}"


def all_of(client: Any, base: str) -> set[str]:
    """Every generation of ``base`` that has a collection: the base and rebuilt ones."""
    names = {getattr(c, "name", c) for c in client.list_collections()}
    return among(base, {name.removesuffix("-records") for name in names})


def among(base: str, names: set[str]) -> set[str]:
    """The names of generations of ``base`` in ``names``."""
    shape = re.compile(re.escape(base) + r"(\.g[0-9a-f]{12})?")
    return {name for name in names if shape.fullmatch(name)}


def publish(client: Any, base: str, name: str) -> None:
    """Make ``name`` the live generation of ``base``, in one write."""
    pointer = client.get_or_create_collection(pointer_name(base), embedding_function=None)
    pointer.upsert(ids=[_POINTER], embeddings=[[0.0]], metadatas=[{"collection": name}])


def drop(client: Any, base: str, name: str, anchor: dict[str, Any] | None = None) -> None:
    """Delete the collections of generation ``name``. The base is created again, empty,
    with the metadata ``anchor`` (the live generation's), unless ``anchor`` is None."""
    from chromadb.errors import NotFoundError

    for collection in (name, f"{name}-records"):
        with contextlib.suppress(NotFoundError, ValueError):
            client.delete_collection(collection)
    if name == base and anchor is not None:
        client.get_or_create_collection(base, metadata=anchor, embedding_function=None)
