"""Builders shared by the customer tests: staff users and customers with real identifiers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from syres.customers import services
from syres.customers.models import Customer

PARIS = ZoneInfo("Europe/Paris")
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

# Real, published identifiers: TotalEnergies SE (head office) and its bank-format IBAN examples.
TOTAL_SIREN = "542051180"
TOTAL_SIRET = "54205118000066"
TOTAL_VAT = "FR59542051180"
IBAN_BNP = "FR7630004000031234567890143"
BIC_BNP = "BNPAFRPPXXX"


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=PARIS)


def staff_user(username: str = "sales", *, can_decide: bool = False) -> Any:
    user = get_user_model().objects.create_user(
        username=username, password="Une-phrase-de-passe-longue", is_staff=True
    )
    if can_decide:
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="customers", codename="decide_subscriptionfile"
            )
        )
        user = get_user_model().objects.get(pk=user.pk)  # drop the permission cache
    return user


def company(by: Any, *, name: str = "TotalEnergies SE", when: datetime | None = None) -> Customer:
    return services.create_customer(
        kind="company",
        legal_name=name,
        siren=TOTAL_SIREN,
        vat_number=TOTAL_VAT,
        address=services.Address("2 place Jean Millier", "92400", "Courbevoie"),
        billing_email="factures@totalenergies.example",
        phone="+33 1 47 44 45 46",
        iban=IBAN_BNP,
        bic=BIC_BNP,
        by=by,
        at=when or at(2026, 9, 1),
    )


def complete_file(customer: Customer, by: Any, *, kbis_date: date, when: datetime) -> None:
    for kind in ("account_opening_form", "bank_identity"):
        services.upload_document(
            customer=customer, kind=kind, content=PDF, filename=f"{kind}.pdf", by=by, at=when
        )
    services.upload_document(
        customer=customer,
        kind="kbis",
        content=PNG,
        filename="kbis.png",
        document_date=kbis_date,
        by=by,
        at=when,
    )
