"""The REST API's resources: customers, sites, services, orders, invoices with their Factur-X
documents, usage import and rated summaries; every list paginated, every error JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from syres.accounts.services import ensure_superuser
from syres.api.scopes import SCOPES
from syres.api.services import create_token
from tests.integration.portal_fixtures import PortalCustomer, two_portal_customers

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
HEADER = "call_id,line,start,duration_s,caller,callee,direction,forwarded\n"


@pytest.fixture
def api(settings: object, tmp_path: Path) -> Client:
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    ensure_superuser(username="erp", password="Olempes-12510-tests")
    token = create_token(username="erp", name="ERP", scopes=list(SCOPES), now=NOW).plaintext
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def alpha() -> PortalCustomer:
    return two_portal_customers()[0]


def test_customers_are_listed_paginated_and_searchable(api: Client, alpha: PortalCustomer) -> None:
    page = api.get("/api/v1/customers", {"limit": 1}).json()
    assert page["count"] == 2
    assert len(page["items"]) == 1
    found = api.get("/api/v1/customers", {"q": "Alpha"}).json()["items"]
    assert [c["name"] for c in found] == ["Fromagerie Alpha"]
    assert found[0]["file_status"] == "draft"


def test_a_customer_its_sites_and_services(api: Client, alpha: PortalCustomer) -> None:
    customer_id = alpha.customer.pk
    assert api.get(f"/api/v1/customers/{customer_id}").json()["siren"] == "542051180"
    sites = api.get(f"/api/v1/customers/{customer_id}/sites").json()["items"]
    assert [s["id"] for s in sites] == [alpha.site_id]
    assert api.get(f"/api/v1/sites/{alpha.site_id}").json()["name"] == "Siège Fromagerie Alpha"
    services = api.get(f"/api/v1/customers/{customer_id}/services").json()["items"]
    assert services[0]["monthly_fee"] == "39.80"
    assert api.get(f"/api/v1/services/{services[0]['id']}").json()["platform"] == "sewan"


def test_an_unknown_id_is_a_json_404_and_a_huge_one_a_422(api: Client) -> None:
    missing = api.get("/api/v1/customers/999999")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "aucun client n° 999999"}
    assert api.get("/api/v1/sites/999999").json() == {"detail": "introuvable"}
    assert api.get("/api/v1/orders/99999999999999").status_code == 422


def test_invoices_with_their_factur_x_pdf_and_xml(api: Client, alpha: PortalCustomer) -> None:
    invoices = api.get("/api/v1/invoices", {"customer_id": alpha.customer.pk}).json()["items"]
    assert [i["id"] for i in invoices] == [alpha.invoice_id]
    assert invoices[0]["kind"] == "deposit"
    pdf = api.get(f"/api/v1/invoices/{alpha.invoice_id}/pdf")
    xml = api.get(f"/api/v1/invoices/{alpha.invoice_id}/xml")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert b"CrossIndustryInvoice" in xml.content


def test_a_usage_file_is_imported_rated_and_summarised_per_line(
    api: Client, alpha: PortalCustomer
) -> None:
    rows = "".join(
        f"c{i},{alpha.line},2026-03-02T09:{i:02d}:00+01:00,61,0565000000,01{i:08d},out,0\n"
        for i in range(10)
    )
    upload = SimpleUploadedFile("calls.csv", (HEADER + rows).encode(), content_type="text/csv")
    report = api.post("/api/v1/usage/imports", {"month": "2026-03", "files": [upload]})
    assert report.status_code == 200, report.content
    assert report.json()["rated"] == 10
    summary = api.get("/api/v1/usage/2026-03/lines", {"customer_id": alpha.customer.pk}).json()[
        "items"
    ]
    assert summary[0]["line"] == alpha.line
    assert summary[0]["outgoing_calls"] == 10
    assert summary[0]["distinct_numbers"] == 10


def test_an_unreadable_usage_file_is_refused_with_the_reason(api: Client) -> None:
    upload = SimpleUploadedFile("x.csv", b"not,a,usage,file\n1,2,3,4\n")
    response = api.post("/api/v1/usage/imports", {"month": "2026-03", "files": [upload]})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_every_new_operation_is_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}/sites",
        "/api/v1/customers/{customer_id}/services",
        "/api/v1/orders/{order_id}",
        "/api/v1/invoices/{invoice_id}/pdf",
        "/api/v1/invoices/{invoice_id}/xml",
        "/api/v1/usage/imports",
        "/api/v1/usage/{period}/lines",
    ):
        assert path in paths


def test_a_transfer_is_recorded_and_allocated_to_the_invoice_it_names_r_pay_1(
    api: Client, alpha: PortalCustomer
) -> None:
    invoice = api.get(f"/api/v1/invoices/{alpha.invoice_id}").json()
    response = api.post(
        "/api/v1/payments",
        {
            "customer_id": alpha.customer.pk,
            "method": "transfer",
            "amount": invoice["amount_due"],
            "received_on": str(timezone.localdate()),
            "reference": "VIR ALPHA",
            "invoice_number": invoice["number"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    listed = api.get("/api/v1/payments", {"customer_id": alpha.customer.pk}).json()["items"]
    assert [p["reference"] for p in listed] == ["VIR ALPHA"]
    assert api.get(f"/api/v1/invoices/{alpha.invoice_id}").json()["outstanding"] == "0.00"


def test_a_future_payment_is_refused_with_the_reason(api: Client, alpha: PortalCustomer) -> None:
    response = api.post(
        "/api/v1/payments",
        {
            "customer_id": alpha.customer.pk,
            "method": "cheque",
            "amount": "10.00",
            "received_on": "2099-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "La date de réception ne peut être future."}


def test_orders_are_filtered_by_a_known_state_and_an_unknown_one_is_refused(
    api: Client,
) -> None:
    """The states are those of the domain; another is invalid (422), not looked for (the
    filter itself: `test_orders_are_listed_by_state`)."""
    assert api.get("/api/v1/orders", {"state": "delivered"}).status_code == 200
    assert api.get("/api/v1/orders", {"state": ""}).status_code == 200
    refused = api.get("/api/v1/orders", {"state": "livrée"})
    assert refused.status_code == 422
    assert "state" in str(refused.json()["detail"])
    spec = api.get("/api/openapi.json").json()["paths"]["/api/v1/orders"]["get"]
    state = next(p for p in spec["parameters"] if p["name"] == "state")
    assert "delivered" in state["schema"]["pattern"]


def test_text_with_a_nul_character_is_refused_where_it_is(
    api: Client, alpha: PortalCustomer
) -> None:
    """PostgreSQL cannot hold U+0000: a query parameter or a JSON field that has one is
    refused as invalid (422) with its place, before any view (it was a server error)."""
    searched = api.get("/api/v1/customers", {"q": "Alpha\x00"})
    assert searched.status_code == 422
    assert searched.json() == {"detail": "caractère nul (U+0000) refusé : paramètre 'q'"}
    assert api.get("/api/v1/orders", {"state": "\x00"}).status_code == 422
    # Served below a prefix (`SCRIPT_NAME`), the API is still guarded.
    assert api.get("/api/v1/customers", {"q": "\x00"}, SCRIPT_NAME="/syres").status_code == 422
    paid = api.post(
        "/api/v1/payments",
        {
            "customer_id": alpha.customer.pk,
            "method": "cheque",
            "amount": "10.00",
            "received_on": str(timezone.localdate()),
            "reference": "CHQ \x00 1",
        },
        content_type="application/json",
    )
    assert paid.status_code == 422
    assert paid.json()["detail"] == "caractère nul (U+0000) refusé : corps.reference"
    # The API reads any body but a multipart form as JSON, whatever its declared type.
    body = json.dumps({"customer_id": alpha.customer.pk, "reference": "CHQ \x00 1"})
    for declared in ("text/plain", "application/x-www-form-urlencoded", ""):
        sent = api.post("/api/v1/payments", body, content_type=declared)
        assert sent.json() == {"detail": "caractère nul (U+0000) refusé : corps.reference"}
    upload = SimpleUploadedFile("voice.csv", HEADER.encode())
    imported = api.post("/api/v1/usage/imports", {"month": "2026-03\x00", "files": [upload]})
    assert imported.json() == {"detail": "caractère nul (U+0000) refusé : champ 'month'"}
    assert api.get("/api/v1/payments", {"customer_id": alpha.customer.pk}).json()["count"] == 0
