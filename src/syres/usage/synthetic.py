"""Generated usage files (canonical CSV of SPEC §12) for the benchmark, the demo and tests.

Vectorised with Polars (hashes of the row index as pseudo-random numbers, fixed by `seed`), so
that ten million records take seconds. The numbers are real-looking: French fixed and mobile
numbers, a few special and emergency numbers, and foreign numbers built on phonenumbers'
example numbers, so they classify like real traffic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

import phonenumbers
import polars as pl

from syres.domain.periods import PARIS, Month
from syres.domain.terms import SIP_PLATFORMS

FOREIGN_REGIONS = ("DE", "GB", "ES", "IT", "BE", "CH", "US", "CA", "CN", "MA", "JP", "BR", "SN")
SPECIAL_CALLEES = ("0800123456", "0892123456", "3949", "118712", "15", "112")
MOBILE_MCCS = (208, 208, 208, 208, 208, 208, 262, 214, 228, 440)


@dataclass(frozen=True)
class Lines:
    trunks: pl.DataFrame
    mobiles: pl.DataFrame

    @property
    def all(self) -> pl.DataFrame:
        return pl.concat([self.trunks, self.mobiles])


def make_lines(*, trunks: int, mobiles: int, seed: int = 1) -> Lines:
    """Trunk lines T00001… over the four platforms (1–8 channels) and mobile lines M00001…"""
    index = pl.int_range(0, trunks, eager=True)
    trunk_frame = pl.DataFrame({"i": index}).select(
        line=pl.format("T{}", (pl.col("i") + 1).cast(pl.String).str.zfill(5)),
        platform=pl.col("i")
        .mod(len(SIP_PLATFORMS))
        .replace_strict(dict(enumerate(SIP_PLATFORMS)), return_dtype=pl.String),
        channels=(pl.col("i").hash(seed) % 8 + 1).cast(pl.Int64),
    )
    mobile_frame = pl.DataFrame({"i": pl.int_range(0, mobiles, eager=True)}).select(
        line=pl.format("M{}", (pl.col("i") + 1).cast(pl.String).str.zfill(5)),
        platform=pl.lit("mobile"),
        channels=pl.lit(1, dtype=pl.Int64),
    )
    return Lines(trunks=trunk_frame, mobiles=mobile_frame)


def _foreign_templates() -> list[str]:
    templates = []
    for region in FOREIGN_REGIONS:
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
                templates.append(e164[:-3])  # the last three digits vary
    return templates


def _rand(column: str, seed: int) -> pl.Expr:
    return pl.col(column).hash(seed)


def _starts(month: Month, seed: int) -> pl.Expr:
    first = datetime.combine(month.first_day, time.min, tzinfo=PARIS)
    last = datetime.combine(month.next().first_day, time.min, tzinfo=PARIS)
    span_s = int((last - first).total_seconds())
    # Office hours mostly: a day of the month, then 8:00–19:00 local.
    day = _rand("i", seed) % (span_s // 86400)
    second = _rand("i", seed + 1) % (11 * 3600) + 8 * 3600
    offset = (day * 86400 + second).cast(pl.Int64) * 1_000_000
    return (pl.lit(first).dt.convert_time_zone("UTC") + pl.duration(microseconds=offset)).alias(
        "start"
    )


def voice_frame(*, records: int, lines: Lines, month: Month, seed: int = 7) -> pl.DataFrame:
    """`records` trunk CDRs in the canonical voice columns (start as UTC datetimes)."""
    templates = _foreign_templates()
    n_trunks = lines.trunks.height
    frame = pl.DataFrame({"i": pl.int_range(0, records, eager=True, dtype=pl.UInt64)})
    kind = _rand("i", seed + 2) % 1000
    trunk = (_rand("i", seed + 3) % n_trunks).cast(pl.Int64)
    # Each trunk calls from its own pool of about 330 numbers: some cross 300 distinct numbers.
    pool = (_rand("i", seed + 4) % 330).cast(pl.Int64)
    national = pl.format(
        "0{}{}",
        pl.when(pool % 3 == 0).then(pl.lit("6")).otherwise(pl.lit("1")),
        (trunk * 1000 + pool).cast(pl.String).str.zfill(8),
    )
    foreign = pl.format(
        "{}{}",
        (_rand("i", seed + 5) % len(templates))
        .cast(pl.Int64)
        .replace_strict(dict(enumerate(templates)), return_dtype=pl.String),
        (_rand("i", seed + 6) % 1000).cast(pl.String).str.zfill(3),
    )
    special = (
        (_rand("i", seed + 7) % len(SPECIAL_CALLEES))
        .cast(pl.Int64)
        .replace_strict(dict(enumerate(SPECIAL_CALLEES)), return_dtype=pl.String)
    )
    duration = (
        pl.when(kind < 5)
        .then(_rand("i", seed + 8) % 10800)  # a few very long calls
        .otherwise(_rand("i", seed + 8) % 420 + 5)
        .cast(pl.Int64)
    )
    return frame.select(
        call_id=pl.format("c{}", pl.col("i")),
        line=trunk.replace_strict(
            dict(enumerate(lines.trunks["line"].to_list())), return_dtype=pl.String
        ),
        start=_starts(month, seed),
        duration_s=pl.when(kind < 30).then(0).otherwise(duration),  # unanswered: 0 s
        caller=pl.lit("0565000000"),
        callee=pl.when(kind < 880).then(national).when(kind < 960).then(foreign).otherwise(special),
        direction=pl.when(_rand("i", seed + 9) % 10 == 0)
        .then(pl.lit("in"))
        .otherwise(pl.lit("out")),
        forwarded=(_rand("i", seed + 10) % 50 == 0).cast(pl.Int8),
    )


def mobile_frame(*, records: int, lines: Lines, month: Month, seed: int = 11) -> pl.DataFrame:
    """`records` mobile records (voice, SMS, data) in the canonical mobile columns."""
    n_lines = lines.mobiles.height
    frame = pl.DataFrame({"i": pl.int_range(0, records, eager=True, dtype=pl.UInt64)})
    kind_draw = _rand("i", seed) % 10
    line = (_rand("i", seed + 1) % n_lines).cast(pl.Int64)
    kind = (
        pl.when(kind_draw < 4)
        .then(pl.lit("voice"))
        .when(kind_draw < 7)
        .then(pl.lit("sms"))
        .otherwise(pl.lit("data"))
    )
    callee = pl.format(
        "06{}", (line * 100 + _rand("i", seed + 2) % 60).cast(pl.String).str.zfill(8)
    )
    return frame.with_columns(kind=kind).select(
        record_id=pl.format("m{}", pl.col("i")),
        line=line.replace_strict(
            dict(enumerate(lines.mobiles["line"].to_list())), return_dtype=pl.String
        ),
        start=_starts(month, seed),
        kind="kind",
        callee=pl.when(pl.col("kind") != "data").then(callee),
        duration_s=pl.when(pl.col("kind") == "voice").then(
            (_rand("i", seed + 3) % 900 + 1).cast(pl.Int64)
        ),
        bytes=pl.when(pl.col("kind") == "data").then(
            (_rand("i", seed + 4) % 8_000_000).cast(pl.Int64)
        ),
        mcc=(_rand("i", seed + 5) % len(MOBILE_MCCS))
        .cast(pl.Int64)
        .replace_strict(dict(enumerate(MOBILE_MCCS)), return_dtype=pl.Int64),
        forwarded=pl.when(pl.col("kind") == "voice").then(
            (_rand("i", seed + 6) % 100 == 0).cast(pl.Int8)
        ),
    )


def _with_local_start(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        start=pl.col("start")
        .dt.convert_time_zone("Europe/Paris")
        .dt.to_string("%Y-%m-%dT%H:%M:%S%:z")
    )


def write_lines_csv(path: Path, lines: pl.DataFrame) -> None:
    lines.write_csv(path)


def write_voice_csv(path: Path, frame: pl.DataFrame) -> None:
    _with_local_start(frame).write_csv(path)


def write_mobile_csv(path: Path, frame: pl.DataFrame) -> None:
    _with_local_start(frame).write_csv(path)
