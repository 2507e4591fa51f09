"""`syres catalog`: keep the catalog in step with the terms file; show prices in force."""

from __future__ import annotations

from datetime import date, datetime

import click

from syres.cli.django_setup import setup_django


@click.group(name="catalog")
def catalog_group() -> None:
    """The catalog: products of the terms file and their price versions (R-CAT-1..3)."""


@catalog_group.command(name="sync")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Reload day (default: today); a changed price takes effect on it.",
)
def sync_command(as_of: datetime | None) -> None:
    """Load the terms file's [catalog]; reruns change nothing, a changed price is versioned."""
    setup_django()
    from django.utils import timezone

    from syres.catalog.services import sync_catalog
    from syres.terms import load_terms

    day = as_of.date() if as_of else timezone.localdate()
    report = sync_catalog(terms=load_terms(), as_of=day)
    click.echo(
        f"Catalogue : {len(report.created)} produit(s) créé(s), {len(report.updated)} mis à jour, "
        f"{len(report.repriced)} nouveau(x) tarif(s), {len(report.withdrawn)} retiré(s)."
    )
    for code in report.repriced:
        click.echo(f"  nouveau tarif : {code} (en vigueur le {day:%d/%m/%Y})")


@catalog_group.command(name="prices")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def prices_command(on: datetime | None) -> None:
    """List the products and the monthly price in force on a day (default: today)."""
    setup_django()
    from django.utils import timezone

    from syres.catalog.selectors import UnableToPrice, list_products, prices_in_force

    day: date = on.date() if on else timezone.localdate()
    for product in list_products():
        try:
            prices = prices_in_force(product_code=product.code, on=day)
        except UnableToPrice:
            click.echo(f"{product.code:<20} {'—':>10}  {product.name}")
            continue
        click.echo(f"{product.code:<20} {prices.monthly_price:>10}  {product.name}")
