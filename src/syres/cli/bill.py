"""`syres bill`: the monthly billing run of a period (R-INV-1, R-INV-6), and its e-mail."""

from __future__ import annotations

import os
from datetime import date, datetime

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from syres.cli.django_setup import setup_django
from syres.domain.money import format_eur
from syres.domain.periods import PARIS, Month

STAGES = {"issue": "Émission des factures", "render": "PDF Factur-X et XML"}


@click.command(name="bill")
@click.option("--period", required=True, help="Le mois facturé, AAAA-MM (une fois écoulé).")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date des factures (défaut : aujourd'hui, heure de Paris).",
)
@click.option(
    "--processes",
    type=int,
    default=None,
    help="Processus de rendu des PDF (défaut : nombre de cœurs).",
)
@click.option("--no-mail", is_flag=True, help="Ne pas envoyer les e-mails (ils restent à envoyer).")
@click.option(
    "--unusual",
    is_flag=True,
    help="En cours de mois : facture intermédiaire des consommations inhabituelles (R-INV-5), "
    "envoyée aussitôt.",
)
def bill_command(
    period: str, as_of: datetime | None, processes: int | None, no_mail: bool, unusual: bool
) -> None:
    """Bill PERIOD: one invoice per customer, PDFs and XML written, e-mails sent.

    Safe to run again: what is already issued is not issued twice, and a run stopped midway
    finishes the rest. With --unusual, during PERIOD: an intermediate invoice of the usage so
    far for each customer whose month is unusual (R-INV-5), once per customer and month."""
    setup_django()
    from syres.billing.services import UnableToBill, run_billing

    try:
        month = Month.parse(period)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--period") from error
    day: date = as_of.date() if as_of is not None else datetime.now(tz=PARIS).date()
    if unusual:
        _bill_unusual(month, day)
        return
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as progress:
        tasks: dict[str, int] = {}

        def advance(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = int(progress.add_task(STAGES.get(stage, stage), total=total))
            progress.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

        try:
            report = run_billing(
                period=month,
                as_of=day,
                progress=advance,
                processes=processes or os.cpu_count() or 1,
                send=not no_mail,
            )
        except UnableToBill as error:
            raise click.ClickException(error.reason) from error
    table = Table(title=f"syres bill {month}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("date des factures", day.strftime("%d/%m/%Y"))
    table.add_row("factures émises", str(len(report.issued)))
    if report.issued:
        table.add_row("numéros", f"{report.issued[0]} … {report.issued[-1]}")
    table.add_row("déjà émises", str(report.already_issued))
    table.add_row("acomptes et soldes", str(len(report.order_invoices)))
    table.add_row("total HT", format_eur(report.total_excl_vat))
    table.add_row("total TTC", format_eur(report.total_incl_vat))
    table.add_row("PDF écrits", str(report.rendered))
    table.add_row("e-mails envoyés", str(report.mail.sent))
    if report.mail.failed:
        table.add_row("e-mails en échec", f"{report.mail.failed} (réessayés au prochain lancement)")
    table.add_row("écartés", str(len(report.skipped)))
    for name, reason in report.skipped:
        table.add_row("", f"{name} : {reason}")
    table.add_row(
        "durées", f"émission {report.issue_seconds:.1f} s, PDF {report.render_seconds:.1f} s"
    )
    Console().print(table)


def _bill_unusual(month: Month, day: date) -> None:
    """Each intermediate invoice is written and e-mailed once issued, like any other."""
    from syres.billing.services import UnableToBill, detect_unusual_consumption

    try:
        report = detect_unusual_consumption(period=month, as_of=day)
    except UnableToBill as error:
        raise click.ClickException(error.reason) from error
    table = Table(title=f"syres bill --unusual {month}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("date des factures", day.strftime("%d/%m/%Y"))
    table.add_row("clients examinés", str(report.checked))
    table.add_row("factures intermédiaires émises", str(len(report.issued)))
    for number in report.issued:
        table.add_row("", number)
    table.add_row("déjà signalés ce mois", str(report.already_flagged))
    table.add_row("écartés", str(len(report.skipped)))
    for name, reason in report.skipped:
        table.add_row("", f"{name} : {reason}")
    Console().print(table)
