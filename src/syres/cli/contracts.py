"""`syres contracts …`: notice end, FTTO GTR deadline, taking deliveries over, ending the
services whose end came, e-mailing the maintenance notices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import click

from syres.domain.contracts import notice_end
from syres.domain.money import format_eur
from syres.domain.periods import PARIS
from syres.domain.support import gtr_deadline
from syres.terms import load_terms


@click.group(name="contracts")
def contracts_group() -> None:
    """Contracts: notice, FTTO restore deadline, ends of services (CGV art. 8, 15, 16)."""


@click.command(name="notice")
@click.argument("received", type=click.DateTime(formats=["%Y-%m-%d"]))
def notice_command(received: datetime) -> None:
    """Print the day a termination letter received on RECEIVED (YYYY-MM-DD) takes effect
    (R-END-1: notice from the receipt of the registered letter)."""
    end = notice_end(letter_received_date=received.date(), contracts=load_terms().contracts)
    click.echo(f"Lettre reçue le {received:%d/%m/%Y} : résiliation effective le {end:%d/%m/%Y}")


@click.command(name="gtr")
@click.argument("reported", type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]))
def gtr_command(reported: datetime) -> None:
    """Print the FTTO restore deadline of an incident reported at REPORTED (Paris time,
    YYYY-MM-DDTHH:MM): business hours of the terms, French public holidays excluded (R-GTR-1)."""
    deadline = gtr_deadline(
        reported_at=reported.replace(tzinfo=PARIS), support=load_terms().support
    )
    click.echo(
        f"Signalé le {reported:%d/%m/%Y à %H:%M} : rétablissement garanti avant le "
        f"{deadline:%d/%m/%Y à %H:%M}"
    )


@click.command(name="apply-ends")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date of the run (default: today, Paris time).",
)
def apply_ends_command(as_of: datetime | None) -> None:
    """Terminate the services whose end date has come and end the contracts left without
    services (R-END-3). Safe to run again; run it daily."""
    from syres.cli.django_setup import setup_django

    setup_django()
    from syres.contracts.services import apply_due_ends

    day: date = as_of.date() if as_of is not None else datetime.now(tz=PARIS).date()
    ended = apply_due_ends(as_of=day)
    click.echo(f"{day:%d/%m/%Y} : {len(ended)} contrat(s) terminé(s).")


@click.command(name="maintenance-notices")
def maintenance_notices_command() -> None:
    """E-mail the planned maintenance notices not sent yet (CGV art. 15): each is sent once,
    right after the suspension is recorded; this sends again those that failed, while their
    maintenance is not over, and those whose sender died after claiming them (15 minutes on).
    Safe to run again; run it every 15 minutes. Exits non-zero when a notice failed."""
    from syres.cli.django_setup import setup_django

    setup_django()
    from syres.contracts.services import send_maintenance_notices

    report = send_maintenance_notices()
    click.echo(f"Avis de maintenance envoyés : {report.sent}")
    for failure in report.failures:
        click.echo(f"Avis en échec (réessayé au prochain passage) : {failure}")
    if report.failures:
        # The scheduler sees the failure; the notices are still retried by the next run.
        raise click.ClickException(f"{len(report.failures)} avis de maintenance en échec.")


@click.command(name="termination-amount")
@click.argument("contract_id", type=int)
@click.argument("received", type=click.DateTime(formats=["%Y-%m-%d"]))
def termination_amount_command(contract_id: int, received: datetime) -> None:
    """Show what the customer's termination of contract CONTRACT_ID by a letter received on
    RECEIVED (YYYY-MM-DD) would cost, service by service (R-END-1, R-END-2). Records nothing;
    unpaid one-off amounts and billed usage are not known before billing exists and count 0."""
    from syres.cli.django_setup import setup_django

    setup_django()
    from syres.contracts import selectors

    contract = selectors.find_contract(contract_id)
    if contract is None:
        raise click.ClickException(f"Pas de contrat n° {contract_id}.")
    end, lines = selectors.termination_preview(contract, letter_received_date=received.date())
    click.echo(f"{contract} : lettre reçue le {received:%d/%m/%Y}, fin le {end:%d/%m/%Y}")
    total = Decimal(0)
    for service in selectors.open_services_of(contract):
        line = lines.get(service.pk)
        if line is None:
            click.echo(f"  {service.label} : engagement terminé, rien à payer")
            continue
        total += line.total
        click.echo(
            f"  {service.label} : {line.remaining_months} mois × {format_eur(line.monthly_fee)} "
            f"= {format_eur(line.remaining_fees)} ; frais restant dus "
            f"{format_eur(line.unpaid_access_fee + line.unpaid_installation_fee)} ; "
            f"équipements {format_eur(line.unpaid_equipment)} ; consommations estimées "
            f"{format_eur(line.estimated_usage)} ; total {format_eur(line.total)}"
        )
    click.echo(f"Montant minimum de facturation : {format_eur(total)} HT")


@click.command(name="take-over")
def take_over_command() -> None:
    """Turn the services and equipment delivered by the orders app into contract services and
    equipment items (R-ORD-7, R-EQ-1). Safe to run again."""
    from syres.cli.django_setup import setup_django

    setup_django()
    from syres.contracts.services import take_over_delivered_services
    from syres.equipment.services import take_over_delivered_equipment

    services = take_over_delivered_services()
    items = take_over_delivered_equipment()
    click.echo(f"{len(services)} service(s) et {len(items)} équipement(s) repris des livraisons.")


contracts_group.add_command(notice_command)
contracts_group.add_command(gtr_command)
contracts_group.add_command(apply_ends_command)
contracts_group.add_command(take_over_command)
contracts_group.add_command(termination_amount_command)
contracts_group.add_command(maintenance_notices_command)
