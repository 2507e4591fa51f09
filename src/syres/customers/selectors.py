"""Reads on customers: for other apps, interfaces and staff screens."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from syres.customers.models import (
    ChangeRecord,
    Customer,
    CustomerKind,
    DataTransmission,
    FileDocument,
    FileEvent,
    FileStatus,
    Site,
    SubscriptionFile,
)
from syres.customers.order_checks import register_order_check, registered_order_checks

__all__ = [
    "active_documents_of",
    "changes_of",
    "customer_can_order",
    "file_events_of",
    "file_of",
    "get_customer",
    "get_site",
    "order_refusal_reasons",
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
