"""Demo step: payments (R-PAY-1..3) on the invoices the billing step issued — a transfer and a
cheque, a SEPA batch for the customers paying by direct debit, one dispute open, and the
dunning of the day (its e-mails left for the next real run). Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from syres.domain.money import CENT, format_eur
from syres.domain.periods import PARIS
from syres.payments import selectors, services
from syres.terms import load_terms

DEMO_REFERENCE = "Démo"
# A one-page PDF, the supporting file of the demo dispute.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _payments(*, invoices: list[Any], today: date, by: Any, echo: Callable[[str], None]) -> None:
    customers = {invoice.customer_id: invoice.customer for invoice in invoices}
    if any(
        selectors.payments_of(customer).filter(reference__startswith=DEMO_REFERENCE).exists()
        for customer in customers.values()
    ):
        return
    paying = [i for i in invoices if i.customer.payment_method != "sepa_debit"]
    for invoice, method, share in zip(
        paying[:2], ("transfer", "cheque"), (Decimal("0.5"), Decimal(1)), strict=False
    ):
        amount = (selectors.open_amount(invoice) * share).quantize(CENT)
        services.record_payment(
            customer=invoice.customer,
            method=method,
            amount=amount,
            received_on=today,
            reference=f"{DEMO_REFERENCE} : {invoice.number}",
            target_invoice=invoice.number,
            by=by,
        )
        echo(f"Paiement démo : {format_eur(amount)} sur {invoice.number}.")


def _sepa_batch(*, invoices: list[Any], today: date, by: Any, echo: Callable[[str], None]) -> None:
    if selectors.sepa_batches().exists():
        return
    debited = [i for i in invoices if i.customer.payment_method == "sepa_debit"]
    if not debited:
        return
    notice = load_terms().payments.sepa_prenotification_days
    collection = max(
        today + timedelta(days=2),
        min(selectors.due_date_of(i) for i in debited),
        min(i.issue_date for i in debited) + timedelta(days=notice),
    )
    try:
        batch = services.create_sepa_batch(collection_date=collection, by=by)
    except services.UnableToRecordPayment as error:
        echo(f"Lot de prélèvements démo non créé : {error.reason}")
        return
    echo(f"Lot de prélèvements démo : {batch.count} prélèvement(s) au {collection:%d/%m/%Y}.")


def _dispute(*, invoices: list[Any], today: date, by: Any, echo: Callable[[str], None]) -> None:
    if selectors.disputes_to_decide().exists():
        return
    window = load_terms().disputes.window_days
    recent = [i for i in invoices if today <= i.issue_date + timedelta(days=window)]
    for invoice in reversed(recent):
        owed = selectors.open_amount(invoice)
        if owed <= 0:
            continue
        contested = (owed / 4).quantize(CENT)
        try:
            services.open_dispute(
                invoice=invoice,
                contested_amount=contested,
                grounds="Communications vers l'international contestées (démo)",
                files=[("releve-appels.pdf", DEMO_PDF)],
                opened_on=max(today, invoice.issue_date),
                by=by,
            )
        except services.UnableToRecordPayment as error:
            echo(f"Contestation démo non ouverte : {error.reason}")
            return
        echo(f"Contestation démo : {format_eur(contested)} sur {invoice.number}.")
        return


def load_payments_demo(*, by: Any, echo: Callable[[str], None]) -> None:
    today = datetime.now(tz=PARIS).date()
    invoices = sorted(
        selectors.unpaid_invoices(), key=lambda i: (selectors.due_date_of(i), i.number)
    )
    if not invoices:
        echo("Paiements démo : aucune facture à encaisser.")
        return
    _payments(invoices=invoices, today=today, by=by, echo=echo)
    _sepa_batch(invoices=invoices, today=today, by=by, echo=echo)
    _dispute(invoices=invoices, today=today, by=by, echo=echo)
    report = services.run_dunning(as_of=today, send_emails=False)
    overdue = selectors.overdue_invoices(as_of=today)
    echo(
        f"Relances du {today:%d/%m/%Y} : {len(report.steps)} étape(s) ; "
        f"{len(overdue)} facture(s) échue(s) impayée(s)."
    )
