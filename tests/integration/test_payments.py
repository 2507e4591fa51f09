"""Payments on both databases: allocation, statement imports, SEPA batches, rejected debits,
disputes, order refusal while overdue (SPEC R-PAY-1, R-PAY-2, R-ORD-6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import xmlschema

from syres.billing import selectors as billing_selectors
from syres.customers import selectors as customer_selectors
from syres.domain import billing as rules
from syres.payments import selectors, services
from syres.payments.models import Payment, PaymentIncident, StatementImport
from syres.payments.sepa import schema_file
from syres.payments.services import UnableToHandleDispute, UnableToImportStatement
from tests.integration.customers_fixtures import PDF, at, company, staff_user
from tests.integration.payments_fixtures import Entry, camt054, invoice, mandate, transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Any:
    return staff_user("compta")


@pytest.fixture
def customer(staff: Any) -> Any:
    return company(staff, when=at(2025, 12, 1))


def _open(invoice: Any) -> Decimal:
    return selectors.open_amount(invoice)


# --- allocation (R-PAY-1) ------------------------------------------------------------------


def test_a_payment_pays_the_oldest_invoice_first_partially_and_keeps_the_surplus_as_credit(
    customer: Any, staff: Any
) -> None:
    """R-PAY-1: partial payments allowed; what no invoice can take is kept as credit."""
    first = invoice(customer, "500.00", issue_date=date(2026, 10, 1))
    second = invoice(customer, "200.00", issue_date=date(2026, 11, 1))

    services.record_payment(
        customer=customer,
        method="cheque",
        amount=Decimal("700.00"),
        received_on=date(2026, 11, 20),
        reference="Chèque 1234567",
        by=staff,
        at=at(2026, 11, 20),
    )

    assert _open(first) == Decimal("0.00")
    assert _open(second) == Decimal("140.00")
    assert selectors.customer_credit(customer) == Decimal("0.00")

    transfer(customer, "200.00", on=date(2026, 11, 25), by=staff)
    assert _open(second) == Decimal("0.00")
    assert selectors.customer_credit(customer) == Decimal("60.00")
    assert billing_selectors.open_invoices_of(customer) == []


def test_a_payment_naming_an_invoice_pays_it_first(customer: Any, staff: Any) -> None:
    first = invoice(customer, "500.00", issue_date=date(2026, 10, 1))
    second = invoice(customer, "200.00", issue_date=date(2026, 11, 1))

    services.record_payment(
        customer=customer,
        method="administrative_mandate",
        amount=Decimal("240.00"),
        received_on=date(2026, 11, 20),
        target_invoice=second.number,
        by=staff,
        at=at(2026, 11, 20),
    )

    assert _open(first) == Decimal("600.00")
    assert _open(second) == Decimal("0.00")


# --- statements (R-PAY-1) ------------------------------------------------------------------


def _spaced(number: str) -> str:
    """The invoice number as a bank may print it: separators turned into spaces."""
    return number.replace("-", " ")


def test_a_statement_is_matched_its_leftovers_listed_and_a_second_import_refused(
    customer: Any, staff: Any
) -> None:
    """R-PAY-1: matched by reference (however spaced) or by amount; the rest listed for staff;
    the same statement imported again is refused whole, nothing counted twice."""
    first = invoice(customer, "500.00", issue_date=date(2026, 9, 1))
    second = invoice(customer, "200.00", issue_date=date(2026, 10, 1))
    third = invoice(customer, "62.92", issue_date=date(2026, 11, 1))
    assert third.amount_due == Decimal("75.50")
    data = camt054(
        [
            Entry("600.00", remittance=f"REGLEMENT FACTURE {_spaced(first.number)}"),
            Entry("100.00", remittance=f"ACOMPTE {second.number.replace('-', '')}"),
            Entry("75.50", remittance="VIREMENT TOTALENERGIES"),
            Entry("33.33", remittance="VIREMENT DIVERS"),
            Entry("12.00", direction="DBIT", family="CCRD", subfamily="CHRG"),
        ]
    )

    report = services.import_statement(
        data=data, file_name="avis.xml", by=staff, at=at(2026, 12, 11)
    )

    assert report.matched == 3
    assert _open(first) == Decimal("0.00")
    assert _open(second) == Decimal("140.00")
    assert _open(third) == Decimal("0.00")
    left = list(selectors.leftovers())
    assert [line.amount for line in left] == [Decimal("33.33"), Decimal("12.00")]
    assert "aucune facture ouverte de 33,33" in left[0].note
    assert "non liée à une facture" in left[1].note

    with pytest.raises(UnableToImportStatement, match="déjà été importé"):
        services.import_statement(data=data, file_name="avis-bis.xml", by=staff)
    assert Payment.objects.count() == 3
    assert StatementImport.objects.count() == 1
    assert _open(second) == Decimal("140.00")


def test_a_malformed_statement_is_refused_whole_with_the_reason(customer: Any, staff: Any) -> None:
    first = invoice(customer, "500.00")
    data = camt054([Entry("600.00", remittance=first.number), Entry("12,50", remittance="x")])

    with pytest.raises(UnableToImportStatement, match="montant illisible"):
        services.import_statement(data=data, file_name="avis.xml", by=staff)

    assert Payment.objects.count() == 0
    assert StatementImport.objects.count() == 0
    assert _open(first) == Decimal("600.00")


# --- SEPA direct debit and its return (R-PAY-1) --------------------------------------------


def test_a_sepa_batch_collects_the_due_invoices_under_the_mandate_in_a_valid_pain008(
    customer: Any, staff: Any
) -> None:
    """R-PAY-1: mandate reference and signature date, FRST, the pre-notification respected."""
    mandate(customer, staff)
    due = invoice(customer, "500.00", issue_date=date(2026, 10, 1))
    later = invoice(customer, "75.00", issue_date=date(2026, 11, 1))  # due on 01/12

    batch = services.create_sepa_batch(
        collection_date=date(2026, 11, 3), by=staff, at=at(2026, 10, 30)
    )

    assert batch.count == 1
    assert batch.control_sum == Decimal("600.00")
    xml = bytes(batch.xml)
    xmlschema.XMLSchema(str(schema_file("pain.008.001.08"))).validate(xml)
    text = xml.decode()
    assert "<MndtId>SYRES-RUM-000042</MndtId>" in text
    assert "<DtOfSgntr>2026-01-10</DtOfSgntr>" in text
    assert "<SeqTp>FRST</SeqTp>" in text
    assert f"<EndToEndId>{due.number}</EndToEndId>" in text
    assert later.number not in text
    with pytest.raises(services.UnableToCreateBatch, match="Aucune facture"):
        services.create_sepa_batch(collection_date=date(2026, 11, 3), by=staff, at=at(2026, 10, 30))


def test_a_rejected_debit_reopens_the_invoice_and_is_a_payment_incident(
    customer: Any, staff: Any
) -> None:
    """R-PAY-1: the bank's return takes back what the debit paid; the invoice is owed again."""
    mandate(customer, staff)
    debited = invoice(customer, "500.00", issue_date=date(2026, 10, 1))
    services.create_sepa_batch(collection_date=date(2026, 11, 3), by=staff, at=at(2026, 10, 30))
    collected = camt054(
        [
            Entry(
                "600.00",
                end_to_end=debited.number,
                family="IDDT",
                subfamily="ESDD",
                booked_on=date(2026, 11, 3),
            )
        ],
        ident="C54-COLLECT",
    )
    services.import_statement(
        data=collected, file_name="encaissements.xml", by=staff, at=at(2026, 11, 4)
    )
    assert _open(debited) == Decimal("0.00")

    returned = camt054(
        [
            Entry(
                "600.00",
                end_to_end=debited.number,
                direction="DBIT",
                family="IDDT",
                subfamily="UPDD",
                return_reason="AM04",
                booked_on=date(2026, 11, 8),
            )
        ],
        ident="C54-RETURN",
    )
    report = services.import_statement(
        data=returned, file_name="impayes.xml", by=staff, at=at(2026, 11, 9)
    )

    assert _open(debited) == Decimal("600.00")
    (incident,) = report.incidents
    assert incident.reason_code == "AM04"
    assert incident.reason == "Provision insuffisante"
    assert incident.invoice_numbers == debited.number
    assert PaymentIncident.objects.filter(customer=customer).count() == 1
    # R-INV-5: the incident allows an intermediate invoice, payable on receipt, once.
    usage = rules.one_off_line(
        label="Communications du 01/11 au 08/11",
        category=rules.LineCategory.OTHER,
        unit_price=Decimal("80.00"),
        vat_rate=Decimal("0.20"),
    )
    extra = services.invoice_payment_incident(
        incident=incident, lines=[usage], issue_date=date(2026, 11, 9), by=staff
    )
    assert (extra.kind, extra.due_date, extra.amount_due) == (
        "intermediate",
        date(2026, 11, 9),
        Decimal("96.00"),
    )
    with pytest.raises(services.UnableToRecordPayment, match="déjà donné lieu"):
        services.invoice_payment_incident(
            incident=incident, lines=[usage], issue_date=date(2026, 11, 9), by=staff
        )
    # The invoice may be presented again; the first collection failed, so it is FRST again.
    again = services.create_sepa_batch(
        collection_date=date(2026, 11, 12), by=staff, at=at(2026, 11, 9)
    )
    assert again.count == 1
    assert "<SeqTp>FRST</SeqTp>" in bytes(again.xml).decode()


# --- disputes (R-PAY-2) --------------------------------------------------------------------


def _dispute(invoice: Any, by: Any, *, on: date, amount: str = "200.00") -> Any:
    return services.open_dispute(
        invoice=invoice,
        contested_amount=Decimal(amount),
        grounds="Appels facturés en double",
        files=[("releve-appels.pdf", PDF)],
        opened_on=on,
        by=by,
    )


def test_a_dispute_is_refused_on_day_31_and_accepted_on_day_30(customer: Any, staff: Any) -> None:
    """R-PAY-2: 30 days from the invoice date, deadline inclusive."""
    contested = invoice(customer, "500.00", issue_date=date(2026, 10, 1))

    with pytest.raises(UnableToHandleDispute, match="jusqu'au 31/10/2026 inclus"):
        _dispute(contested, staff, on=date(2026, 11, 1))
    dispute = _dispute(contested, staff, on=date(2026, 10, 31))

    assert dispute.files.count() == 1
    assert (dispute.opened_on, dispute.opened_by) == (date(2026, 10, 31), staff)


def test_a_supporting_file_of_a_refused_type_is_refused(customer: Any, staff: Any) -> None:
    contested = invoice(customer, "500.00")
    with pytest.raises(UnableToHandleDispute, match="refusé"):
        services.open_dispute(
            invoice=contested,
            contested_amount=Decimal("10.00"),
            grounds="x",
            files=[("script.exe", b"MZ\x90\x00" + b"\x00" * 20)],
            opened_on=date(2026, 10, 5),
            by=staff,
        )


def test_the_contested_amount_is_held_and_the_rest_still_dunned(customer: Any, staff: Any) -> None:
    """R-PAY-2: only the uncontested rest is overdue while the dispute is open."""
    contested = invoice(customer, "500.00")
    _dispute(contested, staff, on=date(2026, 10, 20))

    (overdue,) = selectors.overdue_invoices(as_of=date(2026, 11, 10))
    assert overdue.held_amount == Decimal("200.00")
    assert overdue.dunnable_amount == Decimal("400.00")


def test_a_rejected_dispute_makes_the_contested_amount_due_at_once(
    customer: Any, staff: Any
) -> None:
    contested = invoice(customer, "500.00")
    dispute = _dispute(contested, staff, on=date(2026, 10, 20))

    decided = services.reject_dispute(
        dispute=dispute, decided_on=date(2026, 11, 12), reason="Appels bien passés", by=staff
    )

    assert decided.due_on == date(2026, 11, 12)
    assert decided.decided_by == staff
    (overdue,) = selectors.overdue_invoices(as_of=date(2026, 11, 12))
    assert overdue.dunnable_amount == Decimal("600.00")


def test_an_accepted_dispute_is_credited_by_a_credit_note(customer: Any, staff: Any) -> None:
    """R-PAY-2: acceptance issues billing's credit note of the contested amount."""
    contested = invoice(customer, "500.00")
    dispute = _dispute(contested, staff, on=date(2026, 10, 20))

    services.accept_dispute(
        dispute=dispute, decided_on=date(2026, 10, 25), reason="Doublon confirmé", by=staff
    )

    dispute.refresh_from_db()
    note = billing_selectors.invoice_by_number(dispute.credit_note_number)
    assert note is not None
    assert note.referenced_invoice == contested
    assert note.total_incl_vat == Decimal("200.00")
    assert _open(contested) == Decimal("400.00")
    with pytest.raises(UnableToHandleDispute, match="déjà tranchée"):
        services.reject_dispute(
            dispute=dispute, decided_on=date(2026, 10, 26), reason="x", by=staff
        )


# --- R-ORD-6 -------------------------------------------------------------------------------


def test_a_customer_with_overdue_sums_cannot_order(customer: Any, staff: Any) -> None:
    """R-ORD-6: the payments app's registered check gives the reason."""
    late = invoice(customer, "500.00", issue_date=date(2026, 10, 1))

    reasons = customer_selectors.order_refusal_reasons(customer)

    assert any(late.number in reason and "600,00" in reason for reason in reasons)
    transfer(customer, "600.00", on=date(2026, 11, 2), by=staff)
    assert not any(
        late.number in reason for reason in customer_selectors.order_refusal_reasons(customer)
    )
