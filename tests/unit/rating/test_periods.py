"""The month and business day of each record, Europe/Paris (SPEC §5: counters per calendar
month; R-SIP-7: calls on business days), found without a time-zone conversion per record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.rating.engine import _start_order, _with_period

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


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 2) | st.integers(0, 4095),  # the line's number
            st.integers(0, 1) | st.integers(0, 1200),  # its month (only their order matters)
            # µs: a few instants (ties), any, or a span too wide to pack
            st.integers(0, 3) | st.integers(0, 2**40) | st.integers(2**55, 2**56),
        ),
        min_size=1,
        max_size=40,
    ),
    to_the_second=st.booleans(),  # as CDRs are: the key that holds the row too
)
def test_the_start_order_gives_each_position_its_line(
    rows: list[tuple[int, int, int]], to_the_second: bool
) -> None:
    """SPEC §5.2: calls in line, month and start order, ties by call id, each line-month
    numbered, and each position with its own line (the pass reads the line's limits by it),
    on the key of whole seconds, the packed sort key and the wide one alike."""
    if to_the_second:
        # (The few instants become seconds 0 to 3: ties among whole seconds.)
        rows = [(line, month, us * 10**6 if us <= 3 else us // 10**6 * 10**6)
                for line, month, us in rows]  # fmt: skip
    frame = pl.DataFrame(
        {
            "line_idx": [line for line, _, _ in rows],
            "period_key": [month for _, month, _ in rows],
            "start": [datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)
                      for _, _, us in rows],
            # (Ids in the reverse order of the rows: ties are put in id order, not row order.)
            "record_id": [f"c{len(rows) - n:02d}" for n in range(len(rows))],
        },
        schema_overrides={"line_idx": pl.UInt32, "start": pl.Datetime("us", "UTC")},
    )  # fmt: skip
    order = _start_order(frame)
    positions = order.get_column("_idx").to_list()
    assert sorted(positions) == list(range(len(rows)))
    assert order.get_column("line_idx").to_list() == [rows[p][0] for p in positions]
    keys = [(rows[p][0], rows[p][1], rows[p][2], f"c{len(rows) - p:02d}") for p in positions]
    assert keys == sorted(keys)
    line_months = [key[:2] for key in keys]
    assert order.get_column("g").to_list() == [
        sorted(set(line_months)).index(line_month) for line_month in line_months
    ]
