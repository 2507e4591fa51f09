"""`syres rate`: rate usage files without any database (SPEC §12)."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from syres.cli.main import skip_teardown
from syres.domain.money import format_eur  # (the standard library's decimals only)
from syres.usage.formats import MOBILE_HEADER, VOICE_HEADER
from syres.usage.reserve import MemoryReserve

if TYPE_CHECKING:
    from syres.usage.rating_files import RateReport

PHASES = 4
MAX_LISTED = 8


@click.command(name="rate")
@click.option(
    "--lines",
    "lines_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="LINES.csv : line,platform,channels",
)
@click.argument(
    "usage_files",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
)
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--overage",
    type=click.Choice(["beyond", "retroactive"]),
    default="beyond",
    show_default=True,
    help="R-SIP-6: bill beyond the limit only, or retroactively the whole breached month.",
)
@click.option("--strict", is_flag=True, help="Exit non-zero when a record is rejected.")
@click.option(
    "--asterisk-local-time",
    is_flag=True,
    help="Asterisk Master.csv dates are Europe/Paris local time (default: UTC, usegmtime=yes).",
)
def rate_command(
    lines_path: Path,
    usage_files: tuple[Path, ...],
    out_dir: Path,
    overage: str,
    strict: bool,
    asterisk_local_time: bool,
) -> None:
    """Rate USAGE_FILE… (voice CSV, mobile CSV, Asterisk Master.csv) for the lines of LINES.csv.

    Writes DIR/rated.parquet, DIR/summary.csv, DIR/rejected.csv and DIR/actions.csv.
    """
    started = time.perf_counter()
    # The memory of the usage files' columns is made resident on the other core while this one
    # loads the rating's modules (0.6 to 0.9 s): they are imported here, after it is begun,
    # not with this module (see `syres.usage.reserve`).
    reserve = MemoryReserve.for_files(
        usage_files, headers=[",".join(VOICE_HEADER), ",".join(MOBILE_HEADER)]
    )
    from syres.domain.rating import UnableToRateUsage
    from syres.domain.terms import TermsError
    from syres.terms import load_terms
    from syres.usage.importers import UnableToReadUsage
    from syres.usage.rating_files import rate_files

    console = Console(stderr=True)
    try:
        terms = load_terms()
    except TermsError as error:
        if reserve is not None:
            reserve.release()
        raise click.ClickException(str(error)) from error
    # What is loaded by now (the modules, the terms) lives as long as the run: the garbage
    # collector need not walk it again and again (0.3 s over 10 M records).
    gc.freeze()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task("valorisation", total=PHASES)
        done = [0]

        def step(name: str) -> None:
            progress.update(task, description=name, completed=done[0])
            done[0] += 1

        try:
            report = rate_files(
                lines_path=lines_path,
                usage_paths=list(usage_files),
                out_dir=out_dir,
                terms=terms,
                overage="retroactive" if overage == "retroactive" else "beyond",
                asterisk_local_time=asterisk_local_time,
                step=step,
                reserve=reserve,
            )
        except (UnableToReadUsage, UnableToRateUsage) as error:
            raise click.ClickException(error.reason) from error
        progress.update(task, completed=PHASES)
    _print_summary(report, seconds=time.perf_counter() - started)
    if strict and report.rejected:
        raise SystemExit(1)
    skip_teardown()


def _print_summary(report: RateReport, *, seconds: float) -> None:
    console = Console()
    table = Table(title="syres rate", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for path, kind, count in report.files:
        table.add_row("fichier", f"{path} ({kind}, {count} enregistrements lus)")
    table.add_row("lignes", str(report.lines))
    table.add_row("mois", ", ".join(report.months) or "—")
    table.add_row("enregistrements", str(report.records))
    table.add_row("valorisés", str(report.rated))
    table.add_row("rejetés", f"{report.rejected} (voir rejected.csv)" if report.rejected else "0")
    if report.skipped:
        table.add_row("non décrochés", f"{report.skipped} (ignorés : ce ne sont pas des appels)")
    table.add_row("montant facturable", format_eur(report.amount))
    table.add_row("montant si rétroactif", format_eur(report.amount_if_retroactive))
    table.add_row("dépassements", str(len(report.breaches)))
    for line, period, breaches in report.breaches[:MAX_LISTED]:
        table.add_row("", f"{line} {period} : {breaches}")
    if len(report.breaches) > MAX_LISTED:
        table.add_row("", f"… et {len(report.breaches) - MAX_LISTED} autres (summary.csv)")
    table.add_row("activité centre d'appels", str(len(report.call_centre_flags)))
    for line, period in report.call_centre_flags[:MAX_LISTED]:
        table.add_row("", f"{line} {period} : à examiner (R-SIP-7)")
    table.add_row("actions", f"{report.actions} (actions.csv)")
    table.add_row("résultats", str(report.out_dir))
    table.add_row("durée", f"{seconds:.1f} s")
    console.print(table)
