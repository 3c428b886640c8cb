"""How BM25 is built for one index, chosen from the index's own passages (``choose``).

Two profiles, measured in ``bench/retrieval_quality.py`` (docs/BENCHMARKS.md):

- ``UNIFORM``, for passages of one kind (chunks of articles, abstracts, paragraphs): Lucene's
  BM25 with Anserini's BEIR defaults (k1 0.9, b 0.4), the article title indexed with each
  passage, BM25 weighted like the dense side in fusion.
- ``MIXED``, for an index where many articles are short items (news briefs, snippets, wire
  summaries) next to chunks of long articles: full length normalisation (b 1.0) and slow
  term saturation (k1 3.0), so that a long chunk does not outrank a brief on word count
  alone; titles left out of BM25, since they are repeated in every chunk of a long article
  and briefs rarely have one; and BM25 counted at half the dense side's weight.

An index is ``MIXED`` when at least ``SHORT_SHARE`` of its passages are whole articles
shorter than half the median passage. On the three benchmark corpora that share is 0.29
(rtqa-dev news), 0.03 (SQuAD paragraphs) and 0.001 (SciFact abstracts).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rag.types import Passage

#: Share of passages that are whole short articles from which an index counts as mixed.
SHORT_SHARE = 0.1


@dataclass(frozen=True)
class Profile:
    """BM25's parameters, what it indexes, and its weight in fusion."""

    name: str
    k1: float
    b: float
    titles: bool
    bm25_weight: float

    def text(self, passage: Passage) -> str:
        """What BM25 indexes of ``passage``."""
        return passage.embedding_text() if self.titles else passage.text

    def describe(self) -> str:
        """One line for ``rag stats``."""
        titles = "titles in" if self.titles else "titles out"
        return f"{self.name} (k1 {self.k1}, b {self.b}, {titles}, weight {self.bm25_weight})"

    def to_dict(self) -> dict[str, Any]:
        """As recorded with a snapshot."""
        return asdict(self)


UNIFORM = Profile("uniform", k1=0.9, b=0.4, titles=True, bm25_weight=1.0)
MIXED = Profile("mixed", k1=3.0, b=1.0, titles=False, bm25_weight=0.5)
PROFILES = {profile.name: profile for profile in (UNIFORM, MIXED)}


def short_share(passages: Sequence[Passage]) -> float:
    """Share of ``passages`` that are a whole article (its only passage) and shorter, in
    words, than half the median passage."""
    return short_share_of([words(p) for p in passages], [p.article_id for p in passages])


def short_share_of(lengths: Sequence[int], articles: Sequence[str]) -> float:
    """``short_share`` of passages with these lengths in words, of these articles."""
    if not lengths:
        return 0.0
    half = statistics.median(lengths) / 2
    per_article = Counter(articles)
    short = sum(per_article[a] == 1 and n < half for a, n in zip(articles, lengths, strict=True))
    return short / len(lengths)


def words(passage: Passage) -> int:
    """The length of ``passage`` in words, as ``short_share`` counts it."""
    return len(passage.text.split())


def choose(passages: Sequence[Passage]) -> Profile:
    """The profile for an index of ``passages``."""
    return choose_of([words(p) for p in passages], [p.article_id for p in passages])


def choose_of(lengths: Sequence[int], articles: Sequence[str]) -> Profile:
    """The profile for an index of passages with these lengths, of these articles."""
    return MIXED if short_share_of(lengths, articles) >= SHORT_SHARE else UNIFORM
