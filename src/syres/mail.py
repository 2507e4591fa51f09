"""Sending the e-mails of syres (invoices, maintenance notices, dunning letters) through
Django's backend (SMTP, configured by `SYRES_SMTP_*`), and the bookkeeping they share.

A temporary failure (connection refused, 4xx reply) is retried with a growing delay; a
permanent one (5xx) is not. `send_with_retries` never raises for a delivery failure: it says
what happened, so that a batch goes on and records it. That a message is never sent twice is
the caller's bookkeeping: a row claimed by a conditional update before the send
(`unclaimed_or_stale`), the sending recorded after it.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q

logger = logging.getLogger("syres.mail")

DEFAULT_ATTEMPTS = 3


@dataclass(frozen=True)
class Delivery:
    """What happened: `sent`, after how many `attempts`, the last `error` ('' once sent)."""

    sent: bool
    attempts: int
    error: str = ""


def error_text(error: BaseException, *, limit: int = 300) -> str:
    """An error as it is recorded beside the row it concerns."""
    return f"{type(error).__name__}: {error}"[:limit]


def unclaimed_or_stale(claim_field: str, *, at: datetime) -> Q:
    """The rows whose sending nobody holds at `at`: never claimed, or claimed more than
    `settings.MAIL_CLAIM_STALE_AFTER_S` before by a sender that died between its claim and
    the end of its send (longer than any send with its retries takes)."""
    stale = at - timedelta(seconds=settings.MAIL_CLAIM_STALE_AFTER_S)
    return Q(**{f"{claim_field}__isnull": True}) | Q(**{f"{claim_field}__lt": stale})


def _permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def send_with_retries(
    message: EmailMessage,
    *,
    what: str,
    attempts: int = DEFAULT_ATTEMPTS,
    retry_delay_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send `message`, a new connection per attempt; retry temporary failures after
    `retry_delay_s` × the attempt (`settings.MAIL_RETRY_DELAY_S` by default). `what` names the
    message in the log (`invoice F2026-000123`)."""
    delay_s = settings.MAIL_RETRY_DELAY_S if retry_delay_s is None else retry_delay_s
    recipients = ", ".join(message.recipients())
    error = ""
    for attempt in range(1, attempts + 1):
        try:
            with get_connection(fail_silently=False) as connection:
                connection.send_messages([message])
        except (smtplib.SMTPException, OSError) as failure:
            error = error_text(failure, limit=2000)
            permanent = _permanent(failure)
            logger.warning(
                "%s to %s: attempt %d/%d failed (%s)%s",
                what,
                recipients,
                attempt,
                attempts,
                error,
                ", permanent: not retried" if permanent else "",
            )
            if permanent:
                return Delivery(sent=False, attempts=attempt, error=error)
            if attempt < attempts:
                sleep(delay_s * attempt)
            continue
        logger.info("%s sent to %s (attempt %d)", what, recipients, attempt)
        return Delivery(sent=True, attempts=attempt)
    logger.error("%s to %s: not sent after %d attempts", what, recipients, attempts)
    return Delivery(sent=False, attempts=attempts, error=error)
