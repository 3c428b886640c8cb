"""What the support check reads from a text: word stems, numbers, names and negations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.text.sentences import STOPWORDS, content_words, hyphen_breaks

_NEGATION_WORDS = """not no never nor neither none nobody nothing nowhere cannot without
    lack lacks lacked lacking"""
_NEGATIONS = frozenset(_NEGATION_WORDS.split())
#: Number words read as digits ("one" is left out: it is more often a pronoun).
# fmt: off
_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "hundred": "100", "thousand": "1000",
}
# fmt: on
_NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")
_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
_WORD_OR_MARK = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
_CLAUSE_END = re.compile(r"[,;:.!?—–()]|\b(?:but|while|who|which|whereas)\b", re.IGNORECASE)
#: Words after a negation that it governs (within its clause).
_SCOPE = 8
#: Verbs after which capitalised words name a speaker, not a claim ("Abishev said").
_SPEECH_WORDS = """said says say told tells thinks think thought believes believe believed
    argues argued notes noted stated states added adds explained explains emphasised
    emphasized stresses stressed concluded warned warns claims claimed considers considered
    suggests suggested writes wrote insists insisted"""
_SPEECH = frozenset(_SPEECH_WORDS.split())
_SUFFIXES = ("ings", "ing", "ions", "ion", "edly", "ed", "ies", "es", "s", "ly", "e")
_ADJECTIVE_ENDINGS = ("able", "ible", "ent")
#: Pairs of opposites whose swap turns a supported claim into a false one.
_ANTONYM_PAIRS = """increase decrease, increase cut, rise fall, grow decline, growth decline,
    strengthen weaken, strong weak, stronger weaker, win lose, won lost, victory defeat,
    support oppose, support opposition, supporter opponent, accept reject, approve reject,
    agree disagree, allow ban, allow forbid, easy difficult, easy hard, stable fragile,
    regular rare, frequent rare, often rarely, public secret, openly secretly,
    friendly hostile, friend enemy, ally enemy, ally adversary, improve worsen, better worse,
    success failure, succeed fail, high low, higher lower, large small, big small,
    many few, early late, first last, include exclude, confirm deny, true false, peace war,
    close distant, harmonious strained, expand shrink, gain loss, rich poor,
    maximum minimum, majority minority, above below"""


def _antonyms() -> dict[str, frozenset[str]]:
    """Each stem of ``_ANTONYM_PAIRS`` and the stems of its opposites."""
    table: dict[str, set[str]] = {}
    for pair in _ANTONYM_PAIRS.split(","):
        first, second = (stem(word) for word in pair.split())
        table.setdefault(first, set()).add(second)
        table.setdefault(second, set()).add(first)
    return {word: frozenset(others) for word, others in table.items()}


_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "`": "'"})
#: Characters ignored when looking for a sentence copied from a passage.
_IGNORED = frozenset("\"'()«»")


@dataclass(frozen=True)
class Claim:
    """What the checks read from a text: word stems, numbers, names and negations."""

    stems: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    #: Capitalised words (people, places, organisations) after the first word.
    names: frozenset[str] = frozenset()
    #: Names of who says something ("Abishev said", "according to Abishev"); a passage
    #: quoting someone often names them only in the passage before, so they weigh half.
    speakers: frozenset[str] = frozenset()
    #: Stems of the words a negation governs ('unhappy' governs 'happy').
    negated: frozenset[str] = frozenset()
    #: Whether the text negates anything.
    negates: bool = False

    @classmethod
    def of(cls, text: str) -> Claim:
        """What the checks read from ``text``."""
        text = text.translate(_QUOTES)
        names, speakers = _names(_WORD_OR_MARK.findall(text))
        negated, negates = negations(text)
        return cls(
            stems=frozenset(stem(word) for word in content_words(text)),
            numbers=frozenset(numbers(text)),
            names=frozenset(names - speakers),
            speakers=frozenset(speakers),
            negated=frozenset(negated),
            negates=negates,
        )

    def __or__(self, other: Claim) -> Claim:
        return Claim(
            self.stems | other.stems,
            self.numbers | other.numbers,
            self.names | other.names,
            self.speakers | other.speakers,
            self.negated | other.negated,
            self.negates or other.negates,
        )


def contradicts(claim: Claim, unit: Claim) -> bool:
    """Whether ``unit`` says the opposite of ``claim``, judged by the words they share: one
    negates what the other asserts, or it has the antonym of one of the claim's words."""
    denied = bool(unit.negated & claim.stems) and not claim.negates
    asserted = bool(claim.negated & unit.stems) and not unit.negates
    return denied or asserted or _opposed(claim.stems, unit.stems)


def _opposed(claim: frozenset[str], unit: frozenset[str]) -> bool:
    """Whether ``unit`` has the antonym of a word of ``claim`` and neither that word nor
    the claim the antonym ('growing' against 'the decline of')."""
    for word in claim - unit:
        if any(other in unit and other not in claim for other in _ANTONYMS.get(word, ())):
            return True
    return False


def stem(word: str) -> str:
    """A crude stem so that inflections of one word compare equal ('sanctions', 'sanction')."""
    word = word.lower().translate(_QUOTES).removesuffix("'s")
    for _ in range(2):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
    return word


def numbers(text: str) -> set[str]:
    """Numbers written in ``text``, as digits ('four' -> '4', '2,000' -> '2000')."""
    found = {match.replace(",", "") for match in _NUMBER.findall(text)}
    words = (word.lower() for word in _TOKEN.findall(text))
    return found | {_NUMBER_WORDS[word] for word in words if word in _NUMBER_WORDS}


def negations(text: str) -> tuple[set[str], bool]:
    """Stems of the words that negations govern in ``text`` (lower-case content words up to
    the end of the clause), and whether it negates anything. A negative prefix governs its
    own word: 'unhappy' governs 'happy', 'independent' 'dependent'; un- counts as negating
    (in- and im- are too often no negation: 'incident')."""
    governed: set[str] = set()
    found = False
    for clause in _CLAUSE_END.split(text):
        words = _TOKEN.findall(clause)
        for i, word in enumerate(words):
            low = word.lower()
            if low in _NEGATIONS or low.endswith("n't"):
                found = True
                scope = [w for w in words[i + 1 : i + 1 + _SCOPE] if w.islower()]
                governed |= {stem(w) for w in content_words(" ".join(scope))} - {"longer"}
            elif word.islower() and (positive := _unprefixed(low)):
                governed.add(stem(positive))
                found = found or low.startswith("un")
    return governed, found


def _unprefixed(word: str) -> str | None:
    """The word a negative prefix negates: 'unlikely' -> 'likely', 'impossible' ->
    'possible'; None for other words. in-/im- count only before some adjective endings, so
    that 'intense' or 'internal' are left alone."""
    if word.startswith("un") and len(word) > 5:
        return word[2:]
    if word.startswith(("in", "im")) and len(word) > 7 and word.endswith(_ADJECTIVE_ENDINGS):
        return word[2:]
    return None


def _names(tokens: Sequence[str]) -> tuple[set[str], set[str]]:
    """Stems of the capitalised words after the first word, and of those naming a speaker;
    ``tokens`` are words and punctuation marks."""
    first = next((i for i, t in enumerate(tokens) if t[0].isalnum()), len(tokens))
    speakers: set[int] = set()
    for i, token in enumerate(tokens):
        if token.lower() in _SPEECH:
            speakers |= set(_capitalised_run(tokens, i - 1, -1))
        elif token.lower() == "to" and i > 0 and tokens[i - 1].lower() == "according":
            speakers |= set(_capitalised_run(tokens, i + 1, 1))
    names = {
        i
        for i, t in enumerate(tokens)
        if i > first and t[0].isupper() and t.lower() not in STOPWORDS
    }
    return {stem(tokens[i]) for i in names}, {stem(tokens[i]) for i in names & speakers}


def _capitalised_run(tokens: Sequence[str], start: int, step: int) -> list[int]:
    run = []
    while 0 <= start < len(tokens) and tokens[start][0].isupper():
        run.append(start)
        start += step
    return run


def known_name(name: str, stems: frozenset[str]) -> bool:
    """Whether a passage mentions ``name`` ('kazakhstan' also matches 'kazakh')."""
    return any(s.startswith(name[:5]) or (len(s) >= 5 and name.startswith(s)) for s in stems)


def normalised(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased, quotes dropped, words hyphenated at a line end joined and
    whitespace collapsed, with the offset in ``text`` of each character kept."""
    chars: list[str] = []
    offsets: list[int] = []
    joins = {i for start, end in hyphen_breaks(text) for i in range(start, end)}
    for i, char in enumerate(text.translate(_QUOTES).lower()):
        if i in joins:
            continue
        if char in _IGNORED or (char.isspace() and (not chars or chars[-1] == " ")):
            continue
        chars.append(" " if char.isspace() else char)
        offsets.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return "".join(chars), offsets


_ANTONYMS = _antonyms()
