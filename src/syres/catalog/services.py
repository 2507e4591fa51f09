"""Writes on the catalog: keep it in step with the terms file; publish new price versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from syres.catalog.models import PriceSource, PriceVersion, Product
from syres.domain.catalog import (
    Prices,
    UnableToPublishPrice,
    check_new_version,
    next_synced_version_date,
    prices_of_terms_product,
)
from syres.domain.terms import EquipmentModel, Terms
from syres.domain.terms import Product as TermsProduct

__all__ = ["CatalogSyncReport", "UnableToPublishPrice", "publish_price_version", "sync_catalog"]


@dataclass
class CatalogSyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    repriced: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.repriced or self.withdrawn)


def _columns(product: TermsProduct) -> dict[str, Any]:
    """The product's characteristics as stored: the columns used in queries, the rest as JSON."""
    data = product.model_dump(mode="json")
    columns: dict[str, Any] = {
        "family": product.family,
        "name": product.name,
        "technology": data.pop("technology", "") or "",
        "platform": data.pop("platform", "") or "",
        "fibre_construction": bool(data.pop("fibre_construction", False)),
        "commitment_months": data.pop("commitment_months", None),
        "equipment_model": data.pop("model", "") or "",
        "depreciation_months": data.pop("depreciation_months", None),
        "in_terms": True,
    }
    for key in ("code", "family", "name", "monthly_price", "access_fee", "installation_fee"):
        data.pop(key, None)
    if isinstance(product, EquipmentModel):
        for key in ("sale_price", "monthly_rent", "replacement_value"):
            data.pop(key, None)
    columns["characteristics"] = {key: value for key, value in data.items() if value is not None}
    return columns


def _prices_of(version: PriceVersion) -> Prices:
    return Prices(
        monthly_price=version.monthly_price,
        access_fee=version.access_fee,
        installation_fee=version.installation_fee,
        sale_price=version.sale_price,
        replacement_value=version.replacement_value,
    )


@transaction.atomic
def sync_catalog(*, terms: Terms, as_of: date) -> CatalogSyncReport:
    """Load the terms file's `[catalog]` into the database; safe to run again (R-CAT-1, R-CAT-2).

    Characteristics follow the file. Prices are versioned, never overwritten: when the file's
    prices differ from the last version that came from the file, a new version takes effect on
    the reload day (the file's date on first load). Versions published by staff are left alone,
    so a reload does not undo them. A product gone from the file is marked withdrawn, not
    deleted: orders and services refer to it.
    """
    report = CatalogSyncReport()
    codes = []
    for terms_product in terms.catalog.products:
        codes.append(terms_product.code)
        columns = _columns(terms_product)
        product = Product.objects.filter(code=terms_product.code).first()
        if product is None:
            product = Product.objects.create(code=terms_product.code, **columns)
            report.created.append(product.code)
        elif any(getattr(product, key) != value for key, value in columns.items()):
            for key, value in columns.items():
                setattr(product, key, value)
            product.save()
            report.updated.append(product.code)
        prices = prices_of_terms_product(product=terms_product)
        last_from_file = (
            product.price_versions.filter(source=PriceSource.TERMS)
            .order_by("-effective_from")
            .first()
        )
        if last_from_file is not None and _prices_of(last_from_file) == prices:
            continue
        latest = product.price_versions.order_by("-effective_from").first()
        effective_from = next_synced_version_date(
            latest_effective_from=latest.effective_from if latest else None,
            file_effective_from=terms.catalog.prices_effective_from,
            as_of=as_of,
        )
        _create_version(product=product, effective_from=effective_from, prices=prices, by=None)
        if last_from_file is not None:
            report.repriced.append(product.code)
    withdrawn = Product.objects.filter(in_terms=True).exclude(code__in=codes)
    report.withdrawn = sorted(withdrawn.values_list("code", flat=True))
    withdrawn.update(in_terms=False)
    return report


def _create_version(
    *, product: Product, effective_from: date, prices: Prices, by: Any
) -> PriceVersion:
    return PriceVersion.objects.create(
        product=product,
        effective_from=effective_from,
        monthly_price=prices.monthly_price,
        access_fee=prices.access_fee,
        installation_fee=prices.installation_fee,
        sale_price=prices.sale_price,
        replacement_value=prices.replacement_value,
        source=PriceSource.STAFF if by is not None else PriceSource.TERMS,
        published_by=by,
    )


@transaction.atomic
def publish_price_version(
    *, product_code: str, effective_from: date, prices: Prices, as_of: date, by: Any
) -> PriceVersion:
    """Staff publish a new price version of a product (SPEC R-CAT-2, CGV art. 7).

    Refused (`UnableToPublishPrice`) in the past or on a day that already has a version.
    """
    product = Product.objects.select_for_update().filter(code=product_code).first()
    if product is None:
        raise UnableToPublishPrice(f"Produit inconnu : {product_code}.")
    check_new_version(
        existing_dates=list(product.price_versions.values_list("effective_from", flat=True)),
        effective_from=effective_from,
        as_of=as_of,
    )
    return _create_version(product=product, effective_from=effective_from, prices=prices, by=by)
