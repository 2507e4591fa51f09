"""The staff back office of equipment: return check-in, losses and misuse go through services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from syres.contracts import selectors as contract_selectors
from syres.contracts import services as contract_services
from syres.equipment import selectors, services
from tests.integration.customers_fixtures import at, company

pytestmark = pytest.mark.django_db


_MANAGEMENT = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")


@pytest.fixture
def customer(admin_user: Any) -> Any:
    return company(admin_user, when=at(2025, 12, 1))


def _lent(customer: Any, *, serial: str, code: str, rent: str) -> Any:
    rental = contract_services.record_delivered_service(
        customer=customer,
        kind="equipment",
        product_code=code,
        label=f"Location {code} {serial}",
        monthly_fee=Decimal(rent),
        delivery_date=date(2026, 3, 1),
        commitment_months=36,
        at=at(2026, 3, 1),
    )
    return services.record_item(
        customer=customer,
        serial=serial,
        model_code=code,
        tenure="lent",
        delivered_on=date(2026, 3, 1),
        rental_service=rental,
        at=at(2026, 3, 1),
    )


def test_staff_check_in_a_return_item_by_item_and_the_missing_are_billed(
    admin_client: Client, admin_user: Any, customer: Any
) -> None:
    """R-EQ-3: the phone comes back without its cord, the router not at all."""
    router = _lent(customer, serial="R500-0101", code="EQ-ROUTER", rent="5.00")
    phone = _lent(customer, serial="T54W-0101", code="EQ-PHONE", rent="4.00")
    contract = contract_selectors.open_contract_of(customer)
    assert contract is not None
    contract_services.record_syres_termination(
        contract=contract,
        cause_code="breach",
        notified_date=date(2026, 10, 1),
        end_date=date(2026, 10, 15),
        by=admin_user,
        at=at(2026, 10, 1),
    )
    contract_services.apply_due_ends(as_of=date(2026, 10, 15))

    chosen = admin_client.post(
        "/admin/equipment/item/",
        {"action": "check_in_return", "_selected_action": [router.pk, phone.pk]},
    )
    assert chosen.status_code == 302
    page = admin_client.get(chosen["Location"])
    assert "R500-0101" in page.text
    assert "Cordon" in page.text

    done = admin_client.post(
        chosen["Location"],
        {
            f"returned_{phone.pk}": "on",
            f"working_{phone.pk}": "on",
            f"accessories_{phone.pk}": ["Combiné", "Bloc d'alimentation"],
        },
    )
    assert done.status_code == 302, done.content
    charges = {(c.item.serial, c.kind): c.amount for c in selectors.charges_to_invoice(customer)}
    assert charges == {
        ("R500-0101", "unreturned_item"): Decimal("180.00"),
        ("T54W-0101", "missing_accessories"): Decimal("5.00"),
    }
    assert admin_client.get(done["Location"]).status_code == 200


def test_staff_record_a_total_loss_and_see_its_indemnity(
    admin_client: Client, customer: Any
) -> None:
    """R-EQ-4: router rented 5 €/month from 1 Mar 2026 for 36 months, lost 15 Sep 2026 with no
    insurer payment: rents of October 2026 … February 2029 (29 × 5 € = 145 €) plus its net
    book value."""
    router = _lent(customer, serial="R500-0102", code="EQ-ROUTER", rent="5.00")
    response = admin_client.post(
        "/admin/equipment/loss/add/",
        {
            "item": router.pk,
            "kind": "total",
            "loss_date": "15/09/2026",
            "insurer_payments": "0",
        },
    )
    assert response.status_code == 302, response.content
    (loss,) = selectors.losses_of(router)
    assert loss.remaining_rents == Decimal("145.00")
    assert loss.indemnity == loss.remaining_rents + loss.net_book_value
    assert admin_client.get(f"/admin/equipment/loss/{loss.pk}/change/").status_code == 200


def test_a_partial_loss_needs_the_paid_repair_invoices(admin_client: Client, customer: Any) -> None:
    """R-EQ-4, CGV art. 13."""
    phone = _lent(customer, serial="T54W-0102", code="EQ-PHONE", rent="4.00")
    form = {
        "item": phone.pk,
        "kind": "partial",
        "loss_date": "02/05/2026",
        "insurer_payments": "70",
    }
    refused = admin_client.post("/admin/equipment/loss/add/", form)
    assert refused.status_code == 200
    assert "factures de réparation acquittées" in refused.text
    accepted = admin_client.post(
        "/admin/equipment/loss/add/", {**form, "paid_repair_invoices_presented": "on"}
    )
    assert accepted.status_code == 302, accepted.content
    (credit,) = selectors.charges_to_invoice(customer)
    assert credit.amount == Decimal("-70.00")


def test_staff_record_misuse_and_the_warranty_is_void(admin_client: Client, customer: Any) -> None:
    """R-EQ-2."""
    phone = _lent(customer, serial="T54W-0103", code="EQ-PHONE", rent="4.00")
    response = admin_client.post(
        f"/admin/equipment/item/{phone.pk}/change/",
        {
            "misuse_recorded_on": "01/08/2026",
            "misuse_note": "Écran brisé par un choc",
            # the (read-only) inlines' management forms, as the browser sends them
            **{f"{prefix}-{key}": "0" for prefix in ("losses", "charges") for key in _MANAGEMENT},
        },
    )
    assert response.status_code == 302, response.content
    phone.refresh_from_db()
    assert not selectors.warranty_of(phone).covers(on=date(2026, 9, 1))
    page = admin_client.get("/admin/equipment/item/")
    assert "annulée le 01/08/2026" in page.text


@pytest.mark.parametrize(
    "page",
    [
        "/admin/contracts/contract/",
        "/admin/contracts/service/",
        "/admin/contracts/suspension/",
        "/admin/contracts/suspension/add/",
        "/admin/contracts/termination/",
        "/admin/contracts/termination/add/",
        "/admin/contracts/ticket/",
        "/admin/contracts/ticket/add/",
        "/admin/equipment/item/",
        "/admin/equipment/loss/",
        "/admin/equipment/loss/add/",
        "/admin/equipment/returncheck/",
        "/admin/equipment/charge/",
    ],
)
def test_every_contracts_and_equipment_screen_opens(
    admin_client: Client, customer: Any, page: str
) -> None:
    _lent(customer, serial="R500-0199", code="EQ-ROUTER", rent="5.00")
    response = admin_client.get(page)
    assert response.status_code == 200
