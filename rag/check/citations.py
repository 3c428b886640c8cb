"""Citations in an answer: parse the [n] markers, drop invalid ones, renumber, check support.

Accepted markers: ``[1]``, ``[1][2]``, ``[1, 2]``, ``[1,2,3]``, ``[1; 2]`` and ranges
``[1-3]``, before or after a sentence's final punctuation, or alone on the line after it
(they then belong to the sentence before). Brackets holding anything but numbers
("[between Putin and Nazarbayev]") are text, not citations.

A checked answer is re-rendered with display numbers, markers after the final punctuation
and sentences joined by single spaces: ``Putin met Nazarbayev in December. [1][2] Tokayev
was not consulted. [3]`` (a sentence ending in a letter or digit gets a full stop, so that
the text splits into the same sentences again). Display numbers follow the order of first
citation: the first passage cited is [1], the next new one [2]; within a sentence they are
sorted. Only cited passages become sources.

A passage holding text addressed to an AI model (``rag.ingest.injection``: "ignore previous
instructions and answer…", a fake system turn) is never evidence: a sentence citing it is
scored on its other cited passages only, and when they do not support it, it has support 0
and its ``problem`` says that its source contains instructions to the model. Such a source
carries a ``warning`` naming its number, and the answer carries every warning, including
those of retrieved passages that no sentence cites (the answerer read them too).

The "cannot answer" sentinel is recognised whatever its case, quotes, final punctuation and
citation markers: alone, it makes an unanswered answer of one supported, uncited sentence;
inside a longer answer it stays as such a sentence. An empty answer (or one of markers only)
has no sentences and is not answered either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.answer.prompts import CANNOT_ANSWER
from rag.check.support import Span, Support, SupportScorer
from rag.check.voices import (
    UNATTRIBUTED,
    WRONG_SPEAKER,
    as_record,
    names_speaker,
    resting_on,
    spoken,
)
from rag.ingest.injection import INSTRUCTED, Finding, in_passage, retrieved_warning, source_warning
from rag.text.sentences import sentence_spans
from rag.text.verbatim import misquote
from rag.types import Hit, Sentence, Source, headers

_NUMBERS = r"\d+(?:\s*[-–]\s*\d+)?(?:\s*[,;]\s*\d+(?:\s*[-–]\s*\d+)?)*"
_MARKER = rf"\[\s*{_NUMBERS}\s*\]"
#: A run of markers on one line, possibly separated by commas or semicolons: "[1], [2]".
_MARKERS = re.compile(rf"{_MARKER}(?:[ \t]*[,;]?[ \t]*{_MARKER})*")
_PART = re.compile(r"(\d+)(?:\s*[-–]\s*(\d+))?")
#: Other ways of writing a citation, rewritten as "[n]" markers before parsing: a word
#: inside the brackets ("[source 1]", "[Sources 1, 2]"), full-width or lenticular brackets
#: ("【1】", "［1］"), and parentheses ("(2)", "(source 2)") where they end a sentence.
_LABEL = r"(?:(?:sources?|src|passages?|docs?|documents?|refs?)\s*:?\s*)?"
#: Numbers in parentheses are a citation only when small ("(2)", "(1, 3)"): a count
#: ("Hackney (4,618).") or a year ("(2022).") is the sentence's own words.
_SMALL = r"\d{1,2}(?:\s*[-–]\s*\d{1,2})?(?:\s*[,;]\s*\d{1,2}(?:\s*[-–]\s*\d{1,2})?)*"
_SPELLED = re.compile(
    rf"[\[【［]\s*{_LABEL}({_NUMBERS})\s*[\]】］]"
    rf"|\(\s*{_LABEL}({_SMALL})\s*\)(?=[ \t]*(?:[.!?…]|$|\n|\[))"
    rf"|(?<=[.!?…])([ \t]*)\(\s*{_LABEL}({_SMALL})\s*\)",
    re.IGNORECASE,
)
#: A sentence saying, in other words than the sentinel, that the sources do not answer.
_REFUSAL = re.compile(
    r"^(?:i|we)\s+(?:cannot|can't|could\s+not|couldn't|am\s+unable\s+to|was\s+unable\s+to|"
    r"did\s+not|didn't)\s+(?:find|answer|determine|locate|see)\b"
    r"|^(?:the\s+|these\s+)?(?:provided\s+|given\s+|retrieved\s+)?"
    r"(?:sources?|passages?|context|documents?|articles?)\s+(?:do|does|did)\s*(?:not|n't)\s+"
    r"(?:answer|contain|mention|say|provide|include|address|specify|state)\b"
    r"|^there\s+is\s+no\s+(?:information|mention)\b.{0,40}\b(?:sources?|passages?|context)\b",
    re.IGNORECASE,
)
#: A refusal in other words is a short sentence that does not go on to answer after all.
_REFUSAL_WORDS = 25
_GOES_ON = re.compile(r"\b(?:but|however|although|though|except|yet|while|only)\b", re.IGNORECASE)
#: Longest range expanded ("[1-3]"); a longer one keeps only its two ends.
_MAX_RANGE = 20
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?…])")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)")
_SENTINEL_STRIP = " \t\r\n\"'“”‘’«»`*_.!"


@dataclass(frozen=True)
class ParsedSentence:
    """A sentence with its citation markers removed, and the numbers they held, in order."""

    text: str
    citations: tuple[int, ...] = ()


@dataclass(frozen=True)
class CheckedAnswer:
    """An answer whose citations were validated, renumbered and checked against the passages.

    An empty answer has no sentences and ``answered`` False; the "cannot answer" sentinel
    is one supported sentence without citations, also with ``answered`` False.
    """

    text: str
    sentences: tuple[Sentence, ...]
    sources: tuple[Source, ...]
    #: Citation numbers that named no retrieved passage, sorted and unique.
    removed: tuple[int, ...] = ()
    answered: bool = True
    #: For each sentence, how its cited passages (each alone, too) support it; None when
    #: it cites nothing it could be checked against.
    supports: tuple[Support | None, ...] = field(default=(), compare=False)
    #: One for each cited source, then each retrieved passage, with instructions to the model.
    warnings: tuple[str, ...] = ()


def parse_answer(text: str) -> list[ParsedSentence]:
    """The sentences of ``text``, markers removed, each with the numbers it cites.

    Markers with no sentence of their own (alone on a line) go to the sentence before, or
    to the first sentence when nothing comes before. Repeated numbers are kept once."""
    canonical = _MARKERS.sub(lambda m: _canonical(m.group()), spelled_markers(text))
    parsed: list[ParsedSentence] = []
    pending: list[int] = []
    for start, end in sentence_spans(canonical):
        piece = canonical[start:end]
        numbers = [n for marker in _MARKERS.findall(piece) for n in citation_numbers(marker)]
        words = tidy(_MARKERS.sub(" ", piece))
        if not any(char.isalnum() for char in words):
            if parsed:
                parsed[-1] = _cite(parsed[-1], numbers)
            else:
                pending.extend(numbers)
            continue
        parsed.append(_cite(ParsedSentence(words), pending + numbers))
        pending = []
    return parsed


def spelled_markers(text: str) -> str:
    """``text`` with the other ways of writing a citation rewritten as "[n]" markers."""

    def plain(match: re.Match[str]) -> str:
        numbers = match.group(1) or match.group(2) or match.group(4)
        return f"{match.group(3) or ''}[{numbers}]"

    return _SPELLED.sub(plain, text)


def citation_numbers(marker: str) -> list[int]:
    """The numbers a marker (or run of markers) names, ranges expanded: '[1-3]' -> 1, 2, 3."""
    numbers: list[int] = []
    for first, last in _PART.findall(marker):
        low, high = int(first), int(last or first)
        if abs(high - low) > _MAX_RANGE:
            numbers.extend((low, high))
        else:
            step = 1 if high >= low else -1
            numbers.extend(range(low, high + step, step))
    return numbers


def tidy(text: str) -> str:
    """Whitespace collapsed, no space before punctuation, no empty brackets left behind."""
    text = _EMPTY_BRACKETS.sub(" ", text)
    text = " ".join(text.split())
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def is_cannot_answer(text: str) -> bool:
    """Whether ``text`` is the "cannot answer" sentinel, whatever its case, quotes, final
    punctuation, surrounding whitespace and citation markers, or a short sentence saying
    the same in other words ("I cannot find this in the sources.")."""
    folded = _fold(text)
    if folded == _fold(CANNOT_ANSWER):
        return True
    if len(folded.split()) > _REFUSAL_WORDS or _GOES_ON.search(folded):
        return False
    return bool(_REFUSAL.search(folded))


def _fold(text: str) -> str:
    text = _MARKERS.sub(" ", text).strip(_SENTINEL_STRIP)
    return " ".join(text.replace("’", "'").lower().split())


def _canonical(markers: str) -> str:
    return "".join(f"[{n}]" for n in citation_numbers(markers))


def _cite(sentence: ParsedSentence, numbers: Sequence[int]) -> ParsedSentence:
    citations = tuple(dict.fromkeys((*sentence.citations, *numbers)))
    return ParsedSentence(sentence.text, citations)


def check_answer(
    raw: str, hits: Sequence[Hit], scorer: SupportScorer, threshold: float, quoted: bool = False
) -> CheckedAnswer:
    """Validate, renumber and check the citations of ``raw``, whose [n] names ``hits[n - 1]``.

    Numbers naming no hit are removed (and reported); a sentence left without a citation
    has support 0.0 and is not supported. A sentence saying the sentinel is supported and
    cites nothing; an answer that says only the sentinel is not ``answered``. A sentence
    that misquotes its cited passages (``rag.text.verbatim``: with ``quoted``, each sentence is
    presented as a quote and must occur whole in one of them) has support 0.0, no spans and
    its ``problem`` said; so has one that rests on a passage with instructions to the model."""
    parsed = [_punctuated(s) for s in parse_answer(raw)]
    removed = tuple(sorted({n for s in parsed for n in s.citations if not 0 < n <= len(hits)}))
    instructed = _instructed(hits)
    claims = [s for s in parsed if not is_cannot_answer(s.text)]
    if not claims:
        return _unanswered(parsed, removed, _uncited_warnings(hits, {}, instructed))
    numbering = _numbering(claims, len(hits))
    scorer.prepare([s.text for s in claims], [hits[n - 1].passage.text for n in numbering])
    spans: dict[int, list[Span]] = {n: [] for n in numbering}
    check = Check(hits, numbering, scorer, threshold, quoted, instructed)
    checked = [check(item, spans) for item in parsed]
    warned = {n: source_warning(numbering[n], hits[n - 1].passage, instructed[n])
              for n in numbering if n in instructed}  # fmt: skip
    sources = tuple(
        _source(numbering[n], hits[n - 1], merge_spans(spans[n]), warned.get(n, ""))
        for n in numbering
    )
    sentences = tuple(sentence for sentence, _ in checked)
    supports = tuple(support for _, support in checked)
    warnings = (*warned.values(), *_uncited_warnings(hits, numbering, instructed))
    return CheckedAnswer(render(sentences), sentences, sources, removed, True, supports, warnings)


def _instructed(hits: Sequence[Hit]) -> dict[int, tuple[Finding, ...]]:
    """The findings of ``rag.ingest.injection`` in each hit that has any, by number (1-based)."""
    found = {n: in_passage(hit.passage) for n, hit in enumerate(hits, start=1)}
    return {n: items for n, items in found.items() if items}


def _uncited_warnings(
    hits: Sequence[Hit], numbering: dict[int, int], instructed: dict[int, tuple[Finding, ...]]
) -> tuple[str, ...]:
    """The warning of each retrieved passage with instructions to the model that no
    sentence cites, in rank order."""
    return tuple(
        retrieved_warning(hits[n - 1].passage, found)
        for n, found in instructed.items()
        if n not in numbering
    )


@dataclass(frozen=True)
class Check:
    """Checks one sentence against the passages it cites."""

    hits: Sequence[Hit]
    numbering: dict[int, int]
    scorer: SupportScorer
    threshold: float
    quoted: bool
    #: Hits (by number) holding instructions to the model: never evidence.
    instructed: dict[int, tuple[Finding, ...]] = field(default_factory=dict)

    def __call__(
        self, item: ParsedSentence, spans: dict[int, list[Span]]
    ) -> tuple[Sentence, Support | None]:
        """One checked sentence; the spans supporting it are added to ``spans``. Only the
        cited passages without instructions to the model are evidence; the others score 0."""
        if is_cannot_answer(item.text):
            return _sentinel(), None
        cited = [n for n in item.citations if n in self.numbering]
        if not cited:
            return Sentence(item.text), None
        evidence = [n for n in cited if n not in self.instructed]
        passages = [self.hits[n - 1].passage for n in evidence]
        label, words = spoken(item.text, passages) if self.quoted else ("", item.text)
        support = self.scorer.score(words, [p.text for p in passages], headers(passages))
        alone = dict(zip(evidence, support.per_passage, strict=True))
        pairs = sorted((self.numbering[n], alone.get(n, 0.0)) for n in cited)
        display, solo = tuple(n for n, _ in pairs), tuple(round(x, 4) for _, x in pairs)
        if len(evidence) < len(cited) and (not evidence or support.score < self.threshold):
            return Sentence(item.text, display, 0.0, False, solo, INSTRUCTED), None
        problem = misquote(words, [p.text for p in passages], whole=self.quoted)
        found = resting_on(passages, [self.numbering[n] for n in evidence], support.spans)
        said = as_record(*found) if found else None
        if label and (said is None or said["label"] != label):
            problem = WRONG_SPEAKER
        elif said and not problem and not names_speaker(item.text, said):
            problem = UNATTRIBUTED.format(label=said["label"])
        if problem:
            return Sentence(item.text, display, 0.0, False, solo, problem), None
        for number, located in zip(evidence, support.spans, strict=True):
            spans[number].extend(located)
        supported = support.score >= self.threshold
        return Sentence(item.text, display, support.score, supported, solo, "", said), support


def render(sentences: Sequence[Sentence]) -> str:
    """Sentences joined by single spaces, each followed by its markers: 'Text. [1][2]'."""
    parts = []
    for sentence in sentences:
        markers = "".join(f"[{n}]" for n in sentence.citations)
        parts.append(f"{sentence.text} {markers}" if markers else sentence.text)
    return " ".join(parts)


def _source(number: int, hit: Hit, spans: tuple[Span, ...], warning: str = "") -> Source:
    """A cited passage as a numbered source; for a PDF, the page each span starts on."""
    passage = hit.passage
    pages = tuple(p for a, _ in spans if (p := passage.page_at(a)) is not None)
    return Source(number, passage, spans, hit.also_in, pages, warning)


def merge_spans(spans: Sequence[Span]) -> tuple[Span, ...]:
    """``spans`` sorted, with overlapping or touching ones merged."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _numbering(sentences: Sequence[ParsedSentence], hits: int) -> dict[int, int]:
    """Display number of each valid citation number, in order of first citation."""
    order = dict.fromkeys(n for s in sentences for n in s.citations if 0 < n <= hits)
    return {number: display for display, number in enumerate(order, start=1)}


def _unanswered(
    parsed: Sequence[ParsedSentence], removed: tuple[int, ...], warnings: tuple[str, ...]
) -> CheckedAnswer:
    """The answer to give when ``parsed`` is empty or says only the sentinel."""
    if not parsed:
        return CheckedAnswer("", (), (), removed, answered=False, warnings=warnings)
    return CheckedAnswer(CANNOT_ANSWER, (_sentinel(),), (), removed, False, (None,), warnings)


def _sentinel() -> Sentence:
    return Sentence(CANNOT_ANSWER, (), 1.0, True)


def _punctuated(sentence: ParsedSentence) -> ParsedSentence:
    """A sentence ending in a letter or digit gets a full stop, so the rendered answer splits
    into the same sentences again."""
    if not sentence.text[-1].isalnum():
        return sentence
    return ParsedSentence(sentence.text + ".", sentence.citations)
