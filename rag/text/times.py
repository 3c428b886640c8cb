"""Time expressions in news text and the dates they name, so that a passage's "on Tuesday"
or "last year" can be read as a date: the one it names as of the article's publication.

- ``stated``: the text writes the date out: "4 March 2025", "Tuesday, March 4, 2025", "Jan.
  5", "2025-03-04", "March 2024", "in 2022", "since 2019", "in early 2023". A day or month
  without its year takes the year from publication: a day ("on March 10") is the nearest
  such day to it, as news names days to come as often as days gone; a month ("in March") is
  the latest such month up to publication's own.
- ``resolved``: a relative expression: "on Tuesday", "Tuesday", "last/this/next Tuesday",
  "yesterday", "today", "tonight", "tomorrow", "last/this/next week|month|year",
  "earlier/later this week|month|year", "four years ago", "3 weeks ago". A weekday alone is
  the latest such day up to publication ("…, officials said on Tuesday" reports what
  happened; published on a Tuesday, that day).

A date is as precise as its expression: a day ("2025-03-04"), a month ("2025-03") or a year
("2025"). A week ("last week", "earlier this week", "two weeks ago") is the day its Monday
falls on, as ISO weeks start on Monday: a day that places the week, not a day it names.

Left out: decades ("the 1990s"), numeric dates other than ISO ones ("03/04/2025" reads
either way), vague spans ("recently", "a few years ago", "the past week") and times of day.
A year is a number 1900–2099 after "in", "since", "by", "of", "from", "until" (and a few
like them), a month or a day's comma ("March 4, 2025"): "3,000" or "the 2022 election" is
none. A month counts capitalised and with a day, a year or such a word before it ("may", "to
march" and "May said" are none); a weekday or day word that is part of a name ("Sunday
Times", "Good Friday", "USA Today") is none. Without a publication date, relative
expressions and days or months without their year are left out: nothing places them.

A span starts at the "on" or "in" before its words ("on Tuesday", "in 2022"), not at other
such words ("since 2019" is "2019"). dateparser resolves the expressions, in English only
(sparing its language detection), each distinct one a few times in all (``_REFERENCE``):
ingest reads every article.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import suppress
from functools import lru_cache

from rag.types import TimeRef

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_WEEKDAY = rf"(?:{'|'.join(_WEEKDAYS)})\b"
_MONTH = rf"(?:{'|'.join(_MONTHS)})\b"
#: A month as written with a day: in full, or short with or without a full stop ("Jan. 5").
_DAY_MONTH = rf"(?:{_MONTH}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?)"
_DAY = r"\b(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b"
_YEAR = r"\b(?:19|20)\d\d(?!\d|[,.]\d|['’]?s\b)"
_COUNT = r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_SHADE = r"(?i:(?:early|late)\s+|mid-)"
#: The first characters of the words an expression may start with: a quick test at each
#: word that spares trying every form at most of them.
_FIRST = r"(?=[0-9ABDEFIJLMNOSTUWYabdefilmnostuy])"
_TIMES = re.compile(
    rf"""\b{_FIRST}
    (?P<lead>\b(?i:since|until|till|by|from|of|during|through|before|after)\s+)?
    (?P<on>\b(?i:on|in)\s+)?
    (?:(?P<iso>\b(?:19|20)\d\d-\d\d-\d\d\b)
    | (?P<day>(?:{_WEEKDAY},?\s+)?(?:{_DAY_MONTH}\s+{_DAY}|{_DAY}\s+(?:of\s+)?{_DAY_MONTH})
        (?:,?\s+{_YEAR})?(?![,.]?\d))
    | (?P<monthyear>{_SHADE}?{_MONTH},?\s+{_YEAR})
    | (?P<year>{_SHADE}?{_YEAR})
    | (?P<month>{_SHADE}?{_MONTH})
    | (?P<weekday>(?:(?i:last|this|next)\s+)?{_WEEKDAY})
    | (?P<relative>(?i:yesterday|today|tonight|tomorrow
        |(?:(?:earlier|later)\s+)?this\s+(?:week|month|year)|(?:last|next)\s+(?:week|month|year)
        |{_COUNT}\s+(?:day|week|month|year)s?\s+ago)\b)
    )""",
    re.VERBOSE,
)
#: A Monday in a leap year: relative expressions are resolved as of a day of its week or a
#: month of its year, and moved from there, so that each is resolved a few times in all
#: (once for each weekday or month of publication) rather than for every publication day.
_REFERENCE = dt.date(2024, 1, 1)
#: Words before a weekday or day word that make it part of a name ("Good Friday").
_NAMED = re.compile(r"\b(?:Good|Black|Super|Cyber|Easter|Palm|Bloody|Ash|Holy|USA)\s+$")
_CAPITAL_NEXT = re.compile(r"\s+[A-Z]")
_HAS_YEAR = re.compile(r"(?:19|20)\d\d")
#: What dateparser is not given: shades of a month or year, "of", a weekday before a date.
_NOISE = re.compile(rf"(?i:\b(?:early|late|of|earlier|later)\s+|\bmid-)|{_WEEKDAY},?\s+")


def time_expressions(text: str, published: str | None) -> list[TimeRef]:
    """The time expressions of ``text`` (an article) with the dates they name, in text
    order; ``published`` (an ISO day or date-time) places the relative ones."""
    base = _publication(published)
    found: list[TimeRef] = []
    for match in _TIMES.finditer(text):
        kind = match.lastgroup or ""
        if not _counts(text, match, kind):
            continue
        named = _named(kind, match.group(kind), base)
        if named is not None:
            start = match.start("on") if match.group("on") else match.start(kind)
            found.append(TimeRef(start, match.end(), *named))
    return found


def _counts(text: str, match: re.Match[str], kind: str) -> bool:
    """Whether the match is a time expression: a year or month alone needs a word before
    it ("in 2022", "since March"), and no name goes on after a month ("in August Wilson's");
    a weekday or day word is none of a name ("Good Friday", "Sunday Times", "USA Today")."""
    if kind in ("year", "month"):
        context = match.group("lead") or (match.group("on") or "").strip().lower() == "in"
        return bool(context) and not (kind == "month" and _CAPITAL_NEXT.match(text, match.end()))
    if kind in ("weekday", "relative"):
        named = _NAMED.search(text, max(0, match.start() - 8), match.start())
        return not named and not (kind == "weekday" and _CAPITAL_NEXT.match(text, match.end()))
    return True


def _named(kind: str, words: str, base: dt.date | None) -> tuple[str, str] | None:
    """The date ``words`` name and how (``stated`` or ``resolved``), or None when nothing
    places it (no publication date) or it is no real date ("2025-02-30")."""
    if kind == "year":
        return words[-4:], "stated"
    phrase = _NOISE.sub("", words).lower()
    how = "resolved" if kind in ("weekday", "relative") else "stated"
    if kind == "iso" or _HAS_YEAR.search(words):
        found = _resolve(phrase, None)
    elif base is None:
        return None
    elif kind == "day":
        found = _nearest(phrase, base)
    elif phrase.capitalize() in _WEEKDAYS:  # the latest up to publication: before the next day
        found = _relative(phrase, base + dt.timedelta(days=1), monthly=False)
    else:
        monthly = kind == "month" or "month" in phrase or "year" in phrase
        found = _relative(phrase.replace("tonight", "today"), base, monthly)
    return (_as_iso(*found), how) if found else None


def _relative(phrase: str, base: dt.date, monthly: bool) -> tuple[dt.date, str] | None:
    """The day ``phrase`` names as of ``base`` and its period, resolved as of the day of
    ``_REFERENCE``'s week with ``base``'s weekday (or, for a ``monthly`` phrase, the first of
    ``base``'s month in its year) and moved as far as ``base`` lies from that day."""
    if monthly:
        found = _resolve(phrase, dt.date(_REFERENCE.year, base.month, 1))
        shift = base.year - _REFERENCE.year
        return (dt.date(found[0].year + shift, found[0].month, 1), found[1]) if found else None
    anchor = _REFERENCE + dt.timedelta(days=base.weekday())
    found = _resolve(phrase, anchor)
    return (found[0] + (base - anchor), found[1]) if found else None


def _nearest(phrase: str, base: dt.date) -> tuple[dt.date, str] | None:
    """The day of a day and month without a year (``phrase``) nearest to ``base``."""
    found = _resolve(phrase, _REFERENCE)
    if found is None:
        return None
    days = []
    for year in (base.year - 1, base.year, base.year + 1):
        with suppress(ValueError):  # 29 February
            days.append(dt.date(year, found[0].month, found[0].day))
    return min(days, key=lambda day: abs(day - base)), "day"


def _as_iso(day: dt.date, period: str) -> str:
    """A resolved day as ISO as precise as its period (a week as its Monday's day)."""
    if period == "year":
        return f"{day.year:04d}"
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "week":
        return (day - dt.timedelta(days=day.weekday())).isoformat()
    return day.isoformat()


@lru_cache(maxsize=4096)
def _resolve(phrase: str, base: dt.date | None) -> tuple[dt.date, str] | None:
    """The day ``phrase`` names as of ``base`` (the latest such when it names none in
    particular: "Tuesday", "March"), and its period ("day", "week", "month" or "year")."""
    from dateparser.date import DateDataParser

    settings: dict[str, object] = {"PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first"}
    if base is not None:
        settings["RELATIVE_BASE"] = dt.datetime(base.year, base.month, base.day, 12)
    found = DateDataParser(languages=["en"], settings=settings).get_date_data(phrase)
    if found.date_obj is None:
        return None
    return found.date_obj.date(), found.period or "day"


def _publication(published: str | None) -> dt.date | None:
    """The publication day of an ISO date or date-time, or None when there is none."""
    try:
        return dt.date.fromisoformat((published or "")[:10])
    except ValueError:
        return None
