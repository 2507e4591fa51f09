"""The customer portal's pages: gauges against fair-use limits, termination preview, export,
rectification, address and bank changes (SPEC §5, R-END-1/2, R-DATA-1, R-CUST-4)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from syres.customers.selectors import changes_of, get_customer
from syres.domain.periods import PARIS, Month
from syres.payments.selectors import disputes_of
from syres.terms import load_terms
from syres.usage.services import import_usage
from tests.integration.customers_fixtures import staff_user
from tests.integration.portal_fixtures import PortalCustomer, two_portal_customers

pytestmark = pytest.mark.django_db
MARCH = Month(2026, 3)
HEADER = "call_id,line,start,duration_s,caller,callee,direction,forwarded\n"


def _import_calls(folder: Path, *, line: str, count: int) -> None:
    """`count` outgoing calls of 61 s, each to a different number, in March 2026."""
    rows = [
        f"c{i},{line},2026-03-{2 + i // 100:02d}T09:{i % 60:02d}:00+01:00,61,"
        f"0565000000,01{i:08d},out,0\n"
        for i in range(count)
    ]
    path = folder / "calls.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    import_usage(
        month=MARCH,
        paths=[path],
        terms=load_terms(),
        rated_at=datetime(2026, 4, 1, 8, tzinfo=PARIS),
    )


@pytest.fixture
def alpha(settings: object, tmp_path: Path) -> PortalCustomer:
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    customer, _ = two_portal_customers()
    return customer


def _client(who: PortalCustomer) -> Client:
    client = Client()
    client.force_login(who.user)
    return client


def test_gauges_warn_near_the_distinct_numbers_limit_of_the_trunk_r_sip_1(
    alpha: PortalCustomer, tmp_path: Path
) -> None:
    # SEWAN: 300 distinct numbers per channel, 2 channels: 500 numbers is 83 % of 600.
    _import_calls(tmp_path, line=alpha.line, count=500)
    page = _client(alpha).get(reverse("portal:consumption"), {"mois": "2026-03"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "500 / 600 numéros (83 %)" in text
    assert "proche de la limite" in text
    assert 'role="alert"' in text


def test_a_line_shows_its_daily_chart_with_the_values_as_a_table(
    alpha: PortalCustomer, tmp_path: Path
) -> None:
    _import_calls(tmp_path, line=alpha.line, count=250)
    page = _client(alpha).get(reverse("portal:line", args=[alpha.line]), {"mois": "2026-03"})
    text = page.content.decode()
    # 100 calls of 61 s on 2 and 3 March, 50 on 4 March: 101.7 and 50.8 minutes.
    assert text.count("<rect ") == 31  # one bar per day of March
    assert "02/03 : 101.7 min" in text
    assert "04/03 : 50.8 min" in text


def test_a_month_without_usage_shows_empty_gauges(alpha: PortalCustomer) -> None:
    text = _client(alpha).get(reverse("portal:consumption"), {"mois": "2026-02"}).content
    assert "Pas encore de consommation importée".encode() in text


def test_the_termination_page_explains_the_notice_and_computes_the_amount_r_end_1_r_end_2(
    alpha: PortalCustomer,
) -> None:
    url = reverse("portal:termination", args=[alpha.contract_id])
    text = _client(alpha).get(url, {"letter_date": "2026-11-27"}).content.decode()
    assert "lettre recommandée" in text
    assert "3 mois" in text
    # Notice: the service ends on 27/02/2027 (February is due in full); the commitment ends on
    # 15/01/2029, a month due in full too: March 2027 to January 2029 is 23 months at 39.80 €.
    assert "27/02/2027" in text
    assert '<td class="num">23</td><td class="num">915,40 €</td>' in text


def test_the_export_holds_everything_held_on_the_customer_r_data_1(alpha: PortalCustomer) -> None:
    response = _client(alpha).get(reverse("portal:personal_data_export"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "donnees.json" in archive.namelist()
    assert "Fromagerie Alpha" in archive.read("donnees.json").decode()


def test_the_customer_rectifies_its_phone_and_the_old_value_is_kept_r_data_1(
    alpha: PortalCustomer,
) -> None:
    customer = alpha.customer
    form = {name: getattr(customer, name) for name in ("legal_name", "billing_email")}
    form |= {"phone": "+33 5 65 00 00 01", "vat_number": customer.vat_number}
    response = _client(alpha).post(reverse("portal:personal_data"), form)
    assert response.status_code == 302
    assert get_customer(customer.pk).phone == "+33 5 65 00 00 01"
    change = changes_of(customer).get(kind="rectification")
    assert change.before == {"phone": "+33 1 47 44 45 46"}
    assert change.recorded_by == alpha.user


def test_the_customer_reports_a_new_address_r_cust_4(alpha: PortalCustomer) -> None:
    response = _client(alpha).post(
        reverse("portal:address"),
        {
            "address_line": "3 rue Béteille",
            "postcode": "12000",
            "city": "Rodez",
            "country": "FR",
            "effective_date": "2026-12-01",
        },
    )
    assert response.status_code == 302
    change = changes_of(alpha.customer).get(kind="address")
    assert change.after["address_line"] == "3 rue Béteille"
    assert change.before["city"] == "Courbevoie"


def test_a_sepa_customer_signs_a_new_mandate_with_its_new_bank_details_r_cust_4(
    alpha: PortalCustomer,
) -> None:
    client = _client(alpha)
    new = {"iban": "FR7611206000101234567890101", "bic": "AGRIFRPP812", "account_holder": "Alpha"}
    refused = client.post(reverse("portal:bank_details"), new)
    assert refused.status_code == 200  # the mandate box is required
    assert "mandat" in refused.content.decode()
    response = client.post(reverse("portal:bank_details"), new | {"mandate_accepted": "on"})
    assert response.status_code == 302
    change = changes_of(alpha.customer).get(kind="bank_details")
    assert change.after["iban"] == "FR7611206000101234567890101"
    assert change.after["sepa_mandate"].startswith(f"SYRES-{alpha.customer.pk}-")


def test_the_staff_dashboard_shows_recurring_revenue_and_breaches(
    alpha: PortalCustomer, tmp_path: Path
) -> None:
    client = Client()
    client.force_login(staff_user("boss"))
    text = client.get(reverse("staff_dashboard")).content.decode()
    # Two customers with one 39.80 € trunk each.
    assert "79,60 € HT" in text
    assert "Commandes" in text
    assert reverse("staff_dashboard") in client.get(reverse("admin:index")).content.decode()


def test_the_dashboard_is_for_staff_only(alpha: PortalCustomer) -> None:
    response = _client(alpha).get(reverse("staff_dashboard"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_customer_lists_its_invoices_and_downloads_the_factur_x_pdf_and_xml(
    alpha: PortalCustomer,
) -> None:
    client = _client(alpha)
    listing = client.get(reverse("portal:invoices")).content.decode()
    pdf = client.get(reverse("portal:invoice_pdf", args=[alpha.invoice_id]))
    xml = client.get(reverse("portal:invoice_xml", args=[alpha.invoice_id]))
    assert "Acompte" in listing or "acompte" in listing
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert b"CrossIndustryInvoice" in xml.content


def test_the_customer_contests_an_invoice_with_a_supporting_file_r_pay_2(
    alpha: PortalCustomer,
) -> None:
    client = _client(alpha)
    url = reverse("portal:dispute", args=[alpha.invoice_id])
    assert "30 jours" in client.get(url).content.decode()
    proof = SimpleUploadedFile("releve.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n")
    response = client.post(
        url,
        {"contested_amount": "50.00", "grounds": "Acompte déjà réglé", "supporting_files": [proof]},
    )
    assert response.status_code == 302, response.content.decode()
    dispute = disputes_of(alpha.customer).get()
    assert dispute.contested_amount == Decimal("50.00")
    assert dispute.opened_by == alpha.user
    listing = client.get(reverse("portal:invoices")).content.decode()
    assert "50,00 € contestés" in listing


def test_a_dispute_without_a_supporting_file_is_refused(alpha: PortalCustomer) -> None:
    url = reverse("portal:dispute", args=[alpha.invoice_id])
    response = _client(alpha).post(url, {"contested_amount": "50.00", "grounds": "Erreur"})
    assert response.status_code == 200
    assert not disputes_of(alpha.customer).exists()
