"""Newer reports first among relevant ones (``newer_first``), for a question that asks for
the latest: each candidate's fused score, as a share of the best, gains a term that halves
with every ``HALF_LIFE`` days its article is older than the newest candidate's. Passages
without a publication date gain nothing and lose nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

#: The recency term of the newest candidate, in shares of the best fused score.
WEIGHT = 0.1
#: Days after which the recency term halves.
HALF_LIFE = 30.0


def newer_first(scores: Mapping[str, float], days: Mapping[str, int]) -> dict[str, float]:
    """``scores`` with the recency term added; ``days`` gives each candidate's publication
    day as a number (20250613), 0 or missing when it has none."""
    best = max(scores.values(), default=0.0)
    if best <= 0:
        return dict(scores)
    ordinal = {pid: _ordinal(days.get(pid, 0)) for pid in scores}
    newest = max(ordinal.values())
    return {
        pid: score / best
        + (WEIGHT * 0.5 ** ((newest - ordinal[pid]) / HALF_LIFE) if ordinal[pid] else 0.0)
        for pid, score in scores.items()
    }


def _ordinal(day: int) -> int:
    """20250613 → that day's proleptic ordinal; 0 for no day."""
    try:
        return dt.date(day // 10000, day // 100 % 100, day % 100).toordinal()
    except ValueError:
        return 0
