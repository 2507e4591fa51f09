"""`syres`: the command line of the operations system of SYRES Télécom."""

from __future__ import annotations

import importlib
import logging
import os
import sys

# NumPy's BLAS threads would only compete with Polars' and Numba's for the cores: syres does
# no linear algebra. Set before anything imports NumPy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# Polars' allocator (jemalloc, read when Polars is first imported) gives freed pages back to
# the system within seconds by default, then takes fresh ones, which the kernel must zero, for
# the next slice of records: `syres rate` on 10 M records spent a third less time in the
# kernel (about 1.5 s of CPU) when they are kept 30 s. Past that, they are given back as
# before, at the allocator's next activity (`syres serve` included).
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:30000")

import click

from syres import __version__

# Command name → "module:attribute". Each command's module is imported only when the command
# runs (or when `--help` lists them all): `syres rate` must not pay for importing the invoice
# documents, Django and the rest (about two seconds).
COMMANDS = {
    "terms": "syres.cli.terms:terms_group",
    "serve": "syres.cli.web:serve_command",
    "manage": "syres.cli.web:manage_command",
    "demo": "syres.cli.web:demo_command",
    "api": "syres.cli.api_tokens:api_group",
    "statement": "syres.cli.statements:statement_group",
    "customers": "syres.cli.customers:customers_group",
    "catalog": "syres.cli.catalog:catalog_group",
    "orders": "syres.cli.orders:orders_group",
    "contracts": "syres.cli.contracts:contracts_group",
    "invoice": "syres.cli.invoice:invoice_group",
    "rate": "syres.cli.rate:rate_command",
    "usage": "syres.cli.usage:usage_group",
    "dunning": "syres.cli.payments:dunning_command",
    "sepa": "syres.cli.payments:sepa_group",
    "bill": "syres.cli.bill:bill_command",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syres")
def cli() -> None:
    """syres: customers, orders, contracts, rating, invoicing and payments of SYRES Télécom."""


_teardown_skipped = False


def skip_teardown() -> None:
    """Ask the process to end without the interpreter's teardown once the command has
    succeeded: after `syres rate` on millions of records it frees every arena and unloads
    the compiled code for 0.3 s, with nothing left to clean (files are closed, output
    flushed). Only `main` acts on it: a command run in-process (tests) returns as usual."""
    global _teardown_skipped
    _teardown_skipped = True


def main() -> None:
    try:
        cli(prog_name="syres")
    except SystemExit as exit_:
        if _teardown_skipped and exit_.code in (0, None):
            logging.shutdown()
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except OSError:  # a closed pipe: the interpreter reports it as usual
                raise exit_ from None
            os._exit(0)
        raise
