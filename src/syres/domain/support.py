"""Support: the FTTO restore-time guarantee (GTR) in business hours (FTTO annex; SPEC R-GTR-1).

Business hours and days come from `[support]` of the terms file; public holidays of
`[support].holidays_country` from the `holidays` package. Every instant is aware; business
hours are read on the Europe/Paris wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

import holidays

from syres.domain.periods import PARIS
from syres.domain.terms import Support

_ONE_DAY = timedelta(days=1)


@cache
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


def is_business_day(*, day: date, support: Support) -> bool:
    """A business weekday of `[support].business_weekdays` that is not a public holiday."""
    return day.isoweekday() in support.business_weekdays and day not in _public_holidays(
        support.holidays_country, day.year
    )


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=PARIS)


def _require_aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("support instants must be aware datetimes")
    return instant.astimezone(PARIS)


def next_business_instant(*, at: datetime, support: Support) -> datetime:
    """`at` itself if it falls in business hours, else the next opening (R-GTR-1).

    The closing time belongs to no business hour: a report at 18:00 waits for the next opening.
    """
    local = _require_aware(at)
    day = local.date()
    if is_business_day(day=day, support=support) and local.time() < support.business_day_end:
        return max(local, _at(day, support.business_day_start))
    day += _ONE_DAY
    while not is_business_day(day=day, support=support):
        day += _ONE_DAY
    return _at(day, support.business_day_start)


def add_business_time(*, start: datetime, duration: timedelta, support: Support) -> datetime:
    """The instant `duration` of business time after `start` (R-GTR-1).

    Counting starts at the next opening when `start` is outside business hours; a result that
    falls exactly on a closing time stays there (it does not jump to the next opening).
    """
    if duration < timedelta(0):
        raise ValueError("a duration of business time cannot be negative")
    current = next_business_instant(at=start, support=support)
    remaining = duration
    while True:
        closing = _at(current.date(), support.business_day_end)
        available = closing - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        current = next_business_instant(at=closing, support=support)


def business_time_between(*, start: datetime, end: datetime, support: Support) -> timedelta:
    """The business time elapsed from `start` to `end` (zero if `end` is not after `start`)."""
    current = next_business_instant(at=start, support=support)
    end_local = _require_aware(end)
    elapsed = timedelta(0)
    while current < end_local:
        closing = _at(current.date(), support.business_day_end)
        elapsed += min(closing, end_local) - current
        current = next_business_instant(at=closing, support=support)
    return elapsed


def gtr_deadline(*, reported_at: datetime, support: Support) -> datetime:
    """The restore deadline of an FTTO incident: `[support].gtr_hours` business hours after the
    report, Europe/Paris (R-GTR-1). A report outside business hours (evening, weekend, public
    holiday) starts counting at the next opening."""
    return add_business_time(
        start=reported_at, duration=timedelta(hours=support.gtr_hours), support=support
    )


@dataclass(frozen=True)
class GtrOutcome:
    """What a ticket shows (R-GTR-1): its deadline, and once restored whether it was met and the
    business time it took."""

    deadline: datetime
    restored_at: datetime | None
    business_time_to_restore: timedelta | None

    @property
    def met(self) -> bool | None:
        """`None` while the incident is open."""
        return None if self.restored_at is None else self.restored_at <= self.deadline

    def overdue(self, *, as_of: datetime) -> bool:
        """An open incident past its deadline, or one restored late."""
        if self.restored_at is None:
            return as_of > self.deadline
        return self.restored_at > self.deadline


def gtr_outcome(
    *, reported_at: datetime, restored_at: datetime | None, support: Support
) -> GtrOutcome:
    """The GTR deadline of a ticket and, once restored, whether it was met (R-GTR-1)."""
    if restored_at is not None and _require_aware(restored_at) < _require_aware(reported_at):
        raise ValueError("an incident cannot be restored before it is reported")
    return GtrOutcome(
        deadline=gtr_deadline(reported_at=reported_at, support=support),
        restored_at=restored_at,
        business_time_to_restore=None
        if restored_at is None
        else business_time_between(start=reported_at, end=restored_at, support=support),
    )
