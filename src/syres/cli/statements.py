"""`syres statement show FILE`: read a bank statement (camt.053 / camt.054) without importing it."""

from __future__ import annotations

from pathlib import Path

import click

from syres.domain.money import format_eur
from syres.domain.payments.sepa import return_reason_label
from syres.domain.payments.statements import LineKind, StatementLine
from syres.payments.statements import UnableToReadStatement, read_statement_file

_KIND_LABELS = {
    LineKind.TRANSFER_RECEIVED: "virement reçu",
    LineKind.DEBIT_COLLECTED: "prélèvement encaissé",
    LineKind.DEBIT_RETURNED: "prélèvement rejeté",
    LineKind.OTHER: "autre opération",
}


@click.group(name="statement")
def statement_group() -> None:
    """Bank statements: camt.053 (relevés) and camt.054 (avis d'opérations)."""


def _describe(line: StatementLine) -> str:
    sign = "+" if line.direction == "credit" else "-"
    kind = _KIND_LABELS[line.kind]
    if line.return_reason_code:
        code = line.return_reason_code
        kind += f" ({code} {return_reason_label(code)})"
    reference = line.end_to_end_id or "-"
    return (
        f"  {line.line_ref:>5}  {line.booking_date:%d/%m/%Y}  {sign + format_eur(line.amount):>14}"
        f"  {kind} ; réf. {reference} ; {line.counterparty_name or '-'} ; {line.remittance[:70]}"
    )


@click.command(name="show")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def show_command(file: Path) -> None:
    """Read FILE and list its booked lines (R-PAY-1); a malformed file is refused whole."""
    try:
        statements = read_statement_file(file)
    except UnableToReadStatement as error:
        click.echo(f"Relevé refusé : {error}", err=True)
        raise SystemExit(1) from error
    for statement in statements:
        click.echo(
            f"{statement.identifier} ({statement.message_type}.{statement.version}, "
            f"message {statement.message_id}, {len(statement.lines)} ligne(s))"
        )
        for line in statement.lines:
            click.echo(_describe(line))


statement_group.add_command(show_command)
