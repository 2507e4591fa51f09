"""Demo step: a few lines and one generated month of usage, rated (idempotent)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl

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

DEMO_LINES = (
    ("TRUNK-OLEMPES", "sewan", 2, "Trunk SEWAN — siège d'Olempes"),
    ("TRUNK-RODEZ", "wazo", 1, "Trunk WAZO — agence de Rodez"),
    ("TRUNK-MILLAU", "openip", 1, "Trunk OPEN IP — agence de Millau"),
    ("TRUNK-ALBI", "yeastar", 4, "Trunk YEASTAR — plateau d'Albi"),
    ("MOB-0601020304", "mobile", 1, "Mobile du gérant"),
    ("MOB-0605060708", "mobile", 1, "Mobile du technicien"),
)


def load_usage_demo(*, echo: Callable[[str], None]) -> None:
    """Lines of the demo and last month's usage (a few thousand records), rated."""
    for identifier, platform, channels, label in DEMO_LINES:
        save_line(identifier=identifier, platform=platform, channels=channels, label=label)
    now = datetime.now(tz=PARIS)
    month = Month.of(now.date()).previous()
    if usage_period(period=str(month)) is not None:
        echo(f"Consommations de {month} déjà valorisées.")
        return
    schema = {"line": pl.String, "platform": pl.String, "channels": pl.Int64}
    rows = [(i, p, c) for i, p, c, _ in DEMO_LINES]
    lines = Lines(
        trunks=pl.DataFrame([r for r in rows if r[1] != "mobile"], schema=schema, orient="row"),
        mobiles=pl.DataFrame([r for r in rows if r[1] == "mobile"], schema=schema, orient="row"),
    )
    with tempfile.TemporaryDirectory() as folder:
        voice = Path(folder) / "demo-voice.csv"
        mobile = Path(folder) / "demo-mobile.csv"
        write_voice_csv(voice, voice_frame(records=4000, lines=lines, month=month))
        write_mobile_csv(mobile, mobile_frame(records=1500, lines=lines, month=month))
        report = import_usage(month=month, paths=[voice, mobile], terms=load_terms(), rated_at=now)
    echo(f"Consommations de {month} valorisées : {report.rated} enregistrements.")
