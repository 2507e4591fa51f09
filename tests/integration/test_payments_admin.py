"""The staff screens of payments: forms go through the services and show their refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from syres.payments import selectors
from tests.integration.customers_fixtures import PDF, at, company
from tests.integration.payments_fixtures import invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(admin_user: Any) -> Any:
    return company(admin_user, when=at(2025, 12, 1))


def test_every_payments_screen_opens(admin_client: Client) -> None:
    for url in (
        "/admin/payments/payment/",
        "/admin/payments/payment/impayes/",
        "/admin/payments/payment/enregistrer/",
        "/admin/payments/payment/releve/",
        "/admin/payments/payment/prelevements/",
        "/admin/payments/payment/contestation/",
        "/admin/payments/payment/pause/",
        "/admin/payments/payment/suspension/",
        "/admin/payments/dispute/",
        "/admin/payments/networkaction/?a_faire=oui",
        "/admin/payments/statementline/?a_traiter=oui",
        "/admin/payments/statementimport/",
        "/admin/payments/sepabatch/",
        "/admin/payments/dunningstep/",
        "/admin/payments/latecharge/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_staff_record_a_cheque_and_see_the_overdue_list_by_age(
    admin_client: Client, customer: Any
) -> None:
    """R-PAY-1, R-PAY-3: a partial cheque; the rest is listed in its age bucket."""
    late = invoice(customer, "500.00", issue_date=date(2026, 9, 1))

    response = admin_client.post(
        "/admin/payments/payment/enregistrer/",
        {
            "customer": customer.pk,
            "method": "cheque",
            "amount": "100.00",
            "received_on": "02/10/2026",
            "reference": "Chèque 0012345",
        },
    )

    assert response.status_code == 302, response.content
    assert selectors.open_amount(late) == Decimal("500.00")
    page = admin_client.get("/admin/payments/payment/impayes/?au=2027-01-15").text
    assert late.number in page
    assert "&gt; 90 jours : 500,00" in page
    assert "31–60 jours : 0,00" in page


def test_a_refused_payment_shows_the_reason(admin_client: Client, customer: Any) -> None:
    response = admin_client.post(
        "/admin/payments/payment/enregistrer/",
        {
            "customer": customer.pk,
            "method": "transfer",
            "amount": "100.00",
            "received_on": "02/10/2026",
            "target_invoice": "FA-999999",
        },
    )
    assert response.status_code == 200
    assert "FA-999999 n&#x27;est pas une facture ouverte" in response.text


def test_staff_open_and_decide_a_dispute(admin_client: Client, customer: Any) -> None:
    """R-PAY-2: opened with its file, rejected with a reason: due at once."""
    contested = invoice(customer, "500.00", issue_date=date(2026, 9, 1))
    opened = admin_client.post(
        "/admin/payments/payment/contestation/",
        {
            "invoice": contested.number,
            "contested_amount": "120.00",
            "grounds": "Ligne résiliée facturée",
            "opened_on": "15/09/2026",
            "supporting_file": SimpleUploadedFile("preuve.pdf", PDF),
        },
    )
    assert opened.status_code == 302, opened.content
    (dispute,) = selectors.disputes_to_decide()
    decided = admin_client.post(
        f"/admin/payments/dispute/{dispute.pk}/decider/",
        {"decision": "reject", "reason": "Ligne active ce mois-là", "decided_on": "20/09/2026"},
    )
    assert decided.status_code == 302, decided.content
    dispute.refresh_from_db()
    assert dispute.due_on == date(2026, 10, 1)
