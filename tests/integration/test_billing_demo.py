"""The demo bills last month: usage of the delivered lines, invoices issued, PDFs written."""

from __future__ import annotations

from typing import Any

import pytest

from syres.billing import selectors
from syres.customers import selectors as customer_selectors
from syres.demo.billing import load_billing_demo
from syres.demo.contracts import load_contracts_demo
from syres.demo.customers import load_customers
from syres.demo.orders import load_catalog_demo, load_orders_demo

pytestmark = pytest.mark.django_db


def test_the_demo_bills_a_full_month_and_a_rerun_issues_nothing_r_inv_6(admin_user: Any) -> None:
    messages: list[str] = []
    load_customers(staff=admin_user, echo=messages.append)
    load_catalog_demo(echo=messages.append)
    load_orders_demo(by=admin_user, echo=messages.append)
    load_contracts_demo(by=admin_user, echo=messages.append)

    load_billing_demo(echo=messages.append)

    fromagerie = customer_selectors.find_customer_by_billing_email(
        "compta@fromagerie-causses.example"
    )
    invoices = list(selectors.invoices_of(fromagerie))
    kinds = {invoice.kind for invoice in invoices}
    assert {"monthly", "deposit", "balance"} <= kinds
    (monthly,) = [invoice for invoice in invoices if invoice.kind == "monthly"]
    categories = {line.category for line in selectors.lines_of(monthly)}
    assert {"subscription", "usage"} <= categories
    terminated = [
        invoice
        for invoice in selectors.overdue_invoices(as_of=monthly.due_date.replace(year=2100))  # type: ignore[union-attr]
        if selectors.lines_of(invoice).filter(category="early_termination").exists()
    ]
    assert terminated  # the demo's termination letter is billed (R-END-2)
    for invoice in invoices:
        assert invoice.rendered_at is not None
        assert selectors.invoice_pdf(invoice).startswith(b"%PDF")
        assert selectors.mail_of(invoice).state == "pending"  # type: ignore[union-attr]

    load_billing_demo(echo=messages.append)
    assert "0 facture(s) mensuelle(s), 0 acompte(s)/solde(s)" in messages[-1]
