"""Build rating inputs for tests: records as small dicts, times in Paris."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from syres.domain.rating import LINES_SCHEMA, MOBILE_SCHEMA, VOICE_SCHEMA, RatingResult, rate_usage
from syres.domain.rating.engine import Overage
from syres.domain.terms import Terms

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)  # a Monday


def at(minutes: float = 0, *, base: datetime = T0) -> datetime:
    return (base + timedelta(minutes=minutes)).astimezone(UTC)


def call(
    record_id: str,
    callee: str,
    duration_s: int,
    *,
    line: str = "T1",
    start: datetime | None = None,
    minute: float | None = None,
    direction: str = "out",
    forwarded: bool = False,
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "line": line,
        "start": start if start is not None else at(minute if minute is not None else 0),
        "duration_s": duration_s,
        "callee": callee,
        "direction": direction,
        "forwarded": forwarded,
        "source": "test.csv",
        "source_line": 0,
    }


def usage(
    record_id: str,
    kind: str,
    *,
    line: str = "M1",
    callee: str | None = None,
    duration_s: int | None = None,
    nbytes: int | None = None,
    mcc: int = 208,
    minute: float = 0,
    forwarded: bool = False,
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "line": line,
        "start": at(minute),
        "kind": kind,
        "callee": callee,
        "duration_s": duration_s,
        "bytes": nbytes,
        "mcc": mcc,
        "forwarded": forwarded,
        "source": "test.csv",
        "source_line": 0,
    }


def frame(rows: Iterable[Mapping[str, Any]], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    rows = [dict(row) for row in rows]
    for index, row in enumerate(rows, start=1):
        row["source_line"] = row.get("source_line") or index
    return pl.DataFrame(rows, schema=dict(schema), orient="row")


def rate(
    terms: Terms,
    *,
    calls: Iterable[Mapping[str, Any]] = (),
    mobile: Iterable[Mapping[str, Any]] = (),
    lines: Iterable[tuple[str, str, int]] = (("T1", "sewan", 1),),
    overage: Overage = "beyond",
) -> RatingResult:
    return rate_usage(
        voice=frame(calls, VOICE_SCHEMA),
        mobile=frame(mobile, MOBILE_SCHEMA),
        lines=pl.DataFrame(list(lines), schema=dict(LINES_SCHEMA), orient="row"),
        terms=terms,
        overage=overage,
    )


def by_id(result: RatingResult) -> dict[str, dict[str, Any]]:
    return {row["record_id"]: row for row in result.rated.iter_rows(named=True)}
