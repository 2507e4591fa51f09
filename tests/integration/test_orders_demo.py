"""The demo has orders in every state, delivered ones with their services (issue 5)."""

from __future__ import annotations

from typing import Any

import pytest

from syres.demo.customers import load_customers
from syres.demo.orders import load_catalog_demo, load_orders_demo
from syres.orders import selectors

pytestmark = pytest.mark.django_db


def test_the_demo_has_orders_in_every_state_and_reruns_add_nothing(admin_user: Any) -> None:
    messages: list[str] = []
    load_customers(staff=admin_user, echo=messages.append)
    load_catalog_demo(echo=messages.append)
    load_orders_demo(by=admin_user, echo=messages.append)
    for state in selectors.OrderState.values:
        assert selectors.orders_in_state(state=state).exists(), state
    services = selectors.delivered_services()
    assert {service.product_code for service in services} >= {"FTTH-1G", "MOBILE-FULL"}
    assert selectors.delivered_equipment(mode="lent").exists()
    assert selectors.delivered_equipment(mode="sold").exists()
    cancelled = selectors.orders_in_state(state=selectors.OrderState.CANCELLED).get()
    assert cancelled.cancellation_fee is not None
    assert cancelled.cancellation_fee > 0
    count = services.count()

    load_orders_demo(by=admin_user, echo=messages.append)
    assert selectors.delivered_services().count() == count
    delivered_quote = selectors.orders_in_state(state=selectors.OrderState.DELIVERED).first()
    assert delivered_quote is not None
    assert selectors.quote_pdf(quote_id=delivered_quote.quote_id).startswith(b"%PDF")
    assert messages[-1].endswith(": 0 scénario(s) ajouté(s).")
