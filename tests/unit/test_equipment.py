"""Equipment: warranty, retention of title, return check-in, net book value, losses."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syres.domain.equipment import (
    ItemCheckIn,
    ItemDue,
    Tenure,
    UnableToCheckInReturn,
    UnableToCreditInsurerPayment,
    check_return,
    net_book_value,
    partial_loss_credit,
    title_has_passed,
    total_loss_indemnity,
    warranty,
)
from syres.domain.periods import add_months
from syres.domain.terms import EquipmentModel, Terms
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)


@pytest.fixture(scope="module")
def terms() -> Terms:
    return TERMS


def _model(code: str) -> EquipmentModel:
    product = TERMS.product(code)
    assert isinstance(product, EquipmentModel)
    return product


# --- warranty and title ----------------------------------------------------------------------


def test_warranty_runs_one_year_from_delivery(terms: Terms) -> None:
    """R-EQ-2: delivered 15 Mar 2026, covered until 14 Mar 2027 included."""
    cover = warranty(
        delivery_date=date(2026, 3, 15), misuse_recorded_date=None, equipment=terms.equipment
    )
    assert cover.end_date == date(2027, 3, 15)
    assert cover.covers(on=date(2027, 3, 14))
    assert not cover.covers(on=date(2027, 3, 15))


def test_recorded_misuse_voids_the_warranty_from_that_day(terms: Terms) -> None:
    """R-EQ-2: void on misuse (art. 6: conditions of use and upkeep not respected)."""
    cover = warranty(
        delivery_date=date(2026, 3, 15),
        misuse_recorded_date=date(2026, 7, 1),
        equipment=terms.equipment,
    )
    assert cover.covers(on=date(2026, 6, 30))
    assert not cover.covers(on=date(2026, 7, 1))


def test_sold_equipment_belongs_to_the_customer_only_once_fully_paid() -> None:
    """R-EQ-1: retention of title until full payment; lent equipment stays SYRES's."""
    price = Decimal("149.00")
    assert not title_has_passed(tenure=Tenure.SOLD, sale_price=price, amount_paid=Decimal("148.99"))
    assert title_has_passed(tenure=Tenure.SOLD, sale_price=price, amount_paid=price)
    assert not title_has_passed(tenure=Tenure.LENT, sale_price=price, amount_paid=price)


# --- net book value --------------------------------------------------------------------------


def test_net_book_value_is_straight_line_by_day() -> None:
    """R-EQ-4: 180 € over 36 months from 1 Mar 2026 (1 096 days): half-way is 90 €."""
    value, start = Decimal("180"), date(2026, 3, 1)

    def nbv(on: date) -> Decimal:
        return net_book_value(value=value, in_service_date=start, depreciation_months=36, on=on)

    assert nbv(date(2026, 2, 1)) == value
    assert nbv(start) == value
    assert nbv(start + timedelta(days=548)) == Decimal("90")
    assert nbv(date(2029, 3, 1)) == 0
    assert nbv(date(2030, 1, 1)) == 0


@given(
    value=st.decimals(min_value=0, max_value=100_000, places=2),
    months=st.integers(min_value=1, max_value=120),
    start=st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 1, 1)),
    first=st.integers(min_value=-100, max_value=4000),
    later=st.integers(min_value=0, max_value=4000),
)
def test_net_book_value_stays_between_zero_and_the_value_and_never_rises(
    value: Decimal, months: int, start: date, first: int, later: int
) -> None:
    """R-EQ-4: 0 ≤ NBV ≤ value, non-increasing in time."""

    def nbv(on: date) -> Decimal:
        return net_book_value(value=value, in_service_date=start, depreciation_months=months, on=on)

    earlier = nbv(start + timedelta(days=first))
    assert 0 <= earlier <= value
    assert nbv(start + timedelta(days=first + later)) <= earlier


# --- total loss ------------------------------------------------------------------------------


def test_total_loss_indemnity_on_a_worked_example() -> None:
    """R-EQ-4: router lent at 5 €/month from 1 Mar 2026, irrevocable until 1 Mar 2029, value
    180 € over 36 months, lost 15 Sep 2027, insurer paid 60 €.

    Remaining rents: October 2027 … February 2029 = 17 × 5 = 85 €; NBV 180 × 533/1096 =
    87.54 €; indemnity = 85 − 60 + max(0, 87.54 − 60) = 52.54 €."""
    router = _model("EQ-ROUTER")
    result = total_loss_indemnity(
        loss_date=date(2027, 9, 15),
        monthly_rent=router.monthly_rent,
        irrevocable_end=date(2029, 3, 1),
        value=router.replacement_value,
        in_service_date=date(2026, 3, 1),
        depreciation_months=router.depreciation_months,
        insurer_payments=Decimal("60.00"),
    )
    assert result.remaining_months == 17
    assert result.remaining_rents == Decimal("85.00")
    assert result.net_book_value == Decimal("87.54")
    assert result.book_value_shortfall == Decimal("27.54")
    assert result.indemnity == Decimal("52.54")


def test_insurer_payments_above_the_formula_leave_nothing_owed() -> None:
    """R-EQ-4: 85 € rents, NBV 87.54 €, insurer paid 100 €: formula −15 €, nothing owed."""
    result = total_loss_indemnity(
        loss_date=date(2027, 9, 15),
        monthly_rent=Decimal("5"),
        irrevocable_end=date(2029, 3, 1),
        value=Decimal("180"),
        in_service_date=date(2026, 3, 1),
        depreciation_months=36,
        insurer_payments=Decimal("100.00"),
    )
    assert result.book_value_shortfall == 0
    assert result.formula == Decimal("-15.00")
    assert result.indemnity == 0


_money = st.decimals(min_value=0, max_value=10_000, places=2)


@given(
    rent=_money,
    value=_money,
    insurer=_money,
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    loss_after=st.integers(min_value=0, max_value=2000),
    irrevocable_months=st.integers(min_value=0, max_value=72),
)
def test_the_loss_indemnity_is_never_negative_and_follows_the_formula(
    rent: Decimal,
    value: Decimal,
    insurer: Decimal,
    start: date,
    loss_after: int,
    irrevocable_months: int,
) -> None:
    """R-EQ-4: indemnity = max(0, rents − insurer + max(0, NBV − insurer)); with no insurer
    payment it is the remaining rents plus the net book value."""

    result = total_loss_indemnity(
        loss_date=start + timedelta(days=loss_after),
        monthly_rent=rent,
        irrevocable_end=add_months(start, irrevocable_months),
        value=value,
        in_service_date=start,
        depreciation_months=36,
        insurer_payments=insurer,
    )
    assert result.indemnity >= 0
    assert 0 <= result.net_book_value <= value
    expected = result.remaining_rents - insurer + max(Decimal(0), result.net_book_value - insurer)
    assert result.indemnity == max(Decimal(0), expected)
    if insurer == 0:
        assert result.indemnity == result.remaining_rents + result.net_book_value


# --- partial loss ----------------------------------------------------------------------------


def test_partial_loss_insurer_payment_is_set_off_then_credited() -> None:
    """R-EQ-4: the customer repairs; insurer payments are credited, set off against its debts."""
    credit = partial_loss_credit(
        insurer_payments=Decimal("120.00"),
        paid_repair_invoices_presented=True,
        amount_owed=Decimal("45.00"),
    )
    assert credit.set_off == Decimal("45.00")
    assert credit.balance_in_favour_of_customer == Decimal("75.00")


def test_partial_loss_credit_waits_for_the_paid_repair_invoices() -> None:
    """R-EQ-4, CGV art. 13: credited after presentation of the paid repair invoices."""
    with pytest.raises(UnableToCreditInsurerPayment, match="factures de réparation acquittées"):
        partial_loss_credit(
            insurer_payments=Decimal("120.00"),
            paid_repair_invoices_presented=False,
            amount_owed=Decimal("0"),
        )


# --- return at termination -------------------------------------------------------------------


def test_a_return_is_checked_item_by_item_with_accessories(terms: Terms) -> None:
    """R-EQ-3: phone back without its cord (5 €), router back complete, DECT base missing
    (150 €): 155 € invoiced."""
    due = [
        ItemDue(serial="PH-1", model=_model("EQ-PHONE")),
        ItemDue(serial="RT-1", model=_model("EQ-ROUTER")),
        ItemDue(serial="DE-1", model=_model("EQ-DECT")),
    ]
    check = check_return(
        items_due=due,
        checked_in=[
            ItemCheckIn(
                serial="PH-1", working_order=True, accessories=("Combiné", "Bloc d'alimentation")
            ),
            ItemCheckIn(
                serial="RT-1",
                working_order=True,
                accessories=("Bloc d'alimentation", "Câble Ethernet"),
            ),
        ],
        equipment=terms.equipment,
    )
    phone, router, dect = check.lines
    assert (phone.returned, phone.missing_accessories, phone.amount_due) == (
        True,
        ("Cordon",),
        Decimal("5.00"),
    )
    assert (router.returned, router.missing_accessories, router.amount_due) == (True, (), 0)
    assert (dect.returned, dect.item_charge) == (False, Decimal("150.00"))
    assert check.amount_due == Decimal("155.00")
    assert not check.complete


def test_a_returned_item_out_of_order_is_flagged_for_review_not_billed(terms: Terms) -> None:
    """R-EQ-3: art. 6 requires working order but prices only what is not returned."""
    check = check_return(
        items_due=[ItemDue(serial="RT-1", model=_model("EQ-ROUTER"))],
        checked_in=[
            ItemCheckIn(
                serial="RT-1",
                working_order=False,
                accessories=("Bloc d'alimentation", "Câble Ethernet"),
            )
        ],
        equipment=terms.equipment,
    )
    (line,) = check.lines
    assert line.needs_review
    assert check.amount_due == 0


def test_a_serial_that_is_not_due_back_is_refused(terms: Terms) -> None:
    with pytest.raises(UnableToCheckInReturn, match="XX-9"):
        check_return(
            items_due=[ItemDue(serial="RT-1", model=_model("EQ-ROUTER"))],
            checked_in=[ItemCheckIn(serial="XX-9", working_order=True, accessories=())],
            equipment=terms.equipment,
        )


def test_every_catalog_accessory_has_a_replacement_value(terms: Terms) -> None:
    """R-EQ-3: the terms refuse an accessory with no value (a missing one is invoiced)."""
    for product in terms.catalog.products:
        if isinstance(product, EquipmentModel):
            for name in product.accessories:
                assert terms.equipment.accessory_replacement_values[name] > 0
