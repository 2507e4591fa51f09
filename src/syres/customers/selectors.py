"""Reads on customers: for other apps, interfaces and staff screens."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db.models import Q, QuerySet

from syres.customers.models import (
    ChangeRecord,
    Customer,
    CustomerKind,
    DataTransmission,
    FileDocument,
    FileEvent,
    FileStatus,
    PaymentMethod,
    SepaMandate,
    Site,
    SubscriptionFile,
)
from syres.customers.order_checks import register_order_check, registered_order_checks

__all__ = [
    "active_documents_of",
    "active_sepa_mandate",
    "changes_of",
    "customer_can_order",
    "file_events_of",
    "file_of",
    "get_customer",
    "get_site",
    "order_refusal_reasons",
    "pays_by_direct_debit",
    "personal_data",
    "personal_data_archive",
    "phone_numbers_of",
    "register_order_check",
    "search_customers",
    "sites_of",
    "transmissions_of",
]


def get_customer(customer_id: int) -> Customer:
    """The customer of that id; `Customer.DoesNotExist` when there is none."""
    return Customer.objects.get(pk=customer_id)


def get_site(site_id: int) -> Site:
    """The site of that id, with its customer; `Site.DoesNotExist` when there is none."""
    return Site.objects.select_related("customer").get(pk=site_id)


def sites_of(customer: Customer, *, include_closed: bool = False) -> QuerySet[Site]:
    """The customer's sites (where services are delivered), open ones unless asked."""
    sites = Site.objects.filter(customer=customer)
    if not include_closed:
        sites = sites.filter(closed_on__isnull=True)
    return sites.order_by("name")


def file_of(customer: Customer) -> SubscriptionFile:
    return SubscriptionFile.objects.get(customer=customer)


def active_documents_of(customer: Customer) -> QuerySet[FileDocument]:
    """The current pieces of the file (not the replaced ones)."""
    return FileDocument.objects.filter(file__customer=customer, replaced_at__isnull=True).order_by(
        "kind"
    )


def get_document(*, customer_id: int, document_id: int) -> FileDocument:
    """A piece of that customer's file; `FileDocument.DoesNotExist` otherwise."""
    return FileDocument.objects.get(pk=document_id, file__customer_id=customer_id)


def file_events_of(customer: Customer) -> QuerySet[FileEvent]:
    """Every step of the subscription file, oldest first (R-CUST-3)."""
    return FileEvent.objects.filter(file__customer=customer).order_by("at", "pk")


def changes_of(customer: Customer) -> QuerySet[ChangeRecord]:
    """The history of the customer's changes, oldest first (R-CUST-4)."""
    return ChangeRecord.objects.filter(customer=customer).order_by("recorded_at", "pk")


def transmissions_of(customer: Customer) -> QuerySet[DataTransmission]:
    """Every transmission of the customer's data to a third party, oldest first (R-DATA-2)."""
    return DataTransmission.objects.filter(customer=customer).order_by("transmitted_at", "pk")


def search_customers(query: str) -> QuerySet[Customer]:
    """Customers whose name, SIREN, a site's SIRET, e-mail or city contains `query`."""
    text = query.strip()
    customers = Customer.objects.all()
    if text:
        compact = text.replace(" ", "")
        customers = customers.filter(
            Q(legal_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(first_name__icontains=text)
            | Q(siren__startswith=compact)
            | Q(sites__siret__startswith=compact)
            | Q(billing_email__icontains=text)
            | Q(city__icontains=text)
        ).distinct()
    return customers.order_by("legal_name", "last_name", "pk")


def phone_numbers_of(customer: Customer) -> list[str]:
    """The company's and its sites' numbers, whose last 4 digits no PIN may use (R-SEC-1)."""
    numbers = [customer.phone] if customer.phone else []
    numbers += [phone for phone in sites_of(customer).values_list("phone", flat=True) if phone]
    return numbers


def _file_is_accepted(customer: Customer) -> str | None:
    # R-CUST-3 (CGV art. 3): the subscription takes effect only once SYRES accepts it.
    status = (
        SubscriptionFile.objects.filter(customer=customer).values_list("status", flat=True).first()
    )
    if status == FileStatus.ACCEPTED:
        return None
    label = FileStatus(status).label.lower() if status else "absent"
    return f"Le dossier de souscription du client n'est pas accepté (état : {label})."


def _has_not_ceased(customer: Customer) -> str | None:
    if customer.ceased_on is None:
        return None
    return f"Le client a cessé son activité le {customer.ceased_on:%d/%m/%Y}."


register_order_check("customers.file_accepted", _file_is_accepted)
register_order_check("customers.not_ceased", _has_not_ceased)


def order_refusal_reasons(customer: Customer) -> list[str]:
    """Every reason (French) why nothing can be ordered for the customer; empty when it can
    (R-CUST-3, and the checks other apps registered, such as R-ORD-6)."""
    return [reason for check in registered_order_checks() if (reason := check(customer))]


def customer_can_order(customer: Customer) -> bool:
    """Whether a new order may be taken for the customer (R-CUST-3, R-ORD-6)."""
    return not order_refusal_reasons(customer)


def is_registered_company(customer: Customer) -> bool:
    """A company registered at the RCS, which must give a Kbis extract (R-CUST-2)."""
    return customer.kind == CustomerKind.COMPANY


# Personal data (R-DATA-1) -------------------------------------------------------------------------

_CUSTOMER_FIELDS = (
    "id",
    "kind",
    "legal_name",
    "first_name",
    "last_name",
    "siren",
    "vat_number",
    "address_line",
    "postcode",
    "city",
    "country",
    "phone",
    "billing_email",
    "payment_method",
    "iban",
    "bic",
    "bank_account_holder",
    "chorus_siret",
    "chorus_service_code",
    "ceased_on",
    "created_at",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(instance: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: _plain(getattr(instance, field)) for field in fields}


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def personal_data(customer: Customer) -> dict[str, Any]:
    """Everything held on the customer, as plain data (R-DATA-1, CGV art. 11)."""
    from syres.accounts.selectors import portal_users_of

    subscription_file = SubscriptionFile.objects.filter(customer=customer).first()
    documents = FileDocument.objects.filter(file__customer=customer).order_by("uploaded_at", "pk")
    return {
        "customer": _row(customer, _CUSTOMER_FIELDS),
        "sites": [
            _row(
                site,
                (
                    "id",
                    "name",
                    "siret",
                    "address_line",
                    "postcode",
                    "city",
                    "country",
                    "phone",
                    "closed_on",
                    "created_at",
                ),
            )
            for site in sites_of(customer, include_closed=True)
        ],
        "contacts": [
            _row(contact, ("first_name", "last_name", "role", "email", "phone"))
            for contact in customer.contacts.order_by("pk")
        ],
        "sepa_mandates": [
            _row(mandate, ("reference", "signature_date", "iban", "bic", "revoked_on"))
            for mandate in customer.sepa_mandates.order_by("signature_date", "pk")
        ],
        "subscription_file": None
        if subscription_file is None
        else {
            "status": subscription_file.status,
            "created_at": _plain(subscription_file.created_at),
            "submitted_at": _plain(subscription_file.submitted_at),
            "decided_at": _plain(subscription_file.decided_at),
            "rejection_reason": subscription_file.rejection_reason,
            "steps": [
                {
                    "status": event.status,
                    "at": _plain(event.at),
                    "by": _username(event.by),
                    "note": event.note,
                }
                for event in file_events_of(customer).select_related("by")
            ],
            "documents": [
                {
                    "kind": document.kind,
                    "file": _archive_name(document),
                    "original_name": document.original_name,
                    "content_type": document.content_type,
                    "size": document.size,
                    "document_date": _plain(document.document_date),
                    "uploaded_at": _plain(document.uploaded_at),
                    "replaced_at": _plain(document.replaced_at),
                }
                for document in documents
            ],
        },
        "changes": [
            {
                "kind": change.kind,
                "site": change.site_id,
                "effective_date": _plain(change.effective_date),
                "before": change.before,
                "after": change.after,
                "note": change.note,
                "recorded_at": _plain(change.recorded_at),
                "recorded_by": _username(change.recorded_by),
            }
            for change in changes_of(customer).select_related("recorded_by")
        ],
        "transmissions_to_third_parties": [
            _row(
                transmission,
                ("transmitted_at", "recipient_kind", "recipient", "data_sent", "purpose"),
            )
            for transmission in transmissions_of(customer)
        ],
        "portal_accounts": portal_users_of(customer.pk),
    }


def _archive_name(document: FileDocument) -> str:
    return f"pieces/{document.pk}-{document.kind}-{Path(document.upload.name or '').name}"


def personal_data_archive(customer: Customer) -> bytes:
    """One zip archive with everything held on the customer: `donnees.json` and every uploaded
    piece under `pieces/` (R-DATA-1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "donnees.json",
            json.dumps(personal_data(customer), ensure_ascii=False, indent=2, sort_keys=False),
        )
        for document in FileDocument.objects.filter(file__customer=customer).order_by("pk"):
            with document.upload.open("rb") as stored:
                archive.writestr(_archive_name(document), stored.read())
    return buffer.getvalue()


def active_sepa_mandate(customer: Customer) -> SepaMandate | None:
    """The customer's SEPA mandate in force (R-PAY-1), if any (invoices pre-notify the debit)."""
    return customer.sepa_mandates.filter(revoked_on__isnull=True).order_by("-pk").first()


def find_customer_by_billing_email(billing_email: str) -> Customer | None:
    """The customer with that billing e-mail, if any (the demo loader finds its own with it)."""
    return Customer.objects.filter(billing_email=billing_email).order_by("pk").first()


def pays_by_direct_debit(customer: Customer) -> bool:
    return customer.payment_method == PaymentMethod.SEPA_DEBIT
