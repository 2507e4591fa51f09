"""Builders shared by the billing tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from syres.billing import services
from syres.domain import billing as rules
from syres.terms import load_terms


def deposit(
    customer: Any, *, order_ref: str = "BC-2026-00001", day: date = date(2026, 10, 5)
) -> Any:
    return services.issue_deposit_invoice(
        customer=customer,
        order_ref=order_ref,
        one_off_total=Decimal("1000.00"),
        issue_date=day,
        terms=load_terms(),
    )


def fee_line(label: str, amount: str, *, day: date = date(2026, 10, 5)) -> rules.InvoiceLine:
    return rules.one_off_line(
        label=label,
        category=rules.LineCategory.ACCESS_FEE,
        unit_price=Decimal(amount),
        vat_rate=load_terms().invoicing.vat_rate_on(day=day),
        service_ref="service:1",
    )
