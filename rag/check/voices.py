"""Who says what an answer sentence rests on: the attributed span (``rag.text.attribution``)
that its support lies in, and the speaker an extractive sentence names before a speaker's
words ("Political commentator Gaziz Abishev (Caliber.Az): “…”"), which must be the one the
passage records for those words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.types import Attribution, Passage

Span = tuple[int, int]
WRONG_SPEAKER = "it names a speaker its source does not give for these words"
UNATTRIBUTED = (
    "unattributed claim: its source gives it as {label}'s, and the sentence does not say so"
)


def label_of(attribution: Attribution, passage: Passage) -> str:
    """How an answer names who says ``attribution``'s words in ``passage``."""
    return attribution.label(passage.metadata.get("outlet"))


def spoken(text: str, passages: Sequence[Passage]) -> tuple[str, str]:
    """(label, words) of a sentence that opens with the label of one of ``passages``'
    attributions and a colon; ("", text) when it does not. Quotation marks the answer put
    around the words are taken off them."""
    for passage in passages:
        for attribution in passage.attributions or ():
            label = label_of(attribution, passage)
            if text.startswith(f"{label}: "):
                words = text[len(label) + 2 :]
                if words.startswith("“") and words.endswith("”") and words.count("“") == 1:
                    words = words[1:-1]
                return label, words
    return "", text


def resting_on(
    passages: Sequence[Passage], numbers: Sequence[int], spans: Sequence[Sequence[Span]]
) -> tuple[Attribution, Passage, int] | None:
    """The attribution that a sentence's supporting span (one per cited passage, as the
    support check found it) lies in, with its passage and display number; None when its
    support is in the sources' own voice."""
    for passage, number, found in zip(passages, numbers, spans, strict=True):
        for start, end in found:
            for attribution in passage.attributions or ():
                inside = min(end, attribution.end) - max(start, attribution.start)
                if attribution.speaker and inside * 2 >= end - start:
                    return attribution, passage, number
    return None


def as_record(attribution: Attribution, passage: Passage, number: int) -> dict[str, Any]:
    """What an answer sentence carries of the attribution it rests on (``--json``, batch
    records, the API): speaker, role, kind, outlet, the source's number and the span in its
    passage."""
    return {
        "speaker": attribution.speaker,
        "role": attribution.role,
        "kind": attribution.kind,
        "outlet": passage.metadata.get("outlet", ""),
        "label": label_of(attribution, passage),
        "source": number,
        "start": attribution.start,
        "end": attribution.end,
        "continued": attribution.continued,
    }


def names_speaker(sentence: str, said: dict[str, Any]) -> bool:
    """Whether ``sentence`` says who says what it rests on: the label an answer gives them,
    or their surname (a person), name (an outlet or organisation) or last word (unnamed
    sources: "insiders", "a source")."""
    text = sentence.lower()
    if said["label"].lower() in text:
        return True
    words = said["speaker"].lower().replace("’", "'").split()
    return bool(words) and words[-1].strip("'s") in text.replace("’", "'")
