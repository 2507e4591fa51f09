"""Bank statements camt.053 / camt.054: reading, matching to invoices, leftovers, refusals
(R-PAY-1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from syres.domain.payments.allocation import (
    Allocation,
    OpenInvoice,
    reopen_invoices,
    reverse_rejected_debit,
)
from syres.domain.payments.statements import InvoiceToMatch, LineKind, match_statement
from syres.domain.periods import PARIS
from syres.payments.statements import (
    UnableToReadStatement,
    parse_statement,
    read_statement_file,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "statements"
CAMT053_V02 = FIXTURES / "camt053_v02_releve_2026-12-08.xml"
CAMT053_V08 = FIXTURES / "camt053_v08_releve_2026-12-09.xml"
CAMT054_V02 = FIXTURES / "camt054_v02_impayes_2026-12-10.xml"
CAMT054_V08 = FIXTURES / "camt054_v08_virements_2026-12-10.xml"
D = Decimal
NOV_20, DEC_20 = date(2026, 11, 20), date(2026, 12, 20)


def _invoice(number: str, total: str, open_amount: str | None = None) -> InvoiceToMatch:
    return InvoiceToMatch(number, NOV_20, DEC_20, D(total), D(open_amount or total))


INVOICES = [
    _invoice("FA-2026-000101", "118.80"),
    _invoice("FA-2026-000102", "1042.56"),
    _invoice("FA-2026-000103", "60.00"),
    _invoice("FA-2026-000104", "90.00"),
    _invoice("FA-2026-000105", "240.00", "0.00"),  # paid by a direct debit, now returned
    _invoice("FA-2026-000106", "250.00"),
    _invoice("FA-2026-000107", "89.90", "0.00"),
    _invoice("FA-2026-000108", "64.20"),
]


def test_a_camt053_v02_statement_is_read_with_its_identifier_and_lines() -> None:
    """R-PAY-1: transfers, a collected batch split per debit, a return with its reason code,
    bank fees; the pending entry is left out."""
    (statement,) = read_statement_file(CAMT053_V02)
    assert (statement.message_type, statement.version) == ("camt.053", "001.02")
    assert statement.identifier == (
        "camt.053:FR7630006000011234567890189:30006000011234567890189-20261207"
    )
    assert statement.message_id == "CAMT053-20261208-0412873"
    assert statement.created_at == datetime(2026, 12, 8, 5, 42, 17, tzinfo=PARIS)
    assert [(line.line_ref, line.kind, line.amount) for line in statement.lines] == [
        ("1", LineKind.TRANSFER_RECEIVED, D("118.80")),
        ("2", LineKind.TRANSFER_RECEIVED, D("500.00")),
        ("3.1", LineKind.DEBIT_COLLECTED, D("60.00")),
        ("3.2", LineKind.DEBIT_COLLECTED, D("90.00")),
        ("4", LineKind.DEBIT_RETURNED, D("240.00")),
        ("5", LineKind.OTHER, D("12.50")),
        ("6", LineKind.TRANSFER_RECEIVED, D("77.77")),
    ]
    returned = statement.lines[4]
    assert (returned.end_to_end_id, returned.return_reason_code) == ("FA-2026-000105", "AM04")
    assert returned.counterparty_name == "TRANSPORTS VIDAL"


def test_a_camt053_v02_statement_is_matched_and_its_leftovers_listed() -> None:
    """R-PAY-1: by reference (however spaced) and amount; partial payment; a return; the rest
    listed with the reason."""
    (statement,) = read_statement_file(CAMT053_V02)
    result = match_statement(statement=statement, invoices=INVOICES)
    assert [(m.line.line_ref, m.invoice_numbers, m.by, m.note) for m in result.matched] == [
        ("1", ("FA-2026-000101",), "reference", "Paiement du solde"),
        ("2", ("FA-2026-000102",), "reference", "Paiement partiel : reste dû 542,56\u00a0€"),
        ("3.1", ("FA-2026-000103",), "reference", "Paiement du solde"),
        ("3.2", ("FA-2026-000104",), "reference", "Paiement du solde"),
        ("4", ("FA-2026-000105",), "reference", "Prélèvement rejeté (motif AM04)"),
    ]
    partial = result.matched[1].allocation
    assert partial is not None
    assert partial.allocations == (Allocation("FA-2026-000102", D("500.00")),)
    assert [(u.line.line_ref, u.reason) for u in result.unmatched] == [
        ("5", "Opération non liée à une facture (code ACMT/MDOP/CHRG)"),
        (
            "6",
            "Aucun numéro de facture dans le libellé et aucune facture ouverte de 77,77\u00a0€",
        ),
    ]


def test_a_camt053_v08_statement_keeps_an_over_payment_as_credit() -> None:
    """R-PAY-1: structured creditor reference; 300 € on a 250 € invoice: 50 € credit."""
    (statement,) = read_statement_file(CAMT053_V08)
    assert statement.version == "001.08"
    result = match_statement(statement=statement, invoices=INVOICES)
    over, returned = result.matched
    assert over.invoice_numbers == ("FA-2026-000106",)
    assert over.allocation is not None
    assert over.allocation.credit == D("50.00")
    assert over.note == "Trop-perçu de 50,00\u00a0€ gardé en avoir du client"
    assert returned.line.return_reason_code == "MS02"
    assert result.unmatched == ()


def test_a_returned_debit_of_a_camt054_reopens_the_invoice_and_lists_the_unknown_one() -> None:
    """R-PAY-1: the notification of unpaid debits: the known one re-opens its invoice as a
    payment incident; the one naming no invoice of ours is left over."""
    (notification,) = read_statement_file(CAMT054_V02)
    paid = [_invoice("FA-2026-000101", "118.80", "0.00")]
    result = match_statement(statement=notification, invoices=paid)
    (matched,) = result.matched
    assert matched.invoice_numbers == ("FA-2026-000101",)
    assert [(u.line.end_to_end_id, u.reason) for u in result.unmatched] == [
        ("FA-2025-009999", "Rejet de prélèvement sans numéro de facture connu")
    ]
    rejected = reverse_rejected_debit(
        debit_amount=D("118.80"),
        allocations=[Allocation("FA-2026-000101", D("118.80"))],
        returned_amount=matched.line.amount,
        reason_code=matched.line.return_reason_code or "",
        returned_on=matched.line.booking_date,
    )
    settled = [OpenInvoice("FA-2026-000101", NOV_20, DEC_20, D("0.00"))]
    (reopened,) = reopen_invoices(invoices=settled, rejected=rejected)
    assert reopened.open_amount == D("118.80")
    assert rejected.incident.reason == "Compte clôturé"


def test_a_camt054_v08_transfer_is_matched_by_a_squeezed_reference_or_by_amount() -> None:
    """R-PAY-1: "FA2026000102" names FA-2026-000102; no reference but one open invoice of
    64,20 €: matched by amount, for staff to confirm."""
    (notification,) = read_statement_file(CAMT054_V08)
    open_invoices = [_invoice("FA-2026-000102", "1042.56", "542.56"), *INVOICES[5:]]
    result = match_statement(statement=notification, invoices=open_invoices)
    assert [(m.invoice_numbers, m.by, m.note) for m in result.matched] == [
        (("FA-2026-000102",), "reference", "Paiement du solde"),
        (("FA-2026-000108",), "amount", "Paiement du solde"),
    ]


def test_two_lines_paying_one_invoice_are_not_both_counted_in_full() -> None:
    """R-PAY-1: the second payment of an invoice in the same statement is an over-payment."""
    (statement,) = read_statement_file(CAMT053_V02)
    twice = replace(statement, lines=(statement.lines[0], statement.lines[0]))
    result = match_statement(statement=twice, invoices=INVOICES)
    assert [m.note for m in result.matched] == [
        "Paiement du solde",
        "Trop-perçu de 118,80\u00a0€ gardé en avoir du client",
    ]


def test_the_same_file_gives_the_same_identifiers_and_files_differ() -> None:
    """R-PAY-1: the identifier lets the import refuse a statement already imported."""
    first = [s.identifier for s in read_statement_file(CAMT053_V02)]
    again = [s.identifier for s in read_statement_file(CAMT053_V02)]
    others = {
        s.identifier
        for f in (CAMT053_V08, CAMT054_V02, CAMT054_V08)
        for s in read_statement_file(f)
    }
    assert first == again
    assert not set(first) & others
    assert len(others) == 3


V02 = CAMT053_V02.read_bytes()


@pytest.mark.parametrize(
    ("old", "new", "element", "reason"),
    [
        (b"<Id>30006000011234567890189-20261207</Id>", b"", "Stmt[1]/Id", "obligatoire"),
        (b'<Amt Ccy="EUR">12.50</Amt>', b'<Amt Ccy="EUR">12,50</Amt>', "Ntry[5]/Amt", "illisible"),
        (b'<Amt Ccy="EUR">77.77</Amt>', b'<Amt Ccy="USD">77.77</Amt>', "Ntry[6]/Amt", "'USD'"),
        (b"15594.07", b"15594.08", "Stmt[1]/Bal", "soldes incohérents"),
        (b'<Amt Ccy="EUR">90.00</Amt>', b'<Amt Ccy="EUR">91.00</Amt>', "Ntry[3]", "ne font pas"),
        (
            b"<CdtDbtInd>DBIT</CdtDbtInd>",
            b"<CdtDbtInd>DEBT</CdtDbtInd>",
            "Ntry[4]/CdtDbtInd",
            "sens",
        ),
        (
            b"<Dt>2026-12-07</Dt>\n        </BookgDt>",
            b"<Dt>2026-13-07</Dt>\n        </BookgDt>",
            "Ntry[1]/BookgDt",
            "date invalide",
        ),
        (b"<MsgId>CAMT053-20261208-0412873</MsgId>", b"", "GrpHdr/MsgId", "obligatoire"),
        (
            b"<IBAN>FR7630006000011234567890189</IBAN>",
            b"<Othr><Id>123</Id></Othr>",
            "Acct/Id/IBAN",
            "sans IBAN",
        ),
    ],
)
def test_a_malformed_statement_is_refused_whole_with_file_element_and_reason(
    old: bytes, new: bytes, element: str, reason: str
) -> None:
    """R-PAY-1: nothing half-imported: the whole file is refused, saying where and why."""
    assert old in V02
    with pytest.raises(UnableToReadStatement) as refused:
        parse_statement(V02.replace(old, new, 1), source="releve.xml")
    error = refused.value
    assert error.source == "releve.xml"
    assert element in error.element, error
    assert reason in error.reason, error
    assert str(error).startswith("releve.xml : Document/BkToCstmrStmt")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<Document><unclosed></Document>", "XML mal formé"),
        (b"%PDF-1.7 not a statement", "XML mal formé"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><Document>&e;</Document>',
            "DOCTYPE interdite",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"/>',
            "ni camt.053 ni camt.054",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"/>',
            "version 001.02 ou 001.08",
        ),
    ],
)
def test_a_file_that_is_not_a_supported_statement_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(UnableToReadStatement, match=reason):
        parse_statement(data, source="fichier.xml")
