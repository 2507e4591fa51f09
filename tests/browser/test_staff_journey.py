"""A staff user accepts a customer file, quotes, orders, delivers, bills the month and opens
the invoice, all through the back office in a real browser (R-CUST-3, R-ORD-*, R-INV-1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from syres.accounts.services import ensure_superuser
from syres.contracts.services import take_over_delivered_services
from syres.customers import services as customer_services
from syres.domain.periods import Month
from syres.orders.selectors import list_orders, list_quotes
from tests.integration.customers_fixtures import company, complete_file, staff_user
from tests.integration.orders_fixtures import catalog

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("flushable_invoices"),
]

STAFF_PASSWORD = "Olempes-12510-tests"


def _day(value: object) -> str:
    return f"{value:%d/%m/%Y}"


def test_staff_accepts_a_file_quotes_orders_delivers_bills_and_opens_the_invoice(
    live_server: object, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    today = timezone.localdate()
    billed = Month.of(today).previous()
    received = billed.previous().first_day  # the order is two months old, delivered last month
    catalog()
    sales = staff_user("commercial")
    customer = company(sales, name="Fromagerie des Causses")
    site = customer_services.add_site(
        customer=customer,
        name="Siège Rodez",
        address=customer_services.Address("12 avenue de Paris", "12000", "Rodez"),
        by=sales,
    )
    complete_file(customer, sales, kbis_date=today - timedelta(days=10), when=timezone.now())
    customer_services.submit_file(customer=customer, by=sales)
    ensure_superuser(username="gerant", password=STAFF_PASSWORD)

    page.goto(f"{live_server}/admin/")
    page.get_by_label("Nom d’utilisateur").fill("gerant")
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    # R-CUST-3: the submitted file is accepted.
    page.goto(f"{live_server}/admin/customers/customer/{customer.pk}/change/")
    screenshot(page, "20-staff-customer-file")
    page.get_by_role("link", name="Accepter le dossier").click()
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".messagelist")).to_be_visible()

    # A quote for one SEWAN trunk of two channels on the head office.
    page.goto(f"{live_server}/admin/orders/quote/nouveau/")
    page.get_by_label("Client").select_option(str(customer.pk))
    page.get_by_label("Date du devis").fill(_day(received))
    page.locator('select[name="lines-0-product"]').select_option("TRUNK-SEWAN")
    page.locator('input[name="lines-0-quantity"]').fill("2")
    page.locator('select[name="lines-0-site"]').select_option(str(site.pk))
    screenshot(page, "21-staff-new-quote")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".messagelist")).to_be_visible()
    quote = list_quotes().get(customer_id=customer.pk)
    # Dated two months back, the quote has expired today; the order was received in time.
    page.goto(f"{live_server}/admin/orders/quote/{quote.pk}/commander/")
    page.get_by_label("Commande reçue le").fill(_day(received))
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".messagelist")).to_contain_text("reçue")
    order = list_orders(customer_id=customer.pk).get()
    screenshot(page, "22-staff-order")

    # R-ORD-2 deposit, R-ORD-3 planning, then the work and the delivery (R-ORD-7).
    for link, fields in (
        ("Acompte versé", {"Acompte versé le": _day(received)}),
        ("Planifier l'intervention", {"Intervention le": _day(order.planned_date)}),
        ("Travaux commencés", {}),
    ):
        page.get_by_role("link", name=link).click()
        for label, value in fields.items():
            page.get_by_label(label).fill(value)
        if not fields:
            page.get_by_label("Je confirme").check()
        page.get_by_role("button", name="Valider").click()
        expect(page.locator(".errornote")).to_have_count(0)
    page.get_by_role("link", name="Mettre en service une ligne").click()
    page.get_by_label("Mise en service le").fill(_day(order.planned_date))
    page.get_by_label("Numéros de ligne ou de série").fill("+33565480000")
    screenshot(page, "23-staff-delivery")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".messagelist")).to_contain_text("mise en service")

    # The deliveries become contract services by the daily `syres contracts take-over` (a
    # command, not a screen): run here as the command runs it.
    assert take_over_delivered_services(customer_id=customer.pk)

    # R-INV-1: the month of the delivery is billed.
    page.goto(f"{live_server}/admin/billing/billingrun/lancer/")
    page.get_by_label("Mois facturé (AAAA-MM)").fill(str(billed))
    screenshot(page, "24-staff-billing-run")
    page.get_by_role("button", name="Lancer la facturation").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Facturation de {billed}")
    screenshot(page, "25-staff-billing-done")

    page.goto(f"{live_server}/admin/billing/invoice/")
    screenshot(page, "26-staff-invoices")
    page.locator("#result_list tbody tr", has_text="Mensuelle").locator("th a").first.click()
    expect(page.get_by_text("Fromagerie des Causses").first).to_be_visible()
    expect(page.locator("#content")).to_contain_text(str(billed))
    expect(page.get_by_role("link", name="PDF")).to_be_visible()
    screenshot(page, "27-staff-invoice")

    # The staff dashboard, linked from the back office's home page.
    page.goto(f"{live_server}/admin/")
    page.get_by_role("link", name="Tableau de bord").click()
    expect(page.get_by_role("heading", name="Chiffre d'affaires récurrent mensuel")).to_be_visible()
    expect(page.locator("#content")).to_contain_text("24,00 € HT")
    screenshot(page, "28-staff-dashboard")
