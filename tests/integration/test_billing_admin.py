"""Staff screens of billing: runs, invoices, PDF/XML downloads, run and credit-note actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from syres.billing import selectors
from syres.contracts import services as contract_services
from syres.domain.periods import Month
from tests.integration.customers_fixtures import company

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(admin_user: Any) -> Any:
    customer = company(admin_user)
    contract_services.record_delivered_service(
        customer=customer,
        kind="internet_access",
        product_code="FTTH-1G",
        label="Fibre FTTH 1 Gb/s",
        monthly_fee=Decimal("49.00"),
        delivery_date=date(2026, 10, 12),
        commitment_months=12,
    )
    return customer


def test_staff_bill_a_month_from_the_back_office_and_open_the_invoice(
    admin_client: Client, customer: Any
) -> None:
    """R-INV-1: the button runs the period; the invoice opens with its PDF and XML."""
    form = admin_client.get(reverse("admin:billing_billingrun_run"))
    assert form.status_code == 200
    response = admin_client.post(
        reverse("admin:billing_billingrun_run"), {"period": "2026-10", "as_of": "2026-11-03"}
    )
    assert response.status_code == 302
    runs = admin_client.get(reverse("admin:billing_billingrun_changelist"))
    assert "2026-10" in runs.content.decode()
    invoice = selectors.monthly_invoice_of(customer, period=Month(2026, 10))
    assert invoice is not None
    listing = admin_client.get(reverse("admin:billing_invoice_changelist"))
    assert invoice.number in listing.content.decode()
    detail = admin_client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    assert "prorata 20/31 jours" in detail.content.decode()
    pdf = admin_client.get(reverse("admin:billing_invoice_pdf", args=[invoice.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == selectors.invoice_pdf(invoice)
    xml = admin_client.get(reverse("admin:billing_invoice_xml", args=[invoice.pk]))
    assert invoice.number.encode() in xml.content


def test_a_period_not_over_is_refused_with_the_reason(admin_client: Client, customer: Any) -> None:
    response = admin_client.post(
        reverse("admin:billing_billingrun_run"), {"period": "2026-10", "as_of": "2026-10-30"}
    )
    assert response.status_code == 200
    assert "une fois le mois écoulé" in response.content.decode()


def test_staff_issue_a_credit_note_from_the_invoice(admin_client: Client, customer: Any) -> None:
    """R-INV-3: the credit note references the invoice; nothing of the invoice changes."""
    admin_client.post(
        reverse("admin:billing_billingrun_run"), {"period": "2026-10", "as_of": "2026-11-03"}
    )
    invoice = selectors.monthly_invoice_of(customer, period=Month(2026, 10))
    assert invoice is not None
    chosen = admin_client.post(
        reverse("admin:billing_invoice_changelist"),
        {"action": "credit_in_full", "_selected_action": [invoice.pk]},
    )
    assert chosen.status_code == 302
    response = admin_client.post(chosen["Location"], {"reason": "Erreur de tarif"})
    assert response.status_code == 302
    (note,) = [item for item in selectors.invoices_of(customer) if item.kind == "credit_note"]
    assert (note.referenced_number, note.total_incl_vat) == (
        invoice.number,
        invoice.total_incl_vat,
    )


def test_nobody_edits_or_deletes_an_invoice_in_the_back_office(
    admin_client: Client, customer: Any
) -> None:
    admin_client.post(
        reverse("admin:billing_billingrun_run"), {"period": "2026-10", "as_of": "2026-11-03"}
    )
    invoice = selectors.monthly_invoice_of(customer, period=Month(2026, 10))
    assert invoice is not None
    delete = admin_client.get(reverse("admin:billing_invoice_delete", args=[invoice.pk]))
    assert delete.status_code == 403
    add = admin_client.get(reverse("admin:billing_invoice_add"))
    assert add.status_code == 403
