"""Writes on support tickets: opening an incident and recording its restore (R-GTR-1).

An FTTO access carries a restore-time guarantee of `[support].gtr_hours` business hours; the
deadline is computed once, at opening, by `syres.domain.support` and stored on the ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from syres.contracts.models import Service, ServiceKind, ServiceState, Ticket
from syres.contracts.services import UnableToChangeContract, _staff
from syres.domain.support import gtr_deadline
from syres.terms import load_terms

GTR_TECHNOLOGIES = frozenset({"ftto"})


def has_gtr(service: Service) -> bool:
    """Only FTTO accesses carry a GTR (R-CAT-1, R-GTR-1)."""
    return service.kind == ServiceKind.INTERNET_ACCESS and service.technology in GTR_TECHNOLOGIES


@transaction.atomic
def open_ticket(*, service: Service, reported_at: datetime, description: str, by: Any) -> Ticket:
    """Open an incident ticket; on an FTTO access it shows its GTR deadline (R-GTR-1)."""
    _staff(by)
    if not description.strip():
        raise UnableToChangeContract("Décrivez l'incident signalé.")
    if service.state == ServiceState.TERMINATED:
        raise UnableToChangeContract("Ce service est résilié : pas de ticket d'incident.")
    deadline = (
        gtr_deadline(reported_at=reported_at, support=load_terms().support)
        if has_gtr(service)
        else None
    )
    return Ticket.objects.create(
        service=service,
        reported_at=reported_at,
        description=description.strip(),
        gtr_deadline=deadline,
        opened_by=by,
    )


@transaction.atomic
def record_restore(*, ticket: Ticket, restored_at: datetime, by: Any) -> Ticket:
    """Record that the service was restored; whether the GTR was met follows (R-GTR-1)."""
    _staff(by)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.restored_at is not None:
        raise UnableToChangeContract("Ce ticket est déjà clos.")
    if restored_at < ticket.reported_at:
        raise UnableToChangeContract("Le rétablissement ne peut pas précéder le signalement.")
    ticket.restored_at = restored_at
    ticket.restored_by = by
    ticket.save(update_fields=["restored_at", "restored_by"])
    return ticket
