"""Reads on payments: what is still owed, overdue, disputed, to do (SPEC §7)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from syres.domain.money import ZERO, format_eur
from syres.domain.payments.allocation import OpenInvoice
from syres.domain.periods import PARIS
from syres.payments.models import (
    Allocation,
    Dispute,
    DisputeStatus,
    DunningPause,
    DunningStep,
    LateCharge,
    NetworkAction,
    Payment,
    Receivable,
    SepaBatch,
    StatementImport,
    StatementLine,
)

# Age buckets of the overdue list (days past the due date), as staff read them.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–30 jours", 0, 30),
    ("31–60 jours", 31, 60),
    ("61–90 jours", 61, 90),
    ("> 90 jours", 91, None),
)


def get_receivable(invoice_number: str) -> Receivable | None:
    return Receivable.objects.filter(invoice_number=invoice_number).first()


def receivables_of(customer: Any) -> QuerySet[Receivable]:
    return Receivable.objects.filter(customer=customer).order_by("due_date", "invoice_number")


def paid_amount(receivable: Receivable) -> Decimal:
    """What live allocations paid on the invoice (a returned debit's no longer count)."""
    total = receivable.allocations.filter(reversed_on__isnull=True).aggregate(s=Sum("amount"))
    paid: Decimal = total["s"] or ZERO
    return paid


def credited_amount(receivable: Receivable) -> Decimal:
    """What accepted disputes took off the invoice (the credit notes, R-PAY-2)."""
    total = receivable.disputes.filter(status=DisputeStatus.ACCEPTED).aggregate(
        s=Sum("contested_amount")
    )
    credited: Decimal = total["s"] or ZERO
    return credited


def open_amount(receivable: Receivable) -> Decimal:
    """The amount still owed on the invoice, incl. VAT."""
    invoiced: Decimal = receivable.amount
    return max(invoiced - paid_amount(receivable) - credited_amount(receivable), ZERO)


def held_amount(receivable: Receivable) -> Decimal:
    """The amount held out of dunning by open disputes (R-PAY-2)."""
    total = receivable.disputes.filter(status=DisputeStatus.OPEN).aggregate(
        s=Sum("contested_amount")
    )
    held: Decimal = total["s"] or ZERO
    return min(held, open_amount(receivable))


def dunnable_amount(receivable: Receivable) -> Decimal:
    """The open amount that dunning may claim: the uncontested rest (R-PAY-2)."""
    return open_amount(receivable) - held_amount(receivable)


def as_open_invoice(receivable: Receivable) -> OpenInvoice:
    return OpenInvoice(
        number=receivable.invoice_number,
        invoice_date=receivable.invoice_date,
        due_date=receivable.due_date,
        open_amount=open_amount(receivable),
        contested_amount=held_amount(receivable),
    )


def open_invoices_of(customer: Any) -> list[OpenInvoice]:
    """The customer's invoices with something still owed, as the allocation needs them."""
    invoices = (as_open_invoice(receivable) for receivable in receivables_of(customer))
    return [invoice for invoice in invoices if invoice.open_amount > ZERO]


@dataclass(frozen=True)
class OverdueInvoice:
    receivable: Receivable
    open_amount: Decimal
    held_amount: Decimal
    days_overdue: int

    @property
    def dunnable_amount(self) -> Decimal:
        return self.open_amount - self.held_amount

    @property
    def age_bucket(self) -> str:
        return age_bucket(self.days_overdue)


def age_bucket(days_overdue: int) -> str:
    for label, low, high in AGE_BUCKETS:
        if days_overdue >= low and (high is None or days_overdue <= high):
            return label
    return AGE_BUCKETS[0][0]


def overdue_invoices(*, as_of: date, customer: Any | None = None) -> list[OverdueInvoice]:
    """Invoices past their due date with an uncontested amount still owed (R-PAY-3)."""
    receivables = Receivable.objects.filter(due_date__lt=as_of).select_related("customer")
    if customer is not None:
        receivables = receivables.filter(customer=customer)
    result = []
    for receivable in receivables.order_by("due_date", "invoice_number"):
        owed = open_amount(receivable)
        held = held_amount(receivable)
        if owed - held > ZERO:
            days = (as_of - receivable.due_date).days
            result.append(OverdueInvoice(receivable, owed, held, days))
    return result


def overdue_total(*, customer: Any, as_of: date) -> Decimal:
    return sum(
        (item.dunnable_amount for item in overdue_invoices(as_of=as_of, customer=customer)), ZERO
    )


def overdue_refusal(customer: Any) -> str | None:
    """R-ORD-6: a customer with overdue sums cannot order (registered as an order check)."""
    today = timezone.now().astimezone(PARIS).date()
    overdue = overdue_invoices(as_of=today, customer=customer)
    if not overdue:
        return None
    total = sum((item.dunnable_amount for item in overdue), ZERO)
    numbers = ", ".join(item.receivable.invoice_number for item in overdue)
    return (
        f"Des sommes échues restent impayées ({format_eur(total)} : {numbers}) ; "
        "aucune commande tant qu'elles ne sont pas réglées (CGV art. 7)."
    )


def customer_credit(customer: Any) -> Decimal:
    """Over-payments kept as the customer's credit (R-PAY-1)."""
    total = Payment.objects.filter(customer=customer, returned_on__isnull=True).aggregate(
        s=Sum("credit")
    )
    return total["s"] or ZERO


def live_allocations_of(receivable: Receivable) -> QuerySet[Allocation]:
    return receivable.allocations.filter(reversed_on__isnull=True)


def payments_of(customer: Any) -> QuerySet[Payment]:
    return Payment.objects.filter(customer=customer).order_by("received_on", "pk")


def disputes_to_decide() -> QuerySet[Dispute]:
    return Dispute.objects.filter(status=DisputeStatus.OPEN).order_by("opened_on", "pk")


def disputes_to_credit() -> QuerySet[Dispute]:
    """Accepted disputes whose credit note billing has not issued yet (R-PAY-2)."""
    return Dispute.objects.filter(status=DisputeStatus.ACCEPTED, credit_note_number="").order_by(
        "decided_on", "pk"
    )


def dunning_done(receivable: Receivable) -> dict[str, date]:
    return dict(receivable.dunning_steps.values_list("step_key", "done_on"))


def dunning_steps_of(receivable: Receivable) -> QuerySet[DunningStep]:
    return receivable.dunning_steps.order_by("done_on", "pk")


def pauses_of(customer: Any) -> QuerySet[DunningPause]:
    return DunningPause.objects.filter(customer=customer).order_by("start_date", "pk")


def late_charges_to_invoice() -> QuerySet[LateCharge]:
    """Penalties and indemnities not yet invoiced (R-PAY-3), for billing to pick up."""
    return LateCharge.objects.filter(invoiced_at__isnull=True).order_by("computed_on", "pk")


def late_charges_of(receivable: Receivable) -> QuerySet[LateCharge]:
    return receivable.late_charges.order_by("kind")


def actions_to_do() -> QuerySet[NetworkAction]:
    """The *suspend* / *resume* actions staff still have to carry out on the network."""
    return NetworkAction.objects.filter(done_at__isnull=True).order_by("on", "pk")


def actions_of(customer: Any) -> QuerySet[NetworkAction]:
    return NetworkAction.objects.filter(customer=customer).order_by("on", "pk")


def statement_imports() -> QuerySet[StatementImport]:
    return StatementImport.objects.order_by("-imported_at")


def leftovers(statement: StatementImport | None = None) -> QuerySet[StatementLine]:
    """Lines of imported statements that matched no invoice and are not settled yet."""
    lines = StatementLine.objects.filter(matched=False, settled_at__isnull=True)
    if statement is not None:
        lines = lines.filter(statement=statement)
    return lines.order_by("statement_id", "pk")


def sepa_batches() -> QuerySet[SepaBatch]:
    return SepaBatch.objects.order_by("-created_at")


def invoice_numbers(receivables: Iterable[Receivable]) -> list[str]:
    return [receivable.invoice_number for receivable in receivables]
