"""Bank statements as the domain sees them, and their matching to invoices (SPEC R-PAY-1).

The adapter `syres.payments.statements` reads camt.053 / camt.054 files into these objects.
Each line is matched to invoices by reference (an invoice number in the remittance information
or the end-to-end id, however the bank spaced it) and by amount; what cannot be matched is
listed with the reason, for staff to settle by hand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from syres.domain.money import ZERO, format_eur
from syres.domain.payments.allocation import AllocationResult, OpenInvoice, allocate_payment


class LineKind(StrEnum):
    TRANSFER_RECEIVED = "transfer_received"  # a credit transfer from a customer
    DEBIT_COLLECTED = "debit_collected"  # one of our direct debits, credited
    DEBIT_RETURNED = "debit_returned"  # one of our direct debits, returned unpaid
    OTHER = "other"  # anything else the bank books (fees, our own payments…)


@dataclass(frozen=True)
class StatementLine:
    """One booked transaction (an entry, or one transaction of a batch entry)."""

    line_ref: str  # unique within its statement
    kind: LineKind
    direction: Literal["credit", "debit"]
    amount: Decimal
    booking_date: date
    value_date: date | None
    end_to_end_id: str | None
    remittance: str
    counterparty_name: str | None
    counterparty_iban: str | None
    return_reason_code: str | None
    bank_transaction_code: str


@dataclass(frozen=True)
class BankStatement:
    """A statement (camt.053) or a debit/credit notification (camt.054) of one account."""

    message_type: Literal["camt.053", "camt.054"]
    version: str  # e.g. "001.02", "001.08"
    message_id: str
    statement_id: str
    account_iban: str
    created_at: datetime
    lines: tuple[StatementLine, ...]

    @property
    def identifier(self) -> str:
        """What makes a statement unique: an import service refuses one it already has."""
        return f"{self.message_type}:{self.account_iban}:{self.statement_id}"


@dataclass(frozen=True)
class InvoiceToMatch:
    number: str
    invoice_date: date
    due_date: date
    total: Decimal  # incl. VAT
    open_amount: Decimal

    @property
    def paid_amount(self) -> Decimal:
        return self.total - self.open_amount


@dataclass(frozen=True)
class MatchedLine:
    line: StatementLine
    invoice_numbers: tuple[str, ...]
    by: Literal["reference", "amount"]
    allocation: AllocationResult | None  # for money received: how it pays the invoices
    note: str


@dataclass(frozen=True)
class UnmatchedLine:
    line: StatementLine
    reason: str


@dataclass(frozen=True)
class StatementMatch:
    matched: tuple[MatchedLine, ...]
    unmatched: tuple[UnmatchedLine, ...]


def _reference_pattern(number: str) -> re.Pattern[str]:
    # Banks drop, double or change separators and case: "FA-2026-000123" is also found as
    # "fa 2026 000123" or "FA2026000123", never inside a longer number or word.
    chars = [re.escape(char) for char in number if char.isalnum()]
    body = r"[\s\-_/.]*".join(chars)
    return re.compile(rf"(?<![A-Z0-9]){body}(?![0-9])", re.IGNORECASE)


def referenced_invoices(
    line: StatementLine, invoices: Sequence[InvoiceToMatch]
) -> tuple[InvoiceToMatch, ...]:
    """The invoices whose number the line's end-to-end id or remittance information names."""
    text = " ".join(part for part in (line.end_to_end_id, line.remittance) if part)
    return tuple(inv for inv in invoices if _reference_pattern(inv.number).search(text))


def _as_open(invoices: Sequence[InvoiceToMatch]) -> list[OpenInvoice]:
    return [OpenInvoice(i.number, i.invoice_date, i.due_date, i.open_amount) for i in invoices]


def _money_in(line: StatementLine, invoices: Sequence[InvoiceToMatch]) -> MatchedLine | str:
    refs = referenced_invoices(line, invoices)
    by: Literal["reference", "amount"] = "reference"
    if not refs:
        same = [inv for inv in invoices if inv.open_amount == line.amount]
        if len(same) != 1:
            return (
                "Aucun numéro de facture dans le libellé et aucune facture ouverte "
                f"de {format_eur(line.amount)}"
                if not same
                else f"Aucun numéro de facture dans le libellé et {len(same)} factures "
                f"ouvertes de {format_eur(line.amount)}"
            )
        refs, by = (same[0],), "amount"
    allocation = allocate_payment(amount=line.amount, open_invoices=_as_open(refs))
    owed = sum((inv.open_amount for inv in refs), ZERO)
    if allocation.credit > ZERO:
        note = f"Trop-perçu de {format_eur(allocation.credit)} gardé en avoir du client"
    elif line.amount < owed:
        note = f"Paiement partiel : reste dû {format_eur(owed - line.amount)}"
    else:
        note = "Paiement du solde"
    numbers = tuple(inv.number for inv in refs)
    return MatchedLine(line, numbers, by, allocation, note)


def _money_back(line: StatementLine, invoices: Sequence[InvoiceToMatch]) -> MatchedLine | str:
    refs = referenced_invoices(line, invoices)
    if not refs:
        return "Rejet de prélèvement sans numéro de facture connu"
    paid = sum((inv.paid_amount for inv in refs), ZERO)
    if line.amount > paid:
        return (
            f"Rejet de {format_eur(line.amount)} supérieur à ce qui a été payé "
            f"sur {', '.join(inv.number for inv in refs)} ({format_eur(paid)})"
        )
    code = line.return_reason_code or "?"
    numbers = tuple(inv.number for inv in refs)
    return MatchedLine(line, numbers, "reference", None, f"Prélèvement rejeté (motif {code})")


def match_statement(
    *, statement: BankStatement, invoices: Sequence[InvoiceToMatch]
) -> StatementMatch:
    """Match each line of a statement to invoices, by reference then amount (R-PAY-1).

    Money received (transfers, collected direct debits) goes to the invoices it names, oldest
    due first, partial payments allowed, any excess kept as credit; with no invoice named, to
    the one open invoice of exactly that amount, if there is exactly one. A returned debit must
    name invoices and not exceed what was paid on them. Everything else is left over, with the
    reason.
    """
    matched: list[MatchedLine] = []
    unmatched: list[UnmatchedLine] = []
    # Open amounts as the statement goes: two lines paying one invoice are not both "in full".
    current = {invoice.number: invoice for invoice in invoices}
    for line in statement.lines:
        result: MatchedLine | str
        if line.kind in (LineKind.TRANSFER_RECEIVED, LineKind.DEBIT_COLLECTED):
            result = _money_in(line, list(current.values()))
            if isinstance(result, MatchedLine) and result.allocation is not None:
                for allocation in result.allocation.allocations:
                    invoice = current[allocation.invoice_number]
                    current[invoice.number] = replace(
                        invoice, open_amount=invoice.open_amount - allocation.amount
                    )
        elif line.kind is LineKind.DEBIT_RETURNED:
            result = _money_back(line, list(current.values()))
            if isinstance(result, MatchedLine):
                back = line.amount
                for number in result.invoice_numbers:
                    invoice = current[number]
                    share = min(back, invoice.paid_amount)
                    current[number] = replace(invoice, open_amount=invoice.open_amount + share)
                    back -= share
        else:
            result = f"Opération non liée à une facture (code {line.bank_transaction_code})"
        if isinstance(result, str):
            unmatched.append(UnmatchedLine(line, result))
        else:
            matched.append(result)
    return StatementMatch(matched=tuple(matched), unmatched=tuple(unmatched))
