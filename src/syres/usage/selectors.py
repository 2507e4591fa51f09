"""Reads of the usage app: lines for the rating engine, monthly aggregates, detail files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from django.conf import settings
from django.db.models import QuerySet

from syres.domain.rating import LINES_SCHEMA
from syres.usage.models import Line, LineMonth, UsagePeriod

DETAIL_DIR_NAME = "usage"


def usage_root(*, data_dir: Path | None = None) -> Path:
    """Where the rated detail lives: `$SYRES_DATA_DIR/usage/YYYY-MM/`."""
    return (data_dir or Path(settings.DATA_DIR)) / DETAIL_DIR_NAME


def period_dir(*, period: str, data_dir: Path | None = None) -> Path:
    return usage_root(data_dir=data_dir) / period


def lines_frame() -> pl.DataFrame:
    """Every line, as the rating engine reads them (`line, platform, channels`)."""
    rows = list(
        Line.objects.order_by("identifier").values_list("identifier", "platform", "channels")
    )
    return pl.DataFrame(rows, schema=dict(LINES_SCHEMA), orient="row")


def line_months(*, period: str) -> QuerySet[LineMonth]:
    """The per-line aggregates of a month, what invoicing reads."""
    return (
        LineMonth.objects.filter(period=period).select_related("line").order_by("line__identifier")
    )


def line_month(*, identifier: str, period: str) -> LineMonth | None:
    return (
        LineMonth.objects.filter(line__identifier=identifier, period=period)
        .select_related("line")
        .first()
    )


def usage_period(*, period: str) -> UsagePeriod | None:
    return UsagePeriod.objects.filter(period=period).first()


def rated_detail(
    *, period: str, identifier: str, data_dir: Path | None = None
) -> pl.DataFrame | None:
    """The rated records of one line's month, or None when the detail was purged (R-DATA-3)."""
    path = period_dir(period=period, data_dir=data_dir) / "rated.parquet"
    if not path.exists():
        return None
    return pl.read_parquet(path).filter(pl.col("line") == identifier)


def billable_calls(*, period: str, data_dir: Path | None = None) -> pl.DataFrame | None:
    """The billable records of a month (`billable_s` > 0) for the call-detail annex: line,
    start, callee, duration_s, billable_s, amount_beyond_micro; None once purged (R-DATA-3)."""
    path = period_dir(period=period, data_dir=data_dir) / "rated.parquet"
    if not path.exists():
        return None
    return (
        pl.scan_parquet(path)
        .filter(pl.col("billable_s") > 0)
        .select("line", "start", "callee", "duration_s", "billable_s", "amount_beyond_micro")
        .collect()
    )
