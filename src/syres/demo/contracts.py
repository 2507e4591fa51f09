"""Demo step of contracts and equipment: the orders' deliveries taken over, then a lifted
maintenance, an open incident ticket and a customer's termination letter with its amount.

Each scenario is recognised by what it records, so a second run adds nothing. Dates are
relative to the day the demo is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from syres.contracts import selectors, services, support
from syres.customers import selectors as customer_selectors
from syres.domain.periods import PARIS
from syres.equipment.services import take_over_delivered_equipment

Echo = Callable[[str], None]

# Demo customers of `syres.demo.customers`, found by their billing e-mail.
_FROMAGERIE = "compta@fromagerie-causses.example"
_COMMUNE = "mairie@sainte-radegonde.example"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def _open_contract(billing_email: str) -> Any:
    customer = customer_selectors.find_customer_by_billing_email(billing_email)
    return None if customer is None else selectors.open_contract_of(customer)


def load_contracts_demo(*, by: Any, echo: Echo) -> None:
    """Take the deliveries over, then add a few contract events (idempotent)."""
    taken = services.take_over_delivered_services()
    items = take_over_delivered_equipment()
    echo(f"Contrats : {len(taken)} service(s) et {len(items)} équipement(s) repris des livraisons.")
    today = timezone.localdate()
    added = 0

    fromagerie = _open_contract(_FROMAGERIE)
    if fromagerie is not None:
        live = list(selectors.open_services_of(fromagerie))
        access = next((s for s in live if s.kind == "internet_access"), None)
        if access is not None and not selectors.suspensions_of(access).exists():
            # Planned maintenance (CGV art. 15): announced, then lifted. Its window is over, so
            # no notice is e-mailed from the demo.
            night = today - timedelta(days=6)
            maintenance = services.suspend_service(
                service=access,
                reason="maintenance",
                start_at=_at(night, 22),
                planned_end_at=_at(night, 23),
                by=by,
                customer_notice=(
                    f"Maintenance du réseau de collecte le {night:%d/%m/%Y} de 22 h à 23 h : "
                    "coupure de l'accès internet de quelques minutes."
                ),
            )
            services.lift_suspension(suspension=maintenance, end_at=_at(night, 23), by=by)
            added += 1
        if access is not None and not selectors.tickets_of(access).exists():
            support.open_ticket(
                service=access,
                reported_at=_at(today - timedelta(days=1), 16, 30),
                description="Débit très faible depuis ce matin sur l'accès du siège.",
                by=by,
            )
            added += 1

    commune = _open_contract(_COMMUNE)
    if commune is not None and not selectors.terminations_of(commune).exists():
        mobiles = [s for s in selectors.open_services_of(commune) if s.kind == "mobile_plan"]
        if mobiles:
            # R-END-1, R-END-2: one mobile line terminated by registered letter.
            services.record_customer_termination(
                contract=commune,
                letter_reference="1A 178 456 2231 7",
                letter_received_date=today - timedelta(days=3),
                services=mobiles[:1],
                by=by,
            )
            added += 1
    echo(f"Contrats de démonstration : {added} événement(s) ajouté(s).")
