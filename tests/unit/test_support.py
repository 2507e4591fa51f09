"""Support: the FTTO GTR deadline in business hours (R-GTR-1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syres.domain.periods import PARIS
from syres.domain.support import (
    business_time_between,
    gtr_deadline,
    gtr_outcome,
    is_business_day,
)
from syres.domain.terms import Support
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

SUPPORT = read_terms_file(SHIPPED_TERMS_FILE).support


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("reported", "deadline"),
    [
        # Tuesday morning: same day.
        (paris(2026, 11, 24, 10), paris(2026, 11, 24, 14)),
        # Exactly four hours before closing: the deadline is the closing time.
        (paris(2026, 11, 24, 14), paris(2026, 11, 24, 18)),
        # Across the evening: 1 h 30 on Tuesday, 2 h 30 on Wednesday.
        (paris(2026, 11, 24, 16, 30), paris(2026, 11, 25, 10, 30)),
        # Reported in the evening, at closing time, or before opening: counted from the opening.
        (paris(2026, 11, 24, 20), paris(2026, 11, 25, 12)),
        (paris(2026, 11, 24, 18), paris(2026, 11, 25, 12)),
        (paris(2026, 11, 25, 6, 45), paris(2026, 11, 25, 12)),
        # Across a weekend: Friday 17:00 → Monday 11:00; Saturday → Monday 12:00.
        (paris(2026, 11, 27, 17), paris(2026, 11, 30, 11)),
        (paris(2026, 11, 28, 10), paris(2026, 11, 30, 12)),
        # Friday 16:00 before Easter Monday (6 April 2026): Tuesday 10:00.
        (paris(2026, 4, 3, 16), paris(2026, 4, 7, 10)),
        # Tuesday 17:00 before Armistice Day (Wednesday 11 Nov 2026): Thursday 11:00.
        (paris(2026, 11, 10, 17), paris(2026, 11, 12, 11)),
        # Christmas Friday and the weekend: Thursday 24 Dec 15:00 → Monday 28 Dec 09:00.
        (paris(2026, 12, 24, 15), paris(2026, 12, 28, 9)),
    ],
)
def test_the_gtr_deadline_counts_four_business_hours(
    reported: datetime, deadline: datetime
) -> None:
    """R-GTR-1: 4 business hours (Mon–Fri 08:00–18:00, French public holidays excluded)."""
    assert gtr_deadline(reported_at=reported, support=SUPPORT) == deadline


def test_the_gtr_deadline_keeps_paris_wall_clock_across_summer_time() -> None:
    """R-GTR-1: Friday 27 Mar 2026 16:00 (+01:00) → Monday 30 Mar 10:00 (+02:00)."""
    deadline = gtr_deadline(reported_at=paris(2026, 3, 27, 16), support=SUPPORT)
    assert deadline.isoformat() == "2026-03-30T10:00:00+02:00"


def test_a_report_in_utc_is_read_on_the_paris_clock() -> None:
    """R-GTR-1: 15:00 UTC in November is 16:00 in Paris."""
    reported = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert gtr_deadline(reported_at=reported, support=SUPPORT) == paris(2026, 11, 25, 10)


def test_a_naive_report_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        gtr_deadline(reported_at=datetime(2026, 11, 24, 10, 0), support=SUPPORT)


def test_easter_monday_and_weekends_are_not_business_days() -> None:
    assert not is_business_day(day=date(2026, 4, 6), support=SUPPORT)
    assert not is_business_day(day=date(2026, 4, 4), support=SUPPORT)
    assert is_business_day(day=date(2026, 4, 3), support=SUPPORT)  # Good Friday works in France


def test_business_hours_come_from_the_terms() -> None:
    """R-GTR-1: a terms file opening on Saturdays 09:00–12:00 counts them."""
    saturdays = SUPPORT.model_copy(
        update={
            "business_weekdays": (1, 2, 3, 4, 5, 6),
            "business_day_start": time(9),
            "business_day_end": time(12),
        }
    )
    # Friday 11:00: 1 h on Friday, 3 h on Saturday.
    assert gtr_deadline(reported_at=paris(2026, 11, 27, 11), support=saturdays) == paris(
        2026, 11, 28, 12
    )


def test_a_restore_at_the_deadline_meets_the_gtr_one_minute_later_does_not() -> None:
    """R-GTR-1: the ticket shows the deadline and whether it was met."""
    reported = paris(2026, 4, 3, 16)
    on_time = gtr_outcome(reported_at=reported, restored_at=paris(2026, 4, 7, 10), support=SUPPORT)
    assert on_time.met
    assert on_time.business_time_to_restore == timedelta(hours=4)
    late = gtr_outcome(reported_at=reported, restored_at=paris(2026, 4, 7, 10, 1), support=SUPPORT)
    assert late.met is False
    assert late.overdue(as_of=paris(2026, 4, 8, 9))
    still_open = gtr_outcome(reported_at=reported, restored_at=None, support=SUPPORT)
    assert still_open.met is None
    assert not still_open.overdue(as_of=paris(2026, 4, 7, 9, 59))
    assert still_open.overdue(as_of=paris(2026, 4, 7, 10, 1))


def test_an_incident_cannot_be_restored_before_it_is_reported() -> None:
    with pytest.raises(ValueError, match="restored before"):
        gtr_outcome(
            reported_at=paris(2026, 4, 3, 16), restored_at=paris(2026, 4, 3, 15), support=SUPPORT
        )


_instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.just(PARIS),
)


def _in_business_hours(instant: datetime, support: Support) -> bool:
    local = instant.astimezone(PARIS)
    return (
        is_business_day(day=local.date(), support=support)
        and support.business_day_start < local.time() <= support.business_day_end
    )


@given(reported=_instants)
def test_the_deadline_is_always_inside_business_hours_four_business_hours_later(
    reported: datetime,
) -> None:
    """R-GTR-1: the deadline falls in business hours and exactly 4 business hours after the
    report."""
    deadline = gtr_deadline(reported_at=reported, support=SUPPORT)
    assert deadline > reported
    assert _in_business_hours(deadline, SUPPORT)
    assert business_time_between(start=reported, end=deadline, support=SUPPORT) == timedelta(
        hours=SUPPORT.gtr_hours
    )


@given(first=_instants, gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)))
def test_a_later_report_never_gets_an_earlier_deadline(first: datetime, gap: timedelta) -> None:
    """R-GTR-1: the deadline does not decrease as the report time increases."""
    later = first + gap
    assert gtr_deadline(reported_at=first, support=SUPPORT) <= gtr_deadline(
        reported_at=later, support=SUPPORT
    )
