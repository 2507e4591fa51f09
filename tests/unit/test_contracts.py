"""Contracts: commitment, notice, early termination, termination by SYRES, suspension."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syres.domain.contracts import (
    CommittedService,
    ServiceState,
    Suspension,
    SuspensionReason,
    UnableToChangeServiceState,
    UnableToTerminate,
    check_service_transition,
    commitment_end,
    contract_end_date,
    early_termination_amount,
    last_billed_month,
    monthly_subscription_due,
    notice_end,
    remaining_committed_months,
    state_after_lift,
    suspension_refusal,
    suspension_requires_notice,
    terminate_by_syres,
)
from syres.domain.money import quantize_eur
from syres.domain.periods import PARIS, Month
from syres.domain.terms import Terms
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)
ZERO_EUR = Decimal("0")


@pytest.fixture(scope="module")
def terms() -> Terms:
    return TERMS


# --- commitment and notice -------------------------------------------------------------------


def test_commitment_runs_from_delivery_for_the_products_months(terms: Terms) -> None:
    """R-ORD-7, R-CAT-3: FTTO (36 months) delivered 15 Jan 2026 is free from 15 Jan 2029."""
    ftto = terms.product("FTTO-100M")
    assert ftto.family == "internet_access"
    assert commitment_end(
        delivery_date=date(2026, 1, 15), commitment_months=ftto.commitment_months
    ) == date(2029, 1, 15)


def test_commitment_end_is_clamped_to_the_end_of_a_short_month() -> None:
    """R-CAT-3: delivered 31 January with one month of commitment → free from 28 February."""
    assert commitment_end(delivery_date=date(2026, 1, 31), commitment_months=1) == date(2026, 2, 28)
    assert commitment_end(delivery_date=date(2026, 1, 31), commitment_months=0) == date(2026, 1, 31)


@pytest.mark.parametrize(
    ("received", "end"),
    [
        (date(2026, 11, 30), date(2027, 2, 28)),
        (date(2027, 11, 30), date(2028, 2, 29)),
        (date(2026, 11, 29), date(2027, 2, 28)),
        (date(2026, 12, 31), date(2027, 3, 31)),
        (date(2026, 6, 10), date(2026, 9, 10)),
    ],
)
def test_termination_ends_three_months_after_the_letter_is_received(
    terms: Terms, received: date, end: date
) -> None:
    """R-END-1: notice of `[contracts].notice_months` (3) from receipt, month ends clamped."""
    assert notice_end(letter_received_date=received, contracts=terms.contracts) == end


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_notice_is_never_shorter_than_three_calendar_months_minus_the_clamp(received: date) -> None:
    """R-END-1: the end is 89–92 days after receipt and never on a later day of the month."""
    end = notice_end(letter_received_date=received, contracts=TERMS.contracts)
    assert 89 <= (end - received).days <= 92
    assert end.day <= received.day
    assert Month.of(end) == Month.of(received).next().next().next()


# --- early termination (R-END-2) -------------------------------------------------------------


def test_the_month_of_the_end_is_the_month_of_the_last_day_served() -> None:
    """R-INV-1: a service ending on 1 March was last served in February, due in full."""
    assert last_billed_month(end_date=date(2027, 3, 1)) == Month(2027, 2)
    assert last_billed_month(end_date=date(2027, 2, 28)) == Month(2027, 2)


def test_remaining_months_count_the_commitment_end_month_in_full() -> None:
    """R-END-2 with R-INV-1: end 10 Sep 2026 (September due in full), commitment to 15 Jan 2029
    → October 2026 … January 2029 = 28 months, January 2029 counted whole."""
    assert (
        remaining_committed_months(end_date=date(2026, 9, 10), commitment_end=date(2029, 1, 15))
        == 28
    )
    # A commitment ending on the 1st covers the previous month only.
    assert (
        remaining_committed_months(end_date=date(2026, 9, 10), commitment_end=date(2027, 1, 1)) == 3
    )
    # Ending in the last committed month: nothing left to bill beyond that month.
    assert (
        remaining_committed_months(end_date=date(2027, 1, 10), commitment_end=date(2027, 1, 15))
        == 0
    )


def test_early_termination_amount_on_a_worked_example(terms: Terms) -> None:
    """R-END-2: FTTO at 390 €/month, committed until 15 Jan 2029, letter received 10 Jun 2026
    (end 10 Sep 2026): 28 remaining months × 390 = 10 920 €; unpaid installation 500 € and
    router 149 €; usage average of the last 3 billed months (31.20, 62.10, 48.00 → 47.10) × 28
    = 1 318.80 €; total 12 887.80 €."""
    end = notice_end(letter_received_date=date(2026, 6, 10), contracts=terms.contracts)
    ftto = CommittedService(
        label="Fibre FTTO 100 Mb/s",
        monthly_fee=Decimal("390.00"),
        commitment_end=commitment_end(delivery_date=date(2026, 1, 15), commitment_months=36),
        unpaid_installation_fee=Decimal("500.00"),
        unpaid_equipment=Decimal("149.00"),
        billed_usage={
            Month(2026, 4): Decimal("40.00"),
            Month(2026, 5): Decimal("55.50"),
            Month(2026, 6): Decimal("31.20"),
            Month(2026, 7): Decimal("62.10"),
            Month(2026, 8): Decimal("48.00"),
        },
    )
    amount = early_termination_amount(services=[ftto], end_date=end, contracts=terms.contracts)

    (line,) = amount.lines
    assert line.remaining_months == 28
    assert line.remaining_fees == Decimal("10920.00")
    assert line.unpaid_access_fee == Decimal("0.00")
    assert line.unpaid_installation_fee == Decimal("500.00")
    assert line.unpaid_equipment == Decimal("149.00")
    assert line.usage_months_averaged == 3
    assert line.average_monthly_usage == Decimal("47.10")
    assert line.estimated_usage == Decimal("1318.80")
    assert amount.total == Decimal("12887.80")
    assert amount.remaining_fees + amount.unpaid_one_off_fees + amount.estimated_usage == (
        amount.total
    )


def test_usage_is_averaged_over_all_billed_months_when_fewer_than_three(terms: Terms) -> None:
    """R-END-2: two billed months (10 € and 25 €) → 17.50 € a month for the remaining months."""
    service = CommittedService(
        label="Trunk SIP OPEN IP",
        monthly_fee=Decimal("36.00"),
        commitment_end=date(2027, 5, 3),
        billed_usage={Month(2026, 6): Decimal("10"), Month(2026, 7): Decimal("25")},
    )
    amount = early_termination_amount(
        services=[service], end_date=date(2026, 8, 20), contracts=terms.contracts
    )
    (line,) = amount.lines
    assert (line.usage_months_averaged, line.average_monthly_usage) == (2, Decimal("17.5"))
    assert line.remaining_months == 9  # September 2026 … May 2027
    assert line.estimated_usage == Decimal("157.50")
    assert line.remaining_fees == Decimal("324.00")


def test_usage_of_a_third_of_a_cent_is_rounded_once_on_the_line(terms: Terms) -> None:
    """R-END-2: the average stays exact (10/3); only the line amount is rounded half-up."""
    service = CommittedService(
        label="Mobile",
        monthly_fee=Decimal("19.90"),
        commitment_end=date(2027, 1, 15),
        billed_usage={
            Month(2026, 7): Decimal("10"),
            Month(2026, 8): ZERO_EUR,
            Month(2026, 9): ZERO_EUR,
        },
    )
    (line,) = early_termination_amount(
        services=[service], end_date=date(2026, 10, 5), contracts=terms.contracts
    ).lines
    assert line.remaining_months == 3
    assert line.estimated_usage == Decimal("10.00")


def test_no_amount_is_owed_when_the_commitment_is_already_over(terms: Terms) -> None:
    """R-END-2: a SIP trunk committed until 1 Feb 2026 ends 10 Sep 2026: nothing to pay."""
    trunk = CommittedService(
        label="Trunk SIP SEWAN",
        monthly_fee=Decimal("48.00"),
        commitment_end=date(2026, 2, 1),
        unpaid_access_fee=Decimal("50.00"),
        billed_usage={Month(2026, 8): Decimal("12.00")},
    )
    amount = early_termination_amount(
        services=[trunk], end_date=date(2026, 9, 10), contracts=terms.contracts
    )
    assert amount.lines == ()
    assert amount.total == Decimal("0")


def test_ending_on_the_day_the_commitment_ends_owes_nothing(terms: Terms) -> None:
    """R-END-2: the commitment end is the first free day."""
    service = CommittedService(
        label="ADSL", monthly_fee=Decimal("29"), commitment_end=date(2027, 1, 15)
    )
    amount = early_termination_amount(
        services=[service], end_date=date(2027, 1, 15), contracts=terms.contracts
    )
    assert amount.total == Decimal("0")


_days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
_fees = st.decimals(min_value=0, max_value=5000, places=2)


@given(
    delivery=_days,
    commitment_months=st.integers(min_value=1, max_value=60),
    end_offset=st.integers(min_value=1, max_value=2000),
    fee=_fees,
)
def test_ending_early_plus_remaining_fees_equals_staying_to_the_commitment_end(
    delivery: date, commitment_months: int, end_offset: int, fee: Decimal
) -> None:
    """R-END-2, R-INV-1: the subscriptions billed until the early end plus the remaining fees
    are exactly what staying to the commitment end would have billed."""
    committed_until = commitment_end(delivery_date=delivery, commitment_months=commitment_months)
    end = min(delivery + timedelta(days=end_offset), committed_until)

    def billed(until: date) -> Decimal:
        total, month = Decimal(0), Month.of(delivery)
        while month <= last_billed_month(end_date=until):
            total += monthly_subscription_due(
                month=month, monthly_fee=fee, delivery_date=delivery, end_date=until
            )
            month = month.next()
        return total

    remaining = remaining_committed_months(end_date=end, commitment_end=committed_until)
    # Compared to the cent: the pro-rata first month is an exact division beyond 28 digits.
    assert quantize_eur(billed(end) + fee * remaining) == quantize_eur(billed(committed_until))


@given(
    end=_days,
    committed_until=_days,
    fee=_fees,
    access=_fees,
    usage=st.lists(_fees, max_size=8),
)
def test_the_early_termination_amount_is_never_negative_and_nothing_after_commitment(
    end: date, committed_until: date, fee: Decimal, access: Decimal, usage: list[Decimal]
) -> None:
    """R-END-2: each part is non-negative; a finished commitment owes nothing."""
    first = Month.of(end)
    history = {}
    for amount in usage:
        first = first.previous()
        history[first] = amount
    service = CommittedService(
        label="x",
        monthly_fee=fee,
        commitment_end=committed_until,
        unpaid_access_fee=access,
        billed_usage=history,
    )
    result = early_termination_amount(services=[service], end_date=end, contracts=TERMS.contracts)
    assert result.total >= 0
    if end >= committed_until:
        assert result.total == 0
    else:
        (line,) = result.lines
        assert line.remaining_fees == fee * line.remaining_months
        assert line.usage_months_averaged == min(len(usage), 3)


# --- termination by SYRES, end of contract ---------------------------------------------------


def test_syres_terminates_for_a_cause_of_article_16(terms: Terms) -> None:
    """R-END-3: the cause comes from `[contracts].termination_causes`."""
    termination = terminate_by_syres(
        cause_code="abnormal_use",
        notified_date=date(2026, 11, 2),
        end_date=date(2026, 11, 2),
        contracts=terms.contracts,
    )
    assert termination.cause.label == "Utilisation anormale du service souscrit"


def test_syres_cannot_terminate_for_a_cause_the_terms_do_not_list(terms: Terms) -> None:
    """R-END-3: an unlisted cause is refused with the list of the causes of art. 16."""
    with pytest.raises(UnableToTerminate, match=r"Motif de résiliation inconnu.*Force majeure"):
        terminate_by_syres(
            cause_code="dislike",
            notified_date=date(2026, 11, 2),
            end_date=date(2026, 11, 2),
            contracts=terms.contracts,
        )


def test_syres_cannot_end_a_service_before_notifying_the_customer(terms: Terms) -> None:
    with pytest.raises(UnableToTerminate, match="avant sa notification"):
        terminate_by_syres(
            cause_code="breach",
            notified_date=date(2026, 11, 2),
            end_date=date(2026, 11, 1),
            contracts=terms.contracts,
        )


def test_a_contract_ends_when_its_last_service_ends() -> None:
    """R-END-3: the latest end date of the services, once every one has one."""
    assert contract_end_date(service_end_dates=[date(2026, 3, 1), None]) is None
    assert contract_end_date(service_end_dates=[date(2026, 3, 1), date(2026, 5, 4)]) == date(
        2026, 5, 4
    )
    assert contract_end_date(service_end_dates=[]) is None


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (ServiceState.TERMINATED, ServiceState.ACTIVE),
        (ServiceState.TERMINATED, ServiceState.SUSPENDED),
        (ServiceState.ACTIVE, ServiceState.ACTIVE),
        (ServiceState.SUSPENDED, ServiceState.SUSPENDED),
    ],
)
def test_a_service_state_change_that_its_life_forbids_is_refused(
    current: ServiceState, target: ServiceState
) -> None:
    """R-PAY-4, R-END-3: a terminated service never comes back; no double suspension."""
    with pytest.raises(UnableToChangeServiceState, match="ne peut pas passer"):
        check_service_transition(current=current, target=target)


def test_a_lifted_suspension_leaves_the_service_suspended_while_another_holds_it() -> None:
    """R-PAY-4: several suspensions may hold a service; the last one lifted resumes it."""
    assert state_after_lift(other_suspensions_in_force=1) is ServiceState.SUSPENDED
    assert state_after_lift(other_suspensions_in_force=0) is ServiceState.ACTIVE


def test_a_suspended_service_can_be_resumed_or_terminated() -> None:
    check_service_transition(current=ServiceState.SUSPENDED, target=ServiceState.ACTIVE)
    check_service_transition(current=ServiceState.SUSPENDED, target=ServiceState.TERMINATED)
    check_service_transition(current=ServiceState.ACTIVE, target=ServiceState.SUSPENDED)


# --- suspension (R-PAY-3, R-PAY-4) -----------------------------------------------------------


def test_a_suspension_records_reason_start_end_and_who_decided() -> None:
    """R-PAY-4: in force from its start up to (excluded) its end."""
    suspension = Suspension(
        reason=SuspensionReason.NON_PAYMENT,
        start_at=datetime(2026, 11, 3, 9, 0, tzinfo=PARIS),
        end_at=datetime(2026, 11, 10, 9, 0, tzinfo=PARIS),
        decided_by="compta",
    )
    assert suspension.is_in_force(at=datetime(2026, 11, 3, 9, 0, tzinfo=PARIS))
    assert not suspension.is_in_force(at=datetime(2026, 11, 10, 9, 0, tzinfo=PARIS))


def test_a_suspension_must_start_before_it_ends() -> None:
    with pytest.raises(ValueError, match="start before it ends"):
        Suspension(
            reason=SuspensionReason.BREACH,
            start_at=datetime(2026, 11, 3, 9, 0, tzinfo=PARIS),
            end_at=datetime(2026, 11, 3, 9, 0, tzinfo=PARIS),
            decided_by="x",
        )


def test_only_maintenance_is_announced_to_the_customer_by_a_notice() -> None:
    """CGV art. 15: planned maintenance is a suspension with a notice to the customer."""
    assert suspension_requires_notice(reason=SuspensionReason.MAINTENANCE)
    assert not suspension_requires_notice(reason=SuspensionReason.NON_PAYMENT)


def test_a_maintenance_is_recorded_with_its_notice_and_planned_end_r_pay_4() -> None:
    """R-PAY-4, CGV art. 15: a planned maintenance needs the text announced to the customer and
    its planned end; any planned end follows the start; other reasons need neither."""
    start = datetime(2026, 3, 1, 22, 0, tzinfo=PARIS)
    end = start + timedelta(hours=1)

    def refusal(reason: SuspensionReason, notice: str, planned: datetime | None) -> str | None:
        found = suspension_refusal(
            reason=reason, customer_notice=notice, start_at=start, planned_end_at=planned
        )
        return None if found is None else found[0]

    maintenance = SuspensionReason.MAINTENANCE
    assert refusal(maintenance, "Coupure de 22 h à 23 h.", end) is None
    assert refusal(maintenance, "  ", end) == "customer_notice"
    assert refusal(maintenance, "Coupure.", None) == "planned_end_at"
    assert refusal(maintenance, "Coupure.", start) == "planned_end_at"
    assert refusal(SuspensionReason.BREACH, "", None) is None
    assert refusal(SuspensionReason.BREACH, "", start - timedelta(minutes=1)) == "planned_end_at"


def test_the_subscription_is_pro_rata_the_first_month_and_whole_the_last() -> None:
    """R-INV-1: delivered 11 Nov 2026 (20/30 days), ending 2 Feb 2027 (February in full)."""
    fee, delivered, end = Decimal("30"), date(2026, 11, 11), date(2027, 2, 2)

    def due(month: Month) -> Decimal:
        return monthly_subscription_due(
            month=month, monthly_fee=fee, delivery_date=delivered, end_date=end
        )

    assert due(Month(2026, 10)) == 0
    assert due(Month(2026, 11)) == Decimal("20")
    assert due(Month(2026, 12)) == fee
    assert due(Month(2027, 2)) == fee
    assert due(Month(2027, 3)) == 0
