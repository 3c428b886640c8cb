"""What an evaluation measures, per question and in total.

Per question:

- retrieval: which gold quotes are in a retrieved passage (recall@k) and the rank of the
  first passage holding one (for MRR);
- citations as ALCE defines them (Gao et al., 2023): a sentence is supported when the
  passages it cites, read together, entail it (citation recall: supported sentences over
  sentences); a citation is irrelevant when it alone does not entail its sentence and the
  sentence's other citations do (citation precision: relevant citations over citations; a
  citation of an unsupported sentence is not relevant). Sentences saying the "cannot
  answer" sentinel are not counted. Only answered questions are scored this way;
- citation correctness: whether the answer cites a passage holding a gold quote;
- refusal: whether the answer is the sentinel;
- keywords: which ``answer_keywords`` the answer's text contains.

Totals average the per-question figures over the questions each applies to; questions
that failed are counted as such and left out of every average.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from rag.check.citations import is_cannot_answer
from rag.evaluate.gold import GoldItem, contains, holds_any
from rag.evaluate.judge import Judge
from rag.ingest.injection import in_passage
from rag.text.verbatim import misquote
from rag.types import Answer, headers


@dataclass
class QuestionResult:
    """How one question was answered, measured against its gold."""

    id: str
    question: str
    answerable: bool
    answer: str = ""
    error: str = ""
    refused: bool = False
    retrieved: int = 0
    #: 1-based rank of the first retrieved passage holding a gold quote.
    gold_rank: int | None = None
    quotes: int = 0
    quotes_retrieved: int = 0
    #: Whether the answer cites a passage holding a gold quote (answerable questions).
    cites_gold: bool | None = None
    sentences: int = 0
    entailed: int = 0
    citations: int = 0
    relevant: int = 0
    keywords: int = 0
    missing_keywords: list[str] = field(default_factory=list)
    #: The citation check's support score of each sentence, as the answer carries it.
    support: list[float] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        return not self.error

    @property
    def keywords_found(self) -> int:
        return self.keywords - len(self.missing_keywords)

    @property
    def citation_recall(self) -> float | None:
        if not self.scored or self.refused or not self.sentences:
            return None
        return self.entailed / self.sentences

    @property
    def citation_precision(self) -> float | None:
        if not self.scored or self.refused or not self.sentences:
            return None
        return self.relevant / self.citations if self.citations else 0.0

    @property
    def problems(self) -> list[str]:
        """What went wrong, worst first; empty when the question was handled well."""
        if self.error:
            return [f"failed: {self.error}"]
        found: list[str] = []
        if self.answerable and self.refused:
            found.append("refused an answerable question")
        if not self.answerable and not self.refused:
            found.append("answered a question the corpus cannot answer")
        if self.answerable and self.quotes_retrieved < self.quotes:
            found.append(f"{self.quotes - self.quotes_retrieved} of {self.quotes} gold quotes "
                         "not retrieved")  # fmt: skip
        if self.answerable and not self.refused and not self.cites_gold:
            found.append("cites no passage holding a gold quote")
        if not self.refused and self.entailed < self.sentences:
            found.append(f"{self.sentences - self.entailed} of {self.sentences} sentences "
                         "not supported by their citations")  # fmt: skip
        irrelevant = self.citations - self.relevant
        if not self.refused and self.entailed == self.sentences and irrelevant:
            found.append(f"{irrelevant} irrelevant citation{'s' if irrelevant > 1 else ''}")
        if self.missing_keywords:
            found.append(f"missing keywords: {', '.join(self.missing_keywords)}")
        return found

    def to_dict(self) -> dict[str, Any]:
        """The record in the JSON report, with the derived figures."""
        data = dict(self.__dict__)
        data.update(keywords_found=self.keywords_found, citation_recall=self.citation_recall,
                    citation_precision=self.citation_precision,
                    problems=self.problems)  # fmt: skip
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuestionResult:
        """The record ``to_dict`` wrote (its derived figures worked out again); a field a
        report written before it existed lacks takes its default."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in names})


def score_answer(item: GoldItem, answer: Answer, judge: Judge) -> QuestionResult:
    """``answer`` measured against ``item``, citations judged by ``judge``."""
    result = QuestionResult(item.id, item.ask.question, item.answerable, answer.text)
    result.refused = not answer.answered
    result.retrieved = len(answer.retrieved)
    result.support = [round(s.support, 4) for s in answer.sentences if s.citations]
    quotes = item.gold_quotes
    if quotes:
        passages = [p.text for p in answer.retrieved]
        result.quotes = len(quotes)
        result.quotes_retrieved = sum(any(contains(p, q) for p in passages) for q in quotes)
        ranks = [n for n, text in enumerate(passages, start=1) if holds_any(text, quotes)]
        result.gold_rank = ranks[0] if ranks else None
    if item.answerable:
        cited = [t for s in answer.sources for t in (s.passage, *s.also_in)]
        result.cites_gold = any(holds_any(p.text, quotes) for p in cited)
    if item.answer_keywords:
        result.keywords = len(item.answer_keywords)
        result.missing_keywords = [k for k in item.answer_keywords if not contains(answer.text, k)]
    if answer.answered:
        _judge_citations(result, answer, judge)
    return result


def _judge_citations(result: QuestionResult, answer: Answer, judge: Judge) -> None:
    """ALCE citation recall and precision counts of ``answer``, into ``result``. A sentence
    that misquotes its cited passages (``rag.text.verbatim``; an extractive sentence is a quote
    of the passage it cites) is not supported, whatever the judge says; nor is a passage
    holding instructions to the model (``rag.ingest.injection``) evidence for any sentence."""
    passages = {source.number: source.passage for source in answer.sources}
    for sentence in answer.sentences:
        if is_cannot_answer(sentence.text):
            continue
        cited = [passages[n] for n in sentence.citations if n in passages]
        evidence = [p for p in cited if not in_passage(p)]
        premise = Premise([p.text for p in evidence], headers(evidence))
        words = sentence.words()
        faithful = not misquote(words, premise.texts, answer.mode == "extractive")
        supported = bool(evidence) and faithful and premise.entails(words, judge)
        result.sentences += 1
        result.entailed += supported
        result.citations += len(cited)
        if supported and len(evidence) > 1:
            needed = (premise.needed(words, i, judge) for i in range(len(evidence)))
            result.relevant += sum(needed)
        else:
            result.relevant += supported


@dataclass(frozen=True)
class Premise:
    """The passages a sentence cites, with their headers (title, outlet, author, date)."""

    texts: list[str]
    headers: list[str]

    def entails(self, sentence: str, judge: Judge) -> bool:
        return judge.entails(sentence, self.texts, self.headers)

    def without(self, i: int) -> Premise:
        """The premise less its ``i``-th passage."""
        keep = [j for j in range(len(self.texts)) if j != i]
        return Premise([self.texts[j] for j in keep], [self.headers[j] for j in keep])

    def only(self, i: int) -> Premise:
        return Premise([self.texts[i]], [self.headers[i]])

    def needed(self, sentence: str, i: int, judge: Judge) -> bool:
        """Whether citation ``i`` is relevant: it entails the sentence alone, or the others
        do not."""
        if self.only(i).entails(sentence, judge):
            return True
        return not self.without(i).entails(sentence, judge)


def metric(label: str) -> Any:
    """A field of ``Totals`` that is a metric, with how it reads in a report."""
    return field(default=None, metadata={"label": label})


@dataclass(frozen=True)
class Totals:
    """The run's figures: counts, then each metric averaged where it applies (None where
    no question it applies to was scored). A metric is a field made with ``metric`` (in
    the order reports show them) and its figure in ``totals``: nothing else lists them."""

    questions: int = 0
    answerable: int = 0
    unanswerable: int = 0
    failed: int = 0
    k: int = 0
    recall_at_k: float | None = metric("Retrieval recall@k of gold quotes")
    mrr: float | None = metric("Retrieval MRR (first passage holding a gold quote)")
    citation_recall: float | None = metric("Citation recall (ALCE)")
    citation_precision: float | None = metric("Citation precision (ALCE)")
    citation_correct: float | None = metric("Answers citing a gold passage")
    unanswerable_refused: float | None = metric("Unanswerable questions refused")
    answerable_refused: float | None = metric(
        "Answerable questions wrongly refused (lower is better)"
    )
    keyword_accuracy: float | None = metric("Answer keywords found")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Totals:
        """The totals of a report (one written before a metric existed lacks it: None)."""
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


def totals(results: Sequence[QuestionResult]) -> Totals:
    """The run's figures over ``results``."""
    scored = [r for r in results if r.scored]
    answerable = [r for r in scored if r.answerable]
    unanswerable = [r for r in scored if not r.answerable]
    with_quotes = [r for r in scored if r.quotes]
    with_keywords = [r for r in scored if r.keywords]
    return Totals(
        questions=len(results),
        answerable=sum(r.answerable for r in results),
        unanswerable=sum(not r.answerable for r in results),
        failed=len(results) - len(scored),
        k=max((r.retrieved for r in scored), default=0),
        recall_at_k=_mean(r.quotes_retrieved / r.quotes for r in with_quotes),
        mrr=_mean(1 / r.gold_rank if r.gold_rank else 0.0 for r in with_quotes),
        citation_recall=_mean(r.citation_recall for r in scored),
        citation_precision=_mean(r.citation_precision for r in scored),
        citation_correct=_mean(bool(r.cites_gold) for r in answerable),
        unanswerable_refused=_mean(r.refused for r in unanswerable),
        answerable_refused=_mean(r.refused for r in answerable),
        keyword_accuracy=_mean(r.keywords_found / r.keywords for r in with_keywords),
    )


def _mean(values: Any) -> float | None:
    present = [float(v) for v in values if v is not None]
    return round(fmean(present), 4) if present else None


#: The metrics of ``Totals`` with how they read in a report, in the order shown.
METRICS = {f.name: f.metadata["label"] for f in dataclasses.fields(Totals) if f.metadata}
