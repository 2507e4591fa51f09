"""R-CUST-1, R-CUST-2: identifiers by their check digits, and the pieces of the file."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.customers import (
    UnableToAcceptDocument,
    UnableToAcceptIdentifier,
    check_kbis_age,
    check_upload,
    kbis_expiry_date,
    missing_documents,
    valid_bank_identity,
    valid_bic,
    valid_iban,
    valid_siren,
    valid_siret,
    valid_vat_number,
    vat_number_of,
)
from syres.domain.terms import Subscription
from syres.terms import load_terms

POLICY: Subscription = load_terms().subscription


@pytest.mark.parametrize(
    "siren",
    [
        "542051180",  # TotalEnergies SE
        "552081317",  # EDF
        "441733953",  # SYRES TELECOM (the CGV)
        "130025265",  # DINUM (public administration)
        "542 051 180",  # spaces are allowed
    ],
)
def test_real_sirens_pass_the_luhn_check_r_cust_1(siren: str) -> None:
    assert valid_siren(siren=siren) == siren.replace(" ", "")


@pytest.mark.parametrize(
    ("siren", "message"),
    [
        ("542051181", "clé de contrôle \\(algorithme de Luhn\\) est fausse"),
        ("441733954", "clé de contrôle \\(algorithme de Luhn\\) est fausse"),
        ("54205118", "il faut 9 chiffres, il y en a 8"),
        ("54205118A", "seuls des chiffres"),
    ],
)
def test_a_wrong_siren_is_refused_with_the_failed_check_r_cust_1(siren: str, message: str) -> None:
    with pytest.raises(UnableToAcceptIdentifier, match=message):
        valid_siren(siren=siren)


@pytest.mark.parametrize(
    "siret", ["54205118000066", "55208131766522", "13002526500013", "542 051 180 00066"]
)
def test_real_sirets_pass_their_checks_r_cust_1(siret: str) -> None:
    assert valid_siret(siret=siret) == siret.replace(" ", "")


@pytest.mark.parametrize(
    ("siret", "siren", "message"),
    [
        ("54205118000067", None, "clé de contrôle de l'établissement"),
        ("54205118100066", None, "SIREN qu'il contient \\(542051181\\)"),
        ("5420511800006", None, "il faut 14 chiffres, il y en a 13"),
        ("55208131766522", "542051180", "n'appartient pas à l'entreprise de SIREN 542051180"),
    ],
)
def test_a_wrong_siret_is_refused_with_the_failed_check_r_cust_1(
    siret: str, siren: str | None, message: str
) -> None:
    with pytest.raises(UnableToAcceptIdentifier, match=message):
        valid_siret(siret=siret, siren=siren)


def test_the_vat_number_is_derived_from_the_siren_r_cust_1() -> None:
    assert vat_number_of(siren="542051180") == "FR59542051180"
    assert vat_number_of(siren="441733953") == "FR93441733953"
    assert valid_vat_number(vat_number="FR 59 542051180", siren="542051180") == "FR59542051180"


@pytest.mark.parametrize(
    ("vat_number", "siren", "message"),
    [
        ("FR60542051180", "542051180", "la clé \\(60\\) ne correspond pas au SIREN"),
        ("FR03552081317", "542051180", "ne correspond pas au SIREN 542051180"),
        ("DE59542051180", "542051180", "commence par FR"),
        ("FR5954205118", "542051180", "FR suivi de 11"),
    ],
)
def test_a_vat_number_that_disagrees_with_the_siren_is_refused_r_cust_1(
    vat_number: str, siren: str, message: str
) -> None:
    with pytest.raises(UnableToAcceptIdentifier, match=message):
        valid_vat_number(vat_number=vat_number, siren=siren)


@pytest.mark.parametrize(
    "iban",
    [
        "FR7630004000031234567890143",
        "FR14 2004 1010 0505 0001 3M02 606",
        "DE89370400440532013000",
        "FR7630006000011234567890189",
    ],
)
def test_valid_ibans_pass_both_keys_r_cust_1(iban: str) -> None:
    assert valid_iban(iban=iban) == iban.replace(" ", "")


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("FR7730004000031234567890143", "clé de contrôle ISO 7064 \\(« 77 »"),
        # ISO key recomputed, but the French RIB key (last 2 digits) is wrong.
        ("FR0630006000011234567890188", "clé nationale du compte \\(clé RIB"),
        ("FR763000400003123456789014", "la longueur \\(26 caractères\\)"),
        ("XX7630004000031234567890143", "code pays « XX »"),
    ],
)
def test_a_wrong_iban_is_refused_with_the_failed_check_r_cust_1(iban: str, message: str) -> None:
    with pytest.raises(UnableToAcceptIdentifier, match=message):
        valid_iban(iban=iban)


def test_bics_are_checked_and_must_match_the_iban_country_r_cust_1() -> None:
    assert valid_bic(bic="BNPAFRPPXXX") == "BNPAFRPPXXX"
    assert valid_bic(bic="AGRIFRPP") == "AGRIFRPP"
    with pytest.raises(UnableToAcceptIdentifier, match="8 ou 11 caractères"):
        valid_bic(bic="BNPAFRP")
    with pytest.raises(UnableToAcceptIdentifier, match="code pays « XX »"):
        valid_bic(bic="BNPAXXPP")
    with pytest.raises(UnableToAcceptIdentifier, match="n'est pas celui de l'IBAN"):
        valid_bank_identity(iban="DE89370400440532013000", bic="BNPAFRPPXXX")


@given(st.integers(min_value=0, max_value=99_999_999))
@settings(max_examples=50)
def test_every_8_digit_base_has_exactly_one_valid_siren_key(base: int) -> None:
    """Property: the Luhn key is one digit out of ten; the derived VAT number agrees with it."""
    candidates = [f"{base:08d}{key}" for key in range(10)]
    valid = []
    for candidate in candidates:
        with contextlib.suppress(UnableToAcceptIdentifier):
            valid.append(valid_siren(siren=candidate))
    assert len(valid) == 1
    assert valid_vat_number(vat_number=vat_number_of(siren=valid[0]), siren=valid[0])


@pytest.mark.parametrize(
    ("kbis_date", "submitted_on", "accepted"),
    [
        (date(2026, 3, 30), date(2026, 9, 29), True),
        (date(2026, 3, 30), date(2026, 9, 30), False),  # exactly 6 months: too old
        (date(2026, 8, 31), date(2027, 2, 27), True),
        (date(2026, 8, 31), date(2027, 2, 28), False),  # 31 Aug + 6 months = 28 Feb
        (date(2026, 9, 1), date(2026, 9, 1), True),
        (date(2026, 9, 2), date(2026, 9, 1), False),  # dated after the submission
    ],
)
def test_the_kbis_age_limit_around_its_boundary_r_cust_2(
    kbis_date: date, submitted_on: date, accepted: bool
) -> None:
    if accepted:
        check_kbis_age(kbis_date=kbis_date, submitted_on=submitted_on, policy=POLICY)
    else:
        with pytest.raises(UnableToAcceptDocument):
            check_kbis_age(kbis_date=kbis_date, submitted_on=submitted_on, policy=POLICY)


def test_the_kbis_limit_comes_from_the_terms_file_r_cust_2() -> None:
    stricter = POLICY.model_copy(update={"kbis_max_age_months": 3})
    assert kbis_expiry_date(kbis_date=date(2026, 1, 15), policy=stricter) == date(2026, 4, 15)
    with pytest.raises(UnableToAcceptDocument, match="moins de 3 mois"):
        check_kbis_age(kbis_date=date(2026, 1, 15), submitted_on=date(2026, 4, 15), policy=stricter)


def test_uploads_are_checked_for_type_by_their_bytes_and_for_size_r_cust_2() -> None:
    pdf = b"%PDF-1.7\n..."
    assert check_upload(kind="kbis", size=2000, head=pdf, policy=POLICY) == "application/pdf"
    assert check_upload(kind="kbis", size=10, head=b"\xff\xd8\xff\xe0", policy=POLICY) == (
        "image/jpeg"
    )
    with pytest.raises(UnableToAcceptDocument, match="Type de fichier refusé \\(inconnu\\)"):
        check_upload(kind="kbis", size=2000, head=b"MZ\x90\x00", policy=POLICY)
    with pytest.raises(UnableToAcceptDocument, match="taille maximale est 10485760"):
        check_upload(kind="kbis", size=POLICY.upload_max_bytes + 1, head=pdf, policy=POLICY)
    assert check_upload(kind="kbis", size=POLICY.upload_max_bytes, head=pdf, policy=POLICY)
    with pytest.raises(UnableToAcceptDocument, match="vide"):
        check_upload(kind="kbis", size=0, head=b"", policy=POLICY)
    with pytest.raises(UnableToAcceptDocument, match="Type de pièce inconnu"):
        check_upload(kind="photo", size=10, head=pdf, policy=POLICY)


def test_only_a_company_must_give_a_kbis_r_cust_2() -> None:
    assert missing_documents(is_company=True, present=["bank_identity"], policy=POLICY) == (
        "account_opening_form",
        "kbis",
    )
    assert missing_documents(is_company=False, present=["bank_identity"], policy=POLICY) == (
        "account_opening_form",
    )
