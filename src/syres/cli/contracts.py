"""`syres contracts …`: notice end, FTTO GTR deadline, taking deliveries over, ending the
services whose end came."""

from __future__ import annotations

from datetime import date, datetime

import click

from syres.domain.contracts import notice_end
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
