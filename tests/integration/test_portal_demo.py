"""The demo has a portal account whose lines have this month's usage so far (issue 9)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from syres.accounts.selectors import get_active_user
from syres.contracts import selectors
from syres.customers import selectors as customer_selectors
from syres.demo.contracts import load_contracts_demo
from syres.demo.customers import load_customers
from syres.demo.orders import load_catalog_demo, load_orders_demo
from syres.demo.portal import DEMO_PORTAL_USERNAME, load_portal_demo
from syres.domain.periods import PARIS
from syres.usage.selectors import line_months, usage_period

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=PARIS)


def test_the_demo_portal_account_must_change_its_password_and_sees_its_lines_usage(
    admin_user: Any, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    messages: list[str] = []
    load_customers(staff=admin_user, echo=messages.append)
    load_catalog_demo(echo=messages.append)
    load_orders_demo(by=admin_user, echo=messages.append)
    load_contracts_demo(by=admin_user, echo=messages.append)

    load_portal_demo(echo=messages.append, now=NOW)
    load_portal_demo(echo=messages.append, now=NOW)  # a rerun adds nothing

    user = get_active_user(username=DEMO_PORTAL_USERNAME)
    assert user is not None
    assert user.must_change_password  # R-SEC-1
    fromagerie = customer_selectors.find_customer_by_billing_email(
        "compta@fromagerie-causses.example"
    )
    assert user.customer_id == fromagerie.pk
    period = usage_period(period="2026-11")
    assert period is not None
    numbers = set(selectors.usage_lines_of(fromagerie).values())
    rated = {row.line.identifier for row in line_months(period="2026-11")}
    assert rated
    assert rated <= numbers
    assert sum(1 for m in messages if m.startswith("Consommations de 2026-11")) == 1
