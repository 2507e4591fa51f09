"""Demo customers in every state of the subscription file (R-CUST-2, R-CUST-3).

Fictional companies with identifiers of the real formats (SIREN, SIRET, VAT number, IBAN with
its RIB key, BIC: every one passes its checks), one public administration invoiced through
Chorus Pro, one natural person; each with sites and contacts. Safe to run again: a customer
already present (found by its billing e-mail) is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from syres.accounts import services as accounts
from syres.customers import selectors, services
from syres.customers.services import Address

# A one-page PDF, enough to be recognised as one (R-CUST-2 checks the type by its bytes).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class DemoCustomer:
    target: str  # draft, submitted, accepted, rejected
    fields: dict[str, Any]
    sites: tuple[dict[str, Any], ...]
    contacts: tuple[dict[str, str], ...]
    mandate: str = ""
    rejection: str = ""
    transmissions: tuple[dict[str, str], ...] = field(default=())


DEMO_CUSTOMERS = (
    DemoCustomer(
        target="accepted",
        fields={
            "kind": "company",
            "legal_name": "Fromagerie des Causses SARL",
            "siren": "812345676",
            "vat_number": "FR19812345676",
            "address": Address("12 avenue de Paris", "12000", "Rodez"),
            "phone": "+33 5 65 68 12 40",
            "billing_email": "compta@fromagerie-causses.example",
            "iban": "FR7611206000101234567890101",
            "bic": "AGRIFRPP812",
        },
        sites=(
            {
                "name": "Siège Rodez",
                "siret": "81234567600017",
                "address": Address("12 avenue de Paris", "12000", "Rodez"),
                "phone": "+33 5 65 68 12 40",
            },
            {
                "name": "Cave d'affinage Roquefort",
                "siret": "81234567600025",
                "address": Address("3 route des Caves", "12250", "Roquefort-sur-Soulzon"),
            },
        ),
        contacts=(
            {
                "first_name": "Hélène",
                "last_name": "Vayssière",
                "role": "Gérante",
                "email": "h.vayssiere@fromagerie-causses.example",
                "phone": "+33 6 12 40 58 73",
            },
            {
                "first_name": "Paul",
                "last_name": "Cabrol",
                "role": "Comptable",
                "email": "p.cabrol@fromagerie-causses.example",
            },
        ),
        mandate="SYRES-DEMO-0001",
        transmissions=(
            {
                "recipient_kind": "wholesale_platform",
                "recipient": "SEWAN",
                "data_sent": "Raison sociale, adresse du siège, numéros à porter",
                "purpose": "Création du trunk SIP et portabilité des numéros",
            },
        ),
    ),
    DemoCustomer(
        target="submitted",
        fields={
            "kind": "company",
            "legal_name": "Transports Aveyron Express SAS",
            "siren": "798654323",
            "address": Address("ZA de Bel Air", "12000", "Rodez"),
            "phone": "+33 5 65 42 90 17",
            "billing_email": "factures@tae-transports.example",
            "iban": "FR7630004005500001234567840",
            "bic": "BNPAFRPPXXX",
        },
        sites=(
            {
                "name": "Dépôt Rodez",
                "siret": "79865432300012",
                "address": Address("ZA de Bel Air", "12000", "Rodez"),
            },
        ),
        contacts=(
            {
                "first_name": "Karim",
                "last_name": "Benali",
                "role": "Directeur",
                "email": "k.benali@tae-transports.example",
            },
        ),
    ),
    DemoCustomer(
        target="draft",
        fields={
            "kind": "company",
            "legal_name": "Menuiserie Bertrand EURL",
            "siren": "834567125",
            "address": Address("5 rue du Moulin", "12850", "Onet-le-Château"),
            "billing_email": "contact@menuiserie-bertrand.example",
            "iban": "FR7610107001230009876543254",
            "bic": "BREDFRPPXXX",
        },
        sites=(
            {
                "name": "Atelier",
                "siret": "83456712500010",
                "address": Address("5 rue du Moulin", "12850", "Onet-le-Château"),
            },
        ),
        contacts=(
            {
                "first_name": "Luc",
                "last_name": "Bertrand",
                "role": "Gérant",
                "phone": "+33 6 71 22 43 09",
            },
        ),
    ),
    DemoCustomer(
        target="rejected",
        fields={
            "kind": "company",
            "legal_name": "Cabinet Roussel et Associés",
            "siren": "901234567",
            "address": Address("8 boulevard Gambetta", "12100", "Millau"),
            "billing_email": "secretariat@cabinet-roussel.example",
            "iban": "FR7630002012340000045678907",
            "bic": "CRLYFRPPXXX",
        },
        sites=(
            {
                "name": "Cabinet",
                "siret": "90123456700013",
                "address": Address("8 boulevard Gambetta", "12100", "Millau"),
            },
        ),
        contacts=(
            {
                "first_name": "Claire",
                "last_name": "Roussel",
                "role": "Associée",
                "email": "c.roussel@cabinet-roussel.example",
            },
        ),
        rejection="Le RIB fourni est au nom d'un tiers : fournir celui du cabinet.",
    ),
    DemoCustomer(
        target="accepted",
        fields={
            "kind": "public_administration",
            "legal_name": "Commune de Sainte-Radegonde (démo)",
            "siren": "211201785",
            "chorus_siret": "21120178500014",
            "chorus_service_code": "SERVICES-TECHNIQUES",
            "address": Address("Place de la Mairie", "12850", "Sainte-Radegonde"),
            "phone": "+33 5 65 67 41 62",
            "billing_email": "mairie@sainte-radegonde.example",
            "iban": "FR7611206000452001234567812",
            "bic": "AGRIFRPP812",
        },
        sites=(
            {
                "name": "Mairie",
                "siret": "21120178500014",
                "address": Address("Place de la Mairie", "12850", "Sainte-Radegonde"),
            },
            {
                "name": "École",
                "siret": "21120178500022",
                "address": Address("Rue des Écoles", "12850", "Sainte-Radegonde"),
            },
        ),
        contacts=(
            {
                "first_name": "Sophie",
                "last_name": "Marty",
                "role": "Secrétaire de mairie",
                "email": "secretariat@sainte-radegonde.example",
            },
        ),
    ),
    DemoCustomer(
        target="accepted",
        fields={
            "kind": "person",
            "first_name": "Jeanne",
            "last_name": "Fabre",
            "address": Address("2 chemin des Crêtes", "12510", "Olempes"),
            "billing_email": "jeanne.fabre@exemple.example",
            "iban": "FR7611206000101234567890101",
            "bic": "AGRIFRPP812",
            "bank_account_holder": "Jeanne Fabre",
        },
        sites=(
            {"name": "Domicile", "address": Address("2 chemin des Crêtes", "12510", "Olempes")},
        ),
        contacts=({"first_name": "Jeanne", "last_name": "Fabre", "phone": "+33 6 45 18 72 90"},),
        mandate="SYRES-DEMO-0002",
    ),
)


def load_customers(*, staff: Any, echo: Callable[[str], None]) -> None:
    """Roles, then the demo customers, each in its state of the file; `staff` acts for SYRES."""
    accounts.ensure_roles()
    now = timezone.now()
    today = timezone.localdate(now)
    created = 0
    for demo in DEMO_CUSTOMERS:
        if selectors.find_customer_by_billing_email(demo.fields["billing_email"]) is not None:
            continue
        _create(demo, staff=staff, today=today)
        created += 1
    echo(
        f"Clients de démonstration : {created} créé(s), "
        f"{len(DEMO_CUSTOMERS) - created} déjà présent(s)."
    )


def _create(demo: DemoCustomer, *, staff: Any, today: date) -> None:
    customer = services.create_customer(by=staff, **demo.fields)
    for site in demo.sites:
        services.add_site(customer=customer, by=staff, **site)
    for contact in demo.contacts:
        services.add_contact(customer=customer, by=staff, **contact)
    if demo.mandate:
        services.record_sepa_mandate(
            customer=customer,
            reference=demo.mandate,
            signature_date=today - timedelta(days=20),
            by=staff,
        )
    kinds = ["account_opening_form", "bank_identity"]
    if demo.fields["kind"] == "company":
        kinds.append("kbis")
    if demo.target == "draft":
        kinds = kinds[:1]  # the draft still misses pieces
    for kind in kinds:
        services.upload_document(
            customer=customer,
            kind=kind,
            content=DEMO_PDF,
            filename=f"{kind}.pdf",
            document_date=today - timedelta(days=30) if kind == "kbis" else None,
            by=staff,
        )
    if demo.target == "draft":
        return
    services.submit_file(customer=customer, by=staff)
    if demo.target == "accepted":
        services.accept_file(customer=customer, by=staff)
    elif demo.target == "rejected":
        services.reject_file(customer=customer, reason=demo.rejection, by=staff)
    for transmission in demo.transmissions:
        services.record_transmission(
            customer=customer,
            recipient_kind=transmission["recipient_kind"],
            recipient=transmission["recipient"],
            data_sent=transmission["data_sent"],
            purpose=transmission["purpose"],
            transmitted_at=timezone.now(),
            by=staff,
        )
