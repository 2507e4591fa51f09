"""A customer logs into the portal, chooses its own password (R-SEC-1), sees its consumption
gauges and daily chart, downloads an invoice and contests it (R-PAY-2); in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from syres.accounts.services import create_portal_user
from syres.contracts.services import record_delivered_service
from syres.domain.periods import PARIS, Month
from syres.terms import load_terms
from syres.usage.services import import_usage, save_line
from tests.integration.billing_fixtures import deposit
from tests.integration.customers_fixtures import company, staff_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("flushable_invoices"),
]

FIRST_PASSWORD = "Olempes-12510-premier"
OWN_PASSWORD = "Roquefort-et-Laguiole-2026"
HEADER = "call_id,line,start,duration_s,caller,callee,direction,forwarded\n"


def _customer_with_usage(data_dir: Path) -> None:
    customer = company(staff_user(), name="Fromagerie des Causses")
    record_delivered_service(
        customer=customer,
        kind="sip_trunk",
        product_code="TRUNK-SEWAN",
        label="Trunk SIP SEWAN — 1 canal",
        monthly_fee=Decimal("19.90"),
        platform="sewan",
        phone_number="TRUNK-RODEZ",
        delivery_date=date(2026, 1, 15),
        commitment_months=36,
    )
    save_line(
        identifier="TRUNK-RODEZ",
        platform="sewan",
        channels=1,
        label="Trunk de Rodez",
    )
    # 260 calls to 260 numbers since the 1st: 86 % of the 300 numbers of one SEWAN channel.
    month = Month.of(timezone.localdate())
    first = month.first_day
    rows = "".join(
        f"c{i},TRUNK-RODEZ,{first:%Y-%m-%d}T{1 + i // 60:02d}:{i % 60:02d}:00+01:00,"
        f"{60 + i},0565000000,01{i:08d},out,0\n"
        for i in range(260)
    )
    path = data_dir / "calls.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    import_usage(month=month, paths=[path], terms=load_terms(), rated_at=datetime.now(tz=PARIS))
    deposit(customer, day=timezone.localdate())
    create_portal_user(username="fromagerie", initial_password=FIRST_PASSWORD, customer=customer)


def test_a_customer_changes_its_password_sees_its_gauges_downloads_and_contests_an_invoice(
    live_server: object,
    page: Page,
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    _customer_with_usage(tmp_path)

    page.goto(f"{live_server}/portail/")
    expect(page.get_by_role("heading", name="Connexion à votre espace client")).to_be_visible()
    screenshot(page, "10-portal-login")
    page.get_by_label("Identifiant").fill("fromagerie")
    page.get_by_label("Mot de passe").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # R-SEC-1: a password chosen by SYRES must be replaced before anything else.
    expect(page).to_have_url(f"{live_server}/compte/mot-de-passe/?next=/portail/")
    screenshot(page, "11-portal-forced-password-change")
    page.get_by_label("Ancien mot de passe").fill(FIRST_PASSWORD)
    # Both new-password labels start alike ("Nouveau mot de passe :"): the first by its id.
    page.locator("#id_new_password1").fill(OWN_PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(OWN_PASSWORD)
    page.get_by_role("button", name="Modifier mon mot de passe").click()

    expect(page.get_by_role("heading", name="Bonjour, Fromagerie des Causses")).to_be_visible()
    expect(page.get_by_text("Trunk SIP SEWAN — 1 canal")).to_be_visible()
    screenshot(page, "12-portal-services")

    page.get_by_role("link", name="Consommation", exact=True).click()
    gauge = page.get_by_role("meter", name="Numéros distincts appelés")
    expect(gauge).to_have_attribute("value", "260")
    expect(gauge).to_have_attribute("max", "300")
    expect(page.get_by_role("alert")).to_contain_text("numéros distincts appelés à 86 %")
    screenshot(page, "13-portal-consumption-gauges")

    page.get_by_role("link", name="Trunk de Rodez").click()
    expect(page.get_by_role("img", name="Minutes d'appels sortants par jour")).to_be_visible()
    screenshot(page, "14-portal-line-daily-chart")

    page.get_by_role("link", name="Factures").click()
    screenshot(page, "15-portal-invoices")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF").first.click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert download.suggested_filename.endswith(".pdf")

    # R-PAY-2: within 30 days of the invoice date, with a supporting file.
    page.get_by_role("link", name="Contester").first.click()
    expect(page.get_by_text("jusqu'au")).to_be_visible()
    page.get_by_label("Montant contesté TTC (€)").fill("50.00")
    page.get_by_label("Motif de la contestation").fill("L'acompte a déjà été réglé par virement.")
    proof = tmp_path / "preuve-virement.pdf"
    proof.write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.get_by_label("Justificatifs").set_input_files(str(proof))
    screenshot(page, "16-portal-dispute-form")
    page.get_by_role("button", name="Envoyer la contestation").click()
    expect(page.get_by_role("status")).to_contain_text("Votre contestation de la facture")
    expect(page.get_by_text("50,00 € contestés")).to_be_visible()
    screenshot(page, "17-portal-dispute-recorded")
