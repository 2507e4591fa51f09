"""Reads of the billing app: invoices of a customer, open and overdue ones, documents, runs,
and what other apps need from billing (R-END-2 inputs).

Payments add what was paid on each invoice with `register_paid_amounts` (from their
`AppConfig.ready()`), so billing never imports payments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Sum

from syres.billing.models import (
    BillingRun,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceVat,
    MailOutbox,
    OverageChoice,
    OveragePolicy,
    UnusualConsumption,
)
from syres.billing.snapshot import document_from_json, render_snapshot
from syres.domain.billing import InvoiceDocument, LineCategory
from syres.domain.money import ZERO
from syres.domain.periods import Month

DOCUMENTS_DIR_NAME = "invoices"

# Payments register how much was paid per invoice id; none registered: nothing paid.
PaidAmounts = Callable[[list[int]], Mapping[int, Decimal]]
_paid_amount_sources: dict[str, PaidAmounts] = {}


def register_paid_amounts(name: str, source: PaidAmounts) -> None:
    """Payments call this once: `source(invoice_ids)` returns the amount paid per invoice."""
    _paid_amount_sources[name] = source


def get_invoice(invoice_id: int) -> Invoice:
    return Invoice.objects.select_related("customer").get(pk=invoice_id)


LATE_CHARGES_SOURCE_PREFIX = "late_charges:"


def is_late_charges_invoice(invoice: Invoice) -> bool:
    """An invoice of late-payment penalties and indemnities (R-PAY-3, category O)."""
    return invoice.source.startswith(LATE_CHARGES_SOURCE_PREFIX)


def invoice_by_number(number: str) -> Invoice | None:
    return Invoice.objects.filter(number=number.strip().upper()).first()


def invoice_for_source(*, kind: Any, source: str) -> Invoice | None:
    return Invoice.objects.filter(kind=str(getattr(kind, "value", kind)), source=source).first()


def order_fee_billed(*, order_number: str) -> bool:
    """Whether the cancellation fee of an order (R-ORD-5) is on an issued invoice."""
    return InvoiceLine.objects.filter(
        service_ref=f"order:{order_number}", category=LineCategory.OTHER.value
    ).exists()


def monthly_invoice_of(customer: Any, *, period: Month) -> Invoice | None:
    return Invoice.objects.filter(
        customer=customer, period=str(period), kind=InvoiceKind.MONTHLY
    ).first()


def invoices_of(customer: Any) -> QuerySet[Invoice]:
    """Every invoice and credit note of the customer, newest first."""
    return Invoice.objects.filter(customer=customer).order_by("-issue_date", "-sequence")


def lines_of(invoice: Invoice) -> QuerySet[InvoiceLine]:
    return invoice.lines.order_by("position")


def vat_of(invoice: Invoice) -> QuerySet[InvoiceVat]:
    return invoice.vat_rates.order_by("-rate")


def document_of(invoice: Invoice) -> InvoiceDocument:
    """The document exactly as issued (R-INV-3)."""
    return document_from_json(invoice.document)


def credited_amount(invoice: Invoice) -> Decimal:
    """Total incl. VAT of the credit notes that correct `invoice`."""
    total = Invoice.objects.filter(
        referenced_invoice=invoice, kind=InvoiceKind.CREDIT_NOTE
    ).aggregate(total=Sum("total_incl_vat"))["total"]
    return total or ZERO


def _paid(invoice_ids: list[int]) -> dict[int, Decimal]:
    paid: dict[int, Decimal] = dict.fromkeys(invoice_ids, ZERO)
    for source in _paid_amount_sources.values():
        for invoice_id, amount in source(invoice_ids).items():
            paid[invoice_id] = paid.get(invoice_id, ZERO) + amount
    return paid


def outstanding_amounts(invoices: Iterable[Invoice]) -> dict[int, Decimal]:
    """What is left to pay on each invoice: net amount due, less its credit notes, less what
    payments registered as paid. Credit notes themselves owe nothing."""
    chosen = [invoice for invoice in invoices if invoice.kind != InvoiceKind.CREDIT_NOTE]
    ids = [invoice.pk for invoice in chosen]
    credited = dict(
        Invoice.objects.filter(referenced_invoice_id__in=ids, kind=InvoiceKind.CREDIT_NOTE)
        .values("referenced_invoice_id")
        .annotate(total=Sum("total_incl_vat"))
        .values_list("referenced_invoice_id", "total")
    )
    paid = _paid(ids)
    return {
        invoice.pk: invoice.amount_due - credited.get(invoice.pk, ZERO) - paid.get(invoice.pk, ZERO)
        for invoice in chosen
    }


def open_invoices_of(customer: Any) -> list[Invoice]:
    """The customer's invoices not fully paid or credited, oldest due first."""
    invoices = list(
        Invoice.objects.filter(customer=customer)
        .exclude(kind=InvoiceKind.CREDIT_NOTE)
        .order_by("due_date", "sequence")
    )
    left = outstanding_amounts(invoices)
    return [invoice for invoice in invoices if left[invoice.pk] > 0]


def overdue_invoices(*, as_of: date, customer: Any | None = None) -> list[Invoice]:
    """Invoices whose due date has passed (due before `as_of`) and not fully paid."""
    invoices = Invoice.objects.filter(due_date__lt=as_of).exclude(kind=InvoiceKind.CREDIT_NOTE)
    if customer is not None:
        invoices = invoices.filter(customer=customer)
    chosen = list(invoices.order_by("due_date", "sequence"))
    left = outstanding_amounts(chosen)
    return [invoice for invoice in chosen if left[invoice.pk] > 0]


# --- documents ----------------------------------------------------------------------------


def documents_root(*, data_dir: Path | None = None) -> Path:
    """`$SYRES_DATA_DIR/invoices/`: kept ten years (R-DATA-3), never purged by syres."""
    return (data_dir or Path(settings.DATA_DIR)) / DOCUMENTS_DIR_NAME


def document_paths(*, number: str, data_dir: Path | None = None) -> tuple[Path, Path]:
    """(PDF, XML) of a document number; grouped by series prefix."""
    folder = documents_root(data_dir=data_dir) / number.split("-", 1)[0]
    return folder / f"{number}.pdf", folder / f"{number}.xml"


def _document_bytes(invoice: Invoice, *, index: int) -> bytes:
    path = document_paths(number=invoice.number)[index]
    if invoice.rendered_at is not None and path.exists():
        return path.read_bytes()
    # Not written yet (the run renders after numbering): derived from the snapshot, the same.
    _, pdf, xml = render_snapshot(invoice.document)
    return xml if index else pdf


def invoice_pdf(invoice: Invoice) -> bytes:
    """The Factur-X PDF (PDF/A-3b with the XML embedded)."""
    return _document_bytes(invoice, index=0)


def invoice_xml(invoice: Invoice) -> bytes:
    """The EN 16931 CII XML."""
    return _document_bytes(invoice, index=1)


# --- runs and outbox ----------------------------------------------------------------------


def billing_runs() -> QuerySet[BillingRun]:
    return BillingRun.objects.order_by("-period")


def billing_run_of(period: Month) -> BillingRun | None:
    return BillingRun.objects.filter(period=str(period)).first()


def mail_of(invoice: Invoice) -> MailOutbox | None:
    return MailOutbox.objects.filter(invoice=invoice).first()


# --- inputs of the early-termination amount (R-END-2), for contracts ----------------------


def billed_usage_by_month(service_refs: Iterable[str]) -> dict[str, dict[Month, Decimal]]:
    """Usage billed per service ref (`service:12`) and month, from issued invoice lines
    (monthly and intermediate; credit notes deducted)."""
    refs = list(service_refs)
    rows = (
        InvoiceLine.objects.filter(
            service_ref__in=refs,
            category=LineCategory.USAGE.value,
            period_start__isnull=False,
        )
        .values_list("service_ref", "period_start", "invoice__kind")
        .annotate(total=Sum("amount"))
    )
    billed: dict[str, dict[Month, Decimal]] = {ref: {} for ref in refs}
    for ref, start, kind, total in rows:
        month = Month.of(start)
        sign = -1 if kind == InvoiceKind.CREDIT_NOTE else 1
        billed[ref][month] = billed[ref].get(month, ZERO) + sign * total
    return billed


def unpaid_one_offs(service_refs: Iterable[str]) -> dict[str, dict[str, Decimal]]:
    """One-off amounts (access fee, installation, equipment sold) billed for each service ref
    and still unpaid: the billed amount excl. VAT × the share of its invoice still open.
    Returned as {ref: {"access_fee"|"equipment": amount}}."""
    refs = list(service_refs)
    lines = list(
        InvoiceLine.objects.filter(
            service_ref__in=refs,
            category__in=[LineCategory.ACCESS_FEE.value, LineCategory.EQUIPMENT_SALE.value],
        )
        .exclude(invoice__kind=InvoiceKind.CREDIT_NOTE)
        .select_related("invoice")
    )
    invoices = {line.invoice_id: line.invoice for line in lines}
    left = outstanding_amounts(invoices.values())
    unpaid: dict[str, dict[str, Decimal]] = {ref: {} for ref in refs}
    for line in lines:
        invoice = invoices[line.invoice_id]
        if invoice.total_incl_vat <= 0:
            continue
        share = max(ZERO, left[invoice.pk]) / invoice.total_incl_vat
        key = "equipment" if line.category == LineCategory.EQUIPMENT_SALE.value else "access_fee"
        unpaid[line.service_ref][key] = unpaid[line.service_ref].get(key, ZERO) + (
            line.amount * share
        )
    return unpaid


def invoices_issued(*, period: Month) -> QuerySet[Invoice]:
    """Invoices and credit notes issued during a month (staff dashboard)."""
    return Invoice.objects.filter(
        issue_date__gte=period.first_day, issue_date__lt=period.next().first_day
    ).order_by("issue_date", "sequence")


# --- R-SIP-6 overage choice and R-INV-5 unusual consumption -------------------------------


def overage_policy_of(customer: Any, *, at: datetime | None = None) -> OveragePolicy:
    """R-SIP-6: how the customer's breached trunks are billed: the latest staff decision (at
    `at` when given), beyond the limit only when there is none."""
    choices = OverageChoice.objects.filter(customer=customer)
    if at is not None:
        choices = choices.filter(decided_at__lte=at)
    latest = choices.order_by("-decided_at", "-pk").first()
    return OveragePolicy(latest.policy) if latest is not None else OveragePolicy.BEYOND


def overage_choices_of(customer: Any) -> QuerySet[OverageChoice]:
    """Every R-SIP-6 decision of the customer, newest first (who decided, when, why)."""
    return OverageChoice.objects.filter(customer=customer).order_by("-decided_at", "-pk")


def retroactive_customer_ids(*, at: datetime | None = None) -> set[int]:
    """The customers whose latest R-SIP-6 decision (at `at`) is the retroactive billing."""
    choices = OverageChoice.objects.all()
    if at is not None:
        choices = choices.filter(decided_at__lte=at)
    latest: dict[int, str] = {}
    for customer_id, policy in choices.order_by("decided_at", "pk").values_list(
        "customer_id", "policy"
    ):
        latest[customer_id] = policy
    return {cid for cid, policy in latest.items() if policy == OveragePolicy.RETROACTIVE}


def unusual_consumption_of(customer: Any, *, period: Month) -> UnusualConsumption | None:
    return (
        UnusualConsumption.objects.filter(customer=customer, period=str(period))
        .select_related("invoice")
        .first()
    )


def unusual_consumptions(*, period: Month | None = None) -> QuerySet[UnusualConsumption]:
    """The customers flagged for unusual consumption (R-INV-5), newest first (staff screen)."""
    rows = UnusualConsumption.objects.select_related("customer", "invoice")
    if period is not None:
        rows = rows.filter(period=str(period))
    return rows.order_by("-period", "customer_id")


def usage_billed_by_month_of(customer: Any, *, before: Month) -> dict[Month, Decimal]:
    """R-INV-5 history: for each month before `before` with a monthly invoice, the usage billed
    for it excl. VAT (its monthly and intermediate invoices, less credit notes); 0 when the
    monthly invoice had no usage."""
    months = {
        Month.parse(period)
        for period in Invoice.objects.filter(
            customer=customer, kind=InvoiceKind.MONTHLY, period__lt=str(before)
        ).values_list("period", flat=True)
    }
    billed = dict.fromkeys(months, ZERO)
    rows = (
        InvoiceLine.objects.filter(
            invoice__customer=customer,
            category=LineCategory.USAGE.value,
            period_start__isnull=False,
            period_start__lt=before.first_day,
        )
        .values_list("period_start", "invoice__kind")
        .annotate(total=Sum("amount"))
    )
    for start, kind, total in rows:
        month = Month.of(start)
        if month in billed:
            sign = -1 if kind == InvoiceKind.CREDIT_NOTE else 1
            billed[month] += sign * total
    return billed
