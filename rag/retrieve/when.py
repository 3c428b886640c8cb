"""What a question says about when the reports it wants were published (``asked_time``):
a period of publication and whether it asks for the newest reports, read against a day;
and the filters to retrieve with (``narrowed``).

Reports follow the events they tell of, so a period the question is about ("in 2022",
"during March 2024", "last week", "in the past two weeks", "between 2022 and 2023")
gives only the day its reports can start, not an end: an analysis of the 2022 election
written in 2024 still answers "what happened in 2022?". "since 1 March" and "after March
2024" give a start too; only words that bound the reporting time end it: "before June
2024", "as of 1 March 2025". A start after that day (the question is about the future),
or an end from that day on, bounds nothing; a year that names an event ("the 2022
election") is no period. "latest", "most recent", "newest", "current", "recently",
"now", "still", "so far", "up to date", and "as of" now or a later day ask for the newest.

A compact regular expression finds the phrases; dateparser reads the dates in them,
relative ones against the day given.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from rag.index.snapshot import Columns
from rag.types import Filters

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?:19|20)\d\d"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?\b"
#: A written date: "1 March 2025", "March 1, 2025", "March 2024", "1 March", "March", "2024".
_DATE = (
    rf"(?:{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?|{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"
    rf"|{_MONTH},?\s+{_YEAR}|{_MONTH}|{_YEAR})\b"
)
_COUNT = r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_UNIT = r"(?:day|week|month|year)s?"
#: A day or period named from today: "last week", "this year", "yesterday", "two weeks ago".
_RELATIVE = (
    rf"(?:(?:this|last)\s+(?:week|month|year)|yesterday|today(?!['’]s)|{_COUNT}\s+{_UNIT}\s+ago)"
)
_PHRASES = re.compile(
    rf"\bas\s+of\s+(?P<as_of>now|{_RELATIVE}|{_DATE})"
    rf"|\bsince\s+(?P<since>{_RELATIVE}|{_DATE})"
    rf"|\bafter\s+(?P<after>{_RELATIVE}|{_DATE})"
    rf"|\bbefore\s+(?P<before>{_DATE})"
    rf"|\bbetween\s+(?P<between>{_DATE})\s+and\s+{_DATE}"
    rf"|\b(?:in|over|during|within|for)\s+the\s+(?:past|last)\s+(?P<past>(?:{_COUNT}\s+)?{_UNIT})\b"
    rf"|\b(?:in|during|throughout)\s+(?P<inside>{_DATE})"
    rf"|\b(?P<relative>{_RELATIVE})\b"
    r"|\b(?P<latest>latest|most\s+recent(?:ly)?|newest|current(?:ly)?|recent(?:ly)?|now|still"
    r"|so\s+far|up[\s-]to[\s-]date)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AskedTime:
    """When a question's reports were published: ISO days bounding it (inclusive, None
    when open) and whether the newest reports are wanted."""

    since: str | None = None
    until: str | None = None
    latest: bool = False


def asked_time(question: str, today: dt.date) -> AskedTime:
    """What ``question`` says about when the reports it wants were published, relative
    dates read against ``today``; nothing for a question that does not say."""
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    latest = False
    for found in _PHRASES.finditer(question):
        kind, words = next((k, w) for k, w in found.groupdict().items() if w)
        if kind == "latest":
            latest = True
            continue
        span = _span(words.lower(), today, kind == "past")
        if span is None:
            continue
        if kind == "as_of":
            ends.append(span[1])
            latest = latest or span[1] >= today
        elif kind == "before":
            ends.append(span[0] - dt.timedelta(days=1))
        elif kind == "after":
            starts.append(span[1] + dt.timedelta(days=1))
        else:
            starts.append(span[0])
    since = max((day for day in starts if day <= today), default=None)
    until = min((day for day in ends if day < today), default=None)
    if since and until and since > until:
        since = until = None
    return AskedTime(_iso(since), _iso(until), latest)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


@lru_cache(maxsize=4096)
def _span(words: str, today: dt.date, past: bool) -> tuple[dt.date, dt.date] | None:
    """First and last day of the period ``words`` name ("March 2024": 1 to 31 March), or,
    for the ``past`` N units, from that long before ``today`` to ``today``."""
    if words in ("now", "today"):
        return today, today
    if past:
        counted = words if words[0].isdigit() or " " in words else f"1 {words}"
        words = f"{counted} ago"
    data = _parser(today).get_date_data(words)
    if data.date_obj is None:
        return None
    day = data.date_obj.date()
    if past:
        return day, today
    if data.period == "year":
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    if data.period == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    if data.period == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    return day, day


@lru_cache(maxsize=8)
def _parser(today: dt.date) -> Any:
    """A dateparser parser of English dates, relative ones read against ``today`` and
    incomplete ones ("1 March", "December") taken as the last such before it."""
    from dateparser.date import DateDataParser

    base = dt.datetime.combine(today, dt.time())
    return DateDataParser(
        languages=["en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
    )


def narrowed(
    asked: AskedTime, given: Filters | None, as_of: dt.date | None, columns: Columns
) -> Filters | None:
    """The filters to retrieve with: ``given``, with the question's period where they bound
    no date and some passage of ``columns`` is in it (as with any date filter, passages
    without a date are not), and with nothing published after ``as_of`` when it is set."""
    filters = given or Filters()
    if not (filters.since or filters.until) and (asked.since or asked.until):
        period = _ending(replace(filters, since=asked.since, until=asked.until), as_of)
        if columns.mask(period).any():
            return period
    return _ending(filters, as_of) or None


def _ending(filters: Filters, as_of: dt.date | None) -> Filters:
    """``filters`` with nothing published after ``as_of``."""
    if as_of is None:
        return filters
    last = as_of.isoformat()
    return replace(filters, until=min(filters.until or last, last))
