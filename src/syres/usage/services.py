"""Writes of the usage app: lines, monthly import and rating, purge of old detail (SPEC §5, §12,
R-DATA-3). Each function is one state change, in a transaction."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl
from django.db import transaction

from syres.domain.money import micro_eur_to_decimal
from syres.domain.periods import Month, add_months
from syres.domain.rating import NATIONAL_KEY, UnableToRateUsage, rate_usage
from syres.domain.terms import Terms
from syres.usage.importers import UnableToReadUsage, read_lines_file, read_usage_files
from syres.usage.models import Line, LineMonth, Platform, UsagePeriod
from syres.usage.selectors import lines_frame, period_dir, usage_root

INPUT_VOICE = "input_voice.parquet"
INPUT_MOBILE = "input_mobile.parquet"
RATED = "rated.parquet"
REJECTED = "rejected.csv"
ACTIONS = "actions.csv"


class UnableToImportUsage(Exception):
    """The usage of a month cannot be imported; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class ImportReport:
    period: str
    new_records: int
    already_imported: int
    rejected: int
    rated: int
    line_months: int


def save_line(*, identifier: str, platform: str, channels: int, label: str = "") -> Line:
    """Create or update a line (its platform and channels fix its limits, SPEC §5.2)."""
    if platform not in Platform.values:
        raise UnableToImportUsage(f"plateforme inconnue : {platform}")
    if channels < 1:
        raise UnableToImportUsage("une ligne a au moins un canal")
    line, _ = Line.objects.update_or_create(
        identifier=identifier,
        defaults={"platform": platform, "channels": channels, "label": label},
    )
    return line


@transaction.atomic
def import_lines(*, path: Path) -> int:
    """Create or update every line of a LINES.csv (`line,platform,channels`)."""
    try:
        frame = read_lines_file(path)
    except UnableToReadUsage as error:
        raise UnableToImportUsage(error.reason) from error
    for row in frame.iter_rows(named=True):
        save_line(identifier=row["line"], platform=row["platform"], channels=row["channels"])
    return frame.height


def import_usage(
    *,
    month: Month,
    paths: Sequence[Path],
    terms: Terms,
    rated_at: datetime,
    data_dir: Path | None = None,
    asterisk_local_time: bool = False,
) -> ImportReport:
    """Add usage files to a month, re-rate the whole month, store detail and aggregates.

    Counters are monthly (SPEC §5), so the month is always rated as a whole: the accepted
    records of earlier imports are kept (Parquet) and merged with the new ones, a record
    already imported (same line and record id) is not taken twice, and the aggregates of the
    month are replaced. Importing the same file again changes nothing.
    """
    period = str(month)
    existing = UsagePeriod.objects.filter(period=period).first()
    if existing is not None and existing.detail_purged_at is not None:
        raise UnableToImportUsage(
            f"le détail de {period} a été purgé (conservation, R-DATA-3) : import impossible"
        )
    try:
        imported = read_usage_files(paths, asterisk_local_time=asterisk_local_time)
    except UnableToReadUsage as error:
        raise UnableToImportUsage(error.reason) from error
    folder = period_dir(period=period, data_dir=data_dir)
    # The inputs are stored in the engine's schemas (the national keys are made again).
    voice, voice_out = _in_month(imported.voice.drop(NATIONAL_KEY), period=period)
    mobile, mobile_out = _in_month(imported.mobile.drop(NATIONAL_KEY), period=period)
    voice, voice_seen = _merged(folder / INPUT_VOICE, voice)
    mobile, mobile_seen = _merged(folder / INPUT_MOBILE, mobile)
    try:
        result = rate_usage(voice=voice, mobile=mobile, lines=lines_frame(), terms=terms)
    except UnableToRateUsage as error:
        raise UnableToImportUsage(error.reason) from error
    rejected = pl.concat([imported.rejected, voice_out, mobile_out, result.rejected])

    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    voice.write_parquet(staging / INPUT_VOICE)
    mobile.write_parquet(staging / INPUT_MOBILE)
    result.rated.write_parquet(staging / RATED)
    rejected.write_csv(staging / REJECTED)
    result.actions.write_csv(staging / ACTIONS)
    with transaction.atomic():
        count = _store_aggregates(period=period, summary=result.summary)
        files = "\n".join(p.name for p in paths)
        UsagePeriod.objects.update_or_create(
            period=period,
            defaults={
                "records": result.rated.height,
                "rejected": rejected.height,
                "files": ((existing.files + "\n") if existing and existing.files else "") + files,
                "rated_at": rated_at,
            },
        )
        # The files are swapped last; a failure above leaves the previous detail in place.
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    return ImportReport(
        period=period,
        new_records=imported.records
        - voice_out.height
        - mobile_out.height
        - voice_seen
        - mobile_seen,
        already_imported=voice_seen + mobile_seen,
        rejected=rejected.height,
        rated=result.rated.height,
        line_months=count,
    )


def _in_month(frame: pl.DataFrame, *, period: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    local = pl.col("start").dt.convert_time_zone("Europe/Paris").dt.strftime("%Y-%m")
    inside = local == period
    outside = frame.filter(~inside).select(
        "source", "source_line", "record_id", "line", reason=pl.lit(f"hors du mois {period}")
    )
    return frame.filter(inside), outside


def _merged(path: Path, new: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Earlier records of the month first, then the new ones not already there."""
    if not path.exists():
        return new, 0
    # In the new records' types: a month stored by an earlier release may hold a column in
    # another type (a call's direction was text before it was a category).
    stored = pl.read_parquet(path).cast(new.schema)
    fresh = new.join(stored.select("line", "record_id"), on=["line", "record_id"], how="anti")
    return pl.concat([stored, fresh]), new.height - fresh.height


def _store_aggregates(*, period: str, summary: pl.DataFrame) -> int:
    ids = dict(Line.objects.values_list("identifier", "id"))
    LineMonth.objects.filter(period=period).delete()
    months = [
        LineMonth(
            line_id=ids[row["line"]],
            period=period,
            platform=row["platform"],
            channels=row["channels"],
            outgoing_calls=row["outgoing_calls"],
            outgoing_seconds=row["outgoing_s"],
            distinct_numbers=row["distinct_numbers"],
            limit_seconds=row["limit_s"],
            limit_numbers=row["limit_numbers"],
            breaches=row["breaches"],
            billable_seconds=row["billable_s"],
            billable_minutes=row["billable_minutes"],
            billable_sms=row["billable_sms"],
            billable_mb=row["billable_mb"],
            sms=row["sms"],
            data_bytes=row["data_bytes"],
            amount_voice=micro_eur_to_decimal(row["amount_voice_micro"]),
            amount_sms=micro_eur_to_decimal(row["amount_sms_micro"]),
            amount_data=micro_eur_to_decimal(row["amount_data_micro"]),
            amount_beyond=micro_eur_to_decimal(row["amount_beyond_micro"]),
            amount_if_retroactive=micro_eur_to_decimal(row["amount_if_retroactive_micro"]),
            call_centre_flag=row["call_centre_flag"],
        )
        for row in summary.iter_rows(named=True)
    ]
    LineMonth.objects.bulk_create(months)
    return len(months)


def purge_usage_detail(
    *, as_of: date, terms: Terms, purged_at: datetime, data_dir: Path | None = None
) -> list[str]:
    """R-DATA-3: remove the rated detail of every month older than the retention (terms:
    `retention.usage_detail_months`, counted from the end of the month); aggregates stay."""
    keep = terms.retention.usage_detail_months
    purged: list[str] = []
    root = usage_root(data_dir=data_dir)
    candidates = {p.period for p in UsagePeriod.objects.filter(detail_purged_at__isnull=True)}
    if root.exists():
        candidates |= {p.name for p in root.iterdir() if p.is_dir()}
    for period in sorted(candidates):
        try:
            month = Month.parse(period)
        except ValueError:
            continue  # not a month folder: not ours to remove
        if add_months(month.next().first_day, keep) > as_of:
            continue
        with transaction.atomic():
            UsagePeriod.objects.filter(period=period).update(detail_purged_at=purged_at)
            shutil.rmtree(root / period, ignore_errors=True)
        purged.append(period)
    return purged
