"""Reads on payments: what is still owed, overdue, disputed, to do (SPEC §7)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from syres.billing import selectors as billing_selectors
from syres.contracts import selectors as contract_selectors
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
    PaymentMethod,
    SepaBatch,
    StatementImport,
    StatementLine,
)
from syres.usage import selectors as usage_selectors

# Age buckets of the overdue list (days past the due date), as staff read them.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–30 jours", 0, 30),
    ("31–60 jours", 31, 60),
    ("61–90 jours", 61, 90),
    ("> 90 jours", 91, None),
)


def get_invoice(number: str) -> Any | None:
    """The billing invoice of that number, if any."""
    return billing_selectors.invoice_by_number(number)


def due_date_of(invoice: Any) -> date:
    """An invoice without a due date is payable on receipt: due on its issue date."""
    due: date = invoice.due_date or invoice.issue_date
    return due


def paid_amounts(invoice_ids: list[int]) -> dict[int, Decimal]:
    """What live allocations paid per invoice id (a returned debit's no longer count);
    registered with billing (`register_paid_amounts`) so its open amounts include payments."""
    rows = (
        Allocation.objects.filter(invoice_id__in=invoice_ids, reversed_on__isnull=True)
        .values("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    return dict(rows)


def paid_amount(invoice: Any) -> Decimal:
    return paid_amounts([invoice.pk]).get(invoice.pk, ZERO)


def credited_amount(invoice: Any) -> Decimal:
    """What credit notes took off the invoice (R-INV-3; accepted disputes, R-PAY-2)."""
    credited: Decimal = billing_selectors.credited_amount(invoice)
    return credited


def open_amount(invoice: Any) -> Decimal:
    """The amount still owed on the invoice, incl. VAT (billing's outstanding amount)."""
    left = billing_selectors.outstanding_amounts([invoice]).get(invoice.pk, ZERO)
    return max(left, ZERO)


def held_amount(invoice: Any) -> Decimal:
    """The amount held out of dunning by open disputes (R-PAY-2)."""
    total = Dispute.objects.filter(invoice=invoice, status=DisputeStatus.OPEN).aggregate(
        s=Sum("contested_amount")
    )
    held: Decimal = total["s"] or ZERO
    return min(held, open_amount(invoice))


def dunnable_amount(invoice: Any) -> Decimal:
    """The open amount that dunning may claim: the uncontested rest (R-PAY-2)."""
    return open_amount(invoice) - held_amount(invoice)


def as_open_invoice(invoice: Any) -> OpenInvoice:
    return OpenInvoice(
        number=invoice.number,
        invoice_date=invoice.issue_date,
        due_date=due_date_of(invoice),
        open_amount=open_amount(invoice),
        contested_amount=held_amount(invoice),
    )


def open_invoices_of(customer: Any) -> list[Any]:
    """The customer's invoices with something still owed, oldest due first (billing)."""
    invoices: list[Any] = billing_selectors.open_invoices_of(customer)
    return invoices


def billing_overdue(*, as_of: date) -> list[Any]:
    """Billing's invoices due before `as_of` and not fully paid (contested ones included)."""
    invoices: list[Any] = billing_selectors.overdue_invoices(as_of=as_of)
    return invoices


def unpaid_invoices() -> list[Any]:
    """Every invoice not fully paid or credited, whatever its due date (billing's overdue
    invoices as of the end of time)."""
    invoices: list[Any] = billing_selectors.overdue_invoices(as_of=date.max)
    return invoices


def invoices_paid_by_live_debits() -> list[Any]:
    """Invoices paid (in part) by a direct debit not returned: a return may still come."""
    return [
        allocation.invoice
        for allocation in Allocation.objects.filter(
            reversed_on__isnull=True,
            payment__method=PaymentMethod.SEPA_DEBIT,
            payment__returned_on__isnull=True,
        )
        .select_related("invoice")
        .order_by("pk")
    ]


def service_ids_of(invoice: Any) -> list[int]:
    """The contract services an invoice bills (its lines' `service:<id>` refs): the « service
    concerné » of a suspension step (R-PAY-3)."""
    ids = []
    for line in billing_selectors.lines_of(invoice):
        kind, _, number = (line.service_ref or "").partition(":")
        if kind == "service" and number.isdigit() and int(number) not in ids:
            ids.append(int(number))
    return ids


@dataclass(frozen=True)
class OverdueInvoice:
    invoice: Any
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
    result = []
    for invoice in billing_selectors.overdue_invoices(as_of=as_of, customer=customer):
        owed = open_amount(invoice)
        held = held_amount(invoice)
        if owed - held > ZERO:
            days = (as_of - due_date_of(invoice)).days
            result.append(OverdueInvoice(invoice, owed, held, days))
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
    numbers = ", ".join(item.invoice.number for item in overdue)
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


def live_allocations_of(invoice: Any) -> QuerySet[Allocation]:
    return Allocation.objects.filter(invoice=invoice, reversed_on__isnull=True)


def payments_of(customer: Any) -> QuerySet[Payment]:
    return Payment.objects.filter(customer=customer).order_by("received_on", "pk")


def disputes_to_decide() -> QuerySet[Dispute]:
    return Dispute.objects.filter(status=DisputeStatus.OPEN).order_by("opened_on", "pk")


def dunning_done(invoice: Any) -> dict[str, date]:
    return dict(DunningStep.objects.filter(invoice=invoice).values_list("step_key", "done_on"))


def dunning_steps_of(invoice: Any) -> QuerySet[DunningStep]:
    return DunningStep.objects.filter(invoice=invoice).order_by("done_on", "pk")


def pauses_of(customer: Any) -> QuerySet[DunningPause]:
    return DunningPause.objects.filter(customer=customer).order_by("start_date", "pk")


def bears_late_charges(invoice: Any) -> bool:
    """Whether a late payment of `invoice` costs penalties and the indemnity and it is dunned
    (R-PAY-3): not an invoice of late charges itself, so that penalties never bear penalties
    (anatocism, art. 1343-2 C. civ.) and the D441-5 indemnity is never charged on an indemnity."""
    return not billing_selectors.is_late_charges_invoice(invoice)


def late_charges_to_invoice() -> QuerySet[LateCharge]:
    """Penalties and indemnities not yet invoiced (R-PAY-3), for billing to pick up."""
    return LateCharge.objects.filter(invoiced_at__isnull=True).order_by("computed_on", "pk")


def late_charges_of(invoice: Any) -> QuerySet[LateCharge]:
    return LateCharge.objects.filter(invoice=invoice).order_by("kind")


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


def invoice_numbers(invoices: Iterable[Any]) -> list[str]:
    return [invoice.number for invoice in invoices]


@dataclass(frozen=True)
class SuspensionCandidate:
    """A line whose month the rating flagged (limits breached, call-centre activity): a
    reason staff may suspend for (R-PAY-4: non-compliant use, substantial increase)."""

    customer: Any
    service: Any
    period: str
    breaches: str
    call_centre: bool
    amount_beyond: Decimal

    @property
    def reason(self) -> str:
        return "non_compliant_use" if self.call_centre else "consumption_surge"


def suspension_candidates(*, period: str) -> list[SuspensionCandidate]:
    """The live contract services whose line (same number) the usage app flagged for
    `period`: breaches of the fair-use limits or call-centre activity (SPEC §5, R-PAY-4).
    Staff decide; nothing is suspended here."""
    flagged = [
        month
        for month in usage_selectors.line_months(period=period)
        if month.breaches or month.call_centre_flag
    ]
    services_by_number = {
        service.phone_number: service
        for service in contract_selectors.live_services_with_number(
            [month.line.identifier for month in flagged]
        )
    }
    result = []
    for month in flagged:
        service = services_by_number.get(month.line.identifier)
        if service is None:
            continue
        result.append(
            SuspensionCandidate(
                customer=service.contract.customer,
                service=service,
                period=period,
                breaches=month.breaches,
                call_centre=month.call_centre_flag,
                amount_beyond=month.amount_beyond,
            )
        )
    return result


def disputes_of(customer: Any) -> QuerySet[Dispute]:
    """The customer's disputes, newest first (portal)."""
    return (
        Dispute.objects.filter(invoice__customer=customer)
        .select_related("invoice")
        .order_by("-opened_on", "-pk")
    )
