"""Instruction-like text in a passage: words addressed to an AI model, not to a news reader.

A prompt injection planted in an article is text that tells the model what to do: ignore
its instructions, take a new role, answer with given words, cite a given source; or text
that imitates a chat turn or closes the ``<source n>`` wrapper our prompt puts around
each passage; or that states "the answer" to any question. ``findings`` finds such text
with precise rules (regular expressions over the normalised text: case folded, quote
marks made straight, invisible format characters such as zero-width spaces removed, look-
alike Cyrillic and Greek letters read as Latin, whitespace collapsed), each with its span
in the original text and a short reason. Inside an HTML comment, which a reader never
sees, a looser rule applies: any imperative to answer, say, cite or ignore.

The rules are tuned so that real news, which quotes people saying "ignore", "answer",
"system" and "instructions" all the time, does not set them off: ``bench/injections.py``
measures them on planted injections and on real news passages. An imperative needs a
place where a command stands (a sentence's start, after "and", "please", "then") and an
object only a model is given (a quoted reply, "previous instructions", "your answer").

The invariant, kept by ``rag.citations``: a passage with a finding is never evidence. No
answer sentence rests on it (its support is 0 and its ``problem`` says why), the source
and the answer carry a warning naming it, and the offline answerer (``screened``) never
quotes it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rag.types import Article, FileError, Hit, Passage

#: ``Sentence.problem`` of an answer sentence that cites a passage with a finding and is
#: not supported by the other passages it cites.
INSTRUCTED = "a source it cites contains instructions to the model, so it is not evidence"
#: How long a finding's text is shown in a warning.
SHOWN = 90

#: Letters that look Latin (Cyrillic, Greek), dashes and quote marks, read as plain ones.
_LOOKALIKES = str.maketrans(
    {**dict(zip("аеорсухіјѕԁɡӏνοαρτκ", "aeopcyxijsdglvoaptk", strict=True)),
     **dict.fromkeys("‐‑‒–—―", "-"), **dict.fromkeys("“”„«»″", '"'),
     **dict.fromkeys("‘’‚‹›′`", "'")}
)  # fmt: skip
_COMMENT = re.compile(r"<!--(.*?)(?:-->|$)", re.DOTALL)

# Pieces of the rules, which read folded text (see ``folded``).
#: Where a command stands: a sentence's or a line's start, or after "and", "please"…
_COMMAND = r"(?:^|(?<=[.!?:;\n\"'(])\s?|\b(?:and|then|now|please|kindly|instead|always),? )"
#: Where a sentence or a line starts.
_START = r"(?:^|\n|(?<=[.!?\"'])\s)"
_AI = (
    r"(?:ai|a\.i\.|artificial intelligence|llms?|large language models?|language models?|"
    r"ai (?:assistants?|models?|systems?|agents?|tools?|chatbots?)|chatbots?|assistants?|"
    r"gpts?|chatgpt|claude|gemini|copilot|bard|(?:automated |ai )?summari[sz]ers?|"
    r"automated (?:systems?|agents?|readers?|tools?))"
)
_EARLIER = (
    r"(?:previous|prior|preceding|above|earlier|foregoing|original|initial|system|"
    r"developer|default|existing|old)"
)
_ORDERS = r"(?:instructions?|prompts?|directions?|directives?|programming|guardrails|rules)"
_QUOTE = r"[\"']"
_REPLY = r"(?:answer|respond|reply|output|print|say|write|type|repeat|state|return|echo)"
_ANSWER = r"(?:answer|response|reply|output|summary)"
_QUESTIONS = r"(?:questions?|quer(?:y|ies)|prompts?|requests?)"
_WORDS = (
    r"(?:(?:the |a )?(?:single |one |following |exact )?(?:words?|phrase|sentence|text|statement))"
)


def _rule(reason: str, *alternatives: str) -> tuple[str, re.Pattern[str]]:
    return reason, re.compile("|".join(f"(?:{a})" for a in alternatives))


#: (reason, pattern) of each rule; the reason completes "this passage …".
RULES = (
    _rule(
        "tells the model to ignore its instructions",
        r"\b(?:ignore|disregard|forget|override|bypass|discard|do not follow|don't follow|"
        r"stop following) (?:(?:all|any|every|each|of|the|your|my|these|those) ){0,3}"
        rf"(?:{_EARLIER} (?:\w+ )?{_ORDERS}|(?:instructions|prompts?|programming|guardrails)\b)",
        r"\b(?:ignore|disregard|forget) (?:whatever|anything|everything|all)(?: of)?(?: the)? "
        r"(?:above|before|previously|you (?:were|have been|'ve been) told|(?:that )?"
        r"(?:came|comes|was said|was written|is written) (?:before|above))",
        r"\b(?:ignore|disregard|forget|override|bypass) (?:your|its|their) (?:own )?"
        r"(?:instructions|programming|training|(?:system )?prompt)"
        r"|\b(?:ignore|disregard|forget|override|bypass) your (?:rules|guidelines)",
        r"\b(?:previous|prior|earlier|above|original|your) (?:instructions|prompts?|directions) "
        r"(?:is|are|have been) (?:now )?(?:void|cancell?ed|revoked|obsolete|null|invalid|"
        r"overridden|superseded)",
    ),
    _rule(
        "gives the model a new role",
        r"\byou are (?:now|no longer) (?:\w+ ){0,4}?(?:an? )?(?:ai|assistant|ai model|"
        r"language model|bot|chatbot|dan|(?:developer|god|dan|jailbreak|debug) mode|persona|"
        r"unrestricted|jailbroken|unfiltered|uncensored|bound by (?:any|your|the) (?:rules|"
        r"instructions|guidelines))\b",
        rf"\byou(?: are|'re) (?:an? |the )?(?:helpful |friendly |honest |large )?{_AI}\b",
        rf"\bas an? {_AI}(?: \w+){{0,2}},? you\b",
        rf"\b(?:act|behave) as (?:if you (?:were|are) )?(?:an? )?(?:\w+ )?{_AI}\b",
        rf"\bpretend (?:to be|you are|that you are) (?:an? )?(?:\w+ )?{_AI}\b",
        r"\byou (?:must|will|should|shall|are to|now)(?: now)? (?:act|roleplay|role-play|pose) "
        r"as\b",
        r"\bfrom now on,? you (?:will|must|should|shall|are to) (?:only |always )?"
        r"(?:answer|respond|reply|say|output|act|pretend|ignore|cite)\b",
        r"\byour (?:only |sole |new |real |true |actual )(?:job|task|goal|purpose|role|mission|"
        r"objective) (?:is|now)\b|\b(?:new|next|real|actual) task:",
    ),
    _rule(
        "addresses an AI model",
        rf"\b(?:note|message|instructions?|attention|reminder|memo|warning)(?: to| for|,):? "
        rf"(?:any |all |the |every )?{_AI}\b",
        rf"\bdear {_AI}\b|\bhey,? {_AI}\b|\bif you are (?:an? |the )?(?:\w+ )?{_AI}\b",
        rf"\bif (?:an? |any |the )?{_AI} (?:reads?|is reading|sees?|processes|is processing|"
        r"summari[sz]es|encounters?)\b",
        rf"\b{_AI} (?:reading|processing|summari[sz]ing|answering|ingesting|parsing) "
        r"(?:this|these)\b",
        rf"{_START}{_AI}, (?:you|your|this is|please)\b",
        rf"{_START}(?:{_AI}|model|bot|machine|computer)[,:] (?:please )?(?:ignore|disregard|"
        r"forget|answer|respond|reply|say|tell|write|output|print|cite|repeat|treat|report|include|mention|claim|declare|"
        r"confirm|use|remember|always|never|do|don't|you)\b",
        r"\b(?:override|message|instructions?|update|note|orders?) from your (?:developers?|"
        r"creators?|operators?|programmers?|makers?|owners?|administrators?)",
        r"\bthe user'?s? (?:next |following |first |current )?(?:question|query|prompt)",
    ),
    _rule(
        "dictates the words of the answer",
        rf"{_COMMAND}{_REPLY}(?: back)?(?: only| solely| exclusively| exactly| verbatim)*"
        rf"(?: with| using| by saying| the following| {_WORDS})?:? ?{_QUOTE}",
        rf"\b(?:answer|respond|reply)(?: to (?:any|every|all|each|this|the) (?:\w+ ){{0,2}}?"
        rf"{_QUESTIONS})?(?: only| solely| exclusively| always)* (?:with|using) ?(?:only |"
        rf"exactly |just )?(?:{_WORDS}|exactly|verbatim|the following|{_QUOTE}|:)",
        rf"{_START}(?:only|always|never)(?: ever)? (?:answer|respond|reply|say|state|write|"
        r"output)\b",
        rf"{_COMMAND}(?:answer|respond|reply)\b[^.!?\n]{{0,60}}? by (?:saying|stating|writing|"
        r"claiming|declaring|repeating|telling)\b",
        rf"\b(?:in|at the (?:start|end|beginning) of|begin|start|end|finish) your {_ANSWER}",
        rf"\byour {_ANSWER} (?:must|should|shall|has to|needs to|will|may only)\b",
        r"\b(?:summar(?:y|ies)|answers?|responses?|replies) (?:of|to|about|on) this (?:article|"
        r"passage|text|story|page|document|source) (?:must|should|shall|needs? to|ha(?:ve|s) to)",
        r"\bmust be (?:included|mentioned|stated|repeated) in (?:all|every|any|each|your) "
        r"(?:summar(?:y|ies)|answers?|responses?|replies)",
        r"\bdo not (?:mention|reveal|disclose|tell|cite|repeat|say) (?:\w+ ){0,3}?(?:the user|"
        r"these instructions|this instruction|this (?:note|message|prompt)|that you)\b",
        r"\b(?:reveal|print|show|output|repeat|disclose|leak|display) (?:\w+ ){0,2}?(?:your|the) "
        r"(?:system prompt|initial prompt|hidden prompt|original prompt|hidden instructions)",
    ),
    _rule(
        "tells the model what to cite",
        r"\bcit(?:e|es|ing|ation)\b(?: \w+){0,4}?:? \[\s*\d+\s*\]",
        r"\bcite (?:it |this |them )?(?:as )?(?:source|passage|document|reference)s? "
        r"(?:#|no\.? ?|number )?\d+",
        r"\b(?:add|include|append|attach|use|put) (?:the |a )?(?:citation|reference|marker)s? "
        rf"{_QUOTE}?\[\s*\d",
    ),
    _rule(
        "states the answer to any question",
        r"\bthe (?:correct|right|only|true|real|final|expected|official) (?:\w+ )?answer to "
        rf"(?:any|every|all|each|this|your|the user'?s?) (?:\w+ ){{0,3}}?{_QUESTIONS}",
        r"\banswers? to (?:any|every|all|each) (?!of\b)(?:\w+ ){0,4}?"
        rf"{_QUESTIONS}(?: \w+){{0,6}}? (?:is|should be|must be|will be)\b",
        r"\bthe (?:correct |right |only |true |real |final |expected |official )?answer "
        rf"(?:is|should be|must be|will be):? {_QUOTE}",
        r"\b(?:whatever|no matter what) (?:the )?(?:question|user|anyone|someone|you are asked)\b",
        r"(?:^|[.!?] |\n|\bplease |\balways |\bnow )(?:answer|respond to|reply to) (?:any|every|"
        rf"all|each) (?:\w+ ){{0,3}}?{_QUESTIONS}",
        r"\b(?:if|when|whenever) (?:you(?: are|'re)? )?(?:asked|questioned|prompted|answering|"
        r"summari[sz]ing|summari[sz]e|responding|respond|answer|reply|replying|describing|"
        r"describe)\b[^.!?\n]{0,80}?, (?:you (?:must|should) )?(?:always |please )?(?:say|"
        r"answer|respond|reply|state|claim|insist|cite|include|mention|lead|begin|start|write|"
        r"tell|repeat|output)\b",
    ),
    _rule(
        "imitates a chat turn or prompt markup",
        r"<\|[a-z_]{2,30}\|>|\[/?inst\]|<</?sys>>",
        r"\[\s*(?:system|admin|developer|assistant|ai|llm)(?: note| message| prompt| override|"
        r" instructions?)?\s*\]",
        rf"{_START} ?#{{2,}} ?(?:instructions?|system(?: prompt)?|assistant|human|"
        rf"new instructions?) ?(?::|\n|$)|{_START} ?#{{2,}} ?(?:response|input|user) ?:",
        r"(?:^|\n|(?<=[.!?\"']) )(?:system|assistant|ai assistant|chatgpt|user|human)"
        r"(?: message| prompt| note| override| instructions?| update)? ?: ",
        r"(?:^|\n|(?<=[.!?\"']) )(?:override|jailbreak|admin(?:istrator)? (?:mode|override|"
        r"command)|developer mode) ?: ",
        rf"{_START}system (?:override|prompt|message|instructions?|note|update)\b",
        r"\b(?:new|updated|important|urgent|secret|hidden|additional|real) (?:system )?"
        r"instructions?:|\bsystem (?:prompt|override|message|note|update|instructions?):",
        r"\bbegin (?:system|new) (?:prompt|instructions?)",
    ),
    _rule(
        "closes or opens the prompt's wrapper around a source",
        r"< ?/? ?(?:sources?|system|instructions?|context|documents?|passages?|premise|user|"
        r"assistant|prompt|im_start|im_end)(?: \d+)? ?>",
        r"(?:^|\n|[.!?] )(?:-{2,}|={2,}|\*{2,})? ?end of (?:the )?(?:sources?|context|documents?|"
        r"passages?|input|prompt|system prompt)\b",
    ),
)
#: Inside an HTML comment, which readers never see, a command to answer, say or cite, a
#: word for a model or its instructions, or a citation marker, is enough.
HIDDEN = re.compile(
    r"\b(?:ignore|disregard|forget|answer|respond|reply|say|print|output|cite|write|repeat|"
    rf"tell|mention|include|state|claim|pretend|act|you|your|instructions?|prompt)\b|\b{_AI}\b"
    r"|\[\s*\d+\s*\]"
)


@dataclass(frozen=True, order=True)
class Finding:
    """Instruction-like text: its span in the text searched, and why it was flagged."""

    start: int
    end: int
    reason: str
    #: How it was hidden from a reader: "an HTML comment", "invisible characters" or "".
    hidden: str = ""


def folded(text: str) -> tuple[str, list[int]]:
    """``text`` as the rules read it, with the offset in ``text`` of each character: case
    folded and compatibility-normalised, look-alike letters and quote marks made plain,
    invisible format characters dropped, whitespace collapsed (a newline kept as one)."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, char in enumerate(text):
        if char.isspace():
            if chars and chars[-1] in " \n":
                chars[-1] = "\n" if char == "\n" or chars[-1] == "\n" else " "
                continue
            chars.append("\n" if char == "\n" else " ")
            offsets.append(i)
            continue
        if char.isascii():
            chars.append(char.lower())
            offsets.append(i)
            continue
        if unicodedata.category(char) == "Cf":
            continue
        for piece in unicodedata.normalize("NFKC", char).casefold().translate(_LOOKALIKES):
            chars.append(piece)
            offsets.append(i)
    return "".join(chars), offsets


def in_passage(passage: Passage) -> tuple[Finding, ...]:
    """The findings in a passage's text, remembered for the passages seen last (a question
    asks for each retrieved passage twice, and follow-ups retrieve the same ones)."""
    return _remembered(passage.text)


@functools.lru_cache(maxsize=2048)
def _remembered(text: str) -> tuple[Finding, ...]:
    return findings(text)


def findings(text: str) -> tuple[Finding, ...]:
    """Every span of ``text`` that addresses an AI model rather than a reader, in order."""
    flat, offsets = folded(text)
    found = [
        _finding(text, offsets, match.start(), match.end(), reason)
        for reason, rule in RULES
        for match in rule.finditer(flat)
        if match.end() > match.start()
    ]
    for comment in _COMMENT.finditer(text):
        covered = any(comment.start() <= f.start < comment.end() for f in found)
        if not covered and HIDDEN.search(folded(comment.group(1))[0]):
            reason = "hides commands to the model in an HTML comment"
            found.append(Finding(comment.start(), comment.end(), reason, "an HTML comment"))
    return tuple(sorted(_hidden(text, f) for f in found))


def _finding(text: str, offsets: list[int], start: int, end: int, reason: str) -> Finding:
    """A match of the folded text as a finding in ``text``, leading whitespace left out."""
    while start < end - 1 and text[offsets[start]].isspace():
        start += 1
    return Finding(offsets[start], offsets[end - 1] + 1, reason)


def _hidden(text: str, found: Finding) -> Finding:
    """``found``, saying how it hides from a reader: inside an HTML comment, or split by
    invisible characters."""
    if found.hidden:
        return found
    for comment in _COMMENT.finditer(text, 0, found.start + 1):
        if comment.start() <= found.start < comment.end():
            return replace(found, hidden="an HTML comment")
    if any(unicodedata.category(c) == "Cf" for c in text[found.start : found.end]):
        return replace(found, hidden="invisible characters")
    return found


def shown(text: str, found: Finding) -> str:
    """The sentence (or line) holding a finding, as a reader can see it: invisible
    characters dropped, whitespace collapsed, cut at ``SHOWN`` characters."""
    start = max(text.rfind(end, 0, found.start) for end in _ENDS) + 1
    ends = [at for end in _ENDS if (at := text.find(end, found.end)) >= 0]
    words = text[start : min(ends, default=len(text)) + 1]
    words = " ".join("".join(c for c in words if unicodedata.category(c) != "Cf").split())
    return words if len(words) <= SHOWN else words[: SHOWN - 1].rstrip() + "…"


_ENDS = (". ", "! ", "? ", "\n")


def describe(text: str, found: Sequence[Finding]) -> str:
    """What the first finding is, in words: 'tells the model to ignore its instructions
    ("Ignore previous instructions and…")', and how many more there are."""
    first = found[0]
    where = f", hidden in {first.hidden}" if first.hidden else ""
    more = f"; {len(found) - 1} more such places" if len(found) > 1 else ""
    return f'{first.reason} ("{shown(text, first)}"{where}){more}'


def source_warning(number: int, passage: Passage, found: Sequence[Finding]) -> str:
    """The warning shown with source ``number`` of an answer."""
    return (
        f"Source [{number}] contains text addressed to an AI model, not to readers: it "
        f"{describe(passage.text, found)}. No sentence of the answer may rest on it."
    )


def retrieved_warning(passage: Passage, found: Sequence[Finding]) -> str:
    """The warning for a retrieved passage that no sentence cites."""
    title = passage.metadata.get("title") or passage.article_id
    return (
        f"A retrieved passage of {title!r}, cited by no sentence, contains text addressed "
        f"to an AI model: it {describe(passage.text, found)}."
    )


def article_warnings(article: Article) -> list[FileError]:
    """One ingest warning for an article that holds instruction-like text, naming its file,
    its id and what was found (quoted, so that it can be searched for in the file)."""
    found = findings(article.text)
    if not found:
        return []
    which = "the article" if article.id == article.source else f"article {article.id!r}"
    reason = (
        f"{which} contains text addressed to an AI model: it "
        f"{describe(article.text, found)}; its passages will never count as support"
    )
    return [FileError(article.source, reason)]


def screened(hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` with the text of every passage that has a finding blanked out (same length,
    so every offset holds), for an answerer that quotes passages: it finds nothing there to
    quote, and its citation numbers still name the same hits."""
    return [
        replace(hit, passage=replace(hit.passage, text=_blank(hit.passage.text)))
        if in_passage(hit.passage)
        else hit
        for hit in hits
    ]


def _blank(text: str) -> str:
    return "".join(c if c == "\n" else " " for c in text)
