"""SEPA direct debit: pain.008 files valid against the XSD, with the mandate data (R-PAY-1)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache

import pytest
import xmlschema

from syres.domain.payments.sepa import (
    add_target_business_days,
    earliest_collection_date,
    is_target_business_day,
    return_reason_label,
    sequence_type,
)
from syres.payments.sepa import (
    DirectDebit,
    Pain008Schema,
    UnableToBuildDirectDebitBatch,
    build_direct_debit_batch,
    schema_file,
)
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)
SUBMITTED = date(2026, 11, 20)
COLLECTION = date(2026, 12, 7)  # a Monday, 17 days after the invoices of 20/11

FIRST = DirectDebit(
    end_to_end_id="FA-2026-000101",
    amount=Decimal("118.80"),
    debtor_name="Boulangerie Dupont SARL",
    debtor_iban="FR14 2004 1010 0505 0001 3M02 606",
    debtor_bic="PSSTFRPPLIL",
    mandate_reference="SYRES-RUM-000017",
    mandate_signed_on=date(2026, 10, 2),
    sequence_type="FRST",
    remittance="Facture FA-2026-000101 du 20/11/2026",
    prenotified_on=date(2026, 11, 20),
)
RECURRING = DirectDebit(
    end_to_end_id="FA-2026-000102",
    amount=Decimal("1042.56"),
    debtor_name="Garage Émile Rouquette",
    debtor_iban="DE89370400440532013000",
    debtor_bic=None,
    mandate_reference="SYRES-RUM-000003",
    mandate_signed_on=date(2024, 5, 14),
    sequence_type="RCUR",
    remittance="Facture FA-2026-000102 du 20/11/2026",
    prenotified_on=date(2026, 11, 20),
)


@cache
def _xsd(schema: Pain008Schema) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(schema_file(schema)))


def _find(root: ET.Element, path: str) -> list[str]:
    """Texts at `.//A/B` whatever the namespace of the pain.008 version."""
    steps = path.removeprefix(".//").split("/")
    return [node.text or "" for node in root.iterfind(".//" + "/".join("{*}" + s for s in steps))]


@pytest.mark.parametrize("schema", ["pain.008.001.02", "pain.008.001.08"])
@pytest.mark.parametrize("scheme", ["CORE", "B2B"])
def test_a_batch_is_valid_against_the_pain008_xsd_with_the_mandate_data(
    schema: Pain008Schema, scheme: str
) -> None:
    """R-PAY-1: the file passes the XSD and carries mandate reference, signature date,
    sequence type, scheme, collection date, creditor identifier and the seller's account."""
    batch = build_direct_debit_batch(
        scheme=scheme,  # type: ignore[arg-type]
        debits=[FIRST, RECURRING],
        collection_date=COLLECTION,
        submitted_on=SUBMITTED,
        terms=TERMS,
        schema=schema,
    )
    _xsd(schema).validate(batch.xml.decode())  # raises on the first violation

    root = ET.fromstring(batch.xml)  # noqa: S314 - our own file
    assert root.tag == f"{{urn:iso:std:iso:20022:tech:xsd:{schema}}}Document"
    assert _find(root, ".//GrpHdr/MsgId") == [batch.message_id]
    assert _find(root, ".//GrpHdr/NbOfTxs") == ["2"]
    assert _find(root, ".//GrpHdr/CtrlSum") == ["1161.36"]
    assert batch.control_sum == Decimal("1161.36")
    assert set(_find(root, ".//PmtInf/PmtTpInf/LclInstrm/Cd")) == {scheme}
    assert sorted(_find(root, ".//PmtInf/PmtTpInf/SeqTp")) == ["FRST", "RCUR"]
    assert set(_find(root, ".//PmtInf/ReqdColltnDt")) == {"2026-12-07"}
    assert set(_find(root, ".//PmtInf/CdtrSchmeId/Id/PrvtId/Othr/Id")) == {"FR12ZZZ123456"}
    assert set(_find(root, ".//PmtInf/CdtrAcct/Id/IBAN")) == {"FR7630006000011234567890189"}
    transactions = {
        tx.findtext("{*}PmtId/{*}EndToEndId"): (
            tx.findtext("{*}DrctDbtTx/{*}MndtRltdInf/{*}MndtId"),
            tx.findtext("{*}DrctDbtTx/{*}MndtRltdInf/{*}DtOfSgntr"),
            tx.findtext("{*}InstdAmt"),
            tx.findtext("{*}DbtrAcct/{*}Id/{*}IBAN"),
        )
        for tx in root.iterfind(".//{*}DrctDbtTxInf")
    }
    assert transactions == {
        "FA-2026-000101": (
            "SYRES-RUM-000017",
            "2026-10-02",
            "118.80",
            "FR1420041010050500013M02606",
        ),
        "FA-2026-000102": ("SYRES-RUM-000003", "2024-05-14", "1042.56", "DE89370400440532013000"),
    }


def test_the_xsd_really_refuses_a_file_that_breaks_it() -> None:
    """R-PAY-1: the schema check is real: the same file with no collection date, or with an
    unknown sequence type, fails it."""
    batch = build_direct_debit_batch(
        scheme="CORE",
        debits=[FIRST],
        collection_date=COLLECTION,
        submitted_on=SUBMITTED,
        terms=TERMS,
        schema="pain.008.001.08",
    )
    xsd = _xsd("pain.008.001.08")
    assert xsd.is_valid(batch.xml.decode())
    no_date = batch.xml.replace(b"<ReqdColltnDt>2026-12-07</ReqdColltnDt>", b"")
    assert no_date != batch.xml
    with pytest.raises(xmlschema.XMLSchemaValidationError, match="ReqdColltnDt"):
        xsd.validate(no_date.decode())
    wrong_sequence = batch.xml.replace(b"<SeqTp>FRST</SeqTp>", b"<SeqTp>NEXT</SeqTp>")
    assert wrong_sequence != batch.xml
    assert not xsd.is_valid(wrong_sequence.decode())


def test_a_collection_date_within_the_prenotification_period_is_refused() -> None:
    """R-PAY-1: invoices of 20/11 pre-notify at 14 days: no debit before 04/12/2026."""
    with pytest.raises(UnableToBuildDirectDebitBatch) as refused:
        build_direct_debit_batch(
            scheme="CORE",
            debits=[FIRST],
            collection_date=date(2026, 12, 3),
            submitted_on=SUBMITTED,
            terms=TERMS,
        )
    assert str(refused.value) == (
        "Prélèvement FA-2026-000101 : échéance du 03/12/2026 trop proche : au plus tôt le "
        "04/12/2026 (préavis de 14 jours au débiteur et délai de remise à la banque)."
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"debtor_iban": "FR1420041010050500013M02607"}, "coordonnées bancaires invalides"),
        ({"mandate_reference": "RUM n°17"}, "la référence du mandat"),
        ({"mandate_reference": "X" * 36}, "1 à 35 caractères"),
        ({"amount": Decimal("0")}, "montant invalide"),
        ({"mandate_signed_on": date(2026, 11, 21)}, "mandat est daté après"),
    ],
)
def test_a_debit_that_cannot_be_collected_refuses_the_batch_with_the_reason(
    change: dict[str, object], reason: str
) -> None:
    with pytest.raises(UnableToBuildDirectDebitBatch, match=reason):
        build_direct_debit_batch(
            scheme="CORE",
            debits=[RECURRING, replace(FIRST, **change)],  # type: ignore[arg-type]
            collection_date=COLLECTION,
            submitted_on=SUBMITTED,
            terms=TERMS,
        )


def test_two_debits_with_the_same_end_to_end_id_are_refused() -> None:
    with pytest.raises(UnableToBuildDirectDebitBatch, match="même référence"):
        build_direct_debit_batch(
            scheme="CORE",
            debits=[FIRST, replace(RECURRING, end_to_end_id=FIRST.end_to_end_id)],
            collection_date=COLLECTION,
            submitted_on=SUBMITTED,
            terms=TERMS,
        )


def test_the_earliest_collection_date_skips_target_holidays_and_weekends() -> None:
    """R-PAY-1: 11/12 + 14 days = Friday 25/12 (TARGET closed), then 26/12, the weekend: 28/12."""
    assert not is_target_business_day(date(2026, 12, 25))
    assert not is_target_business_day(date(2026, 12, 26))
    assert add_target_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert earliest_collection_date(
        scheme="CORE",
        prenotified_on=date(2026, 12, 11),
        submitted_on=date(2026, 12, 11),
        terms=TERMS,
    ) == date(2026, 12, 28)
    # The bank's lead time wins when the pre-notification is long past: D-1 business day.
    assert earliest_collection_date(
        scheme="B2B",
        prenotified_on=date(2026, 10, 1),
        submitted_on=date(2026, 11, 27),  # a Friday
        terms=TERMS,
    ) == date(2026, 11, 30)


def test_the_sequence_type_follows_the_mandate_history() -> None:
    """R-PAY-1: FRST, then RCUR, FNAL for the announced last; OOFF for a one-off mandate."""
    assert sequence_type(recurrent_mandate=True, collections_done=0, last=False) == "FRST"
    assert sequence_type(recurrent_mandate=True, collections_done=3, last=False) == "RCUR"
    assert sequence_type(recurrent_mandate=True, collections_done=3, last=True) == "FNAL"
    assert sequence_type(recurrent_mandate=False, collections_done=0, last=True) == "OOFF"


def test_return_reason_codes_read_in_french() -> None:
    assert return_reason_label("AM04") == "Provision insuffisante"
    assert return_reason_label("ZZ99") == "Motif bancaire ZZ99 (non répertorié)"
