"""Two customers with a contract, a site and a line each, and a portal user each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from syres.accounts.services import create_portal_user, record_personal_password
from syres.contracts.services import record_delivered_service
from syres.customers import services as customer_services
from syres.usage.services import save_line
from tests.integration.billing_fixtures import deposit
from tests.integration.customers_fixtures import company, staff_user

PORTAL_PASSWORD = "Olempes-12510-portail"


@dataclass(frozen=True)
class PortalCustomer:
    customer: Any
    user: Any
    contract_id: int
    site_id: int
    line: str
    invoice_id: int


def portal_customer(staff: Any, *, name: str, line: str, username: str) -> PortalCustomer:
    customer = company(staff, name=name)
    site = customer_services.add_site(
        customer=customer,
        name=f"Siège {name}",
        address=customer_services.Address("1 rue de la Paix", "12000", "Rodez"),
        by=staff,
    )
    service = record_delivered_service(
        customer=customer,
        kind="sip_trunk",
        product_code="TRUNK-SEWAN",
        label=f"Trunk SIP {name}",
        monthly_fee=Decimal("39.80"),
        quantity=2,
        platform="sewan",
        phone_number=line,
        delivery_date=date(2026, 1, 15),
        commitment_months=36,
    )
    save_line(identifier=line, platform="sewan", channels=2, label=f"Trunk {name}")
    user = create_portal_user(
        username=username, initial_password=PORTAL_PASSWORD, customer=customer
    )
    record_personal_password(user=user)
    # Issued today: within the dispute window (R-PAY-2).
    invoice = deposit(customer, order_ref=f"BC-2026-{customer.pk:05d}", day=timezone.localdate())
    return PortalCustomer(
        customer=customer,
        user=user,
        contract_id=service.contract_id,
        site_id=site.pk,
        line=line,
        invoice_id=invoice.pk,
    )


def two_portal_customers() -> tuple[PortalCustomer, PortalCustomer]:
    staff = staff_user()
    return (
        portal_customer(staff, name="Fromagerie Alpha", line="TRUNK-ALPHA", username="alpha"),
        portal_customer(staff, name="Coutellerie Beta", line="TRUNK-BETA", username="beta"),
    )
