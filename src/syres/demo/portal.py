"""Demo step: a portal account for a demo customer, its lines, and this month's usage so far.

The customer logs in at /portail/ with the printed password and is asked at once to choose its
own (R-SEC-1). Idempotent: an existing account, line owner or imported month is kept.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl

from syres.accounts.selectors import get_active_user
from syres.accounts.services import create_portal_user
from syres.customers import selectors as customer_selectors
from syres.demo.usage import DEMO_LINES
from syres.domain.periods import PARIS, Month
from syres.terms import load_terms
from syres.usage.selectors import usage_period
from syres.usage.services import import_usage, save_line
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
    for identifier, platform, channels, label in DEMO_LINES:
        save_line(
            identifier=identifier,
            platform=platform,
            channels=channels,
            label=label,
            customer=customer,
        )
    now = now or datetime.now(tz=PARIS)
    month = Month.of(now.date())
    if usage_period(period=str(month)) is not None:
        return
    schema = {"line": pl.String, "platform": pl.String, "channels": pl.Int64}
    rows = [(i, p, c) for i, p, c, _ in DEMO_LINES]
    lines = Lines(
        trunks=pl.DataFrame([r for r in rows if r[1] != "mobile"], schema=schema, orient="row"),
        mobiles=pl.DataFrame([r for r in rows if r[1] == "mobile"], schema=schema, orient="row"),
    )
    # A month of generated usage, of which only what already happened is imported.
    before_now = pl.col("start") < now
    voice = voice_frame(records=4000, lines=lines, month=month, seed=21).filter(before_now)
    mobile = mobile_frame(records=1500, lines=lines, month=month, seed=23).filter(before_now)
    with tempfile.TemporaryDirectory() as folder:
        voice_path = Path(folder) / "demo-voice-current.csv"
        mobile_path = Path(folder) / "demo-mobile-current.csv"
        write_voice_csv(voice_path, voice)
        write_mobile_csv(mobile_path, mobile)
        report = import_usage(
            month=month, paths=[voice_path, mobile_path], terms=load_terms(), rated_at=now
        )
    echo(f"Consommations de {month} jusqu'à ce jour valorisées : {report.rated} enregistrements.")
