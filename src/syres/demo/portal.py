"""Demo step: a portal account for a demo customer, and this month's usage of its lines so far.

The customer logs in at /portail/ with the printed password and is asked at once to choose its
own (R-SEC-1). Idempotent: an existing account, line owner or imported month is kept.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from syres.accounts.selectors import get_active_user
from syres.accounts.services import create_portal_user
from syres.contracts import selectors as contract_selectors
from syres.customers import selectors as customer_selectors
from syres.domain.periods import PARIS, Month
from syres.terms import load_terms
from syres.usage.selectors import lines_frame, usage_period
from syres.usage.services import import_usage
from syres.usage.synthetic import (
    Lines,
    mobile_frame,
    voice_frame,
    write_mobile_csv,
    write_voice_csv,
)

DEMO_PORTAL_USERNAME = "fromagerie"
DEMO_PORTAL_PASSWORD = "Olempes-12510-client"  # noqa: S105 (the demo database only)
DEMO_PORTAL_CUSTOMER = "compta@fromagerie-causses.example"


def load_portal_demo(*, echo: Callable[[str], None], now: datetime | None = None) -> None:
    customer = customer_selectors.find_customer_by_billing_email(DEMO_PORTAL_CUSTOMER)
    if customer is None:
        echo("Client de démonstration du portail absent : étape ignorée.")
        return
    if get_active_user(username=DEMO_PORTAL_USERNAME) is None:
        create_portal_user(
            username=DEMO_PORTAL_USERNAME,
            initial_password=DEMO_PORTAL_PASSWORD,
            customer=customer,
            email=DEMO_PORTAL_CUSTOMER,
        )
        echo(
            f"Compte du portail « {DEMO_PORTAL_USERNAME} » créé (mot de passe "
            f"{DEMO_PORTAL_PASSWORD}, à changer à la première connexion) : /portail/"
        )
    now = now or datetime.now(tz=PARIS)
    month = Month.of(now.date())
    if usage_period(period=str(month)) is not None:
        return
    numbers = set(contract_selectors.usage_lines_of(customer).values())
    known = lines_frame().filter(pl.col("line").is_in(list(numbers)))
    if known.is_empty():
        echo("Aucune ligne livrée au client de démonstration du portail : pas de consommation.")
        return
    lines = Lines(
        trunks=known.filter(pl.col("platform") != "mobile"),
        mobiles=known.filter(pl.col("platform") == "mobile"),
    )
    # A month of generated usage, of which only what already happened is imported.
    before_now = pl.col("start") < now.astimezone(UTC)
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        if lines.trunks.height:
            paths.append(Path(folder) / "demo-voice-current.csv")
            voice = voice_frame(records=1500, lines=lines, month=month, seed=21)
            write_voice_csv(paths[-1], voice.filter(before_now))
        if lines.mobiles.height:
            paths.append(Path(folder) / "demo-mobile-current.csv")
            mobile = mobile_frame(records=800, lines=lines, month=month, seed=23)
            write_mobile_csv(paths[-1], mobile.filter(before_now))
        report = import_usage(month=month, paths=paths, terms=load_terms(), rated_at=now)
    echo(f"Consommations de {month} jusqu'à ce jour valorisées : {report.rated} enregistrements.")
