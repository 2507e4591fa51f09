"""The issued document as JSON and back, exactly (R-INV-3: what was issued never changes).

An issued invoice keeps the `InvoiceDocument` it printed, so its PDF and XML can be produced
(or produced again) from the database alone, in any process, whatever the terms file or the
customer record say later. Decimals and dates are strings; enums their values.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from syres.domain.billing import (
    Buyer,
    CallDetail,
    IntermediateReason,
    InvoiceDocument,
    InvoiceKind,
    InvoiceLine,
    InvoiceReference,
    LegalNotes,
    LineCategory,
    PaymentMeans,
    PaymentMethod,
    PostalAddress,
    SellerIdentity,
    VatCategory,
)
from syres.domain.periods import Period


def render_snapshot(data: dict[str, Any]) -> tuple[str, bytes, bytes]:
    """(number, Factur-X PDF, XML) of a stored snapshot; runs in a worker process too."""
    # Imported here: a worker of the process pool loads the Typst compiler only when it renders.
    from syres.billing.documents import facturx_pdf

    facturx = facturx_pdf(document_from_json(data))
    return facturx.number, facturx.pdf, facturx.xml


def _d(value: Decimal) -> str:
    return str(value)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _period(value: Period | None) -> list[str] | None:
    return None if value is None else [value.start.isoformat(), value.end.isoformat()]


def _address(address: PostalAddress) -> dict[str, str]:
    return {
        "line": address.line,
        "postcode": address.postcode,
        "city": address.city,
        "country": address.country,
        "line_two": address.line_two,
    }


def document_to_json(document: InvoiceDocument) -> dict[str, Any]:
    seller, buyer, payment, notes = (
        document.seller,
        document.buyer,
        document.payment,
        document.notes,
    )
    ref = document.referenced_invoice
    return {
        "kind": document.kind.value,
        "number": document.number,
        "issue_date": _day(document.issue_date),
        "seller": {
            "legal_name": seller.legal_name,
            "legal_form": seller.legal_form,
            "share_capital": _d(seller.share_capital),
            "siren": seller.siren,
            "vat_number": seller.vat_number,
            "rcs_city": seller.rcs_city,
            "address": _address(seller.address),
            "email": seller.email,
            "phone": seller.phone,
            "website": seller.website,
            "commercial_court": seller.commercial_court,
        },
        "buyer": {
            "name": buyer.name,
            "address": _address(buyer.address),
            "billing_email": buyer.billing_email,
            "siren": buyer.siren,
            "siret": buyer.siret,
            "vat_number": buyer.vat_number,
            "customer_ref": buyer.customer_ref,
            "public_administration": buyer.public_administration,
            "chorus_service_code": buyer.chorus_service_code,
            "engagement_number": buyer.engagement_number,
            "electronic_address_override": buyer.electronic_address_override,
        },
        "lines": [
            {
                "label": line.label,
                "category": line.category.value,
                "quantity": _d(line.quantity),
                "unit_code": line.unit_code,
                "unit_price": _d(line.unit_price),
                "vat_rate": _d(line.vat_rate),
                "vat_category": line.vat_category.value,
                "base_quantity": _d(line.base_quantity),
                "period": _period(line.period),
                "service_ref": line.service_ref,
                "detail": line.detail,
            }
            for line in document.lines
        ],
        "payment": {
            "method": payment.method.value,
            "creditor_iban": payment.creditor_iban,
            "creditor_bic": payment.creditor_bic,
            "creditor_id": payment.creditor_id,
            "mandate_ref": payment.mandate_ref,
            "mandate_signed_on": _day(payment.mandate_signed_on),
            "debtor_iban": payment.debtor_iban,
        },
        "notes": {
            "early_payment_discount": notes.early_payment_discount,
            "late_penalties": notes.late_penalties,
            "recovery_indemnity": notes.recovery_indemnity,
            "court": notes.court,
        },
        "due_date": _day(document.due_date),
        "delivery_date": _day(document.delivery_date),
        "billing_period": _period(document.billing_period),
        "referenced_invoice": None
        if ref is None
        else {"number": ref.number, "issue_date": _day(ref.issue_date), "type_code": ref.type_code},
        "prepaid_amount": _d(document.prepaid_amount),
        "intermediate_reason": None
        if document.intermediate_reason is None
        else document.intermediate_reason.value,
        "reason": document.reason,
        "call_details": [
            [
                call.started_at.isoformat(),
                call.line,
                call.callee,
                call.duration_s,
                call.billable_s,
                _d(call.amount),
            ]
            for call in document.call_details
        ],
        "direct_debit_date": _day(document.direct_debit_date),
        "currency": document.currency,
    }


def _to_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def _to_period(value: list[str] | None) -> Period | None:
    return (
        None
        if value is None
        else Period(date.fromisoformat(value[0]), date.fromisoformat(value[1]))
    )


def _to_address(data: dict[str, str]) -> PostalAddress:
    return PostalAddress(**data)


def document_from_json(data: dict[str, Any]) -> InvoiceDocument:
    seller = dict(data["seller"])
    seller["address"] = _to_address(seller["address"])
    seller["share_capital"] = Decimal(seller["share_capital"])
    buyer = dict(data["buyer"])
    buyer["address"] = _to_address(buyer["address"])
    payment = dict(data["payment"])
    payment["method"] = PaymentMethod(payment["method"])
    payment["mandate_signed_on"] = _to_day(payment["mandate_signed_on"])
    ref = data["referenced_invoice"]
    issue_date = _to_day(data["issue_date"])
    assert issue_date is not None  # noqa: S101 - always written
    return InvoiceDocument(
        kind=InvoiceKind(data["kind"]),
        number=data["number"],
        issue_date=issue_date,
        seller=SellerIdentity(**seller),
        buyer=Buyer(**buyer),
        lines=tuple(
            InvoiceLine(
                label=line["label"],
                category=LineCategory(line["category"]),
                quantity=Decimal(line["quantity"]),
                unit_code=line["unit_code"],
                unit_price=Decimal(line["unit_price"]),
                vat_rate=Decimal(line["vat_rate"]),
                # Snapshots stored before category O existed are all standard rate.
                vat_category=VatCategory(line.get("vat_category", "S")),
                base_quantity=Decimal(line["base_quantity"]),
                period=_to_period(line["period"]),
                service_ref=line["service_ref"],
                detail=line["detail"],
            )
            for line in data["lines"]
        ),
        payment=PaymentMeans(**payment),
        notes=LegalNotes(**data["notes"]),
        due_date=_to_day(data["due_date"]),
        delivery_date=_to_day(data["delivery_date"]),
        billing_period=_to_period(data["billing_period"]),
        referenced_invoice=None
        if ref is None
        else InvoiceReference(
            number=ref["number"],
            issue_date=date.fromisoformat(ref["issue_date"]),
            type_code=ref["type_code"],
        ),
        prepaid_amount=Decimal(data["prepaid_amount"]),
        intermediate_reason=None
        if data["intermediate_reason"] is None
        else IntermediateReason(data["intermediate_reason"]),
        reason=data["reason"],
        call_details=tuple(
            CallDetail(
                started_at=datetime.fromisoformat(started),
                line=line,
                callee=callee,
                duration_s=duration,
                billable_s=billable,
                amount=Decimal(amount),
            )
            for started, line, callee, duration, billable, amount in data["call_details"]
        ),
        direct_debit_date=_to_day(data["direct_debit_date"]),
        currency=data["currency"],
    )
