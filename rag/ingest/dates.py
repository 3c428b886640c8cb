"""Publication dates as articles write them, read as ISO dates (YYYY-MM-DD).

A date is kept only when it names a whole, real calendar day: ``2025-03-03``,
``2025-03-03T10:00:00+03:00``, ``March 3, 2025``, ``3 March 2025``, ``Mon, 03 Mar 2025
10:00:00 GMT``, ``03/04/2025``, ``3 марта 2025``... Relative words (``yesterday``,
``2 days ago``), a month or a year alone, and impossible days (``2025-02-30``) are not
dates. A date with a time keeps the day as written, in the writer's own time zone.

Numeric dates with the year last are read day first (``03/04/2025`` is 3 April), as
most of the world writes them, unless the article's language is ``en-US``, where they
are read month first (4 March). A number above 12 is read as the day either way.
Forms with the year first (``2025-03-04``, ``2025/03/04``) are always year, month, day.

dateparser reads the written forms, in its many languages; relative dates are left out by
not giving it its relative-time parser.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

#: Languages whose numeric dates put the month first.
MONTH_FIRST = frozenset({"en-us"})
#: A date written year first (2025-03-04, 2025/03/04, 2025.03.04), maybe with a time after it.
_YEAR_FIRST = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:$|[T ])")


def read_date(text: str, language: str | None = None) -> str | None:
    """``text`` as YYYY-MM-DD, or None when it does not name one real calendar day."""
    text = " ".join(text.split())
    if not text:
        return None
    iso = _YEAR_FIRST.match(text)
    if iso:
        try:
            year, _, month, day = iso.groups()
            return dt.date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            return None
    found = _parser(month_first(language)).get_date_data(text).date_obj
    return found.date().isoformat() if found is not None else None


def month_first(language: str | None) -> bool:
    """Whether numeric dates of an article in ``language`` put the month first."""
    return (language or "").strip().lower().replace("_", "-") in MONTH_FIRST


@cache
def _parser(month_first: bool) -> Any:
    """A dateparser parser for absolute dates only, day, month and year all required."""
    from dateparser.date import DateDataParser

    return DateDataParser(
        settings={
            "PARSERS": ["custom-formats", "absolute-time"],
            "REQUIRE_PARTS": ["day", "month", "year"],
            "STRICT_PARSING": True,
            "DATE_ORDER": "MDY" if month_first else "DMY",
            "PREFER_LOCALE_DATE_ORDER": False,
        }
    )
