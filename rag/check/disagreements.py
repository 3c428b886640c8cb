"""Where the sources an answer rests on disagree: the pairs of whole sentences, from
different articles or from different speakers in one, that say different things on one
point (``rag.text.conflicts``), each side checked word for word against its own passage.

Sentences are the quotable ones of the retrieved passages (``candidates``: whole sentences,
a speaker's words only with the speaker known). A pair is looked at when one side lies in
a passage the answer cites, both sides bear on the question (cosine ``RELEVANT``) and
they are close in meaning to each other (cosine ``SAME_POINT``). A side whose passage the
answer does not cite becomes a source of its own, numbered after the cited ones, so that
both sides can be shown with their citations. Of figures and dates given on different
publication dates, the older side is marked superseded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.extractive import Candidate, candidates
from rag.check.support import SupportScorer
from rag.text.conflicts import Conflict, conflict
from rag.text.verbatim import occurs_in
from rag.types import Disagreement, Hit, Side, Source

#: Least cosine of each side with the question.
RELEVANT = 0.30
#: Least cosine of the two sides with each other: the same point.
SAME_POINT = 0.55
#: Most disagreements an answer shows, the closest pairs first.
MOST = 3
#: Kinds of conflict where the later report supersedes the older one.
UPDATES = ("number", "date")


@dataclass(frozen=True)
class Found:
    """The disagreements of an answer and its sources, with any that they added."""

    disagreements: tuple[Disagreement, ...]
    sources: tuple[Source, ...]


def disagreements(
    question: str, sources: Sequence[Source], hits: Sequence[Hit], scorer: SupportScorer
) -> Found:
    """The disagreements among ``hits`` that touch a cited source, and ``sources`` with the
    passages of their other sides added."""
    cited = {source.passage.id for source in sources}
    found = [c for c in candidates(hits) if _checked(c, hits)]
    if not cited or len(found) < 2:
        return Found((), tuple(sources))
    vectors = scorer.embed([question, *(c.text for c in found)])
    relevant = [i for i, score in enumerate(vectors[1:] @ vectors[0]) if score >= RELEVANT]
    pairs = _pairs([found[i] for i in relevant], vectors[1:][relevant], hits, cited)
    numbered = {source.passage.id: source.number for source in sources}
    added: list[Source] = []
    shown: list[Disagreement] = []
    points: set[str] = set()
    for a, b, dispute in pairs:
        if len(shown) == MOST or dispute.point.lower() in points:
            continue
        points.add(dispute.point.lower())
        sides = []
        for candidate, value in ((a, dispute.values[0]), (b, dispute.values[1])):
            passage = hits[candidate.hit].passage
            if passage.id not in numbered:
                numbered[passage.id] = len(sources) + len(added) + 1
                span = (candidate.start, candidate.end)
                added.append(Source(numbered[passage.id], passage, (span,)))
            sides.append(_side(candidate, hits, numbered[passage.id], value))
        shown.append(Disagreement(dispute.point, dispute.kind, _superseded(dispute, sides)))
    return Found(tuple(shown), (*sources, *added))


def _checked(candidate: Candidate, hits: Sequence[Hit]) -> bool:
    """Whether the candidate's words are in its passage, word for word."""
    return occurs_in(candidate.text, hits[candidate.hit].passage.text)


def _pairs(
    found: Sequence[Candidate], vectors: np.ndarray, hits: Sequence[Hit], cited: set[str]
) -> list[tuple[Candidate, Candidate, Conflict]]:
    """The conflicting pairs, closest in meaning first; each has a side in a cited passage."""
    similar = vectors @ vectors.T
    scored = []
    for i in range(len(found)):
        for j in range(i + 1, len(found)):
            a, b = found[i], found[j]
            if similar[i, j] < SAME_POINT or not _apart(a, b, hits):
                continue
            if not {hits[a.hit].passage.id, hits[b.hit].passage.id} & cited:
                continue
            dispute = conflict(a.text, b.text)
            if dispute is not None and _values_hold(dispute, a, b):
                scored.append((float(similar[i, j]), a, b, dispute))
    scored.sort(key=lambda item: -item[0])
    return [(a, b, dispute) for _, a, b, dispute in scored]


def _apart(a: Candidate, b: Candidate, hits: Sequence[Hit]) -> bool:
    """Whether two sentences are different voices: other articles, or other speakers."""
    if hits[a.hit].passage.article_id != hits[b.hit].passage.article_id:
        return True
    return _speaker(a) != _speaker(b)


def _speaker(candidate: Candidate) -> str:
    return candidate.said.speaker if candidate.said is not None else ""


def _values_hold(dispute: Conflict, a: Candidate, b: Candidate) -> bool:
    """Whether each side's value is in its own sentence (the check of each side)."""
    first, second = dispute.values
    return (not first or first in a.text) and (not second or second in b.text)


def _side(candidate: Candidate, hits: Sequence[Hit], number: int, value: str) -> Side:
    passage = hits[candidate.hit].passage
    return Side(
        text=candidate.text,
        number=number,
        passage_id=passage.id,
        start=candidate.start,
        end=candidate.end,
        outlet=passage.metadata.get("outlet"),
        published=passage.metadata.get("published"),
        title=passage.metadata.get("title"),
        speaker=_speaker(candidate),
        value=value,
    )


def _superseded(dispute: Conflict, sides: list[Side]) -> tuple[Side, ...]:
    """The sides, the older marked superseded where a later report gives another figure
    or date; the later side first."""
    dated = [side.published or "" for side in sides]
    if dispute.kind not in UPDATES or not all(dated) or dated[0][:10] == dated[1][:10]:
        return tuple(sides)
    newer, older = sorted(sides, key=lambda side: side.published or "", reverse=True)
    return newer, dataclasses.replace(older, superseded=True)
