"""Who can speak in an article, and whom a cue's words name ("the political analyst",
"Abishev", "he", "insiders", "the company", "the FDA", "the publication").

People are found where the article names them with a role, before the name ("Political
analyst Kazbek Beisebayev") or after it ("Jane Reyes, a spokeswoman for the agency,"), and
wherever a cue names them. A surname resolves to the fullest name the article gives it
("Browning" → "Darice Browning"); an acronym to the name it stands for ("the FDA" → "Food
and Drug Administration"); "the analyst" to the latest person whose role has that noun
(any expert's, for "the expert" or "the analyst"); "he" or "she" to the latest person;
"the company" or "the agency" to the latest organisation; "the official" to the latest
unnamed source; "the publication" or "the channel" to the latest outlet. Unnamed sources
("insiders", "a White House official", "experts") are ``anonymous``; outlets, channels and
studies ("the Telegram channel Razvedchik", "a new report by Datasembly") are ``outlet``
(their claims are relayed).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Nouns that end a role ("political analyst", "foreign minister", "chief executive").
ROLE_NOUNS = _words("""analyst analysts commentator commentators expert scientist
    spokesperson spokesman spokeswoman minister president secretary senator professor director
    economist researcher lawyer attorney adviser advisor chairman chairwoman chair ceo founder
    editor journalist ambassador governor mayor leader head chief representative strategist
    diplomat general activist author correspondent executive manager deputy lawmaker
    congressman congresswoman judge prosecutor investigator historian politician candidate
    coach captain premier chancellor sociologist commissioner administrator officer""")
#: Role nouns an article uses for any of its experts ("the expert explained" after a
#: commentator's words): they name the latest person with a role.
GENERIC_ROLES = _words("expert analyst commentator observer specialist")
#: Words that name an outlet or channel ("the Telegram channel …", "the publication").
OUTLET_NOUNS = _words("""channel publication newspaper outlet magazine website broadcaster
    daily tabloid paper portal blog""")
#: What a study or report is called: its claims are relayed ("according to the study").
STUDY_NOUNS = _words("""study report survey analysis index poll data research documents
    review findings ranking""")
#: What an organisation is called in a cue ("the company said").
ORG_NOUNS = _words("""company agency firm group organisation organization administration
    department ministry government association academy institute statement retailer
    manufacturer maker chain office""")
#: News agencies and outlets named without a noun ("according to Reuters").
KNOWN_OUTLETS = _words("""Reuters Bloomberg AFP AP TASS Interfax RIA Xinhua BBC CNN
    Kommersant Vedomosti Axios Politico""")
_PRONOUNS = _words("he she they")
_NOT_SPEAKERS = _words("this that these those which what there here")
#: What a court document is called ("the complaint says", "the document says").
DOCUMENT_NOUNS = _words("complaint document lawsuit filing suit letter memo")
_NAME_WORD = r"[A-Z][a-zà-ÿ]+(?:[A-Z][a-zà-ÿ]+|[-'’][A-Za-zà-ÿ]+)*"
#: Two to four capitalised words: a person's name ("Robert B. Ford", "Rosa DeLauro").
_STOP_FIRST = """After Before In On At The A An But And When While As If Since During Although
    Though With For From By Of To This That These Those Its His Her Their Our Meanwhile Then So
    Additionally However Moreover Perhaps Here There Former Senate House Pressed Once"""
NAME = (
    rf"(?!(?:{'|'.join(_STOP_FIRST.split())})\s){_NAME_WORD}"
    rf"(?:\s+(?:{_NAME_WORD}|[A-Z]\.))*\s+{_NAME_WORD}"
)
#: An organisation's name: capitalised words, "and", "of", "for" or "&" between them.
_ORG = r"[A-Z][\w.’'&-]*(?:\s+(?:(?:and|of|for|&)\s+)?[A-Z][\w.’'&-]*)*"
_ROLE = rf"(?i:(?:[a-z][\w-]*\s+){{0,3}}?(?:{'|'.join(sorted(ROLE_NOUNS, key=len)[::-1])}))"
_ROLE_BEFORE = re.compile(rf"(?<![\w’'])(?P<role>{_ROLE})\s+(?:Dr\.\s+)?(?P<name>{NAME})")
_ROLE_AFTER = re.compile(
    rf"(?P<name>{NAME}),\s+(?:a|an|the)?\s*"
    rf"(?P<role>{_ROLE}(?:\s+(?:of|at|for|with)\s+[^,.;]{{2,60}})?),"
)
_OUTLET = re.compile(
    rf"(?:[Tt]he\s+)?(?P<role>(?:[A-Z]\w+\s+)?(?:{'|'.join(OUTLET_NOUNS)}))\s+(?P<name>{_ORG})"
)
_STUDY_BY = re.compile(
    rf"\b(?:{'|'.join(STUDY_NOUNS)})\s+(?:\w+\s+)?(?:by|from)\s+(?:[a-z][\w-]*\s+){{0,3}}?"
    rf"(?:the\s+)?(?P<name>{_ORG})"
)
_STUDY_OF = re.compile(
    rf"(?:the\s+)?(?P<name>{_ORG})['’]s?\s+(?:[a-z]+\s+)?(?:{'|'.join(STUDY_NOUNS)})"
)
#: How unnamed sources are named ("insiders", "a White House official", "experts").
ANONYMOUS = re.compile(
    r"^(?:(?:the|a|an|one|two|several|some|other|many|unnamed|anonymous)\s+)?"
    r"(?:[\w’'.-]+\s+){0,3}?(?:insiders?|sources?|informants?|officials?|experts|"
    r"whistleblowers?|employees?|people|persons?|residents|witnesses|reports|retailers|"
    r"spokesperson|spokesman|spokeswoman|available information)"
    r"(?:\s+(?:familiar|close|who|with)\b.*)?$",
    re.IGNORECASE,
)
#: Connectives and time phrases before a cue's speaker ("At the same time, X said", "In
#: March, the FDA said") and words after it (", in turn,", "had", "also").
_LEAD = re.compile(
    r"^(?:(?:but|and|yet|so|moreover|however|meanwhile|also|still|at the same time|in turn|"
    r"in addition|furthermore|for (?:his|her|their|its) part|later|earlier|[a-z]+ly|"
    r"(?:in|on|at|by|after|before|during|since|last|this) [^,]{1,40})\s*,?\s+)+",
    re.IGNORECASE,
)
_TRAIL = re.compile(
    r"(?:,?\s*(?:in turn|also|too|however|later|then|again|further|had|has|have|would|will|"
    r"previously|recently|has also|had also)\s*,?)+$",
    re.IGNORECASE,
)
#: A sentence's subject that names an organisation ("Walgreens is limiting shoppers…").
_SUBJECT = re.compile(
    rf"(?:^\s*|[.!?][\"”’]?\s+)(?:The\s+)?(?!(?:{'|'.join(_STOP_FIRST.split())})\s)(?P<name>{_ORG})\s+"
    r"(?:is|was|has|had|will|would|[a-z]+s|[a-z]+ed)\b"
)
#: When or where a cue was given, after its speaker ("the FDA on Monday", "Abbott in a
#: statement").
_WHEN = re.compile(
    r"(?:\s+(?:on|last|this|late|early|earlier|in a|in an|in its|in his|in her|at a|during a)"
    r"\s+[\w’'-]+(?:\s+[\w’'-]+){0,3})+$",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r",\s+(?:who|which|whose|where)\b.*$")
#: Words a role phrase must not start with (the role would swallow the sentence).
_NOT_ROLE = _words("the a an and of to in on at by for with that")


@dataclass(frozen=True)
class Speaker:
    """Whom a cue names: a name (or descriptor), a role, and what they are: "person",
    "organisation", "anonymous" (unnamed sources) or "outlet" (an outlet, channel or study,
    whose claims are relayed)."""

    name: str
    role: str
    kind: str


@dataclass
class Cast:
    """The people an article names, and the latest speaker of each sort, as it is read."""

    text: str = ""
    people: dict[str, Speaker] = field(default_factory=dict)  # surname → fullest
    latest: dict[str, Speaker] = field(default_factory=dict)  # kind → latest speaker
    orgs: dict[str, Speaker] = field(default_factory=dict)  # organisations that spoke
    fuller: dict[str, str] = field(default_factory=dict)  # one word → its fullest name
    names: list[str] | None = None  # the article's names, read once when first needed
    phrases: list[str] | None = None  # its capitalised phrases (``_unstopped``), likewise

    @classmethod
    def of(cls, text: str) -> Cast:
        """The cast of ``text``, from its role mentions."""
        cast = cls(text)
        for match in _ROLE_BEFORE.finditer(text):
            role = _role(match.group("role"))
            if role:
                cast.add(match.group("name"), role)
        for match in _ROLE_AFTER.finditer(text):
            cast.add(match.group("name"), _role(match.group("role")))
        return cast

    def add(self, name: str, role: str) -> Speaker:
        """Record ``name`` (with ``role``) under its surname, kept at its fullest."""
        surname = name.split()[-1]
        known = self.people.get(surname)
        fullest = name if known is None or len(name) > len(known.name) else known.name
        person = Speaker(fullest, known.role if known and known.role else role, "person")
        self.people[surname] = person
        return person

    def seen(self, span: str) -> None:
        """Note the people, organisations and outlets mentioned in ``span`` as the latest
        ones, in the order they are mentioned."""
        for match in re.finditer(NAME, span):
            person = self.people.get(match.group().split()[-1])
            if person is not None:
                self.latest["person"] = person
        outlet = _OUTLET.search(span)
        if outlet:
            self.latest["outlet"] = Speaker(outlet.group("name"), outlet.group("role"), "outlet")
        mentioned: list[tuple[int, Speaker]] = []
        for subject in _SUBJECT.finditer(span):
            name = self._org(subject.group("name"))
            if name.split()[-1] not in self.people and (
                not re.fullmatch(NAME, name) or _org_like(name)
            ):
                mentioned.append((subject.start("name"), Speaker(name, "", "organisation")))
        for match in re.finditer(_ORG, span):
            known = self.orgs.get(self._org(_unstopped(match.group())))
            if known is not None:
                mentioned.append((match.start(), known))
        if mentioned:
            self.latest["organisation"] = max(mentioned, key=lambda m: m[0])[1]

    def first_person(self, span: str) -> Speaker | None:
        """The first person of the cast that ``span`` names (by surname), if any: the
        subject of "Becerra defended the response, saying, “…”"."""
        for word in re.findall(r"[A-Z][\w’'-]+", span):
            if word in self.people:
                return self.people[word]
        return None

    def said(self, speaker: Speaker) -> Speaker:
        """Note ``speaker`` as the latest of its kind (and the latest speaker of all)."""
        self.latest[speaker.kind] = speaker
        self.latest["any"] = speaker
        if speaker.kind == "organisation":
            self.orgs[speaker.name] = speaker
            self.latest["organisation speaking"] = speaker
        if speaker.kind == "person":
            self.latest["person speaking"] = speaker
        return speaker

    def resolve(self, words: str) -> Speaker | None:
        """Whom ``words`` (a cue's subject) name, or None when they name no one."""
        words = _CLAUSE.sub("", words.strip(" ,\n"))
        words = _TRAIL.sub("", _WHEN.sub("", _TRAIL.sub("", _LEAD.sub("", words)))).strip(" ,")
        parts = [part.strip() for part in words.split(",") if part.strip()]
        if len(parts) > 1:  # "Jane Reyes, a spokeswoman, said"; "Pressed on…, Califf said"
            first = parts[0] if len(parts[0].split()) <= 4 else ""
            found = (self._resolved(first) if first else None) or self._resolved(parts[-1])
        elif words and len(words.split()) <= 10:
            found = self._resolved(words)
        else:
            found = None
        return self.said(found) if found is not None else None

    def _resolved(self, words: str) -> Speaker | None:
        lower = words.lower()
        last = lower.split()[-1]
        if lower in _PRONOUNS:
            return self.latest.get("person speaking") or self.latest.get("person")
        if lower in _NOT_SPEAKERS:
            return None
        if lower == "it":
            return self.latest.get("organisation")
        owned = _STUDY_OF.fullmatch(words)
        if owned:
            return Speaker(self._org(owned.group("name")), "", "outlet")
        study = _STUDY_BY.search(words)
        if study:
            return Speaker(self._org(study.group("name")), "", "outlet")
        outlet = _OUTLET.fullmatch(words)
        if outlet:
            return Speaker(outlet.group("name"), outlet.group("role"), "outlet")
        if words in KNOWN_OUTLETS:
            return Speaker(words, "", "outlet")
        if re.match(r"(?:the|its|this|that)\s", lower):
            return self._the(words, last)
        if ANONYMOUS.match(words) and not re.search(NAME, words):
            return Speaker(words[:1].lower() + words[1:], "", "anonymous")
        if last in STUDY_NOUNS:
            return self.latest.get("outlet") or Speaker(words[:1].lower() + words[1:], "", "outlet")
        return self._named(words)

    def _the(self, words: str, noun: str) -> Speaker | None:
        """A speaker named by a common noun: "the analyst", "the company", "the study"."""
        if noun in OUTLET_NOUNS:
            return self.latest.get("outlet")
        if noun in ROLE_NOUNS:
            return self._by_role(noun) or Speaker(words, "", "person")
        if noun in STUDY_NOUNS:
            return self.latest.get("outlet") or Speaker(words.lower(), "", "outlet")
        if noun == "statement":  # the statement of whoever last spoke
            return self.latest.get("organisation speaking") or self.latest.get("any")
        if noun in ORG_NOUNS:
            return self.latest.get("organisation") or Speaker(words, "", "organisation")
        anonymous = self.latest.get("anonymous")
        if anonymous and noun.rstrip("s") in anonymous.name:
            return anonymous
        if noun in DOCUMENT_NOUNS:
            if anonymous and anonymous.name.split()[-1] in DOCUMENT_NOUNS:
                return anonymous  # "the document" after "the complaint"
            return Speaker(words[:1].lower() + words[1:], "", "anonymous")
        if ANONYMOUS.match(words):
            return Speaker(words[:1].lower() + words[1:], "", "anonymous")
        return self._named(words)

    def _by_role(self, noun: str) -> Speaker | None:
        latest = self.latest.get("person")
        if latest and (noun in latest.role.split() or (noun in GENERIC_ROLES and latest.role)):
            return latest
        matching = [p for p in self.people.values() if noun in p.role.split()]
        return matching[-1] if matching else latest

    def _named(self, words: str) -> Speaker | None:
        """A subject holding a name: a person, known or met now, or an organisation."""
        before = _ROLE_BEFORE.search(words)
        if before:
            return self.add(before.group("name"), _role(before.group("role")))
        bare = re.sub(r"^(?:[Tt]he|[Ii]ts)\s+", "", words)
        if re.fullmatch(_ORG, bare) and (
            re.search(r"\s(?:and|of|for|&)\s", bare) or _org_like(bare) or bare.isupper()
        ):
            return Speaker(self._org(bare), "", "organisation")
        names = [m.group() for m in re.finditer(NAME, words)]
        if names and not _org_like(names[-1]):  # the name nearest the verb
            return self.people.get(names[-1].split()[-1]) or self.add(names[-1], "")
        org = re.search(rf"(?:^|\s){_ORG}$", words)
        if org is None:
            return None
        single = org.group().strip()
        known = self.people.get(single.split()[-1])
        if known is not None:
            return known
        fuller = self._fullest(single)
        if fuller is not None:
            return self.add(fuller, "")
        return Speaker(self._org(single), "", "organisation")

    def _fullest(self, surname: str) -> str | None:
        """The fullest name in the article ending in ``surname`` (one word), if any."""
        if " " in surname:
            return None
        if self.names is None:
            self.names = [m.group() for m in re.finditer(NAME, self.text)]
        names = [n for n in self.names if n.split()[-1] == surname and not _org_like(n)]
        return max(names, key=len) if names else None

    def _phrases(self) -> list[str]:
        if self.phrases is None:
            self.phrases = [_unstopped(m.group()) for m in re.finditer(_ORG, self.text)]
        return self.phrases

    def _org(self, name: str) -> str:
        """An organisation's fullest name in the article: an acronym spelled out ("FDA" →
        "Food and Drug Administration"), one word as the name it most often starts
        ("Abbott" → "Abbott Nutrition")."""
        if re.fullmatch(r"[A-Z]{2,6}", name):
            return self._spelled(name)
        if " " in name:
            return name
        if name not in self.fuller:
            longer = Counter(p for p in self._phrases() if " " in p and name in p.split())
            self.fuller[name] = longer.most_common(1)[0][0] if longer else name
        return self.fuller[name]

    def _spelled(self, acronym: str) -> str:
        """The words of the article an acronym stands for, else the acronym."""
        if acronym not in self.fuller:
            self.fuller[acronym] = self._spell(acronym)
        return self.fuller[acronym]

    def _spell(self, acronym: str) -> str:
        for phrase in self._phrases():
            words = phrase.split()
            for start in range(len(words)):
                initials = ""
                for end in range(start, len(words)):
                    if words[end] not in _CONNECTORS:
                        initials += words[end][0]
                    if initials == acronym and end > start:
                        return " ".join(words[start : end + 1])
                    if len(initials) > len(acronym):
                        break
        return acronym


_CONNECTORS = _words("and of for & on")


def _unstopped(phrase: str) -> str:
    """A capitalised phrase less the sentence words it starts with ("After Abbott")."""
    words = phrase.split()
    while len(words) > 1 and words[0] in _STOP_FIRST.split():
        words = words[1:]
    return " ".join(words)


def _org_like(name: str) -> bool:
    """Whether a capitalised phrase reads as an organisation rather than a person."""
    last = name.split()[-1].lower()
    return last in ORG_NOUNS or last in _words("""house health inc corp group council court
        committee party union bank news times post journal""")


def _role(phrase: str) -> str:
    """A role phrase cut to its own words (no sentence lead-in), lower-cased."""
    words = phrase.split()
    while words and (words[0].lower() in _NOT_ROLE or words[0].endswith(",")):
        words = words[1:]
    return " ".join(w if w.isupper() else w.lower() for w in words)
