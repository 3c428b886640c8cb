"""Whether two sentences on one point say different things, and what the point is.

- ``number``: both give a figure for one quantity (the words beside each share one, "15
  people were killed", "the death toll rose to 19"), and no reading fits both. A figure is
  read with its scale ("1.2 billion"), in words ("fifteen"), with a bound ("at least 15",
  "up to 20"), an approximation ("about 3,000": a tenth either way) or as a range ("10-15");
  a percentage is compared only with a percentage.
- ``date``: the same event on different days, months or years ("on 4 March", "on 6
  March"); a month and a day in that month agree.
- ``negation``: one negates or reverses what the other says of the same thing ("did not
  attend", "attended"; "denied", "confirmed"; "rose", "fell").
- ``assessment``: opposite judgements ("lacks the instruments to", "is capable of";
  "likely", "unlikely"; "a victory", "a defeat"; "will not", "will").

Of the same thing: the clauses share a word besides the opposed ones, their subjects are one
word (or two names, which vary: "Moscow", "Russia") and the names they mention overlap.
Dates that differ beside figures or claims that differ tell two periods apart, and nothing
conflicts ("exports rose in March", "exports fell in April").
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from rag.text.claims import stem
from rag.text.sentences import STOPWORDS


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MONTH_NAMES = "jan feb mar apr may jun jul aug sep oct nov dec"
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES.split(), 1)}
#: Words of the calendar, which name no one.
_CALENDAR = _words(
    _MONTH_NAMES
    + """ january february march april june july august september
    sept october november december monday tuesday wednesday thursday friday saturday sunday"""
)
_M = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
#: Day, month, year: "4 March 2024", "March 4, 2024", "March 2024", "in March".
_DATE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_M}(?:,?\s+(\d{{4}}))?\b"
    rf"|\b{_M}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?"
    rf"|\b{_M}\s+(\d{{4}})\b|\b(?:in|on|by|since|until|during|early|late|mid-?)\s+{_M}\b(?!\s+\d)"
)
_DATE_GROUPS = ((1, 2, 3), (5, 4, 6), (0, 7, 8), (0, 9, 0))  # day, month, year; 0: none
_YEAR = re.compile(r"1[89]\d\d|20\d\d")
_COUNTED = re.compile(
    r"\s+(?!dollars|euros|pounds|roubles)(?:[a-z]{3,}s|people)\b"
)  # "2000 troops" is no year
_UNITS = "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
_WORDS = {w: i for i, w in enumerate(_UNITS.split(), 2)} | {
    w: i * 10 for i, w in enumerate(_TENS.split(), 2)
}
_SCALES = {"thousand": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_FIGURE = re.compile(
    rf"(?<![\w.,:/-])(?P<span>(?:between|from)\s+)?(?P<cur>[$€£])?(?:(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"|(?P<word>(?:{_TENS.replace(' ', '|')})(?:-(?:{_UNITS[:45].strip().replace(' ', '|')}))?"
    rf"|{_UNITS.strip().replace(' ', '|')})\b)(?!:\d|\.\d|(?:st|nd|rd|th)\b)"
    rf"(?:\s?(?P<scale>{'|'.join(_SCALES)})\b)?(?P<pct>\s?%|\s(?:per\s?cent|percent)\b)?"
    r"(?:(?(span)\s+(?:and|to)\s+|\s*[-–]\s*)(?P<to>\d[\d,]*(?:\.\d+)?)(?![\d,]))?",
    re.IGNORECASE,
)
#: Words before a figure that bound it, and the bounds as parts of the figure.
_BOUND = re.compile(
    r"(?:(?P<max>up to|fewer than|less than|under|as many as|at most|no more than)"
    r"|(?P<min>at least|more than|over|upwards of|in excess of|exceeding)"
    r"|(?P<near>nearly|almost|just under)"
    r"|(?P<about>about|around|some|approximately|roughly|estimated|close to))\s+$"
)
_BOUNDS = {"max": (0.0, 1.0), "min": (1.0, float("inf")), "near": (0.9, 1.0), "about": (0.9, 1.1)}
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:['’]\w+)*|[^\w\s]")
_BREAKS = frozenset(",;:()—–") | {"that", "which", "who", "but", "while", "whereas", "although"}
_AUX = _words("is are was were be been will would has have had did does do can could")
_NEG = frozenset(("not", "never", "no", "cannot"))
_MODAL = ("wo", "ca", "could", "should", "might", "may", "would", "will")
#: Words after a negation that do not say what it negates ("not only", "did not say").
_NOT_NEGATED = _words("""only just until least doubt matter one less more longer say said
    comment specify disclose know elaborate give""")
_ADVERBS = _words("immediately yet ever even always necessarily also fully")
#: Opposed words: concept, kind, the words for it, the words against it.
_OPPOSITES = (
    ("confirm", "negation", "confirmed confirms confirm", "denied denies deny"),
    ("rise", "negation", "rose rise rises risen increased grew climbed",
     "fell fall falls fallen decreased declined dropped"),
    ("approve", "negation", "approved approves approve accepted", "rejected rejects reject"),
    ("succeed", "negation", "succeeded succeeds", "collapsed collapses failed fails"),
    ("able", "assessment", "capable able", "unable incapable lacks lack lacked lacking"),
    ("likely", "assessment", "likely probable possible", "unlikely improbable impossible"),
    ("victory", "assessment", "victory success triumph", "defeat failure setback"),
    ("strong", "assessment", "strong stronger strengthened", "weak weaker weakened"),
)  # fmt: skip
_LEXICON = {
    w: (concept, kind, sign)
    for concept, kind, *sides in _OPPOSITES
    for sign, words in zip((1, -1), sides, strict=True)
    for w in words.split()
}
#: What "lack" needs after it to be a lack of means to do something.
_MEANS = _words("to ability capacity means power leverage instruments tools")
#: Words that name one quantity, as the point they make.
_CLASSES = {stem(w): "the death toll" for w in _words("killed dead died deaths toll fatalities")}
_CLASSES |= {stem(w): "the number of injured" for w in _words("injured wounded injuries")}
#: Words beside a figure that do not say what it counts.
_GENERIC_WORDS = """people person total number figure rose rise fell reached stood climbed
    jumped increased decreased grew dropped estimated least nearly almost around per cent
    percent thousand million billion year years month week day last next"""
_GENERIC = {stem(w) for w in _words(_GENERIC_WORDS)}

Token = tuple[str, str, str, int, int, int]  # text, lower case, stem, start, end, clause
Polar = tuple[str, str, int, int, str]  # concept, kind, sign, token index, words as written


@dataclass(frozen=True)
class Conflict:
    """What two sentences disagree on: the kind, the point and each side's value."""

    #: One of ``CONFLICT_KINDS``.
    kind: str
    #: The point in dispute, to follow "Sources disagree on " ("the death toll").
    point: str
    #: What each sentence gives for it, as written ("15", "19").
    values: tuple[str, str]


@dataclass(frozen=True)
class _Figure:
    low: float
    high: float
    percent: bool
    currency: str
    #: Stems of the words beside it (a class for deaths and injuries), and of the names.
    keys: frozenset[str]
    names: frozenset[str]
    text: str
    #: The quantity, as a point ("the death toll", "the number of troops", "the revenue").
    label: str


def conflict(a: str, b: str) -> Conflict | None:
    """How ``a`` and ``b`` (two sentences close in meaning) conflict, or None where they
    agree or may speak of two things."""
    ra, rb = _read(a), _read(b)
    dated = bool(ra.dates and rb.dates) and not any(
        _same_date(x[0], y[0]) for x in ra.dates for y in rb.dates
    )
    found = _figures_conflict(ra, rb) or _claims_conflict(ra, rb)
    if dated and found is None:
        return Conflict("date", _event(ra, rb), (ra.dates[0][1], rb.dates[0][1]))
    return None if dated else found


@lru_cache(maxsize=4096)
def _read(text: str) -> _Reading:
    return _Reading(text)


class _Reading:
    """What a sentence gives that may conflict: figures, dates and opposable words."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = []
        for m in _TOKEN.finditer(text):
            low = m.group().lower().replace("’", "'")
            clause = self.tokens[-1][5] + (self.tokens[-1][1] in _BREAKS) if self.tokens else 0
            self.tokens.append((m.group(), low, stem(low), m.start(), m.end(), clause))
        #: (day, month, year), each None where not given; the date as written; its start.
        self.dates: list[tuple[tuple[int | None, ...], str, int]] = []
        for m in _DATE.finditer(text):
            day, month, year = next(g for g in _DATE_GROUPS if m.group(g[1]))
            fields = tuple(int(m.group(g)) if g and m.group(g) else None for g in (day, year))
            if fields[0] is None or fields[0] <= 31:
                start = m.start() if day or year else m.start(month)
                when = (fields[0], _MONTHS[m.group(month)[:3].lower()], fields[1])
                self.dates.append((when, text[start : m.end()].rstrip("."), m.start()))
        spans = [(m.start(), m.end()) for m in _DATE.finditer(text)]
        self.figures: list[_Figure] = []
        previous = 0
        for m in _FIGURE.finditer(text):
            if any(a <= m.start() < b for a, b in spans):
                continue
            bare = not (m["scale"] or m["pct"] or m["cur"] or _COUNTED.match(text, m.end()))
            if bare and m["num"] and _YEAR.fullmatch(m["num"]):
                self.dates.append(((None, None, int(m["num"])), m["num"], m.start()))
                continue
            self.figures.append(self._figure(m, previous))
            previous = m.end()
        self.polar: list[Polar] = []
        #: The token index of each stem said without a negation.
        self.asserted: dict[str, int] = {}
        for i, (_, low, stem_, _, _, clause) in enumerate(self.tokens):
            before = [t[1] for t in self.tokens[max(0, i - 3) : i] if t[5] == clause]
            negated = any(w in _NEG or w.endswith("n't") for w in before)
            if low in _LEXICON:
                concept, kind, sign = _LEXICON[low]
                if not low.startswith("lack") or _MEANS & {t[1] for t in self.tokens[i : i + 7]}:
                    self.polar.append((concept, kind, -sign if negated else sign, i,
                                       self.phrase(i, i, kind)))  # fmt: skip
            elif low in _NEG or low.endswith("n't"):
                self._negation(i)
            elif not negated and low.isalpha() and low not in STOPWORDS:
                self.asserted.setdefault(stem_, i)

    def _figure(self, m: re.Match[str], previous: int) -> _Figure:
        """The figure ``m`` matched; ``previous`` is where the figure before it ends."""
        scale = _SCALES.get((m["scale"] or "").lower(), 1.0)
        if m["num"]:
            number = m["num"].replace(",", "")
            value = float(number) * scale
            decimals = len(number.partition(".")[2])
            spread = 0.5 * 10**-decimals * scale if m["scale"] else 0.0
        else:
            value, spread = sum(_WORDS[w] for w in m["word"].lower().split("-")) * scale, 0.0
        low, high = (
            value - spread,
            (float(m["to"].replace(",", "")) * scale if m["to"] else value) + spread,
        )
        start = m.end("span") if m["span"] and not m["to"] else m.start()
        if bound := _BOUND.search(self.text.lower(), max(0, start - 24), start):
            down, up = _BOUNDS[bound.lastgroup or ""]
            low, high, start = value * down, value * up, bound.start()
        if re.match(r"\s*(?:or more|\+|-plus)", self.text[m.end() :]):
            high = float("inf")
        clause = next((t[5] for t in self.tokens if t[3] >= m.start()), 0)
        near = [t for t in self.tokens if t[5] == clause]
        before = [t for t in near if previous <= t[3] and t[4] <= start]
        cut = [k + 1 for k, t in enumerate(before) if t[1] in ("and", "or")]
        before = before[max(cut, default=0) :][-4:]
        after = [t for t in near if t[3] >= m.end()][:3]
        after = after[
            : next(
                (k for k, t in enumerate(after) if t[1] in ("and", "or") or t[1][0].isdigit()), 3
            )
        ]
        window = [t for t in before + after if _content(t) and t[1] not in _WORDS]
        words = [t for t in window if t[2] not in _GENERIC]
        keys = frozenset(_CLASSES.get(t[2], t[2]) for t in words)
        label = next((k for k in keys if k.startswith("the ")), "")
        noun = next((t[1] for t in after[:1] if _COUNTED.match(" " + t[1])), "")
        if not label and words:
            verb = next((f" {t[1]}" for t in words if t[1].endswith("ed")), "")
            named = [t for t in words if t[4] <= start] or words
            label = f"the number of {noun}{verb}" if noun else f"the {named[-1][1]}"
        names = frozenset(t[2] for t in words if t[0][0].isupper() and t[1] not in _CALENDAR)
        text = self.text[start : m.end()].strip()
        return _Figure(low, high, bool(m["pct"]), m["cur"] or "", keys, names, text, label)

    def _negation(self, i: int) -> None:
        """Note what the negation at token ``i`` negates: the first word after it."""
        k = i + 1
        while k < len(self.tokens) and self.tokens[k][1] in (STOPWORDS | _ADVERBS) - _NOT_NEGATED:
            k += 1
        if k == len(self.tokens) or self.tokens[k][5] != self.tokens[i][5]:
            return
        word, low, stem_ = self.tokens[k][:3]
        if not word.isalpha() or not word.islower() or low in _LEXICON or low in _NOT_NEGATED:
            return
        own = self.tokens[i][1]
        modal = own.startswith(_MODAL) or (i > 0 and self.tokens[i - 1][1].startswith(_MODAL))
        kind = "assessment" if modal else "negation"
        self.polar.append(("~" + stem_, kind, -1, k, self.phrase(i, k, kind)))

    def phrase(self, first: int, word: int, kind: str) -> str:
        """Tokens ``first``..``word`` as written, with auxiliaries and negations before ("did
        not attend"), and an assessment's "of" or "to" after ("is capable of")."""
        tokens = self.tokens
        while first > 0 and word - first < 3 and tokens[first - 1][1] in _AUX | _NEG:
            first -= 1
        follows = kind == "assessment" and word + 1 < len(tokens)
        end = word + 1 if follows and tokens[word + 1][1] in ("of", "to") else word
        return self.text[tokens[first][3] : tokens[end][4]]


def _same_date(x: tuple[int | None, ...], y: tuple[int | None, ...]) -> bool:
    return all(p is None or q is None or p == q for p, q in zip(x, y, strict=True))


def _figures_conflict(ra: _Reading, rb: _Reading) -> Conflict | None:
    """Two figures for one quantity that no reading fits, where neither sentence has a figure
    for it that fits the other's (an update given beside the first figure)."""
    for x in ra.figures:
        for y in rb.figures:
            if not _same_quantity(x, y) or _fits(x, y):
                continue
            if any(_fits(x, z) for z in rb.figures if _same_quantity(x, z)):
                continue
            if not any(_fits(z, y) for z in ra.figures if _same_quantity(z, y)):
                return Conflict("number", x.label, (x.text, y.text))
    return None


def _same_quantity(x: _Figure, y: _Figure) -> bool:
    if x.percent != y.percent or (x.currency and y.currency and x.currency != y.currency):
        return False
    return bool(x.keys & y.keys) and not (x.names and y.names and not x.names & y.names)


def _fits(x: _Figure, y: _Figure) -> bool:
    return x.low <= y.high and y.low <= x.high


def _claims_conflict(ra: _Reading, rb: _Reading) -> Conflict | None:
    """A word of one sentence opposed in the other, said of the same thing; a negation is
    preferred to an assessment."""
    pairs = [(p, q) for p in ra.polar for q in rb.polar if p[0] == q[0] and p[2] == -q[2]]
    pairs += [(p, _asserted(rb, p)) for p in ra.polar if p[0][0] == "~" and p[0][1:] in rb.asserted]
    pairs += [(_asserted(ra, q), q) for q in rb.polar if q[0][0] == "~" and q[0][1:] in ra.asserted]
    pairs = [(p, q) for p, q in pairs if _same_claim(ra, p[3], rb, q[3])]
    if not pairs:
        return None
    p, q = min(pairs, key=lambda pair: pair[0][1] == "assessment")
    point = _whether(ra, p[3]) if p[2] > 0 else _whether(rb, q[3])
    return Conflict(p[1], point, (p[4], q[4]))


def _asserted(r: _Reading, negated: Polar) -> Polar:
    """The word of ``r`` that asserts what ``negated`` (a negation's word) negates."""
    i = r.asserted[negated[0][1:]]
    return negated[0], negated[1], 1, i, r.phrase(i, i, negated[1])


def _same_claim(ra: _Reading, i: int, rb: _Reading, j: int) -> bool:
    """Whether the clauses around ``ra``'s token ``i`` and ``rb``'s token ``j`` share a word,
    the same subject (or two names) and a name, where both name any."""
    words_a, names_a, subject_a = _context(ra, i)
    words_b, names_b, subject_b = _context(rb, j)
    if not words_a & words_b or (names_a and names_b and not names_a & names_b):
        return False
    if subject_a and subject_b and subject_a[0] != subject_b[0]:
        return subject_a[1] and subject_b[1]
    return True


def _context(r: _Reading, i: int) -> tuple[set[str], set[str], tuple[str, bool] | None]:
    """Stems of the content words in the clause around token ``i``, those of its names, and
    the subject's stem before it with whether it is a name."""
    clause, first = r.tokens[i][5], max(0, i - 6)
    near = [(k, t) for k, t in enumerate(r.tokens[first : i + 17], first) if t[5] == clause]
    near = [(k, t) for k, t in near if k != i and _content(t) and t[1] not in _LEXICON]
    words = {t[2] for _, t in near if t[2] != r.tokens[i][2]}
    names = {t[2] for _, t in near if t[0][0].isupper() and t[1] not in _CALENDAR}
    before = [(t[2], t[0][0].isupper()) for k, t in near if k < i]
    return words, names, before[-1] if before else None


def _content(token: Token) -> bool:
    return token[0][0].isalpha() and token[1] not in STOPWORDS and len(token[1]) > 1


def _whether(r: _Reading, i: int) -> str:
    """The point of an opposed word: "whether" and its clause, from a few words before it."""
    tokens, clause = r.tokens, r.tokens[i][5]
    start, end = i, i
    while start > 0 and i - start < 5 and tokens[start - 1][5] == clause:
        start -= 1
    while end + 1 < len(tokens) and end - i < 6 and tokens[end + 1][5] == clause:
        if tokens[end + 1][1] in ("and", "or"):
            break
        end += 1
    while end > i and not _content(tokens[end]):
        end -= 1
    text = r.text[tokens[start][3] : tokens[end][4]]
    return "whether " + (text[0].lower() + text[1:] if tokens[start][1] in STOPWORDS else text)


def _event(ra: _Reading, rb: _Reading) -> str:
    """The point of two dates: the event before ``ra``'s date that ``rb`` names too."""
    shared = {t[2] for t in rb.tokens}
    before = [t for t in ra.tokens if t[4] <= ra.dates[0][2]][-6:]
    for t in reversed(before):
        if t[1].endswith("ed") and t[2] in shared:
            return f"the date of the {_gerund(t[1])}"
    pairs = itertools.pairwise(before)
    nouns = [
        t[0] for d, t in pairs if d[1] in ("the", "a", "an") and _content(t) and t[2] in shared
    ]
    return f"the date of the {nouns[0]}" if nouns else "the date"


def _gerund(verb: str) -> str:
    """'signed' -> 'signing', 'agreed' -> 'agreeing', 'carried' -> 'carrying'."""
    if verb.endswith("ied"):
        return verb[:-3] + "ying"
    return (verb[:-1] if verb.endswith("eed") else verb[:-2]) + "ing"
