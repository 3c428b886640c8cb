"""Who can speak in an article: its people with their roles, its outlets and channels, and
what a cue's words ("the political analyst", "Abishev", "he", "insiders", "the
publication") refer to.

People are found where the article names them with a role, before the name ("Political
analyst Kazbek Beisebayev") or after it ("Jane Reyes, a spokeswoman for the agency,"), and
wherever a cue names them. A later mention resolves to the fullest name with the same
surname; "the analyst" to the latest person whose role has that noun; "he" or "she" to the
latest person named. Outlets are found as "the Telegram channel Razvedchik", "the newspaper
Kommersant", or a known agency's name; "the publication" or "the channel" resolves to the
latest one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Nouns that end a role ("political analyst", "foreign minister", "chief executive").
ROLE_NOUNS = (
    "analyst",
    "analysts",
    "commentator",
    "commentators",
    "expert",
    "experts",
    "scientist",
    "scientists",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "minister",
    "president",
    "secretary",
    "official",
    "officials",
    "senator",
    "professor",
    "director",
    "economist",
    "researcher",
    "lawyer",
    "attorney",
    "adviser",
    "advisor",
    "chairman",
    "chairwoman",
    "chair",
    "ceo",
    "founder",
    "editor",
    "journalist",
    "ambassador",
    "governor",
    "mayor",
    "leader",
    "head",
    "chief",
    "representative",
    "strategist",
    "diplomat",
    "general",
    "activist",
    "author",
    "correspondent",
    "executive",
    "manager",
    "deputy",
    "lawmaker",
    "congressman",
    "congresswoman",
    "judge",
    "prosecutor",
    "investigator",
    "historian",
    "politician",
    "candidate",
    "coach",
    "captain",
    "premier",
    "chancellor",
    "sociologist",
)
#: Role nouns an article uses for any of its experts ("the expert explained" after a
#: commentator's words): they name the latest person with a role.
GENERIC_ROLES = frozenset(["expert", "analyst", "commentator", "observer", "specialist"])
#: Words that name an outlet or channel ("the Telegram channel …", "the publication").
OUTLET_NOUNS = (
    "channel",
    "publication",
    "newspaper",
    "outlet",
    "agency",
    "magazine",
    "website",
    "broadcaster",
    "daily",
    "tabloid",
    "paper",
    "network",
    "portal",
    "blog",
)
#: News agencies and outlets named without a noun ("according to Reuters").
KNOWN_OUTLETS = (
    "Reuters",
    "Bloomberg",
    "AFP",
    "AP",
    "TASS",
    "Interfax",
    "RIA",
    "Xinhua",
    "BBC",
    "CNN",
    "Kommersant",
    "Vedomosti",
    "Axios",
    "Politico",
)
_NAME_WORD = r"[A-Z][a-zà-ÿ]+(?:[-'’][A-Za-zà-ÿ]+)*"
#: Two to four capitalised words: a person's name.
NAME = rf"{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|[A-Z]\.))*\s+{_NAME_WORD}"
_ROLE = rf"(?i:(?:[a-z][\w-]*\s+){{0,3}}?(?:{'|'.join(ROLE_NOUNS)}))"
_ROLE_BEFORE = re.compile(rf"(?<![\w’'])(?P<role>{_ROLE})\s+(?P<name>{NAME})")
_ROLE_AFTER = re.compile(
    rf"(?P<name>{NAME}),\s+(?:a|an|the)?\s*(?P<role>{_ROLE}(?:\s+(?:of|at|for|with)\s+[^,.;]{{2,60}})?),"
)
_OUTLET = re.compile(
    rf"(?:[Tt]he\s+)?(?P<role>(?:[A-Z]\w+\s+)?(?:{'|'.join(OUTLET_NOUNS)}))\s+(?P<name>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)"
)
#: How unnamed sources are named.
ANONYMOUS = re.compile(
    r"^(?:(?:the|a|an|one|two|several|some|other|many)\s+)?(?:[\w’'-]+\s+){0,3}?"
    r"(?:insiders?|sources?|informants?|people familiar\b.*|person familiar\b.*|"
    r"officials who\b.*|available information|reports?)$",
    re.IGNORECASE,
)
#: Words a role phrase must not start with (the role would swallow the sentence).
_NOT_ROLE = {"the", "a", "an", "and", "of", "to", "in", "on", "at", "by", "for", "with", "that"}
_PRONOUNS = {"he", "she", "they"}
#: Connectives before a cue's speaker ("At the same time, X said") or after it (", in turn,").
_LEAD = re.compile(
    r"^(?:(?:but|and|yet|so|moreover|however|meanwhile|also|still|at the same time|in turn|"
    r"in addition|furthermore|for (?:his|her|their) part|later|earlier)\s*,?\s+)+",
    re.IGNORECASE,
)
_TRAIL = re.compile(r"(?:,?\s*(?:in turn|also|too|however|later|then|again|further)\s*,?)+$")


@dataclass(frozen=True)
class Speaker:
    """Whom a cue names: a name (or descriptor), a role, and whether a person, unnamed
    sources, or an outlet."""

    name: str
    role: str
    kind: str  # "person", "anonymous" or "outlet"


@dataclass
class Cast:
    """The people and outlets an article names, in order of first mention."""

    people: dict[str, Speaker] = field(default_factory=dict)  # surname → fullest
    latest_person: Speaker | None = None
    latest_outlet: Speaker | None = None

    @classmethod
    def of(cls, text: str) -> Cast:
        """The cast of ``text``, from its role mentions."""
        cast = cls()
        for match in _ROLE_BEFORE.finditer(text):
            role = _role(match.group("role"))
            if role:
                cast.add(match.group("name"), role)
        for match in _ROLE_AFTER.finditer(text):
            cast.add(match.group("name"), _role(match.group("role")) or "")
        return cast

    def add(self, name: str, role: str) -> Speaker:
        """Record ``name`` (with ``role``); the fullest mention of its surname."""
        surname = name.split()[-1]
        known = self.people.get(surname)
        fullest = name if known is None or len(name) > len(known.name) else known.name
        person = Speaker(fullest, (known.role if known and known.role else role), "person")
        self.people[surname] = person
        return person

    def seen(self, span: str) -> None:
        """Note the people and outlets mentioned in ``span`` as the latest ones."""
        for match in re.finditer(NAME, span):
            person = self.people.get(match.group().split()[-1])
            if person is not None:
                self.latest_person = person
        outlet = _OUTLET.search(span)
        if outlet:
            self.latest_outlet = Speaker(
                outlet.group("name"), outlet.group("role").lower(), "outlet"
            )

    def resolve(self, words: str) -> Speaker | None:
        """Whom ``words`` (a cue's subject) name, or None when they name no one."""
        words = _TRAIL.sub("", _LEAD.sub("", words.strip(" ,\n"))).strip(" ,")
        lower = words.lower()
        if not words or len(words.split()) > 10:
            return None
        if lower in _PRONOUNS:
            return self.latest_person
        if ANONYMOUS.match(words):
            return Speaker(words[:1].lower() + words[1:], "", "anonymous")
        outlet = _OUTLET.fullmatch(words)
        if outlet:
            found = Speaker(outlet.group("name"), outlet.group("role"), "outlet")
            self.latest_outlet = found
            return found
        if lower.startswith("the ") and lower.split()[-1] in OUTLET_NOUNS:
            return self.latest_outlet
        if words in KNOWN_OUTLETS:
            return Speaker(words, "", "outlet")
        if lower.startswith("the ") and lower.split()[-1] in ROLE_NOUNS:
            return self._by_role(lower.split()[-1]) or Speaker(words, "", "person")
        return self._named(words)

    def _by_role(self, noun: str) -> Speaker | None:
        latest = self.latest_person
        if latest and (noun in latest.role.split() or (noun in GENERIC_ROLES and latest.role)):
            return latest
        matching = [p for p in self.people.values() if noun in p.role.split()]
        return matching[-1] if matching else self.latest_person

    def _named(self, words: str) -> Speaker | None:
        """A subject holding a name: a known person, a newly met one, or an organisation."""
        before = _ROLE_BEFORE.fullmatch(words)
        if before:
            return self.add(before.group("name"), _role(before.group("role")))
        name = re.search(NAME, words)
        if name:
            surname = name.group().split()[-1]
            return self.people.get(surname) or self.add(name.group(), "")
        single = re.fullmatch(r"(?:the\s+)?([A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*)", words)
        if single:
            surname = single.group(1).split()[-1]
            known = self.people.get(surname)
            return known or Speaker(words, "", "organisation")
        return None


def _role(phrase: str) -> str:
    """A role phrase cut to its own words (no sentence lead-in), lower-cased."""
    words = phrase.split()
    while words and (words[0].lower() in _NOT_ROLE or words[0].endswith(",")):
        words = words[1:]
    return " ".join(w if w.isupper() else w.lower() for w in words)
