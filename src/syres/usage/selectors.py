"""Reads of the usage app: lines for the rating engine, monthly aggregates, detail files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

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


def lines_named(identifiers: Iterable[str]) -> QuerySet[Line]:
    """The lines of these identifiers (a customer's: its services' line numbers, from
    `syres.contracts.selectors.usage_lines_of`)."""
    return Line.objects.filter(identifier__in=list(identifiers)).order_by("identifier")


@dataclass(frozen=True)
class DetailFigures:
    """What the aggregates do not hold, read from a line's rated detail of one month."""

    sms_distinct_numbers: int
    data_bytes_by_zone: dict[str, int]
    # (day, outgoing voice seconds, SMS, data bytes), one row per day with usage
    daily: list[tuple[date, int, int, int]]


def detail_figures(
    *, period: str, identifier: str, data_dir: Path | None = None
) -> DetailFigures | None:
    """Per-zone data, SMS recipients and the usage of each day of a line's month (SPEC §5);
    None when the month has no detail (never imported, or purged, R-DATA-3)."""
    detail = rated_detail(period=period, identifier=identifier, data_dir=data_dir)
    if detail is None:
        return None
    kind = pl.col("kind").cast(pl.String)
    sms = detail.filter(kind == "sms")
    data = detail.filter(kind == "data")
    by_zone = data.group_by(pl.col("zone").cast(pl.String)).agg(pl.col("bytes").sum())
    daily = (
        detail.with_columns(
            day=pl.col("start").dt.convert_time_zone("Europe/Paris").dt.date(),
        )
        .group_by("day")
        .agg(
            seconds=pl.when(kind == "voice").then(pl.col("duration_s")).otherwise(0).sum(),
            sms=(kind == "sms").sum(),
            bytes=pl.col("bytes").fill_null(0).sum(),
        )
        .sort("day")
    )
    return DetailFigures(
        sms_distinct_numbers=sms.get_column("callee").drop_nulls().n_unique(),
        data_bytes_by_zone={
            str(zone): int(total) for zone, total in by_zone.iter_rows() if zone is not None
        },
        daily=[
            (row["day"], int(row["seconds"]), int(row["sms"]), int(row["bytes"]))
            for row in daily.iter_rows(named=True)
        ],
    )


def breaches_of_month(*, period: str) -> QuerySet[LineMonth]:
    """The lines of a month beyond a fair-use limit or flagged for call-centre activity
    (R-SIP-6, R-SIP-7), for the staff dashboard."""
    return line_months(period=period).exclude(breaches="", call_centre_flag=False)


def actions_of_month(*, period: str, data_dir: Path | None = None) -> list[dict[str, Any]]:
    """The actions the rating asked for in a month (block data, SMS notice, throttle…)."""
    path = period_dir(period=period, data_dir=data_dir) / "actions.csv"
    if not path.exists():
        return []
    return pl.read_csv(path, infer_schema_length=0).to_dicts()


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


def retroactive_minutes(*, period: str, data_dir: Path | None = None) -> dict[str, int] | None:
    """R-SIP-6: per line, the voice minutes billed when its month is billed retroactively
    (every record's retroactive amount ÷ its per-minute rate, i.e. the started minutes of a
    breached trunk's calls to included destinations, the beyond-the-limit minutes otherwise);
    None once the detail was purged (R-DATA-3)."""
    path = period_dir(period=period, data_dir=data_dir) / "rated.parquet"
    if not path.exists():
        return None
    frame = (
        pl.scan_parquet(path)
        .filter((pl.col("kind").cast(pl.String) == "voice") & (pl.col("unit_rate_micro") > 0))
        .group_by("line")
        .agg(minutes=(pl.col("amount_if_retroactive_micro") // pl.col("unit_rate_micro")).sum())
        .collect()
    )
    return {str(line): int(minutes) for line, minutes in frame.iter_rows()}
