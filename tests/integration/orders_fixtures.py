"""Builders shared by the order tests: a loaded catalog, an accepted customer with sites."""

from __future__ import annotations

from datetime import date
from typing import Any

from syres.catalog.services import sync_catalog
from syres.customers import services as customer_services
from syres.orders import services
from syres.orders.services import QuoteLineRequest
from syres.terms import load_terms
from tests.integration.customers_fixtures import at, company, complete_file, staff_user


def catalog() -> None:
    sync_catalog(terms=load_terms(), as_of=date(2026, 1, 1))


def accepted_customer(sales: Any) -> Any:
    manager = staff_user("manager", can_decide=True)
    customer = company(sales)
    complete_file(customer, sales, kbis_date=date(2026, 8, 1), when=at(2026, 9, 2))
    customer_services.submit_file(customer=customer, by=sales, at=at(2026, 9, 3))
    customer_services.accept_file(customer=customer, by=manager, at=at(2026, 9, 4))
    return customer


def site(customer: Any, by: Any, name: str = "Siège") -> Any:
    return customer_services.add_site(
        customer=customer,
        name=name,
        address=customer_services.Address("2 place Jean Millier", "92400", "Courbevoie"),
        by=by,
    )


def quote(customer: Any, by: Any, *lines: QuoteLineRequest, on: date = date(2026, 10, 1)) -> Any:
    return services.create_quote(customer_id=customer.pk, quote_date=on, lines=lines, by=by)
