"""How well cited passages support an answer sentence.

A sentence is compared with the "units" of each cited passage: every sentence, every pair of
adjacent sentences (whose vector is the normalised sum of theirs, so nothing more is
embedded) and, for a sentence that falls short, the clauses of the long passage sentences
that match it best. The signals:

- similarity: the best cosine between the sentence's embedding and a unit's;
- coverage: the share of the sentence's content words (crudely stemmed) in the passage;
- names_missing: the share of its capitalised words (people, places) the passage lacks,
  speakers ("Abishev said") weighing half;
- two rules: a number the passage does not contain, and a contradiction by the best unit
  (a negation mismatch, "hopes to oust" against "is not hoping to oust", or an antonym,
  "growing" against "the decline of").

``z = SEMANTIC * similarity + LEXICAL * coverage - NAMES * names_missing``, at most ``CAP``
when a rule fires, and ``score = 1 / (1 + exp(-STEEPNESS * (z - MIDPOINT)))``: ``z`` at
``MIDPOINT`` scores 0.5, the default support threshold. A sentence copied from a passage
(up to case, quotes, whitespace and final punctuation) scores 1.0, its span the copied text.
A passage's score uses its best unit for the similarity and the rules and the whole passage
for coverage, names and numbers; the score of several passages together is computed the
same way over all their units and words, and is never below the best single passage's.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rag.embed.base import Embedder
from rag.text.claims import Claim, contradicts, known_name, negations, normalised
from rag.text.sentences import sentence_spans

Span = tuple[int, int]
Matrix = NDArray[np.float32]

#: Weights and calibration of the score (fitted on labelled seed-corpus pairs).
SEMANTIC = 0.6
LEXICAL = 0.4
NAMES = 0.25
MIDPOINT = 0.70
STEEPNESS = 12.0
#: Sentences of at least CLAUSE_SENTENCE words are also compared clause by clause (clauses of
#: at least CLAUSE_WORDS words) when the sentence falls short but CLAUSE_COVERAGE of its words
#: are in the passage; the clauses of the sentences of the best CLAUSE_UNITS units are used.
CLAUSE_SENTENCE = 12
CLAUSE_WORDS = 3
CLAUSE_COVERAGE = 0.5
CLAUSE_UNITS = 2
#: Passages scoring below this get the closer, clause by clause, look.
RESCUE_BELOW = 0.5
_CLAUSE = re.compile(r"[^,;:—–()]+")
#: Highest ``z`` a sentence with a missing number or a negation mismatch can reach.
CAP = 0.55

_OPENERS = frozenset("\"'“‘«([ \n")
_CLOSERS = frozenset(".!?…\"'”’»)] \n")


@dataclass(frozen=True)
class Support:
    """How well a sentence is supported by the passages it cites."""

    #: 0..1, the support of all cited passages together.
    score: float
    #: For each cited passage, the (start, end) offsets of its best supporting span(s).
    spans: tuple[tuple[Span, ...], ...]
    #: The score of each cited passage on its own.
    per_passage: tuple[float, ...]


@dataclass(frozen=True)
class Evidence:
    """The signals the score is computed from, for one scope (a unit or whole passages)."""

    similarity: float
    coverage: float
    names_missing: float
    numbers_missing: bool
    #: The best unit says the opposite (a negation mismatch, an antonym).
    contradiction: bool

    def linear(self) -> float:
        """``z`` before the rules apply."""
        return SEMANTIC * self.similarity + LEXICAL * self.coverage - NAMES * self.names_missing

    def score(self) -> float:
        """The calibrated support in 0..1."""
        z = self.linear()
        if self.numbers_missing or self.contradiction:
            z = min(z, CAP)
        return 1.0 / (1.0 + math.exp(-STEEPNESS * (z - MIDPOINT)))


def evidence(claim: Claim, scope: Claim, similarity: float, best_unit: Claim) -> Evidence:
    """How ``scope`` (a unit, a passage or several) bears on ``claim``."""
    coverage = len(claim.stems & scope.stems) / len(claim.stems) if claim.stems else 0.0
    weights = [(name, 1.0) for name in claim.names] + [(name, 0.5) for name in claim.speakers]
    missing = sum(weight for name, weight in weights if not known_name(name, scope.stems))
    total = sum(weight for _, weight in weights)
    return Evidence(
        similarity=max(0.0, similarity),
        coverage=coverage,
        names_missing=missing / max(total, 1.0),
        numbers_missing=bool(claim.numbers - scope.numbers),
        contradiction=contradicts(claim, best_unit),
    )


@dataclass(frozen=True)
class _Facts:
    """What scoring needs of one passage, computed once per passage text."""

    text: str
    #: Each sentence, then each pair of adjacent sentences.
    units: tuple[Span, ...]
    claims: tuple[Claim, ...]
    whole: Claim
    sentences: int
    #: The clauses of each long sentence (none for a short one).
    clauses: tuple[tuple[Span, ...], ...]
    folded: str
    offsets: list[int]

    @classmethod
    def of(cls, text: str) -> _Facts:
        spans = list(sentence_spans(text, quotes_whole=False))
        claims = [Claim.of(text[a:b]) for a, b in spans]
        pairs = range(len(spans) - 1)
        folded, offsets = normalised(text)
        return cls(
            text=text,
            units=tuple(spans + [(spans[i][0], spans[i + 1][1]) for i in pairs]),
            claims=tuple(claims + [claims[i] | claims[i + 1] for i in pairs]),
            whole=Claim.of(text),
            sentences=len(spans),
            clauses=tuple(_clauses(text, a, b) for a, b in spans),
            folded=folded,
            offsets=offsets,
        )

    def sentences_of(self, unit: int) -> tuple[int, ...]:
        """The sentences (indices) that unit ``unit`` is made of."""
        return (
            (unit,) if unit < self.sentences else (unit - self.sentences, unit - self.sentences + 1)
        )


def _clauses(text: str, start: int, end: int) -> tuple[Span, ...]:
    """The clauses of the sentence at ``start:end`` when it is long, split at punctuation."""
    if len(text[start:end].split()) < CLAUSE_SENTENCE:
        return ()
    found = []
    for match in _CLAUSE.finditer(text, start, end):
        a, b = match.span()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if len(text[a:b].split()) >= CLAUSE_WORDS:
            found.append((a, b))
    return tuple(found) if len(found) > 1 else ()


@dataclass(frozen=True)
class _Judgement:
    """How one passage bears on one sentence."""

    score: float
    span: Span | None
    similarity: float
    #: ``z`` of the best unit before the rules, to pick the best unit across passages.
    rank: float
    unit: Claim
    evidence: Evidence | None = None


class SupportScorer:
    """Scores answer sentences against passages; remembers the vectors it computed, so that
    texts seen before (passage sentences, repeated answers) are not embedded again."""

    def __init__(self, embedder: Embedder, cache_size: int = 50_000) -> None:
        self.embedder = embedder
        self.cache_size = cache_size
        self._vectors: dict[str, NDArray[np.float32]] = {}
        self._facts: dict[str, _Facts] = {}
        self._matrices: dict[str, Matrix] = {}
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Unit-length vectors of ``texts`` (one row each), embedding only unseen texts; safe to
        call from several threads (a cache cleared by one cannot fail another)."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
            if missing:
                rows = np.asarray(self.embedder.embed(missing), dtype=np.float32).reshape(
                    len(missing), -1
                )
                rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
                if len(self._vectors) + len(missing) > self.cache_size:
                    self._vectors.clear()
                    self._matrices.clear()
                self._vectors.update(zip(missing, rows, strict=True))
            if not texts:
                return np.zeros((0, 1), dtype=np.float32)
            return np.stack([self._vectors[t] for t in texts])

    def prepare(self, sentences: Sequence[str], passages: Sequence[str]) -> None:
        """Embed in one batch what scoring ``sentences`` against ``passages`` needs."""
        texts = list(sentences)
        for passage in passages:
            facts = self.facts(passage)
            texts.extend(passage[a:b] for a, b in facts.units[: facts.sentences])
        self.embed(texts)

    def facts(self, passage: str) -> _Facts:
        """What scoring needs of ``passage`` (cached by its text)."""
        facts = self._facts.get(passage)
        if facts is None:
            if len(self._facts) >= self.cache_size:
                self._facts.clear()
            facts = self._facts[passage] = _Facts.of(passage)
        return facts

    def score(self, sentence: str, passages: Sequence[str], headers: Sequence[str] = ()) -> Support:
        """How well ``passages`` (together, and each alone) support ``sentence``; each
        passage's header (its title, outlet, author and date: ``Passage.attribution``), when
        given, supports the names, words and numbers the sentence attributes to it."""
        if not passages:
            return Support(0.0, (), ())
        self.prepare([sentence], passages)
        claim = Claim.of(sentence)
        vector = self.embed([sentence])[0]
        sources = [Claim.of(header) for header in headers] or [Claim()] * len(passages)
        judged = [
            self._judge(sentence, claim, vector, self.facts(p), source)
            for p, source in zip(passages, sources, strict=True)
        ]
        per_passage = tuple(j.score for j in judged)
        best = max(judged, key=lambda j: j.rank)
        whole = Claim()
        for passage, source in zip(passages, sources, strict=True):
            whole |= self.facts(passage).whole | source
        similarity = max(j.similarity for j in judged)
        together = evidence(claim, whole, similarity, best.unit).score()
        spans = tuple(() if j.span is None else (j.span,) for j in judged)
        return Support(max(together, *per_passage), spans, per_passage)

    def _judge(
        self, sentence: str, claim: Claim, vector: Matrix, facts: _Facts, source: Claim
    ) -> _Judgement:
        copied = _verbatim(sentence, facts)
        if copied is not None:
            return _Judgement(1.0, copied, 1.0, math.inf, claim)
        if not facts.units:
            return _Judgement(0.0, None, 0.0, -math.inf, facts.whole)
        units = _Units(list(facts.units), list(facts.claims), [])
        units.similarities = (self._unit_vectors(facts) @ vector).tolist()
        judged = units.best(claim, facts.whole | source)
        if judged.score < RESCUE_BELOW and _worth_a_closer_look(judged):
            self._add_clauses(units, facts, claim, vector)
            judged = units.best(claim, facts.whole | source)
        return judged

    def _add_clauses(self, units: _Units, facts: _Facts, claim: Claim, vector: Matrix) -> None:
        """Add the clauses of the sentences that best match ``claim``, and each pair of
        adjacent clauses: a short claim may restate one clause of a long sentence."""
        ranks = units.ranks(claim)
        top = sorted(range(len(ranks)), key=ranks.__getitem__, reverse=True)[:CLAUSE_UNITS]
        chosen = sorted({i for unit in top for i in facts.sentences_of(unit)})
        for sentence in chosen:
            clauses = facts.clauses[sentence]
            if not clauses:
                continue
            vectors = self.embed([facts.text[a:b] for a, b in clauses])
            pairs = vectors[:-1] + vectors[1:]
            pairs /= np.maximum(np.linalg.norm(pairs, axis=1, keepdims=True), 1e-12)
            joined = [(clauses[i][0], clauses[i + 1][1]) for i in range(len(clauses) - 1)]
            for span, similarity in zip(
                [*clauses, *joined], np.concatenate([vectors, pairs]) @ vector, strict=True
            ):
                units.spans.append(span)
                units.claims.append(Claim.of(facts.text[span[0] : span[1]]))
                units.similarities.append(float(similarity))

    def _unit_vectors(self, facts: _Facts) -> Matrix:
        """Vectors of the units: a pair's is the normalised sum of its sentences' vectors."""
        matrix = self._matrices.get(facts.text)
        if matrix is None:
            singles = self.embed([facts.text[a:b] for a, b in facts.units[: facts.sentences]])
            pairs = singles[:-1] + singles[1:]
            pairs /= np.maximum(np.linalg.norm(pairs, axis=1, keepdims=True), 1e-12)
            matrix = self._matrices[facts.text] = np.concatenate([singles, pairs])
        return matrix


@dataclass
class _Units:
    """Parts of a passage a sentence is compared with, and their similarity to it."""

    spans: list[Span]
    claims: list[Claim]
    similarities: list[float]

    def ranks(self, claim: Claim) -> list[float]:
        """``z`` of each unit before the rules apply."""
        pairs = zip(self.claims, self.similarities, strict=True)
        return [evidence(claim, unit, similarity, unit).linear() for unit, similarity in pairs]

    def best(self, claim: Claim, whole: Claim) -> _Judgement:
        """The passage's judgement: its best unit, and the score of the whole passage."""
        ranks = self.ranks(claim)
        best = int(np.argmax(ranks))
        similarity = max(self.similarities)
        found = evidence(claim, whole, similarity, self.claims[best])
        return _Judgement(
            found.score(), self.spans[best], similarity, ranks[best], self.claims[best], found
        )


def _worth_a_closer_look(judged: _Judgement) -> bool:
    """Whether a passage that falls short might support the sentence after all: no rule
    fired and most of the sentence's words are in the passage."""
    found = judged.evidence
    if found is None or found.numbers_missing or found.contradiction:
        return False
    return found.coverage >= CLAUSE_COVERAGE


def _verbatim(sentence: str, facts: _Facts) -> Span | None:
    """Where ``sentence`` appears copied in the passage (up to case, quotes, whitespace and
    final punctuation), snapped to whole passage sentences when only punctuation differs."""
    needle = normalised(sentence)[0].rstrip(" .!?…")
    if needle.count(" ") < 2:
        return None
    folded = facts.folded
    found = folded.find(needle)
    while found >= 0:
        end = found + len(needle)
        edges = (folded[found - 1 : found], folded[end : end + 1])
        if not any(edge.isalnum() for edge in edges):
            span = _snap(facts, facts.offsets[found], facts.offsets[end - 1] + 1)
            if span is not None:
                return span
        found = folded.find(needle, found + 1)
    return None


def _snap(facts: _Facts, start: int, end: int) -> Span | None:
    """Widen a copied span to the passage sentences it fills; None when the start of its
    sentence negates it ('I do not believe that <copied text>')."""
    text = facts.text
    for a, b in facts.units[: facts.sentences]:
        if a <= start < b:
            if negations(text[a:start])[1]:
                return None
            start = a if set(text[a:start]) <= _OPENERS else start
        if a < end <= b and set(text[end:b]) <= _CLOSERS:
            end = b
    return start, end
