"""The quote PDF: French, seller identity, CGV reference, validity, deposit (R-ORD-1, R-ORD-2)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from syres.domain.orders import LineAmounts
from syres.orders.documents import QuoteDocument, QuoteDocumentLine, render_quote_pdf
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)

DOCUMENT = QuoteDocument(
    number="DV-2026-00007",
    quote_date=date(2026, 1, 31),
    customer_name="Fromagerie des Causses SAS",
    customer_address=("4 route de Laguiole", "12500 Espalion"),
    customer_siren="732829320",
    customer_vat="FR44732829320",
    author="Camille Vidal",
    lines=(
        QuoteDocumentLine(
            position=1,
            designation="Fibre FTTO 100 Mb/s garantis, GTR 4 h",
            detail="Site : Siège",
            amounts=LineAmounts(
                quantity=1,
                monthly_price=Decimal("390.00"),
                access_fee=Decimal("1500.00"),
                installation_fee=Decimal("500.00"),
                negotiated_monthly_price=Decimal("350.00"),
            ),
            commitment_months=36,
        ),
        QuoteDocumentLine(
            position=2,
            designation="Téléphone IP",
            detail="Vendu",
            amounts=LineAmounts(quantity=3, monthly_price=Decimal(0), sale_price=Decimal("189")),
            commitment_months=None,
        ),
    ),
)


def _text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_the_quote_pdf_carries_seller_customer_validity_and_cgv_reference() -> None:
    """R-ORD-1: valid 1 month (31 January → until 27 February included), CGV named; R-INV-4
    identity of the seller."""
    pdf = render_quote_pdf(document=DOCUMENT, terms=TERMS)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "DEVIS N° DV-2026-00007" in text
    assert "SYRES TELECOM" in text
    assert "SIREN 441733953" in text
    assert "FR93441733953" in text
    assert "85 000" in text
    assert "Valable jusqu’au 27/02/2026 inclus" in text
    assert TERMS.quotes.cgv_reference in text
    assert "Fromagerie des Causses SAS" in text
    assert "Bon pour accord" in text


def test_the_quote_pdf_shows_negotiated_price_totals_and_the_30_percent_deposit() -> None:
    """R-ORD-2: one-off total 2 000 + 3 × 189 = 2 567,00 €; deposit 30 % = 770,10 €."""
    text = _text(render_quote_pdf(document=DOCUMENT, terms=TERMS))
    assert "prix négocié" in text
    assert "350,00 €" in text
    assert "2 567,00 €" in text
    assert "770,10 €" in text
    assert "30 %" in text
