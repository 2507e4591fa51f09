"""Demo steps of the catalog and the orders: orders in every state, delivered ones included.

Each scenario is recognised by its quote's note, so a second run adds nothing. Dates are
relative to the day the demo is loaded, so that quotes and plans look current.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import typst
from django.utils import timezone

from syres.catalog.services import sync_catalog
from syres.customers import selectors as customer_selectors
from syres.customers import services as customer_services
from syres.domain.periods import PARIS
from syres.orders import selectors, services
from syres.orders.services import QuoteLineRequest as Line
from syres.terms import load_terms

Echo = Callable[[str], None]

# Fictitious companies; their SIRENs pass the Luhn check (R-CUST-1) but belong to nobody known.
_CUSTOMERS: dict[str, dict[str, Any]] = {
    "fromagerie": {
        "legal_name": "Fromagerie des Causses SAS",
        "siren": "432109874",
        "vat": "FR03432109874",
        "address": ("4 route de Laguiole", "12500", "Espalion"),
        "email": "compta@fromagerie-causses.example",
        "sites": {
            "Siège": ("43210987400011", ("4 route de Laguiole", "12500", "Espalion")),
            "Cave d'affinage": ("43210987400029", ("Avenue de Lauras", "12250", "Roquefort")),
        },
    },
    "architectes": {
        "legal_name": "Vidal Architectes SARL",
        "siren": "512345679",
        "vat": "FR75512345679",
        "address": ("12 boulevard Gambetta", "12000", "Rodez"),
        "email": "factures@vidal-architectes.example",
        "sites": {
            "Agence de Rodez": ("51234567900017", ("12 boulevard Gambetta", "12000", "Rodez")),
            "Dépôt": ("51234567900025", ("ZA de Bel Air", "12000", "Rodez")),
        },
    },
}


def load_catalog_demo(*, echo: Echo) -> None:
    """Load the catalog of the terms file (idempotent; a changed price becomes a version)."""
    report = sync_catalog(terms=load_terms(), as_of=timezone.localdate())
    echo(
        f"Catalogue : {len(report.created)} produit(s) créé(s), "
        f"{len(report.repriced)} nouveau(x) tarif(s)."
    )


def _pdf(title: str) -> bytes:
    source = '#set text(lang: "fr")\n= #sys.inputs.at("title")\nDocument de démonstration.\n'
    pdf: bytes = typst.compile(source.encode(), sys_inputs={"title": title})
    return pdf


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def _customer(key: str, *, by: Any, accepted_on: date) -> tuple[Any, dict[str, Any]]:
    data = _CUSTOMERS[key]
    found = [
        customer
        for customer in customer_selectors.search_customers(str(data["siren"]))
        if customer.siren == data["siren"]
    ]
    if found:
        customer = found[0]
    else:
        line, postcode, city = data["address"]
        customer = customer_services.create_customer(
            kind="company",
            legal_name=data["legal_name"],
            siren=data["siren"],
            vat_number=data["vat"],
            address=customer_services.Address(line, postcode, city),
            billing_email=data["email"],
            iban="FR7630004000031234567890143",
            bic="BNPAFRPPXXX",
            by=by,
            at=_at(accepted_on - timedelta(days=3)),
        )
        when = _at(accepted_on - timedelta(days=2))
        for kind, title in (
            ("account_opening_form", "Formulaire d'ouverture de compte"),
            ("bank_identity", "Relevé d'identité bancaire"),
            ("kbis", "Extrait Kbis"),
        ):
            customer_services.upload_document(
                customer=customer,
                kind=kind,
                content=_pdf(f"{title} — {data['legal_name']}"),
                filename=f"{kind}.pdf",
                document_date=accepted_on - timedelta(days=20) if kind == "kbis" else None,
                by=by,
                at=when,
            )
        customer_services.submit_file(customer=customer, by=by, at=when)
        customer_services.accept_file(customer=customer, by=by, at=_at(accepted_on))
    existing = {site.name: site for site in customer_selectors.sites_of(customer)}
    sites = {}
    for name, (siret, (line, postcode, city)) in data["sites"].items():
        sites[name] = existing.get(name) or customer_services.add_site(
            customer=customer,
            name=name,
            siret=siret,
            address=customer_services.Address(line, postcode, city),
            by=by,
        )
    return customer, sites


def load_orders_demo(*, by: Any, echo: Echo) -> None:
    """Quotes and orders in every state: received (waiting), planned, in progress, delivered
    (with the services and equipment items they created), cancelled; plus an open quote."""
    today = timezone.localdate()
    fromagerie, f_sites = _customer("fromagerie", by=by, accepted_on=today - timedelta(days=130))
    architectes, a_sites = _customer("architectes", by=by, accepted_on=today - timedelta(days=125))
    customers = {"fromagerie": (fromagerie, f_sites), "architectes": (architectes, a_sites)}
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
            Line("FTTH-1G", site_id=f_sites["Siège"].pk),
            Line("TRUNK-OPENIP", quantity=4, site_id=f_sites["Siège"].pk),
            Line("EQ-ROUTER", equipment_mode="lent", site_id=f_sites["Siège"].pk),
            Line("EQ-PHONE", quantity=2, equipment_mode="sold", site_id=f_sites["Siège"].pk),
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
        "architectes",
        [
            Line("MOBILE-FULL", quantity=2),
            Line(
                "LIC-WAZO-UC",
                quantity=3,
                site_id=a_sites["Agence de Rodez"].pk,
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
            Line("SDSL-4M", site_id=f_sites["Cave d'affinage"].pk),
            Line("EQ-4G-BACKUP", equipment_mode="lent", site_id=f_sites["Cave d'affinage"].pk),
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
        "architectes",
        [Line("FTTO-100M", site_id=a_sites["Agence de Rodez"].pk, commitment_months=48)],
        42,
    )
    if offer is not None:
        order = place(offer, 40)
        to_planned(order, paid_days_ago=33, scheduled_days_ago=30)

    # 5. Received and waiting: deposit unpaid and documents missing push the planned date.
    offer = quote(
        "Démo : commande reçue en attente (acompte, documents)",
        "architectes",
        [
            Line("VDSL", site_id=a_sites["Dépôt"].pk),
            Line("EQ-ROUTER", equipment_mode="sold", site_id=a_sites["Dépôt"].pk),
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
        [Line("FTTH-1G", site_id=f_sites["Cave d'affinage"].pk)],
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

    # 7. An open quote, still valid, not yet ordered.
    quote(
        "Démo : devis en cours de validité",
        "fromagerie",
        [
            Line("LIC-YEASTAR-UC", quantity=5, site_id=f_sites["Siège"].pk),
            Line("EQ-DECT", equipment_mode="lent", site_id=f_sites["Siège"].pk),
        ],
        5,
    )
    echo(f"Devis et commandes de démonstration : {made} scénario(s) ajouté(s).")
