"""Two issuers at once on PostgreSQL: no number skipped, none duplicated (R-INV-3)."""

from __future__ import annotations

import threading
from functools import partial

import pytest
from django.db import connection

from syres.billing import selectors
from tests.integration.billing_fixtures import deposit
from tests.integration.customers_fixtures import company, staff_user
from tests.support.threads import started

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update) need PostgreSQL; SQLite serialises writers",
    ),
]

PER_THREAD = 6


def test_concurrent_issuers_neither_skip_nor_duplicate_a_number_r_inv_3() -> None:
    customer = company(staff_user("concurrent"))
    start = threading.Barrier(2)

    def issue(thread: int) -> None:
        start.wait()
        for index in range(PER_THREAD):
            deposit(customer, order_ref=f"BC-{thread}-{index}")
            # Each order once, even when both threads ask for the same one.
            deposit(customer, order_ref=f"BC-shared-{index}")

    issuers = [started(partial(issue, n)) for n in range(2)]
    for issuer in issuers:
        issuer()
    sequences = sorted(invoice.sequence for invoice in selectors.invoices_of(customer))
    assert sequences == list(range(1, 3 * PER_THREAD + 1))
