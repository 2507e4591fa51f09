"""Disputes: the 30-day window, files, held amount, acceptance and rejection (R-PAY-2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from syres.domain.payments.disputes import (
    Dispute,
    DisputeStatus,
    UnableToDecideDispute,
    UnableToOpenDispute,
    accept_dispute,
    dispute_deadline,
    dunnable_amount,
    open_dispute,
    reject_dispute,
)
from syres.domain.payments.dunning import dunning_steps_due
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)
D = Decimal
INVOICE_DATE = date(2026, 10, 1)
DUE_DATE = date(2026, 10, 31)


def _open(opened_on: date, **changes: object) -> Dispute:
    arguments: dict[str, object] = {
        "invoice_number": "FA-2026-000042",
        "invoice_date": INVOICE_DATE,
        "open_amount": D("240.00"),
        "contested_amount": D("60.00"),
        "grounds": "Appels vers les mobiles facturés alors qu'inclus",
        "supporting_files": ["releve-appels-octobre.pdf"],
        "opened_on": opened_on,
        "opened_by": "client:jeanne.martin",
        "terms": TERMS,
    }
    arguments.update(changes)
    return open_dispute(**arguments)  # type: ignore[arg-type]


def test_the_deadline_is_thirty_days_after_the_invoice_date() -> None:
    """R-PAY-2: « 30 jours à compter de la date de facture », from the terms file."""
    assert TERMS.disputes.window_days == 30
    assert dispute_deadline(invoice_date=INVOICE_DATE, terms=TERMS) == date(2026, 10, 31)


def test_a_dispute_opened_on_day_30_is_accepted() -> None:
    """R-PAY-2: the deadline is inclusive."""
    dispute = _open(date(2026, 10, 31))
    assert dispute.status is DisputeStatus.OPEN
    assert dispute.contested_amount == D("60.00")


def test_a_dispute_opened_on_day_31_is_refused_with_the_reason() -> None:
    """R-PAY-2: past the window the invoice is irrevocably accepted."""
    with pytest.raises(UnableToOpenDispute) as refused:
        _open(date(2026, 11, 1))
    assert str(refused.value) == (
        "Contestation hors délai : la facture FA-2026-000042 du 01/10/2026 pouvait être "
        "contestée jusqu'au 31/10/2026 inclus (30 jours à compter de sa date) ; elle est "
        "réputée irrévocablement acceptée (CGV art. 7)."
    )


def test_a_dispute_without_supporting_files_is_refused() -> None:
    """R-PAY-2: « accompagné de tous les justificatifs correspondants »."""
    with pytest.raises(UnableToOpenDispute, match="Joignez les justificatifs"):
        _open(date(2026, 10, 5), supporting_files=[])


@pytest.mark.parametrize("amount", [D("0"), D("240.01"), D("-1"), D("1.005")])
def test_a_contested_amount_outside_the_open_amount_is_refused(amount: Decimal) -> None:
    """R-PAY-2: the contested amount is positive and at most the invoice's open amount."""
    with pytest.raises(UnableToOpenDispute):
        _open(date(2026, 10, 5), contested_amount=amount)


def test_a_second_dispute_cannot_contest_more_than_what_is_left_uncontested() -> None:
    first = _open(date(2026, 10, 5), contested_amount=D("200.00"))
    with pytest.raises(UnableToOpenDispute, match="40,00"):
        _open(date(2026, 10, 6), contested_amount=D("50.00"), open_disputes=[first])


def test_the_uncontested_amount_is_dunned_and_the_contested_amount_held() -> None:
    """R-PAY-2 / R-PAY-3: 240 € open, 60 € contested: dunning claims 180 €."""
    dispute = _open(date(2026, 10, 20))
    claimable = dunnable_amount(
        invoice_number="FA-2026-000042", open_amount=D("240.00"), disputes=[dispute]
    )
    assert claimable == D("180.00")
    plan = dunning_steps_due(
        due_date=DUE_DATE, dunnable_amount=claimable, done={}, as_of=date(2026, 11, 5), terms=TERMS
    )
    assert [step.label for step in plan.due_now] == ["Premier rappel"]


def test_a_fully_contested_invoice_is_not_dunned_while_the_dispute_is_open() -> None:
    """R-PAY-2: the contested amount is held out of dunning."""
    dispute = _open(date(2026, 10, 20))
    claimable = dunnable_amount(
        invoice_number="FA-2026-000042", open_amount=D("60.00"), disputes=[dispute]
    )
    plan = dunning_steps_due(
        due_date=DUE_DATE, dunnable_amount=claimable, done={}, as_of=date(2026, 12, 31), terms=TERMS
    )
    assert plan.due_now == ()


def test_an_accepted_dispute_gives_a_credit_note_of_the_contested_amount() -> None:
    """R-PAY-2: SYRES accepts: credit note, dated and attributed, with the reason."""
    decision = accept_dispute(
        _open(date(2026, 10, 20)),
        decided_on=date(2026, 10, 28),
        decided_by="staff:paul",
        reason="Appels mobiles inclus dans le forfait : erreur de tarification",
    )
    assert decision.credit_note_amount == D("60.00")
    assert decision.dispute.status is DisputeStatus.ACCEPTED
    assert (decision.dispute.decided_on, decision.dispute.decided_by) == (
        date(2026, 10, 28),
        "staff:paul",
    )


def test_a_rejected_dispute_makes_the_contested_amount_due_at_once() -> None:
    """R-PAY-2: « le rejet … rend immédiatement exigibles les sommes »: dunned the same day."""
    dispute = _open(date(2026, 10, 20))
    rejection = reject_dispute(
        dispute,
        invoice_due_date=DUE_DATE,
        decided_on=date(2026, 11, 20),
        decided_by="staff:paul",
        reason="Appels vers des mobiles hors forfait (numéros étrangers)",
    )
    assert (rejection.amount_due, rejection.due_on) == (D("60.00"), date(2026, 11, 20))
    # The customer had paid the uncontested 180 € on time: only the 60 € remain open, and no
    # longer held, so the step reached by the invoice's due date comes on the decision day.
    claimable = dunnable_amount(
        invoice_number="FA-2026-000042", open_amount=D("60.00"), disputes=[rejection.dispute]
    )
    assert claimable == D("60.00")
    plan = dunning_steps_due(
        due_date=DUE_DATE, dunnable_amount=claimable, done={}, as_of=date(2026, 11, 20), terms=TERMS
    )
    assert [step.label for step in plan.due_now] == ["Premier rappel"]


def test_a_dispute_rejected_before_the_due_date_is_due_on_the_due_date() -> None:
    rejection = reject_dispute(
        _open(date(2026, 10, 2)),
        invoice_due_date=DUE_DATE,
        decided_on=date(2026, 10, 10),
        decided_by="staff:paul",
        reason="Tarif conforme à la grille",
    )
    assert rejection.due_on == DUE_DATE


def test_a_dispute_is_decided_once_and_with_a_reason() -> None:
    dispute = _open(date(2026, 10, 20))
    with pytest.raises(UnableToDecideDispute, match="motif"):
        accept_dispute(dispute, decided_on=date(2026, 10, 21), decided_by="staff:paul", reason=" ")
    decided = accept_dispute(
        dispute,
        decided_on=date(2026, 10, 21),
        decided_by="staff:paul",
        reason="Erreur reconnue",
    )
    with pytest.raises(UnableToDecideDispute, match="déjà tranchée"):
        reject_dispute(
            decided.dispute,
            invoice_due_date=DUE_DATE,
            decided_on=date(2026, 10, 22),
            decided_by="staff:paul",
            reason="Changement d'avis",
        )
