"""Customers, sites, changes (R-CUST-1, R-CUST-4, R-CUST-5), personal data (R-DATA-1, R-DATA-2)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest

from syres.customers import selectors, services
from syres.customers.models import ChangeKind
from syres.terms import load_terms
from tests.integration.customers_fixtures import (
    BIC_BNP,
    PDF,
    PNG,
    TOTAL_SIRET,
    at,
    company,
    complete_file,
    staff_user,
)

pytestmark = pytest.mark.django_db


def test_a_company_gets_the_vat_number_derived_from_its_siren_r_cust_1() -> None:
    sales = staff_user()
    customer = services.create_customer(
        kind="company",
        legal_name="EDF",
        siren="552 081 317",
        address=services.Address("22-30 avenue de Wagram", "75008", "Paris"),
        billing_email="factures@edf.example",
        iban="FR1420041010050500013M02606",
        bic="PSSTFRPP",
        by=sales,
    )
    assert (customer.siren, customer.vat_number) == ("552081317", "FR03552081317")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"siren": "542051181"}, "clé de contrôle \\(algorithme de Luhn\\)"),
        ({"vat_number": "FR03552081317"}, "ne correspond pas au SIREN 542051180"),
        ({"iban": "FR7730004000031234567890143"}, "ISO 7064"),
        ({"bic": "BNPAXXPP"}, "code pays « XX »"),
    ],
)
def test_a_customer_with_a_wrong_identifier_is_not_recorded_r_cust_1(
    changes: dict[str, str], message: str
) -> None:
    sales = staff_user()
    fields = {
        "kind": "company",
        "legal_name": "TotalEnergies SE",
        "siren": "542051180",
        "vat_number": "FR59542051180",
        "iban": "FR7630004000031234567890143",
        "bic": BIC_BNP,
        **changes,
    }
    with pytest.raises(services.UnableToRecordCustomer, match=message):
        services.create_customer(
            address=services.Address("2 place Jean Millier", "92400", "Courbevoie"),
            billing_email="factures@totalenergies.example",
            by=sales,
            **fields,
        )
    assert not selectors.search_customers("Total").exists()


def test_a_public_administration_records_its_chorus_pro_data_r_cust_5() -> None:
    sales, manager = staff_user("sales"), staff_user("manager", can_decide=True)
    dinum = services.create_customer(
        kind="public_administration",
        legal_name="Direction interministérielle du numérique",
        siren="130025265",
        chorus_siret="13002526500013",
        chorus_service_code="DINUM-ACHATS",
        address=services.Address("20 avenue de Ségur", "75007", "Paris"),
        billing_email="chorus@dinum.example",
        iban="FR7630001007941234567890185",
        bic="BDFEFRPPCCT",
        by=sales,
        at=at(2026, 9, 1),
    )
    assert dinum.payment_method == "administrative_mandate"
    assert (dinum.chorus_siret, dinum.chorus_service_code) == ("13002526500013", "DINUM-ACHATS")
    # No Kbis for an administration (R-CUST-2 asks it of companies).
    for kind in ("account_opening_form", "bank_identity"):
        services.upload_document(
            customer=dinum, kind=kind, content=PDF, filename="p.pdf", by=sales, at=at(2026, 9, 1)
        )
    services.submit_file(customer=dinum, by=sales, at=at(2026, 9, 2))
    services.accept_file(customer=dinum, by=manager, at=at(2026, 9, 3))
    assert selectors.customer_can_order(dinum)


def test_an_administration_without_a_service_code_is_refused_r_cust_5() -> None:
    with pytest.raises(services.UnableToRecordCustomer, match="code service Chorus Pro"):
        services.create_customer(
            kind="public_administration",
            legal_name="DINUM",
            siren="130025265",
            chorus_siret="13002526500013",
            address=services.Address("20 avenue de Ségur", "75007", "Paris"),
            billing_email="chorus@dinum.example",
            by=staff_user(),
        )


def test_a_site_siret_must_belong_to_the_customer_r_cust_1() -> None:
    sales = staff_user()
    customer = company(sales)
    site = services.add_site(
        customer=customer,
        name="Siège",
        siret=TOTAL_SIRET,
        address=services.Address("2 place Jean Millier", "92400", "Courbevoie"),
        by=sales,
    )
    assert selectors.get_site(site.pk).customer == customer
    with pytest.raises(services.UnableToRecordCustomer, match="n'appartient pas"):
        services.add_site(
            customer=customer,
            name="Autre",
            siret="55208131766522",
            address=services.Address("1 rue X", "75001", "Paris"),
            by=sales,
        )


def test_an_upload_of_the_wrong_type_or_size_is_refused_r_cust_2() -> None:
    sales = staff_user()
    customer = company(sales)
    with pytest.raises(services.UnableToChangeSubscriptionFile, match="Type de fichier refusé"):
        services.upload_document(
            customer=customer,
            kind="kbis",
            content=b"MZ\x90\x00",
            filename="virus.pdf",
            document_date=date(2026, 8, 1),
            by=sales,
        )
    terms_small = load_terms()
    tiny = terms_small.model_copy(
        update={
            "subscription": terms_small.subscription.model_copy(update={"upload_max_bytes": 100})
        }
    )
    with pytest.raises(services.UnableToChangeSubscriptionFile, match="taille maximale est 100"):
        services.upload_document(
            customer=customer,
            kind="bank_identity",
            content=PDF + b"x" * 100,
            filename="rib.pdf",
            by=sales,
            terms=tiny,
        )
    assert not selectors.active_documents_of(customer).exists()


def test_changes_are_dated_attributed_records_and_keep_the_old_values_r_cust_4() -> None:
    sales = staff_user()
    customer = company(sales)

    services.record_address_change(
        customer=customer,
        address=services.Address("1 allée de l'Arche", "92400", "Courbevoie"),
        effective_date=date(2026, 10, 1),
        by=sales,
        at=at(2026, 9, 20),
    )
    services.record_bank_details_change(
        customer=customer,
        iban="FR7610107001011234567890129",
        bic="BREDFRPPXXX",
        effective_date=date(2026, 10, 1),
        mandate_reference="SYRES-TOTAL-0002",
        mandate_signature_date=date(2026, 9, 20),
        by=sales,
        at=at(2026, 9, 21),
    )
    services.record_cessation(
        customer=customer, effective_date=date(2026, 12, 31), by=sales, at=at(2026, 9, 22)
    )

    customer.refresh_from_db()
    assert customer.address_line == "1 allée de l'Arche"
    assert customer.iban == "FR7610107001011234567890129"
    history = list(selectors.changes_of(customer))
    assert [change.kind for change in history] == [
        ChangeKind.ADDRESS,
        ChangeKind.BANK_DETAILS,
        ChangeKind.CESSATION,
    ]
    assert history[0].before["address_line"] == "2 place Jean Millier"
    assert history[1].before["iban"] == "FR7630004000031234567890143"
    assert history[1].after["sepa_mandate"] == "SYRES-TOTAL-0002"
    assert all(change.recorded_by == sales for change in history)
    assert not selectors.customer_can_order(customer)
    assert "cessé son activité" in " ".join(selectors.order_refusal_reasons(customer))


def test_a_bank_change_with_a_wrong_rib_key_changes_nothing_r_cust_4() -> None:
    sales = staff_user()
    customer = company(sales)
    with pytest.raises(services.UnableToRecordCustomer, match="clé RIB"):
        services.record_bank_details_change(
            customer=customer,
            iban="FR0630006000011234567890188",
            bic="AGRIFRPP",
            effective_date=date(2026, 10, 1),
            by=sales,
        )
    customer.refresh_from_db()
    assert customer.iban == "FR7630004000031234567890143"
    assert not selectors.changes_of(customer).exists()


def test_a_sepa_mandate_reference_is_unique() -> None:
    sales = staff_user()
    first, second = company(sales), company(sales, name="TotalEnergies Marketing")
    services.record_sepa_mandate(
        customer=first,
        reference="SYRES-0001",
        signature_date=date(2026, 9, 1),
        by=sales,
        at=at(2026, 9, 2),
    )
    with pytest.raises(services.UnableToRecordCustomer, match="déjà utilisée"):
        services.record_sepa_mandate(
            customer=second,
            reference="SYRES-0001",
            signature_date=date(2026, 9, 1),
            by=sales,
            at=at(2026, 9, 2),
        )


def test_rectification_keeps_the_old_values_r_data_1() -> None:
    sales = staff_user()
    customer = company(sales)
    record = services.rectify_customer(
        customer=customer, changes={"billing_email": "compta@totalenergies.example"}, by=sales
    )
    assert record is not None
    assert record.before == {"billing_email": "factures@totalenergies.example"}
    assert record.after == {"billing_email": "compta@totalenergies.example"}
    with pytest.raises(services.UnableToRecordCustomer, match="ne se rectifient pas ici : iban"):
        services.rectify_customer(customer=customer, changes={"iban": "x"}, by=sales)


def test_every_transmission_to_a_third_party_is_logged_r_data_2() -> None:
    support = staff_user("support")
    customer = company(support)
    services.record_transmission(
        customer=customer,
        recipient_kind="wholesale_platform",
        recipient="SEWAN",
        data_sent="Raison sociale, adresse du site, numéros portés",
        purpose="Création du trunk SIP",
        transmitted_at=at(2026, 9, 10),
        by=support,
        at=at(2026, 9, 10, 11),
    )
    with pytest.raises(services.UnableToRecordCustomer, match="la finalité"):
        services.record_transmission(
            customer=customer,
            recipient_kind="subcontractor",
            recipient="Installateur",
            data_sent="Adresse du site",
            purpose=" ",
            transmitted_at=at(2026, 9, 10),
            by=support,
        )
    (logged,) = selectors.transmissions_of(customer)
    assert (logged.recipient, logged.purpose, logged.recorded_by) == (
        "SEWAN",
        "Création du trunk SIP",
        support,
    )
    assert logged.transmitted_at == at(2026, 9, 10)


def test_the_export_archive_holds_the_data_as_json_and_every_uploaded_file_r_data_1() -> None:
    sales = staff_user()
    customer = company(sales)
    services.add_site(
        customer=customer,
        name="Siège",
        siret=TOTAL_SIRET,
        address=services.Address("2 place Jean Millier", "92400", "Courbevoie"),
        by=sales,
    )
    services.add_contact(
        customer=customer,
        first_name="Anne",
        last_name="Martin",
        email="a.martin@t.example",
        by=sales,
    )
    complete_file(customer, sales, kbis_date=date(2026, 8, 1), when=at(2026, 9, 2))
    services.record_transmission(
        customer=customer,
        recipient_kind="wholesale_platform",
        recipient="OPEN IP",
        data_sent="Adresse du site",
        purpose="Portabilité",
        transmitted_at=at(2026, 9, 3),
        by=sales,
    )

    archive = zipfile.ZipFile(io.BytesIO(selectors.personal_data_archive(customer)))

    data = json.loads(archive.read("donnees.json"))
    assert data["customer"]["siren"] == "542051180"
    assert data["customer"]["iban"] == "FR7630004000031234567890143"
    assert [site["siret"] for site in data["sites"]] == [TOTAL_SIRET]
    assert data["contacts"][0]["email"] == "a.martin@t.example"
    assert data["subscription_file"]["status"] == "draft"
    assert data["transmissions_to_third_parties"][0]["recipient"] == "OPEN IP"
    documents = data["subscription_file"]["documents"]
    assert sorted(document["kind"] for document in documents) == [
        "account_opening_form",
        "bank_identity",
        "kbis",
    ]
    for document in documents:
        assert document["file"] in archive.namelist()
    kbis = next(document for document in documents if document["kind"] == "kbis")
    assert archive.read(kbis["file"]) == PNG
    assert kbis["document_date"] == "2026-08-01"


def test_a_portal_user_rectifies_its_own_customer_only_r_data_1() -> None:
    from django.contrib.auth import get_user_model

    sales = staff_user()
    customer, other = company(sales), company(sales, name="Autre SA")
    portal_user = get_user_model().objects.create_user(username="client", customer=customer)

    record = services.rectify_customer(
        customer=customer, changes={"phone": "+33 1 00 00 00 01"}, by=portal_user
    )
    assert record is not None
    assert record.recorded_by == portal_user
    with pytest.raises(services.UnableToRecordCustomer, match="membre du personnel"):
        services.rectify_customer(customer=other, changes={"phone": "x"}, by=portal_user)


def test_a_rejected_file_reopens_as_a_draft_and_keeps_the_refusal_in_its_steps() -> None:
    sales, manager = staff_user("sales"), staff_user("manager", can_decide=True)
    customer = company(sales)
    complete_file(customer, sales, kbis_date=date(2026, 8, 1), when=at(2026, 9, 2))
    services.submit_file(customer=customer, by=sales, at=at(2026, 9, 3))
    with pytest.raises(services.UnableToChangeSubscriptionFile, match="brouillon"):
        services.upload_document(
            customer=customer,
            kind="kbis",
            content=PDF,
            filename="k.pdf",
            document_date=date(2026, 9, 1),
            by=sales,
        )
    services.reject_file(customer=customer, reason="RIB illisible", by=manager, at=at(2026, 9, 4))

    services.reopen_file(customer=customer, by=sales, at=at(2026, 9, 5))

    steps = [(event.status, event.note) for event in selectors.file_events_of(customer)]
    assert steps == [
        ("draft", ""),
        ("submitted", ""),
        ("rejected", "RIB illisible"),
        ("draft", ""),
    ]
    assert selectors.file_of(customer).rejection_reason == ""


def test_a_natural_person_needs_no_siren_but_a_vat_number_needs_one_r_cust_1() -> None:
    sales = staff_user()
    fields = {
        "kind": "person",
        "first_name": "Jeanne",
        "last_name": "Fabre",
        "address": services.Address("2 chemin des Crêtes", "12510", "Olempes"),
        "billing_email": "jeanne.fabre@exemple.example",
        "iban": "FR7611206000101234567890101",
        "bic": "AGRIFRPP812",
        "by": sales,
    }
    with pytest.raises(services.UnableToRecordCustomer, match="demande le SIREN"):
        services.create_customer(vat_number="FR59542051180", **fields)

    person = services.create_customer(**fields)

    assert (person.siren, person.vat_number) == ("", "")
    assert person.bank_account_holder == "Jeanne Fabre"
    assert str(person) == "Jeanne Fabre"
