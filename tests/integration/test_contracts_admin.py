"""The staff back office of contracts: its forms go through the services and show the rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from syres.accounts.services import create_staff_user, ensure_roles, record_personal_password
from syres.contracts import selectors, services
from tests.integration.customers_fixtures import at, company

pytestmark = pytest.mark.django_db


@pytest.fixture
def ftto(admin_user: Any) -> Any:
    customer = company(admin_user, when=at(2025, 12, 1))
    return services.record_delivered_service(
        customer=customer,
        kind="internet_access",
        product_code="FTTO-100M",
        label="Fibre FTTO 100 Mb/s garantis, GTR 4 h",
        monthly_fee=Decimal("390.00"),
        technology="ftto",
        delivery_date=date(2026, 1, 15),
        commitment_months=36,
        at=at(2026, 1, 15),
    )


def test_staff_open_an_ftto_ticket_and_see_its_gtr_deadline_and_outcome(
    admin_client: Client, ftto: Any
) -> None:
    """R-GTR-1: reported Friday 3 Apr 2026 16:00 → due Tuesday 7 Apr 10:00 (Easter Monday)."""
    response = admin_client.post(
        "/admin/contracts/ticket/add/",
        {
            "service": ftto.pk,
            "reported_at_0": "03/04/2026",
            "reported_at_1": "16:00",
            "description": "Lien fibre coupé",
        },
    )
    assert response.status_code == 302, response.content
    (ticket,) = selectors.tickets_of(ftto)
    assert ticket.gtr_deadline == at(2026, 4, 7, 10)
    page = admin_client.get(f"/admin/contracts/ticket/{ticket.pk}/change/")
    assert "7 avril 2026 10:00" in page.text

    restored = admin_client.post(
        f"/admin/contracts/ticket/{ticket.pk}/change/",
        {"restored_at_0": "07/04/2026", "restored_at_1": "11:30"},
    )
    assert restored.status_code == 302, restored.content
    ticket.refresh_from_db()
    outcome = selectors.gtr_of(ticket)
    assert outcome is not None
    assert outcome.met is False


def test_staff_record_a_customer_letter_and_see_the_minimum_billing_amount(
    admin_client: Client, ftto: Any
) -> None:
    """R-END-1, R-END-2: received 2 Nov 2026 → ends 2 Feb 2027; March 2027 … January 2029 =
    23 months × 390 € remain."""
    response = admin_client.post(
        "/admin/contracts/termination/add/",
        {
            "contract": ftto.contract_id,
            "initiator": "customer",
            "letter_reference": "1A 123 456 7890 1",
            "letter_received_date": "02/11/2026",
            "cause_code": "",
            "notified_date": "",
            "effective_date": "",
        },
    )
    assert response.status_code == 302, response.content
    (termination,) = selectors.terminations_of(ftto.contract)
    assert termination.end_date == date(2027, 2, 2)
    (line,) = selectors.termination_lines_of(termination)
    assert (line.remaining_months, line.remaining_fees) == (23, Decimal("8970.00"))
    page = admin_client.get(f"/admin/contracts/termination/{termination.pk}/change/")
    assert page.status_code == 200
    assert "8970" in page.text.replace("\u202f", "").replace(" ", "").replace(",00", "")


def test_a_syres_termination_without_a_listed_cause_is_refused_in_french(
    admin_client: Client, ftto: Any
) -> None:
    """R-END-3: SYRES terminates only for a cause of art. 16."""
    response = admin_client.post(
        "/admin/contracts/termination/add/",
        {
            "contract": ftto.contract_id,
            "initiator": "syres",
            "letter_reference": "",
            "letter_received_date": "",
            "cause_code": "",
            "notified_date": "01/06/2026",
            "effective_date": "01/07/2026",
        },
    )
    assert response.status_code == 200
    assert "Motif de résiliation inconnu" in response.text
    assert not selectors.terminations_of(ftto.contract).exists()


def test_maintenance_without_a_notice_to_the_customer_is_refused(
    admin_client: Client, ftto: Any
) -> None:
    """CGV art. 15: planned maintenance is announced to the customer, with its window."""
    form = {
        "service": ftto.pk,
        "reason": "maintenance",
        "start_at_0": "01/03/2026",
        "start_at_1": "22:00",
        "planned_end_at_0": "01/03/2026",
        "planned_end_at_1": "23:00",
        "customer_notice": "",
    }
    refused = admin_client.post("/admin/contracts/suspension/add/", form)
    assert refused.status_code == 200
    assert "annoncée au client" in refused.text
    without_end = admin_client.post(
        "/admin/contracts/suspension/add/",
        {
            **form,
            "planned_end_at_0": "",
            "planned_end_at_1": "",
            "customer_notice": "Maintenance le 1er mars de 22 h à 23 h.",
        },
    )
    assert without_end.status_code == 200
    assert "fin prévue de la maintenance" in without_end.text
    accepted = admin_client.post(
        "/admin/contracts/suspension/add/",
        {**form, "customer_notice": "Maintenance le 1er mars de 22 h à 23 h."},
    )
    assert accepted.status_code == 302, accepted.content
    ftto.refresh_from_db()
    assert ftto.state == "suspended"
    assert (
        admin_client.get(f"/admin/contracts/contract/{ftto.contract_id}/change/").status_code == 200
    )
    assert admin_client.get(f"/admin/contracts/service/{ftto.pk}/change/").status_code == 200
    (suspension,) = selectors.suspensions_of(ftto)
    page = admin_client.get(f"/admin/contracts/suspension/{suspension.pk}/change/")
    assert page.status_code == 200
    assert "Avis envoyé le" in page.text
    assert "Avis pris en charge le" in page.text  # a stuck claim is visible to staff


def _logged_in(client: Client, *, username: str, roles: list[str]) -> Any:
    ensure_roles()
    user = create_staff_user(
        username=username, initial_password="Olempes-Rodez-Aveyron-2026!", roles=roles
    )
    record_personal_password(user=user)
    client.force_login(user)
    return user


def test_a_support_agent_opens_a_ticket_and_sales_cannot(client: Client, ftto: Any) -> None:
    """Roles: Support opens tickets; Commercial only reads contracts."""
    form = {
        "service": ftto.pk,
        "reported_at_0": "03/04/2026",
        "reported_at_1": "16:00",
        "description": "Lien coupé",
    }
    _logged_in(client, username="vendeur", roles=["sales"])
    assert client.post("/admin/contracts/ticket/add/", form).status_code == 403
    _logged_in(client, username="support", roles=["support"])
    assert client.post("/admin/contracts/ticket/add/", form).status_code == 302


def test_a_lifted_suspension_and_the_check_in_need_their_permissions(
    client: Client, ftto: Any, admin_user: Any
) -> None:
    suspension = services.suspend_service(
        service=ftto, reason="non_payment", start_at=at(2026, 3, 1), by=admin_user
    )
    _logged_in(client, username="vendeur", roles=["sales"])
    lift = client.post(
        f"/admin/contracts/suspension/{suspension.pk}/change/",
        {"end_at_0": "02/03/2026", "end_at_1": "10:00"},
    )
    assert lift.status_code == 403
    ftto.refresh_from_db()
    assert ftto.state == "suspended"
    check_in = f"/admin/equipment/returncheck/check-in/{ftto.contract.customer_id}/"
    assert client.get(check_in).status_code == 403
