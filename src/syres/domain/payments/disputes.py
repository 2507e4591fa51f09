"""Invoice disputes (SPEC R-PAY-2, CGV art. 7 « Contestation des factures »).

The customer has `disputes.window_days` days from the invoice date to contest it, with the
supporting files; past that day the invoice is irrevocably accepted. The contested amount is held
out of dunning while the dispute is open; the uncontested rest stays due. SYRES accepts the
dispute (a credit note of the contested amount) or rejects it (the contested amount becomes due
at once). Every step is dated and attributed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from syres.domain.money import CENT, ZERO, format_eur
from syres.domain.terms import Terms


class UnableToOpenDispute(Exception):
    """A dispute refused at opening; the message is the reason shown to the customer."""


class UnableToDecideDispute(Exception):
    """A decision that cannot be taken on a dispute; the message is the reason."""


class DisputeStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Dispute:
    invoice_number: str
    contested_amount: Decimal
    grounds: str
    supporting_files: tuple[str, ...]
    opened_on: date
    opened_by: str
    status: DisputeStatus = DisputeStatus.OPEN
    decided_on: date | None = None
    decided_by: str | None = None
    decision_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is DisputeStatus.OPEN


def dispute_deadline(*, invoice_date: date, terms: Terms) -> date:
    """The last day a dispute can be opened: invoice date + `disputes.window_days`, inclusive
    (R-PAY-2: « un délai de 30 jours à compter de la date de facture »)."""
    return invoice_date + timedelta(days=terms.disputes.window_days)


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def open_dispute(
    *,
    invoice_number: str,
    invoice_date: date,
    open_amount: Decimal,
    contested_amount: Decimal,
    grounds: str,
    supporting_files: Sequence[str],
    opened_on: date,
    opened_by: str,
    open_disputes: Sequence[Dispute] = (),
    terms: Terms,
) -> Dispute:
    """Open a dispute on an invoice, or refuse it with the reason (R-PAY-2).

    Refused after the deadline, without supporting files or grounds, for a contested amount not
    above zero or above the open amount not already contested by another open dispute.
    """
    deadline = dispute_deadline(invoice_date=invoice_date, terms=terms)
    if opened_on < invoice_date:
        raise UnableToOpenDispute("La date de contestation précède la date de la facture.")
    if opened_on > deadline:
        raise UnableToOpenDispute(
            f"Contestation hors délai : la facture {invoice_number} du {_fr(invoice_date)} "
            f"pouvait être contestée jusqu'au {_fr(deadline)} inclus "
            f"({terms.disputes.window_days} jours à compter de sa date) ; elle est réputée "
            "irrévocablement acceptée (CGV art. 7)."
        )
    if not grounds.strip():
        raise UnableToOpenDispute("Indiquez le motif de la contestation.")
    if not [name for name in supporting_files if name.strip()]:
        raise UnableToOpenDispute(
            "Joignez les justificatifs de la contestation (CGV art. 7 : « accompagné de tous "
            "les justificatifs correspondants »)."
        )
    if contested_amount <= ZERO or contested_amount != contested_amount.quantize(CENT):
        raise UnableToOpenDispute(
            f"Montant contesté invalide : {contested_amount} (positif, au centime)."
        )
    already = sum(
        (
            dispute.contested_amount
            for dispute in open_disputes
            if dispute.is_open and dispute.invoice_number == invoice_number
        ),
        ZERO,
    )
    available = open_amount - already
    if contested_amount > available:
        raise UnableToOpenDispute(
            f"Le montant contesté ({format_eur(contested_amount)}) dépasse le montant restant "
            f"dû non contesté de la facture {invoice_number} ({format_eur(available)})."
        )
    return Dispute(
        invoice_number=invoice_number,
        contested_amount=contested_amount,
        grounds=grounds.strip(),
        supporting_files=tuple(name for name in supporting_files if name.strip()),
        opened_on=opened_on,
        opened_by=opened_by,
    )


def _decide(
    dispute: Dispute, *, status: DisputeStatus, decided_on: date, decided_by: str, reason: str
) -> Dispute:
    if not dispute.is_open:
        raise UnableToDecideDispute(
            f"La contestation de la facture {dispute.invoice_number} est déjà tranchée."
        )
    if not reason.strip():
        raise UnableToDecideDispute("Indiquez le motif de la décision.")
    if decided_on < dispute.opened_on:
        raise UnableToDecideDispute("La décision ne peut précéder l'ouverture de la contestation.")
    return replace(
        dispute,
        status=status,
        decided_on=decided_on,
        decided_by=decided_by,
        decision_reason=reason.strip(),
    )


@dataclass(frozen=True)
class AcceptedDispute:
    dispute: Dispute
    credit_note_amount: Decimal  # incl. VAT: the contested amount, credited to the invoice


@dataclass(frozen=True)
class RejectedDispute:
    dispute: Dispute
    amount_due: Decimal
    due_on: date


def accept_dispute(
    dispute: Dispute, *, decided_on: date, decided_by: str, reason: str
) -> AcceptedDispute:
    """SYRES agrees with the customer: a credit note of the contested amount (R-PAY-2)."""
    decided = _decide(
        dispute,
        status=DisputeStatus.ACCEPTED,
        decided_on=decided_on,
        decided_by=decided_by,
        reason=reason,
    )
    return AcceptedDispute(dispute=decided, credit_note_amount=dispute.contested_amount)


def reject_dispute(
    dispute: Dispute, *, invoice_due_date: date, decided_on: date, decided_by: str, reason: str
) -> RejectedDispute:
    """SYRES rejects the dispute: the contested amount is due at once (R-PAY-2, CGV art. 7
    « rend immédiatement exigibles les sommes »).

    Due on the decision date, but never before the invoice's own due date: contesting cannot
    leave the customer worse off than paying the invoice on its terms.
    """
    decided = _decide(
        dispute,
        status=DisputeStatus.REJECTED,
        decided_on=decided_on,
        decided_by=decided_by,
        reason=reason,
    )
    return RejectedDispute(
        dispute=decided,
        amount_due=dispute.contested_amount,
        due_on=max(decided_on, invoice_due_date),
    )


def held_amount(*, invoice_number: str, disputes: Sequence[Dispute]) -> Decimal:
    """The amount of an invoice held out of dunning: the sum contested by its open disputes."""
    return sum(
        (d.contested_amount for d in disputes if d.is_open and d.invoice_number == invoice_number),
        ZERO,
    )


def dunnable_amount(
    *, invoice_number: str, open_amount: Decimal, disputes: Sequence[Dispute]
) -> Decimal:
    """The open amount that dunning may claim: the uncontested rest (R-PAY-2)."""
    return max(
        open_amount - held_amount(invoice_number=invoice_number, disputes=disputes),
        ZERO,
    )
