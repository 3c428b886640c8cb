"""Who speaks in the index: the speakers of each passage (the snapshot's ``speakers``
column, which the ``speakers`` filter reads), which speaker a name given by a person
means, and each speaker's attributed spans counted over the snapshot's passages
(``rag speakers``, the library tab).

Pure functions of passages (``rag.types``): nothing here opens the index. A span that
overlapping passages both hold is counted once: it is the same article and the same
start in the article (the passage's start plus the span's)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rag.types import ATTRIBUTION_KINDS, Passage


def passage_speakers(passage: Passage) -> list[str]:
    """The named speakers of the spans that reach into ``passage``, each once, in order."""
    said = passage.attributions or ()
    return list(dict.fromkeys(a.speaker for a in said if a.speaker))


def called(speaker: str) -> set[str]:
    """The names ``speaker`` answers to, case-folded: the whole name and its last word."""
    whole = " ".join(speaker.split()).casefold()
    return {whole, whole.rsplit(" ", 1)[-1]} if whole else set()


def speaks(wanted: Iterable[str], speakers: Iterable[str]) -> bool:
    """Whether one of ``speakers`` is one of the ``wanted`` names (see ``called``)."""
    names = {" ".join(name.split()).casefold() for name in wanted}
    return any(called(speaker) & names for speaker in speakers)


@dataclass(frozen=True)
class SpeakerRow:
    """One speaker of the index: the attributed spans they say, counted once each, the
    kinds of those spans (in ``ATTRIBUTION_KINDS`` order), their role (the one the
    articles give most, "" when none does) and where they speak."""

    speaker: str
    role: str
    kinds: tuple[str, ...]
    spans: int
    #: (article id, title) of each article they speak in ("" when it has no title).
    articles: tuple[tuple[str, str], ...]
    #: The outlets of those articles that name one.
    outlets: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """As ``rag speakers --json`` prints it."""
        return {
            "speaker": self.speaker,
            "role": self.role or None,
            "kinds": list(self.kinds),
            "spans": self.spans,
            "articles": [{"id": aid, "title": title or None} for aid, title in self.articles],
            "outlets": list(self.outlets),
        }


@dataclass
class _Tally:
    spans: set[tuple[str, int]] = field(default_factory=set)
    roles: Counter[str] = field(default_factory=Counter)
    kinds: set[str] = field(default_factory=set)
    articles: dict[str, str] = field(default_factory=dict)
    outlets: set[str] = field(default_factory=set)


def count_speakers(passages: Iterable[Passage]) -> list[SpeakerRow]:
    """One row per named speaker of ``passages``, most spans first (then by name)."""
    tallies: dict[str, _Tally] = {}
    for passage in passages:
        for said in passage.attributions or ():
            if not said.speaker:
                continue
            tally = tallies.setdefault(said.speaker, _Tally())
            tally.spans.add((passage.article_id, passage.start + said.start))
            tally.roles.update([said.role] if said.role else [])
            tally.kinds.add(said.kind)
            tally.articles.setdefault(passage.article_id, passage.metadata.get("title", ""))
            if passage.metadata.get("outlet"):
                tally.outlets.add(passage.metadata["outlet"])
    rows = [_row(speaker, tally) for speaker, tally in tallies.items()]
    return sorted(rows, key=lambda row: (-row.spans, row.speaker.casefold()))


def _row(speaker: str, tally: _Tally) -> SpeakerRow:
    role = tally.roles.most_common(1)[0][0] if tally.roles else ""
    kinds = tuple(kind for kind in ATTRIBUTION_KINDS if kind in tally.kinds)
    articles, outlets = tuple(sorted(tally.articles.items())), tuple(sorted(tally.outlets))
    return SpeakerRow(speaker, role, kinds, len(tally.spans), articles, outlets)
