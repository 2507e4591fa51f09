"""`syres contracts …`: notice end and FTTO GTR deadline."""

from __future__ import annotations

from datetime import datetime

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


contracts_group.add_command(notice_command)
contracts_group.add_command(gtr_command)
