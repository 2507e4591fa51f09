"""Builders shared by the billing tests."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from syres.billing import services
from syres.domain import billing as rules
from syres.domain.periods import PARIS, Month
from syres.terms import load_terms
from syres.usage.services import import_usage
from syres.usage.synthetic import (
    Lines,
    mobile_frame,
    voice_frame,
    write_mobile_csv,
    write_voice_csv,
)


def deposit(
    customer: Any, *, order_ref: str = "BC-2026-00001", day: date = date(2026, 10, 5)
) -> Any:
    return services.issue_deposit_invoice(
        customer=customer,
        order_ref=order_ref,
        one_off_total=Decimal("1000.00"),
        issue_date=day,
        terms=load_terms(),
    )


def fee_line(label: str, amount: str, *, day: date = date(2026, 10, 5)) -> rules.InvoiceLine:
    return rules.one_off_line(
        label=label,
        category=rules.LineCategory.ACCESS_FEE,
        unit_price=Decimal(amount),
        vat_rate=load_terms().invoicing.vat_rate_on(day=day),
        service_ref="service:1",
    )


def rate_october(*identifiers: tuple[str, str, int]) -> None:
    schema = {"line": pl.String, "platform": pl.String, "channels": pl.Int64}
    trunks = [row for row in identifiers if row[1] != "mobile"]
    mobiles = [row for row in identifiers if row[1] == "mobile"]
    lines = Lines(
        trunks=pl.DataFrame(trunks, schema=schema, orient="row"),
        mobiles=pl.DataFrame(mobiles, schema=schema, orient="row"),
    )
    with tempfile.TemporaryDirectory() as folder:
        voice, mobile = Path(folder) / "voice.csv", Path(folder) / "mobile.csv"
        write_voice_csv(voice, voice_frame(records=600, lines=lines, month=Month(2026, 10)))
        write_mobile_csv(mobile, mobile_frame(records=300, lines=lines, month=Month(2026, 10)))
        import_usage(
            month=Month(2026, 10),
            paths=[voice, mobile],
            terms=load_terms(),
            rated_at=datetime(2026, 11, 1, 3, tzinfo=PARIS),
        )
