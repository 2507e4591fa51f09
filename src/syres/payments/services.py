"""Writes on payments (SPEC §7): invoices, payments and their allocation, statement imports,
SEPA batches, disputes, dunning, suspensions and their network actions (R-PAY-1..4).

The rules live in `syres.domain.payments`; these functions fetch, call them and record the
outcome, each in one transaction. Suspensions and terminations are recorded by the contracts
app's services (one source of truth); payments keeps the network actions staff carry out and
which invoices a non-payment suspension was for.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from syres.accounts.selectors import NOT_IDENTIFIED_STAFF, is_identified_staff
from syres.billing import services as billing_services
from syres.contracts import selectors as contract_selectors
from syres.contracts import services as contract_services
from syres.customers import selectors as customer_selectors
from syres.customers import services as customer_services
from syres.domain import billing as billing_rules
from syres.domain.customers import sniff_content_type
from syres.domain.money import ZERO, format_eur, quantize_eur
from syres.domain.payments import allocation as allocation_rules
from syres.domain.payments import disputes as dispute_rules
from syres.domain.payments import dunning as dunning_rules
from syres.domain.payments import penalties as penalty_rules
from syres.domain.payments import suspensions as suspension_rules
from syres.domain.payments.sepa import earliest_collection_date, sequence_type
from syres.domain.payments.statements import (
    BankStatement,
    InvoiceToMatch,
    LineKind,
    MatchedLine,
    match_statement,
)
from syres.domain.periods import PARIS
from syres.domain.terms import Terms
from syres.mail import error_text
from syres.payments import selectors
from syres.payments.models import (
    ActionKind,
    Allocation,
    Dispute,
    DisputeFile,
    DisputeStatus,
    DunningPause,
    DunningStep,
    LateCharge,
    LateChargeKind,
    NetworkAction,
    Payment,
    PaymentIncident,
    PaymentMethod,
    SepaBatch,
    SepaDebit,
    StatementImport,
    StatementLine,
)
from syres.payments.sepa import (
    DEFAULT_SCHEMA,
    DirectDebit,
    Pain008Schema,
    UnableToBuildDirectDebitBatch,
    build_direct_debit_batch,
)
from syres.payments.statements import UnableToReadStatement, parse_statement
from syres.terms import load_terms

logger = logging.getLogger(__name__)

AUTOMATION_USERNAME = "syres-recouvrement"


class UnableToRecordPayment(Exception):
    """A payment write refused; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnableToImportStatement(UnableToRecordPayment):
    """A statement file refused whole (malformed, or already imported)."""


class UnableToCreateBatch(UnableToRecordPayment):
    pass


class UnableToHandleDispute(UnableToRecordPayment):
    pass


class UnableToDun(UnableToRecordPayment):
    pass


def _now(at: datetime | None) -> datetime:
    return at if at is not None else timezone.now()


def _today(at: datetime) -> date:
    return at.astimezone(PARIS).date()


def _staff(by: Any, error: type[UnableToRecordPayment] = UnableToRecordPayment) -> Any:
    if not is_identified_staff(by):
        raise error(NOT_IDENTIFIED_STAFF)
    return by


def automation_user() -> Any:
    """The staff account the daily dunning acts as (suspensions and terminations are
    attributed to it); created once, with no usable password."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=AUTOMATION_USERNAME,
        defaults={"is_staff": True, "is_active": True, "first_name": "Recouvrement automatique"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# --- payments and allocation (R-PAY-1) ---------------------------------------------------------


def _allocate(payment: Payment, *, target_invoice: str | None) -> list[Any]:
    invoices = {r.number: r for r in selectors.open_invoices_of(payment.customer)}
    try:
        result = allocation_rules.allocate_payment(
            amount=payment.amount,
            open_invoices=[selectors.as_open_invoice(invoice) for invoice in invoices.values()],
            target_invoice=target_invoice,
        )
    except allocation_rules.UnableToAllocatePayment as error:
        raise UnableToRecordPayment(str(error)) from error
    for share in result.allocations:
        Allocation.objects.create(
            payment=payment, invoice=invoices[share.invoice_number], amount=share.amount
        )
    payment.credit = result.credit
    payment.save(update_fields=["credit"])
    return [invoices[share.invoice_number] for share in result.allocations]


@transaction.atomic
def record_payment(
    *,
    customer: Any,
    method: str,
    amount: Decimal,
    received_on: date,
    by: Any,
    reference: str = "",
    target_invoice: str | None = None,
    at: datetime | None = None,
) -> Payment:
    """Record a transfer, a cheque or an administrative mandate received by staff (R-PAY-1) and
    allocate it: the invoice it names first, then the oldest due; partial payments allowed; the
    rest kept as credit. Settling a late invoice records its penalty and indemnity (R-PAY-3);
    paying in full lifts a non-payment suspension (a *resume* action)."""
    _staff(by)
    now = _now(at)
    if method not in PaymentMethod.values:
        raise UnableToRecordPayment(f"Mode de paiement inconnu : {method}.")
    if received_on > _today(now):
        raise UnableToRecordPayment("La date de réception ne peut être future.")
    try:
        allocation_rules.allocate_payment(amount=amount, open_invoices=())
    except allocation_rules.UnableToAllocatePayment as error:
        raise UnableToRecordPayment(str(error)) from error
    # Two payments of one customer allocated at once would both see the same invoices open:
    # the customer's row is locked first, before anything is written.
    customer_services.lock_customer(customer)
    payment = Payment.objects.create(
        customer=customer,
        method=method,
        amount=amount,
        received_on=received_on,
        reference=reference.strip(),
        recorded_at=now,
        recorded_by=by,
    )
    paid = _allocate(payment, target_invoice=target_invoice)
    _after_payment(customer, paid, paid_on=received_on, by=by, at=now)
    return payment


def _after_payment(
    customer: Any, invoices: Sequence[Any], *, paid_on: date, by: Any, at: datetime
) -> None:
    for invoice in invoices:
        _record_late_charges_if_settled(invoice, paid_on=paid_on)
    resume_after_payment(customer=customer, by=by, at=at)


def _record_late_charges_if_settled(invoice: Any, *, paid_on: date) -> None:
    """Once a late invoice is paid, its penalty up to the payment and the indemnity are due."""
    if selectors.open_amount(invoice) > ZERO or paid_on <= selectors.due_date_of(invoice):
        return
    if not selectors.bears_late_charges(invoice):
        return
    if LateCharge.objects.filter(invoice=invoice).filter(kind=LateChargeKind.PENALTY).exists():
        return
    record_late_charges(invoice=invoice, as_of=paid_on)


def record_late_charges(
    *, invoice: Any, as_of: date, terms: Terms | None = None
) -> list[LateCharge]:
    """Compute the late-payment penalty up to `as_of` and the recovery indemnity of a late
    invoice with the domain (L441-10, D441-5; R-PAY-3) and record them for billing to invoice.
    Each is recorded once per invoice; an invoice of late charges bears none."""
    if not selectors.bears_late_charges(invoice):
        return []
    terms = terms or load_terms()
    payments = [
        penalty_rules.LatePayment(paid_on=a.payment.received_on, amount=a.amount)
        for a in selectors.live_allocations_of(invoice).select_related("payment")
    ]
    claimable = invoice.amount_due - selectors.credited_amount(invoice)
    penalty = penalty_rules.late_payment_penalty(
        amount_due=claimable,
        due_date=selectors.due_date_of(invoice),
        payments=payments,
        as_of=as_of,
        terms=terms,
    )
    created = []
    if penalty.amount > ZERO:
        charge, made = LateCharge.objects.get_or_create(
            invoice=invoice,
            kind=LateChargeKind.PENALTY,
            defaults={
                "amount": penalty.amount,
                "days_late": penalty.days_late,
                "computed_on": as_of,
            },
        )
        if made:
            created.append(charge)
    already = (
        {invoice.number}
        if LateCharge.objects.filter(invoice=invoice, kind=LateChargeKind.INDEMNITY).exists()
        else set()
    )
    for indemnity in penalty_rules.recovery_indemnities(
        late_invoice_numbers=[invoice.number], already_charged=already, terms=terms
    ):
        created.append(
            LateCharge.objects.create(
                invoice=invoice,
                kind=LateChargeKind.INDEMNITY,
                amount=indemnity.amount,
                computed_on=as_of,
            )
        )
    return created


@transaction.atomic
def mark_late_charge_invoiced(*, charge: LateCharge, invoice_number: str, at: datetime) -> None:
    """Billing records the invoice that carried a penalty or an indemnity."""
    charge = LateCharge.objects.select_for_update().get(pk=charge.pk)
    if charge.invoiced_at is not None:
        raise UnableToRecordPayment("Ce montant est déjà facturé.")
    charge.billed_number = invoice_number
    charge.invoiced_at = at
    charge.save(update_fields=["billed_number", "invoiced_at"])


UnableToBill = billing_services.UnableToBill


def _late_charge_for_billing(charge: LateCharge) -> billing_rules.LateCharge:
    number = charge.invoice.number
    if charge.kind == LateChargeKind.PENALTY:
        label = f"Pénalités de retard — facture {number} ({charge.days_late} jours de retard)"
        detail = "art. L441-10 du Code de commerce"
    else:
        label = f"Indemnité forfaitaire pour frais de recouvrement — facture {number}"
        detail = "art. D441-5 du Code de commerce"
    return billing_rules.LateCharge(
        late_invoice_number=number, label=label, amount=charge.amount, detail=detail
    )


def invoice_late_charges(
    *, customer: Any, as_of: date, terms: Terms | None = None, at: datetime | None = None
) -> Any | None:
    """Invoice a customer's pending penalties and indemnities (R-PAY-3, L441-10, D441-5) on one
    late-charges invoice dated `as_of` (billing's `issue_late_charges_invoice`: category O,
    payable on receipt) and mark them invoiced in the same transaction. One invoice per
    customer and date: a rerun, or nothing pending, issues nothing (returns None)."""
    at = at or timezone.now()
    with transaction.atomic():
        pending = list(
            LateCharge.objects.select_for_update()
            .filter(invoice__customer=customer, invoiced_at__isnull=True)
            .select_related("invoice")
            .order_by("invoice__number", "-kind")  # the penalty, then the indemnity
        )
        if not pending:
            return None
        issued = billing_services.issue_late_charges_invoice(
            customer=customer,
            issue_date=as_of,
            charges=[_late_charge_for_billing(charge) for charge in pending],
            terms=terms,
            at=at,
        )
        if issued is None:
            return None
        for charge in pending:
            mark_late_charge_invoiced(charge=charge, invoice_number=issued.number, at=at)
    return issued


def invoice_all_late_charges(
    *, as_of: date, terms: Terms | None = None, at: datetime | None = None
) -> tuple[list[Any], list[str]]:
    """`invoice_late_charges` for every customer with pending charges: the invoices issued and
    the refusals (customer and reason), one customer's refusal never stopping the others."""
    terms = terms or load_terms()
    customer_ids = sorted(
        set(selectors.late_charges_to_invoice().values_list("invoice__customer", flat=True))
    )
    issued, refused = [], []
    for customer_id in customer_ids:
        customer = customer_selectors.get_customer(customer_id)
        try:
            invoice = invoice_late_charges(customer=customer, as_of=as_of, terms=terms, at=at)
        except UnableToBill as error:
            logger.warning("late charges of %s not invoiced: %s", customer, error.reason)
            refused.append(f"{customer} : {error.reason}")
            continue
        if invoice is not None:
            issued.append(invoice)
    return issued, refused


# --- bank statements (R-PAY-1) -----------------------------------------------------------------


@dataclass
class ImportReport:
    statements: list[StatementImport] = field(default_factory=list)
    matched: int = 0
    leftovers: list[StatementLine] = field(default_factory=list)
    incidents: list[PaymentIncident] = field(default_factory=list)


def _invoices_to_match() -> tuple[list[InvoiceToMatch], dict[str, Any]]:
    """The invoices a statement line may name: every unpaid one, and those a live direct debit
    paid (a return may come for them)."""
    chosen = {invoice.pk: invoice for invoice in selectors.unpaid_invoices()}
    for invoice in selectors.invoices_paid_by_live_debits():
        chosen.setdefault(invoice.pk, invoice)
    result = []
    for invoice in sorted(chosen.values(), key=lambda i: (selectors.due_date_of(i), i.number)):
        owed = selectors.open_amount(invoice)
        result.append(
            InvoiceToMatch(
                number=invoice.number,
                invoice_date=invoice.issue_date,
                due_date=selectors.due_date_of(invoice),
                total=invoice.amount_due - selectors.credited_amount(invoice),
                open_amount=owed,
            )
        )
    return result, {invoice.number: invoice for invoice in chosen.values()}


@transaction.atomic
def import_statement(
    *, data: bytes, file_name: str, by: Any | None = None, at: datetime | None = None
) -> ImportReport:
    """Import a camt.053 / camt.054 file (R-PAY-1): money received pays the invoices it names
    (else the one open invoice of that amount), returned debits re-open what they paid and are
    payment incidents, the rest is listed for staff. A malformed file, or one holding a
    statement already imported, is refused whole with the reason; nothing is half-imported."""
    now = _now(at)
    try:
        statements = parse_statement(data, source=file_name)
    except UnableToReadStatement as error:
        raise UnableToImportStatement(f"Relevé refusé : {error}") from error
    for statement in statements:
        known = StatementImport.objects.filter(identifier=statement.identifier).first()
        if known is not None:
            raise UnableToImportStatement(
                f"Relevé refusé : le relevé {statement.statement_id} du compte "
                f"{statement.account_iban} a déjà été importé le "
                f"{known.imported_at.astimezone(PARIS):%d/%m/%Y à %H:%M} ({known.file_name})."
            )
    report = ImportReport()
    for statement in statements:
        _import_one(statement, file_name=file_name, by=by, at=now, report=report)
    return report


def _import_one(
    statement: BankStatement, *, file_name: str, by: Any | None, at: datetime, report: ImportReport
) -> None:
    candidates, by_number = _invoices_to_match()
    match = match_statement(statement=statement, invoices=candidates)
    record = StatementImport.objects.create(
        identifier=statement.identifier,
        message_type=statement.message_type,
        file_name=file_name[:255],
        account_iban=statement.account_iban,
        statement_id=statement.statement_id,
        line_count=len(statement.lines),
        matched_count=0,
        imported_at=at,
        imported_by=by,
    )
    report.statements.append(record)
    # The match was made before any lock: a payment recorded meanwhile may have paid the same
    # invoices. The customers the statement pays are locked now (as `record_payment` locks
    # its customer), in one order so that two imports at once queue rather than deadlock, and
    # `_apply_matched` checks each share against what is still owed.
    paying = {
        invoice.customer.pk: invoice.customer
        for matched in match.matched
        for invoice in (by_number[number] for number in matched.invoice_numbers)
    }
    for pk in sorted(paying):
        customer_services.lock_customer(paying[pk])
    outcome: dict[str, MatchedLine | str] = {m.line.line_ref: m for m in match.matched}
    outcome.update({u.line.line_ref: u.reason for u in match.unmatched})
    paid: dict[int, tuple[Any, list[Any]]] = {}
    for line in statement.lines:
        result = outcome[line.line_ref]
        if isinstance(result, MatchedLine):
            named = [by_number[number] for number in result.invoice_numbers]
            refused = _apply_matched(result, named, record=record, by=by, at=at, report=report)
            if refused is None:
                customer = named[0].customer
                paid.setdefault(customer.pk, (customer, []))[1].extend(named)
                continue
            result = refused
        report.leftovers.append(_store_line(record, line, matched=False, note=result))
    record.matched_count = len(statement.lines) - len(
        [left for left in report.leftovers if left.statement_id == record.pk]
    )
    record.save(update_fields=["matched_count"])
    report.matched += record.matched_count
    actor = by or automation_user()
    for customer, invoices in paid.values():
        _after_payment(customer, invoices, paid_on=statement_day(statement), by=actor, at=at)


def statement_day(statement: BankStatement) -> date:
    """The day money on a statement counts as paid: its latest booking date."""
    return max((line.booking_date for line in statement.lines), default=statement.created_at.date())


def _store_line(record: StatementImport, line: Any, *, matched: bool, note: str) -> StatementLine:
    return StatementLine.objects.create(
        statement=record,
        line_ref=line.line_ref,
        kind=line.kind.value,
        direction=line.direction,
        amount=line.amount,
        booking_date=line.booking_date,
        end_to_end_id=line.end_to_end_id or "",
        remittance=line.remittance,
        counterparty=(line.counterparty_name or "")[:200],
        return_reason_code=line.return_reason_code or "",
        matched=matched,
        note=note[:300],
    )


def _apply_matched(
    matched: MatchedLine,
    invoices: list[Any],
    *,
    record: StatementImport,
    by: Any,
    at: datetime,
    report: ImportReport,
) -> str | None:
    """Record what a matched line means; a reason (str) when it cannot be applied after all."""
    if len({r.customer_id for r in invoices}) != 1:
        return "Le libellé nomme des factures de plusieurs clients"
    customer = invoices[0].customer
    line = matched.line
    if line.kind is LineKind.DEBIT_RETURNED:
        return _apply_return(matched, invoices, record=record, report=report)
    by_number = {r.number: r for r in invoices}
    if matched.allocation is None:  # pragma: no cover - money received carries its allocation
        return "Paiement sans affectation"
    # Under the customer's lock (taken by `_import_one`): a line that no longer fits what is
    # owed is left to staff.
    for share in matched.allocation.allocations:
        if share.amount > selectors.open_amount(by_number[share.invoice_number]):
            return (
                f"Le montant dû sur la facture {share.invoice_number} a changé depuis le"
                " rapprochement (paiement enregistré entre-temps) : à affecter par le personnel"
            )
    stored = _store_line(record, line, matched=True, note=matched.note)
    is_debit = line.kind is LineKind.DEBIT_COLLECTED
    debit = None
    if is_debit:
        debit = SepaDebit.objects.filter(
            invoice__in=invoices, returned=False, payment__isnull=True
        ).first()
    payment = Payment.objects.create(
        customer=customer,
        method=PaymentMethod.SEPA_DEBIT if is_debit else PaymentMethod.TRANSFER,
        amount=line.amount,
        received_on=line.booking_date,
        reference=(line.end_to_end_id or line.remittance)[:140],
        statement_line=stored,
        debit=debit,
        recorded_at=at,
        recorded_by=by,
    )
    for share in matched.allocation.allocations:
        Allocation.objects.create(
            payment=payment, invoice=by_number[share.invoice_number], amount=share.amount
        )
    payment.credit = matched.allocation.credit
    payment.save(update_fields=["credit"])
    return None


def _apply_return(
    matched: MatchedLine,
    invoices: list[Any],
    *,
    record: StatementImport,
    report: ImportReport,
) -> str | None:
    line = matched.line
    payment = (
        Payment.objects.filter(
            method=PaymentMethod.SEPA_DEBIT,
            returned_on__isnull=True,
            allocations__invoice__in=invoices,
            allocations__reversed_on__isnull=True,
        )
        .distinct()
        .order_by("-received_on", "-pk")
        .first()
    )
    if payment is None:
        return "Rejet d'un prélèvement dont l'encaissement n'est pas enregistré"
    allocations = list(payment.allocations.filter(reversed_on__isnull=True))
    try:
        rejected = allocation_rules.reverse_rejected_debit(
            debit_amount=payment.amount,
            allocations=[
                allocation_rules.Allocation(a.invoice.number, a.amount) for a in allocations
            ],
            returned_amount=line.amount,
            reason_code=line.return_reason_code or "MS03",
            returned_on=line.booking_date,
        )
    except allocation_rules.UnableToReverseDebit as error:
        return str(error)
    _store_line(record, line, matched=True, note=matched.note)
    for allocation in allocations:
        allocation.reversed_on = line.booking_date
        allocation.save(update_fields=["reversed_on"])
    payment.returned_on = line.booking_date
    payment.save(update_fields=["returned_on"])
    if payment.debit_id is not None:
        SepaDebit.objects.filter(pk=payment.debit_id).update(returned=True)
    incident = rejected.incident
    report.incidents.append(
        PaymentIncident.objects.create(
            customer=payment.customer,
            payment=payment,
            occurred_on=incident.occurred_on,
            amount=incident.amount,
            reason_code=incident.reason_code,
            reason=incident.reason[:200],
            invoice_numbers=", ".join(incident.invoice_numbers)[:400],
        )
    )
    return None


@transaction.atomic
def invoice_payment_incident(
    *,
    incident: PaymentIncident,
    lines: Sequence[billing_rules.InvoiceLine],
    issue_date: date,
    by: Any,
    at: datetime | None = None,
) -> Any:
    """A payment incident allows an intermediate invoice, payable on receipt (R-INV-5, CGV
    art. 7): staff say what it bills; billing issues it (`issue_intermediate_invoice`, reason
    `payment_incident`) and its number is kept on the incident, once."""
    _staff(by)
    incident = PaymentIncident.objects.select_for_update().get(pk=incident.pk)
    if incident.intermediate_invoice_number:
        raise UnableToRecordPayment(
            f"Cet incident a déjà donné lieu à la facture {incident.intermediate_invoice_number}."
        )
    try:
        invoice = billing_services.issue_intermediate_invoice(
            customer=incident.customer,
            issue_date=issue_date,
            reason=billing_rules.IntermediateReason.PAYMENT_INCIDENT,
            lines=lines,
            by=by,
            at=at,
        )
    except billing_services.UnableToBill as error:
        raise UnableToRecordPayment(str(error)) from error
    incident.intermediate_invoice_number = invoice.number
    incident.save(update_fields=["intermediate_invoice_number"])
    return invoice


@transaction.atomic
def settle_leftover(*, line: StatementLine, note: str, by: Any, at: datetime | None = None) -> None:
    """Staff mark a leftover line as dealt with (recorded by hand, refunded…), with a note."""
    _staff(by)
    line = StatementLine.objects.select_for_update().get(pk=line.pk)
    if line.matched or line.settled_at is not None:
        raise UnableToRecordPayment("Cette ligne est déjà rapprochée ou traitée.")
    if not note.strip():
        raise UnableToRecordPayment("Indiquez ce qui a été fait de cette ligne.")
    line.settled_at = _now(at)
    line.settled_by = by
    line.note = f"{line.note} — {note.strip()}"[:300]
    line.save(update_fields=["settled_at", "settled_by", "note"])


# --- SEPA batches (R-PAY-1) --------------------------------------------------------------------


@transaction.atomic
def create_sepa_batch(
    *,
    collection_date: date,
    by: Any,
    scheme: str = "CORE",
    schema: Pain008Schema = DEFAULT_SCHEMA,
    terms: Terms | None = None,
    at: datetime | None = None,
) -> SepaBatch:
    """Collect by direct debit the open invoices, due by `collection_date`, of the customers
    paying by SEPA debit with a mandate in force, leaving each its pre-notification period (the
    invoice is the pre-notification) and the bank its lead time (R-PAY-1). The pain.008 file is
    written and XSD-validated by `syres.payments.sepa`; the batch and its debits are recorded.
    Invoices already in a live debit are left out; the batch is refused when none is due."""
    _staff(by, UnableToCreateBatch)
    terms = terms or load_terms()
    now = _now(at)
    submitted_on = _today(now)
    if scheme not in ("CORE", "B2B"):
        raise UnableToCreateBatch(f"Schéma SEPA inconnu : {scheme}.")
    debits: list[tuple[Any, DirectDebit, str]] = []
    done: dict[str, int] = {}
    in_debit = set(SepaDebit.objects.filter(returned=False).values_list("invoice_id", flat=True))
    # Unpaid invoices due by the collection date (billing's overdue the day after).
    due = selectors.billing_overdue(as_of=collection_date + timedelta(days=1))
    for invoice in sorted(due, key=lambda i: (i.customer_id, selectors.due_date_of(i), i.number)):
        if invoice.pk in in_debit:
            continue
        customer = invoice.customer
        if not customer_selectors.pays_by_direct_debit(customer):
            continue
        mandate = customer_selectors.active_sepa_mandate(customer)
        amount = selectors.dunnable_amount(invoice)
        if mandate is None or amount <= ZERO:
            continue
        earliest = earliest_collection_date(
            scheme=scheme,  # type: ignore[arg-type]
            prenotified_on=invoice.issue_date,
            submitted_on=submitted_on,
            terms=terms,
        )
        if collection_date < earliest:
            continue
        if mandate.reference not in done:
            done[mandate.reference] = SepaDebit.objects.filter(
                mandate_reference=mandate.reference, returned=False
            ).count()
        sequence = sequence_type(
            recurrent_mandate=True, collections_done=done[mandate.reference], last=False
        )
        done[mandate.reference] += 1
        debits.append(
            (
                invoice,
                DirectDebit(
                    end_to_end_id=invoice.number,
                    amount=amount,
                    debtor_name=customer.bank_account_holder or str(customer),
                    debtor_iban=mandate.iban,
                    debtor_bic=mandate.bic or None,
                    mandate_reference=mandate.reference,
                    mandate_signed_on=mandate.signature_date,
                    sequence_type=sequence,
                    remittance=f"Facture {invoice.number}",
                    prenotified_on=invoice.issue_date,
                ),
                mandate.reference,
            )
        )
    if not debits:
        raise UnableToCreateBatch(
            f"Aucune facture à prélever pour le {collection_date:%d/%m/%Y} (mandat en vigueur, "
            f"échue, préavis de {terms.payments.sepa_prenotification_days} jours respecté)."
        )
    try:
        built = build_direct_debit_batch(
            scheme=scheme,  # type: ignore[arg-type]
            debits=[debit for _, debit, _ in debits],
            collection_date=collection_date,
            submitted_on=submitted_on,
            terms=terms,
            schema=schema,
        )
    except UnableToBuildDirectDebitBatch as error:
        raise UnableToCreateBatch(str(error)) from error
    batch = SepaBatch.objects.create(
        message_id=built.message_id,
        scheme=built.scheme,
        schema=built.schema,
        collection_date=built.collection_date,
        submitted_on=submitted_on,
        count=built.count,
        control_sum=built.control_sum,
        xml=built.xml,
        created_at=now,
        created_by=by,
    )
    for invoice, debit, reference in debits:
        SepaDebit.objects.create(
            batch=batch,
            invoice=invoice,
            amount=debit.amount,
            mandate_reference=reference,
            sequence_type=debit.sequence_type,
        )
    return batch


# --- disputes (R-PAY-2) ------------------------------------------------------------------------


def _domain_dispute(dispute: Dispute) -> dispute_rules.Dispute:
    return dispute_rules.Dispute(
        invoice_number=dispute.invoice.number,
        contested_amount=dispute.contested_amount,
        grounds=dispute.grounds,
        supporting_files=tuple(dispute.files.values_list("original_name", flat=True)),
        opened_on=dispute.opened_on,
        opened_by=dispute.opened_by.get_username(),
        status=dispute_rules.DisputeStatus(dispute.status),
    )


@transaction.atomic
def open_dispute(
    *,
    invoice: Any,
    contested_amount: Decimal,
    grounds: str,
    files: Sequence[tuple[str, bytes]],
    opened_on: date,
    by: Any,
    terms: Terms | None = None,
) -> Dispute:
    """Open a dispute on an invoice within the window, deadline inclusive (R-PAY-2): the
    contested amount is held out of dunning, the rest stays due. The supporting files are
    checked like the subscription pieces (type read from the bytes, size within the terms).
    Staff opens it, or the customer itself from the portal (one of its own active users)."""
    own_user = (
        getattr(by, "is_authenticated", False)
        and by.is_active
        and getattr(by, "customer_id", None) == invoice.customer_id
    )
    if not own_user:
        _staff(by, UnableToHandleDispute)
    terms = terms or load_terms()
    policy = terms.subscription
    for name, content in files:
        if not content:
            raise UnableToHandleDispute(f"Le justificatif « {name} » est vide.")
        if len(content) > policy.upload_max_bytes:
            raise UnableToHandleDispute(
                f"Le justificatif « {name} » fait {len(content)} octets ; la taille maximale "
                f"est {policy.upload_max_bytes} octets."
            )
        kind = sniff_content_type(head=content[:16])
        if kind is None or kind not in policy.upload_content_types:
            raise UnableToHandleDispute(
                f"Justificatif « {name} » refusé ({kind or 'type inconnu'}) ; types acceptés : "
                f"{', '.join(policy.upload_content_types)}."
            )
    # The customer, then the invoice's open disputes, are locked: two disputes (the first
    # ones of an invoice included) cannot both take the same rest.
    customer_services.lock_customer(invoice.customer)
    others = [
        _domain_dispute(d)
        for d in Dispute.objects.select_for_update().filter(
            invoice=invoice, status=DisputeStatus.OPEN
        )
    ]
    try:
        decided = dispute_rules.open_dispute(
            invoice_number=invoice.number,
            invoice_date=invoice.issue_date,
            open_amount=selectors.open_amount(invoice),
            contested_amount=contested_amount,
            grounds=grounds,
            supporting_files=[name for name, _ in files],
            opened_on=opened_on,
            opened_by=by.get_username(),
            open_disputes=others,
            terms=terms,
        )
    except dispute_rules.UnableToOpenDispute as error:
        raise UnableToHandleDispute(str(error)) from error
    dispute = Dispute.objects.create(
        invoice=invoice,
        contested_amount=decided.contested_amount,
        grounds=decided.grounds,
        opened_on=opened_on,
        opened_by=by,
    )
    for name, content in files:
        DisputeFile.objects.create(
            dispute=dispute,
            upload=ContentFile(
                content, name=get_valid_filename(name.rsplit("/", 1)[-1]) or "piece"
            ),
            original_name=name[:255],
            content_type=sniff_content_type(head=content[:16]) or "",
            size=len(content),
        )
    return dispute


def _credit_note_lines(dispute: Dispute) -> list[billing_rules.InvoiceLine] | None:
    """The credit note of an accepted dispute: the whole invoice when all of it is contested
    and nothing was credited yet; else one line whose amount incl. VAT is the contested amount
    (excl. VAT at the invoice's rate, rounded half-up to the cent: the credit note may differ
    from the contested amount by a cent, and says so)."""
    invoice = dispute.invoice
    if dispute.contested_amount == invoice.total_incl_vat and not selectors.credited_amount(
        invoice
    ):
        return None
    rate = load_terms().invoicing.vat_rate_on(day=invoice.issue_date)
    return [
        billing_rules.one_off_line(
            label=f"Contestation de la facture {invoice.number} acceptée",
            category=billing_rules.LineCategory.OTHER,
            unit_price=quantize_eur(dispute.contested_amount / (1 + rate)),
            vat_rate=rate,
            detail=dispute.grounds[:200],
        )
    ]


def _locked_open(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update().select_related("invoice").get(pk=dispute.pk)


@transaction.atomic
def accept_dispute(*, dispute: Dispute, decided_on: date, reason: str, by: Any) -> Dispute:
    """SYRES agrees: billing issues a credit note of the contested amount, which is then no
    longer owed (R-PAY-2)."""
    _staff(by, UnableToHandleDispute)
    dispute = _locked_open(dispute)
    try:
        decided = dispute_rules.accept_dispute(
            _domain_dispute(dispute),
            decided_on=decided_on,
            decided_by=by.get_username(),
            reason=reason,
        ).dispute
    except dispute_rules.UnableToDecideDispute as error:
        raise UnableToHandleDispute(str(error)) from error
    try:
        note = billing_services.issue_credit_note(
            invoice=dispute.invoice,
            issue_date=decided_on,
            reason=f"Contestation acceptée : {decided.decision_reason}",
            lines=_credit_note_lines(dispute),
        )
    except billing_services.UnableToBill as error:
        raise UnableToHandleDispute(str(error)) from error
    dispute.status = DisputeStatus.ACCEPTED
    dispute.decided_on = decided_on
    dispute.decided_by = by
    dispute.decision_reason = decided.decision_reason or ""
    dispute.credit_note_number = note.number
    dispute.save(
        update_fields=[
            "status",
            "decided_on",
            "decided_by",
            "decision_reason",
            "credit_note_number",
        ]
    )
    resume_after_payment(customer=dispute.invoice.customer, by=by)
    return dispute


@transaction.atomic
def reject_dispute(*, dispute: Dispute, decided_on: date, reason: str, by: Any) -> Dispute:
    """SYRES rejects: the contested amount is due at once (R-PAY-2) and dunned again."""
    _staff(by, UnableToHandleDispute)
    dispute = _locked_open(dispute)
    try:
        decided = dispute_rules.reject_dispute(
            _domain_dispute(dispute),
            invoice_due_date=selectors.due_date_of(dispute.invoice),
            decided_on=decided_on,
            decided_by=by.get_username(),
            reason=reason,
        )
    except dispute_rules.UnableToDecideDispute as error:
        raise UnableToHandleDispute(str(error)) from error
    dispute.status = DisputeStatus.REJECTED
    dispute.decided_on = decided_on
    dispute.decided_by = by
    dispute.decision_reason = decided.dispute.decision_reason or ""
    dispute.due_on = decided.due_on
    dispute.save(update_fields=["status", "decided_on", "decided_by", "decision_reason", "due_on"])
    return dispute


# --- suspensions and network actions (R-PAY-3, R-PAY-4) ----------------------------------------


def _service_label(service: Any) -> str:
    number = f" {service.phone_number}" if service.phone_number else ""
    return f"{service.label}{number} (n° {service.pk})"


def _suspend(
    *,
    customer: Any,
    suspension: suspension_rules.Suspension,
    start_at: datetime,
    by: Any,
    customer_notice: str = "",
    planned_end_at: datetime | None = None,
) -> NetworkAction | None:
    ids = []
    suspension_ids = []
    labels = []
    for ref in suspension.service_refs:
        service = contract_selectors.get_service(int(ref))
        if service.state == "terminated":
            continue
        try:
            recorded = contract_services.suspend_service(
                service=service,
                reason=suspension.reason.value,
                start_at=start_at,
                by=by,
                customer_notice=customer_notice,
                planned_end_at=planned_end_at,
            )
        except contract_services.UnableToChangeContract as error:
            raise UnableToRecordPayment(error.reason) from error
        ids.append(service.pk)
        suspension_ids.append(recorded.pk)
        labels.append(_service_label(service))
    if not ids:
        return None
    return NetworkAction.objects.create(
        customer=customer,
        kind=ActionKind.SUSPEND,
        reason=suspension.reason.value,
        services="; ".join(labels)[:500],
        service_ids=ids,
        suspension_ids=suspension_ids,
        invoice_numbers=list(suspension.invoice_numbers),
        on=_today(start_at),
        created_at=start_at,
    )


@transaction.atomic
def suspend_services(
    *,
    customer: Any,
    service_ids: Sequence[int],
    reason: str,
    note: str,
    by: Any,
    start_at: datetime | None = None,
    customer_notice: str = "",
    planned_end_at: datetime | None = None,
) -> NetworkAction:
    """Suspend services for a reason of CGV art. 15 other than non-payment (R-PAY-4):
    non-compliant use, substantial increase of communications, breach, maintenance (with its
    planned end and the notice the contracts app e-mails to the customer). The contracts app
    records the suspension; a *suspend* action is listed for staff."""
    _staff(by)
    start = _now(start_at)
    try:
        why = suspension_rules.SuspensionReason(reason)
    except ValueError as error:
        raise UnableToRecordPayment(f"Motif de suspension inconnu : {reason}.") from error
    if why is suspension_rules.SuspensionReason.NON_PAYMENT:
        raise UnableToRecordPayment("La suspension pour impayé relève des relances.")
    live = {s.pk for s in contract_selectors.live_services_of(customer)}
    if not set(service_ids) <= live:
        raise UnableToRecordPayment("Un des services n'est pas un service en cours du client.")
    try:
        suspension, _ = suspension_rules.suspend(
            reason=why,
            scope=suspension_rules.SuspensionScope.SERVICE,
            service_refs=[str(i) for i in service_ids],
            start_date=_today(start),
            decided_by=by.get_username(),
            note=note,
        )
    except suspension_rules.UnableToSuspend as error:
        raise UnableToRecordPayment(str(error)) from error
    action = _suspend(
        customer=customer,
        suspension=suspension,
        start_at=start,
        by=by,
        customer_notice=customer_notice,
        planned_end_at=planned_end_at,
    )
    if action is None:
        raise UnableToRecordPayment("Aucun service à suspendre.")
    return action


def _lift(action: NetworkAction, *, by: Any, at: datetime) -> NetworkAction | None:
    """Lift the contracts suspensions of a *suspend* action; the *resume* action names the
    services no other suspension still holds."""
    resumed: list[Any] = []
    for suspension_id, service_id in zip(action.suspension_ids, action.service_ids, strict=True):
        service = contract_selectors.get_service(service_id)
        suspension = contract_selectors.suspensions_of(service).get(pk=suspension_id)
        if suspension.end_at is None:
            end_at = max(at, suspension.start_at + timedelta(seconds=1))
            contract_services.lift_suspension(suspension=suspension, end_at=end_at, by=by)
        service = contract_selectors.get_service(service_id)
        if service.state == "active":
            resumed.append(service)
    action.lifted = True
    action.save(update_fields=["lifted"])
    if not resumed:
        return None
    return NetworkAction.objects.create(
        customer=action.customer,
        kind=ActionKind.RESUME,
        reason=action.reason,
        services="; ".join(_service_label(s) for s in resumed)[:500],
        service_ids=[s.pk for s in resumed],
        invoice_numbers=action.invoice_numbers,
        on=_today(at),
        created_at=at,
    )


@transaction.atomic
def lift_suspension(
    *, action: NetworkAction, by: Any, at: datetime | None = None
) -> NetworkAction | None:
    """Staff lift a suspension (maintenance over, breach remedied…; R-PAY-4)."""
    _staff(by)
    action = NetworkAction.objects.select_for_update().get(pk=action.pk)
    if action.kind != ActionKind.SUSPEND or action.lifted:
        raise UnableToRecordPayment("Cette suspension est déjà levée.")
    return _lift(action, by=by, at=_now(at))


def resume_after_payment(
    *, customer: Any, by: Any, at: datetime | None = None
) -> list[NetworkAction]:
    """Payment in full lifts a non-payment suspension (R-PAY-3): `resume_after_payment` of the
    domain decides which; the contracts app lifts them and *resume* actions are listed."""
    now = _now(at)
    actions = list(
        NetworkAction.objects.filter(
            customer=customer,
            kind=ActionKind.SUSPEND,
            reason=suspension_rules.SuspensionReason.NON_PAYMENT.value,
            lifted=False,
        ).order_by("pk")
    )
    if not actions:
        return []
    numbers = {n for a in actions for n in a.invoice_numbers}
    dunnable = {
        r.number: selectors.dunnable_amount(r)
        for r in (selectors.get_invoice(number) for number in sorted(numbers))
        if r is not None
    }
    by_suspension = {}
    domain = []
    for action in actions:
        suspension = suspension_rules.Suspension(
            reason=suspension_rules.SuspensionReason.NON_PAYMENT,
            scope=suspension_rules.SuspensionScope.SERVICE,
            service_refs=tuple(str(i) for i in action.service_ids),
            start_date=action.on,
            decided_by=AUTOMATION_USERNAME,
            invoice_numbers=tuple(action.invoice_numbers),
        )
        domain.append(suspension)
        by_suspension[id(suspension)] = action
    outcome = suspension_rules.resume_after_payment(
        suspensions=domain,
        dunnable_amounts=dunnable,
        as_of=_today(now),
        ended_by=AUTOMATION_USERNAME,
    )
    ended_keys = {(s.service_refs, s.invoice_numbers, s.start_date) for s in outcome.ended}
    created = []
    for suspension in domain:
        if (
            suspension.service_refs,
            suspension.invoice_numbers,
            suspension.start_date,
        ) in ended_keys:
            resumed = _lift(by_suspension[id(suspension)], by=_staff(by), at=now)
            if resumed is not None:
                created.append(resumed)
    return created


@transaction.atomic
def mark_action_done(*, action: NetworkAction, by: Any, at: datetime | None = None) -> None:
    """Staff confirm an action was carried out on the network."""
    _staff(by)
    action = NetworkAction.objects.select_for_update().get(pk=action.pk)
    if action.done_at is not None:
        raise UnableToRecordPayment("Cette action est déjà faite.")
    action.done_at = _now(at)
    action.done_by = by
    action.save(update_fields=["done_at", "done_by"])


# --- dunning (R-PAY-3) -------------------------------------------------------------------------


@transaction.atomic
def pause_dunning(
    *,
    customer: Any,
    reason: str,
    start_date: date,
    end_date: date | None,
    by: Any,
    at: datetime | None = None,
) -> DunningPause:
    """Staff pause a customer's dunning with a reason (R-PAY-3)."""
    _staff(by, UnableToDun)
    try:
        pause = dunning_rules.pause_dunning(
            reason=reason, start_date=start_date, end_date=end_date, decided_by=by.get_username()
        )
    except dunning_rules.UnableToPauseDunning as error:
        raise UnableToDun(str(error)) from error
    return DunningPause.objects.create(
        customer=customer,
        reason=pause.reason,
        start_date=pause.start_date,
        end_date=pause.end_date,
        decided_by=by,
        decided_at=_now(at),
    )


def _is_paused(customer: Any, as_of: date) -> bool:
    pauses = [
        dunning_rules.DunningPause(
            reason=p.reason, start_date=p.start_date, end_date=p.end_date, decided_by=""
        )
        for p in selectors.pauses_of(customer)
    ]
    return dunning_rules.is_paused(pauses=pauses, as_of=as_of)


@dataclass
class DunningReport:
    as_of: date
    steps: list[DunningStep] = field(default_factory=list)
    emails_sent: int = 0
    email_failures: list[str] = field(default_factory=list)
    actions: list[NetworkAction] = field(default_factory=list)
    terminations: list[str] = field(default_factory=list)
    paused_customers: int = 0
    late_charge_invoices: list[str] = field(default_factory=list)
    late_charge_refusals: list[str] = field(default_factory=list)


def _dunning_email(step: DunningStep) -> EmailMessage:
    invoice = step.invoice
    customer = invoice.customer
    terms = load_terms()
    formal = step.action == "formal_notice"
    subject = (
        f"Mise en demeure — facture {invoice.number}"
        if formal
        else f"{step.label} — facture {invoice.number} impayée"
    )
    body = (
        f"Madame, Monsieur,\n\n"
        f"Sauf erreur de notre part, la facture {invoice.number} du "
        f"{invoice.issue_date:%d/%m/%Y}, échue le {selectors.due_date_of(invoice):%d/%m/%Y}, reste "
        f"impayée à hauteur de {format_eur(step.dunned_amount)}.\n\n"
    )
    if formal:
        body += (
            "Nous vous mettons en demeure de régler cette somme. À défaut, vos services pourront "
            "être suspendus puis le contrat résilié (CGV art. 7, 15 et 16). Des pénalités de "
            "retard et l'indemnité forfaitaire de recouvrement de "
            f"{format_eur(terms.invoicing.recovery_indemnity)} sont dues (art. L441-10 du Code "
            "de commerce).\n\n"
        )
    else:
        body += "Merci de procéder à son règlement dans les meilleurs délais.\n\n"
    body += f"{terms.seller.legal_name}\n"
    return EmailMessage(subject=subject, body=body, to=[customer.billing_email])


def _send_dunning_emails(steps: Sequence[DunningStep], report: DunningReport) -> None:
    pending = [s for s in steps if s.action in ("reminder", "formal_notice")]
    if not pending:
        return
    tried: list[DunningStep] = []
    try:
        with get_connection(fail_silently=False) as connection:
            for step in pending:
                tried.append(step)
                try:
                    connection.send_messages([_dunning_email(step)])
                except (smtplib.SMTPException, OSError) as error:
                    step.email_error = error_text(error)
                    step.save(update_fields=["email_error"])
                    report.email_failures.append(step.invoice.number)
                    continue
                step.email_sent_at = timezone.now()
                step.email_error = ""
                step.save(update_fields=["email_sent_at", "email_error"])
                report.emails_sent += 1
    except (smtplib.SMTPException, OSError) as error:
        # No connection, or it broke: the reminders not tried yet wait for the next run (a
        # failure to close it after the last one changes nothing of those already sent).
        logger.error("dunning e-mails: cannot reach the SMTP server (%s)", error)
        report.email_failures.extend(s.invoice.number for s in pending if s not in tried)


def run_dunning(
    *,
    as_of: date,
    by: Any | None = None,
    terms: Terms | None = None,
    progress: Callable[[int, int], None] | None = None,
    send_emails: bool = True,
) -> DunningReport:
    """Walk the overdue invoices through the schedule of the terms file for `as_of` (R-PAY-3).

    Each step is recorded once per invoice (a second run for the same date finds nothing new):
    reminders and the formal notice are e-mailed (a step whose e-mail failed is retried by the
    next run, never one already sent); the first reminder also records the 40 € indemnity; a
    suspension step suspends the service concerned or all services through the contracts app,
    with a *suspend* action for staff; the last step terminates through the contracts app
    (cause `non_payment`, art. 16). Only the uncontested amount counts (R-PAY-2); a paused
    customer gets no step. With `send_emails=False` (the demo) the e-mails wait for the next
    run."""
    terms = terms or load_terms()
    actor = by or automation_user()
    report = DunningReport(as_of=as_of)
    paused: dict[int, bool] = {}
    overdue_list = selectors.overdue_invoices(as_of=as_of)
    for position, overdue in enumerate(overdue_list, start=1):
        if progress is not None:
            progress(position, len(overdue_list))
        invoice = overdue.invoice
        if not selectors.bears_late_charges(invoice):
            # Collected like any invoice (debits, transfers), but never dunned: see the selector.
            continue
        customer = invoice.customer
        if customer.pk not in paused:
            paused[customer.pk] = _is_paused(customer, as_of)
            report.paused_customers += paused[customer.pk]
        if paused[customer.pk]:
            continue
        plan = dunning_rules.dunning_steps_due(
            due_date=selectors.due_date_of(invoice),
            dunnable_amount=overdue.dunnable_amount,
            done=selectors.dunning_done(invoice),
            as_of=as_of,
            terms=terms,
        )
        for step in plan.due_now:
            try:
                with transaction.atomic():
                    done = _do_step(
                        invoice, step, as_of=as_of, by=actor, terms=terms, report=report
                    )
            except IntegrityError:
                # A concurrent run recorded this step first (unique per invoice and step).
                continue
            report.steps.append(done)
    # The indemnities the reminders just recorded, and the penalties recorded at payment,
    # are invoiced on the run's date (R-PAY-3).
    issued, refused = invoice_all_late_charges(as_of=as_of, terms=terms)
    report.late_charge_invoices = [invoice.number for invoice in issued]
    report.late_charge_refusals = refused
    if not send_emails:
        return report
    unsent = DunningStep.objects.filter(
        action__in=("reminder", "formal_notice"), email_sent_at__isnull=True
    ).select_related("invoice__customer")
    _send_dunning_emails(list(unsent), report)
    return report


def _do_step(
    invoice: Any,
    step: Any,
    *,
    as_of: date,
    by: Any,
    terms: Terms,
    report: DunningReport,
) -> DunningStep:
    record = DunningStep.objects.create(
        invoice=invoice,
        step_key=dunning_rules.step_key(step),
        action=step.action,
        label=step.label,
        done_on=as_of,
        dunned_amount=selectors.dunnable_amount(invoice),
    )
    customer = invoice.customer
    start_at = datetime.combine(as_of, time(8, 0), tzinfo=PARIS)
    if (
        step.action == "reminder"
        and not LateCharge.objects.filter(invoice=invoice)
        .filter(kind=LateChargeKind.INDEMNITY)
        .exists()
    ):
        for indemnity in penalty_rules.recovery_indemnities(
            late_invoice_numbers=[invoice.number], already_charged=(), terms=terms
        ):
            LateCharge.objects.create(
                invoice=invoice,
                kind=LateChargeKind.INDEMNITY,
                amount=indemnity.amount,
                computed_on=as_of,
            )
    if step.action in ("suspend_service", "suspend_all"):
        live = [str(s.pk) for s in contract_selectors.live_services_of(customer)]
        concerned = [str(i) for i in selectors.service_ids_of(invoice) if str(i) in live] or live
        if not live:
            return record
        decided = suspension_rules.suspension_for_step(
            step,
            invoice_number=invoice.number,
            invoice_service_refs=concerned,
            customer_service_refs=live,
            as_of=as_of,
            decided_by=by.get_username(),
        )
        if decided is not None:
            action = _suspend(customer=customer, suspension=decided[0], start_at=start_at, by=by)
            if action is not None:
                report.actions.append(action)
    elif step.action == "terminate":
        contract = contract_selectors.open_contract_of(customer)
        if contract is not None:
            try:
                contract_services.record_syres_termination(
                    contract=contract,
                    cause_code="non_payment",
                    notified_date=as_of,
                    end_date=as_of + timedelta(days=1),
                    by=by,
                    at=start_at,
                )
            except contract_services.UnableToChangeContract as error:
                raise UnableToDun(error.reason) from error
            report.terminations.append(invoice.number)
    return record
