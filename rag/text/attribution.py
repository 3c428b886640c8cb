"""Who says what in an article: the spans that quote someone, report their words, or relay
a claim of unnamed sources or another outlet, each with its speaker (``rag.text.speakers``).

- ``direct``: a quotation (``rag.text.quotations``) that a cue attributes, after it ("…,”
  Beisebayev stated.", "…,” said Jane Reyes.") or before it (Reyes said: “…”, According to
  Reyes, “…”, He added, “…”). A quotation with no cue of its own, in the paragraph of an
  attributed one or the next, is the same speaker's (news gives the cue once: "“…,” Psaki
  said. “And the FDA is not…”"). Short quotations with no cue (a term in quotes, “personal
  chemistry”) are no one's words.
- ``reported``: a sentence whose cue names a person or organisation: "X noted that …",
  "According to X, …", "…, X said on Monday."
- ``anonymous``: the same, where the speaker is unnamed ("Insiders note that …", "…,
  officials said.").
- ``relayed``: the same, where the speaker is another outlet, channel or study ("…, the
  Telegram channel Razvedchik reports, citing sources.", "according to a new report by
  Datasembly").

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

_VERBS = r"""said|says|say|stated|states|explained|explains|concluded|concludes|noted|notes|
    note|added|adds|told|tells|emphasi[sz]ed|emphasi[sz]es|emphasi[sz]e|stressed|stresses|
    believes|believe|argued|argues|warned|warns|wrote|writes|insisted|insists|claimed|claims|
    reported|reports|report|announced|announces|suggested|suggests|pointed out|points out|
    observed|remarked|continued|acknowledged|acknowledges|admitted|admits|
    drew attention to|draws attention to|thinks|think|asserted|declared|commented|replied|
    responded|predicted|maintained|contended|cautioned|confirmed|confirms|denied|estimated|
    urged|assured|underlined|testified|alleged|alleges|revealed|reveals|found|finds|
    showed|shows|questioned|determined|pointed to|is reporting|are reporting|is warning|
    are warning|tweeted|posted|wrote|conceded|complained|vowed|promised"""
_PARTICIPLES = r"saying|adding|warning|noting|telling|arguing|insisting|explaining|stating"
VERB = "(?:" + "|".join(v.strip() for v in _VERBS.split("|")) + ")"
#: A cue after a quotation may also be one of these ("“…?” he asked."), which elsewhere
#: are no speech ("DeLauro has asked the inspector general…").
QUOTE_VERB = f"(?:{VERB}|asked|asks|recalled|recalls|wondered)"
_ABBREVIATIONS = [
    "No",
    "Dr",
    "Mr",
    "Mrs",
    "Ms",
    "Sen",
    "Rep",
    "Gov",
    "Gen",
    "Prof",
    "Jr",
    "St",
    "Lt",
    "Col",
]
#: A character of a cue's subject: no sentence end, but a title's or an initial's full stop
#: ("Dr. Robert Califf", "Robert B. Ford").
_DOTS = "|".join(rf"(?<=\b{a})\." for a in _ABBREVIATIONS) + r"|(?<=\s[A-Z])\."
_NOT_NAME = rf"(?:[^.!?“”\"\n]|{_DOTS})"
#: A character of a cue's subject that ends at a comma ("according to Lt. Col. Bill
#: Dofflemyer of the state police, …").
_CLAUSE_CHAR = rf"(?:[^,.;:!?“”\"\n]|{_DOTS})"
#: A cue after a quotation: ",” the political analyst said." or ",” said Robert B. Ford."
_AFTER = re.compile(
    rf"^\s*(?:(?P<who>{_NOT_NAME}{{1,80}}?)\s+{QUOTE_VERB}\b"
    rf"|(?:{QUOTE_VERB})\s+(?P<who2>{_CLAUSE_CHAR}{{1,60}}?)"
    r"(?=\s*(?:[,;!?]|(?<!\s[A-Z])(?<!\bDr)\.|$)|\s+(?:of|about|on|in|at|to|after|before|when|while|during|as|who)\b))"
)
#: A cue before a quotation: "Reyes said: “", "According to Reyes, “", "He added, “",
#: "…, saying on CNN that “".
_NAMED_BEFORE = re.compile(
    r"(?:[Aa]ccording to (?P<who>[^,.“”\"\n]{1,60})|\b(?:per|as) (?P<who2>[^,.“”\"\n]{1,40}))"
    r"(?:\s+that)?\s*[:,]?\s*$"
)
_VERB_AT = re.compile(rf"\s(?:{VERB}|{_PARTICIPLES})\b")
#: What may follow a cue's verb before the quotation: "on CNN Monday that", ":", ",".
_VERB_TAIL = re.compile(rf"(?:\s+{_NOT_NAME}{{0,40}}?)?(?:\s+that)?\s*[:,]?\s*$")
#: A reported sentence's cue: its opening words up to a speech verb, or "according to".
_OPENING = re.compile(rf"^(?P<who>{_NOT_NAME}{{1,90}}?)\s+{VERB}\b(?!\s+(?:to|by|for)\b)")
_ACCORDING = re.compile(rf"(?:^|,\s+|\s)[Aa]ccording to (?P<who>{_CLAUSE_CHAR}{{1,90}})")
_CLOSING = re.compile(
    rf",\s+(?:(?P<who>[^,.!?“”\"\n]{{1,70}}?)\s+{VERB}|{VERB}\s+(?P<who2>[^,.!?“”\"\n]{{1,60}}))"
    r"(?:\s+[^,.!?“”\"\n]{0,50})?(?:,[^.!?]*)?[.!?]?$"
)
#: How a quotation that runs on into its cue ends inside its marks (“…,” X said).
_RUNS_ON = ",?!—–-…"
_SENTENCE_END = re.compile(r"[.!?…][\"”’)]*\s+(?=[A-Z“\"])")
#: A claim made by unnamed reports ("…after reports that four infants fell ill").
_AFTER_REPORTS = re.compile(
    r"\b(?:after|amid|following|despite)\s+(?:media\s+|news\s+)?reports\s+that\b"
)
#: How far before a quotation its sentence is read (characters), and how much of that
#: sentence's end a cue before the quotation may take ("Reyes said on Sunday that “").
LOOK_BACK = 400
CUE_CHARS = 160
#: A quotation shorter than this (in words) is a term in quotes unless a cue attributes it.
MIN_QUOTE_WORDS = 4
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
    """Reads an article in order, so that "he", "the analyst" or "the company" name whoever
    the text last named."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.cast = Cast.of(text)
        self.quotations = quotation_spans(text)
        self.found: list[Attribution] = []
        self.latest: Attribution | None = None  # the latest words with a cue of their own
        self.passed: set[int] = set()  # quotations read already
        self.read = 0  # how far the text has been read for the names it mentions

    def paragraph(self, sentences: Sequence[tuple[int, int]]) -> None:
        """The attributed spans of one paragraph's sentences."""
        carried: Attribution | None = None
        for index, (start, end) in enumerate(sentences):
            quoted = [(a, b) for a, b in self.quotations if a < end and start < b]
            for a, b in quoted:
                self._quotation(a, b)
            if any(self._done(a) for a, _ in quoted):
                self._see(end)
                carried = None
                continue
            speaker = _cue(self.text[start:end], self.cast)
            self._see(end)
            if speaker is not None:
                found = Attribution(start, end, _KINDS[speaker.kind], speaker.name, speaker.role)
                self.found.append(found)
                self.latest = found
                carried = found if index == 0 else None
            elif carried is not None:
                self.found.append(replace(carried, start=start, end=end, continued=True))

    def _see(self, upto: int) -> None:
        """Note who the text names from where it was last read up to ``upto``."""
        if upto > self.read:
            self.cast.seen(self.text[self.read : upto])
            self.read = upto

    def _done(self, start: int) -> bool:
        return any(a.start == start for a in self.found)

    def _quotation(self, start: int, end: int) -> None:
        """Attribute the quotation ``start:end``, if it is someone's words."""
        if start in self.passed:
            return
        self.passed.add(start)
        self._see(start)
        speaker = _quote_speaker(self.text, start, end, self.cast)
        if len(self.text[start:end].split()) < MIN_QUOTE_WORDS:
            return  # a term or title in quotes
        if speaker is None:  # no cue: a person named just before, or the latest speaker
            speaker = self.cast.first_person(_sentence_before(self.text, start))
        latest = self.latest
        if speaker is None and latest is not None and _follows(self.text, latest.end, start):
            speaker = Speaker(latest.speaker, latest.role, "person")
        found = Attribution(start, end, "direct", speaker.name if speaker else "",
                            speaker.role if speaker else "")  # fmt: skip
        self.found.append(found)
        if speaker is not None:
            self.latest = found


def _quote_speaker(text: str, start: int, end: int, cast: Cast) -> Speaker | None:
    """Whom the cue after the quotation ``start:end`` names (when the quotation runs on into
    it: “…,” X said), or the cue before it in its sentence (X said: “…”, X said that …,
    “…”; "…, saying" and "He added," name the clause's subject)."""
    if text[end - 2 : end - 1] in _RUNS_ON:
        after = _AFTER.match(text[end : end + 120].split("\n")[0])
        speaker = cast.resolve(after.group("who") or after.group("who2")) if after else None
        if speaker is not None:
            return speaker
    sentence = _sentence_before(text, start)
    if not sentence.strip():
        previous = text[: _line_start(text, start)].rstrip()
        sentence = previous[previous.rfind("\n") + 1 :] if previous.endswith(":") else sentence
    named = _NAMED_BEFORE.search(sentence)
    if named:
        speaker = cast.resolve(named.group("who") or named.group("who2"))
        if speaker is not None:
            return speaker
    who = _verb_cue(sentence[-CUE_CHARS:])
    if who is not None:
        parts = [part for part in who.split(",") if part.strip()]
        speaker = cast.resolve(parts[-1]) if parts else None
        if speaker is None and len(parts) > 1:  # "Jane Reyes, the mayor of X, said that"
            speaker = cast.resolve(parts[0])
        if speaker is None:  # "…, saying", "He added,": the clause's subject
            speaker = cast.first_person(sentence) or cast.latest.get("any")
        if speaker is not None:
            return speaker
    opening = _OPENING.match(sentence)
    return cast.resolve(opening.group("who")) if opening else None


def _verb_cue(words: str) -> str | None:
    """The words before a speech verb that ends ``words`` as a cue before a quotation
    ("Reyes said:", "Becerra declined to give specifics, saying on CNN that"), or None."""
    for verb in reversed(list(_VERB_AT.finditer(words))):
        if _VERB_TAIL.match(words, verb.end()):
            return words[max(0, verb.start() - 80) : verb.start()]
    return None


def _cue(sentence: str, cast: Cast) -> Speaker | None:
    """Whom the sentence's own cue names, if it has one."""
    if _AFTER_REPORTS.search(sentence):
        return cast.said(Speaker("reports", "", "anonymous"))
    for match in (_ACCORDING.search(sentence), _OPENING.match(sentence)):
        if match:
            speaker = cast.resolve(match.group("who"))
            if speaker is not None:
                return speaker
    closing = _CLOSING.search(sentence)
    if closing:
        return cast.resolve(closing.group("who") or closing.group("who2"))
    return None


def _sentence_before(text: str, at: int) -> str:
    """The words of ``at``'s sentence before it (from its line's last sentence end)."""
    line = text[max(_line_start(text, at), at - LOOK_BACK) : at]
    ends = [m.end() for m in _SENTENCE_END.finditer(line)]
    return line[ends[-1] if ends else 0 :]


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _opens_paragraph(text: str, at: int) -> bool:
    return not text[_line_start(text, at) : at].strip()


def _follows(text: str, earlier: int, at: int) -> bool:
    """Whether ``at`` lies in the paragraph ``earlier`` ends in, or the next one."""
    return text[earlier:at].strip("\n").count("\n") <= 1 and "\n\n\n" not in text[earlier:at]
