"""A staff user logs into the back office, in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from syres.accounts.services import ensure_superuser

pytestmark = pytest.mark.django_db(transaction=True)

STAFF_PASSWORD = "Olempes-12510-tests"


def test_staff_logs_into_the_back_office_in_french(
    live_server: object, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    ensure_superuser(username="gerant", password=STAFF_PASSWORD)

    page.goto(f"{live_server}/admin/")
    expect(page.get_by_label("Nom d’utilisateur")).to_be_visible()
    screenshot(page, "01-staff-login")
    page.get_by_label("Nom d’utilisateur").fill("gerant")
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    expect(page.get_by_role("heading", name="Gestion")).to_be_visible()
    screenshot(page, "02-staff-home")
