"""`syres terms check`: validate a terms file."""

from __future__ import annotations

from pathlib import Path

import click

from syres.domain.terms import TermsError
from syres.terms import read_terms_file, terms_file


@click.group(name="terms")
def terms_group() -> None:
    """The terms file: every number of the CGV and the price list."""


@click.command(name="check")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
def check_command(file: Path | None) -> None:
    """Validate FILE (default: the terms file in use) and summarise it."""
    path = file or terms_file()
    try:
        terms = read_terms_file(path)
    except TermsError as error:
        click.echo(f"{path}: refused, {len(error.problems)} problem(s):", err=True)
        for key, reason in error.problems:
            click.echo(f"  {key}: {reason}", err=True)
        raise SystemExit(1) from error
    products = terms.catalog.products
    click.echo(f"{path}: valid")
    click.echo(
        f"  seller: {terms.seller.legal_name} {terms.seller.legal_form}, SIREN {terms.seller.siren}"
    )
    click.echo(f"  platforms: {', '.join(platform.name for platform in terms.platforms.values())}")
    click.echo(
        f"  products: {len(products)}"
        + (" (example prices)" if terms.catalog.example_prices else "")
    )
    click.echo(f"  mobile zones: {', '.join(terms.mobile.zones)}")


terms_group.add_command(check_command)
