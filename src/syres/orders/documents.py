"""The quote PDF a customer signs (CGV art. 9; SPEC R-ORD-1, R-ORD-2), rendered with Typst.

Typst (the `typst` package: a self-contained compiler, no system dependency) renders a page in
well under a second; the template is `templates/orders/quote.typ` and receives its data as
JSON, every amount already formatted in French here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import typst

from syres.domain.money import format_eur
from syres.domain.orders import LineAmounts, deposit_due, monthly_total, one_off_total
from syres.domain.orders import quote_validity as validity_of
from syres.domain.terms import Terms

QUOTE_TEMPLATE = Path(__file__).parent / "templates" / "orders" / "quote.typ"


@dataclass(frozen=True)
class QuoteDocumentLine:
    position: int
    designation: str
    detail: str  # site, equipment lent or sold, platform…
    amounts: LineAmounts
    commitment_months: int | None


@dataclass(frozen=True)
class QuoteDocument:
    number: str
    quote_date: date
    customer_name: str
    customer_address: tuple[str, ...]
    customer_siren: str
    customer_vat: str
    author: str
    lines: tuple[QuoteDocumentLine, ...]


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}".replace(".", ",") + "\u00a0%"


def quote_pdf_data(*, document: QuoteDocument, terms: Terms) -> dict[str, object]:
    """What the template prints, in French (kept apart so that it can be checked)."""
    seller = terms.seller
    amounts = [line.amounts for line in document.lines]
    validity = validity_of(
        quote_date=document.quote_date, validity_months=terms.quotes.validity_months
    )
    months = terms.quotes.validity_months
    site = terms.orders.modem_site
    return {
        "number": document.number,
        "date": f"{document.quote_date:%d/%m/%Y}",
        "valid_until": f"{validity.end - timedelta(days=1):%d/%m/%Y}",
        "validity": f"{months} mois",
        "seller": {
            "name": seller.legal_name,
            "form": seller.legal_form,
            "capital": seller.display_capital,
            "siren": seller.siren,
            "rcs": seller.rcs_city,
            "vat": seller.vat_number,
            "address": f"{seller.address_line}, {seller.postcode} {seller.city}"
            if seller.address_line != seller.city
            else f"{seller.postcode} {seller.city}",
            "email": seller.email,
            "phone": seller.phone,
            "website": seller.website,
        },
        "customer": {
            "name": document.customer_name,
            "address": list(document.customer_address),
            "siren": document.customer_siren,
            "vat": document.customer_vat,
        },
        "author": document.author,
        "lines": [
            {
                "position": str(line.position),
                "designation": line.designation,
                "detail": line.detail,
                "quantity": str(line.amounts.quantity),
                "monthly_unit": format_eur(line.amounts.monthly_unit_price),
                "negotiated": line.amounts.negotiated_monthly_price is not None,
                "monthly_total": format_eur(line.amounts.monthly_total),
                "one_off_total": format_eur(line.amounts.one_off_total),
                "commitment": f"{line.commitment_months} mois" if line.commitment_months else "—",
            }
            for line in document.lines
        ],
        "totals": {
            "monthly": format_eur(monthly_total(lines=amounts)),
            "one_off": format_eur(one_off_total(lines=amounts)),
            "deposit_share": _percent(terms.orders.deposit_share),
            "deposit": format_eur(
                deposit_due(lines=amounts, deposit_share=terms.orders.deposit_share)
            ),
        },
        "vat_rate": _percent(terms.invoicing.vat_rate_on(day=document.quote_date)),
        "lead_time": str(terms.orders.lead_time_days),
        "fibre_weeks": f"{terms.orders.fibre_construction_weeks_min} à "
        f"{terms.orders.fibre_construction_weeks_max}",
        "modem_site": f"humidité inférieure à {site.humidity_max_percent}\u00a0%, température "
        f"entre {site.temperature_min_celsius} et {site.temperature_max_celsius}\u00a0°C, "
        "protection électrique et desserte interne à la charge du client",
        "cgv_reference": terms.quotes.cgv_reference,
    }


def render_quote_pdf(*, document: QuoteDocument, terms: Terms) -> bytes:
    """The quote as a PDF, in French, with the seller's identity and the CGV reference."""
    data = json.dumps(quote_pdf_data(document=document, terms=terms), ensure_ascii=False)
    pdf: bytes = typst.compile(QUOTE_TEMPLATE.read_bytes(), sys_inputs={"data": data})
    return pdf
