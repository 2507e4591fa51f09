"""Money rounding and half-open periods."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syres.domain.money import decimal_to_micro_eur, format_eur, micro_eur_to_decimal, quantize_eur
from syres.domain.periods import Month, Period, add_months


def test_quantize_eur_rounds_half_up_by_default() -> None:
    assert quantize_eur(Decimal("0.125")) == Decimal("0.13")
    assert quantize_eur(Decimal("-0.125")) == Decimal("-0.13")
    assert quantize_eur(Decimal("0.125"), rounding=ROUND_DOWN) == Decimal("0.12")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_micro_euros_round_trip_exactly(micro: int) -> None:
    assert decimal_to_micro_eur(micro_eur_to_decimal(micro)) == micro


def test_amounts_finer_than_a_micro_euro_are_refused() -> None:
    with pytest.raises(ValueError, match="finer than a micro-euro"):
        decimal_to_micro_eur(Decimal("0.0000001"))


def test_format_eur_is_french() -> None:
    assert format_eur(Decimal("1234.5")) == "1\u202f234,50\u00a0€"


def test_a_month_is_the_half_open_range_from_the_first_to_the_next_first() -> None:
    month = Month.parse("2026-12")
    assert month.period == Period(date(2026, 12, 1), date(2027, 1, 1))
    assert date(2027, 1, 1) not in month.period
    assert month.days == 31
    assert month.next() == Month(2027, 1)
    assert Month(2027, 1).previous() == month
    assert month.period.start_at().isoformat() == "2026-12-01T00:00:00+01:00"


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-01", "2026/01", ""])
def test_a_malformed_month_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(text)


def test_add_months_clamps_to_the_end_of_month() -> None:
    """R-END-1: a letter received on 30 November ends on the last day of February."""
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_a_period_must_start_before_it_ends() -> None:
    with pytest.raises(ValueError, match="start before it ends"):
        Period(date(2026, 1, 2), date(2026, 1, 2))
