"""SEPA direct debit batches as pain.008 files, written by sepaxml (SPEC R-PAY-1).

One file per scheme (CORE for any debtor, B2B for businesses that signed a B2B mandate) and per
collection date; every debit names its mandate (reference and signature date) and its sequence
type. The creditor (name, address, IBAN, BIC, SEPA creditor identifier) is the seller of the
terms file. The collection date must respect the pre-notification period and the bank's lead
time (`[payments]` of the terms, `syres.domain.payments.sepa.earliest_collection_date`). The
file is validated against the pain.008 XSD shipped with sepaxml before it is handed out; a
debit that cannot go into a file refuses the whole batch, with the reason.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

import sepaxml
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml.validation import ValidationError as SepaValidationError

from syres.domain.money import CENT, ZERO, format_eur
from syres.domain.payments.sepa import Scheme, SequenceType, earliest_collection_date
from syres.domain.terms import Terms

Pain008Schema = Literal["pain.008.001.02", "pain.008.001.08"]
# The EPC rulebooks in force since November 2023 use the 2019 messages (pain.008.001.08);
# French banks still take pain.008.001.02 from their customers: the bank's choice, per call.
DEFAULT_SCHEMA: Pain008Schema = "pain.008.001.08"

# EPC "SEPA character set" for references (mandate, end-to-end id): Latin letters, digits and
# / - ? : ( ) . , ' + and space; at most 35 characters (ISO 20022 Max35Text).
_SEPA_REFERENCE = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")


def schema_file(schema: Pain008Schema) -> Path:
    """The XSD of a pain.008 version, as shipped with sepaxml (used by its validation)."""
    return Path(sepaxml.__file__).with_name("schemas") / f"{schema}.xsd"


class UnableToBuildDirectDebitBatch(Exception):
    """A batch that cannot be written; the message names the debit and the reason."""


@dataclass(frozen=True)
class DirectDebit:
    """One collection under a mandate (R-PAY-1)."""

    end_to_end_id: str  # the invoice number: the bank sends it back with a return
    amount: Decimal  # incl. VAT, in euros
    debtor_name: str
    debtor_iban: str
    debtor_bic: str | None
    mandate_reference: str  # référence unique du mandat (RUM)
    mandate_signed_on: date
    sequence_type: SequenceType
    remittance: str  # free text the debtor reads on their statement
    prenotified_on: date  # when the invoice stating amount and date reached the debtor


@dataclass(frozen=True)
class DirectDebitBatch:
    xml: bytes
    schema: Pain008Schema
    message_id: str
    scheme: Scheme
    collection_date: date
    count: int
    control_sum: Decimal


def _refuse(debit: DirectDebit | None, reason: str) -> UnableToBuildDirectDebitBatch:
    where = f"Prélèvement {debit.end_to_end_id} : " if debit else ""
    return UnableToBuildDirectDebitBatch(where + reason)


def _check_debit(
    debit: DirectDebit, *, scheme: Scheme, collection_date: date, submitted_on: date, terms: Terms
) -> None:
    if debit.amount <= ZERO or debit.amount != debit.amount.quantize(CENT):
        raise _refuse(debit, f"montant invalide {debit.amount} (positif, au centime).")
    for label, value in (
        ("la référence de bout en bout", debit.end_to_end_id),
        ("la référence du mandat", debit.mandate_reference),
    ):
        if not _SEPA_REFERENCE.match(value):
            raise _refuse(
                debit,
                f"{label} {value!r} doit compter 1 à 35 caractères du jeu SEPA "
                "(lettres, chiffres, / - ? : ( ) . , ' + espace).",
            )
    if not debit.debtor_name.strip():
        raise _refuse(debit, "nom du débiteur manquant.")
    try:
        IBAN(debit.debtor_iban)
        if debit.debtor_bic:
            BIC(debit.debtor_bic)
    except SchwiftyException as error:
        raise _refuse(debit, f"coordonnées bancaires invalides ({error}).") from error
    if debit.mandate_signed_on > submitted_on:
        raise _refuse(debit, "le mandat est daté après l'envoi du fichier.")
    earliest = earliest_collection_date(
        scheme=scheme,
        prenotified_on=debit.prenotified_on,
        submitted_on=submitted_on,
        terms=terms,
    )
    if collection_date < earliest:
        raise _refuse(
            debit,
            f"échéance du {collection_date:%d/%m/%Y} trop proche : au plus tôt le "
            f"{earliest:%d/%m/%Y} (préavis de {terms.payments.sepa_prenotification_days} jours "
            "au débiteur et délai de remise à la banque).",
        )


def build_direct_debit_batch(
    *,
    scheme: Scheme,
    debits: Sequence[DirectDebit],
    collection_date: date,
    submitted_on: date,
    terms: Terms,
    schema: Pain008Schema = DEFAULT_SCHEMA,
) -> DirectDebitBatch:
    """Write the pain.008 file of a batch of direct debits, validated against its XSD (R-PAY-1).

    `submitted_on` is the day the file goes to the bank (the caller's clock).
    """
    if not debits:
        raise _refuse(None, "Aucun prélèvement dans le lot.")
    ids = [debit.end_to_end_id for debit in debits]
    if len(set(ids)) != len(ids):
        raise _refuse(None, "Deux prélèvements du lot ont la même référence de bout en bout.")
    for debit in debits:
        _check_debit(
            debit,
            scheme=scheme,
            collection_date=collection_date,
            submitted_on=submitted_on,
            terms=terms,
        )
    seller = terms.seller
    config = {
        "name": seller.legal_name,
        "IBAN": IBAN(seller.iban).compact,
        "BIC": BIC(seller.bic).compact,
        "batch": True,
        "creditor_id": seller.sepa_creditor_id,
        "currency": "EUR",
        "instrument": scheme,
        "address": {"postcode": seller.postcode, "town": seller.city, "country": seller.country},
    }
    writer = sepaxml.SepaDD(config, schema=schema, clean=True)
    for debit in debits:
        payment: dict[str, object] = {
            "name": debit.debtor_name.strip(),
            "IBAN": IBAN(debit.debtor_iban).compact,
            "amount": int(debit.amount / CENT),
            "type": debit.sequence_type,
            "collection_date": collection_date,
            "mandate_id": debit.mandate_reference,
            "mandate_date": debit.mandate_signed_on,
            "description": debit.remittance,
            "endtoend_id": debit.end_to_end_id,
        }
        if debit.debtor_bic:
            payment["BIC"] = BIC(debit.debtor_bic).compact
        writer.add_payment(payment)
    try:
        xml = writer.export(validate=True)
    except SepaValidationError as error:
        cause = error.__cause__ or error
        raise _refuse(None, f"fichier non conforme au schéma {schema} : {cause}") from error
    message_id = _message_id(xml)
    total = sum((debit.amount for debit in debits), ZERO)
    return DirectDebitBatch(
        xml=xml,
        schema=schema,
        message_id=message_id,
        scheme=scheme,
        collection_date=collection_date,
        count=len(debits),
        control_sum=total,
    )


def _message_id(xml: bytes) -> str:
    # The file was written here and just passed its XSD: parsing it back is safe.
    root = ET.fromstring(xml)  # noqa: S314
    node = root.find(".//{*}GrpHdr/{*}MsgId")
    if node is None or not node.text:  # pragma: no cover - guaranteed by the XSD
        raise _refuse(None, "identifiant de message absent.")
    return node.text


def describe_batch(batch: DirectDebitBatch) -> str:
    """One line for staff: scheme, date, count and total."""
    return (
        f"Lot {batch.scheme} du {batch.collection_date:%d/%m/%Y} : {batch.count} prélèvement(s), "
        f"{format_eur(batch.control_sum)} ({batch.message_id})"
    )
