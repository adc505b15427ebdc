"""Where a date falls in the election cycle: pre-election period, polling day, or neither.

Polling-day rules bite until polls close at 7pm New Zealand time, so a date-time is read in
Pacific/Auckland. A bare date on polling day cannot say which side of 7pm it is; it is read
as before close, the side that keeps people out of trouble.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from postcheck.guidance import Election, elections
from postcheck.shapes import ElectionInfo

NZ = ZoneInfo("Pacific/Auckland")


def nz_now() -> dt.datetime:
    return dt.datetime.now(NZ)


def to_nz(when: dt.datetime | dt.date | None) -> tuple[dt.date, dt.time | None]:
    """The NZ calendar day (and time, if known) of a post."""
    if when is None:
        now = nz_now()
        return now.date(), now.time()
    if isinstance(when, dt.datetime):
        local = when.replace(tzinfo=NZ) if when.tzinfo is None else when.astimezone(NZ)
        return local.date(), local.time()
    return when, None


def phase(when: dt.datetime | dt.date | None) -> ElectionInfo:
    day, time = to_nz(when)
    for e in elections():
        p = _phase_in(e, day, time)
        if p != "none":
            return ElectionInfo(phase=p, election=e.name, polling_day=e.polling_day)
    return ElectionInfo(phase="none")


def _phase_in(e: Election, day: dt.date, time: dt.time | None) -> str:
    if day == e.polling_day:
        if time is not None and time >= e.polls_close:
            return "after_close"
        return "polling_day"
    if e.pre_election_from <= day < e.polling_day:
        return "pre_election"
    return "none"


@functools.cache
def _budgets() -> tuple[tuple[int, dt.date], ...]:
    import yaml

    from postcheck.guidance import GUIDANCE_DIR

    data = yaml.safe_load((GUIDANCE_DIR / "budgets.yaml").read_text(encoding="utf-8"))
    return tuple((int(b["year"]), b["day"]) for b in data.get("budgets", []))


BUDGET_RELEASE = dt.time(14, 0)


def budget_is_out(when: dt.datetime | dt.date | None) -> bool:
    """The year's Budget has been delivered by this date (2pm NZ on Budget day), so talk
    about its contents is public. Unknown years (no dated Budget) count as not out: the
    cautious reading for an employee who may hold Budget material."""
    day, time = to_nz(when)
    for year, budget_day in _budgets():
        if year != day.year:
            continue
        if day > budget_day:
            return True
        return day == budget_day and time is not None and time >= BUDGET_RELEASE
    return False
