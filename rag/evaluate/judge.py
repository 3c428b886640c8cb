"""Entailment judges for citation recall and precision: does a premise support a claim?

Two judges: the configured LLM, asked a yes/no question, or the local support scorer of the
citation check, whose score is compared with ``RAG_SUPPORT_THRESHOLD``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Literal, Protocol

from rag.answer.prompts import JUDGE
from rag.check.support import SupportScorer
from rag.embed.factory import create_embedder
from rag.errors import ConfigError, LLMError
from rag.settings import Settings

JudgeKind = Literal["auto", "llm", "local"]


class Judge(Protocol):
    """Says whether passages, read together, entail a sentence."""

    #: "llm" or "local".
    kind: str
    #: What judged, for the report: the model and endpoint, or the scorer and its threshold.
    name: str
    #: How many questions may be judged at once.
    workers: int

    def entails(self, sentence: str, passages: Sequence[str], headers: Sequence[str] = ()) -> bool:
        """Whether ``passages`` (published as their ``headers`` say: title, outlet, author,
        date) entail ``sentence``."""
        ...


class LocalJudge:
    """The support scorer of the citation check, at the support threshold."""

    kind = "local"
    workers = 1  # bound by the CPU

    def __init__(self, scorer: SupportScorer, threshold: float) -> None:
        self.scorer = scorer
        self.threshold = threshold
        self.name = f"local support scorer (threshold {threshold:g})"

    def entails(self, sentence: str, passages: Sequence[str], headers: Sequence[str] = ()) -> bool:
        score = self.scorer.score(sentence, list(passages), list(headers)).score
        return score >= self.threshold


class LLMJudge:
    """The configured chat model, asked whether the premise entails the claim."""

    kind = "llm"

    def __init__(self, settings: Settings, workers: int = 4) -> None:
        from rag.answer.client import ChatClient

        model = settings.judge_model or settings.llm_model
        self.chat = ChatClient(settings.model_copy(update={"llm_model": model}))
        self.name = f"LLM {model} at {self.chat.endpoint}"
        self.workers = workers
        self._cache: dict[tuple[str, tuple[str, ...], tuple[str, ...]], bool] = {}
        self._lock = threading.Lock()

    def entails(self, sentence: str, passages: Sequence[str], headers: Sequence[str] = ()) -> bool:
        key = (sentence, tuple(passages), tuple(headers))
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        tops = list(headers) or [""] * len(passages)
        premise = "\n\n".join(
            f"({top})\n{' '.join(p.split())}" if top else " ".join(p.split())
            for top, p in zip(tops, passages, strict=True)
        )
        premise = premise.replace("</premise", "\u2039/premise")  # cannot close the premise
        reply = self.chat.complete(JUDGE.format(premise=premise, claim=sentence))
        verdict = _verdict(reply)
        if verdict is None:
            short = " ".join(reply.split())[:80]
            raise LLMError(f"the judge {self.name} answered neither yes nor no: {short!r}")
        with self._lock:
            self._cache[key] = verdict
        return verdict


def _verdict(reply: str) -> bool | None:
    """True for a reply starting "yes", False for "no", None for anything else."""
    words = reply.strip().lstrip("*_\"'`").split(maxsplit=1)
    first = words[0].strip(".,:;!*_\"'`").lower() if words else ""
    return {"yes": True, "no": False}.get(first)


def create_judge(
    settings: Settings, kind: JudgeKind, scorer: SupportScorer | None, workers: int = 4
) -> Judge:
    """The judge ``kind`` names; ``auto`` is the LLM when one is configured, else local."""
    if kind == "llm" and not settings.llm_configured:
        raise ConfigError("--judge llm needs OPENAI_API_KEY or OPENAI_BASE_URL to be set")
    if kind == "llm" or (kind == "auto" and settings.llm_configured):
        return LLMJudge(settings, workers)
    if scorer is None:
        scorer = SupportScorer(create_embedder(settings, light=True))
    return LocalJudge(scorer, settings.support_threshold)
