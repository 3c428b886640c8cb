"""Plain data shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Article metadata fields, in the order they are shown and stored.
METADATA_FIELDS = ("title", "outlet", "author", "published", "url", "language", "translated_from")


@dataclass(frozen=True)
class Article:
    """One article as read from the corpus, before splitting."""

    id: str
    source: str
    text: str
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    language: str | None = None
    translated_from: str | None = None
    #: Character offset at which each page starts (PDF only; page n starts at page_starts[n-1]).
    page_starts: tuple[int, ...] = ()

    def metadata(self) -> dict[str, str]:
        """The metadata fields that are set, without the text."""
        values = {name: getattr(self, name) for name in METADATA_FIELDS}
        return {name: value for name, value in values.items() if value}

    def page_at(self, offset: int) -> int | None:
        """1-based page holding the character at ``offset``, or None when not paged."""
        if not self.page_starts:
            return None
        return sum(1 for start in self.page_starts if start <= offset) or 1


@dataclass(frozen=True)
class Passage:
    """A span of an article, the unit that is embedded, retrieved and cited."""

    id: str
    article_id: str
    ordinal: int
    text: str
    start: int
    end: int
    source: str
    page: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    def embedding_text(self) -> str:
        """What the embedder sees: the article title (if any) above the passage."""
        title = self.metadata.get("title")
        return f"{title}\n\n{self.text}" if title else self.text


@dataclass(frozen=True)
class FileError:
    """A corpus file (or one record inside it) that could not be ingested, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"
