"""Two payments of one customer recorded at once on PostgreSQL (R-PAY-1): an invoice is never
paid twice over, the second payment sees what the first allocated."""

from __future__ import annotations

import contextlib
import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from syres.payments import selectors, services
from tests.integration.customers_fixtures import at, company, staff_user
from tests.integration.payments_fixtures import invoice

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update) need PostgreSQL; SQLite serialises writers",
    ),
]


def test_two_payments_at_once_do_not_both_pay_the_same_invoice_r_pay_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each payment reads the customer's open invoices then waits (up to 2 s) for the other
    to have read them too: without the customer lock both would see the invoice open and both
    pay it; with it, the second waits for the first to commit and keeps its money as credit."""
    staff = staff_user("concurrent-payments")
    customer = company(staff, when=at(2025, 12, 1))
    due = invoice(customer, "500.00", issue_date=date(2026, 10, 1))  # 600.00 incl. VAT
    both_read = threading.Barrier(2, timeout=2)
    read_open_invoices = selectors.open_invoices_of

    def open_invoices_then_wait(owner: Any) -> list[Any]:
        invoices = read_open_invoices(owner)
        # Broken after 2 s when the other payment waits for the lock: the expected case.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait()
        return invoices

    monkeypatch.setattr(selectors, "open_invoices_of", open_invoices_then_wait)
    errors: list[BaseException] = []

    def pay(reference: str) -> None:
        try:
            services.record_payment(
                customer=customer,
                method="transfer",
                amount=Decimal("600.00"),
                received_on=date(2026, 11, 20),
                reference=reference,
                by=staff,
                at=at(2026, 11, 20),
            )
        except BaseException as error:  # reported below, in the test thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(f"VIR-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    paid = sum(a.amount for a in selectors.live_allocations_of(due))
    assert paid == Decimal("600.00")
    assert selectors.open_amount(due) == Decimal("0.00")
    assert selectors.customer_credit(customer) == Decimal("600.00")
