"""The demo has contracts from the delivered orders, with a few events (issue 6)."""

from __future__ import annotations

from typing import Any

import pytest

from syres.contracts import selectors
from syres.customers import selectors as customer_selectors
from syres.demo.contracts import load_contracts_demo
from syres.demo.customers import load_customers
from syres.demo.orders import load_catalog_demo, load_orders_demo
from syres.equipment import selectors as equipment_selectors

pytestmark = pytest.mark.django_db


def test_the_demo_takes_the_deliveries_over_adds_events_and_reruns_add_nothing(
    admin_user: Any,
) -> None:
    messages: list[str] = []
    load_customers(staff=admin_user, echo=messages.append)
    load_catalog_demo(echo=messages.append)
    load_orders_demo(by=admin_user, echo=messages.append)

    load_contracts_demo(by=admin_user, echo=messages.append)

    assert messages[-1] == "Contrats de démonstration : 3 événement(s) ajouté(s)."
    fromagerie = customer_selectors.find_customer_by_billing_email(
        "compta@fromagerie-causses.example"
    )
    contract = selectors.open_contract_of(fromagerie)
    assert contract is not None
    access = selectors.services_of(contract).get(kind="internet_access")
    (maintenance,) = selectors.suspensions_of(access)
    assert (maintenance.reason, access.state) == ("maintenance", "active")
    assert selectors.tickets_of(access).count() == 1
    assert equipment_selectors.items_of(fromagerie).filter(tenure="lent").exists()
    assert list(selectors.terminations_to_invoice()) != []

    load_contracts_demo(by=admin_user, echo=messages.append)
    assert messages[-2:] == [
        "Contrats : 0 service(s) et 0 équipement(s) repris des livraisons.",
        "Contrats de démonstration : 0 événement(s) ajouté(s).",
    ]
