"""Who says what in an article: the spans that quote someone, report their words, or relay
a claim of unnamed sources or another outlet, each with its speaker (``rag.text.speakers``).

- ``direct``: a quotation (``rag.text.quotations``) that a cue attributes, after it ("…,”
  Beisebayev stated.", "…,” said Jane Reyes.") or before it (Reyes said: “…”, According to
  Reyes, “…”). A quotation with no cue that opens its paragraph, right after a paragraph
  whose words are attributed to a person, is that person's. Short quotations with no cue (a
  term in quotes, “personal chemistry”) are no one's words.
- ``reported``: a sentence whose cue names a speaker: "X noted that …", "According to X,
  …", "…, X said."
- ``anonymous``: the same, where the speaker is unnamed ("Insiders note that …",
  "According to sources, …").
- ``relayed``: the same, where the speaker is another outlet or channel ("…, the Telegram
  channel Razvedchik reports, citing sources.").

A sentence with no cue of its own, after a reported, anonymous or relayed sentence that
opens its paragraph, carries the same attribution (``continued``): news goes on in the
source's voice ("According to the channel's source, Putin pointed to an imbalance. For
decades, Astana has benefited …").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from rag.text.quotations import quotation_spans
from rag.text.sentences import segments, sentence_spans
from rag.text.speakers import Cast, Speaker
from rag.types import Attribution

_VERBS = r"""said|says|say|stated|states|explained|explains|concluded|concludes|noted|notes|note|
    added|adds|told|tells|emphasi[sz]ed|emphasi[sz]es|emphasi[sz]e|stressed|stresses|
    believes|believe|argued|argues|warned|warns|wrote|writes|insisted|insists|claimed|claims|
    reported|reports|report|announced|announces|suggested|suggests|pointed out|points out|
    observed|remarked|continued|acknowledged|admitted|recalled|drew attention to|
    draws attention to|thinks|think|asserted|declared|commented|replied|responded|predicted|
    maintained|contended|cautioned|confirmed|denied|estimated|asked|urged|assured|
    underlined|recalls|testified|alleged|alleges"""
VERB = "(?:" + "|".join(v.strip() for v in _VERBS.split("|")) + ")"
#: A cue after a quotation: ",” the political analyst said." or ",” said Jane Reyes."
_AFTER = re.compile(
    rf"^\s*(?:(?P<who>[^.!?“”\"\n]{{1,80}}?)\s+{VERB}\b|{VERB}\s+(?P<who2>[^.!?,;“”\"\n]{{1,60}}))"
)
#: A cue before a quotation: "Reyes said: “" or "According to Reyes, “".
_BEFORE = re.compile(
    rf"(?:(?P<who>[^.!?“”\"\n]{{1,80}}?)\s+{VERB}(?:\s+that)?"
    rf"|[Aa]ccording to (?P<who2>[^,.“”\"\n]{{1,60}}))\s*[:,]?\s*$"
)
#: A reported sentence's cue: its opening words up to a speech verb, or "according to".
_OPENING = re.compile(rf"^(?P<who>[^.!?“”\"\n]{{1,90}}?)\s+{VERB}\b(?!\s+(?:to|by|on|for)\b)")
_ACCORDING = re.compile(r"(?:^|,\s+)[Aa]ccording to (?P<who>[^,.;“”\"\n]{1,70})")
_CLOSING = re.compile(
    rf",\s+(?:(?P<who>[^,.!?“”\"\n]{{1,70}}?)\s+{VERB}|{VERB}\s+(?P<who2>[^,.!?“”\"\n]{{1,60}}))"
    r"(?:,[^.!?]*)?[.!?]?$"
)
#: A quotation shorter than this (in words) is a term in quotes unless a cue attributes it.
MIN_QUOTE_WORDS = 5
#: A quotation with no cue, inheriting its paragraph's speaker, must be at least this long.
MIN_INHERITED_WORDS = 8
_KINDS = {"person": "reported", "organisation": "reported", "anonymous": "anonymous",
          "outlet": "relayed"}  # fmt: skip


def attributions(text: str) -> list[Attribution]:
    """The attributed spans of ``text`` (an article), in text order."""
    reader = _Reader(text)
    for paragraph in _paragraphs(text):
        reader.paragraph(paragraph)
    return reader.found


def _paragraphs(text: str) -> Iterator[list[tuple[int, int]]]:
    """The sentences of each paragraph (a block between line breaks)."""
    sentences = list(sentence_spans(text))
    for first, last in segments(text):
        inside = [(a, b) for a, b in sentences if first <= a < last]
        if inside:
            yield inside


class _Reader:
    """Reads an article in order, so that "he", "the analyst" or "the publication" name
    whoever the text last named."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.cast = Cast.of(text)
        self.quotations = quotation_spans(text)
        self.found: list[Attribution] = []
        self.latest: Attribution | None = None  # the latest person's direct or reported words
        self.passed: set[int] = set()  # quotations read already

    def paragraph(self, sentences: Sequence[tuple[int, int]]) -> None:
        """The attributed spans of one paragraph's sentences."""
        carried: Attribution | None = None
        for index, (start, end) in enumerate(sentences):
            quoted = [(a, b) for a, b in self.quotations if a < end and start < b]
            for a, b in quoted:
                self._quotation(a, b)
            if any(self._done(a) for a, _ in quoted):
                carried = None
                continue
            speaker = _cue(self.text[start:end], self.cast)
            self.cast.seen(self.text[start:end])
            if speaker is not None:
                found = Attribution(start, end, _KINDS[speaker.kind], speaker.name, speaker.role)
                self._add(found, speaker)
                carried = found if index == 0 else None
            elif carried is not None:
                self.found.append(replace(carried, start=start, end=end, continued=True))

    def _done(self, start: int) -> bool:
        return any(a.start == start for a in self.found)

    def _quotation(self, start: int, end: int) -> None:
        """Attribute the quotation ``start:end``, if it is someone's words."""
        if self._done(start) or start in self.passed:
            return
        self.passed.add(start)
        self.cast.seen(self.text[_line_start(self.text, start) : start])
        speaker = _quote_speaker(self.text, start, end, self.cast)
        words = len(self.text[start:end].split())
        latest = self.latest
        if (
            speaker is None
            and latest is not None
            and words >= MIN_INHERITED_WORDS
            and _opens_paragraph(self.text, start)
            and _follows(self.text, latest.end, start)
        ):
            speaker = Speaker(latest.speaker, latest.role, "person")
        if speaker is None and words < MIN_QUOTE_WORDS:
            return
        if speaker is None:
            self.found.append(Attribution(start, end, "direct", ""))
            return
        self._add(Attribution(start, end, "direct", speaker.name, speaker.role), speaker)

    def _add(self, found: Attribution, speaker: Speaker) -> None:
        self.found.append(found)
        if speaker.kind == "person":
            self.latest = found
            self.cast.latest_person = speaker


def _quote_speaker(text: str, start: int, end: int, cast: Cast) -> Speaker | None:
    """Whom the cue after or before the quotation ``start:end`` names."""
    closed_sentence = text[end - 2 : end - 1] in (".", "…") if end - start > 2 else False
    after = _AFTER.match(text[end : end + 120].split("\n")[0])
    if after and not closed_sentence:
        who = after.group("who") or after.group("who2")
        speaker = cast.resolve(who)
        if speaker is not None:
            return speaker
    before = _BEFORE.search(text[_line_start(text, start) : start])
    if before is None and _opens_paragraph(text, start):
        previous = text[: _line_start(text, start)].rstrip()
        if previous.endswith(":"):
            before = _BEFORE.search(previous[previous.rfind("\n") + 1 :])
    if before:
        return cast.resolve(before.group("who") or before.group("who2"))
    return None


def _cue(sentence: str, cast: Cast) -> Speaker | None:
    """Whom the sentence's own cue names, if it has one."""
    for match in (_ACCORDING.search(sentence), _OPENING.match(sentence)):
        if match:
            speaker = cast.resolve(match.group("who"))
            if speaker is not None:
                return speaker
    closing = _CLOSING.search(sentence)
    if closing:
        return cast.resolve(closing.group("who") or closing.group("who2"))
    return None


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _opens_paragraph(text: str, at: int) -> bool:
    return not text[_line_start(text, at) : at].strip()


def _follows(text: str, earlier: int, at: int) -> bool:
    """Whether ``at`` lies in the paragraph after the one ``earlier`` ends in (or the same)."""
    between = text[earlier:at]
    return between.count("\n") <= 2 and "\n\n\n" not in between
