"""`syres customers …`: the personal-data export (R-DATA-1) and the staff roles."""

from __future__ import annotations

from pathlib import Path

import click

from syres.cli.django_setup import setup_django


@click.group(name="customers")
def customers_group() -> None:
    """Customers: personal-data export, staff roles."""


@click.command(name="export")
@click.argument("customer_id", type=int)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archive to write (default: donnees-client-ID.zip in the current directory).",
)
def export_command(customer_id: int, out: Path | None) -> None:
    """Write everything held on a customer (JSON + uploaded pieces) to one zip (R-DATA-1)."""
    setup_django()
    from django.core.exceptions import ObjectDoesNotExist

    from syres.customers import selectors

    try:
        customer = selectors.get_customer(customer_id)
    except ObjectDoesNotExist as error:
        raise click.ClickException(f"Aucun client n° {customer_id}.") from error
    target = out or Path(f"donnees-client-{customer_id}.zip")
    target.write_bytes(selectors.personal_data_archive(customer))
    click.echo(f"{customer}: {target}")


@click.command(name="roles")
def roles_command() -> None:
    """Create or update the staff roles (groups) and their permissions; safe to run again."""
    setup_django()
    from syres.accounts.roles import role
    from syres.accounts.services import ensure_roles

    for code, count in ensure_roles().items():
        click.echo(f"{role(code).group_name}: {count} permissions")


customers_group.add_command(export_command)
customers_group.add_command(roles_command)
