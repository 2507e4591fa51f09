"""Issued invoices: numbering, read-only rows, credit notes, documents, selectors (R-INV-3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from syres.billing import selectors, services
from syres.domain import billing as rules
from syres.terms import load_terms
from tests.integration.billing_fixtures import deposit, fee_line
from tests.integration.customers_fixtures import company, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Any:
    return staff_user("billing")


@pytest.fixture
def customer(staff: Any) -> Any:
    return company(staff)


def test_numbers_follow_each_other_in_each_series_r_inv_3(customer: Any) -> None:
    first = deposit(customer, order_ref="BC-2026-00001")
    second = deposit(customer, order_ref="BC-2026-00002")
    note = services.issue_credit_note(
        invoice=first, issue_date=date(2026, 10, 6), reason="Commande annulée"
    )
    assert (first.number, second.number, note.number) == ("FA-000001", "FA-000002", "AV-000001")
    assert first.total_excl_vat == Decimal("300.00")
    assert first.total_incl_vat == first.total_excl_vat + first.total_vat


def test_a_deposit_is_invoiced_once_per_order_r_ord_2(customer: Any) -> None:
    assert deposit(customer).pk == deposit(customer).pk
    assert selectors.invoices_of(customer).count() == 1


def test_a_document_refused_by_the_rules_leaves_no_gap_r_inv_3(customer: Any) -> None:
    with pytest.raises(services.UnableToBill):
        services.issue_deposit_invoice(
            customer=customer,
            order_ref="BC-X",
            one_off_total=Decimal("0"),
            issue_date=date(2026, 10, 5),
        )
    assert deposit(customer).number == "FA-000001"


def test_numbers_are_chronological_r_inv_3(customer: Any) -> None:
    deposit(customer, day=date(2026, 10, 5))
    with pytest.raises(services.UnableToBill, match="chronologique"):
        deposit(customer, order_ref="BC-2", day=date(2026, 10, 4))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE billing_invoice SET total_excl_vat = 1 WHERE id = %s",
        "UPDATE billing_invoice SET number = 'FA-999999' WHERE id = %s",
        "DELETE FROM billing_invoice WHERE id = %s",
        "UPDATE billing_invoiceline SET amount = 0 WHERE invoice_id = %s",
        "DELETE FROM billing_invoiceline WHERE invoice_id = %s",
        "UPDATE billing_invoicevat SET tax = 0 WHERE invoice_id = %s",
    ],
)
def test_an_issued_invoice_cannot_be_altered_in_the_database_r_inv_3(
    customer: Any, statement: str
) -> None:
    invoice = deposit(customer)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [invoice.pk])
    invoice.refresh_from_db()
    assert invoice.total_excl_vat == Decimal("300.00")
    assert selectors.lines_of(invoice).count() == 1


def test_only_the_rendering_date_of_an_invoice_may_change(customer: Any) -> None:
    invoice = deposit(customer)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_invoice SET rendered_at = issued_at WHERE id = %s", [invoice.pk]
        )
    invoice.refresh_from_db()
    assert invoice.rendered_at == invoice.issued_at


def test_a_credit_note_references_its_invoice_number_and_date_r_inv_3(customer: Any) -> None:
    invoice = deposit(customer)
    note = services.issue_credit_note(
        invoice=invoice,
        issue_date=date(2026, 10, 20),
        reason="Geste commercial",
        lines=[fee_line("Remise", "100.00", day=date(2026, 10, 20))],
    )
    assert note.referenced_invoice == invoice
    assert (note.referenced_number, note.referenced_issue_date) == (
        invoice.number,
        invoice.issue_date,
    )
    document = selectors.document_of(note)
    assert document.kind is rules.InvoiceKind.CREDIT_NOTE
    assert document.referenced_invoice == rules.InvoiceReference(
        number=invoice.number, issue_date=invoice.issue_date, type_code="386"
    )
    xml = selectors.invoice_xml(note).decode()
    assert invoice.number in xml
    assert "<rsm:CrossIndustryInvoice" in xml


def test_a_credit_note_cannot_credit_more_than_is_left(customer: Any) -> None:
    invoice = deposit(customer)
    services.issue_credit_note(invoice=invoice, issue_date=date(2026, 10, 6), reason="Annulée")
    with pytest.raises(services.UnableToBill, match="dépasse"):
        services.issue_credit_note(invoice=invoice, issue_date=date(2026, 10, 7), reason="Encore")
    assert selectors.invoices_of(customer).count() == 2


def test_open_and_overdue_invoices_leave_out_what_is_credited(customer: Any) -> None:
    first = deposit(customer, order_ref="BC-1")
    second = deposit(customer, order_ref="BC-2")
    services.issue_credit_note(invoice=first, issue_date=date(2026, 10, 6), reason="Annulée")
    assert selectors.open_invoices_of(customer) == [second]
    # A deposit is payable on receipt: due on its issue date, overdue the day after.
    assert selectors.overdue_invoices(as_of=date(2026, 10, 5)) == []
    assert selectors.overdue_invoices(as_of=date(2026, 10, 6)) == [second]


def test_payments_tell_what_was_paid(customer: Any) -> None:
    invoice = deposit(customer)
    selectors.register_paid_amounts("test", lambda ids: dict.fromkeys(ids, invoice.amount_due))
    try:
        assert selectors.open_invoices_of(customer) == []
    finally:
        selectors._paid_amount_sources.pop("test")


def test_the_documents_are_written_once_and_read_back(customer: Any) -> None:
    invoice = deposit(customer)
    assert services.render_documents(invoice_ids=[invoice.pk]) == 1
    assert services.render_documents(invoice_ids=[invoice.pk]) == 0
    invoice.refresh_from_db()
    pdf_path, xml_path = selectors.document_paths(number=invoice.number)
    assert selectors.invoice_pdf(invoice) == pdf_path.read_bytes()
    assert selectors.invoice_pdf(invoice).startswith(b"%PDF")
    assert selectors.invoice_xml(invoice) == xml_path.read_bytes()
    assert selectors.document_of(invoice).total_incl_vat == invoice.total_incl_vat


def test_the_snapshot_gives_back_the_document_issued(customer: Any) -> None:
    invoice = deposit(customer)
    document = selectors.document_of(invoice)
    assert document.number == invoice.number
    assert document.total_excl_vat == invoice.total_excl_vat
    assert document.due_date == invoice.due_date
    assert load_terms().seller.siren == document.seller.siren
