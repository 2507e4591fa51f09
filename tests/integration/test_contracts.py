"""Contracts on both databases: services, suspension, terminations, end of contract, tickets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

from syres.cli.contracts import contracts_group
from syres.contracts import selectors, services, support
from syres.contracts.selectors import UnpaidAmounts
from syres.contracts.services import UnableToChangeContract
from syres.domain.billing.lines import subscription_lines
from syres.domain.periods import Month
from tests.integration.customers_fixtures import at, company, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Any:
    return staff_user("contracts")


@pytest.fixture
def customer(staff: Any) -> Any:
    return company(staff, when=at(2024, 12, 1))


def _ftto(customer: Any) -> Any:
    return services.record_delivered_service(
        customer=customer,
        kind="internet_access",
        product_code="FTTO-100M",
        label="Fibre FTTO 100 Mb/s garantis, GTR 4 h",
        monthly_fee=Decimal("390.00"),
        access_fee=Decimal("1500.00"),
        installation_fee=Decimal("500.00"),
        technology="ftto",
        delivery_date=date(2026, 1, 15),
        commitment_months=36,
        source_ref="service:1",
        at=at(2026, 1, 15),
    )


def _trunk(customer: Any) -> Any:
    return services.record_delivered_service(
        customer=customer,
        kind="sip_trunk",
        product_code="TRUNK-SEWAN",
        label="Trunk SIP SEWAN, 4 canaux",
        quantity=4,
        monthly_fee=Decimal("48.00"),
        platform="sewan",
        delivery_date=date(2025, 2, 1),
        commitment_months=12,
        source_ref="service:2",
        at=at(2025, 2, 1),
    )


def test_delivered_services_join_one_open_contract_with_their_commitment(customer: Any) -> None:
    """R-ORD-7, R-CAT-3: the commitment runs from each service's delivery."""
    trunk, ftto = _trunk(customer), _ftto(customer)
    assert trunk.contract_id == ftto.contract_id
    contract = selectors.open_contract_of(customer)
    assert contract is not None
    assert contract.started_on == date(2025, 2, 1)
    assert ftto.commitment_end == date(2029, 1, 15)
    assert trunk.commitment_end == date(2026, 2, 1)


def test_taking_a_delivery_over_twice_records_one_service(customer: Any) -> None:
    first, again = _ftto(customer), _ftto(customer)
    assert first.pk == again.pk
    assert selectors.services_of(first.contract).count() == 1


def test_terminating_the_last_service_ends_the_contract(customer: Any, staff: Any) -> None:
    """R-END-1, R-END-2, R-END-3: the trunk (out of commitment) ends first and owes nothing;
    the FTTO's letter received 10 Jun 2026 ends it on 10 Sep 2026 with its minimum billing
    amount; the contract ends with it, on that day."""
    trunk, ftto = _trunk(customer), _ftto(customer)
    contract = ftto.contract

    first = services.record_customer_termination(
        contract=contract,
        letter_reference="1A 234 567 8901 2",
        letter_received_date=date(2026, 3, 2),
        services=[trunk],
        by=staff,
        at=at(2026, 3, 3),
    )
    assert first.end_date == date(2026, 6, 2)
    assert first.amount_due == 0
    services.apply_due_ends(as_of=date(2026, 6, 2))
    trunk.refresh_from_db()
    contract.refresh_from_db()
    assert trunk.state == "terminated"
    assert contract.ended_on is None

    second = services.record_customer_termination(
        contract=contract,
        letter_reference="1A 234 567 8902 9",
        letter_received_date=date(2026, 6, 10),
        unpaid={ftto.pk: UnpaidAmounts(installation_fee=Decimal("500.00"))},
        billed_usage={
            ftto.pk: {
                Month(2026, 6): Decimal("31.20"),
                Month(2026, 7): Decimal("62.10"),
                Month(2026, 8): Decimal("48.00"),
            }
        },
        by=staff,
        at=at(2026, 6, 11),
    )
    (line,) = selectors.termination_lines_of(second)
    assert (line.remaining_months, line.remaining_fees) == (28, Decimal("10920.00"))
    assert line.unpaid_installation_fee == Decimal("500.00")
    assert line.estimated_usage == Decimal("1318.80")
    assert second.amount_due == Decimal("12738.80")
    assert list(selectors.terminations_to_invoice()) == [second]

    assert services.apply_due_ends(as_of=date(2026, 9, 9)) == []
    ended = services.apply_due_ends(as_of=date(2026, 9, 10))
    assert [c.pk for c in ended] == [contract.pk]
    contract.refresh_from_db()
    assert contract.ended_on == date(2026, 9, 10)
    assert selectors.open_contract_of(customer) is None


def test_a_terminated_service_cannot_be_terminated_again(customer: Any, staff: Any) -> None:
    ftto = _ftto(customer)
    services.record_syres_termination(
        contract=ftto.contract,
        cause_code="breach",
        notified_date=date(2026, 5, 4),
        end_date=date(2026, 5, 4),
        by=staff,
        at=at(2026, 5, 4),
    )
    with pytest.raises(UnableToChangeContract, match="Aucun service en cours"):
        services.record_customer_termination(
            contract=ftto.contract,
            letter_reference="1A",
            letter_received_date=date(2026, 5, 4),
            by=staff,
            at=at(2026, 5, 5),
        )


def test_syres_terminates_for_a_cause_of_article_16_only(customer: Any, staff: Any) -> None:
    """R-END-3: the cause is recorded with its label; an unknown cause is refused."""
    ftto = _ftto(customer)
    with pytest.raises(UnableToChangeContract, match="Motif de résiliation inconnu"):
        services.record_syres_termination(
            contract=ftto.contract,
            cause_code="no_reason",
            notified_date=date(2026, 5, 4),
            end_date=date(2026, 6, 4),
            by=staff,
            at=at(2026, 5, 4),
        )
    termination = services.record_syres_termination(
        contract=ftto.contract,
        cause_code="false_statement",
        notified_date=date(2026, 5, 4),
        end_date=date(2026, 6, 4),
        by=staff,
        at=at(2026, 5, 4),
    )
    assert termination.cause_label == "Fausse(s) déclaration(s) du client"
    assert termination.amount_due == 0
    ftto.refresh_from_db()
    assert (ftto.state, ftto.end_date) == ("active", date(2026, 6, 4))


def test_suspension_keeps_the_subscription_accruing(customer: Any, staff: Any) -> None:
    """R-PAY-3, R-PAY-4: a service suspended for non-payment all of March is still due in full;
    the suspension records reason, start, end and who decided it."""
    ftto = _ftto(customer)
    march = Month(2026, 3)
    before = selectors.subscription_due(ftto, month=march)

    suspension = services.suspend_service(
        service=ftto, reason="non_payment", start_at=at(2026, 3, 1, 9), by=staff
    )
    ftto.refresh_from_db()
    assert ftto.state == "suspended"
    assert selectors.is_suspended_at(ftto, at=at(2026, 3, 15))
    assert selectors.subscription_due(ftto, month=march) == before == Decimal("390.00")

    # The billing run bills the suspended service in full, saying so on the line.
    (to_bill,) = selectors.services_to_bill(customer)
    assert to_bill.suspended
    (line,) = subscription_lines(service=to_bill, period=Month(2026, 2), vat_rate=Decimal("0.20"))
    assert line.amount == Decimal("390.00")
    assert "service suspendu, abonnement dû" in line.label

    services.lift_suspension(suspension=suspension, end_at=at(2026, 4, 2, 9), by=staff)
    ftto.refresh_from_db()
    suspension.refresh_from_db()
    assert ftto.state == "active"
    assert (suspension.reason, suspension.decided_by, suspension.end_at) == (
        "non_payment",
        staff,
        at(2026, 4, 2, 9),
    )
    assert not selectors.is_suspended_at(ftto, at=at(2026, 4, 3))


def test_a_service_held_by_two_suspensions_resumes_when_both_are_lifted(
    customer: Any, staff: Any
) -> None:
    """R-PAY-4: maintenance during a non-payment suspension; lifting one leaves it suspended."""
    ftto = _ftto(customer)
    unpaid = services.suspend_service(
        service=ftto, reason="non_payment", start_at=at(2026, 3, 1), by=staff
    )
    works = services.suspend_service(
        service=ftto,
        reason="maintenance",
        start_at=at(2026, 3, 2, 22),
        planned_end_at=at(2026, 3, 2, 23),
        by=staff,
        customer_notice="Maintenance le 2 mars de 22 h à 23 h.",
    )
    services.lift_suspension(suspension=works, end_at=at(2026, 3, 2, 23), by=staff)
    ftto.refresh_from_db()
    assert ftto.state == "suspended"
    with pytest.raises(UnableToChangeContract, match="déjà levée"):
        services.lift_suspension(suspension=works, end_at=at(2026, 3, 3), by=staff)
    services.lift_suspension(suspension=unpaid, end_at=at(2026, 3, 10), by=staff)
    ftto.refresh_from_db()
    assert ftto.state == "active"


def test_a_terminated_service_cannot_be_suspended(customer: Any, staff: Any) -> None:
    """R-END-3: a terminated service never comes back."""
    ftto = _ftto(customer)
    services.end_service(service=ftto, end_date=date(2026, 5, 1), as_of=date(2026, 5, 1))
    with pytest.raises(UnableToChangeContract, match="ne peut pas passer"):
        services.suspend_service(service=ftto, reason="breach", start_at=at(2026, 5, 2), by=staff)


def test_planned_maintenance_needs_a_notice_to_the_customer_and_its_planned_end(
    customer: Any, staff: Any
) -> None:
    """CGV art. 15, R-PAY-4: maintenance is a suspension with a notice to the customer, which
    announces its window (each refusal: `suspension_refusal`'s unit test); a refused one
    changes nothing."""
    ftto = _ftto(customer)
    notice = "Maintenance du cœur de réseau le 1er mars de 22 h à 23 h."
    with pytest.raises(UnableToChangeContract, match="fin prévue de la maintenance"):
        services.suspend_service(
            service=ftto,
            reason="maintenance",
            start_at=at(2026, 3, 1, 22),
            by=staff,
            customer_notice=notice,
        )
    assert not selectors.suspensions_of(ftto).exists()
    suspension = services.suspend_service(
        service=ftto,
        reason="maintenance",
        start_at=at(2026, 3, 1, 22),
        planned_end_at=at(2026, 3, 1, 23),
        by=staff,
        customer_notice=notice,
    )
    assert suspension.get_reason_display() == "Opération de maintenance"
    assert suspension.planned_end_at == at(2026, 3, 1, 23)


def test_an_ftto_ticket_shows_its_gtr_deadline_and_whether_it_was_met(
    customer: Any, staff: Any
) -> None:
    """R-GTR-1: reported Friday 3 Apr 2026 16:00, before Easter Monday: due Tuesday 10:00."""
    ftto = _ftto(customer)
    ticket = support.open_ticket(
        service=ftto, reported_at=at(2026, 4, 3, 16), description="Lien fibre coupé", by=staff
    )
    assert ticket.gtr_deadline == at(2026, 4, 7, 10)
    open_outcome = selectors.gtr_of(ticket)
    assert open_outcome is not None
    assert open_outcome.met is None

    support.record_restore(ticket=ticket, restored_at=at(2026, 4, 7, 9), by=staff)
    ticket.refresh_from_db()
    outcome = selectors.gtr_of(ticket)
    assert outcome is not None
    assert outcome.met is True


def test_a_ticket_on_a_service_without_gtr_has_no_deadline(customer: Any, staff: Any) -> None:
    """R-GTR-1 concerns FTTO only."""
    ticket = support.open_ticket(
        service=_trunk(customer), reported_at=at(2026, 4, 3, 16), description="Appels", by=staff
    )
    assert ticket.gtr_deadline is None
    assert selectors.gtr_of(ticket) is None


def test_the_termination_amount_command_shows_the_breakdown_without_recording(
    customer: Any,
) -> None:
    """R-END-1, R-END-2: letter received 10 Jun 2026 → end 10 Sep 2026; FTTO 28 × 390 €; the
    trunk's commitment is over; nothing is recorded."""
    ftto = _ftto(customer)
    _trunk(customer)
    result = CliRunner().invoke(
        contracts_group, ["termination-amount", str(ftto.contract_id), "2026-06-10"]
    )
    assert result.exit_code == 0, result.output
    assert "fin le 10/09/2026" in result.output
    assert "28 mois × 390,00\u00a0€ = 10\u202f920,00\u00a0€" in result.output
    assert "engagement terminé, rien à payer" in result.output
    assert "Montant minimum de facturation : 10\u202f920,00\u00a0€ HT" in result.output
    assert not selectors.terminations_of(ftto.contract).exists()
