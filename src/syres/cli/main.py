"""`syres`: the command line of the operations system of SYRES Télécom."""

from __future__ import annotations

import click

from syres import __version__
from syres.cli.api_tokens import api_group
from syres.cli.bill import bill_command
from syres.cli.catalog import catalog_group
from syres.cli.contracts import contracts_group
from syres.cli.customers import customers_group
from syres.cli.invoice import invoice_group
from syres.cli.orders import orders_group
from syres.cli.payments import dunning_command, sepa_group
from syres.cli.rate import rate_command
from syres.cli.statements import statement_group
from syres.cli.terms import terms_group
from syres.cli.usage import usage_group
from syres.cli.web import demo_command, manage_command, serve_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syres")
def cli() -> None:
    """syres: customers, orders, contracts, rating, invoicing and payments of SYRES Télécom."""


cli.add_command(terms_group)
cli.add_command(serve_command)
cli.add_command(manage_command)
cli.add_command(demo_command)
cli.add_command(api_group)
cli.add_command(statement_group)
cli.add_command(customers_group)
cli.add_command(catalog_group)
cli.add_command(orders_group)
cli.add_command(contracts_group)
cli.add_command(invoice_group)
cli.add_command(rate_command)
cli.add_command(usage_group)
cli.add_command(dunning_command)
cli.add_command(sepa_group)
cli.add_command(bill_command)


def main() -> None:
    cli(prog_name="syres")
