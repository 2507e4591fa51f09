"""Quotes and orders without a database: SPEC R-ORD-1 … R-ORD-7."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.money import quantize_eur
from syres.domain.orders import (
    CANCELLED,
    DELIVERED,
    IN_PROGRESS,
    PLANNED,
    RECEIVED,
    TRANSITIONS,
    Blocker,
    LineAmounts,
    UnableToCancelOrder,
    UnableToChangeOrderState,
    UnableToPlaceOrder,
    blocked_days,
    cancellation_fee,
    check_customer_may_order,
    check_ftth_for_site,
    check_quote_orderable,
    check_transition,
    commitment_end,
    deposit_due,
    modem_site_problems,
    one_off_total,
    plan_intervention,
    quote_validity,
)
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)
RECEIPT = date(2026, 3, 2)


# --- R-ORD-1 -----------------------------------------------------------------------------------


def test_a_quote_is_orderable_until_the_day_before_its_one_month_anniversary() -> None:
    """R-ORD-1: a quote of 15 January can be ordered on 14 February, not on 15 February."""
    months = TERMS.quotes.validity_months
    check_quote_orderable(
        quote_date=date(2026, 1, 15), validity_months=months, on=date(2026, 1, 15)
    )
    check_quote_orderable(
        quote_date=date(2026, 1, 15), validity_months=months, on=date(2026, 2, 14)
    )
    with pytest.raises(UnableToPlaceOrder, match="expiré le 15/02/2026"):
        check_quote_orderable(
            quote_date=date(2026, 1, 15), validity_months=months, on=date(2026, 2, 15)
        )


def test_a_quote_of_the_31st_expires_at_the_end_of_a_short_month() -> None:
    """R-ORD-1 with add_months: 31 January + 1 month is clamped to 28 February."""
    assert quote_validity(quote_date=date(2026, 1, 31), validity_months=1).end == date(2026, 2, 28)
    with pytest.raises(UnableToPlaceOrder):
        check_quote_orderable(quote_date=date(2026, 1, 31), validity_months=1, on=date(2026, 2, 28))


def test_an_order_cannot_predate_its_quote() -> None:
    with pytest.raises(UnableToPlaceOrder):
        check_quote_orderable(quote_date=date(2026, 1, 15), validity_months=1, on=date(2026, 1, 14))


# --- R-ORD-2, R-ORD-5 --------------------------------------------------------------------------

FTTO = LineAmounts(
    quantity=1,
    monthly_price=Decimal("390.00"),
    access_fee=Decimal("1500.00"),
    installation_fee=Decimal("500.00"),
)
TRUNK = LineAmounts(quantity=3, monthly_price=Decimal("12.00"), access_fee=Decimal("50.00"))
ROUTER_SOLD = LineAmounts(quantity=1, monthly_price=Decimal("0"), sale_price=Decimal("149.00"))


def test_deposit_is_30_percent_of_access_installation_and_equipment_sold() -> None:
    """R-ORD-2: (2000 + 150 + 149) × 30 % = 689.70; the monthly prices do not count."""
    lines = [FTTO, TRUNK, ROUTER_SOLD]
    assert one_off_total(lines=lines) == Decimal("2299.00")
    assert deposit_due(lines=lines, deposit_share=TERMS.orders.deposit_share) == Decimal("689.70")


def test_deposit_is_rounded_to_the_cent_once_on_the_total() -> None:
    """R-ORD-2: three lines of 0.05 € → 0.15 × 30 % = 0.045 → 0.05 (half-up, once); rounding
    each line first would give 3 × 0.02 = 0.06."""
    line = LineAmounts(quantity=1, monthly_price=Decimal("0"), access_fee=Decimal("0.05"))
    assert deposit_due(lines=[line, line, line], deposit_share=Decimal("0.30")) == Decimal("0.05")


def test_cancellation_before_delivery_costs_the_activation_fees() -> None:
    """R-ORD-5: access + installation fees; equipment sold and monthly prices are not charged."""
    assert cancellation_fee(lines=[FTTO, TRUNK, ROUTER_SOLD]) == Decimal("2150.00")


def test_a_negotiated_monthly_price_wins_on_the_line() -> None:
    """R-CAT-2: a negotiated price replaces the catalog price of the line."""
    line = LineAmounts(
        quantity=4, monthly_price=Decimal("12.00"), negotiated_monthly_price=Decimal("10.00")
    )
    assert line.monthly_total == Decimal("40.00")


@settings(max_examples=60)
@given(
    amounts=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=20),
            st.decimals(min_value=0, max_value=5000, places=2),
            st.decimals(min_value=0, max_value=5000, places=2),
            st.decimals(min_value=0, max_value=5000, places=2),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_deposit_is_the_share_of_the_total_within_half_a_cent(
    amounts: list[tuple[int, Decimal, Decimal, Decimal]],
) -> None:
    """R-ORD-2, property: |deposit − 30 % × exact total| ≤ 0.005, and it is whole cents."""
    lines = [
        LineAmounts(
            quantity=qty,
            monthly_price=Decimal("1"),
            access_fee=access,
            installation_fee=install,
            sale_price=sale,
        )
        for qty, access, install, sale in amounts
    ]
    deposit = deposit_due(lines=lines, deposit_share=Decimal("0.30"))
    exact = one_off_total(lines=lines) * Decimal("0.30")
    assert abs(deposit - exact) <= Decimal("0.005")
    assert deposit == quantize_eur(deposit)
    assert cancellation_fee(lines=lines) <= quantize_eur(one_off_total(lines=lines))


# --- R-ORD-3 -----------------------------------------------------------------------------------


def test_planned_date_is_receipt_plus_45_days() -> None:
    """R-ORD-3: 2 March + 45 days = 16 April."""
    plan = plan_intervention(
        received_date=RECEIPT,
        terms=TERMS.orders,
        fibre_construction=False,
        blockers=[],
        as_of=RECEIPT,
    )
    assert plan.planned_date == plan.latest_date == date(2026, 4, 16)
    assert not plan.is_waiting


def test_fibre_construction_takes_8_to_12_weeks() -> None:
    """R-ORD-3: 2 March + 8 weeks = 27 April; + 12 weeks = 25 May."""
    plan = plan_intervention(
        received_date=RECEIPT,
        terms=TERMS.orders,
        fibre_construction=True,
        blockers=[],
        as_of=RECEIPT,
    )
    assert (plan.planned_date, plan.latest_date) == (date(2026, 4, 27), date(2026, 5, 25))


def test_a_resolved_blocker_pushes_the_date_by_its_length() -> None:
    """R-ORD-3: a deposit paid 10 days late pushes 16 April to 26 April."""
    blocker = Blocker("deposit_unpaid", started_on=RECEIPT, resolved_on=RECEIPT + timedelta(10))
    plan = plan_intervention(
        received_date=RECEIPT,
        terms=TERMS.orders,
        fibre_construction=False,
        blockers=[blocker],
        as_of=date(2026, 3, 20),
    )
    assert plan.delay_days == 10
    assert plan.planned_date == date(2026, 4, 26)
    assert plan.waiting_reasons == ()


def test_an_open_blocker_pushes_the_date_to_today_and_shows_why_the_order_waits() -> None:
    """R-ORD-3: premises not ready since 5 March, still open on 25 March: 20 days so far."""
    blocker = Blocker("premises_not_ready", started_on=date(2026, 3, 5))
    plan = plan_intervention(
        received_date=RECEIPT,
        terms=TERMS.orders,
        fibre_construction=True,
        blockers=[blocker],
        as_of=date(2026, 3, 25),
    )
    assert plan.delay_days == 20
    assert plan.planned_date == date(2026, 4, 27) + timedelta(days=20)
    assert plan.waiting_reasons == ("Locaux non prêts depuis le 05/03/2026",)


def test_overlapping_blockers_push_by_their_union() -> None:
    """R-ORD-3: 2–12 March and 7–17 March overlap: 15 days of delay, not 20."""
    blockers = [
        Blocker("deposit_unpaid", started_on=date(2026, 3, 2), resolved_on=date(2026, 3, 12)),
        Blocker("documents_missing", started_on=date(2026, 3, 7), resolved_on=date(2026, 3, 17)),
    ]
    assert blocked_days(blockers=blockers, as_of=date(2026, 4, 1)) == 15


@settings(max_examples=60)
@given(
    spans=st.lists(
        st.tuples(st.integers(0, 60), st.one_of(st.none(), st.integers(0, 40))),
        max_size=5,
    )
)
def test_blocked_days_count_each_blocked_day_once(spans: list[tuple[int, int | None]]) -> None:
    """R-ORD-3, property: the delay is the number of distinct blocked days."""
    as_of = RECEIPT + timedelta(days=80)
    blockers = [
        Blocker(
            "documents_missing",
            started_on=RECEIPT + timedelta(days=start),
            resolved_on=None if length is None else RECEIPT + timedelta(days=start + length),
        )
        for start, length in spans
    ]
    days: set[date] = set()
    for blocker in blockers:
        end = blocker.resolved_on or as_of
        days.update(
            blocker.started_on + timedelta(n) for n in range((end - blocker.started_on).days)
        )
    assert blocked_days(blockers=blockers, as_of=as_of) == len(days)


# --- R-ORD-4 -----------------------------------------------------------------------------------


def test_a_second_ftth_on_a_site_is_refused() -> None:
    """R-ORD-4: the site already has one, or the order asks for two."""
    with pytest.raises(UnableToPlaceOrder, match="un seul accès internet de type FTTH"):
        check_ftth_for_site(
            site_name="Siège",
            site_has_ftth=True,
            ftth_lines_in_order=1,
            replaces_other_operator=False,
            replacement_acknowledged=False,
        )
    with pytest.raises(UnableToPlaceOrder):
        check_ftth_for_site(
            site_name="Siège",
            site_has_ftth=False,
            ftth_lines_in_order=2,
            replaces_other_operator=False,
            replacement_acknowledged=False,
        )


def test_replacing_another_operators_ftth_needs_the_customers_acknowledgement() -> None:
    """R-ORD-4: without the acknowledgement it is refused; with it, accepted."""
    with pytest.raises(UnableToPlaceOrder, match="ancien fournisseur"):
        check_ftth_for_site(
            site_name="Siège",
            site_has_ftth=False,
            ftth_lines_in_order=1,
            replaces_other_operator=True,
            replacement_acknowledged=False,
        )
    check_ftth_for_site(
        site_name="Siège",
        site_has_ftth=False,
        ftth_lines_in_order=1,
        replaces_other_operator=True,
        replacement_acknowledged=True,
    )


# --- R-ORD-6 -----------------------------------------------------------------------------------


def test_a_customer_with_overdue_sums_cannot_order() -> None:
    """R-ORD-6: any overdue amount refuses the order, with the amount."""
    with pytest.raises(UnableToPlaceOrder, match="120,50"):
        check_customer_may_order(overdue_amount=Decimal("120.50"), bank_guarantee_owed=False)


def test_a_customer_owing_a_bank_guarantee_cannot_order() -> None:
    """R-ORD-6: a guarantee SYRES asked for and did not receive refuses the order."""
    with pytest.raises(UnableToPlaceOrder, match="garantie bancaire"):
        check_customer_may_order(overdue_amount=Decimal("0"), bank_guarantee_owed=True)
    check_customer_may_order(overdue_amount=Decimal("0"), bank_guarantee_owed=False)


# --- Modem site --------------------------------------------------------------------------------


def test_modem_site_readings_are_checked_against_the_annex() -> None:
    """Internet annex: humidity under 50 %, temperature between 10 and 30 °C."""
    site = TERMS.orders.modem_site
    assert modem_site_problems(humidity_percent=45, temperature_celsius=30, terms=site) == ()
    problems = modem_site_problems(humidity_percent=50, temperature_celsius=9, terms=site)
    assert len(problems) == 2
    assert "inférieure à 50 %" in problems[0]
    assert modem_site_problems(humidity_percent=None, temperature_celsius=20, terms=site) == (
        "Humidité non relevée",
    )


# --- State machine, R-ORD-5, R-ORD-7 -----------------------------------------------------------


def test_an_order_in_progress_cannot_be_cancelled() -> None:
    """R-ORD-5: "Il est impossible d'annuler une commande en cours"."""
    with pytest.raises(UnableToCancelOrder, match="en cours"):
        check_transition(current=IN_PROGRESS, target=CANCELLED)


def test_an_order_before_work_can_be_cancelled() -> None:
    check_transition(current=RECEIVED, target=CANCELLED)
    check_transition(current=PLANNED, target=CANCELLED)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (RECEIVED, IN_PROGRESS),
        (RECEIVED, DELIVERED),
        (PLANNED, DELIVERED),
        (DELIVERED, CANCELLED),
        (CANCELLED, RECEIVED),
        (DELIVERED, IN_PROGRESS),
    ],
)
def test_an_order_cannot_skip_or_undo_a_step(current: str, target: str) -> None:
    with pytest.raises(UnableToChangeOrderState):
        check_transition(current=current, target=target)


def test_final_states_have_no_way_out() -> None:
    assert TRANSITIONS[DELIVERED] == TRANSITIONS[CANCELLED] == frozenset()


def test_commitment_runs_from_the_delivery_date() -> None:
    """R-ORD-7: delivered 31 January for 12 months: commitment until 31 January next year."""
    assert commitment_end(delivery_date=date(2026, 1, 31), commitment_months=12) == date(
        2027, 1, 31
    )
