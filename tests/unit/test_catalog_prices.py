"""Catalog prices: effective-dated versions and negotiated prices (SPEC R-CAT-2, R-CAT-3)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.catalog import (
    Prices,
    PriceVersion,
    UnableToPrice,
    UnableToPublishPrice,
    check_new_version,
    monthly_price_for_period,
    next_synced_version_date,
    prices_of_terms_product,
    version_in_force,
)
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)

JANUARY = PriceVersion(date(2026, 1, 1), Prices(monthly_price=Decimal("29.00")))
MARCH = PriceVersion(date(2026, 3, 1), Prices(monthly_price=Decimal("31.50")))


def test_the_version_in_force_changes_on_its_effective_date() -> None:
    """R-CAT-2: the day before the new version, the old one; from its date, the new one."""
    versions = [MARCH, JANUARY]
    assert version_in_force(versions=versions, on=date(2026, 2, 28)) == JANUARY
    assert version_in_force(versions=versions, on=date(2026, 3, 1)) == MARCH
    assert version_in_force(versions=versions, on=date(2027, 1, 1)) == MARCH


def test_no_price_before_the_first_version() -> None:
    with pytest.raises(UnableToPrice, match="31/12/2025"):
        version_in_force(versions=[JANUARY], on=date(2025, 12, 31))


def test_a_period_is_billed_at_the_version_of_its_first_day() -> None:
    """R-CAT-2: a period starting 2026-02-01 stays at the January price even if it ends later."""
    price = monthly_price_for_period(versions=[JANUARY, MARCH], period_start=date(2026, 2, 1))
    assert price == Decimal("29.00")
    assert monthly_price_for_period(
        versions=[JANUARY, MARCH], period_start=date(2026, 3, 1)
    ) == Decimal("31.50")


def test_a_negotiated_price_wins_over_every_version() -> None:
    """R-CAT-2: the order's negotiated price wins, even before and after a new version."""
    for start in (date(2026, 2, 1), date(2026, 3, 1)):
        price = monthly_price_for_period(
            versions=[JANUARY, MARCH],
            period_start=start,
            negotiated_monthly_price=Decimal("25.00"),
        )
        assert price == Decimal("25.00")


def test_terms_products_give_their_prices() -> None:
    """R-CAT-3: recurring price and one-off fees; equipment: rent, sale, replacement value."""
    ftto = prices_of_terms_product(product=TERMS.product("FTTO-100M"))
    assert ftto.monthly_price == Decimal("390.00")
    assert ftto.activation_fees == Decimal("2000.00")
    router = prices_of_terms_product(product=TERMS.product("EQ-ROUTER"))
    assert (router.monthly_price, router.sale_price, router.replacement_value) == (
        Decimal("5.00"),
        Decimal("149.00"),
        Decimal("180.00"),
    )


def test_a_negative_price_is_refused() -> None:
    with pytest.raises(UnableToPublishPrice):
        Prices(monthly_price=Decimal("-1"))


def test_staff_cannot_publish_a_version_in_the_past_or_twice_a_day() -> None:
    """R-CAT-2: a new version never rewrites what was billed; one version per day."""
    with pytest.raises(UnableToPublishPrice, match="passé"):
        check_new_version(
            existing_dates=[JANUARY.effective_from],
            effective_from=date(2026, 5, 31),
            as_of=date(2026, 6, 1),
        )
    with pytest.raises(UnableToPublishPrice, match="déjà"):
        check_new_version(
            existing_dates=[date(2026, 7, 1)],
            effective_from=date(2026, 7, 1),
            as_of=date(2026, 6, 1),
        )
    check_new_version(
        existing_dates=[JANUARY.effective_from],
        effective_from=date(2026, 6, 1),
        as_of=date(2026, 6, 1),
    )


def test_a_reloaded_price_change_never_takes_effect_in_the_past() -> None:
    """R-CAT-2: the first load takes the file's date; a later change takes the reload day."""
    file_date = date(2026, 1, 1)
    assert (
        next_synced_version_date(
            latest_effective_from=None, file_effective_from=file_date, as_of=date(2026, 11, 27)
        )
        == file_date
    )
    assert next_synced_version_date(
        latest_effective_from=file_date, file_effective_from=file_date, as_of=date(2026, 11, 27)
    ) == date(2026, 11, 27)
    assert next_synced_version_date(
        latest_effective_from=date(2026, 12, 1),
        file_effective_from=file_date,
        as_of=date(2026, 11, 27),
    ) == date(2026, 12, 2)


@settings(max_examples=60)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=6, unique=True),
    day=st.integers(min_value=0, max_value=500),
)
def test_the_version_in_force_is_the_latest_one_not_after_the_day(
    offsets: list[int], day: int
) -> None:
    """R-CAT-2, property: the chosen version started on or before the day, and no other one
    started later while still on or before it."""
    origin = date(2026, 1, 1)
    versions = [
        PriceVersion(origin + timedelta(days=offset), Prices(monthly_price=Decimal(offset)))
        for offset in offsets
    ]
    on = origin + timedelta(days=day)
    if day < min(offsets):
        with pytest.raises(UnableToPrice):
            version_in_force(versions=versions, on=on)
        return
    chosen = version_in_force(versions=versions, on=on)
    assert chosen.effective_from <= on
    assert all(not (chosen.effective_from < v.effective_from <= on) for v in versions)
