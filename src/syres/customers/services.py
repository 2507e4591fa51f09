"""Writes on customers: one function per state change, each checking it is allowed.

Every refusal is an `UnableToX` exception whose message (French) is meant for the user.
`by` is the named staff user who acts (R-CUST-3); `at` defaults to now.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from syres.accounts.selectors import NOT_IDENTIFIED_STAFF, is_identified_staff
from syres.customers.models import (
    ChangeKind,
    ChangeRecord,
    Contact,
    Customer,
    CustomerKind,
    DataTransmission,
    FileDocument,
    FileEvent,
    FileStatus,
    PaymentMethod,
    RecipientKind,
    SepaMandate,
    Site,
    SubscriptionFile,
)
from syres.customers.selectors import order_refusal_reasons, phone_numbers_of
from syres.domain import customers as rules
from syres.domain.security import check_pin
from syres.domain.terms import Terms
from syres.terms import load_terms

PARIS = ZoneInfo("Europe/Paris")
_MANDATE_REFERENCE = re.compile(r"^[A-Za-z0-9+?/:().,' -]{1,35}$")


class UnableToRecordCustomer(Exception):
    """A customer's data refused (identifiers, missing fields); the message is French."""


class UnableToChangeSubscriptionFile(Exception):
    """A step of the subscription file that is not allowed now; the message is French."""


class UnableToOrder(Exception):
    """Nothing can be ordered for this customer (R-CUST-3, R-ORD-6); `reasons` are French."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons))


def _now(at: datetime | None) -> datetime:
    return at if at is not None else timezone.now()


def _staff(
    by: Any, *, permission: str | None = None, error: type[Exception] = UnableToRecordCustomer
) -> Any:
    """The acting user must be a named, active staff member (with `permission` if given)."""
    if not is_identified_staff(by):
        raise error(NOT_IDENTIFIED_STAFF)
    if permission and not by.has_perm(permission):
        raise error(f"{by.get_username()} n'a pas le droit de faire cette action.")
    return by


def _staff_or_own_user(by: Any, customer: Customer) -> Any:
    """A staff member, or one of the customer's own active portal users: the customer reports
    its own changes (R-CUST-4) and signs its own mandate."""
    if (
        getattr(by, "is_authenticated", False)
        and by.is_active
        and getattr(by, "customer_id", None) == customer.pk
    ):
        return by
    return _staff(by)


def _checked(call: Any, **kwargs: Any) -> str:
    try:
        return str(call(**kwargs))
    except rules.UnableToAcceptIdentifier as error:
        raise UnableToRecordCustomer(error.reason) from error


@dataclass(frozen=True)
class Address:
    address_line: str
    postcode: str
    city: str
    country: str = "FR"

    def as_dict(self) -> dict[str, str]:
        return {
            "address_line": self.address_line,
            "postcode": self.postcode,
            "city": self.city,
            "country": self.country,
        }


def lock_customer(customer: Customer) -> Customer:
    """Take the customer's row lock for the current transaction (SELECT … FOR UPDATE): writes
    that depend on what the customer owes (payments and their allocation, disputes) then follow
    one another instead of both reading the same balance."""
    return Customer.objects.select_for_update().get(pk=customer.pk)


def _check_address(address: Address) -> None:
    if not (address.address_line.strip() and address.postcode.strip() and address.city.strip()):
        raise UnableToRecordCustomer(
            "L'adresse doit comporter une rue, un code postal et une ville."
        )
    if address.country == "FR" and not re.fullmatch(r"\d{5}", address.postcode.strip()):
        raise UnableToRecordCustomer(
            f"Code postal « {address.postcode} » : il faut 5 chiffres en France."
        )


@transaction.atomic
def create_customer(
    *,
    kind: str,
    address: Address,
    billing_email: str,
    by: Any,
    legal_name: str = "",
    first_name: str = "",
    last_name: str = "",
    siren: str = "",
    vat_number: str = "",
    phone: str = "",
    payment_method: str | None = None,
    iban: str = "",
    bic: str = "",
    bank_account_holder: str = "",
    chorus_siret: str = "",
    chorus_service_code: str = "",
    at: datetime | None = None,
) -> Customer:
    """Record a customer and open its subscription file as a draft (R-CUST-1, R-CUST-5)."""
    _staff(by)
    now = _now(at)
    kind = CustomerKind(kind)
    _check_address(address)
    if not billing_email.strip():
        raise UnableToRecordCustomer("L'adresse e-mail de facturation est obligatoire.")
    if kind == CustomerKind.PERSON:
        if not last_name.strip():
            raise UnableToRecordCustomer("Le nom de la personne est obligatoire.")
        # A sole trader has a SIREN (and the VAT number derived from it); others have neither.
        if vat_number and not siren:
            raise UnableToRecordCustomer("Un numéro de TVA demande le SIREN dont il dérive.")
        siren = _checked(rules.valid_siren, siren=siren) if siren else ""
    else:
        if not legal_name.strip():
            raise UnableToRecordCustomer("La raison sociale est obligatoire.")
        if not siren:
            raise UnableToRecordCustomer("Le SIREN est obligatoire pour une personne morale.")
        siren = _checked(rules.valid_siren, siren=siren)
    if siren:
        vat_number = (
            _checked(rules.valid_vat_number, vat_number=vat_number, siren=siren)
            if vat_number
            else _checked(rules.vat_number_of, siren=siren)
        )
    if kind == CustomerKind.PUBLIC_ADMINISTRATION:
        # R-CUST-5: invoiced through Chorus Pro, paid by administrative mandate.
        if not chorus_siret or not chorus_service_code.strip():
            raise UnableToRecordCustomer(
                "Une administration doit avoir un SIRET et un code service Chorus Pro."
            )
        chorus_siret = _checked(rules.valid_siret, siret=chorus_siret, siren=siren)
        payment_method = payment_method or PaymentMethod.ADMINISTRATIVE_MANDATE
    elif chorus_siret or chorus_service_code:
        raise UnableToRecordCustomer("Les données Chorus Pro sont réservées aux administrations.")
    payment_method = PaymentMethod(payment_method or PaymentMethod.SEPA_DEBIT)
    if iban or bic:
        bank = _bank_identity(iban=iban, bic=bic)
        iban, bic = bank.iban, bank.bic
    if payment_method == PaymentMethod.SEPA_DEBIT and not iban:
        raise UnableToRecordCustomer("Le prélèvement SEPA demande un IBAN et un BIC.")
    customer = Customer.objects.create(
        kind=kind,
        legal_name=legal_name.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        siren=siren,
        vat_number=vat_number,
        phone=phone.strip(),
        billing_email=billing_email.strip(),
        payment_method=payment_method,
        iban=iban,
        bic=bic,
        bank_account_holder=bank_account_holder.strip()
        or legal_name.strip()
        or f"{first_name.strip()} {last_name.strip()}".strip(),
        chorus_siret=chorus_siret,
        chorus_service_code=chorus_service_code.strip(),
        created_at=now,
        created_by=by,
        **address.as_dict(),
    )
    subscription_file = SubscriptionFile.objects.create(customer=customer, created_at=now)
    FileEvent.objects.create(file=subscription_file, status=FileStatus.DRAFT, at=now, by=by)
    return customer


def _bank_identity(*, iban: str, bic: str) -> rules.BankIdentity:
    try:
        return rules.valid_bank_identity(iban=iban, bic=bic)
    except rules.UnableToAcceptIdentifier as error:
        raise UnableToRecordCustomer(error.reason) from error


@transaction.atomic
def add_site(
    *,
    customer: Customer,
    name: str,
    address: Address,
    by: Any,
    siret: str = "",
    phone: str = "",
    at: datetime | None = None,
) -> Site:
    """Add a site, where services are delivered; a company's site has its own SIRET, which
    must belong to the customer's SIREN (R-CUST-1)."""
    _staff(by)
    _check_address(address)
    if not name.strip():
        raise UnableToRecordCustomer("Le site doit avoir un nom.")
    if siret:
        siret = _checked(rules.valid_siret, siret=siret, siren=customer.siren or None)
    if Site.objects.filter(customer=customer, name=name.strip()).exists():
        raise UnableToRecordCustomer(f"Le client a déjà un site nommé « {name} ».")
    return Site.objects.create(
        customer=customer,
        name=name.strip(),
        siret=siret,
        phone=phone.strip(),
        created_at=_now(at),
        **address.as_dict(),
    )


def add_contact(
    *,
    customer: Customer,
    last_name: str,
    by: Any,
    first_name: str = "",
    role: str = "",
    email: str = "",
    phone: str = "",
) -> Contact:
    """Add a person to reach at the customer."""
    _staff(by)
    if not last_name.strip():
        raise UnableToRecordCustomer("Le contact doit avoir un nom.")
    if not (email.strip() or phone.strip()):
        raise UnableToRecordCustomer("Le contact doit avoir un e-mail ou un téléphone.")
    return Contact.objects.create(
        customer=customer,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role.strip(),
        email=email.strip(),
        phone=phone.strip(),
    )


@transaction.atomic
def record_sepa_mandate(
    *,
    customer: Customer,
    reference: str,
    signature_date: date,
    by: Any,
    at: datetime | None = None,
) -> SepaMandate:
    """Record the customer's signed SEPA mandate (unique reference, signature date) on its
    current bank identity; a previous mandate is revoked on the new one's signature date."""
    _staff_or_own_user(by, customer)
    now = _now(at)
    reference = reference.strip()
    if not _MANDATE_REFERENCE.fullmatch(reference):
        raise UnableToRecordCustomer(
            f"Référence de mandat « {reference} » : 1 à 35 caractères parmi lettres, chiffres "
            "et + ? / - : ( ) . , ' espace."
        )
    if signature_date > now.astimezone(PARIS).date():
        raise UnableToRecordCustomer("La date de signature du mandat ne peut être future.")
    if not (customer.iban and customer.bic):
        raise UnableToRecordCustomer("Le client n'a pas de coordonnées bancaires.")
    if SepaMandate.objects.filter(reference=reference).exists():
        raise UnableToRecordCustomer(f"La référence de mandat « {reference} » est déjà utilisée.")
    for previous in SepaMandate.objects.filter(customer=customer, revoked_on__isnull=True):
        if previous.signature_date > signature_date:
            raise UnableToRecordCustomer(
                f"Le mandat en cours ({previous.reference}) est signé après le nouveau."
            )
        previous.revoked_on = signature_date
        previous.save(update_fields=["revoked_on"])
    try:
        with transaction.atomic():
            return SepaMandate.objects.create(
                customer=customer,
                reference=reference,
                signature_date=signature_date,
                iban=customer.iban,
                bic=customer.bic,
                created_at=now,
            )
    except IntegrityError as error:  # a concurrent mandate with the same reference
        raise UnableToRecordCustomer(
            f"La référence de mandat « {reference} » est déjà utilisée."
        ) from error


# The subscription file (R-CUST-2, R-CUST-3) ----------------------------------------------------


def _file_for_update(customer: Customer) -> SubscriptionFile:
    return SubscriptionFile.objects.select_for_update().get(customer=customer)


def _event(file: SubscriptionFile, *, by: Any, at: datetime, note: str = "") -> None:
    FileEvent.objects.create(file=file, status=file.status, at=at, by=by, note=note)


@transaction.atomic
def upload_document(
    *,
    customer: Customer,
    kind: str,
    content: bytes,
    filename: str,
    by: Any,
    document_date: date | None = None,
    terms: Terms | None = None,
    at: datetime | None = None,
) -> FileDocument:
    """Store a piece of the draft file after checking its type (read from its bytes) and its
    size against the terms (R-CUST-2); a piece of the same kind is replaced, and kept."""
    _staff(by, error=UnableToChangeSubscriptionFile)
    policy = (terms or load_terms()).subscription
    now = _now(at)
    subscription_file = _file_for_update(customer)
    if subscription_file.status != FileStatus.DRAFT:
        raise UnableToChangeSubscriptionFile(
            "Les pièces ne peuvent être déposées que sur un dossier en brouillon "
            f"(état : {subscription_file.get_status_display().lower()})."
        )
    try:
        content_type = rules.check_upload(
            kind=kind, size=len(content), head=content[:16], policy=policy
        )
    except rules.UnableToAcceptDocument as error:
        raise UnableToChangeSubscriptionFile(error.reason) from error
    if kind == rules.KBIS and document_date is None:
        raise UnableToChangeSubscriptionFile("La date de l'extrait Kbis est obligatoire.")
    FileDocument.objects.filter(file=subscription_file, kind=kind, replaced_at__isnull=True).update(
        replaced_at=now
    )
    name = get_valid_filename(filename.rsplit("/", 1)[-1]) or f"{kind}.bin"
    return FileDocument.objects.create(
        file=subscription_file,
        kind=kind,
        upload=ContentFile(content, name=name),
        original_name=filename[:255],
        content_type=content_type,
        size=len(content),
        document_date=document_date,
        uploaded_at=now,
        uploaded_by=by,
    )


def _completeness_problems(
    customer: Customer, subscription_file: SubscriptionFile, *, submitted_on: date, terms: Terms
) -> list[str]:
    """What keeps the file from being submitted or accepted (R-CUST-2), in French."""
    policy = terms.subscription
    documents = {
        document.kind: document
        for document in FileDocument.objects.filter(
            file=subscription_file, replaced_at__isnull=True
        )
    }
    is_company = customer.kind == CustomerKind.COMPANY
    problems = [
        f"Pièce manquante : {rules.DOCUMENT_LABELS.get(kind, kind)}."
        for kind in rules.missing_documents(
            is_company=is_company, present=list(documents), policy=policy
        )
    ]
    kbis = documents.get(rules.KBIS)
    if is_company and kbis is not None and kbis.document_date is not None:
        try:
            rules.check_kbis_age(
                kbis_date=kbis.document_date, submitted_on=submitted_on, policy=policy
            )
        except rules.UnableToAcceptDocument as error:
            problems.append(error.reason)
    if not (customer.iban and customer.bic):
        problems.append("Coordonnées bancaires manquantes : IBAN et BIC.")
    return problems


@transaction.atomic
def submit_file(
    *, customer: Customer, by: Any, terms: Terms | None = None, at: datetime | None = None
) -> SubscriptionFile:
    """Draft → submitted, only with every piece and a Kbis younger than the terms allow on the
    day of submission (R-CUST-2, CGV art. 3)."""
    _staff(by, error=UnableToChangeSubscriptionFile)
    now = _now(at)
    subscription_file = _file_for_update(customer)
    if subscription_file.status != FileStatus.DRAFT:
        raise UnableToChangeSubscriptionFile(
            "Seul un dossier en brouillon peut être soumis "
            f"(état : {subscription_file.get_status_display().lower()})."
        )
    problems = _completeness_problems(
        customer,
        subscription_file,
        submitted_on=now.astimezone(PARIS).date(),
        terms=terms or load_terms(),
    )
    if problems:
        raise UnableToChangeSubscriptionFile("Dossier incomplet : " + " ".join(problems))
    subscription_file.status = FileStatus.SUBMITTED
    subscription_file.submitted_at = now
    subscription_file.submitted_by = by
    subscription_file.save(update_fields=["status", "submitted_at", "submitted_by"])
    _event(subscription_file, by=by, at=now)
    return subscription_file


@transaction.atomic
def accept_file(
    *, customer: Customer, by: Any, terms: Terms | None = None, at: datetime | None = None
) -> SubscriptionFile:
    """Submitted → accepted: the subscription takes effect (R-CUST-3, CGV art. 3). A file with
    a missing or stale piece is never accepted (R-CUST-2)."""
    _staff(by, permission="customers.decide_subscriptionfile", error=UnableToChangeSubscriptionFile)
    now = _now(at)
    subscription_file = _file_for_update(customer)
    submitted_on = (
        subscription_file.submitted_at.astimezone(PARIS).date()
        if subscription_file.submitted_at
        else now.astimezone(PARIS).date()
    )
    problems = _completeness_problems(
        customer, subscription_file, submitted_on=submitted_on, terms=terms or load_terms()
    )
    if problems:
        raise UnableToChangeSubscriptionFile(
            "Le dossier ne peut être accepté : " + " ".join(problems)
        )
    if subscription_file.status != FileStatus.SUBMITTED:
        raise UnableToChangeSubscriptionFile(
            "Seul un dossier soumis peut être accepté "
            f"(état : {subscription_file.get_status_display().lower()})."
        )
    subscription_file.status = FileStatus.ACCEPTED
    subscription_file.decided_at = now
    subscription_file.decided_by = by
    subscription_file.rejection_reason = ""
    subscription_file.save(update_fields=["status", "decided_at", "decided_by", "rejection_reason"])
    _event(subscription_file, by=by, at=now)
    return subscription_file


@transaction.atomic
def reject_file(
    *, customer: Customer, reason: str, by: Any, at: datetime | None = None
) -> SubscriptionFile:
    """Submitted → rejected, with the reason given to the customer (R-CUST-3)."""
    _staff(by, permission="customers.decide_subscriptionfile", error=UnableToChangeSubscriptionFile)
    now = _now(at)
    if not reason.strip():
        raise UnableToChangeSubscriptionFile("Un refus doit donner son motif.")
    subscription_file = _file_for_update(customer)
    if subscription_file.status != FileStatus.SUBMITTED:
        raise UnableToChangeSubscriptionFile(
            "Seul un dossier soumis peut être refusé "
            f"(état : {subscription_file.get_status_display().lower()})."
        )
    subscription_file.status = FileStatus.REJECTED
    subscription_file.decided_at = now
    subscription_file.decided_by = by
    subscription_file.rejection_reason = reason.strip()
    subscription_file.save(update_fields=["status", "decided_at", "decided_by", "rejection_reason"])
    _event(subscription_file, by=by, at=now, note=reason.strip())
    return subscription_file


@transaction.atomic
def reopen_file(*, customer: Customer, by: Any, at: datetime | None = None) -> SubscriptionFile:
    """Rejected → draft, so that the customer can send new pieces; the refusal stays in the
    file's history."""
    _staff(by, error=UnableToChangeSubscriptionFile)
    now = _now(at)
    subscription_file = _file_for_update(customer)
    if subscription_file.status != FileStatus.REJECTED:
        raise UnableToChangeSubscriptionFile("Seul un dossier refusé peut être rouvert.")
    subscription_file.status = FileStatus.DRAFT
    subscription_file.submitted_at = None
    subscription_file.submitted_by = None
    subscription_file.decided_at = None
    subscription_file.decided_by = None
    subscription_file.rejection_reason = ""
    subscription_file.save()
    _event(subscription_file, by=by, at=now)
    return subscription_file


def ensure_acceptable_pin(
    *, customer: Customer, pin: str, line_number: str = "", terms: Terms | None = None
) -> None:
    """Refuse a simple PIN for one of the customer's phones, voicemail or administration:
    repeated or sequential digits, the last 4 digits of the line or of the company's numbers
    (R-SEC-1, CGV art. 12); raises `syres.domain.security.UnableToAcceptSecret`."""
    numbers = (
        [line_number, *phone_numbers_of(customer)] if line_number else phone_numbers_of(customer)
    )
    check_pin(pin=pin, policy=(terms or load_terms()).security, numbers=numbers)


def ensure_customer_can_order(customer: Customer) -> None:
    """Refuse any new order for a customer whose file is not accepted (R-CUST-3), who has
    ceased, or whom another app's check objects to (R-ORD-6); raises `UnableToOrder`."""
    reasons = order_refusal_reasons(customer)
    if reasons:
        raise UnableToOrder(reasons)


# Changes (R-CUST-4) and rectification (R-DATA-1) ------------------------------------------------


def _record_change(
    *,
    customer: Customer,
    kind: ChangeKind,
    effective_date: date,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    by: Any,
    at: datetime,
    note: str = "",
    site: Site | None = None,
) -> ChangeRecord:
    return ChangeRecord.objects.create(
        customer=customer,
        site=site,
        kind=kind,
        effective_date=effective_date,
        before=dict(before),
        after=dict(after),
        note=note.strip(),
        recorded_at=at,
        recorded_by=by,
    )


def _refuse_if_ceased(customer: Customer) -> None:
    if customer.ceased_on is not None:
        raise UnableToRecordCustomer(
            f"Le client a cessé son activité le {customer.ceased_on:%d/%m/%Y}."
        )


@transaction.atomic
def record_address_change(
    *,
    customer: Customer,
    address: Address,
    effective_date: date,
    by: Any,
    site: Site | None = None,
    note: str = "",
    at: datetime | None = None,
) -> ChangeRecord:
    """A change of the customer's address (or of one site's), dated and attributed; the old
    address stays in the record (R-CUST-4, CGV art. 5). Staff, or the customer's own portal
    user, records it."""
    _staff_or_own_user(by, customer)
    _check_address(address)
    _refuse_if_ceased(customer)
    target: Customer | Site = customer
    if site is not None:
        if site.customer_id != customer.pk:
            raise UnableToRecordCustomer("Ce site n'appartient pas à ce client.")
        target = site
    fields = list(address.as_dict())
    before = {field: getattr(target, field) for field in fields}
    if before == address.as_dict():
        raise UnableToRecordCustomer("La nouvelle adresse est identique à l'actuelle.")
    for field, value in address.as_dict().items():
        setattr(target, field, value.strip())
    target.save(update_fields=fields)
    return _record_change(
        customer=customer,
        site=site,
        kind=ChangeKind.ADDRESS,
        effective_date=effective_date,
        before=before,
        after=address.as_dict(),
        by=by,
        at=_now(at),
        note=note,
    )


@transaction.atomic
def record_bank_details_change(
    *,
    customer: Customer,
    iban: str,
    bic: str,
    effective_date: date,
    by: Any,
    account_holder: str = "",
    mandate_reference: str = "",
    mandate_signature_date: date | None = None,
    note: str = "",
    at: datetime | None = None,
) -> ChangeRecord:
    """A change of bank details (R-CUST-4): the new IBAN and BIC are checked (R-CUST-1); a
    customer paying by SEPA debit signs a new mandate, which revokes the old one. Staff, or the
    customer's own portal user, records it."""
    _staff_or_own_user(by, customer)
    _refuse_if_ceased(customer)
    now = _now(at)
    bank = _bank_identity(iban=iban, bic=bic)
    before = {
        "iban": customer.iban,
        "bic": customer.bic,
        "bank_account_holder": customer.bank_account_holder,
    }
    customer.iban, customer.bic = bank.iban, bank.bic
    customer.bank_account_holder = account_holder.strip() or customer.bank_account_holder
    after = {
        "iban": customer.iban,
        "bic": customer.bic,
        "bank_account_holder": customer.bank_account_holder,
    }
    if before == after:
        raise UnableToRecordCustomer("Les coordonnées bancaires sont identiques aux actuelles.")
    customer.save(update_fields=["iban", "bic", "bank_account_holder"])
    if customer.payment_method == PaymentMethod.SEPA_DEBIT:
        if not mandate_reference or mandate_signature_date is None:
            raise UnableToRecordCustomer(
                "Le prélèvement SEPA sur le nouveau compte demande un nouveau mandat signé "
                "(référence et date de signature)."
            )
        record_sepa_mandate(
            customer=customer,
            reference=mandate_reference,
            signature_date=mandate_signature_date,
            by=by,
            at=now,
        )
        after["sepa_mandate"] = mandate_reference.strip()
    return _record_change(
        customer=customer,
        kind=ChangeKind.BANK_DETAILS,
        effective_date=effective_date,
        before=before,
        after=after,
        by=by,
        at=now,
        note=note,
    )


@transaction.atomic
def record_cessation(
    *, customer: Customer, effective_date: date, by: Any, note: str = "", at: datetime | None = None
) -> ChangeRecord:
    """The customer's cessation of activity (R-CUST-4): no new order from that date."""
    _staff(by)
    _refuse_if_ceased(customer)
    customer.ceased_on = effective_date
    customer.save(update_fields=["ceased_on"])
    return _record_change(
        customer=customer,
        kind=ChangeKind.CESSATION,
        effective_date=effective_date,
        before={"ceased_on": None},
        after={"ceased_on": effective_date.isoformat()},
        by=by,
        at=_now(at),
        note=note,
    )


RECTIFIABLE_FIELDS = (
    "legal_name",
    "first_name",
    "last_name",
    "vat_number",
    "phone",
    "billing_email",
    "bank_account_holder",
    "chorus_service_code",
)


@transaction.atomic
def rectify_customer(
    *,
    customer: Customer,
    changes: Mapping[str, str],
    by: Any,
    note: str = "",
    at: datetime | None = None,
) -> ChangeRecord | None:
    """Correct the customer's data at its request (R-DATA-1, CGV art. 11), keeping the old
    values in a change record. Address and bank details have their own changes (R-CUST-4).
    `by` is a staff member, or one of the customer's own portal users. Returns None when
    nothing differs."""
    _staff_or_own_user(by, customer)
    unknown = sorted(set(changes) - set(RECTIFIABLE_FIELDS))
    if unknown:
        raise UnableToRecordCustomer(
            "Ces données ne se rectifient pas ici : " + ", ".join(unknown) + "."
        )
    cleaned = {field: str(value).strip() for field, value in changes.items()}
    if cleaned.get("vat_number"):
        cleaned["vat_number"] = _checked(
            rules.valid_vat_number, vat_number=cleaned["vat_number"], siren=customer.siren
        )
    if customer.kind == CustomerKind.PERSON and cleaned.get("last_name", "x") == "":
        raise UnableToRecordCustomer("Le nom de la personne est obligatoire.")
    if customer.kind != CustomerKind.PERSON and cleaned.get("legal_name", "x") == "":
        raise UnableToRecordCustomer("La raison sociale est obligatoire.")
    if cleaned.get("billing_email", "x") == "":
        raise UnableToRecordCustomer("L'adresse e-mail de facturation est obligatoire.")
    before = {
        field: getattr(customer, field)
        for field in cleaned
        if getattr(customer, field) != cleaned[field]
    }
    if not before:
        return None
    after = {field: cleaned[field] for field in before}
    for field, value in after.items():
        setattr(customer, field, value)
    customer.save(update_fields=list(after))
    now = _now(at)
    return _record_change(
        customer=customer,
        kind=ChangeKind.RECTIFICATION,
        effective_date=now.astimezone(PARIS).date(),
        before=before,
        after=after,
        by=by,
        at=now,
        note=note,
    )


# Transmissions to third parties (R-DATA-2) ------------------------------------------------------


def record_transmission(
    *,
    customer: Customer,
    recipient_kind: str,
    recipient: str,
    data_sent: str,
    purpose: str,
    transmitted_at: datetime,
    by: Any,
    at: datetime | None = None,
) -> DataTransmission:
    """Log a transmission of the customer's data to a third party: when, to whom, what, why
    (R-DATA-2, CGV art. 11 and 14). Other apps call it when they send data to a platform."""
    _staff(by)
    now = _now(at)
    missing = [
        label
        for label, value in (
            ("le destinataire", recipient),
            ("les données transmises", data_sent),
            ("la finalité", purpose),
        )
        if not value.strip()
    ]
    if missing:
        raise UnableToRecordCustomer("Une transmission doit indiquer " + ", ".join(missing) + ".")
    if transmitted_at > now:
        raise UnableToRecordCustomer("La date de transmission ne peut être future.")
    return DataTransmission.objects.create(
        customer=customer,
        transmitted_at=transmitted_at,
        recipient_kind=RecipientKind(recipient_kind),
        recipient=recipient.strip(),
        data_sent=data_sent.strip(),
        purpose=purpose.strip(),
        recorded_at=now,
        recorded_by=by,
    )
