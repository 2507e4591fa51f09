"""Invoices are e-mailed with their Factur-X PDF, through a real local SMTP server (R-INV-1)."""

from __future__ import annotations

import logging

import pytest

from syres.billing.documents import facturx_pdf
from syres.billing.mail import send_invoice_email
from syres.billing.samples import sample_document
from syres.terms import load_terms
from tests.support.smtp import SmtpServer, smtp_server  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def invoice():  # type: ignore[no-untyped-def]
    document = sample_document(kind="monthly", terms=load_terms(), sequence=11)
    return document, facturx_pdf(document)


def test_the_invoice_arrives_once_with_its_pdf_attached(
    smtp_server: SmtpServer,  # noqa: F811
    invoice,  # type: ignore[no-untyped-def]
) -> None:
    """R-INV-1: emailed to the customer's billing address, PDF attached."""
    document, facturx = invoice
    outcome = send_invoice_email(document=document, pdf=facturx.pdf, filename=facturx.filename)
    assert (outcome.sent, outcome.attempts) == (True, 1)
    (message,) = smtp_server.handler.messages
    assert smtp_server.handler.recipients == [[document.buyer.billing_email]]
    assert message["X-Syres-Document"] == document.number
    assert document.number in message["Subject"]
    attachments = [
        part for part in message.walk() if part.get_content_disposition() == "attachment"
    ]
    (attachment,) = attachments
    assert attachment.get_filename() == f"{document.number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_payload(decode=True) == facturx.pdf


def test_a_temporary_failure_is_retried_and_logged(
    smtp_server: SmtpServer,  # noqa: F811
    invoice,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    document, facturx = invoice
    smtp_server.handler.temporary_failures = 1
    delays: list[float] = []
    with caplog.at_level(logging.INFO, logger="syres.mail"):
        outcome = send_invoice_email(
            document=document, pdf=facturx.pdf, filename=facturx.filename, sleep=delays.append
        )
    assert (outcome.sent, outcome.attempts) == (True, 2)
    assert len(smtp_server.handler.messages) == 1
    assert delays == [2.0]
    assert "attempt 1/3 failed" in caplog.text
    assert f"invoice {document.number} sent" in caplog.text


def test_an_unreachable_server_does_not_raise_and_reports_the_failure(
    smtp_server: SmtpServer,  # noqa: F811
    invoice,  # type: ignore[no-untyped-def]
    settings,  # type: ignore[no-untyped-def]
) -> None:
    """Delivery never blocks the billing run: the failure is returned, not raised."""
    document, facturx = invoice
    settings.EMAIL_PORT = 1  # nothing listens there
    outcome = send_invoice_email(
        document=document, pdf=facturx.pdf, filename=facturx.filename, sleep=lambda _: None
    )
    assert (outcome.sent, outcome.attempts) == (False, 3)
    assert outcome.error
    assert smtp_server.handler.messages == []
