"""Customer identifiers and the pieces of the subscription file, checked without a database.

R-CUST-1: SIREN, SIRET, the French VAT number (derived from the SIREN and checked against it),
IBAN and BIC are validated by their check digits; a refusal says which check failed, in French.
R-CUST-2: the pieces of the file (type, size, Kbis age at submission).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors
from stdnum import exceptions as stdnum_errors
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

from syres.domain.periods import add_months
from syres.domain.terms import Subscription

__all__ = [
    "DOCUMENT_LABELS",
    "KBIS",
    "BankIdentity",
    "UnableToAcceptDocument",
    "UnableToAcceptIdentifier",
    "check_kbis_age",
    "check_upload",
    "kbis_expiry_date",
    "missing_documents",
    "required_documents",
    "sniff_content_type",
    "valid_bank_identity",
    "valid_bic",
    "valid_iban",
    "valid_siren",
    "valid_siret",
    "valid_vat_number",
    "vat_number_of",
]

KBIS = "kbis"
DOCUMENT_LABELS = {
    "account_opening_form": "fiche d'ouverture de compte signée",
    "bank_identity": "relevé d'identité bancaire",
    KBIS: "extrait Kbis",
}


class UnableToAcceptIdentifier(ValueError):
    """An identifier refused; `reason` (French) says which check failed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnableToAcceptDocument(ValueError):
    """A piece of the subscription file refused; `reason` (French) says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value).upper()


def valid_siren(*, siren: str) -> str:
    """The SIREN, compacted, if its 9 digits pass the Luhn check (R-CUST-1)."""
    number = _compact(siren)
    if not number.isdigit():
        raise UnableToAcceptIdentifier(f"SIREN « {siren} » : seuls des chiffres sont admis.")
    if len(number) != 9:
        raise UnableToAcceptIdentifier(
            f"SIREN « {siren} » : il faut 9 chiffres, il y en a {len(number)}."
        )
    try:
        stdnum_siren.validate(number)
    except stdnum_errors.InvalidChecksum as error:
        raise UnableToAcceptIdentifier(
            f"SIREN « {siren} » : la clé de contrôle (algorithme de Luhn) est fausse."
        ) from error
    return number


def valid_siret(*, siret: str, siren: str | None = None) -> str:
    """The SIRET, compacted, if its 14 digits pass the Luhn check and, when `siren` is given,
    it belongs to that company (R-CUST-1: one SIRET per site)."""
    number = _compact(siret)
    if not number.isdigit():
        raise UnableToAcceptIdentifier(f"SIRET « {siret} » : seuls des chiffres sont admis.")
    if len(number) != 14:
        raise UnableToAcceptIdentifier(
            f"SIRET « {siret} » : il faut 14 chiffres, il y en a {len(number)}."
        )
    try:
        valid_siren(siren=number[:9])
    except UnableToAcceptIdentifier as error:
        raise UnableToAcceptIdentifier(
            f"SIRET « {siret} » : le SIREN qu'il contient ({number[:9]}) a une clé de "
            "contrôle (algorithme de Luhn) fausse."
        ) from error
    try:
        stdnum_siret.validate(number)
    except stdnum_errors.InvalidChecksum as error:
        raise UnableToAcceptIdentifier(
            f"SIRET « {siret} » : la clé de contrôle de l'établissement (algorithme de Luhn "
            "sur les 14 chiffres) est fausse."
        ) from error
    if siren is not None and number[:9] != _compact(siren):
        raise UnableToAcceptIdentifier(
            f"SIRET « {siret} » : il n'appartient pas à l'entreprise de SIREN {siren}."
        )
    return number


def vat_number_of(*, siren: str) -> str:
    """The French intra-EU VAT number derived from a SIREN: FR + key + SIREN."""
    number = valid_siren(siren=siren)
    return "FR" + stdnum_siren.to_tva(number)


def valid_vat_number(*, vat_number: str, siren: str) -> str:
    """The VAT number, compacted, if its key is right and it agrees with the SIREN (R-CUST-1)."""
    number = _compact(vat_number)
    if not number.startswith("FR"):
        raise UnableToAcceptIdentifier(
            f"Numéro de TVA « {vat_number} » : un numéro français commence par FR."
        )
    if len(number) != 13:
        raise UnableToAcceptIdentifier(
            f"Numéro de TVA « {vat_number} » : il faut FR suivi de 11 caractères."
        )
    try:
        stdnum_tva.validate(number)
    except stdnum_errors.InvalidChecksum as error:
        raise UnableToAcceptIdentifier(
            f"Numéro de TVA « {vat_number} » : la clé ({number[2:4]}) ne correspond pas au "
            f"SIREN qu'il contient ({number[4:]})."
        ) from error
    except stdnum_errors.ValidationError as error:
        raise UnableToAcceptIdentifier(
            f"Numéro de TVA « {vat_number} » : format invalide."
        ) from error
    expected = vat_number_of(siren=siren)
    if number != expected:
        raise UnableToAcceptIdentifier(
            f"Numéro de TVA « {vat_number} » : il ne correspond pas au SIREN {siren} "
            f"(attendu : {expected})."
        )
    return number


def valid_iban(*, iban: str) -> str:
    """The IBAN, compacted, if its ISO 7064 key and its national key (RIB key in France) are
    right (R-CUST-1)."""
    text = _compact(iban)
    try:
        return str(IBAN(text, validate_bban=True).compact)
    except schwifty_errors.InvalidChecksumDigits as error:
        raise UnableToAcceptIdentifier(
            f"IBAN « {iban} » : la clé de contrôle ISO 7064 (« {text[2:4]} », 3e et 4e "
            "caractères) est fausse."
        ) from error
    except schwifty_errors.InvalidBBANChecksum as error:
        raise UnableToAcceptIdentifier(
            f"IBAN « {iban} » : la clé nationale du compte (clé RIB pour la France, "
            f"« {text[-2:]} ») est fausse."
        ) from error
    except schwifty_errors.InvalidLength as error:
        raise UnableToAcceptIdentifier(
            f"IBAN « {iban} » : la longueur ({len(text)} caractères) ne correspond pas au pays."
        ) from error
    except schwifty_errors.InvalidCountryCode as error:
        raise UnableToAcceptIdentifier(
            f"IBAN « {iban} » : le code pays « {text[:2]} » est inconnu."
        ) from error
    except schwifty_errors.SchwiftyException as error:
        raise UnableToAcceptIdentifier(
            f"IBAN « {iban} » : la structure ne correspond pas au format du pays."
        ) from error


def valid_bic(*, bic: str) -> str:
    """The BIC, compacted, if its structure and country code are right (R-CUST-1)."""
    text = _compact(bic)
    try:
        return str(BIC(text).compact)
    except schwifty_errors.InvalidLength as error:
        raise UnableToAcceptIdentifier(
            f"BIC « {bic} » : il faut 8 ou 11 caractères, il y en a {len(text)}."
        ) from error
    except schwifty_errors.InvalidCountryCode as error:
        raise UnableToAcceptIdentifier(
            f"BIC « {bic} » : le code pays « {text[4:6]} » (5e et 6e caractères) est inconnu."
        ) from error
    except schwifty_errors.SchwiftyException as error:
        raise UnableToAcceptIdentifier(f"BIC « {bic} » : la structure est invalide.") from error


@dataclass(frozen=True)
class BankIdentity:
    """A validated bank identity (IBAN and BIC), compacted."""

    iban: str
    bic: str


def valid_bank_identity(*, iban: str, bic: str) -> BankIdentity:
    """IBAN and BIC each valid and of the same country (R-CUST-1, R-CUST-2)."""
    checked_iban = valid_iban(iban=iban)
    checked_bic = valid_bic(bic=bic)
    if checked_iban[:2] != checked_bic[4:6]:
        raise UnableToAcceptIdentifier(
            f"BIC « {bic} » : son pays ({checked_bic[4:6]}) n'est pas celui de l'IBAN "
            f"({checked_iban[:2]})."
        )
    return BankIdentity(iban=checked_iban, bic=checked_bic)


def kbis_expiry_date(*, kbis_date: date, policy: Subscription) -> date:
    """The first day on which a Kbis extract of `kbis_date` is too old to be submitted."""
    return add_months(kbis_date, policy.kbis_max_age_months)


def check_kbis_age(*, kbis_date: date, submitted_on: date, policy: Subscription) -> None:
    """R-CUST-2 (CGV art. 3): the Kbis extract must be dated less than the terms' number of
    months before the submission; exactly that many months old is too old."""
    if kbis_date > submitted_on:
        raise UnableToAcceptDocument(
            f"Extrait Kbis daté du {kbis_date:%d/%m/%Y} : date postérieure au dépôt du dossier."
        )
    if submitted_on >= kbis_expiry_date(kbis_date=kbis_date, policy=policy):
        raise UnableToAcceptDocument(
            f"Extrait Kbis daté du {kbis_date:%d/%m/%Y} : il doit avoir moins de "
            f"{policy.kbis_max_age_months} mois au dépôt du dossier ({submitted_on:%d/%m/%Y})."
        )


_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(*, head: bytes) -> str | None:
    """The content type told by a file's first bytes (its declared type is not trusted)."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_upload(*, kind: str, size: int, head: bytes, policy: Subscription) -> str:
    """R-CUST-2: an uploaded piece has a known kind, an allowed type (read from its bytes) and
    a size within the terms' limit; returns its content type."""
    if kind not in DOCUMENT_LABELS and kind not in policy.required_documents:
        raise UnableToAcceptDocument(f"Type de pièce inconnu : « {kind} ».")
    if size <= 0:
        raise UnableToAcceptDocument("Le fichier est vide.")
    if size > policy.upload_max_bytes:
        raise UnableToAcceptDocument(
            f"Le fichier fait {size} octets ; la taille maximale est "
            f"{policy.upload_max_bytes} octets."
        )
    content_type = sniff_content_type(head=head)
    if content_type is None or content_type not in policy.upload_content_types:
        allowed = ", ".join(policy.upload_content_types)
        raise UnableToAcceptDocument(
            f"Type de fichier refusé ({content_type or 'inconnu'}) ; types acceptés : {allowed}."
        )
    return content_type


def required_documents(*, is_company: bool, policy: Subscription) -> tuple[str, ...]:
    """The pieces a file needs (R-CUST-2): the Kbis only for a registered company."""
    return tuple(kind for kind in policy.required_documents if is_company or kind != KBIS)


def missing_documents(
    *, is_company: bool, present: Sequence[str], policy: Subscription
) -> tuple[str, ...]:
    """The required pieces not among `present`, in the terms' order."""
    return tuple(
        kind
        for kind in required_documents(is_company=is_company, policy=policy)
        if kind not in present
    )
