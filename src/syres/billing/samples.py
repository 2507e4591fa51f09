"""Sample invoice documents of every kind, built through the domain's public functions.

Used by the benchmark (`bench/invoice_documents.py`), by the validation tests and by
`syres invoice sample`: they exercise every path of the Factur-X adapter with plausible data.
No Django here.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from syres.domain.billing import (
    Buyer,
    CallDetail,
    IntermediateReason,
    InvoiceDocument,
    InvoiceKind,
    InvoiceLine,
    LateCharge,
    LineCategory,
    PostalAddress,
    Series,
    ServiceToBill,
    UsageAggregate,
    UsageKind,
    balance_invoice,
    bank_transfer,
    deposit_invoice,
    direct_debit,
    document_number,
    full_credit_note,
    intermediate_invoice,
    late_charges_invoice,
    monthly_invoice,
    one_off_line,
    series_prefix,
    subscription_lines,
    usage_line,
)
from syres.domain.periods import PARIS, Month
from syres.domain.terms import EquipmentModel, InternetAccess, MobilePlan, SipTrunk, Terms

SAMPLE_KINDS = (
    "monthly",
    "deposit",
    "balance",
    "intermediate",
    "late_charges",
    "credit_note",
    "public_administration",
)

# Valid by their check digits (Luhn for SIREN/SIRET, mod 97 for IBAN): the documents must pass
# the official validators as they are.
_COMPANIES = (
    ("Boulangerie Cabrol SARL", "732829320", "73282932000074", "FR44732829320"),
    ("Transports Aveyronnais SAS", "552100554", "55210055400013", "FR40552100554"),
    ("Cabinet Vidal Expertise", "443061841", "44306184100015", "FR21443061841"),
)
_ADMINISTRATION = ("Mairie d'Olempes", "211201790", "21120179000015", "")
_DEBTOR_IBAN = "FR1420041010050500013M02606"


def sample_buyer(*, index: int = 0, public_administration: bool = False) -> Buyer:
    name, siren, siret, vat = (
        _ADMINISTRATION if public_administration else _COMPANIES[index % len(_COMPANIES)]
    )
    return Buyer(
        name=name,
        address=PostalAddress(line=f"{index + 1} place du Bourg", postcode="12000", city="Rodez"),
        billing_email=f"compta{index}@client.example",
        siren=siren,
        siret=siret,
        vat_number=vat,
        customer_ref=f"C{index + 1:05d}",
        public_administration=public_administration,
        chorus_service_code="SERV-TELECOM" if public_administration else "",
        engagement_number="EJ-2026-0042" if public_administration else "",
    )


def sample_document(
    *, kind: str, terms: Terms, sequence: int = 1, seed: int = 0, calls: int = 12
) -> InvoiceDocument:
    """One document of `kind` (one of SAMPLE_KINDS), deterministic for a `seed`."""
    rng = random.Random(seed * 7919 + sequence)  # noqa: S311 (sample data, not security)
    period = Month(2026, 10)
    issue_date = date(2026, 11, 2)
    vat = terms.invoicing.vat_rate_on(day=issue_date)
    prefix = series_prefix(series=Series.INVOICE, terms=terms)
    number = document_number(prefix=prefix, sequence=sequence)
    public = kind == "public_administration"
    buyer = sample_buyer(index=sequence, public_administration=public)
    payment = (
        bank_transfer(terms=terms)
        if public or kind in ("deposit", "balance")
        else direct_debit(
            terms=terms,
            mandate_ref=f"RUM-{sequence:08d}",
            debtor_iban=_DEBTOR_IBAN,
            mandate_signed_on=date(2026, 1, 15),
        )
    )
    if kind in ("monthly", "public_administration", "credit_note"):
        lines = _monthly_lines(rng, period=period, vat=vat, terms=terms)
        document = monthly_invoice(
            number=number,
            issue_date=issue_date,
            period=period,
            buyer=buyer,
            lines=lines,
            payment=payment,
            terms=terms,
            call_details=_calls(rng, period=period, count=calls),
        )
        if kind != "credit_note":
            return document
        return full_credit_note(
            number=document_number(
                prefix=series_prefix(series=Series.CREDIT_NOTE, terms=terms), sequence=sequence
            ),
            issue_date=issue_date + timedelta(days=10),
            invoice=document,
            reason="Contestation acceptée (art. 7 des CGV) : annulation de la facture",
            terms=terms,
        )
    if kind in ("deposit", "balance"):
        one_offs = _order_lines(rng, vat=vat, terms=terms)
        total = sum((line.amount for line in one_offs), Decimal(0))
        deposit = deposit_invoice(
            number=number,
            issue_date=date(2026, 9, 1),
            buyer=buyer,
            order_ref=f"CMD-{sequence:05d}",
            one_off_total=total,
            payment=payment,
            terms=terms,
        )
        if kind == "deposit":
            return deposit
        return balance_invoice(
            number=document_number(prefix=prefix, sequence=sequence + 1),
            issue_date=issue_date,
            delivery_date=date(2026, 10, 20),
            buyer=buyer,
            order_ref=f"CMD-{sequence:05d}",
            lines=one_offs,
            deposit=deposit,
            payment=payment,
            terms=terms,
        )
    if kind == "intermediate":
        aggregate = UsageAggregate(
            service_ref="TRK-1",
            service_label="Trunk SIP OPEN IP 10 canaux",
            kind=UsageKind.VOICE,
            month=Month(2026, 11),
            billable_units=4210,
            amount=Decimal("842.137500"),
        )
        line = usage_line(aggregate=aggregate, vat_rate=vat)
        return intermediate_invoice(
            number=number,
            issue_date=date(2026, 11, 16),
            buyer=buyer,
            lines=[line] if line is not None else [],
            reason=IntermediateReason.UNUSUAL_CONSUMPTION,
            payment=payment,
            terms=terms,
            call_details=_calls(rng, period=Month(2026, 11), count=calls),
        )
    if kind == "late_charges":
        # The worked example of docs/payments.md: 1 200 € due 31/03/2026, 400 € paid on 20/04,
        # the rest on 15/05 → penalty 14,47 € and the 40 € indemnity, outside the scope of VAT.
        late = f"{prefix}-000042"
        return late_charges_invoice(
            number=number,
            issue_date=date(2026, 5, 18),
            buyer=buyer,
            charges=[
                LateCharge(
                    late_invoice_number=late,
                    label=f"Pénalités de retard — facture {late} (45 jours de retard)",
                    amount=Decimal("14.47"),
                    detail="art. L441-10 du Code de commerce",
                ),
                LateCharge(
                    late_invoice_number=late,
                    label=f"Indemnité forfaitaire pour frais de recouvrement — facture {late}",
                    amount=terms.invoicing.recovery_indemnity,
                    detail="art. D441-5 du Code de commerce",
                ),
            ],
            payment=payment,
            terms=terms,
        )
    raise ValueError(f"unknown sample kind {kind!r}; expected one of {', '.join(SAMPLE_KINDS)}")


def _monthly_lines(
    rng: random.Random, *, period: Month, vat: Decimal, terms: Terms
) -> list[InvoiceLine]:
    lines: list[InvoiceLine] = []
    plans = [
        ("FTTH-1G", Decimal(1)),
        ("TRUNK-OPENIP", Decimal(rng.choice([2, 4, 10]))),
        ("MOBILE-FULL", Decimal(rng.randint(1, 5))),
    ]
    for index, (code, quantity) in enumerate(plans):
        product = _recurring(terms, code)
        delivered = (
            date(2026, 10, rng.randint(2, 28))
            if index == 0 and rng.random() < 0.5
            else date(2026, 1, 5)
        )
        service = ServiceToBill(
            ref=f"SRV-{index + 1}",
            label=f"{product.name} ({int(quantity)})" if quantity != 1 else product.name,
            monthly_price=product.monthly_price,
            delivery_date=delivered,
            quantity=quantity,
            suspended=index == 2 and rng.random() < 0.2,
        )
        lines.extend(subscription_lines(service=service, period=period, vat_rate=vat))
    for kind, units, rate in (
        (UsageKind.VOICE, rng.randint(10, 900), Decimal("0.020")),
        (UsageKind.SMS, rng.randint(0, 40), Decimal("0.050")),
        (UsageKind.DATA, rng.randint(0, 30), None),
    ):
        # Data beyond the caps is billed per Mo at zone rates: several rates in one line.
        amount = (
            rate * units if rate is not None else Decimal(units * rng.randint(0, 900_000)) / 10**6
        )
        line = usage_line(
            aggregate=UsageAggregate(
                service_ref="SRV-2",
                service_label="Trunk SIP OPEN IP",
                kind=kind,
                month=period,
                billable_units=units,
                amount=amount,
                unit_rate=rate,
            ),
            vat_rate=vat,
        )
        if line is not None:
            lines.append(line)
    if rng.random() < 0.3:
        lines.append(
            one_off_line(
                label="Routeur de secours 4G non restitué (valeur de remplacement, art. 13)",
                category=LineCategory.OTHER,
                unit_price=Decimal("340.00"),
                vat_rate=vat,
            )
        )
    return lines


def _order_lines(rng: random.Random, *, vat: Decimal, terms: Terms) -> list[InvoiceLine]:
    access = _recurring(terms, "FTTO-100M")
    router = _equipment(terms, "EQ-ROUTER")
    phones = _equipment(terms, "EQ-PHONE")
    return [
        one_off_line(
            label=f"Frais d'accès — {access.name}",
            category=LineCategory.ACCESS_FEE,
            unit_price=access.access_fee,
            vat_rate=vat,
        ),
        one_off_line(
            label=f"Frais d'installation — {access.name}",
            category=LineCategory.ACCESS_FEE,
            unit_price=access.installation_fee,
            vat_rate=vat,
        ),
        one_off_line(
            label=f"{router.name} {router.model} — vente",
            category=LineCategory.EQUIPMENT_SALE,
            unit_price=router.sale_price,
            vat_rate=vat,
        ),
        one_off_line(
            label=f"{phones.name} {phones.model} — vente",
            category=LineCategory.EQUIPMENT_SALE,
            quantity=Decimal(rng.randint(1, 12)),
            unit_price=phones.sale_price,
            vat_rate=vat,
        ),
    ]


def _recurring(terms: Terms, code: str) -> InternetAccess | SipTrunk | MobilePlan:
    product = terms.product(code)
    if not isinstance(product, InternetAccess | SipTrunk | MobilePlan):
        raise TypeError(f"{code} is not a subscription of the catalog")
    return product


def _equipment(terms: Terms, code: str) -> EquipmentModel:
    product = terms.product(code)
    if not isinstance(product, EquipmentModel):
        raise TypeError(f"{code} is not equipment of the catalog")
    return product


def _calls(rng: random.Random, *, period: Month, count: int) -> list[CallDetail]:
    start = datetime.combine(period.first_day, datetime.min.time(), tzinfo=PARIS)
    calls = []
    for index in range(count):
        seconds = rng.randint(5, 3600)
        callee = rng.choice(["+33565123456", "+33612345678", "+442071234567", "+390612345678"])
        calls.append(
            CallDetail(
                started_at=start + timedelta(minutes=rng.randint(0, 40000)),
                line="+33565000001",
                callee=callee,
                duration_s=seconds,
                billable_s=seconds,
                amount=Decimal(-(-seconds // 60)) * Decimal("0.020"),
            )
        )
        if index == 0:
            # An emergency call in the input: the document must never show it (R-DEST-2).
            calls.append(
                CallDetail(
                    started_at=start + timedelta(hours=5),
                    line="+33565000001",
                    callee="112",
                    duration_s=60,
                    billable_s=60,
                    amount=Decimal(0),
                )
            )
    return calls


__all__ = ["SAMPLE_KINDS", "InvoiceKind", "sample_buyer", "sample_document"]
