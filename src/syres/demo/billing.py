"""Demo step: last month billed (R-INV-1) — usage of the delivered trunk and mobile lines rated,
every invoice issued and its Factur-X PDF written; e-mail left in the outbox. Idempotent."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl

from syres.billing.services import UnableToBill, run_billing
from syres.domain.periods import PARIS, Month
from syres.terms import load_terms
from syres.usage.selectors import line_month, lines_frame
from syres.usage.services import import_usage
from syres.usage.synthetic import (
    Lines,
    mobile_frame,
    voice_frame,
    write_mobile_csv,
    write_voice_csv,
)

# The line numbers the demo orders deliver (syres.demo.orders): trunk and mobile lines.
DEMO_SERVICE_LINES = ("+33565480000", "0612345601", "0612345602")


def _rate_delivered_lines(*, month: Month, now: datetime, echo: Callable[[str], None]) -> None:
    """Add a month of usage for the lines of the delivered services (tied to their contract
    services by their number), unless already there; the month is rated again as a whole."""
    known = lines_frame().filter(pl.col("line").is_in(DEMO_SERVICE_LINES))
    missing = [
        row for row in known.iter_rows() if line_month(identifier=row[0], period=str(month)) is None
    ]
    if not missing:
        return
    schema = {"line": pl.String, "platform": pl.String, "channels": pl.Int64}
    trunks = [row for row in missing if row[1] != "mobile"]
    mobiles = [row for row in missing if row[1] == "mobile"]
    lines = Lines(
        trunks=pl.DataFrame(trunks, schema=schema, orient="row"),
        mobiles=pl.DataFrame(mobiles, schema=schema, orient="row"),
    )
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        if trunks:
            paths.append(Path(folder) / "demo-services-voice.csv")
            write_voice_csv(paths[-1], voice_frame(records=1500, lines=lines, month=month, seed=3))
        if mobiles:
            paths.append(Path(folder) / "demo-services-mobile.csv")
            write_mobile_csv(paths[-1], mobile_frame(records=800, lines=lines, month=month, seed=5))
        report = import_usage(month=month, paths=paths, terms=load_terms(), rated_at=now)
    echo(f"Consommations des lignes livrées valorisées ({month}) : {report.rated} au total.")


def load_billing_demo(*, echo: Callable[[str], None]) -> None:
    """Bill last month: deposits and balances of the demo orders, one monthly invoice per
    customer with its PDF. Running it again issues nothing new (R-INV-6)."""
    now = datetime.now(tz=PARIS)
    month = Month.of(now.date()).previous()
    _rate_delivered_lines(month=month, now=now, echo=echo)
    try:
        report = run_billing(period=month, as_of=now.date(), send=False, processes=1)
    except UnableToBill as error:
        echo(f"Facturation de {month} impossible : {error.reason}")
        return
    echo(
        f"Facturation de {month} : {len(report.issued)} facture(s) mensuelle(s), "
        f"{len(report.order_invoices)} acompte(s)/solde(s), {report.already_issued} déjà "
        f"émise(s), {report.rendered} PDF écrits."
    )
