"""`/v1/customers`, `/v1/sites`, `/v1/services`: customers, their sites and contract services."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from syres.api.auth import TokenAuth
from syres.api.routers.ids import Id
from syres.contracts import selectors as contracts
from syres.customers import selectors as customers

router = Router(tags=["clients"])


class CustomerOut(Schema):
    id: int
    kind: str
    name: str
    siren: str
    vat_number: str
    address_line: str
    postcode: str
    city: str
    country: str
    billing_email: str
    payment_method: str
    file_status: str
    ceased_on: date | None


class SiteOut(Schema):
    id: int
    customer_id: int
    name: str
    siret: str
    address_line: str
    postcode: str
    city: str
    country: str
    closed_on: date | None


class ServiceOut(Schema):
    id: int
    contract_id: int
    kind: str
    product_code: str
    label: str
    quantity: int
    monthly_fee: Decimal
    platform: str
    phone_number: str
    delivery_date: date
    commitment_end: date
    state: str
    end_date: date | None


def _customer_out(customer: Any) -> CustomerOut:
    return CustomerOut(
        id=customer.pk,
        kind=customer.kind,
        name=str(customer),
        siren=customer.siren,
        vat_number=customer.vat_number,
        address_line=customer.address_line,
        postcode=customer.postcode,
        city=customer.city,
        country=customer.country,
        billing_email=customer.billing_email,
        payment_method=customer.payment_method,
        file_status=customers.file_of(customer).status,
        ceased_on=customer.ceased_on,
    )


def _customer(customer_id: int) -> Any:
    found = customers.search_customers("").filter(pk=customer_id).first()
    if found is None:
        raise Http404(f"aucun client n° {customer_id}")
    return found


def _site_out(site: Any) -> SiteOut:
    return SiteOut(
        id=site.pk,
        customer_id=site.customer_id,
        name=site.name,
        siret=site.siret,
        address_line=site.address_line,
        postcode=site.postcode,
        city=site.city,
        country=site.country,
        closed_on=site.closed_on,
    )


def _service_out(service: Any) -> ServiceOut:
    return ServiceOut(
        id=service.pk,
        contract_id=service.contract_id,
        kind=service.kind,
        product_code=service.product_code,
        label=service.label,
        quantity=service.quantity,
        monthly_fee=service.monthly_fee,
        platform=service.platform,
        phone_number=service.phone_number,
        delivery_date=service.delivery_date,
        commitment_end=service.commitment_end,
        state=service.state,
        end_date=service.end_date,
    )


@router.get(
    "/customers",
    response=list[CustomerOut],
    auth=[TokenAuth("customers:read")],
    summary="Clients (recherche par nom, SIREN, SIRET, e-mail ou ville)",
)
@paginate(LimitOffsetPagination)
def list_customers(request: HttpRequest, q: str = "") -> list[CustomerOut]:
    return [_customer_out(customer) for customer in customers.search_customers(q)]


@router.get(
    "/customers/{customer_id}",
    response=CustomerOut,
    auth=[TokenAuth("customers:read")],
    summary="Un client",
)
def get_customer(request: HttpRequest, customer_id: Id) -> CustomerOut:
    return _customer_out(_customer(customer_id))


@router.get(
    "/customers/{customer_id}/sites",
    response=list[SiteOut],
    auth=[TokenAuth("customers:read")],
    summary="Les sites d'un client",
)
@paginate(LimitOffsetPagination)
def list_sites(request: HttpRequest, customer_id: Id) -> list[SiteOut]:
    customer = _customer(customer_id)
    return [_site_out(site) for site in customers.sites_of(customer, include_closed=True)]


@router.get(
    "/sites/{site_id}",
    response=SiteOut,
    auth=[TokenAuth("customers:read")],
    summary="Un site",
)
def get_site(request: HttpRequest, site_id: Id) -> SiteOut:
    return _site_out(customers.get_site(site_id))


@router.get(
    "/customers/{customer_id}/services",
    response=list[ServiceOut],
    auth=[TokenAuth("services:read")],
    summary="Les services d'un client (contrats en cours et passés)",
)
@paginate(LimitOffsetPagination)
def list_services(request: HttpRequest, customer_id: Id) -> list[ServiceOut]:
    customer = _customer(customer_id)
    return [
        _service_out(service)
        for contract in contracts.contracts_of(customer)
        for service in contracts.services_of(contract)
    ]


@router.get(
    "/services/{service_id}",
    response=ServiceOut,
    auth=[TokenAuth("services:read")],
    summary="Un service",
)
def get_service(request: HttpRequest, service_id: Id) -> ServiceOut:
    return _service_out(contracts.get_service(service_id))
