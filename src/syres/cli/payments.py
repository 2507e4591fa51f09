"""`syres dunning --date D` (daily, R-PAY-3) and `syres sepa batch` (R-PAY-1)."""

from __future__ import annotations

from datetime import date, datetime

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from syres.domain.money import format_eur
from syres.domain.periods import PARIS


def _today() -> date:
    return datetime.now(tz=PARIS).date()


def _staff(username: str | None) -> object | None:
    if username is None:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise click.ClickException(f"Utilisateur inconnu : {username}")
    return user


@click.command(name="dunning")
@click.option(
    "--date",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Day of the run (default: today, Paris time).",
)
@click.option("--by", "username", default=None, help="Staff user the steps are attributed to.")
def dunning_command(as_of: datetime | None, username: str | None) -> None:
    """Walk the overdue invoices through the dunning schedule of the terms file (R-PAY-3):
    reminders and formal notice by e-mail, suspensions, termination. Idempotent for a date:
    run it daily; running it again the same day does nothing new."""
    from syres.cli.django_setup import setup_django

    setup_django()
    from syres.payments.services import UnableToRecordPayment, run_dunning

    day = as_of.date() if as_of else _today()
    console = Console(stderr=True)
    with Progress(
        TextColumn("relances"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task("relances", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            report = run_dunning(as_of=day, by=_staff(username), progress=progress)
        except UnableToRecordPayment as error:
            raise click.ClickException(error.reason) from error
    click.echo(f"Relances du {day:%d/%m/%Y} : {len(report.steps)} étape(s)")
    for step in report.steps:
        click.echo(
            f"  {step.invoice.number}  {step.label}  ({format_eur(step.dunned_amount)} relancés)"
        )
    click.echo(f"E-mails envoyés : {report.emails_sent}")
    if report.email_failures:
        click.echo(f"E-mails en échec (réessayés au prochain passage) : {report.email_failures}")
    for action in report.actions:
        click.echo(f"Action réseau à faire : {action.get_kind_display()} {action.services}")
    for number in report.terminations:
        click.echo(f"Résiliation pour impayé : facture {number}")
    for number in report.late_charge_invoices:
        click.echo(f"Facture de pénalités de retard et indemnité émise : {number}")
    for refusal in report.late_charge_refusals:
        click.echo(f"Pénalités non facturées : {refusal}")
    if report.paused_customers:
        click.echo(f"Clients en pause de relance : {report.paused_customers}")
    if report.email_failures:
        # The day's steps are recorded; a non-zero exit tells the scheduler a mail is owed.
        failed = report.email_failures
        raise click.ClickException(
            f"{len(failed)} e-mail(s) de relance en échec ({', '.join(map(str, failed))}) :"
            " ils partiront au prochain passage."
        )


@click.group(name="sepa")
def sepa_group() -> None:
    """SEPA direct debit batches (pain.008)."""


@click.command(name="batch")
@click.option("--collection-date", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--scheme", type=click.Choice(["CORE", "B2B"]), default="CORE", show_default=True)
@click.option("--by", "username", required=True, help="Staff user creating the batch.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def batch_command(collection_date: datetime, scheme: str, username: str, out: str) -> None:
    """Collect the due invoices of the customers paying by direct debit and write the pain.008
    file to OUT (validated against its XSD), recorded with its debits (R-PAY-1)."""
    from syres.cli.django_setup import setup_django

    setup_django()
    from pathlib import Path

    from syres.payments.services import UnableToRecordPayment, create_sepa_batch

    try:
        batch = create_sepa_batch(
            collection_date=collection_date.date(), scheme=scheme, by=_staff(username)
        )
    except UnableToRecordPayment as error:
        raise click.ClickException(error.reason) from error
    Path(out).write_bytes(bytes(batch.xml))
    click.echo(
        f"Lot {batch.scheme} du {batch.collection_date:%d/%m/%Y} : {batch.count} prélèvement(s), "
        f"{format_eur(batch.control_sum)} → {out}"
    )


sepa_group.add_command(batch_command)
