"""`syres usage`: lines, monthly import of usage files into the database, purge (R-DATA-3)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from rich.console import Console

from syres.cli.django_setup import setup_django
from syres.domain.periods import PARIS, Month


@click.group(name="usage")
def usage_group() -> None:
    """Usage of the customers' lines: import, rating per month, purge of old detail."""


@usage_group.command(name="lines")
@click.argument("lines_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def lines_command(lines_file: Path) -> None:
    """Create or update the lines of LINES_FILE (line,platform,channels)."""
    setup_django()
    from syres.usage.services import UnableToImportUsage, import_lines

    try:
        count = import_lines(path=lines_file)
    except UnableToImportUsage as error:
        raise click.ClickException(error.reason) from error
    click.echo(f"{count} ligne(s) enregistrée(s).")


@usage_group.command(name="import")
@click.option("--period", required=True, help="Le mois, AAAA-MM.")
@click.argument(
    "usage_files",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
)
@click.option("--asterisk-local-time", is_flag=True, help="Dates Asterisk en heure de Paris.")
def import_command(period: str, usage_files: tuple[Path, ...], asterisk_local_time: bool) -> None:
    """Add USAGE_FILE… to the month PERIOD and rate the month again."""
    setup_django()
    from syres.terms import load_terms
    from syres.usage.services import UnableToImportUsage, import_usage

    try:
        month = Month.parse(period)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--period") from error
    console = Console(stderr=True)
    with console.status(f"Valorisation de {month}…"):
        try:
            report = import_usage(
                month=month,
                paths=list(usage_files),
                terms=load_terms(),
                rated_at=datetime.now(tz=PARIS),
                asterisk_local_time=asterisk_local_time,
            )
        except UnableToImportUsage as error:
            raise click.ClickException(error.reason) from error
    click.echo(
        f"{report.period} : {report.new_records} nouveaux enregistrements,"
        f" {report.already_imported} déjà importés, {report.rejected} rejetés,"
        f" {report.rated} valorisés, {report.line_months} ligne(s)-mois."
    )


@usage_group.command(name="purge")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="La date du jour (défaut : aujourd'hui).",
)
def purge_command(as_of: datetime | None) -> None:
    """Remove the detail older than the retention of the terms file (R-DATA-3)."""
    setup_django()
    from syres.terms import load_terms
    from syres.usage.services import purge_usage_detail

    now = datetime.now(tz=PARIS)
    day: date = as_of.date() if as_of else now.date()
    purged = purge_usage_detail(as_of=day, terms=load_terms(), purged_at=now)
    click.echo(
        f"Détail purgé : {', '.join(purged)} (agrégats conservés)." if purged else "Rien à purger."
    )
