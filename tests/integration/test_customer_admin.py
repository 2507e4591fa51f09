"""The staff screens in French: search, see the file, accept or reject it, record changes."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from syres.accounts import services as accounts
from syres.customers import selectors, services
from syres.customers.models import FileStatus
from tests.integration.customers_fixtures import PDF, at, company, complete_file, staff_user

pytestmark = pytest.mark.django_db


def _logged_in(role: str) -> tuple[Client, object]:
    accounts.ensure_roles()
    user = accounts.create_staff_user(
        username=role, initial_password="Initial-Mot-2026-xyz", roles=[role]
    )
    accounts.record_personal_password(user=user)
    client = Client()
    client.force_login(user)
    return client, user


def test_sales_creates_a_customer_with_a_wrong_siren_and_reads_which_check_failed() -> None:
    client, _ = _logged_in("sales")
    form = {
        "kind": "company",
        "legal_name": "TotalEnergies SE",
        "siren": "542051181",
        "address_line": "2 place Jean Millier",
        "postcode": "92400",
        "city": "Courbevoie",
        "country": "FR",
        "billing_email": "factures@totalenergies.example",
        "payment_method": "sepa_debit",
        "iban": "FR7630004000031234567890143",
        "bic": "BNPAFRPPXXX",
    }
    refused = client.post("/admin/customers/customer/ajouter/", form)
    assert refused.status_code == 200
    assert "clé de contrôle (algorithme de Luhn) est fausse" in refused.text

    created = client.post("/admin/customers/customer/ajouter/", {**form, "siren": "542051180"})
    assert created.status_code == 302
    (customer,) = selectors.search_customers("542051180")
    assert customer.vat_number == "FR59542051180"
    page = client.get(created["Location"])
    assert "Dossier de souscription : Brouillon" in page.text
    assert "Déposer une pièce" in page.text
    assert "Accepter le dossier" not in page.text  # sales cannot decide


def test_the_file_goes_through_the_screens_up_to_acceptance() -> None:
    sales_client, sales = _logged_in("sales")
    billing_client, billing = _logged_in("billing")
    customer = company(sales)
    base = f"/admin/customers/customer/{customer.pk}"
    for kind in ("account_opening_form", "bank_identity"):
        response = sales_client.post(
            f"{base}/piece/",
            {"kind": kind, "upload": SimpleUploadedFile(f"{kind}.pdf", PDF)},
        )
        assert response.status_code == 302
    refused = sales_client.post(
        f"{base}/piece/",
        {
            "kind": "kbis",
            "upload": SimpleUploadedFile("kbis.exe", b"MZ\x90\x00" * 10),
            "document_date": timezone.localdate().isoformat(),
        },
    )
    assert "Type de fichier refusé" in refused.text
    sales_client.post(
        f"{base}/piece/",
        {
            "kind": "kbis",
            "upload": SimpleUploadedFile("kbis.pdf", PDF),
            "document_date": timezone.localdate().isoformat(),
        },
    )
    submitted = sales_client.post(f"{base}/soumettre/")
    assert submitted.status_code == 302, submitted.text[-3000:]
    assert sales_client.post(f"{base}/accepter/").status_code == 403

    assert billing_client.post(f"{base}/accepter/").status_code == 302

    subscription_file = selectors.file_of(customer)
    assert (subscription_file.status, subscription_file.decided_by) == (
        FileStatus.ACCEPTED,
        billing,
    )
    assert "Le client peut commander." in billing_client.get(f"{base}/change/").text


def test_billing_rejects_with_a_reason_shown_on_the_customer_page() -> None:
    billing_client, billing = _logged_in("billing")
    customer = company(billing)
    complete_file(customer, billing, kbis_date=timezone.localdate(), when=at(2026, 9, 2))
    services.submit_file(customer=customer, by=billing)
    base = f"/admin/customers/customer/{customer.pk}"

    assert billing_client.post(f"{base}/refuser/", {"reason": ""}).status_code == 200
    assert billing_client.post(f"{base}/refuser/", {"reason": "Kbis illisible"}).status_code == 302

    page = billing_client.get(f"{base}/change/")
    assert "Motif du refus :</strong> Kbis illisible" in page.text


def test_staff_record_a_change_of_address_and_see_it_in_the_history() -> None:
    billing_client, billing = _logged_in("billing")
    customer = company(billing)
    response = billing_client.post(
        f"/admin/customers/customer/{customer.pk}/adresse/",
        {
            "address_line": "1 allée de l'Arche",
            "postcode": "92400",
            "city": "Courbevoie",
            "country": "FR",
            "effective_date": "2026-10-01",
        },
    )
    assert response.status_code == 302
    page = billing_client.get(f"/admin/customers/customer/{customer.pk}/change/")
    assert "Historique des modifications" in page.text
    assert "2 place Jean Millier" in page.text  # the old address, kept


def test_the_export_is_one_zip_download() -> None:
    billing_client, billing = _logged_in("billing")
    customer = company(billing)
    response = billing_client.get(f"/admin/customers/customer/{customer.pk}/export/")
    assert response["Content-Type"] == "application/zip"
    assert "donnees.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_staff_search_customers_by_siren_or_name(admin_client: Client) -> None:
    customer = company(staff_user())
    listing = admin_client.get("/admin/customers/customer/", {"q": "542051180"})
    assert str(customer) in listing.text
    assert "Brouillon" in listing.text


def test_a_piece_is_served_to_staff_only_through_the_back_office() -> None:
    billing_client, billing = _logged_in("billing")
    customer = company(billing)
    complete_file(customer, billing, kbis_date=timezone.localdate(), when=at(2026, 9, 2))
    document = selectors.active_documents_of(customer).get(kind="kbis")
    url = f"/admin/customers/customer/{customer.pk}/pieces/{document.pk}/"

    served = billing_client.get(url)
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    assert url in billing_client.get(f"/admin/customers/customer/{customer.pk}/change/").text
    assert Client().get(url).status_code == 302  # anonymous: to the login page


def test_a_rectification_in_the_admin_form_is_checked_and_traced(admin_client: Client) -> None:
    customer = company(staff_user())
    url = f"/admin/customers/customer/{customer.pk}/change/"
    form = {
        "legal_name": "TotalEnergies SE",
        "first_name": "",
        "last_name": "",
        "vat_number": "FR03552081317",
        "phone": "+33 1 47 44 45 46",
        "billing_email": "compta@totalenergies.example",
        "bank_account_holder": "TotalEnergies SE",
        "chorus_service_code": "",
    }
    for prefix in ("sites", "contacts", "sepa_mandates", "changes", "transmissions"):
        form |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}

    refused = admin_client.post(url, form)
    assert "ne correspond pas au SIREN 542051180" in refused.text

    saved = admin_client.post(url, {**form, "vat_number": "FR59542051180"})
    assert saved.status_code == 302
    (change,) = selectors.changes_of(customer)
    assert change.before == {"billing_email": "factures@totalenergies.example"}
