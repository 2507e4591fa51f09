"""Demo steps of the catalog and the orders: orders in every state, delivered ones included.

Each scenario is recognised by its quote's note, so a second run adds nothing. Dates are
relative to the day the demo is loaded, so that quotes and plans look current.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from syres.catalog.services import sync_catalog
from syres.customers import selectors as customer_selectors
from syres.domain.periods import PARIS
from syres.orders import selectors, services
from syres.orders.services import QuoteLineRequest as Line
from syres.terms import load_terms

Echo = Callable[[str], None]

# The accepted demo customers of `syres.demo.customers`, found by their billing e-mail.
_CUSTOMERS = {
    "fromagerie": "compta@fromagerie-causses.example",
    "commune": "mairie@sainte-radegonde.example",
    "particulier": "jeanne.fabre@exemple.example",
}


def load_catalog_demo(*, echo: Echo) -> None:
    """Load the catalog of the terms file (idempotent; a changed price becomes a version)."""
    report = sync_catalog(terms=load_terms(), as_of=timezone.localdate())
    echo(
        f"Catalogue : {len(report.created)} produit(s) créé(s), "
        f"{len(report.repriced)} nouveau(x) tarif(s)."
    )


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def _customer(key: str) -> tuple[Any, dict[str, Any]] | None:
    customer = customer_selectors.find_customer_by_billing_email(_CUSTOMERS[key])
    if customer is None:
        return None
    return customer, {site.name: site for site in customer_selectors.sites_of(customer)}


def load_orders_demo(*, by: Any, echo: Echo) -> None:
    """Quotes and orders in every state: received (waiting), planned, in progress, delivered
    (with the services and equipment items they created), cancelled; plus an open quote."""
    today = timezone.localdate()
    found = {key: _customer(key) for key in _CUSTOMERS}
    customers = {key: value for key, value in found.items() if value is not None}
    if len(customers) != len(_CUSTOMERS):
        echo("Devis et commandes de démonstration : clients de démonstration absents, rien fait.")
        return
    f_sites, c_sites, p_sites = (customers[key][1] for key in _CUSTOMERS)
    made = 0

    def quote(note: str, key: str, lines: list[Line], days_ago: int) -> Any:
        nonlocal made
        existing = selectors.find_quote_by_note(note=note)
        if existing is not None:
            return None
        made += 1
        customer, _ = customers[key]
        return services.create_quote(
            customer_id=customer.pk,
            quote_date=today - timedelta(days=days_ago),
            lines=lines,
            by=by,
            note=note,
            at=_at(today - timedelta(days=days_ago), 9),
        )

    def place(offer: Any, days_ago: int, **options: Any) -> Any:
        received = today - timedelta(days=days_ago)
        return services.place_order(
            quote_id=offer.pk, received_date=received, by=by, at=_at(received), **options
        )

    def to_planned(order: Any, *, paid_days_ago: int, scheduled_days_ago: int) -> date:
        services.record_deposit_paid(
            order_id=order.pk, paid_on=today - timedelta(days=paid_days_ago), by=by
        )
        scheduled = today - timedelta(days=scheduled_days_ago)
        plan = selectors.intervention_plan_of(order_id=order.pk, as_of=scheduled)
        services.schedule_intervention(
            order_id=order.pk, intervention_date=plan.planned_date, by=by, at=_at(scheduled)
        )
        return plan.planned_date

    def start(order: Any, on: date) -> None:
        if selectors.order_lines_of(order_id=order.pk).filter(product__family="internet_access"):
            services.record_modem_site(
                order_id=order.pk,
                humidity_percent=40,
                temperature_celsius=19,
                checked_positions=list(range(1, len(load_terms().orders.modem_site.checklist) + 1)),
                by=by,
                at=_at(on, 8),
            )
        services.start_work(order_id=order.pk, by=by, at=_at(on, 9))

    def deliver_all(order: Any, on: date, numbers: dict[str, list[str]]) -> None:
        for line in selectors.order_lines_of(order_id=order.pk):
            code = line.product.code
            is_equipment = line.product.family == "equipment"
            given = numbers.get(f"{code}#{line.position}", numbers.get(code, []))
            services.deliver_line(
                line_id=line.pk,
                delivered_on=on,
                line_numbers=[] if is_equipment else given,
                serial_numbers=given if is_equipment else [],
                by=by,
                at=_at(on, 16),
            )

    # 1. Delivered: FTTH, SIP trunk, a router lent and two phones sold.
    offer = quote(
        "Démo : commande livrée (fibre FTTH, trunk OPEN IP, équipements)",
        "fromagerie",
        [
            Line("FTTH-1G", site_id=f_sites["Siège Rodez"].pk),
            Line("TRUNK-OPENIP", quantity=4, site_id=f_sites["Siège Rodez"].pk),
            Line("EQ-ROUTER", equipment_mode="lent", site_id=f_sites["Siège Rodez"].pk),
            Line("EQ-PHONE", quantity=2, equipment_mode="sold", site_id=f_sites["Siège Rodez"].pk),
        ],
        120,
    )
    if offer is not None:
        order = place(offer, 118)
        planned = to_planned(order, paid_days_ago=112, scheduled_days_ago=110)
        start(order, planned)
        deliver_all(
            order,
            planned,
            {
                "TRUNK-OPENIP": ["+33565480000"],
                "EQ-ROUTER": ["R500-DEMO-0001"],
                "EQ-PHONE": ["T54W-DEMO-0001", "T54W-DEMO-0002"],
            },
        )

    # 2. Delivered: mobile plans and hosted telephony licences at a negotiated price.
    offer = quote(
        "Démo : commande livrée (mobiles, licences WAZO à prix négocié)",
        "commune",
        [
            Line("MOBILE-FULL", quantity=2),
            Line(
                "LIC-WAZO-UC",
                quantity=3,
                site_id=c_sites["Mairie"].pk,
                negotiated_monthly_price=Decimal("19.00"),
            ),
        ],
        105,
    )
    if offer is not None:
        order = place(offer, 100)
        planned = to_planned(order, paid_days_ago=99, scheduled_days_ago=98)
        start(order, planned)
        deliver_all(
            order, planned, {"MOBILE-FULL": ["0612345601", "0612345602"], "LIC-WAZO-UC": []}
        )

    # 3. In progress: SDSL with a 4G backup router lent; work has started (cannot be cancelled).
    offer = quote(
        "Démo : commande en cours (SDSL et secours 4G)",
        "fromagerie",
        [
            Line("SDSL-4M", site_id=f_sites["Cave d'affinage Roquefort"].pk),
            Line(
                "EQ-4G-BACKUP",
                equipment_mode="lent",
                site_id=f_sites["Cave d'affinage Roquefort"].pk,
            ),
        ],
        62,
    )
    if offer is not None:
        order = place(offer, 60)
        planned = to_planned(order, paid_days_ago=58, scheduled_days_ago=57)
        start(order, min(planned, today))

    # 4. Planned: FTTO that needs fibre built (8 to 12 weeks).
    offer = quote(
        "Démo : intervention planifiée (FTTO, construction de fibre)",
        "commune",
        [Line("FTTO-100M", site_id=c_sites["École"].pk, commitment_months=48)],
        42,
    )
    if offer is not None:
        order = place(offer, 40)
        to_planned(order, paid_days_ago=33, scheduled_days_ago=30)

    # 5. Received and waiting: deposit unpaid and documents missing push the planned date.
    offer = quote(
        "Démo : commande reçue en attente (acompte, documents)",
        "commune",
        [
            Line("VDSL", site_id=c_sites["Mairie"].pk),
            Line("EQ-ROUTER", equipment_mode="sold", site_id=c_sites["Mairie"].pk),
        ],
        8,
    )
    if offer is not None:
        order = place(offer, 6)
        services.record_blocker(
            order_id=order.pk,
            kind="documents_missing",
            started_on=today - timedelta(days=6),
            note="Autorisation du bailleur pour le passage des câbles",
            by=by,
        )

    # 6. Cancelled before delivery: the FTTH activation fees are due (R-ORD-5).
    offer = quote(
        "Démo : commande annulée (frais de mise en service dus)",
        "fromagerie",
        [Line("FTTH-1G", site_id=f_sites["Cave d'affinage Roquefort"].pk)],
        30,
    )
    if offer is not None:
        order = place(offer, 28)
        services.cancel_order(
            order_id=order.pk,
            reason="Le client renonce : la cave reste sur SDSL.",
            by=by,
            at=_at(today - timedelta(days=20)),
        )

    # 7. An open quote, still valid, not yet ordered; and an expired one (R-ORD-1).
    quote(
        "Démo : devis en cours de validité",
        "particulier",
        [
            Line("FTTH-1G", site_id=p_sites["Domicile"].pk),
            Line("MOBILE-FULL"),
            Line("EQ-DECT", equipment_mode="lent", site_id=p_sites["Domicile"].pk),
        ],
        5,
    )
    quote(
        "Démo : devis expiré",
        "fromagerie",
        [Line("LIC-YEASTAR-UC", quantity=5, site_id=f_sites["Siège Rodez"].pk)],
        45,
    )
    echo(f"Devis et commandes de démonstration : {made} scénario(s) ajouté(s).")
