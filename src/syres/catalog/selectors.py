"""Reads on the catalog: products and the price in force on a day (SPEC R-CAT-2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from syres.catalog.models import Family, PriceVersion, Product
from syres.domain.catalog import (
    Prices,
    UnableToPrice,
    monthly_price_for_period,
    version_in_force,
)
from syres.domain.catalog import PriceVersion as DomainPriceVersion

__all__ = [
    "Family",
    "UnableToPrice",
    "get_product",
    "list_products",
    "monthly_price_of_period",
    "price_versions_of",
    "prices_in_force",
]


def get_product(*, code: str) -> Product:
    """The product with this code; `UnableToPrice` if the catalog has none."""
    product = Product.objects.filter(code=code).first()
    if product is None:
        raise UnableToPrice(f"Produit inconnu au catalogue : {code}.")
    return product


def list_products(*, family: str | None = None, in_terms_only: bool = True) -> QuerySet[Product]:
    products = Product.objects.all()
    if family is not None:
        products = products.filter(family=family)
    if in_terms_only:
        products = products.filter(in_terms=True)
    return products.order_by("family", "code")


def price_versions_of(*, product_code: str) -> list[DomainPriceVersion]:
    """Every price version of a product, oldest first, as domain values."""
    return [
        DomainPriceVersion(
            effective_from=version.effective_from,
            prices=Prices(
                monthly_price=version.monthly_price,
                access_fee=version.access_fee,
                installation_fee=version.installation_fee,
                sale_price=version.sale_price,
                replacement_value=version.replacement_value,
            ),
        )
        for version in PriceVersion.objects.filter(product__code=product_code).order_by(
            "effective_from"
        )
    ]


def prices_in_force(*, product_code: str, on: date) -> Prices:
    """The prices of a product in force on `on` (SPEC R-CAT-2); `UnableToPrice` if none."""
    return version_in_force(versions=price_versions_of(product_code=product_code), on=on).prices


def monthly_price_of_period(
    *, product_code: str, period_start: date, negotiated_monthly_price: Decimal | None = None
) -> Decimal:
    """The monthly price a billed period uses: negotiated, else the version in force on its
    first day (SPEC R-CAT-2). For the billing and contracts apps."""
    return monthly_price_for_period(
        versions=price_versions_of(product_code=product_code),
        period_start=period_start,
        negotiated_monthly_price=negotiated_monthly_price,
    )
