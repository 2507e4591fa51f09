"""`/v1/invoices`: invoices and credit notes as issued, their Factur-X PDF and XML (R-INV-*)."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from syres.api.auth import TokenAuth
from syres.api.routers.ids import Id, QueryId
from syres.billing import selectors as billing
from syres.customers import selectors as customers

router = Router(tags=["factures"])


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str
    customer_id: int
    buyer_name: str
    issue_date: date
    due_date: date | None
    period: str
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal
    amount_due: Decimal
    outstanding: Decimal | None
    referenced_number: str


def _out(invoice: Any, outstanding: dict[int, Decimal]) -> InvoiceOut:
    return InvoiceOut(
        id=invoice.pk,
        number=invoice.number,
        kind=invoice.kind,
        customer_id=invoice.customer_id,
        buyer_name=invoice.buyer_name,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        period=invoice.period,
        total_excl_vat=invoice.total_excl_vat,
        total_vat=invoice.total_vat,
        total_incl_vat=invoice.total_incl_vat,
        amount_due=invoice.amount_due,
        outstanding=outstanding.get(invoice.pk),
        referenced_number=invoice.referenced_number,
    )


@router.get(
    "/invoices",
    response=list[InvoiceOut],
    auth=[TokenAuth("invoices:read")],
    summary="Factures et avoirs d'un client, les plus récents d'abord",
)
@paginate(LimitOffsetPagination)
def list_invoices(request: HttpRequest, customer_id: QueryId) -> list[InvoiceOut]:
    customer = customers.get_customer(customer_id)
    invoices = list(billing.invoices_of(customer))
    outstanding = billing.outstanding_amounts(invoices)
    return [_out(invoice, outstanding) for invoice in invoices]


@router.get(
    "/invoices/{invoice_id}",
    response=InvoiceOut,
    auth=[TokenAuth("invoices:read")],
    summary="Une facture ou un avoir",
)
def get_invoice(request: HttpRequest, invoice_id: Id) -> InvoiceOut:
    invoice = billing.get_invoice(invoice_id)
    return _out(invoice, billing.outstanding_amounts([invoice]))


@router.get(
    "/invoices/{invoice_id}/pdf",
    auth=[TokenAuth("invoices:read")],
    summary="Le PDF Factur-X (PDF/A-3b, XML EN 16931 embarqué)",
    response={200: bytes},
    openapi_extra={
        "responses": {
            200: {
                "description": "PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def invoice_pdf(request: HttpRequest, invoice_id: Id) -> HttpResponse:
    invoice = billing.get_invoice(invoice_id)
    response = HttpResponse(billing.invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


@router.get(
    "/invoices/{invoice_id}/xml",
    auth=[TokenAuth("invoices:read")],
    summary="Le XML Factur-X (EN 16931, CII)",
    response={200: bytes},
    openapi_extra={
        "responses": {
            200: {
                "description": "XML",
                "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def invoice_xml(request: HttpRequest, invoice_id: Id) -> HttpResponse:
    invoice = billing.get_invoice(invoice_id)
    response = HttpResponse(billing.invoice_xml(invoice), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xml"'
    return response
