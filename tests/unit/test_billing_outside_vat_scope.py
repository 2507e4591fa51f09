"""VAT category O, outside the scope of VAT (EN 16931 BR-O-*), for late-payment penalties and
the recovery indemnity (SPEC R-PAY-3, L441-10, D441-5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.billing.samples import sample_buyer
from syres.domain.billing import (
    IntermediateReason,
    InvoiceKind,
    LateCharge,
    LineCategory,
    UnableToBuildLine,
    UnableToIssueInvoice,
    VatCategory,
    bank_transfer,
    full_credit_note,
    intermediate_invoice,
    late_charge_line,
    late_charges_invoice,
    one_off_line,
    vat_breakdown,
)
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)
DAY = date(2026, 5, 18)


def charges() -> list[LateCharge]:
    """The worked example of docs/payments.md: penalty 14,47 € and the indemnity."""
    return [
        LateCharge(late_invoice_number="FA-000042", label="Pénalités", amount=Decimal("14.47")),
        LateCharge(
            late_invoice_number="FA-000042",
            label="Indemnité forfaitaire",
            amount=TERMS.invoicing.recovery_indemnity,
        ),
    ]


def test_the_worked_example_is_invoiced_without_vat_and_payable_on_receipt() -> None:
    """R-PAY-3, docs/payments.md: 14,47 € + 40,00 € = 54,47 €, VAT 0, due the issue day."""
    document = late_charges_invoice(
        number="FA-000100",
        issue_date=DAY,
        buyer=sample_buyer(),
        charges=charges(),
        payment=bank_transfer(terms=TERMS),
        terms=TERMS,
    )

    assert document.kind is InvoiceKind.INTERMEDIATE
    assert document.intermediate_reason is IntermediateReason.LATE_CHARGES
    assert (document.total_excl_vat, document.total_vat, document.total_incl_vat) == (
        Decimal("54.47"),
        Decimal("0.00"),
        Decimal("54.47"),
    )
    assert document.due_date == DAY
    assert document.outside_vat_scope
    (breakdown,) = document.vat
    assert (breakdown.category, breakdown.rate, breakdown.exemption_code) == (
        VatCategory.OUTSIDE_SCOPE,
        Decimal(0),
        "VATEX-EU-O",
    )
    assert breakdown.exemption_reason == "Hors champ d'application de la TVA"
    assert "L441-10" in document.reason
    assert "D441-5" in document.reason


def test_an_invoice_never_mixes_taxed_lines_and_lines_outside_the_scope_of_vat() -> None:
    """BR-O-11…14: refused by the domain whatever the kind."""
    taxed = one_off_line(
        label="Frais",
        category=LineCategory.ACCESS_FEE,
        unit_price=Decimal("100"),
        vat_rate=TERMS.invoicing.vat_rate_on(day=DAY),
    )
    outside = late_charge_line(
        label="Indemnité", amount=Decimal("40"), late_invoice_number="FA-000042"
    )

    with pytest.raises(UnableToIssueInvoice, match="BR-O-11"):
        intermediate_invoice(
            number="FA-000100",
            issue_date=DAY,
            buyer=sample_buyer(),
            lines=[taxed, outside],
            reason=IntermediateReason.LATE_CHARGES,
            payment=bank_transfer(terms=TERMS),
            terms=TERMS,
        )


def test_a_line_outside_the_scope_of_vat_carries_no_rate_and_a_positive_amount() -> None:
    """BR-O-05; a late charge is a positive amount."""
    line = late_charge_line(label="x", amount=Decimal("1"), late_invoice_number="FA-1")
    with pytest.raises(UnableToBuildLine):
        type(line)(
            label="x",
            category=LineCategory.LATE_CHARGE,
            quantity=Decimal(1),
            unit_code="C62",
            unit_price=Decimal(1),
            vat_rate=Decimal("0.20"),
            vat_category=VatCategory.OUTSIDE_SCOPE,
        )
    with pytest.raises(UnableToBuildLine):
        late_charge_line(label="x", amount=Decimal(0), late_invoice_number="FA-1")
    with pytest.raises(UnableToIssueInvoice):
        late_charges_invoice(
            number="FA-000100",
            issue_date=DAY,
            buyer=sample_buyer(),
            charges=[],
            payment=bank_transfer(terms=TERMS),
            terms=TERMS,
        )


def test_a_credit_note_of_a_late_charges_invoice_stays_outside_the_scope_of_vat() -> None:
    """R-INV-3: the credit note gives back the lines as they were, category O included."""
    invoice = late_charges_invoice(
        number="FA-000100",
        issue_date=DAY,
        buyer=sample_buyer(),
        charges=charges(),
        payment=bank_transfer(terms=TERMS),
        terms=TERMS,
    )
    note = full_credit_note(
        number="AV-000001", issue_date=DAY, invoice=invoice, reason="Geste", terms=TERMS
    )
    assert note.outside_vat_scope
    assert (note.total_incl_vat, note.total_vat) == (Decimal("54.47"), Decimal("0.00"))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
        min_size=1,
        max_size=6,
    )
)
def test_outside_scope_totals_are_the_sum_of_the_lines_and_bear_no_vat(
    amounts: list[Decimal],
) -> None:
    """R-PAY-3, BR-O-08/09: base = sum of the lines, VAT 0, total incl. VAT = base."""
    lines = [
        late_charge_line(label=f"l{i}", amount=amount, late_invoice_number="FA-1")
        for i, amount in enumerate(amounts)
    ]
    (breakdown,) = vat_breakdown(lines=lines)
    assert breakdown.base == sum(amounts, Decimal(0))
    assert breakdown.tax == Decimal("0.00")
