"""The Chroma connection: embedded on ``index_dir`` or a server at RAG_CHROMA_URL, whose
lost connections are one ``StoreError`` naming the server; and the pages every read and
write of a collection goes in.

Chroma keeps records in SQLite, which takes at most 32,766 variables in one statement, and
a call binds about one per id it names or record it returns: a ``get`` without a limit, or
with ids or an ``$in`` list of tens of thousands, fails with "too many SQL variables". So
no call touches more than a page: ``pages`` reads a collection ``limit``/``offset`` at a
time, ``chunks`` cuts id lists and ``$in`` lists.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlparse

from rag.errors import StoreError
from rag.settings import Settings

T = TypeVar("T")


def has_collection(client: Any, name: str) -> bool:
    """Whether the Chroma behind ``client`` holds a collection called ``name``."""
    return name in {getattr(c, "name", c) for c in client.list_collections()}


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``: the ids (or ``$in`` values) of one call."""
    found = iter(items)
    while part := list(itertools.islice(found, size)):
        yield part


def pages(
    collection: Any, include: list[str], size: int, where: dict[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """What ``collection.get`` returns of every record (matching ``where``), ``size``
    records at a time."""
    offset = 0
    while True:
        got = collection.get(where=where, include=include, limit=size, offset=offset)
        if not got["ids"]:
            return
        yield got
        offset += len(got["ids"])


def open_client(settings: Settings) -> Any:
    """A Chroma client: a server when RAG_CHROMA_URL is set, else embedded on index_dir."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.chroma_url:
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        # Absolute: Chroma shares one client per path string, so a relative one would
        # keep reading the first folder it named after the working directory changes.
        path = str(settings.index_dir.resolve())
        return chromadb.PersistentClient(path=path, settings=chroma_settings)
    url = urlparse(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise StoreError(f"RAG_CHROMA_URL={settings.chroma_url!r} is not http(s)://host:port")
    try:
        client = chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    except Exception as exc:
        where = f"RAG_CHROMA_URL={settings.chroma_url}"
        raise StoreError(f"cannot reach the Chroma server at {where}: {exc}") from None
    return Remote(client, settings.chroma_url)


class Remote:
    """A Chroma server's client, or one of its collections, whose lost connections are
    reported as a ``StoreError`` naming the server instead of an HTTP library's error."""

    def __init__(self, target: Any, url: str) -> None:
        self._target = target
        self._url = url

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._target, name)
        if not callable(found):
            return found

        @functools.wraps(found)
        def call(*args: Any, **kwargs: Any) -> Any:
            import httpx
            from chromadb.api.models.Collection import Collection

            try:
                result = found(*args, **kwargs)
            except httpx.TransportError as exc:
                raise StoreError(
                    f"lost the Chroma server at RAG_CHROMA_URL={self._url} ({exc}); "
                    "check that it runs, then try again"
                ) from None
            return Remote(result, self._url) if isinstance(result, Collection) else result

        return call


def location(settings: Settings) -> str:
    """Where the index lives, for messages."""
    return settings.chroma_url or f"{settings.index_dir}/ (embedded Chroma)"
