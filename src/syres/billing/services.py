"""Writes of the billing app: issuing invoices and credit notes, their files, their e-mail,
and the monthly billing run (SPEC §6, R-INV-1 … R-INV-6, R-ORD-2, R-ORD-5, R-DATA-3).

Every document is issued by `issue_document`, inside one transaction that locks the counter of
its series (`select_for_update`), allocates the next number, stores the frozen document, its
lines, its VAT and its e-mail outbox row, and moves the counter: a failure anywhere rolls the
whole back, so numbers are neither skipped nor duplicated (R-INV-3). The PDF and XML are
derived afterwards from the stored snapshot (`render_documents`), the e-mail is sent after the
commit (`send_pending_mail`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from syres.billing import selectors
from syres.billing.mail import send_invoice_email
from syres.billing.models import (
    BillingRun,
    Invoice,
    InvoiceLine,
    InvoiceVat,
    MailOutbox,
    NumberCounter,
    OutboxState,
    OverageChoice,
    OveragePolicy,
    UnusualConsumption,
)
from syres.billing.snapshot import document_to_json, render_snapshot
from syres.contracts import selectors as contract_selectors
from syres.contracts import services as contract_services
from syres.customers import selectors as customer_selectors
from syres.domain import billing as rules
from syres.domain.money import ZERO, micro_eur_to_decimal, quantize_eur
from syres.domain.periods import PARIS, Month
from syres.domain.terms import Terms
from syres.equipment import selectors as equipment_selectors
from syres.equipment import services as equipment_services
from syres.mail import error_text, unclaimed_or_stale
from syres.orders import selectors as order_selectors
from syres.terms import load_terms
from syres.usage import selectors as usage_selectors

logger = logging.getLogger("syres.billing")

MAX_MAIL_ATTEMPTS = 9  # over several runs; each run tries `syres.billing.mail` 3 times


class UnableToBill(Exception):
    """A billing write that is refused; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# --- the buyer and how it pays, as printed ------------------------------------------------


def buyer_of(customer: Any) -> rules.Buyer:
    """The customer as printed on its invoices (R-CUST-1, R-CUST-5, R-INV-4)."""
    administration = customer.kind == "public_administration"
    try:
        return rules.Buyer(
            name=str(customer),
            address=rules.PostalAddress(
                line=customer.address_line,
                postcode=customer.postcode,
                city=customer.city,
                country=customer.country or "FR",
            ),
            billing_email=customer.billing_email,
            siren=customer.siren,
            siret=customer.chorus_siret if administration else "",
            vat_number=customer.vat_number,
            customer_ref=f"C{customer.pk:05d}",
            public_administration=administration,
            chorus_service_code=customer.chorus_service_code if administration else "",
        )
    except rules.UnableToIssueInvoice as error:
        raise UnableToBill(error.reason) from error


def payment_of(customer: Any, *, terms: Terms) -> rules.PaymentMeans:
    """SEPA direct debit under the mandate in force (R-PAY-1), else transfer to SYRES."""
    if customer.payment_method == "sepa_debit":
        mandate = customer_selectors.active_sepa_mandate(customer)
        if mandate is not None:
            return rules.direct_debit(
                terms=terms,
                mandate_ref=mandate.reference,
                debtor_iban=mandate.iban,
                mandate_signed_on=mandate.signature_date,
            )
    return rules.bank_transfer(terms=terms)


# --- issuing -------------------------------------------------------------------------------


def issue_document(
    *,
    customer: Any,
    kind: rules.InvoiceKind,
    issue_date: date,
    source: str,
    build: Callable[[str], rules.InvoiceDocument],
    terms: Terms,
    period: str = "",
    run: BillingRun | None = None,
    referenced: Invoice | None = None,
    at: datetime | None = None,
) -> Invoice:
    """Issue one document (R-INV-3): lock the series counter, allocate the next number, build
    the document with it (`build(number)`), store it with its lines, VAT and outbox row.

    Runs in its own transaction (or the caller's); the counter row lock serialises issuers, so
    two concurrent runs can neither skip nor duplicate a number, and numbers follow the issue
    dates (chronological sequence). A document refused by the domain rolls everything back.
    """
    series = rules.series_of(kind=kind)
    with transaction.atomic():
        # Migration 0002 creates both counters; a database emptied since (a test flush) gets
        # them back here. get_or_create uses a savepoint: a concurrent creation is harmless.
        NumberCounter.objects.get_or_create(series=series.value)
        counter = NumberCounter.objects.select_for_update().get(series=series.value)
        if counter.last_issue_date is not None and issue_date < counter.last_issue_date:
            raise UnableToBill(
                f"Le {issue_date:%d/%m/%Y} précède le dernier document de la série "
                f"({counter.last_issue_date:%d/%m/%Y}) : la numérotation est chronologique."
            )
        sequence = counter.last_sequence + 1
        number = rules.document_number(
            prefix=rules.series_prefix(series=series, terms=terms), sequence=sequence
        )
        try:
            document = build(number)
        except (rules.UnableToIssueInvoice, rules.UnableToBuildLine) as error:
            raise UnableToBill(error.reason) from error
        if document.number != number or document.kind is not kind:
            raise UnableToBill(f"document incohérent : {document.number} au lieu de {number}")
        invoice = Invoice.objects.create(
            customer=customer,
            kind=kind.value,
            series=series.value,
            sequence=sequence,
            number=number,
            issue_date=issue_date,
            due_date=document.due_date,
            period=period,
            source=source,
            run=run,
            buyer_name=document.buyer.name[:200],
            total_excl_vat=document.total_excl_vat,
            total_vat=document.total_vat,
            total_incl_vat=document.total_incl_vat,
            prepaid_amount=document.prepaid_amount,
            amount_due=document.amount_due,
            referenced_invoice=referenced,
            referenced_number=document.referenced_invoice.number
            if document.referenced_invoice
            else "",
            referenced_issue_date=document.referenced_invoice.issue_date
            if document.referenced_invoice
            else None,
            reason=document.reason,
            document=document_to_json(document),
            issued_at=at or timezone.now(),
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                position=position,
                label=line.label[:400],
                category=line.category.value,
                quantity=line.quantity,
                unit_code=line.unit_code,
                unit_price=line.unit_price,
                base_quantity=line.base_quantity,
                vat_rate=line.vat_rate,
                amount=line.amount,
                period_start=line.period.start if line.period else None,
                period_end=line.period.end if line.period else None,
                service_ref=line.service_ref[:60],
            )
            for position, line in enumerate(document.lines, start=1)
        )
        InvoiceVat.objects.bulk_create(
            InvoiceVat(invoice=invoice, rate=vat.rate, base=vat.base, tax=vat.tax)
            for vat in document.vat
        )
        MailOutbox.objects.create(invoice=invoice, recipient=document.buyer.billing_email)
        counter.last_sequence = sequence
        counter.last_issue_date = issue_date
        counter.save(update_fields=["last_sequence", "last_issue_date"])
    return invoice


def issue_credit_note(
    *,
    invoice: Invoice,
    issue_date: date,
    reason: str,
    lines: Sequence[rules.InvoiceLine] | None = None,
    terms: Terms | None = None,
    at: datetime | None = None,
) -> Invoice:
    """A credit note correcting `invoice` (R-INV-3): its number and date referenced, the whole
    invoice credited unless `lines` says what; never more than what is left to credit."""
    terms = terms or load_terms()
    if invoice.kind == rules.InvoiceKind.CREDIT_NOTE.value:
        raise UnableToBill("Un avoir ne se corrige pas par un avoir.")
    credited = selectors.document_of(invoice)

    def build(number: str) -> rules.InvoiceDocument:
        if lines is None:
            return rules.full_credit_note(
                number=number,
                issue_date=issue_date,
                invoice=credited,
                reason=reason,
                terms=terms,
            )
        return rules.credit_note(
            number=number,
            issue_date=issue_date,
            credited=rules.InvoiceReference(
                number=credited.number,
                issue_date=credited.issue_date,
                type_code=credited.type_code,
            ),
            buyer=credited.buyer,
            lines=lines,
            reason=reason,
            payment=credited.payment,
            terms=terms,
        )

    with transaction.atomic():
        # The credited invoice's row is locked so two credit notes cannot both take its rest.
        Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        left = invoice.total_incl_vat - selectors.credited_amount(invoice)
        note = issue_document(
            customer=invoice.customer,
            kind=rules.InvoiceKind.CREDIT_NOTE,
            issue_date=issue_date,
            source=f"credit:{invoice.number}",
            build=build,
            terms=terms,
            referenced=invoice,
            at=at,
        )
        if note.total_incl_vat > left:
            raise UnableToBill(
                f"L'avoir ({note.total_incl_vat} €) dépasse le reste à créditer de "
                f"{invoice.number} ({left} €)."
            )
    _after_commit([note.pk])
    return note


def issue_intermediate_invoice(
    *,
    customer: Any,
    issue_date: date,
    reason: rules.IntermediateReason,
    lines: Sequence[rules.InvoiceLine],
    by: Any,
    terms: Terms | None = None,
    at: datetime | None = None,
) -> Invoice:
    """An intermediate invoice payable on receipt (R-INV-5), issued by a staff action."""
    if not (getattr(by, "is_authenticated", False) and by.is_staff):
        raise UnableToBill("Une facture intermédiaire est émise par un membre du personnel.")
    return _issue_intermediate(
        customer=customer,
        issue_date=issue_date,
        reason=reason,
        lines=lines,
        terms=terms or load_terms(),
        at=at,
    )


def _issue_intermediate(
    *,
    customer: Any,
    issue_date: date,
    reason: rules.IntermediateReason,
    lines: Sequence[rules.InvoiceLine],
    terms: Terms,
    at: datetime | None = None,
    source: str | None = None,
    period: str = "",
    calls: Sequence[rules.CallDetail] = (),
) -> Invoice:
    buyer, payment = buyer_of(customer), payment_of(customer, terms=terms)
    stamp = (at or timezone.now()).strftime("%Y%m%d%H%M%S%f")
    invoice = issue_document(
        customer=customer,
        kind=rules.InvoiceKind.INTERMEDIATE,
        issue_date=issue_date,
        source=source or f"intermediate:{reason.value}:{stamp}",
        period=period,
        build=lambda number: rules.intermediate_invoice(
            number=number,
            issue_date=issue_date,
            buyer=buyer,
            lines=lines,
            reason=reason,
            payment=payment,
            terms=terms,
            call_details=calls,
        ),
        terms=terms,
        at=at,
    )
    _after_commit([invoice.pk])
    return invoice


def late_charges_source(*, issue_date: date) -> str:
    """The `source` of the late-charges invoice of a dunning run date (one per customer)."""
    return f"{selectors.LATE_CHARGES_SOURCE_PREFIX}{issue_date.isoformat()}"


def issue_late_charges_invoice(
    *,
    customer: Any,
    issue_date: date,
    charges: Sequence[rules.LateCharge],
    terms: Terms | None = None,
    at: datetime | None = None,
) -> Invoice | None:
    """The invoice of a customer's late-payment penalties and recovery indemnities for the
    dunning run of `issue_date` (R-PAY-3, L441-10, D441-5): its own intermediate invoice,
    payable on receipt, only lines outside the scope of VAT (category O), numbered in the
    invoice series like every invoice. Runs in the caller's transaction so the caller marks
    what it billed atomically. Returns None when this customer already has the late-charges
    invoice of that date (a rerun issues nothing new)."""
    terms = terms or load_terms()
    source = late_charges_source(issue_date=issue_date)
    if Invoice.objects.filter(customer=customer, source=source).exists():
        return None
    buyer, payment = buyer_of(customer), payment_of(customer, terms=terms)
    invoice = issue_document(
        customer=customer,
        kind=rules.InvoiceKind.INTERMEDIATE,
        issue_date=issue_date,
        source=source,
        build=lambda number: rules.late_charges_invoice(
            number=number,
            issue_date=issue_date,
            buyer=buyer,
            charges=charges,
            payment=payment,
            terms=terms,
        ),
        terms=terms,
        at=at,
    )
    _after_commit([invoice.pk])
    return invoice


def _after_commit(invoice_ids: list[int]) -> None:
    """Documents and e-mail once the issuing transaction is committed; a failure here is
    logged and retried by the next run, never undoing the issued invoice."""

    def deliver() -> None:
        try:
            render_documents(invoice_ids=invoice_ids)
            # One attempt, no waiting: a staff request is not held; the outbox keeps the rest.
            send_pending_mail(invoice_ids=invoice_ids, attempts=1)
        except Exception:  # the invoice is issued; files and mail are caught up later
            logger.exception("documents or e-mail of invoices %s failed", invoice_ids)

    transaction.on_commit(deliver)


# --- documents: PDF (Factur-X) and XML under the data directory (R-DATA-3: kept 10 years) ----


def _store(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)


def _write_documents(*, pk: int, number: str, pdf: bytes, xml: bytes, at: datetime) -> None:
    pdf_path, xml_path = selectors.document_paths(number=number)
    _store(xml_path, xml)
    _store(pdf_path, pdf)
    Invoice.objects.filter(pk=pk).update(rendered_at=at)


def _pool(processes: int) -> ProcessPoolExecutor:
    # forkserver: the workers start from a clean process, never from one holding a database
    # connection; they import only the Factur-X adapter (no Django).
    return ProcessPoolExecutor(max_workers=processes, mp_context=get_context("forkserver"))


class _Renderer:
    """Renders documents in worker processes while the run goes on issuing (the snapshots are
    immutable once committed); a bounded number in flight keeps memory flat."""

    def __init__(self, *, processes: int, at: datetime, progress: Callable[[int], None]) -> None:
        self.pool = _pool(processes)
        self.limit = 4 * processes
        self.at = at
        self.progress = progress
        self.in_flight: dict[Future[tuple[str, bytes, bytes]], int] = {}

    def submit(self, invoice: Invoice) -> None:
        self.in_flight[self.pool.submit(render_snapshot, invoice.document)] = invoice.pk
        self._collect(wait_for=len(self.in_flight) - self.limit)

    def _collect(self, *, wait_for: int) -> None:
        if wait_for > 0:
            wait(self.in_flight, return_when=FIRST_COMPLETED)
        for future in [future for future in self.in_flight if future.done()]:
            pk = self.in_flight.pop(future)
            number, pdf, xml = future.result()
            _write_documents(pk=pk, number=number, pdf=pdf, xml=xml, at=self.at)
            self.progress(1)

    def close(self) -> None:
        while self.in_flight:
            self._collect(wait_for=1)
        self.pool.shutdown()


def render_documents(
    *,
    invoice_ids: Iterable[int] | None = None,
    processes: int = 1,
    progress: Callable[[int], None] | None = None,
    at: datetime | None = None,
) -> int:
    """Write the Factur-X PDF and the XML of every issued document not yet rendered.

    The documents are derived from the stored snapshots alone (immutable), so they can be
    rendered in a process pool after the numbering transactions (`processes` > 1). Returns
    how many were written."""
    pending = Invoice.objects.filter(rendered_at__isnull=True)
    if invoice_ids is not None:
        pending = pending.filter(pk__in=list(invoice_ids))
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    now = at or timezone.now()
    step = progress or (lambda _: None)
    if processes <= 1 or len(ids) < 2 * processes:
        for pk in ids:
            number, pdf, xml = render_snapshot(Invoice.objects.get(pk=pk).document)
            _write_documents(pk=pk, number=number, pdf=pdf, xml=xml, at=now)
            step(1)
        return len(ids)
    renderer = _Renderer(processes=processes, at=now, progress=step)
    try:
        for invoice in Invoice.objects.filter(pk__in=ids).order_by("pk").iterator(chunk_size=200):
            renderer.submit(invoice)
    finally:
        renderer.close()
    return len(ids)


# --- e-mail: an outbox row per document, sent after commit, never twice ---------------------


@dataclass
class MailReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def send_pending_mail(
    *,
    invoice_ids: Iterable[int] | None = None,
    attempts: int = 3,
    retry_delay_s: float | None = None,
    at: datetime | None = None,
) -> MailReport:
    """Send the e-mail of every rendered document not sent yet (R-INV-1).

    Each row is claimed first (a conditional update on the claim read: only one sender wins
    it), so a mail is never sent twice, even by two processes; any failure is recorded, the
    claim released, and the mail retried by a later call, up to `MAX_MAIL_ATTEMPTS`; a claim
    left by a sender that died is taken again (`settings.MAIL_CLAIM_STALE_AFTER_S`). Never
    raises for a mail that failed: the others are still sent."""
    report = MailReport()
    outbox = MailOutbox.objects.filter(
        unclaimed_or_stale("claimed_at", at=at or timezone.now()),
        state__in=[OutboxState.PENDING, OutboxState.FAILED],
        attempts__lt=MAX_MAIL_ATTEMPTS,
        invoice__rendered_at__isnull=False,
    )
    if invoice_ids is not None:
        outbox = outbox.filter(invoice_id__in=list(invoice_ids))
    for mail_id, claim_read in list(outbox.order_by("pk").values_list("pk", "claimed_at")):
        now = at or timezone.now()
        claimed = MailOutbox.objects.filter(
            pk=mail_id,
            claimed_at=claim_read,
            state__in=[OutboxState.PENDING, OutboxState.FAILED],
        ).update(claimed_at=now)
        if not claimed:
            continue
        # Every update after the send is conditional on this sender's claim: if it was slow
        # enough for its claim to be taken again, it changes nothing of the other sender's.
        held = MailOutbox.objects.filter(pk=mail_id, claimed_at=now)
        mail = MailOutbox.objects.select_related("invoice").get(pk=mail_id)
        try:
            document = selectors.document_of(mail.invoice)
            outcome = send_invoice_email(
                document=document,
                pdf=selectors.invoice_pdf(mail.invoice),
                filename=f"{document.number}.pdf",
                attempts=attempts,
                retry_delay_s=retry_delay_s,
            )
        except Exception as error:  # the mail is retried; the others of the batch still go
            logger.exception("invoice e-mail %s not sent", mail_id)
            held.update(
                state=OutboxState.FAILED,
                attempts=mail.attempts + 1,
                last_error=error_text(error, limit=2000),
                claimed_at=None,
            )
            report.failed += 1
            report.errors.append(f"facture {mail.invoice.number} : {error}")
            continue
        if outcome.sent:
            # The claim stays: a sent mail is never picked again.
            held.update(
                state=OutboxState.SENT,
                attempts=mail.attempts + outcome.attempts,
                message_id=outcome.message_id,
                sent_at=now,
                last_error="",
            )
            report.sent += 1
        else:
            held.update(
                state=OutboxState.FAILED,
                attempts=mail.attempts + outcome.attempts,
                last_error=outcome.error,
                claimed_at=None,
            )
            report.failed += 1
            report.errors.append(f"{document.number} : {outcome.error}")
    return report


# --- orders: deposit at order, balance after delivery (R-ORD-2) -----------------------------


def issue_deposit_invoice(
    *,
    customer: Any,
    order_ref: str,
    one_off_total: Decimal,
    issue_date: date,
    terms: Terms | None = None,
    at: datetime | None = None,
    deliver: bool = True,
) -> Invoice:
    """The deposit invoice of an order (R-ORD-2): `deposit_share` of its one-off total, payable
    at order. Issued once per order: asking again returns the one issued."""
    terms = terms or load_terms()
    source = f"order:{order_ref}"
    existing = selectors.invoice_for_source(kind=rules.InvoiceKind.DEPOSIT, source=source)
    if existing is not None:
        return existing
    buyer, payment = buyer_of(customer), payment_of(customer, terms=terms)
    try:
        invoice = issue_document(
            customer=customer,
            kind=rules.InvoiceKind.DEPOSIT,
            issue_date=issue_date,
            source=source,
            build=lambda number: rules.deposit_invoice(
                number=number,
                issue_date=issue_date,
                buyer=buyer,
                order_ref=order_ref,
                one_off_total=one_off_total,
                payment=payment,
                terms=terms,
            ),
            terms=terms,
            at=at,
        )
    except IntegrityError:
        # Another process issued it between our check and our insert.
        found = selectors.invoice_for_source(kind=rules.InvoiceKind.DEPOSIT, source=source)
        if found is None:
            raise
        return found
    if deliver:  # the billing run renders and sends itself, after all its invoices
        _after_commit([invoice.pk])
    return invoice


def issue_balance_invoice(
    *,
    customer: Any,
    order_ref: str,
    delivery_date: date,
    lines: Sequence[rules.InvoiceLine],
    issue_date: date,
    terms: Terms | None = None,
    at: datetime | None = None,
    deliver: bool = True,
) -> Invoice:
    """The balance invoice after delivery (R-ORD-2): the order's one-off lines in full, less the
    deposit invoiced, which it references; payable on receipt. Needs the deposit invoice."""
    terms = terms or load_terms()
    source = f"order:{order_ref}"
    existing = selectors.invoice_for_source(kind=rules.InvoiceKind.BALANCE, source=source)
    if existing is not None:
        return existing
    deposit = selectors.invoice_for_source(kind=rules.InvoiceKind.DEPOSIT, source=source)
    if deposit is None:
        raise UnableToBill(f"La commande {order_ref} n'a pas de facture d'acompte.")
    deposit_document = selectors.document_of(deposit)
    buyer, payment = buyer_of(customer), payment_of(customer, terms=terms)
    invoice = issue_document(
        customer=customer,
        kind=rules.InvoiceKind.BALANCE,
        issue_date=issue_date,
        source=source,
        build=lambda number: rules.balance_invoice(
            number=number,
            issue_date=issue_date,
            delivery_date=delivery_date,
            buyer=buyer,
            order_ref=order_ref,
            lines=lines,
            deposit=deposit_document,
            payment=payment,
            terms=terms,
        ),
        terms=terms,
        referenced=deposit,
        at=at,
    )
    if deliver:  # the billing run renders and sends itself, after all its invoices
        _after_commit([invoice.pk])
    return invoice


# --- the monthly billing run (R-INV-1, R-INV-6) ---------------------------------------------

Progress = Callable[[str, int, int], None]


@dataclass
class RunReport:
    """What a run did: invoices issued by this call, those found already issued, skipped
    customers with the reason, totals of what it issued, documents written, e-mail sent."""

    period: str
    issued: list[str] = field(default_factory=list)
    already_issued: int = 0
    order_invoices: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    total_excl_vat: Decimal = ZERO
    total_incl_vat: Decimal = ZERO
    rendered: int = 0
    mail: MailReport = field(default_factory=MailReport)
    issue_seconds: float = 0.0
    render_seconds: float = 0.0


def _usage_aggregates(
    *,
    ref: str,
    label: str,
    month: Any,
    period: Any,
    retroactive: bool = False,
    retro_minutes: Mapping[str, int] | None = None,
) -> list[rules.UsageAggregate]:
    """The usage of one service's month, per kind. R-SIP-6: for a customer billed
    retroactively, voice is the retroactive amount of its breached trunk (the other kinds are
    the same either way), with the minutes that amount counts."""
    voice_amount, voice_minutes = month.amount_voice, month.billable_minutes
    if retroactive and month.amount_if_retroactive > month.amount_beyond:
        voice_amount = month.amount_voice + month.amount_if_retroactive - month.amount_beyond
        if retro_minutes is not None and month.line.identifier in retro_minutes:
            voice_minutes = retro_minutes[month.line.identifier]
    amounts = (
        (rules.UsageKind.VOICE, voice_minutes, voice_amount),
        (rules.UsageKind.SMS, month.billable_sms, month.amount_sms),
        (rules.UsageKind.DATA, month.billable_mb, month.amount_data),
    )
    return [
        rules.UsageAggregate(
            service_ref=ref,
            service_label=label,
            kind=kind,
            month=period,
            billable_units=int(units),
            amount=Decimal(amount),
        )
        for kind, units, amount in amounts
        if amount > 0
    ]


def _calls_by_line(period: Any) -> dict[str, list[rules.CallDetail]]:
    frame = usage_selectors.billable_calls(period=str(period))
    if frame is None or frame.is_empty():
        return {}
    calls: dict[str, list[rules.CallDetail]] = {}
    for line, started, callee, duration, billable, micro in frame.iter_rows():
        calls.setdefault(line, []).append(
            rules.CallDetail(
                started_at=started,
                line=line,
                callee=callee,
                duration_s=int(duration),
                billable_s=int(billable),
                amount=micro_eur_to_decimal(int(micro)),
            )
        )
    return calls


@dataclass
class _Due:
    """One-off amounts due on a customer's monthly invoice, and what they come from."""

    lines: list[rules.InvoiceLine] = field(default_factory=list)
    terminations: list[int] = field(default_factory=list)
    charges: list[int] = field(default_factory=list)


def _one_offs_due(customer: Any, *, as_of: date, vat_rate: Decimal, cancelled: list[Any]) -> _Due:
    """Early-termination amounts recorded (R-END-2), equipment not returned or lost (R-EQ-3,
    art. 13), cancellation fees (R-ORD-5): each billed once, on the next monthly invoice."""
    due = _Due()
    for termination in contract_selectors.terminations_to_invoice(customer):
        if termination.recorded_at.astimezone(PARIS).date() > as_of:
            continue
        for line in contract_selectors.termination_lines_of(termination):
            if line.total > 0:
                due.lines.append(
                    rules.one_off_line(
                        label=(
                            f"Résiliation anticipée — {line.service.label} : "
                            f"{line.remaining_months} mois d'engagement restants et sommes dues "
                            f"(art. 16 des CGV)"
                        ),
                        category=rules.LineCategory.EARLY_TERMINATION,
                        unit_price=line.total,
                        vat_rate=vat_rate,
                        service_ref=f"service:{line.service_id}",
                    )
                )
        due.terminations.append(termination.pk)
    for charge in equipment_selectors.charges_to_invoice(customer):
        # An insurer credit (negative) is given back by a credit note, never on an invoice.
        if charge.amount > 0 and charge.charge_date <= as_of:
            due.lines.append(
                rules.one_off_line(
                    label=charge.label,
                    category=rules.LineCategory.OTHER,
                    unit_price=charge.amount,
                    vat_rate=vat_rate,
                    service_ref=f"equipment:{charge.item_id}",
                )
            )
            due.charges.append(charge.pk)
    for order in cancelled:
        due.lines.append(
            rules.one_off_line(
                label=(
                    f"Frais d'annulation de la commande {order.number} "
                    f"(frais de mise en service, art. 9 des CGV)"
                ),
                category=rules.LineCategory.OTHER,
                unit_price=order.cancellation_fee,
                vat_rate=vat_rate,
                service_ref=f"order:{order.number}",
            )
        )
    return due


def _cancelled_orders_to_bill(*, as_of: date) -> dict[int, list[Any]]:
    by_customer: dict[int, list[Any]] = {}
    for order in order_selectors.cancelled_orders_with_fee():
        if order.state_changed_at.astimezone(PARIS).date() > as_of:
            continue
        if selectors.order_fee_billed(order_number=order.number):
            continue
        by_customer.setdefault(order.customer_id, []).append(order)
    return by_customer


def issue_monthly_invoice(
    *,
    customer: Any,
    period: Month,
    issue_date: date,
    terms: Terms,
    run: BillingRun | None = None,
    usage_by_line: Mapping[str, Any] | None = None,
    calls_by_line: Mapping[str, list[rules.CallDetail]] | None = None,
    cancelled: list[Any] | None = None,
    retroactive: bool | None = None,
    retro_minutes: Mapping[str, int] | None = None,
    at: datetime | None = None,
) -> Invoice:
    """The monthly invoice of `period` for one customer (R-INV-1), in its own transaction:
    subscriptions of the next month in advance (the delivery month pro rata), usage of
    `period` in arrears from the rated aggregates, one line per service and kind (R-SIP-6:
    the retroactive amount of breached trunks for a customer so decided), less the usage an
    unusual-consumption intermediate invoice already billed (R-INV-5), with the call-detail
    annex (never an emergency call), the one-off amounts due. Unique per customer and period
    (R-INV-6): a second call raises `UnableToBill`."""
    now = at or timezone.now()
    if usage_by_line is None:
        usage_by_line = {
            m.line.identifier: m for m in usage_selectors.line_months(period=str(period))
        }
    if calls_by_line is None:
        calls_by_line = _calls_by_line(period)
    if retroactive is None:
        retroactive = selectors.overage_policy_of(customer, at=now) is OveragePolicy.RETROACTIVE
    if retroactive and retro_minutes is None:
        retro_minutes = usage_selectors.retroactive_minutes(period=str(period))
    services = contract_selectors.services_to_bill(customer)
    usage, calls = _customer_usage(
        customer,
        period=period,
        services=services,
        usage_by_line=usage_by_line,
        calls_by_line=calls_by_line,
        retroactive=retroactive,
        retro_minutes=retro_minutes,
    )
    unusual = selectors.unusual_consumption_of(customer, period=period)
    if unusual is not None:
        usage = _less_billed(usage, billed=unusual.billed)
    vat_rate = terms.invoicing.vat_rate_on(day=issue_date)
    due = _one_offs_due(customer, as_of=issue_date, vat_rate=vat_rate, cancelled=cancelled or [])
    try:
        lines = rules.monthly_lines(
            period=period, services=services, usage=usage, vat_rate=vat_rate, one_offs=due.lines
        )
    except rules.UnableToBuildLine as error:
        raise UnableToBill(error.reason) from error
    if not lines:
        raise UnableToBill(f"rien à facturer pour {rules.month_label(month=period)}")
    buyer, payment = buyer_of(customer), payment_of(customer, terms=terms)
    try:
        with transaction.atomic():
            invoice = issue_document(
                customer=customer,
                kind=rules.InvoiceKind.MONTHLY,
                issue_date=issue_date,
                source=f"monthly:{period}",
                period=str(period),
                run=run,
                build=lambda number: rules.monthly_invoice(
                    number=number,
                    issue_date=issue_date,
                    period=period,
                    buyer=buyer,
                    lines=lines,
                    payment=payment,
                    terms=terms,
                    call_details=calls,
                ),
                terms=terms,
                at=now,
            )
            for termination_id in due.terminations:
                contract_services.mark_termination_invoiced(termination_id=termination_id, at=now)
            for charge_id in due.charges:
                equipment_services.mark_charge_invoiced(charge_id=charge_id, at=now)
    except IntegrityError as error:
        if selectors.monthly_invoice_of(customer, period=period) is None:
            raise
        raise UnableToBill(f"facture de {period} déjà émise") from error
    return invoice


def _customer_usage(
    customer: Any,
    *,
    period: Month,
    services: Sequence[Any],
    usage_by_line: Mapping[str, Any],
    calls_by_line: Mapping[str, list[rules.CallDetail]],
    retroactive: bool,
    retro_minutes: Mapping[str, int] | None,
) -> tuple[list[rules.UsageAggregate], list[rules.CallDetail]]:
    labels = {service.ref: service.label for service in services}
    usage: list[rules.UsageAggregate] = []
    calls: list[rules.CallDetail] = []
    for ref, identifier in contract_selectors.usage_lines_of(customer).items():
        month = usage_by_line.get(identifier)
        if month is not None:
            usage += _usage_aggregates(
                ref=ref,
                label=labels.get(ref, identifier),
                month=month,
                period=period,
                retroactive=retroactive,
                retro_minutes=retro_minutes,
            )
        calls += calls_by_line.get(identifier, [])
    return usage, calls


def _less_billed(
    usage: Sequence[rules.UsageAggregate], *, billed: Mapping[str, Any]
) -> list[rules.UsageAggregate]:
    """R-INV-5: the usage left to bill once an intermediate invoice billed part of the month.
    Its rounded line amounts are deducted, so both invoices together bill the month's total
    rounded once. Usage rated lower since (never negative here) is left to a credit note."""
    left = []
    for aggregate in usage:
        done = billed.get(aggregate.service_ref, {}).get(aggregate.kind.value)
        if done is None:
            left.append(aggregate)
            continue
        left.append(
            replace(
                aggregate,
                amount=max(ZERO, aggregate.amount - Decimal(done["amount"])),
                billable_units=max(0, aggregate.billable_units - int(done["units"])),
                unit_rate=None,
            )
        )
    return left


def _order_one_off_lines(order: Any, *, vat_rate: Decimal) -> list[rules.InvoiceLine]:
    lines = []
    for line in order_selectors.order_lines_of(order_id=order.pk):
        amounts = line.amounts()
        name = line.product.name
        ref = f"orderline:{line.pk}"
        for label, category, price in (
            (f"Frais d'accès — {name}", rules.LineCategory.ACCESS_FEE, amounts.access_fee),
            (
                f"Frais d'installation — {name}",
                rules.LineCategory.ACCESS_FEE,
                amounts.installation_fee,
            ),
            (f"Vente — {name}", rules.LineCategory.EQUIPMENT_SALE, amounts.sale_price),
        ):
            if price > 0:
                lines.append(
                    rules.one_off_line(
                        label=label,
                        category=category,
                        unit_price=price,
                        quantity=Decimal(amounts.quantity),
                        vat_rate=vat_rate,
                        service_ref=ref,
                    )
                )
    return lines


def bill_orders(*, as_of: date, terms: Terms, at: datetime | None = None) -> list[Invoice]:
    """Deposit invoices of the orders placed (R-ORD-2: 30 % at order) and balance invoices of
    the orders delivered (their one-off lines in full, less the deposit), each once."""
    issued = []
    vat_rate = terms.invoicing.vat_rate_on(day=as_of)
    for order in order_selectors.orders_with_one_off_amounts():
        if order.received_date > as_of:
            continue
        customer = customer_selectors.get_customer(order.customer_id)
        source = f"order:{order.number}"
        if selectors.invoice_for_source(kind=rules.InvoiceKind.DEPOSIT, source=source) is None:
            issued.append(
                issue_deposit_invoice(
                    customer=customer,
                    order_ref=order.number,
                    one_off_total=order.one_off_total,
                    issue_date=as_of,
                    terms=terms,
                    at=at,
                    deliver=False,
                )
            )
        delivered = order.state == "delivered" and (
            selectors.invoice_for_source(kind=rules.InvoiceKind.BALANCE, source=source) is None
        )
        if delivered:
            lines = _order_one_off_lines(order, vat_rate=vat_rate)
            days = [line.delivered_on for line in order_selectors.order_lines_of(order_id=order.pk)]
            delivery_date = max((day for day in days if day is not None), default=as_of)
            issued.append(
                issue_balance_invoice(
                    customer=customer,
                    order_ref=order.number,
                    delivery_date=delivery_date,
                    lines=lines,
                    issue_date=as_of,
                    terms=terms,
                    at=at,
                    deliver=False,
                )
            )
    return issued


def run_billing(
    *,
    period: Month,
    as_of: date,
    terms: Terms | None = None,
    progress: Progress | None = None,
    render: bool = True,
    processes: int = 1,
    pipeline: bool = True,
    send: bool = True,
    retry_delay_s: float | None = None,
    at: datetime | None = None,
) -> RunReport:
    """The billing run of `period` (R-INV-1, R-INV-6), issued on `as_of`.

    Orders first (deposits and balances), then one monthly invoice per customer with billable
    services or amounts due, each in its own transaction keyed (customer, period, monthly):
    running the period again issues nothing new, and a run stopped in the middle, started
    again, issues the rest without duplicates or gaps. The documents are rendered by a process
    pool when `processes` > 1, while the run issues (`pipeline`) or after it; the e-mails go
    after the commits, and a failed e-mail never stops the run.
    `progress(stage, done, total)` follows each stage."""
    terms = terms or load_terms()
    now = at or timezone.now()
    if as_of < period.next().first_day:
        raise UnableToBill(
            f"La facture de {rules.month_label(month=period)} s'émet une fois le mois écoulé."
        )
    report = RunReport(period=str(period))
    run, created = BillingRun.objects.get_or_create(
        period=str(period), defaults={"issue_date": as_of, "started_at": now}
    )
    if not created:
        BillingRun.objects.filter(pk=run.pk).update(attempts=F("attempts") + 1, finished_at=None)
    started = time.perf_counter()
    for invoice in bill_orders(as_of=as_of, terms=terms, at=now):
        if invoice.issued_at == now:
            report.order_invoices.append(invoice.number)
    coming = period.next().next().first_day
    cancelled = _cancelled_orders_to_bill(as_of=as_of)
    customer_ids = sorted(
        set(contract_selectors.customer_ids_with_services(start=period.first_day, end=coming))
        | {t.contract.customer_id for t in contract_selectors.terminations_to_invoice()}
        | set(equipment_selectors.customer_ids_with_charges_to_invoice())
        | set(cancelled)
    )
    usage_by_line = {m.line.identifier: m for m in usage_selectors.line_months(period=str(period))}
    calls_by_line = _calls_by_line(period)
    retroactive_ids = selectors.retroactive_customer_ids(at=now)
    retro_minutes = (
        usage_selectors.retroactive_minutes(period=str(period)) if retroactive_ids else None
    )
    rendered = 0

    def advance(step: int) -> None:
        nonlocal rendered
        rendered += step
        if progress is not None:
            progress("render", rendered, max(rendered, len(customer_ids)))

    renderer = None
    if render and pipeline and processes > 1 and len(customer_ids) >= 2 * processes:
        renderer = _Renderer(processes=processes, at=now, progress=advance)
    try:
        _issue_all(
            customer_ids=customer_ids,
            period=period,
            as_of=as_of,
            terms=terms,
            run=run,
            usage_by_line=usage_by_line,
            calls_by_line=calls_by_line,
            cancelled=cancelled,
            retroactive_ids=retroactive_ids,
            retro_minutes=retro_minutes,
            report=report,
            renderer=renderer,
            progress=progress,
            at=now,
        )
        report.issue_seconds = time.perf_counter() - started
        started = time.perf_counter()
    finally:
        if renderer is not None:
            renderer.close()
    if render:
        render_documents(processes=processes, progress=advance, at=now)
        report.rendered = rendered
        report.render_seconds = time.perf_counter() - started
    if send:
        report.mail = send_pending_mail(retry_delay_s=retry_delay_s, at=now)
    BillingRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        invoices_issued=Invoice.objects.filter(run=run).count(),
        skipped="\n".join(f"{name} : {reason}" for name, reason in report.skipped),
    )
    return report


def _issue_all(
    *,
    customer_ids: list[int],
    period: Month,
    as_of: date,
    terms: Terms,
    run: BillingRun,
    usage_by_line: Mapping[str, Any],
    calls_by_line: Mapping[str, list[rules.CallDetail]],
    cancelled: Mapping[int, list[Any]],
    retroactive_ids: set[int],
    retro_minutes: Mapping[str, int] | None,
    report: RunReport,
    renderer: _Renderer | None,
    progress: Progress | None,
    at: datetime,
) -> None:
    """One monthly invoice per customer, each in its own transaction (R-INV-6)."""
    now = at
    for done, customer_id in enumerate(customer_ids, start=1):
        customer = customer_selectors.get_customer(customer_id)
        if selectors.monthly_invoice_of(customer, period=period) is not None:
            report.already_issued += 1
        else:
            try:
                invoice = issue_monthly_invoice(
                    customer=customer,
                    period=period,
                    issue_date=as_of,
                    terms=terms,
                    run=run,
                    usage_by_line=usage_by_line,
                    calls_by_line=calls_by_line,
                    cancelled=cancelled.get(customer_id, []),
                    retroactive=customer_id in retroactive_ids,
                    retro_minutes=retro_minutes,
                    at=now,
                )
            except UnableToBill as error:
                if selectors.monthly_invoice_of(customer, period=period) is not None:
                    report.already_issued += 1  # issued meanwhile by a concurrent run
                else:
                    report.skipped.append((str(customer), error.reason))
            else:
                report.issued.append(invoice.number)
                report.total_excl_vat += invoice.total_excl_vat
                report.total_incl_vat += invoice.total_incl_vat
                if renderer is not None:
                    renderer.submit(invoice)
        if progress is not None:
            progress("issue", done, len(customer_ids))


# --- R-SIP-6: the per-customer overage choice ---------------------------------------------


def record_overage_choice(
    *,
    customer: Any,
    policy: OveragePolicy,
    by: Any,
    reason: str = "",
    at: datetime | None = None,
) -> OverageChoice:
    """R-SIP-6: a staff member decides how the customer's breached trunks are billed from now
    on: beyond the limit only (the default) or retroactively the whole month. Dated and
    attributed; the monthly run bills with the decision in force when it runs."""
    if not (getattr(by, "is_authenticated", False) and by.is_staff):
        raise UnableToBill("Ce choix revient à un membre du personnel de SYRES.")
    if selectors.overage_policy_of(customer) is policy:
        raise UnableToBill(f"Ce client est déjà facturé ainsi : {policy.label}.")
    return OverageChoice.objects.create(
        customer=customer,
        policy=policy.value,
        decided_at=at or timezone.now(),
        decided_by=by,
        reason=reason,
    )


# --- R-INV-5: unusual consumption ---------------------------------------------------------


@dataclass
class UnusualReport:
    """What `detect_unusual_consumption` did: the customers checked, the invoices issued (one
    per customer flagged), those flagged earlier, those skipped and why."""

    period: str
    checked: int = 0
    issued: list[str] = field(default_factory=list)
    already_flagged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def detect_unusual_consumption(
    *,
    period: Month,
    as_of: date,
    terms: Terms | None = None,
    at: datetime | None = None,
) -> UnusualReport:
    """R-INV-5: compare each customer's rated usage of `period` so far (the usage aggregates,
    with its R-SIP-6 choice) with the average usage of its previous billed months; when
    `is_unusual_consumption` says so, issue an intermediate invoice payable on receipt for the
    usage so far. Once per customer and period (a rerun issues nothing new); the monthly
    invoice of the period then bills only the rest."""
    terms = terms or load_terms()
    now = at or timezone.now()
    if not period.first_day <= as_of:
        raise UnableToBill(f"{rules.month_label(month=period)} n'a pas commencé.")
    report = UnusualReport(period=str(period))
    usage_by_line = {m.line.identifier: m for m in usage_selectors.line_months(period=str(period))}
    if not usage_by_line:
        return report
    calls_by_line = _calls_by_line(period)
    retroactive_ids = selectors.retroactive_customer_ids(at=now)
    retro_minutes = (
        usage_selectors.retroactive_minutes(period=str(period)) if retroactive_ids else None
    )
    coming = period.next().next().first_day
    vat_rate = terms.invoicing.vat_rate_on(day=as_of)
    for customer_id in sorted(
        contract_selectors.customer_ids_with_services(start=period.first_day, end=coming)
    ):
        customer = customer_selectors.get_customer(customer_id)
        report.checked += 1
        if selectors.unusual_consumption_of(customer, period=period) is not None:
            report.already_flagged += 1
            continue
        if selectors.monthly_invoice_of(customer, period=period) is not None:
            continue  # the month is billed: nothing left for an intermediate invoice
        usage, calls = _customer_usage(
            customer,
            period=period,
            services=contract_selectors.services_to_bill(customer),
            usage_by_line=usage_by_line,
            calls_by_line=calls_by_line,
            retroactive=customer_id in retroactive_ids,
            retro_minutes=retro_minutes,
        )
        month_amount = sum((aggregate.amount for aggregate in usage), ZERO)
        history = selectors.usage_billed_by_month_of(customer, before=period)
        if not rules.is_unusual_consumption(
            month_amount=month_amount, previous_months=list(history.values()), terms=terms
        ):
            continue
        try:
            invoice = _issue_unusual(
                customer=customer,
                period=period,
                as_of=as_of,
                usage=usage,
                calls=calls,
                month_amount=month_amount,
                history=history,
                vat_rate=vat_rate,
                terms=terms,
                at=now,
            )
        except UnableToBill as error:
            if selectors.unusual_consumption_of(customer, period=period) is not None:
                report.already_flagged += 1  # flagged meanwhile by a concurrent run
            else:
                report.skipped.append((str(customer), error.reason))
        else:
            report.issued.append(invoice.number)
    return report


def _issue_unusual(
    *,
    customer: Any,
    period: Month,
    as_of: date,
    usage: Sequence[rules.UsageAggregate],
    calls: Sequence[rules.CallDetail],
    month_amount: Decimal,
    history: Mapping[Month, Decimal],
    vat_rate: Decimal,
    terms: Terms,
    at: datetime,
) -> Invoice:
    """The intermediate invoice of an unusual month and its `UnusualConsumption` record, in
    one transaction: the unique (customer, period) key refuses a second one."""
    billed: dict[str, dict[str, dict[str, Any]]] = {}
    lines = []
    for aggregate in usage:
        try:
            line = rules.usage_line(aggregate=aggregate, vat_rate=vat_rate)
        except rules.UnableToBuildLine as error:
            raise UnableToBill(error.reason) from error
        if line is None:
            continue
        lines.append(line)
        billed.setdefault(aggregate.service_ref, {})[aggregate.kind.value] = {
            "amount": str(line.amount),
            "units": aggregate.billable_units,
        }
    average = sum(history.values(), ZERO) / len(history) if history else ZERO
    try:
        with transaction.atomic():
            invoice = _issue_intermediate(
                customer=customer,
                issue_date=as_of,
                reason=rules.IntermediateReason.UNUSUAL_CONSUMPTION,
                lines=lines,
                terms=terms,
                at=at,
                source=f"unusual:{period}",
                period=str(period),
                calls=calls,
            )
            UnusualConsumption.objects.create(
                customer=customer,
                period=str(period),
                detected_on=as_of,
                month_amount=quantize_eur(month_amount),
                average=quantize_eur(average),
                months=len(history),
                invoice=invoice,
                billed=billed,
            )
    except IntegrityError as error:
        raise UnableToBill(f"consommation inhabituelle de {period} déjà facturée") from error
    return invoice
