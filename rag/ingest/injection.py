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

The rules are built from small vocabularies, not from known attacks' wording: words for an
AI reader (AI, chatbot, GPT, Claude…; "model", "bot" only when addressed), its orders ("your
usual rules", "what you were told"), its situation ("the user", "whatever is asked") and its
answer ("the only reply to all queries: …"), each joined to a command where a command stands
(a sentence's start, after "and" or "please", after "Model:", "must say"). Real news, which
quotes people saying "ignore", "answer" and "assistant" and reports what chatbots do, does
not set them off: ``bench/injections.py`` measures them on planted and held-out injections
and on real news.

The invariant, kept by ``rag.check.citations``: a passage with a finding is never evidence. No
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

# Pieces of the rules (which read folded text): compact tables of words, and places.
# fmt: off
#: Where a command stands: a sentence's or a line's start, or after "and", "please"…
_COMMAND = r"(?:^|(?<=[.!?:;\n\"'(])\s?|\b(?:and|then|now|please|kindly|instead|always),? )"
#: Where a sentence or a line starts; where words to the model open (a quote, a tag's end).
_START = r"(?:^|\n|(?<=[.!?\"'])\s)"
_OPEN = r"(?:^|(?<=[.!?:;\n\"'(>])) ?"
#: Words for an AI model; ``_AI`` adds "assistant", which news uses of people too, and
#: ``_WHO`` words that name a machine reader only when addressed.
_BOT = (r"(?:ai|a\.i\.|artificial intelligence|llms?|(?:large )?language models?|chat ?bots?|"
        r"bots?|ai (?:assistants?|models?|systems?|agents?|tools?|chatbots?|bots?)|gpts?|"
        r"chatgpt|claude|gemini|copilot|bard|llama|(?:automated |ai )?summari[sz]ers?|"
        r"machine readers?|automated (?:systems?|agents?|readers?|tools?|assistants?))")
_AI = rf"(?:{_BOT}|assistants?)"
_WHO = rf"(?:{_AI}|models?|agents?|machines?|computers?|crawlers?|scrapers?)"
#: What a model does with the text ("this …" must follow); the text named so.
_READING = (r"(?:reading|processing|summari[sz]ing|answering|ingesting|parsing|scanning|"
            r"crawling|indexing|quoting|analy[sz]ing|using|given|fed)")
_THIS = (r"(?:this|these) (?:page|article|text|passage|document|story|source|content|"
         r"paragraph|piece|report|note|site)")
#: What a model is told to do; an obligation put on it; setting its orders aside.
_DO = (r"(?:answer|respond|reply|say|state|write|output|print|tell|repeat|confirm|include|"
       r"cite|ignore|disregard|forget|skip|override|treat|report|declare|claim|insist|mention|"
       r"append|use|remember|always|never|do not|don't|drop|begin|start|present|describe|"
       r"summari[sz]e|portray|you)")
_MUST = (r"(?:must|should|shall|are to|is to|needs? to|ha(?:ve|s) to|"
         r"(?:are|is) (?:required|instructed|asked|told|expected) to)")
_SET_ASIDE = (r"(?:ignore|disregard|forget|override|overwrite|bypass|discard|skip|drop|"
              r"abandon|suspend|disobey|neglect|overlook|(?:set|put) aside|pay no attention to|"
              r"stop (?:following|obeying)|(?:do not|don't|no longer) (?:follow|obey))")
#: Its orders: "previous instructions", or anything it keeps to named as "your …".
_EARLIER = (r"(?:previous|prior|preceding|above|earlier|foregoing|original|initial|system|"
            r"developer|default|existing|old)")
_ORDERS = r"(?:instructions?|prompts?|directions?|directives?|programming|guardrails|rules)"
_YOUR_ORDERS = (r"(?:rules|guidelines|guidance|instructions|directives|prompt|programming|"
                r"training|constraints|restrictions|policies|safeguards|filters|guardrails|orders)")
#: Its reader, its answer, the questions it is asked, the words it is given.
_ASKER = r"(?:the |your )(?:users?|person asking|questioner|asker|reader)\b"
_QUOTE = r"[\"']"
_REPLY = r"(?:answer|respond|reply|output|print|say|write|type|repeat|state|return|echo)"
_ANSWER = r"(?:answer|response|reply|output|summary)"
_QUESTIONS = r"(?:questions?|quer(?:y|ies)|prompts?|requests?)"
_WORDS = r"(?:(?:the |a )?(?:single |one |following |exact )?(?:words?|phrase|sentence|text|statement))"  # noqa: E501
_TOLD = r"you (?:were|have been|'ve been) (?:told|given|instructed)"


def _rule(reason: str, *alternatives: str) -> tuple[str, re.Pattern[str]]:
    return reason, re.compile("|".join(f"(?:{a})" for a in alternatives))


#: (reason, pattern) of each rule; the reason completes "this passage …".
RULES = (
    _rule("tells the model to ignore its instructions",
        rf"\b{_SET_ASIDE} (?:(?:all|any|every|each|of|the|your|my|these|those) ){{0,3}}"
        rf"(?:{_EARLIER} (?:\w+ )?{_ORDERS}|(?:instructions|prompts?|programming|guardrails)\b)",
        r"\b(?:ignore|disregard|forget) (?:what|whatever|anything|everything|all)(?: of)?(?: the)? "
        r"(?:above|before|previously|(?:that )?(?:came|comes|was said|was written|is written) "
        r"(?:before|above))",
        rf"\b{_SET_ASIDE} (?:all |any |of )*your (?:[\w']+ ){{0,2}}?{_YOUR_ORDERS}\b",
        rf"\b{_SET_ASIDE} (?:its|their) (?:own )?(?:instructions|programming|training|prompt)",
        rf"\b(?:previous|prior|earlier|above|original|your) (?:\w+ )?(?:instructions|prompts?|"
        rf"directions|{_YOUR_ORDERS}) (?:(?:is|are|have been) (?:now )?(?:void|cancell?ed|"
        r"revoked|obsolete|null|invalid|overridden|superseded|suspended|lifted)|no longer apply)",
        rf"\b{_SET_ASIDE}\b[^.!?\n]{{0,40}}? {_TOLD}",
        # set the text, or what the model was told, aside, and give a command
        rf"{_COMMAND}{_SET_ASIDE} (?:all |any )?(?:of )?(?:your \w+|the (?:\w+ )?(?:article|"
        r"passage|text|sources?|page|document|context|story|above)|(?:what|whatever|anything|"
        rf"everything|the \w+) {_TOLD})\b[^.!?\n]{{0,40}}?(?: and|;|,|\.) (?:then |instead |"
        rf"simply |just |now |please )?{_DO}\b"),
    _rule("gives the model a new role",
        r"\byou are (?:now|no longer) (?:\w+ ){0,4}?(?:an? )?(?:ai|assistant|ai model|"
        r"language model|bot|chatbot|dan|(?:developer|god|dan|jailbreak|debug) mode|persona|"
        r"unrestricted|jailbroken|unfiltered|uncensored|bound by (?:any|your|the) (?:rules|"
        r"instructions|guidelines))\b",
        r"\byou(?: are|'re) (?:now )?(?:dan|jailbroken|unfiltered|uncensored|unrestricted|"
        r"in (?:developer|god|dan|jailbreak|debug) mode)\b",
        rf"\byou(?: are|'re) (?:an? |the )?(?:helpful |friendly |honest |large )?{_AI}\b",
        rf"\byou(?: are|'re) (?:now )?\w+, (?:an? |the )(?:\w+ )?(?:{_AI}|model)(?: that| which|"
        r" who| with| without|[,.;:])",
        rf"\bas an? {_AI}(?: \w+){{0,2}},? you\b",
        rf"\b(?:act|behave) as (?:if you (?:were|are) )?(?:an? )?(?:\w+ )?{_AI}\b",
        rf"\bpretend (?:to be|you are|that you are) (?:an? )?(?:\w+ )?{_AI}\b",
        rf"{_COMMAND}(?:pretend|imagine) (?:to be|(?:that )?you(?: are|'re)) [^.!?\n]{{0,60}}? "
        rf"and (?:then )?{_DO}\b",
        r"\byou (?:must|will|should|shall|are to|now)(?: now)? (?:act|roleplay|role-play|pose) "
        r"as\b",
        r"\bfrom now on,? you (?:will|must|should|shall|are to) (?:only |always )?"
        r"(?:answer|respond|reply|say|output|act|pretend|ignore|cite)\b",
        r"\byour (?:only |sole |new |real |true |actual )(?:job|task|goal|purpose|role|mission|"
        r"objective) (?:is|now)\b|\b(?:new|next|real|actual) task:"),
    _rule("addresses an AI model",
        # called by name, or by a label, then told: "Attention language models: disregard…"
        rf"{_OPEN}(?:(?:hey|dear|attention|note|message|reminder|to|for|ok|okay)(?: to| for)?,? )?"
        rf"(?:(?:any|all|every|the|other) )*{_WHO}(?: (?:instructions?|notes?|messages?))?[,:] "
        rf"(?:please |kindly |now |then )?{_DO}\b",
        rf"{_OPEN}(?:(?:hey|dear|hello|hi) )?{_AI}, [^.!?\n]{{0,50}}?\byou (?:\w+ )?{_DO}\b",
        rf"\b(?:{_AI}|models?) (?:instructions?|directives?|commands?) ?:",
        rf"\b(?:note|message|instructions?|attention|reminder|memo|warning)(?:(?: to| for|,):? "
        rf"(?:any |all |the |every )?| (?:any|all|every) ){_AI}\b",
        rf"\b(?:dear|hey|hello|hi|greetings),? {_AI}\b|\bif you are (?:an? |the )?(?:\w+ )?{_AI}\b",
        rf"\bif (?:an? |any |the )?{_AI} (?:reads?|is reading|sees?|processes|is processing|"
        r"summari[sz]es|encounters?)\b",
        rf"\b{_AI} {_READING} (?:this|these)\b|\b{_WHO} {_READING} {_THIS}\b",
        # an obligation put on any AI, on one that reads this text, or about this text
        rf"\b(?:(?:any|all|every|each) (?:\w+ )?(?:{_BOT}|models?)(?: \w+){{0,4}}?|{_WHO}"
        rf"(?: \w+){{0,2}}? (?:this|these)(?: \w+){{0,2}}?) {_MUST} (?:\w+ )?{_DO}\b",
        rf"\b{_BOT}(?: \w+){{0,2}}? {_MUST} (?:\w+ )?{_DO}\b(?: [\w']+){{0,3}}? (?:{_THIS}|"
        r"the following)\b",
        rf"{_START}{_AI}, (?:you|your|this is|please)\b",
        r"\b(?:override|message|instructions?|update|note|orders?) from your (?:developers?|"
        r"creators?|operators?|programmers?|makers?|owners?|administrators?)",
        # the model's situation: its user, the question it was asked
        r"\bthe user'?s? (?:next |following |first |current )?(?:question|query|prompt)",
        rf"{_COMMAND}(?:(?:also|then|simply|just|always) )?(?:tell|inform|assure|remind|"
        rf"convince|warn|answer|reply to|respond to|confirm to) {_ASKER}",
        r"\binstead of (?:answering|responding|replying|summari[sz]ing|following)\b"
        rf"[^.!?\n]{{0,50}}?, (?:please |just |simply )?{_DO}\b"),
    _rule("dictates the words of the answer",
        rf"{_COMMAND}{_REPLY}(?: back)?(?: only| solely| exclusively| exactly| verbatim)*"
        rf"(?: with| using| by saying| the following| {_WORDS})?:? ?{_QUOTE}",
        rf"\b(?:answer|respond|reply)(?: (?:to )?(?:(?:any|every|all|each|this|the) )?(?:\w+ )"
        rf"{{0,2}}?{_QUESTIONS})?(?: only| solely| exclusively| always)* (?:with|using) ?(?:only |"
        rf"exactly |just )?(?:{_WORDS}|exactly|verbatim|the following|{_QUOTE}|:)",
        rf"{_START}(?:only|always|never)(?: ever)? (?:answer|respond|reply|say|state|write|"
        r"output)\b",
        rf"{_COMMAND}(?:answer|respond|reply)\b[^.!?\n]{{0,60}}? by (?:saying|stating|writing|"
        r"claiming|declaring|repeating|telling)\b",
        rf"\b(?:in|at the (?:start|end|beginning) of|begin|start|end|finish) your {_ANSWER}",
        rf"\byour {_ANSWER} (?:must|should|shall|has to|needs to|will|may only)\b",
        r"\b(?:summar(?:y|ies)|answers?|responses?|replies|outputs?)\b(?: \w+){0,4}? (?:this|"
        r"these) (?:article|passage|text|story|page|document|source|report)s? (?:must|should|"
        r"shall|needs? to|ha(?:ve|s) to)",
        r"\bmust be (?:included|mentioned|stated|repeated) in (?:all|every|any|each|your) "
        r"(?:summar(?:y|ies)|answers?|responses?|replies)",
        r"\bdo not (?:mention|reveal|disclose|tell|cite|repeat|say) (?:\w+ ){0,3}?(?:the user|"
        r"these instructions|this instruction|this (?:note|message|prompt)|that you)\b",
        r"\b(?:reveal|print|show|output|repeat|disclose|leak|display) (?:\w+ ){0,2}?(?:your|the) "
        r"(?:system prompt|initial prompt|hidden prompt|original prompt|hidden instructions)"),
    _rule("tells the model what to cite",
        r"\bcit(?:e|es|ing|ation)\b(?: \w+){0,4}?:? \[\s*\d+\s*\]",
        r"\bcite (?:it |this |them )?(?:as )?(?:source|passage|document|reference)s? "
        r"(?:#|no\.? ?|number )?\d+",
        r"\b(?:add|include|append|attach|use|put) (?:the |a )?(?:citation|reference|marker)s? "
        rf"{_QUOTE}?\[\s*\d"),
    _rule("states the answer to any question",
        r"\bthe (?:correct|right|only|true|real|final|expected|official) (?:\w+ )?answer to "
        rf"(?:any|every|all|each|this|your|the user'?s?) (?:\w+ ){{0,3}}?{_QUESTIONS}",
        r"\b(?:answer|response|repl(?:y|ie))s? to (?:any|every|all|each) (?!of\b)(?:\w+ ){0,4}?"
        rf"{_QUESTIONS}(?: \w+){{0,6}}? (?:is|should be|must be|will be)\b",
        # "the answer to (all) questions (about X): …", "the right reply is '…'"
        rf"\b(?:answer|response|reply) (?:to|for) (?:(?:any|all|every|each) (?:\w+ ){{0,2}}?"
        rf"{_QUESTIONS}|questions|queries)\b(?: (?:about|on|regarding|concerning) [^.:;!?\n\"]"
        rf"{{1,50}}?)?(?::| (?:is|should be|must be|will be)(?::| {_QUOTE}))",
        r"\bthe (?:(?:correct|right|only|true|real|final|expected|official|proper|acceptable|"
        rf"valid) )*(?:answer|response|reply|summary)(?: (?:of|to|for|about) {_THIS})? (?:is|"
        rf"should be|must be|will be):? {_QUOTE}",
        rf"\b(?:to|for) (?:any|all|every|each) (?:\w+ ){{0,2}}?{_QUESTIONS}\b[^.!?\n]{{0,50}}?,? "
        r"(?:the |your )?(?:only )?(?:answer|response|reply) (?:is|must be|should be|will be)\b",
        rf"\b(?:must|should|shall|is to|are to|ha(?:s|ve) to|needs? to) (?:always |only )?be "
        rf"(?:answered|responded to|replied to) (?:only |solely |always )?(?:with|by saying|"
        rf"by stating|using):? ?(?:{_QUOTE}|{_WORDS}|the following|that\b)",
        r"\b(?:whatever|no matter what|regardless of what|irrespective of what|whoever) (?:the )?"
        r"(?:question|user|reader|anyone|someone|is asked|is asking|you are asked|you're asked|"
        r"gets asked|is being asked)\b",
        r"(?:^|[.!?] |\n|\bplease |\balways |\bnow )(?:answer|respond to|reply to) (?:any|every|"
        rf"all|each) (?:\w+ ){{0,3}}?{_QUESTIONS}",
        r"\b(?:if|when|whenever) (?:you(?: are|'re)? |(?:someone|anyone|a user|the user|users|"
        r"people|a reader) )?(?:asked|asks?|questioned|prompted|answering|summari[sz]ing|"
        r"summari[sz]e|responding|respond|answer|reply|replying|describing|describe)\b"
        r"[^.!?\n]{0,80}?, (?:you (?:must|should) )?(?:always |please |the (?:correct |right |"
        r"only |proper )(?:answer|reply|response) is )?(?:say|that\b|answer|respond|reply|state|"
        r"claim|insist|cite|include|mention|lead|begin|start|write|tell|repeat|output)\b"),
    _rule("imitates a chat turn or prompt markup",
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
        r"\bbegin (?:system|new) (?:prompt|instructions?)"),
    _rule("closes or opens the prompt's wrapper around a source",
        r"< ?/? ?(?:sources?|system|instructions?|context|documents?|passages?|premise|user|"
        r"assistant|prompt|im_start|im_end)(?: \d+)? ?>",
        r"(?:^|\n|[.!?] )(?:-{2,}|={2,}|\*{2,})? ?end of (?:the )?(?:sources?|context|documents?|"
        r"passages?|input|prompt|system prompt)\b"),
)
# fmt: on
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
