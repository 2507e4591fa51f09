"""A month billed end to end from a delivered order: every kind of document the system issues
passes the official Factur-X validators, and each is e-mailed once with its PDF (R-INV-1,
R-INV-4, R-ORD-2, R-INV-5, R-INV-3)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import facturx
import pytest
from django.utils import timezone

from syres.billing import selectors, services
from syres.billing.mail import MailOutcome
from syres.billing.models import MailOutbox, OutboxState
from syres.contracts import selectors as contract_selectors
from syres.contracts import services as contract_services
from syres.domain import billing as rules
from syres.domain.periods import Month
from syres.equipment import services as equipment_services
from syres.orders import selectors as order_selectors
from syres.orders import services as order_services
from syres.orders.services import QuoteLineRequest as Line
from syres.terms import load_terms
from syres.usage import selectors as usage_selectors
from tests.conftest import REPO_ROOT
from tests.integration.customers_fixtures import at, staff_user
from tests.integration.orders_fixtures import accepted_customer, catalog, quote, site
from tests.support.smtp import SmtpServer, smtp_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

VALIDATOR = REPO_ROOT / "tests" / "support" / "facturx_validator.py"
DECEMBER = Month(2026, 12)
AS_OF = date(2027, 1, 4)


def _delivered_customer(sales: Any) -> Any:
    """FTTO, 3 SEWAN channels on +33565123400, a router sold: ordered 5 Oct, delivered 8 Dec."""
    customer = accepted_customer(sales)
    headquarters = site(customer, sales)
    offer = quote(
        customer,
        sales,
        Line("FTTO-100M", site_id=headquarters.pk, negotiated_monthly_price=Decimal("350.00")),
        Line("TRUNK-SEWAN", quantity=3, site_id=headquarters.pk),
        Line("EQ-ROUTER", equipment_mode="sold", site_id=headquarters.pk),
    )
    order = order_services.place_order(
        quote_id=offer.pk, received_date=date(2026, 10, 5), by=sales, at=at(2026, 10, 5)
    )
    order_services.record_deposit_paid(order_id=order.pk, paid_on=date(2026, 10, 5), by=sales)
    order_services.schedule_intervention(
        order_id=order.pk, intervention_date=date(2026, 12, 7), by=sales, at=at(2026, 10, 6)
    )
    order_services.record_modem_site(
        order_id=order.pk,
        humidity_percent=40,
        temperature_celsius=19,
        checked_positions=[1, 2, 3, 4],
        by=sales,
    )
    order_services.start_work(order_id=order.pk, by=sales, at=at(2026, 12, 7))
    ftto, trunk, router = order_selectors.order_lines_of(order_id=order.pk)
    delivered_on = date(2026, 12, 8)
    order_services.deliver_line(line_id=ftto.pk, delivered_on=delivered_on, by=sales)
    order_services.deliver_line(
        line_id=trunk.pk, delivered_on=delivered_on, line_numbers=["+33565123400"], by=sales
    )
    order_services.deliver_line(
        line_id=router.pk,
        delivered_on=delivered_on,
        serial_numbers=["R500-0001"],
        by=sales,
        at=at(2026, 12, 8),
    )
    contract_services.take_over_delivered_services(customer_id=customer.pk, at=at(2026, 12, 9))
    equipment_services.take_over_delivered_equipment(customer_id=customer.pk, at=at(2026, 12, 9))
    return customer


@pytest.fixture
def billed(smtp_server: SmtpServer) -> dict[str, Any]:  # noqa: F811
    catalog()
    sales = staff_user("sales")
    customer = _delivered_customer(sales)
    report = services.run_billing(period=DECEMBER, as_of=AS_OF, retry_delay_s=0)
    invoices = {invoice.kind: invoice for invoice in selectors.invoices_of(customer)}
    monthly = invoices["monthly"]
    issue_day = date(2027, 1, 5)
    vat = load_terms().invoicing.vat_rate_on(day=issue_day)
    with _on_commit():
        invoices["credit_note"] = services.issue_credit_note(
            invoice=monthly,
            issue_date=issue_day,
            reason="Geste commercial sur l'abonnement de janvier",
            lines=[
                rules.one_off_line(
                    label="Remise commerciale",
                    category=rules.LineCategory.OTHER,
                    unit_price=Decimal("25.00"),
                    vat_rate=vat,
                )
            ],
        )
        invoices["intermediate"] = services.issue_intermediate_invoice(
            customer=customer,
            issue_date=issue_day,
            reason=rules.IntermediateReason.PAYMENT_INCIDENT,
            lines=[
                rules.one_off_line(
                    label="Frais de rejet de prélèvement",
                    category=rules.LineCategory.OTHER,
                    unit_price=Decimal("15.00"),
                    vat_rate=vat,
                )
            ],
            by=sales,
        )
    return {"customer": customer, "report": report, "invoices": invoices, "smtp": smtp_server}


class _on_commit:
    """Run the after-commit deliveries of the services (tests run inside a transaction)."""

    def __enter__(self) -> None:
        from django.test import TestCase

        self._context = TestCase.captureOnCommitCallbacks(execute=True)
        self._context.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(*exc)


def test_the_run_issues_the_deposit_the_balance_and_the_monthly_invoice(
    billed: dict[str, Any],
) -> None:
    invoices = billed["invoices"]
    assert set(invoices) == {"deposit", "balance", "monthly", "credit_note", "intermediate"}
    balance = invoices["balance"]
    assert balance.referenced_invoice == invoices["deposit"]
    assert balance.prepaid_amount == invoices["deposit"].total_incl_vat
    assert selectors.document_of(balance).business_process == "M4"
    monthly_lines = list(selectors.lines_of(invoices["monthly"]))
    assert {line.category for line in monthly_lines} == {"subscription"}
    assert any("prorata 24/31 jours" in line.label for line in monthly_lines)


def test_the_trunk_delivered_is_a_rated_line_with_its_channels(billed: dict[str, Any]) -> None:
    """The contract service owns platform and channels; its usage line follows (R-SIP-8)."""
    (trunk,) = [
        service
        for service in contract_selectors.live_services_of(billed["customer"])
        if service.kind == "sip_trunk"
    ]
    assert trunk.phone_number == "+33565123400"
    lines = usage_selectors.lines_frame().filter(line="+33565123400")
    assert lines.rows() == [("+33565123400", "sewan", 3)]


def test_every_kind_issued_passes_the_official_validators_with_zero_failures(
    billed: dict[str, Any], tmp_path: Path
) -> None:
    """R-INV-4: XSD, EN 16931 schematron and French CTC rules on the XML embedded in each PDF."""
    files = {}
    for kind, invoice in billed["invoices"].items():
        _, embedded = facturx.get_xml_from_pdf(selectors.invoice_pdf(invoice), check_xsd=False)
        assert embedded == selectors.invoice_xml(invoice)
        files[kind] = tmp_path / f"{kind}.xml"
        files[kind].write_bytes(embedded)
    out = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, str(VALIDATOR), str(out), *map(str, files.values())],
        check=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    for kind, path in files.items():
        assert (kind, report[str(path)]) == (kind, {"xsd": [], "en16931": [], "fr_ctc": []})


def test_each_document_is_emailed_once_with_its_pdf(billed: dict[str, Any]) -> None:
    """R-INV-1: sent after commit to the billing address; a second run sends nothing."""
    smtp = billed["smtp"]
    services.run_billing(period=DECEMBER, as_of=AS_OF, retry_delay_s=0)
    services.send_pending_mail()
    sent = sorted(message["X-Syres-Document"] for message in smtp.handler.messages)
    numbers = sorted(invoice.number for invoice in billed["invoices"].values())
    assert sent == numbers
    for message in smtp.handler.messages:
        invoice = selectors.invoice_by_number(message["X-Syres-Document"])
        (attachment,) = [
            part for part in message.walk() if part.get_content_disposition() == "attachment"
        ]
        assert attachment.get_payload(decode=True) == selectors.invoice_pdf(invoice)
        mail = selectors.mail_of(invoice)
        assert (mail.state, mail.attempts) == ("sent", 1)  # type: ignore[union-attr]
    assert smtp.handler.recipients[0] == [billed["customer"].billing_email]


def test_a_failed_email_is_recorded_and_sent_by_a_later_run(billed: dict[str, Any]) -> None:
    smtp = billed["smtp"]
    customer = billed["customer"]
    smtp.handler.temporary_failures = 10
    with _on_commit():
        invoice = services.issue_intermediate_invoice(
            customer=customer,
            issue_date=date(2027, 1, 6),
            reason=rules.IntermediateReason.INSOLVENCY,
            lines=[
                rules.one_off_line(
                    label="Abonnements échus",
                    category=rules.LineCategory.OTHER,
                    unit_price=Decimal("100.00"),
                    vat_rate=load_terms().invoicing.vat_rate_on(day=date(2027, 1, 6)),
                )
            ],
            by=staff_user("facturation"),
        )
    mail = selectors.mail_of(invoice)
    assert (mail.state, mail.attempts) == ("failed", 1)  # type: ignore[union-attr]
    assert "451" in mail.last_error  # type: ignore[union-attr]
    smtp.handler.temporary_failures = 0
    assert services.send_pending_mail(retry_delay_s=0).sent == 1
    assert services.send_pending_mail(retry_delay_s=0).sent == 0


def _all_mail_pending(smtp: SmtpServer) -> list[str]:
    """Every document's e-mail back to pending, the server's inbox empty; their numbers."""
    MailOutbox.objects.update(state=OutboxState.PENDING, claimed_at=None, sent_at=None, attempts=0)
    smtp.handler.messages.clear()
    return sorted(MailOutbox.objects.values_list("invoice__number", flat=True))


def test_a_mail_that_fails_otherwise_than_by_the_server_is_retried_and_the_rest_sent(
    billed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-INV-1: an unexpected failure (here while writing one mail) leaves no mail claimed
    for good: it is recorded, the other documents still go, a later run sends it."""
    smtp = billed["smtp"]
    numbers = _all_mail_pending(smtp)
    real = services.send_invoice_email

    def failing(*, document: Any, **options: Any) -> Any:
        if document.number == numbers[0]:
            raise RuntimeError("rendu impossible")
        return real(document=document, **options)

    monkeypatch.setattr(services, "send_invoice_email", failing)
    report = services.send_pending_mail(retry_delay_s=0)
    assert (report.sent, report.failed) == (len(numbers) - 1, 1)
    mail = MailOutbox.objects.get(invoice__number=numbers[0])
    assert (mail.state, mail.claimed_at, mail.attempts) == (OutboxState.FAILED, None, 1)
    assert "rendu impossible" in mail.last_error
    monkeypatch.undo()
    assert services.send_pending_mail(retry_delay_s=0).sent == 1
    assert sorted(m["X-Syres-Document"] for m in smtp.handler.messages) == numbers


def test_a_claim_left_by_a_dead_sender_is_taken_again_after_15_minutes(
    billed: dict[str, Any],
) -> None:
    """R-INV-1: a sender that died after its claim does not hold the mail for ever; a claim of a
    minute ago is a sender at work, left alone (never twice)."""
    smtp = billed["smtp"]
    numbers = _all_mail_pending(smtp)
    now = timezone.now()
    MailOutbox.objects.filter(invoice__number=numbers[0]).update(
        claimed_at=now - timedelta(minutes=16)
    )
    MailOutbox.objects.filter(invoice__number=numbers[1]).update(
        claimed_at=now - timedelta(minutes=1)
    )
    assert services.send_pending_mail(retry_delay_s=0, at=now).sent == len(numbers) - 1
    sent = sorted(m["X-Syres-Document"] for m in smtp.handler.messages)
    assert sent == [n for n in numbers if n != numbers[1]]


def test_a_sender_whose_claim_was_taken_again_leaves_the_other_senders_claim_alone(
    billed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-INV-1: a sender slow enough for its claim to be taken again records nothing over the
    sender that took it: the failure it met does not release that sender's claim (a third
    sender would then send the mail twice)."""
    smtp = billed["smtp"]
    numbers = _all_mail_pending(smtp)
    taken_at = timezone.now() + timedelta(minutes=20)

    def slow_and_refused(*, document: Any, **_options: Any) -> Any:
        MailOutbox.objects.filter(invoice__number=document.number).update(claimed_at=taken_at)
        return MailOutcome(document.number, "", sent=False, attempts=1, error="451 plus tard")

    monkeypatch.setattr(services, "send_invoice_email", slow_and_refused)
    services.send_pending_mail(retry_delay_s=0)

    mails = MailOutbox.objects.filter(invoice__number__in=numbers)
    assert {(m.claimed_at, m.state, m.attempts) for m in mails} == {
        (taken_at, OutboxState.PENDING, 0)
    }
