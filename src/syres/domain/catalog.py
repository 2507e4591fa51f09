"""Catalog prices: versions with an effective date, and the price a period is billed at.

SPEC R-CAT-2: prices are in euros excl. VAT; a price has versions with an effective date; a
subscription is billed at the version in force on the first day of the billed period, unless
the order set a negotiated price, which wins. SPEC R-CAT-3: one-off access/installation fees
and a minimum commitment per recurring product.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from syres.domain.money import ZERO
from syres.domain.terms import EquipmentModel, Product


class UnableToPrice(Exception):
    """No price can be given; `reason` is the sentence a user reads."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnableToPublishPrice(Exception):
    """A price version cannot be published; `reason` is the sentence a user reads."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Prices:
    """The amounts of one price version, excl. VAT.

    `monthly_price` is the subscription price (or the monthly rent of lent equipment);
    `sale_price` and `replacement_value` concern equipment only.
    """

    monthly_price: Decimal
    access_fee: Decimal = ZERO
    installation_fee: Decimal = ZERO
    sale_price: Decimal = ZERO
    replacement_value: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in (
            "monthly_price",
            "access_fee",
            "installation_fee",
            "sale_price",
            "replacement_value",
        ):
            if getattr(self, name) < 0:
                raise UnableToPublishPrice(f"Le montant « {name} » ne peut pas être négatif.")

    @property
    def activation_fees(self) -> Decimal:
        """Access plus installation fees: the "frais de mise en service" (internet annex)."""
        return self.access_fee + self.installation_fee


@dataclass(frozen=True)
class PriceVersion:
    """A version of a product's prices, in force from `effective_from` (SPEC R-CAT-2)."""

    effective_from: date
    prices: Prices


def prices_of_terms_product(*, product: Product) -> Prices:
    """The prices the terms file gives a product (SPEC R-CAT-2, R-CAT-3)."""
    if isinstance(product, EquipmentModel):
        return Prices(
            monthly_price=product.monthly_rent,
            sale_price=product.sale_price,
            replacement_value=product.replacement_value,
        )
    return Prices(
        monthly_price=product.monthly_price,
        access_fee=product.access_fee,
        installation_fee=product.installation_fee,
    )


def version_in_force(*, versions: Iterable[PriceVersion], on: date) -> PriceVersion:
    """The version whose effective date is the latest one on or before `on` (SPEC R-CAT-2)."""
    in_force = [version for version in versions if version.effective_from <= on]
    if not in_force:
        raise UnableToPrice(f"Aucun tarif n'est en vigueur le {on:%d/%m/%Y}.")
    return max(in_force, key=lambda version: version.effective_from)


def monthly_price_for_period(
    *,
    versions: Iterable[PriceVersion],
    period_start: date,
    negotiated_monthly_price: Decimal | None = None,
) -> Decimal:
    """The monthly price a period is billed at (SPEC R-CAT-2).

    A negotiated price set by the order wins; otherwise the version in force on the first day of
    the billed period. The result stays exact: rounding happens on the invoice line.
    """
    if negotiated_monthly_price is not None:
        if negotiated_monthly_price < 0:
            raise UnableToPrice("Un prix négocié ne peut pas être négatif.")
        return negotiated_monthly_price
    return version_in_force(versions=versions, on=period_start).prices.monthly_price


def next_synced_version_date(
    *, latest_effective_from: date | None, file_effective_from: date, as_of: date
) -> date:
    """The effective date of a version created because the terms file's prices changed.

    The first version takes the file's date. A later change never rewrites the past: it takes
    effect on the reload day (or the file's date if later), and always after the latest version
    so that versions never collide.
    """
    if latest_effective_from is None:
        return file_effective_from
    return max(file_effective_from, as_of, latest_effective_from + timedelta(days=1))


def check_new_version(*, existing_dates: Sequence[date], effective_from: date, as_of: date) -> None:
    """Staff publish a new version (SPEC R-CAT-2): never on a past day, never twice a day.

    A version in the past would change what has already been billed or quoted.
    """
    if effective_from < as_of:
        raise UnableToPublishPrice(
            f"Un nouveau tarif ne peut pas prendre effet dans le passé ({effective_from:%d/%m/%Y})."
        )
    if effective_from in existing_dates:
        raise UnableToPublishPrice(
            f"Un tarif prend déjà effet le {effective_from:%d/%m/%Y} pour ce produit."
        )
