"""The offline answerer: the most relevant, non-redundant sentences of the retrieved
passages, each cited, the likeliest answering sentence first.

Each sentence of the passages is scored against the question by embedding similarity
and by the share of the question's content words it contains; maximal marginal
relevance (MMR) then picks sentences that are relevant and not near-copies of one
already picked, each reaching ``KEEP_RATIO`` of the best one's relevance. Picking adds a
little for the passage's rank and for an article's first quotable sentence (news puts the
key fact first), so of near-equal sentences those come first. When no sentence reaches
``min_relevance`` the answer is the "cannot answer" sentinel; no sentence below it is ever
quoted, whatever it would add.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rag.answer.base import Embed, History
from rag.answer.condense import condense_offline
from rag.answer.prompts import CANNOT_ANSWER
from rag.settings import Settings
from rag.text.claims import stem
from rag.text.quotations import inside_quotation, quotation_spans
from rag.text.sentences import content_words, flow, sentence_spans
from rag.text.verbatim import occurs_in
from rag.types import Attribution, Hit

#: Weight of embedding similarity against word overlap in a sentence's relevance.
SEMANTIC = 0.6
#: Added to a sentence's relevance when picking and ordering (not when refusing): this
#: over the rank of its passage (1 for the first), and this for an article's first sentence.
RANK_PRIOR = 0.1
LEDE_PRIOR = 0.1
#: MMR trade-off between relevance and novelty.
MMR_LAMBDA = 0.7
#: A picked sentence must reach this share of the best sentence's relevance (and the
#: refusal threshold): broad questions get several sentences, pointed ones few.
KEEP_RATIO = 0.75
#: Cosine above which a sentence repeats one already picked (overlapping passages
#: share sentences) and is never picked.
REPEAT = 0.9
#: Sentences shorter than this (in words) are headings or fragments, not answers; longer
#: than ``MAX_WORDS``, too long to quote as an answer sentence.
MIN_WORDS = 6
MAX_WORDS = 100
#: How a quotable sentence opens (a capital, a digit, or a quote or bracket before one) and
#: closes (a full stop or exclamation, then perhaps closing quotes and brackets).
_OPENING = re.compile(r"""["'“‘«(\[]?[^\W_a-z]""")
_CLOSING = re.compile(r"""[.!…]["'”’»)\]]*$""")


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, and who says it when the passage's text does not
    speak in its own voice."""

    hit: int
    start: int
    end: int
    text: str
    said: Attribution | None = None


def candidates(hits: Sequence[Hit]) -> list[Candidate]:
    """The whole sentences of the passages that could answer something, each as it reads in
    its passage: not questions, fragments, headings or bylines, nor words inside a quotation
    whose speaker is not known (recorded attributions, ``rag.text.attribution``). A sentence
    of a known speaker's quotation is the words inside the quotation marks only."""
    found: list[Candidate] = []
    for index, hit in enumerate(hits):
        text = hit.passage.text
        spans = list(sentence_spans(text))
        said = hit.passage.attributions or ()
        recorded = hit.passage.quotations
        quoted = quotation_spans(text) if recorded is None else recorded
        for start, end in spans:
            speaker = speaking(said, start, end)
            if inside_quotation(start, end, quoted):
                if speaker is None or speaker.kind != "direct":
                    continue  # a speaker's words, and the speaker unknown
                start, end = max(start, speaker.start + 1), min(end, speaker.end - 1)
            sentence = flow(text[start:end])
            if hit.passage.ends_article and (start, end) == spans[-1]:
                sentence = finished(sentence)
            if whole_sentence(sentence) and occurs_in(sentence, text):
                found.append(Candidate(index, start, end, sentence, speaker))
    return found


def speaking(said: Sequence[Attribution], start: int, end: int) -> Attribution | None:
    """The attribution covering most of ``start:end`` (a sentence), if one covers half."""
    best, most = None, (end - start) / 2
    for attribution in said:
        covered = min(end, attribution.end) - max(start, attribution.start)
        if covered >= most and attribution.speaker:
            best, most = attribution, covered
    return best


def finished(sentence: str) -> str:
    """The last sentence of an article, which may lack its full stop (a news snippet: "…was
    banned after violating rules on ‘platform manipulation and spam’"), with one."""
    if _CLOSING.search(sentence) or sentence.endswith(("?", ":", ",", ";", "-", "—")):
        return sentence
    return f"{sentence}."


def whole_sentence(sentence: str) -> bool:
    """Whether ``sentence`` (one line) is a whole statement that can be quoted as it stands:
    long enough, not too long, opening like a sentence, closing with a full stop (quotes
    and brackets after it allowed), with its quotation marks paired, and read back as one
    sentence when it is parsed again from an answer."""
    words = len(sentence.split())
    if not MIN_WORDS <= words <= MAX_WORDS or not _OPENING.match(sentence):
        return False
    if not _CLOSING.search(sentence) or not paired_quotes(sentence):
        return False
    return list(sentence_spans(sentence)) == [(0, len(sentence))]


def paired_quotes(text: str) -> bool:
    """Whether every quotation in ``text`` that opens also closes, and the other way round."""
    pairs = (("“", "”"), ("«", "»"))
    return all(text.count(a) == text.count(b) for a, b in pairs) and text.count('"') % 2 == 0


def overlap(question: str, sentences: Sequence[str]) -> NDArray[np.float64]:
    """Share of the question's content words (stemmed) found in each sentence."""
    wanted = {stem(w) for w in content_words(question)}
    if not wanted:
        return np.zeros(len(sentences))
    return np.array(
        [len(wanted & {stem(w) for w in content_words(s)}) / len(wanted) for s in sentences]
    )


def standing(found: Sequence[Candidate], hits: Sequence[Hit]) -> NDArray[np.float64]:
    """What each candidate's place adds when picking: its passage's rank, and whether it
    opens its article (the first candidate of the article's first passage)."""
    openers = {
        next(i for i, c in enumerate(found) if c.hit == hit) for hit in {c.hit for c in found}
    }
    return np.array(
        [
            RANK_PRIOR / (1 + c.hit)
            + LEDE_PRIOR * (i in openers and hits[c.hit].passage.ordinal == 0)
            for i, c in enumerate(found)
        ]
    )


def mmr(
    relevance: NDArray[np.float64],
    priority: NDArray[np.float64],
    vectors: NDArray[np.float32],
    count: int,
    least: float,
) -> list[int]:
    """Indices picked by maximal marginal relevance of ``priority``, best first, none whose
    ``relevance`` is below ``least`` or ``KEEP_RATIO`` of the best."""
    picked: list[int] = []
    floor = max(KEEP_RATIO * float(relevance.max()), least)
    similarity = vectors @ vectors.T
    while len(picked) < count:
        redundancy = similarity[:, picked].max(axis=1) if picked else np.zeros(len(relevance))
        gain = MMR_LAMBDA * priority - (1 - MMR_LAMBDA) * redundancy
        gain[picked] = -np.inf
        gain[relevance < floor] = -np.inf
        gain[redundancy >= REPEAT] = -np.inf
        best = int(np.argmax(gain))
        if not np.isfinite(gain[best]):
            break
        picked.append(best)
    return picked


class ExtractiveAnswerer:
    """Answers by quoting the retrieved passages; needs no LLM."""

    mode = "extractive"
    model = "extractive"

    def __init__(self, settings: Settings, embed: Embed) -> None:
        self.embed = embed
        self.sentences = settings.answer_sentences
        self.min_relevance = settings.min_relevance

    def answer(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        """The chosen sentences with their citations, in one piece."""
        yield self.compose(question, hits)

    def condense(self, question: str, history: History) -> str:
        """The offline follow-up rule (see ``condense_offline``)."""
        return condense_offline(question, history)

    def relevance(
        self, question: str, found: Sequence[Candidate]
    ) -> tuple[NDArray[np.float64], NDArray[np.float32]]:
        """How well each candidate sentence answers ``question`` (0..1), and the sentences'
        vectors (for MMR)."""
        vectors = self.embed([question, *(c.text for c in found)])
        similarity = np.clip(vectors[1:] @ vectors[0], 0.0, 1.0).astype(np.float64)
        lexical = overlap(question, [c.text for c in found])
        return SEMANTIC * similarity + (1 - SEMANTIC) * lexical, vectors[1:]

    def compose(self, question: str, hits: Sequence[Hit]) -> str:
        """The answer text: picked sentences in ``answer_order``, each followed by ``[n]``."""
        found = candidates(hits)
        if not found:
            return CANNOT_ANSWER
        relevance, vectors = self.relevance(question, found)
        if float(relevance.max()) < self.min_relevance:
            return CANNOT_ANSWER
        priority = relevance + standing(found, hits)
        picked = mmr(relevance, priority, vectors, self.sentences, self.min_relevance)
        return " ".join(
            f"{voiced(found[i], hits)} [{found[i].hit + 1}]" for i in answer_order(found, picked)
        )


def voiced(candidate: Candidate, hits: Sequence[Hit]) -> str:
    """The candidate as the answer says it: a speaker's words after their name (role,
    outlet: ``Attribution.label``) and a colon, in quotation marks unless they hold their own;
    a sentence whose own words name its speaker, or in the source's voice, as it reads."""
    said = candidate.said
    marked = any(mark in candidate.text for mark in '“”«»"')
    own = said is not None and not said.continued and names(candidate, said)
    if said is None or (own and (said.kind != "direct" or marked)):
        return candidate.text
    label = said.label(hits[candidate.hit].passage.metadata.get("outlet"))
    if marked:
        return f"{label}: {candidate.text}"
    return f"{label}: “{candidate.text}”"


def names(candidate: Candidate, said: Attribution) -> bool:
    """Whether the candidate's own words name its speaker (a surname, an outlet, "insiders")."""
    words = said.speaker.split()
    return bool(words) and words[-1].lower() in candidate.text.lower()


def answer_order(found: Sequence[Candidate], picked: Sequence[int]) -> list[int]:
    """The most relevant sentence first, then the others grouped by passage (passages in
    the order their best sentence was picked) and in text order within a passage."""
    first_pick: dict[int, int] = {}
    for rank, i in enumerate(picked):
        first_pick.setdefault(found[i].hit, rank)
    rest = sorted(picked[1:], key=lambda i: (first_pick[found[i].hit], found[i].start))
    return [*picked[:1], *rest]
