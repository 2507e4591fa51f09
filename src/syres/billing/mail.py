"""E-mail delivery of an invoice with its Factur-X PDF attached (SPEC R-INV-1, CGV art. 7).

Sent through Django's e-mail backend (SMTP, configured by `SYRES_SMTP_*`). A temporary
failure (connection refused, 4xx reply) is retried with a growing delay; a permanent one (5xx)
is not. Every attempt is logged. The function never raises for a delivery failure: it returns
a `MailOutcome` so that a billing run goes on and records what happened. Making sure an invoice
is never sent twice is the caller's bookkeeping (the invoice model records the sending).
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from syres.domain.billing import InvoiceDocument
from syres.domain.money import format_eur

logger = logging.getLogger("syres.billing.mail")

DEFAULT_ATTEMPTS = 3
DEFAULT_RETRY_DELAY_S = 2.0


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


def _permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def send_invoice_email(
    *,
    document: InvoiceDocument,
    pdf: bytes,
    filename: str,
    attempts: int = DEFAULT_ATTEMPTS,
    retry_delay_s: float = DEFAULT_RETRY_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
) -> MailOutcome:
    """Send `document` to the customer's billing address; retry temporary failures."""
    message = invoice_email(document=document, pdf=pdf, filename=filename)
    recipient = document.buyer.billing_email
    message_id = str(message.extra_headers["Message-ID"])
    error = ""
    for attempt in range(1, attempts + 1):
        try:
            with get_connection(fail_silently=False) as connection:
                connection.send_messages([message])
        except (smtplib.SMTPException, OSError) as failure:
            error = f"{type(failure).__name__}: {failure}"
            permanent = _permanent(failure)
            logger.warning(
                "invoice %s to %s: attempt %d/%d failed (%s)%s",
                document.number,
                recipient,
                attempt,
                attempts,
                error,
                ", permanent: not retried" if permanent else "",
            )
            if permanent:
                return MailOutcome(document.number, recipient, False, attempt, message_id, error)
            if attempt < attempts:
                sleep(retry_delay_s * attempt)
            continue
        logger.info("invoice %s sent to %s (attempt %d)", document.number, recipient, attempt)
        return MailOutcome(document.number, recipient, True, attempt, message_id)
    logger.error(
        "invoice %s to %s: not sent after %d attempts", document.number, recipient, attempts
    )
    return MailOutcome(document.number, recipient, False, attempts, message_id, error)
