"""E-mail delivery of an invoice with its Factur-X PDF attached (SPEC R-INV-1, CGV art. 7).

Sent by `syres.mail.send_with_retries` (temporary failures retried, permanent ones not, every
attempt logged). It never raises for a delivery failure: it returns a `MailOutcome` so that a
billing run goes on and records what happened. Making sure an invoice is never sent twice is
the caller's bookkeeping (the outbox row is claimed, then records the sending).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from syres.domain.billing import InvoiceDocument
from syres.domain.money import format_eur
from syres.mail import DEFAULT_ATTEMPTS, send_with_retries


@dataclass(frozen=True)
class MailOutcome:
    """What happened: `sent`, after how many `attempts`, the `message_id`, the last `error`."""

    number: str
    recipient: str
    sent: bool
    attempts: int
    message_id: str = ""
    error: str = ""


def invoice_email(*, document: InvoiceDocument, pdf: bytes, filename: str) -> EmailMessage:
    """The message of one invoice, in French, with the PDF attached."""
    seller = document.seller
    what = f"{document.title} n° {document.number}"
    lines = [
        "Bonjour,",
        "",
        f"Veuillez trouver ci-joint votre {document.title.lower()} n° {document.number} "
        f"du {document.issue_date:%d/%m/%Y}, d'un montant de "
        f"{format_eur(document.total_incl_vat)} TTC.",
    ]
    if document.due_date is not None:
        lines.append(f"Date d'échéance : {document.due_date:%d/%m/%Y}.")
    lines += [
        "",
        "Le document joint est une facture électronique Factur-X (PDF/A-3 avec ses données "
        "structurées).",
        "",
        f"{seller.legal_name} — {seller.email} — {seller.phone}",
    ]
    message = EmailMessage(
        subject=f"{seller.legal_name} — {what}",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[document.buyer.billing_email],
        headers={
            "Message-ID": make_msgid(idstring=document.number, domain="syres-telecom.invalid"),
            "X-Syres-Document": document.number,
        },
    )
    message.attach(filename, pdf, "application/pdf")
    return message


def send_invoice_email(
    *,
    document: InvoiceDocument,
    pdf: bytes,
    filename: str,
    attempts: int = DEFAULT_ATTEMPTS,
    retry_delay_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> MailOutcome:
    """Send `document` to the customer's billing address; retry temporary failures."""
    message = invoice_email(document=document, pdf=pdf, filename=filename)
    delivery = send_with_retries(
        message,
        what=f"invoice {document.number}",
        attempts=attempts,
        retry_delay_s=retry_delay_s,
        sleep=sleep,
    )
    return MailOutcome(
        number=document.number,
        recipient=document.buyer.billing_email,
        sent=delivery.sent,
        attempts=delivery.attempts,
        message_id=str(message.extra_headers["Message-ID"]),
        error=delivery.error,
    )
