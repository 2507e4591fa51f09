"""Allocation of payments to invoices, and rejected direct debits (SPEC R-PAY-1, CGV art. 7).

A payment goes to the invoice it names, else to the open invoices oldest due first; it may pay an
invoice in part; what is left once every payable amount is paid is kept as the customer's credit.
A direct debit returned by the bank takes back what it paid: the invoices re-open by the amounts
it had paid and the return counts as a payment incident (CGV art. 7: an incident allows an
intermediate invoice, SPEC R-INV-5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from syres.domain.money import CENT, ZERO, format_eur
from syres.domain.payments.sepa import return_reason_label


class UnableToAllocatePayment(Exception):
    """A payment that cannot be allocated; the message is the reason shown to staff."""


class UnableToReverseDebit(Exception):
    """A returned direct debit that cannot be applied; the message is the reason."""


@dataclass(frozen=True)
class OpenInvoice:
    """What the allocation needs to know of an invoice (amounts incl. VAT, in euros).

    `contested_amount` is the part held by an open dispute (SPEC R-PAY-2): the automatic
    allocation leaves it alone, a payment that names the invoice may pay it.
    """

    number: str
    invoice_date: date
    due_date: date
    open_amount: Decimal
    contested_amount: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.open_amount < ZERO:
            raise ValueError(f"invoice {self.number}: negative open amount {self.open_amount}")
        if not ZERO <= self.contested_amount <= self.open_amount:
            raise ValueError(f"invoice {self.number}: contested amount outside 0..open amount")

    @property
    def payable_amount(self) -> Decimal:
        """The open amount not held by a dispute: what the customer must pay now."""
        return self.open_amount - self.contested_amount


@dataclass(frozen=True)
class Allocation:
    invoice_number: str
    amount: Decimal


@dataclass(frozen=True)
class AllocationResult:
    allocations: tuple[Allocation, ...]
    credit: Decimal  # the unallocated rest, kept as a credit of the customer

    @property
    def allocated(self) -> Decimal:
        return sum((allocation.amount for allocation in self.allocations), ZERO)


def _check_amount(amount: Decimal) -> None:
    if amount <= ZERO:
        raise UnableToAllocatePayment(f"Montant de paiement invalide : {amount} (doit être > 0).")
    if amount != amount.quantize(CENT):
        raise UnableToAllocatePayment(f"Montant de paiement au-delà du centime : {amount}.")


def allocation_order(invoices: Sequence[OpenInvoice]) -> list[OpenInvoice]:
    """Oldest due first; on the same due date the oldest invoice, then the number."""
    return sorted(invoices, key=lambda inv: (inv.due_date, inv.invoice_date, inv.number))


def allocate_payment(
    *,
    amount: Decimal,
    open_invoices: Sequence[OpenInvoice],
    target_invoice: str | None = None,
) -> AllocationResult:
    """Share a payment among open invoices (R-PAY-1).

    The invoice the payment names (`target_invoice`: remittance information, staff's choice) is
    paid first, up to its whole open amount, contested part included (the customer chose to pay
    it). The rest goes to the payable amounts of the other invoices, oldest due first; partial
    payments are allowed. What remains is kept as a credit, never allocated beyond what is owed.
    """
    _check_amount(amount)
    numbers = [invoice.number for invoice in open_invoices]
    if len(set(numbers)) != len(numbers):
        raise UnableToAllocatePayment("La liste des factures ouvertes contient des doublons.")
    remaining = amount
    allocations: list[Allocation] = []
    others = list(open_invoices)
    if target_invoice is not None:
        target = next((inv for inv in open_invoices if inv.number == target_invoice), None)
        if target is None:
            raise UnableToAllocatePayment(
                f"La facture {target_invoice} n'est pas une facture ouverte de ce client."
            )
        share = min(remaining, target.open_amount)
        if share > ZERO:
            allocations.append(Allocation(target.number, share))
            remaining -= share
        others = [inv for inv in open_invoices if inv.number != target_invoice]
    for invoice in allocation_order(others):
        if remaining == ZERO:
            break
        share = min(remaining, invoice.payable_amount)
        if share > ZERO:
            allocations.append(Allocation(invoice.number, share))
            remaining -= share
    return AllocationResult(allocations=tuple(allocations), credit=remaining)


def apply_allocations(
    *, invoices: Sequence[OpenInvoice], allocations: Sequence[Allocation]
) -> tuple[OpenInvoice, ...]:
    """The invoices once the allocations are paid: open amounts go down, contested parts too
    when a payment reaches them (a paid amount cannot stay contested)."""
    paid: dict[str, Decimal] = {}
    for allocation in allocations:
        paid[allocation.invoice_number] = paid.get(allocation.invoice_number, ZERO) + (
            allocation.amount
        )
    result = []
    for invoice in invoices:
        amount = paid.pop(invoice.number, ZERO)
        if amount > invoice.open_amount:
            raise UnableToAllocatePayment(
                f"Facture {invoice.number} : {format_eur(amount)} dépasse le solde dû "
                f"{format_eur(invoice.open_amount)}."
            )
        open_amount = invoice.open_amount - amount
        result.append(
            replace(
                invoice,
                open_amount=open_amount,
                contested_amount=min(invoice.contested_amount, open_amount),
            )
        )
    if paid:
        raise UnableToAllocatePayment(f"Factures inconnues : {', '.join(sorted(paid))}.")
    return tuple(result)


@dataclass(frozen=True)
class PaymentIncident:
    """A direct debit returned unpaid (R-PAY-1): dated, with the bank's reason."""

    occurred_on: date
    amount: Decimal
    reason_code: str
    reason: str
    invoice_numbers: tuple[str, ...]


@dataclass(frozen=True)
class RejectedDebit:
    reopened: tuple[Allocation, ...]  # add these amounts back to the invoices' open amounts
    credit_reversed: Decimal  # the part of the debit that had been kept as credit, taken back
    incident: PaymentIncident


def reverse_rejected_debit(
    *,
    debit_amount: Decimal,
    allocations: Sequence[Allocation],
    returned_amount: Decimal,
    reason_code: str,
    returned_on: date,
) -> RejectedDebit:
    """A returned direct debit re-opens the invoices it paid and is a payment incident (R-PAY-1).

    A debit is collected for one amount and returned whole (SEPA R-transactions return the
    original amount); a return of another amount is refused so that nothing is counted twice.
    """
    if returned_amount != debit_amount:
        raise UnableToReverseDebit(
            f"Le rejet porte sur {format_eur(returned_amount)} alors que le prélèvement était "
            f"de {format_eur(debit_amount)}."
        )
    allocated = sum((allocation.amount for allocation in allocations), ZERO)
    if allocated > debit_amount:
        raise UnableToReverseDebit("Les affectations dépassent le montant du prélèvement.")
    incident = PaymentIncident(
        occurred_on=returned_on,
        amount=returned_amount,
        reason_code=reason_code,
        reason=return_reason_label(reason_code),
        invoice_numbers=tuple(allocation.invoice_number for allocation in allocations),
    )
    return RejectedDebit(
        reopened=tuple(allocations), credit_reversed=debit_amount - allocated, incident=incident
    )


def reopen_invoices(
    *, invoices: Sequence[OpenInvoice], rejected: RejectedDebit
) -> tuple[OpenInvoice, ...]:
    """The invoices after a rejected debit: each open amount goes back up by what it had paid."""
    back: dict[str, Decimal] = {}
    for allocation in rejected.reopened:
        back[allocation.invoice_number] = back.get(allocation.invoice_number, ZERO) + (
            allocation.amount
        )
    result = tuple(
        replace(invoice, open_amount=invoice.open_amount + back.pop(invoice.number, ZERO))
        for invoice in invoices
    )
    if back:
        raise UnableToReverseDebit(f"Factures inconnues : {', '.join(sorted(back))}.")
    return result
