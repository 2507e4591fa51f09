"""Payments recorded at once on PostgreSQL (R-PAY-1): an invoice is never paid twice over.
Two payments of one customer: the second sees what the first allocated. A bank statement
imported while staff record a payment: the statement's line does not pay the invoice again."""

from __future__ import annotations

import contextlib
import threading
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.db import connection

from syres.domain.payments import disputes as dispute_rules
from syres.payments import selectors, services
from syres.payments.models import Dispute
from syres.payments.services import UnableToHandleDispute
from tests.integration.customers_fixtures import PDF, at, company, staff_user
from tests.integration.payments_fixtures import Entry, camt054, invoice, transfer
from tests.support.threads import started

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
    payments = [
        started(
            partial(
                transfer, customer, "600.00", on=date(2026, 11, 20), by=staff, reference=f"VIR-{n}"
            )
        )
        for n in range(2)
    ]
    for payment in payments:
        payment()

    paid = sum(a.amount for a in selectors.live_allocations_of(due))
    assert paid == Decimal("600.00")
    assert selectors.open_amount(due) == Decimal("0.00")
    assert selectors.customer_credit(customer) == Decimal("600.00")


def test_a_statement_line_does_not_pay_again_an_invoice_paid_during_the_import_r_pay_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The import matches its lines against the open invoices, then waits until a transfer
    recorded by staff for the same invoice has committed: the line must then go to staff (the
    invoice is paid), not pay it a second time."""
    staff = staff_user("statement-race")
    customer = company(staff, when=at(2025, 12, 1))
    due = invoice(customer, "500.00", issue_date=date(2026, 10, 1))  # 600.00 incl. VAT
    import_matched = threading.Event()
    payment_committed = threading.Event()
    match_statement = services.match_statement

    def match_then_wait(**kwargs: Any) -> Any:
        matched = match_statement(**kwargs)
        import_matched.set()
        payment_committed.wait(timeout=10)
        return matched

    monkeypatch.setattr(services, "match_statement", match_then_wait)
    data = camt054([Entry("600.00", remittance=f"FACTURE {due.number}")], ident="RACE-1")
    importing = started(
        partial(
            services.import_statement,
            data=data,
            file_name="avis.xml",
            by=staff,
            at=at(2026, 12, 11),
        )
    )
    try:
        # The payment only once the import has matched its line against the open invoice.
        assert import_matched.wait(timeout=10)
        transfer(customer, "600.00", on=date(2026, 12, 10), by=staff, reference="VIR-GUICHET")
    finally:
        payment_committed.set()
        report = importing()

    assert sum(a.amount for a in selectors.live_allocations_of(due)) == Decimal("600.00")
    assert report.matched == 0
    [left] = report.leftovers
    assert "a changé depuis le rapprochement" in left.note


def test_two_disputes_at_once_do_not_both_hold_the_same_rest_r_pay_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """R-PAY-2: a dispute may hold only the rest not already contested. Each of two disputes
    of the whole invoice reads the open disputes, then waits (up to 2 s) for the other to have
    read them too: without the customer lock both would find none and both hold 600.00; with
    it, the second waits for the first to commit and is refused."""
    staff = staff_user("concurrent-disputes")
    customer = company(staff, when=at(2025, 12, 1))
    contested = invoice(customer, "500.00", issue_date=date(2026, 10, 1))  # 600.00 incl. VAT
    both_read = threading.Barrier(2, timeout=2)
    decide = dispute_rules.open_dispute

    def decide_after_both_read(**kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait()
        return decide(**kwargs)

    monkeypatch.setattr(dispute_rules, "open_dispute", decide_after_both_read)
    disputes = [
        started(
            partial(
                services.open_dispute,
                invoice=contested,
                contested_amount=Decimal("600.00"),
                grounds="Appels facturés en double",
                files=[("releve-appels.pdf", PDF)],
                opened_on=date(2026, 10, 20),
                by=staff,
            )
        )
        for _ in range(2)
    ]
    refused: list[str] = []
    for dispute in disputes:
        try:
            dispute()
        except UnableToHandleDispute as error:
            refused.append(str(error))

    assert Dispute.objects.filter(invoice=contested).count() == 1
    [reason] = refused
    assert "dépasse le montant restant" in reason
