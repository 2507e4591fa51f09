"""The month and business day of each record, Europe/Paris (SPEC §5: counters per calendar
month; R-SIP-7: calls on business days), found without a time-zone conversion per record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.rating.engine import _with_period

PARIS = ZoneInfo("Europe/Paris")
# Summer time starts and ends, and month ends, of two years: the instants around them (to the
# microsecond) are where a day of 24 hours is not a Paris day.
_EDGES = [
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2027, 3, 28, 1, tzinfo=UTC),
    datetime(2026, 3, 31, 22, tzinfo=UTC),
    datetime(2026, 10, 31, 23, tzinfo=UTC),
    datetime(2026, 12, 31, 23, tzinfo=UTC),
    datetime(2027, 3, 31, 22, tzinfo=UTC),
]
_NEAR_EDGES = st.builds(
    lambda edge, shift: edge + timedelta(microseconds=shift),
    st.sampled_from(_EDGES),
    st.integers(-3 * 3_600_000_000, 3 * 3_600_000_000)
    | st.sampled_from([-1, 0, 1, -3_600_000_000, 3_600_000_000]),
)
_ANY = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=150, deadline=None)
@given(
    starts=st.lists(st.one_of(_NEAR_EDGES, _ANY, st.none()), min_size=1, max_size=30),
    business_weekdays=st.sets(st.integers(1, 7)),
)
def test_the_month_and_business_day_are_those_of_paris(
    starts: list[datetime | None], business_weekdays: set[int]
) -> None:
    """SPEC §5 and R-SIP-7: each record falls in the Paris month and day of its instant, across
    summer time changes and month ends; a record without a start has neither."""
    frame = pl.DataFrame({"start": starts}, schema={"start": pl.Datetime("us", "UTC")})
    present = [s for s in starts if s is not None]
    first = min(present, default=datetime(2026, 1, 1, tzinfo=UTC)).astimezone(PARIS).date()
    business = pl.Series(
        [
            first + timedelta(days=n)
            for n in range(800)
            if (first + timedelta(days=n)).isoweekday() in business_weekdays
        ],
        dtype=pl.Date,
    )
    dated = _with_period(frame, business=business)
    local = [None if s is None else s.astimezone(PARIS) for s in starts]
    assert dated.get_column("period").cast(pl.String).to_list() == [
        None if day is None else f"{day:%Y-%m}" for day in local
    ]
    assert dated.get_column("on_business_day").to_list() == [
        None if day is None else day.isoweekday() in business_weekdays for day in local
    ]
