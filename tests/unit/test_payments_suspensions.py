"""Suspensions, their reasons, and the suspend / resume actions (R-PAY-3, R-PAY-4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from syres.domain.payments.suspensions import (
    SuspensionReason,
    SuspensionScope,
    UnableToSuspend,
    lift_suspension,
    resume_after_payment,
    suspend,
    suspension_for_step,
)
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)
STEPS = {step.action: step for step in TERMS.dunning.steps}
SERVICES = ["SIP-0001", "FTTH-0002", "MOB-0003"]


def test_the_suspend_service_step_suspends_the_service_of_the_invoice() -> None:
    """R-PAY-3: « suspendre la fourniture du service de la commande concernée »."""
    suspension, action = suspension_for_step(  # type: ignore[misc]
        STEPS["suspend_service"],
        invoice_number="FA-2026-000042",
        invoice_service_refs=["SIP-0001"],
        customer_service_refs=SERVICES,
        as_of=date(2026, 5, 5),
        decided_by="syres:dunning",
    )
    assert (suspension.reason, suspension.scope) == (
        SuspensionReason.NON_PAYMENT,
        SuspensionScope.SERVICE,
    )
    assert action.kind == "suspend"
    assert action.service_refs == ("SIP-0001",)
    assert action.label == "Suspendre SIP-0001 : Non-paiement total ou partiel d'une facture"


def test_the_suspend_all_step_suspends_every_service_and_a_reminder_suspends_none() -> None:
    """R-PAY-3: « ou de tout autre service souscrit par le client »."""
    result = suspension_for_step(
        STEPS["suspend_all"],
        invoice_number="FA-2026-000042",
        invoice_service_refs=["SIP-0001"],
        customer_service_refs=SERVICES,
        as_of=date(2026, 5, 20),
        decided_by="syres:dunning",
    )
    assert result is not None
    assert result[0].service_refs == tuple(SERVICES)
    assert (
        suspension_for_step(
            STEPS["reminder"],
            invoice_number="FA-2026-000042",
            invoice_service_refs=["SIP-0001"],
            customer_service_refs=SERVICES,
            as_of=date(2026, 4, 5),
            decided_by="syres:dunning",
        )
        is None
    )


def test_payment_in_full_lifts_a_non_payment_suspension() -> None:
    """R-PAY-3: the invoice is paid in full: its suspension ends, the service is resumed."""
    suspension, _ = suspend(
        reason=SuspensionReason.NON_PAYMENT,
        scope=SuspensionScope.SERVICE,
        service_refs=["SIP-0001"],
        start_date=date(2026, 5, 5),
        decided_by="syres:dunning",
        invoice_numbers=["FA-2026-000042"],
    )
    partly = resume_after_payment(
        suspensions=[suspension],
        dunnable_amounts={"FA-2026-000042": Decimal("0.01")},
        as_of=date(2026, 5, 7),
        ended_by="syres:payments",
    )
    assert partly.ended == partly.actions == ()
    paid = resume_after_payment(
        suspensions=[suspension],
        dunnable_amounts={"FA-2026-000042": Decimal("0")},
        as_of=date(2026, 5, 8),
        ended_by="syres:payments",
    )
    assert [(s.end_date, s.ended_by) for s in paid.ended] == [(date(2026, 5, 8), "syres:payments")]
    assert [(a.kind, a.service_refs) for a in paid.actions] == [("resume", ("SIP-0001",))]


def test_payment_does_not_lift_a_suspension_for_another_reason() -> None:
    """R-PAY-4: a service also suspended for non-compliant use stays down."""
    unpaid, _ = suspend(
        reason=SuspensionReason.NON_PAYMENT,
        scope=SuspensionScope.ALL,
        service_refs=SERVICES,
        start_date=date(2026, 5, 20),
        decided_by="syres:dunning",
        invoice_numbers=["FA-2026-000042"],
    )
    misuse, _ = suspend(
        reason=SuspensionReason.NON_COMPLIANT_USE,
        scope=SuspensionScope.SERVICE,
        service_refs=["SIP-0001"],
        start_date=date(2026, 5, 21),
        decided_by="staff:paul",
        note="Démarchage automatisé sur le trunk",
    )
    result = resume_after_payment(
        suspensions=[unpaid, misuse],
        dunnable_amounts={},
        as_of=date(2026, 5, 25),
        ended_by="syres:payments",
    )
    assert [s.reason for s in result.ended] == [SuspensionReason.NON_PAYMENT]
    assert [a.service_refs for a in result.actions] == [("FTTH-0002", "MOB-0003")]
    ended, action = lift_suspension(
        misuse, others=[*result.ended], end_date=date(2026, 6, 1), ended_by="staff:paul"
    )
    assert ended.end_date == date(2026, 6, 1)
    assert action is not None
    assert action.service_refs == ("SIP-0001",)


def test_a_suspension_for_another_reason_states_the_facts() -> None:
    """R-PAY-4: reason, start and the user are recorded; the facts are required."""
    with pytest.raises(UnableToSuspend, match="Précisez"):
        suspend(
            reason=SuspensionReason.MAINTENANCE,
            scope=SuspensionScope.SERVICE,
            service_refs=["FTTH-0002"],
            start_date=date(2026, 6, 1),
            decided_by="staff:paul",
        )
    assert {reason.label for reason in SuspensionReason} >= {
        "Opération de maintenance",
        "Augmentation substantielle du montant des communications",
    }
