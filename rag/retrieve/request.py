"""What is asked, checked before retrieval: the question's text, its filters (outlets,
articles, speakers, dates) and ``k``, each refused with a one-line error that names the
option and, for a filter that matches nothing, the closest values the index holds.

Owns: validating requests from the command line, the app and batch files alike. Must not:
rank, answer, or read anything but the snapshot's columns.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence

from rag.errors import RagError
from rag.index.snapshot import Columns
from rag.index.speakers import speaks
from rag.types import Filters

#: Longest question accepted, in characters.
MAX_QUESTION = 2000
#: Most passages an answer may be given (``k``), as ``RAG_TOP_K`` allows.
MAX_K = 50
#: Most values of the index listed when a filter names none of them.
LISTED = 8
#: The hint for a speaker wanted of an index that records none (one indexed before
#: speakers were is brought in step by its next ingest).
NO_SPEAKERS = "the index records no speakers; `rag ingest` finds them in articles indexed before"


def clean_question(question: str) -> str:
    """The question with control characters and surplus whitespace removed; refuses an
    empty or enormous one with a message that says so."""
    text = "".join(ch if ch.isprintable() else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise RagError("the question is empty")
    if len(text) > MAX_QUESTION:
        raise RagError(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION}")
    return text


def checked_filters(
    outlets: Sequence[str] = (),
    articles: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    prefix: str = "",
    speakers: Sequence[str] = (),
    as_of: str | None = None,
) -> Filters:
    """Filters from what a person gave, the dates checked; a bad date, or a range that ends
    before it starts, is a RagError naming the option (``prefix`` + "since" or "until";
    "--as-of" on the command line, else "as_of")."""
    first = iso_date(since or None, f"{prefix}since")
    last = iso_date(until or None, f"{prefix}until")
    if first and last and first > last:
        raise RagError(f"{prefix}since {first} is after {prefix}until {last}")
    day = iso_date(as_of or None, "--as-of" if prefix == "--" else "as_of")
    return Filters(tuple(outlets), tuple(articles), first, last, tuple(speakers), day)


def iso_date(value: str | None, option: str) -> str | None:
    """``value`` checked as a YYYY-MM-DD date."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise RagError(f"{option} {value!r} is not a date like 2025-12-27") from None


def checked_k(k: object, option: str = "k") -> int | None:
    """``k`` (passages to retrieve) as a whole number from 1 to ``MAX_K``; None when not
    given. Anything else is a RagError naming ``option`` and the limits."""
    if k is None or k == "":
        return None
    number = _whole(k)
    if number is None or not 1 <= number <= MAX_K:
        raise RagError(f"{option} must be at least 1 and at most {MAX_K}, not {k!r}")
    return number


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    return None


def check_matches(filters: Filters, columns: Columns) -> None:
    """A RagError when a filter matches no passage of the index (naming it, and what it
    may have meant), or when the filters match none together."""
    _known("outlet", filters.outlets, columns.outlets)
    _known("id", filters.articles, columns.articles)
    _known_speakers(filters.speakers, columns.speakers)
    last = min(day for day in (filters.until, filters.as_of) if day) if filters.as_of else None
    dates = Filters(since=filters.since, until=last or filters.until)
    if dates and not columns.mask(dates).any():
        raise RagError(_no_dates(dates, columns.days))
    if filters and not columns.mask(filters).any():
        raise RagError(
            f"no article matches these filters together: {describe(filters)} (each matches "
            "some articles alone)"
        )


def _known(field: str, wanted: Sequence[str], present: Iterable[str]) -> None:
    if not wanted:
        return
    known = set(present) - {""}
    for value in wanted:
        if value in known:
            continue
        guess = closest(value, known)
        if guess is not None:
            hint = f"did you mean {guess!r}?"
        elif field == "outlet" and len(known) <= LISTED:
            hint = f"outlets: {', '.join(sorted(known)) or 'none is named'}"
        else:
            hint = "`rag articles` lists them"
        raise RagError(f"no article has {field} {value!r} ({hint})")


def _known_speakers(wanted: Sequence[str], present: Sequence[Sequence[str]] | None) -> None:
    if not wanted:
        return
    if present is None:
        raise RagError(
            "the copy of the index questions are answered from was saved before speakers were "
            "recorded; wait for the ingest under way to finish, or run `rag ingest`"
        )
    known = {speaker for row in present for speaker in row}
    surnames = {s.split()[-1]: s for s in sorted(known, reverse=True) if s.strip()}
    for value in wanted:
        if speaks([value], known):
            continue
        guess = closest(value, known | set(surnames))
        if guess is not None:
            hint = f"did you mean {guess if guess in known else surnames[guess]!r}?"
        else:
            hint = "`rag speakers` lists them" if known else NO_SPEAKERS
        raise RagError(f"no article quotes or reports speaker {value!r} ({hint})")


def closest(value: str, known: Iterable[str]) -> str | None:
    """The value of ``known`` ``value`` most likely means: the same but for case, one that
    ends with it (an article id given without its folder), else the nearest in spelling."""
    by_fold = {item.casefold(): item for item in sorted(known, reverse=True)}
    folded = value.casefold()
    if folded in by_fold:
        return by_fold[folded]
    tails = sorted(key for key in by_fold if key.endswith(("/" + folded, "#" + folded)))
    if tails:
        return by_fold[tails[0]]
    near = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.6)
    return by_fold[near[0]] if near else None


def _no_dates(dates: Filters, days: Sequence[int]) -> str:
    wanted = describe(dates)
    dated = [day for day in days if day]
    if not dated:
        return f"no article in the index has a published date, so none is {wanted}"
    first, last = _iso(min(dated)), _iso(max(dated))
    span = f"run from {first} to {last}" if first != last else f"are all {first}"
    return f"no article is {wanted} (published dates in the index {span})"


def _iso(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def describe(filters: Filters) -> str:
    """The filters in words: "outlet 'A' and speaker 'Abishev' and published from
    2025-01-01 to 2025-03-01"."""
    parts = []
    if filters.outlets:
        parts.append("outlet " + " or ".join(repr(outlet) for outlet in filters.outlets))
    if filters.articles:
        parts.append("article " + " or ".join(repr(article) for article in filters.articles))
    if filters.speakers:
        parts.append("speaker " + " or ".join(repr(speaker) for speaker in filters.speakers))
    if filters.since and filters.until:
        parts.append(f"published from {filters.since} to {filters.until}")
    elif filters.since or filters.until:
        after = f"on or after {filters.since}" if filters.since else f"on or before {filters.until}"
        parts.append(f"published {after}")
    if filters.as_of:
        parts.append(f"published by {filters.as_of} (as of)")
    return " and ".join(parts)
