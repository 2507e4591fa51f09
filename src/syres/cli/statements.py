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


@click.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "username", default=None, help="Staff user the import is attributed to.")
def import_command(file: Path, username: str | None) -> None:
    """Import FILE (R-PAY-1): payments allocated, returned debits re-opened, the lines left
    over listed; a malformed or already imported statement is refused whole."""
    from syres.cli.django_setup import setup_django

    setup_django()
    from django.contrib.auth import get_user_model

    from syres.payments.services import UnableToRecordPayment, import_statement

    user = None
    if username is not None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise click.ClickException(f"Utilisateur inconnu : {username}")
    try:
        report = import_statement(data=file.read_bytes(), file_name=file.name, by=user)
    except UnableToRecordPayment as error:
        click.echo(error.reason, err=True)
        raise SystemExit(1) from error
    lines = sum(statement.line_count for statement in report.statements)
    click.echo(f"{file.name} : {lines} ligne(s), {report.matched} rapprochée(s)")
    for incident in report.incidents:
        click.echo(f"  Incident de paiement : {incident.reason_code} {incident.reason}")
    for left in report.leftovers:
        click.echo(f"  À traiter : ligne {left.line_ref} {format_eur(left.amount)} : {left.note}")


statement_group.add_command(show_command)
statement_group.add_command(import_command)
