"""Figures and dates as news English writes them, and what a figure counts.

A figure is read with its scale ("1.2 billion", "$412m"), in words ("fifteen",
"twenty-one"; "half of", "a fifth of" as percentages), with a bound ("at least 15", "up to
20"), an approximation ("about 3,000": a tenth either way), as a range ("10-15") or rounded
("81%" is 80.5 to 81.5); a tally ("52-48"), a part ("164 of 171") or a decade ("the 1960s")
is none, and a bare year is a date. What it counts is read from the content words beside it
in its clause (an aside ", including two children," does not end one) and, after a verb, the
noun phrase opening it ("the death toll from the flood has risen to 19", its name after a
verb of level), or the figure before it ("rose to 19 from 15", "rose 8% to $2.1 billion"): a
class ("killed", "dead": the death toll; "injured"; "infected"), a counted noun ("50
goals"), the words after it that qualify it up to a verb ("90% effective against severe
disease", not "remain trapped", "7 nations took part"), what is said of it after that, the
years, and the names and that first word (not each lacking in the other sentence). Two
figures are of one quantity where those agree, and a percentage is compared only with one;
sentences that differ in a scope ("across the country"), or that both give a period and
differ in it ("last week", "before the outage"), have none in common.

A date is a day, a month, a year and a weekday, each where given ("4 March 2024", "March
2024", "in March", "Tuesday").
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from rag.text.claims import stem
from rag.text.sentences import STOPWORDS


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _stems(text: str) -> frozenset[str]:
    return words(text) | {stem(w) for w in text.split()}


_MONTH_NAMES = "jan feb mar apr may jun jul aug sep oct nov dec"
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES.split(), 1)}
_DAYS = {d: i for i, d in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), 1)}
CALENDAR = words(f"""{_MONTH_NAMES} january february march april june july august september
    sept october november december monday tuesday wednesday thursday friday saturday sunday""")
_M = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
#: "4 March 2024", "March 4, 2024", "March 2024", "in March", "Tuesday".
_DATE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_M}(?:,?\s+(\d{{4}}))?\b"
    rf"|\b{_M}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?|\b{_M}\s+(\d{{4}})\b"
    rf"|\b(?:(?:in|on|of|by|since|until|during|early|late)\s+|mid-?\s*){_M}\b(?!\s+\d)"
    r"|\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*day\b"
)
#: The groups of each way of writing a date: day, month, year, weekday (0: not given).
_DATE_GROUPS = ((1, 2, 3, 0), (5, 4, 6, 0), (0, 7, 8, 0), (0, 9, 0, 0), (0, 0, 0, 10))
_YEAR = re.compile(r"1[89]\d\d|20\d\d")
_COUNTED = re.compile(r"\s+(?!dollars|euros|pounds|roubles)(?:[a-z]{3,}s|people)\b")
_UNITS = "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
_NUMBER_WORDS = {
    w: i for i, w in enumerate(f"{_UNITS} sixteen seventeen eighteen nineteen".split(), 2)
}
_NUMBER_WORDS |= {w: i * 10 for i, w in enumerate(_TENS.split(), 2)}
#: Parts of a whole, as percentages ("half of", "a fifth of").
_PARTS = {"half": 50.0, "third": 100 / 3, "quarter": 25.0, "fifth": 20.0, "tenth": 10.0}
_SCALES = {"thousand": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_FIGURE = re.compile(
    r"(?<![\w.,:/-])(?P<span>(?:between|from)\s+)?(?P<cur>[$€£])?"
    r"(?:(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"|(?P<word>(?:{_TENS.replace(' ', '|')})(?:-(?:one|{'|'.join(_UNITS.split()[:8])}))?"
    rf"|{'|'.join(w for w in _NUMBER_WORDS if w not in _TENS.split())})\b"
    r"|(?P<part>half|(?:a|one)\s+(?:third|quarter|fifth|tenth))(?=\s+of\s))"
    r"(?!\d|[:.,]\d|(?:st|nd|rd|th|s)\b|-(?!plus\b)[a-z])"
    rf"(?:\s?(?P<scale>{'|'.join(_SCALES)})\b|(?(cur)(?P<m>m)\b|(?!)))?"
    r"(?P<pct>\s?%|\s(?:per\s?cent|percent)\b)?"
    r"(?:(?(span)\s+(?:and|to)\s+|\s*[-–]\s*)(?P<to>\d[\d,]*(?:\.\d+)?)(?![\d,]))?"
    r"(?P<of>\s+(?:out\s+)?of\s+\d)?",
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
#: Words that name one quantity, as the point they make.
CLASSES = {stem(w): "the death toll" for w in words("killed dead died deaths toll fatalities")}
CLASSES |= {stem(w): "the number of injured" for w in words("injured wounded injuries")}
CLASSES |= {stem(w): "the number of cases" for w in words("infected infections cases")}
#: Words that set a figure's scope ("across the country") or period ("before the outage"):
#: figures of sentences that differ in them are not compared.
_SCOPES = _stems("across nationwide countrywide worldwide globally nationally overall altogether")
_PERIODS = _stems("before after since until ago earlier previously last")
#: Words that tell one of a series or a region from another ("the second line", "in the
#: north"), as in any kind of claim.
SERIES = words("""first second third fourth fifth sixth seventh eighth ninth tenth north south
    east west northern southern eastern western""")
#: Words beside a figure that do not say what it counts.
_GENERIC_WORDS = """people person total number figure rose rise fell reached stood climbed
    jumped increased decreased grew dropped estimated least nearly almost around per cent
    percent thousand million billion year years month week day last next dollars won received
    recorded reported posted got gained lost totalled amounted slowed eased accelerated
    quickened slipped edged dipped soared surged plunged stands came risen fallen"""
_GENERIC = {stem(w) for w in _GENERIC_WORDS.split()}
#: Verbs after a figure that begin what is said of it.
_LINKS = words("""is are was were be been has have had will would remain remains stay stays
    still""")
#: Past tenses as the event they name, where one does not end in -ed or two name one event.
_EVENTS = {"met": "meeting", "began": "start", "started": "start", "commenced": "start",
           "ended": "close", "closed": "close", "finished": "close", "concluded": "close",
           "suspended": "suspension", "halted": "suspension", "stopped": "suspension",
           "held": "holding"}  # fmt: skip
_DETERMINERS = words("the its their his her")
#: Verbs that plan an event rather than name one ("scheduled for", "set for").
_PLANNED = words("scheduled planned slated expected set due")

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:['’]\w+)*|[^\w\s]")
_BREAKS = frozenset(",;:()—–") | words("that which who but while whereas although say says said")
#: Words that open an aside between commas, which does not end the clause around it.
_ASIDES = words("including among notably")
cached_stem = lru_cache(maxsize=65536)(stem)

Token = tuple[str, str, str, int, int, int]  # text, lower case, stem, start, end, clause
#: (day, month, year, weekday), each None where not given; as written; its start.
Date = tuple[tuple[int | None, ...], str, int]


@dataclass(frozen=True)
class Figure:
    """A figure of a sentence: its values, what it counts and how it is written."""

    low: float
    high: float
    percent: bool
    currency: str
    #: Stems of the words beside it (a class for deaths, injuries), of those after it, names.
    keys: frozenset[str]
    after: frozenset[str]
    #: Stems of what is said of it after it ("remain missing"), where they follow it.
    said: frozenset[str]
    #: What it counts, where a plural noun follows it ("goals" in "50 goals"), else "".
    unit: str
    #: The years in its clause, which qualify it ("revenue in 2023").
    years: frozenset[str]
    #: Stems of the names beside it and of its subject's first word ("the incumbent won").
    names: frozenset[str]
    text: str
    #: The quantity, as a point ("the death toll", "the number of troops", "the revenue").
    label: str


def read_tokens(text: str) -> list[Token]:
    """The words, figures and marks of ``text`` with their clauses: a clause ends at a
    comma, a colon, a dash or a word that opens another ("that", "but", "said"), but for the
    comma that closes an aside (", including two children,")."""
    tokens, clause, aside = list[Token](), 0, None
    for m in _TOKEN.finditer(text):
        low = m.group().lower().replace("’", "'")
        stem_ = low if low in STOPWORDS else cached_stem(low)
        tokens.append((m.group(), low, stem_, m.start(), m.end(), clause))
        if low == "," and aside is not None:
            clause, aside = aside, None
        else:
            clause += low in _BREAKS
        if low in _ASIDES and len(tokens) > 1 and tokens[-2][1] == ",":
            aside = clause - 1
    return tokens


def read_when(
    text: str, tokens: list[Token], lows: set[str], most: int
) -> tuple[list[Date], list[Figure]]:
    """The dates of ``text`` (of its ``tokens``, in lower case ``lows``), bare years last,
    and its first ``most`` figures."""
    dates, spans = _read_dates(text) if lows & CALENDAR else ([], [])
    if not (any(map(str.isdigit, text)) or lows & (_NUMBER_WORDS.keys() | _PARTS.keys())):
        return dates, []
    figures, years = _read_figures(text, tokens, spans, most)
    return dates + years, figures


def apart(dates_a: list[Date], dates_b: list[Date]) -> bool:
    """Whether both give dates and none of one fits any of the other's (a month fits a day
    in it)."""
    return bool(dates_a and dates_b) and not any(
        all(p is None or q is None or p == q for p, q in zip(x[0], y[0], strict=True))
        for x in dates_a
        for y in dates_b
    )


def _read_dates(text: str) -> tuple[list[Date], list[tuple[int, int]]]:
    """The dates written in ``text`` other than bare years, and the spans they take."""
    dates, spans = list[Date](), []
    for m in _DATE.finditer(text):
        groups = next(g for g in _DATE_GROUPS if any(m.group(n) for n in g if n))
        day, month, year, weekday = (m.group(n) if n else None for n in groups)
        if day is None or int(day) <= 31:
            spans.append(m.span())
            named = (_MONTHS.get((month or "")[:3].lower()), _DAYS.get((weekday or "")[:3]))
            when = (int(day) if day else None, named[0], int(year) if year else None, named[1])
            start = m.start(9) if m.group(9) else m.start()
            dates.append((when, text[start : m.end()].rstrip("."), m.start()))
    return dates, spans


def _read_figures(
    text: str, tokens: list[Token], spans: list[tuple[int, int]], most: int
) -> tuple[list[Figure], list[Date]]:
    """The first ``most`` figures of ``text`` outside the date ``spans``, and the bare years
    among them as dates."""
    figures, years, previous = list[Figure](), list[Date](), 0
    for m in itertools.islice(_FIGURE.finditer(text), most):
        bare = not (m["scale"] or m["pct"] or m["cur"] or _COUNTED.match(text, m.end()))
        if any(a <= m.start() < b for a, b in spans):
            continue
        if bare and m["num"] and _YEAR.fullmatch(m["num"]):
            years.append(((None, None, int(m["num"]), None), m["num"], m.start()))
        elif figure := _figure(text, tokens, m, previous):
            joined = (m["span"] and not m["to"]) or text[previous : m.start()].strip() == "to"
            if joined and figures:  # "rose to 19 from 15", "rose 8% to $2.1 billion"
                before = figures[-1]
                figure = replace(figure, keys=before.keys, names=before.names, label=before.label)
            figures.append(figure)
        previous = m.end()
    return figures, years


def _figure(text: str, tokens: list[Token], m: re.Match[str], previous: int) -> Figure | None:
    """The figure ``m`` matched, where the figure before ends at ``previous``; None for a
    tally ("52-48")."""
    scale = 1e6 if m["m"] else _SCALES.get((m["scale"] or "").lower(), 1.0)
    number = (m["num"] or "").replace(",", "")
    spelled = (m["word"] or "").lower().split("-")  # "twenty-one"
    part = _PARTS[m["part"].split()[-1].lower()] if m["part"] else 0.0
    value = scale * (float(number) if number else sum(_NUMBER_WORDS.get(w, 1) for w in spelled))
    value = part or value
    decimals = len(number.partition(".")[2])
    spread = 0.49 * 10**-decimals * scale if scale > 1 or m["pct"] or decimals else 0.0
    top = float(m["to"].replace(",", "")) * scale if m["to"] else value
    if top < value or m["of"]:
        return None
    low, high, start = value - spread, top + spread, m.start()
    if m["span"] and not m["to"]:
        start = m.end("span")
    if bound := _BOUND.search(text.lower(), max(0, start - 24), start):
        (down, up), start = _BOUNDS[bound.lastgroup or ""], bound.start()
        low, high = value * down, value * up
    if re.match(r"\s*(?:or more|\+|-plus)", text[m.end() :]):
        high = float("inf")
    clause = next((t[5] for t in tokens if t[3] >= m.start()), 0)
    near = [t for t in tokens if t[5] == clause and t[1] not in _NUMBER_WORDS]
    ahead = [t for t in near if previous <= t[3] and t[4] <= start]
    before = [t for t in ahead if content(t) or not _joins(t)][:-5:-1]  # up to what ends them
    after = [t for t in near if t[3] >= m.end() and t[1] != ","][:3]
    side = [*itertools.takewhile(_joins, before)][::-1]
    side += itertools.takewhile(_joins, after)
    side = [t for t in side if content(t) and t[2] not in _GENERIC and t[1] not in CALENDAR]
    level = {t[2] for t in ahead[-1:] + before[:1]} & (_GENERIC | _LINKS)  # "toll has risen to"
    verb = level or (before and not _names_it(before[0]))  # then its subject counts
    subject = [*itertools.takewhile(_names_it, near[near[0][1] in _DETERMINERS :])] if verb else []
    keys = frozenset(CLASSES.get(t[2], t[2]) for t in side + subject)
    counted = [t[2] for t in after[:1] if _COUNTED.match(" " + t[1]) and t[1] != "people"]
    plain = after[: 1 if counted and after[1:] and content(after[1]) else 3]  # "7 nations took"
    qualifying = {t[3] for t in itertools.takewhile(_qualifies, plain)}
    label = _label(side, after, start, subject, bool(level))
    label = next((k for k in keys if k[:4] == "the "), label)
    return Figure(low, high, bool(m["pct"] or part), m["cur"] or "", keys,
                  frozenset(CLASSES.get(t[2], t[2]) for t in side if t[3] in qualifying),
                  frozenset(CLASSES.get(t[2], t[2]) for t in side
                            if t[3] > m.start() and t[3] not in qualifying and t[1] not in _LINKS),
                  CLASSES.get(counted[0], counted[0]) if counted else "",
                  frozenset(t[0] for t in near if _YEAR.fullmatch(t[0])),
                  frozenset(t[2] for t in side if t[0][0].isupper() and t[1] not in CALENDAR)
                  | {CLASSES.get(t[2], t[2]) for t in subject[:1]},
                  text[start : m.end()].strip(), label)  # fmt: skip


def differing(
    xs: list[Figure], keys_x: set[str], ys: list[Figure], keys_y: set[str]
) -> tuple[Figure, Figure] | None:
    """Two figures for one quantity that no reading fits, one of ``xs`` and one of ``ys``
    (of sentences whose stems are ``keys_x`` and ``keys_y``), where neither sentence has a
    figure for it that fits the other's (an update given beside the first figure)."""
    periods = keys_x & _PERIODS, keys_y & _PERIODS
    if keys_x & _SCOPES != keys_y & _SCOPES or (all(periods) and periods[0] != periods[1]):
        return None

    def same(x: Figure, y: Figure) -> bool:
        classes = {k for k in x.keys if k[:4] == "the "}, {k for k in y.keys if k[:4] == "the "}
        if all(classes) and classes[0] != classes[1]:
            return False  # the dead and the injured
        if x.percent != y.percent or (x.currency and y.currency and x.currency != y.currency):
            return False
        if not x.keys & y.keys or (x.names - keys_y and y.names - keys_x):
            return False  # exports to China, exports to the EU
        if x.said and y.said and not (x.said & keys_y or y.said & keys_x):
            return False  # climbers rescued, climbers missing
        if x.unit and y.unit and x.unit != y.unit:
            return False
        return x.years <= keys_y and y.years <= keys_x and x.after <= keys_y and y.after <= keys_x

    for x in xs:
        for y in ys:
            if not same(x, y) or _fits(x, y) or any(_fits(x, z) for z in ys if same(x, z)):
                continue
            if not any(_fits(z, y) for z in xs if same(z, y)):
                return x, y
    return None


def same_event(
    tokens_a: list[Token], dates_a: list[Date], tokens_b: list[Token], dates_b: list[Date]
) -> str | None:
    """The point of two sentences' first dates where they are of one event ("the date of the
    signing"), named before each, with the same verb nearest before ("held" names none) and
    names near them in common where both name any, not each one the other lacks; else None."""
    event = _event_of(tokens_a, dates_a[0][2], tokens_b)
    other = _event_of(tokens_b, dates_b[0][2], tokens_a) if event else None
    if event is None or other is None or event[2] != other[2]:
        return None  # "appointed in 2019", "resigned in 2023"; "announced", "take effect"
    names_a, names_b = _names(tokens_a, event[1]), _names(tokens_b, other[1])
    only_a = names_a - {t[2] for t in tokens_b} - {tokens_a[0][2]}  # not "Construction"
    if only_a and names_b - {t[2] for t in tokens_a} - {tokens_b[0][2]}:
        return None  # "held in Geneva", "held in Vienna"
    return event[0] if not (names_a and names_b) or names_a & names_b else None


def _names(tokens: list[Token], n: int) -> set[str]:
    """Stems of the names around token ``n`` (from its clause's start)."""
    near = tokens[max(0, n - 6) : n + 17]
    return {t[2] for t in near if t[5] >= tokens[n][5] and t[0][0].isupper() and content(t)
            and t[1] not in CALENDAR and t is not tokens[n]}  # fmt: skip


def _event_of(tokens: list[Token], start: int, other: list[Token]) -> tuple[str, int, str] | None:
    """The event before the date at ``start`` that the ``other`` tokens name too, as a point
    from a verb ("the date of the signing") or else the earliest noun phrase ("the date of
    the new EU sanctions"), its token, and the event of the verb nearest before the date ("",
    none; "scheduled" is none); None where there is none or only a change that may recur."""
    k = next((n for n, t in enumerate(tokens) if t[3] >= start), len(tokens))
    shared = {_EVENTS.get(t[1], t[2]) for t in other if t[2] not in _GENERIC}
    verb, phrase = "", None
    for n in range(k - 1, max(-1, k - 13), -1):
        t, after = tokens[n], tokens[n + 1]
        if t[1][0].isdigit() or t[1] in _NUMBER_WORDS:
            return None  # the date of a figure ("70 tonnes in 2022")
        if t[5] != tokens[k - 1][5]:
            break  # a date of what is said ("the ministry said on Monday")
        if not content(t) or t[1] in _PLANNED:
            continue
        if t[1] in _EVENTS or t[1].endswith("ed"):
            verb = verb or (t[1] != "held" and (_EVENTS.get(t[1]) or _gerund(t[1]))) or ""
            if _EVENTS.get(t[1], t[2]) in shared and (event := _held(tokens, k, t, shared)):
                return f"the date of the {event}", n, verb
        elif t[2] in shared:  # the earliest, the subject ("the outbreak in the delta")
            last = not content(after) or _EVENTS.get(after[1], after[2]) not in shared
            if last and (first := _phrase_start(tokens, n)) is not None:
                words_ = " ".join(u[0] for u in tokens[first : n + 1])
                phrase = f"the date of the {words_}", n
    return (*phrase, verb) if phrase else None


def _held(tokens: list[Token], k: int, verb: Token, shared: set[str]) -> str:
    """The event a shared ``verb`` before the token ``k`` names: for "held" the nearest
    word in common in its clause ("elections were held"), else its gerund ("signing")."""
    if verb[1] != "held":
        return _EVENTS.get(verb[1]) or _gerund(verb[1])
    near = [u for u in tokens[max(0, k - 12) : k] if u[5] == verb[5] and content(u)]
    held = [u for u in near if u[2] in shared and u[1] not in _EVENTS and u[1][-2:] != "ed"]
    plain = [u[1] for u in held if u[0].islower() or u is tokens[0]]  # not "Geneva"
    return (plain or [u[1] for u in held] or [""])[-1]


def _phrase_start(tokens: list[Token], n: int) -> int | None:
    """The first token of a noun phrase that ends at token ``n`` after a determiner, up to
    three words ("the new EU sanctions"); None where no determiner opens it."""
    first = n
    while first > 0 and n - first < 3 and content(tokens[first - 1]):
        first -= 1
    return first if first > 0 and tokens[first - 1][1] in _DETERMINERS else None


def _gerund(verb: str) -> str:
    """'signed' -> 'signing', 'agreed' -> 'agreeing', 'carried' -> 'carrying'."""
    if verb.endswith("ied"):
        return verb[:-3] + "ying"
    return (verb[:-1] if verb.endswith("eed") else verb[:-2]) + "ing"


def _fits(x: Figure, y: Figure) -> bool:
    return x.low <= y.high and y.low <= x.high


def _label(side: list[Token], after: list[Token], at: int, noun: list[Token], level: bool) -> str:
    """What a figure at ``at`` counts: a share ("the share of the vote"), a counted noun after
    it ("the number of people evacuated") but after a verb of ``level``, the ``noun`` phrase
    that is the subject of a verb before it ("the net profit"), else the nearest word."""
    if after[:1] and after[0][1] == "of" and after[-1] in side:
        return "the share " + " ".join(t[1] for t in after)
    if after and _COUNTED.match(" " + after[0][1]) and not (noun and level):
        verb = next((f" {t[1]}" for t in side if t[1].endswith("ed")), "")
        return f"the number of {after[0][1]}{verb}"
    if noun:  # not a possessive ("the grain harvest")
        return "the " + " ".join(t[0] if t[3] else t[1] for t in noun if "'" not in t[1])
    return f"the {([t for t in side if t[4] <= at] or side)[-1][1]}" if side else ""


def _names_it(token: Token) -> bool:
    """Whether a token may name what a figure counts: a content word, not a verb or adverb."""
    return content(token) and token[2] not in _GENERIC and not token[1].endswith(("ed", "ly"))


def _qualifies(token: Token) -> bool:
    """Whether a token after a figure may still qualify it, before the verb of what is said
    of it ("90% effective against severe disease", "15 miners remain trapped")."""
    return token[1] not in _LINKS and not token[1].endswith(("ed", "ing"))


def _joins(token: Token) -> bool:
    """Whether a token may lie between a figure and the words that say what it counts."""
    return token[1] not in ("and", "or") and not token[1][0].isdigit()


def content(token: Token) -> bool:
    """Whether a token is a content word (not a stopword, a figure or punctuation)."""
    return token[0][0].isalpha() and token[1] not in STOPWORDS and len(token[1]) > 1
