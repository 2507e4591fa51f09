"""The rating engine: SIP trunk rules (R-SIP-1..8) and mobile rules (R-MOB-1..4), with Polars.

There is no per-record Python loop. Records are sorted once by (line, month, start, record id)
(SPEC §5.2: start order, ties by call id) and a small integer `g` numbers each line-month. The
trunk counters are one compiled pass over that order (`counters`); the mobile counters are
cumulative sums over `g`; everything else is a column expression.
Money is integer micro-euros inside the engine (`*_micro` columns); the Decimal columns of the
output are exact conversions of them (see `micro_to_decimal`), and document amounts are
made from them by `syres.domain.money.micro_eur_to_decimal` then `quantize_eur`.

Readings where SPEC §5 leaves a choice (each tested):
- Emergency calls count for nothing, not even in `outgoing_calls` (R-DEST-2 over §12).
- R-SIP-7: a month looks like a call centre when its calls on business days exceed
  `max_calls_per_channel_per_business_day` × channels × business days of the month (an average,
  French public holidays excluded), or when, with at least `min_calls_for_short_share` calls,
  the share of calls of at most `short_call_max_seconds` exceeds `max_short_call_share`.
  Only platforms whose `call_centre_forbidden` is true are flagged (not YEASTAR).
- R-MOB-1: from home, national numbers are included; roaming in a zone whose voice is included
  (zone 1), national numbers and numbers of such zones' countries (roam like at home).
- R-MOB-2: every SMS sent from home or zone 1 counts (emergency excepted); like R-SIP-3, an SMS
  to a number beyond the 50th counts toward no other limit.
- R-MOB-3: the record that crosses a cap is split; volume beyond a cap is billed per started Mo
  of the month's cumulated volume beyond it in that zone (each record carries the Mo it starts),
  so that many small sessions are not each billed a whole Mo.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Literal, cast
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]

from syres.domain.money import decimal_to_micro_eur
from syres.domain.periods import Month
from syres.domain.rating.counters import (
    SUM_COLUMNS,
    MobileRecords,
    TrunkCalls,
    count_mobile_records,
    count_trunk_calls,
    number_keys,
    packed_start_keys,
    paris_months_and_business_days,
    repeated_hashes,
    sorted_by_bits,
    start_positions,
)
from syres.domain.rating.destinations import (
    NATIONAL_CLASSES,
    NATIONAL_KEY_SPAN,
    DestinationClass,
    NationalPrefixTable,
    by_class_and_region,
    classify_callees,
    included_for_platform,
    is_national_key,
    national_number_key,
    national_prefix_table,
    series_with_validity,
)
from syres.domain.rating.mcc import MCC_COUNTRY
from syres.domain.terms import SIP_PLATFORMS, Platform, Terms

Overage = Literal["beyond", "retroactive"]
KINDS = pl.Enum(["voice", "sms", "data"])
UNITS = pl.Enum(["minute", "sms", "mb"])
MOBILE = "mobile"
HOME_ZONE = "home"
BYTES_PER_MB = 1_048_576  # SPEC R-MOB-3: 1 Mo = 1,048,576 bytes
# One record beyond these is an export error (a call of a month, a petabyte session), and its
# amount could overflow the 64-bit integer micro-euros: it is rejected, not rated.
MAX_RECORD_SECONDS = 31 * 24 * 3600
MAX_RECORD_BYTES = 10**15
PARIS = "Europe/Paris"
PARIS_ZONE = ZoneInfo(PARIS)

VOICE_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.String(),
    "line": pl.String(),
    "start": pl.Datetime("us", "UTC"),
    "duration_s": pl.Int64(),
    "callee": pl.String(),
    # A category: the rules compare it a dozen times, and a reader that knows each record's
    # word gives it as one without hashing ten million texts.
    "direction": pl.Categorical(),
    "forwarded": pl.Boolean(),
    "source": pl.Categorical(),
    "source_line": pl.Int64(),
}
MOBILE_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.String(),
    "line": pl.String(),
    "start": pl.Datetime("us", "UTC"),
    "kind": pl.String(),
    "callee": pl.String(),
    "duration_s": pl.Int64(),
    "bytes": pl.Int64(),
    "mcc": pl.Int64(),
    "forwarded": pl.Boolean(),
    "source": pl.Categorical(),
    "source_line": pl.Int64(),
}
# An optional column of `voice` and `mobile`: each callee's `national_number_key`, when the
# reader of the records has it already (it reads every byte of the callee anyway); computed
# from `callee` otherwise.
NATIONAL_KEY = "national_key"
LINES_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),
    "platform": pl.String(),
    "channels": pl.Int64(),
}
REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.Categorical(),
    "source_line": pl.Int64(),
    "record_id": pl.String(),
    "line": pl.String(),
    "reason": pl.String(),
}
ACTIONS_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.String(),
    "period": pl.String(),
    "record_id": pl.String(),
    "start": pl.Datetime("us", "UTC"),
    "zone": pl.String(),
    "action": pl.String(),
}
# The detail's columns, each with whether every rated record has it; the others are null where
# they do not apply (a call's bytes, a data session's duration, an emergency call's callee, a
# callee's region when it has none…). The detail file declares the first required: readers
# know they hold no null, and its writer stores no null flags for them (a fifth of its time).
_RATED_ALWAYS_SET = {
    "record_id": True,
    "line": True,
    "platform": True,
    "period": True,
    "kind": True,
    "start": True,
    "direction": True,
    "callee": False,
    "destination_class": False,
    "region": False,
    "zone": False,
    "duration_s": False,
    "included_s": False,
    "billable_s": False,
    "bytes": False,
    "included_bytes": False,
    "billable_bytes": False,
    "billable_units": True,
    "unit": True,
    "unit_rate": True,
    "amount": True,
    "amount_if_retroactive": True,
    "unit_rate_micro": True,
    "amount_beyond_micro": True,
    "amount_if_retroactive_micro": True,
    "reason": True,
    "action": False,
    "source": True,
    "source_line": True,
}
RATED_COLUMNS = tuple(_RATED_ALWAYS_SET)
RATED_REQUIRED = frozenset(name for name, always in _RATED_ALWAYS_SET.items() if always)


class UnableToRateUsage(Exception):
    """The usage cannot be rated; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class RatingResult:
    """`rated`: one row per accepted record; `summary`: one row per line and month (money in
    micro-euros); `actions`: block / SMS notice / throttle, once each; `rejected`: every record
    not rated, with its file, line number and reason."""

    rated: pl.DataFrame
    summary: pl.DataFrame
    actions: pl.DataFrame
    rejected: pl.DataFrame


# Decimal(18, 6) holds up to 999 999 999 999.999999 €; it is stored as a 64-bit integer in
# Parquet.
_MICRO_LIMIT = 10**18  # exclusive: 18 digits


def micro_to_decimal(micro: pl.Series) -> pl.Series:
    """Integer micro-euros → exact decimal euros (scale 6), the column twin of
    `syres.domain.money.micro_eur_to_decimal`.

    A decimal of scale 6 *is* its number of millionths: the integers are widened to 128 bits
    (Arrow's decimal layout, scale 0) and the same memory is then read with scale 6. Dividing
    by a million in 128-bit decimals took three times as long (1 s of a run of 11 M records),
    and Arrow's cast to a decimal twice as long as widening with NumPy.
    """
    values = _micro_in_range(micro).to_arrow()
    # Each integer as 128 bits (two's complement, little-endian: the low word, then the sign).
    low = np.asarray(values.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    wide = np.empty((len(low), 2), dtype=np.int64)
    wide[:, 0] = low
    np.right_shift(low, 63, out=wide[:, 1])
    valid = None
    if values.null_count:
        is_valid = np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
        valid = pa.py_buffer(np.packbits(is_valid, bitorder="little"))
    as_euros = pa.Array.from_buffers(
        pa.decimal128(18, 6), len(low), [valid, pa.py_buffer(wide)], null_count=values.null_count
    )
    return cast(pl.Series, pl.from_arrow(as_euros)).alias(micro.name)


def micro_to_decimal64(micro: pl.Series) -> pa.Array:
    """Integer micro-euros → the same exact decimal euros as `micro_to_decimal`, as an Arrow
    array of 64-bit decimals: the integers' own memory read with scale 6, nothing copied.

    For a writer of Parquet, which stores a decimal of 18 digits as a 64-bit integer anyway:
    it takes these as they are, where it narrows 128-bit ones one by one (twice the time), and
    the widening of `micro_to_decimal` (a fifth of the time to write the detail) is not done.
    Polars has no 64-bit decimals: it reads them back as its decimals of 18 digits."""
    values = _micro_in_range(micro).rechunk().to_arrow()
    validity, data = values.buffers()
    return pa.Array.from_buffers(
        pa.decimal64(18, 6),
        len(values),
        [validity, data],
        null_count=values.null_count,
        offset=values.offset,
    )


def _micro_in_range(micro: pl.Series) -> pl.Series:
    """`micro` as 64-bit integers, each within what a decimal of 18 digits and scale 6 holds."""
    ints = micro.cast(pl.Int64)
    # (Not `abs()`: the absolute value of the smallest 64-bit integer wraps around.)
    for extreme in (ints.min(), ints.max()):
        if isinstance(extreme, int) and not -_MICRO_LIMIT < extreme < _MICRO_LIMIT:
            raise UnableToRateUsage(
                f"montant hors limites ({micro.name} : {extreme} millionièmes d'euro)"
            )
    return ints


def euro_columns(overage: Overage) -> dict[str, str]:
    """Each exact euro column of the detail and the micro-euro column it converts: `amount`
    is the amount the overage option chooses (R-SIP-6)."""
    chosen = "amount_if_retroactive_micro" if overage == "retroactive" else "amount_beyond_micro"
    return {
        "unit_rate": "unit_rate_micro",
        "amount": chosen,
        "amount_if_retroactive": "amount_if_retroactive_micro",
    }


def business_dates(*, month: Month, terms: Terms) -> list[date]:
    """Business days of a month: the terms' weekdays, less the public holidays (R-SIP-7)."""
    support = terms.support
    return list(_business_dates(month, support.holidays_country, tuple(support.business_weekdays)))


@cache
def _business_dates(month: Month, country: str, weekdays: tuple[int, ...]) -> tuple[date, ...]:
    # Building a holiday calendar is slow (tenths of a second): once per month and process.
    # The library too (0.15 s to import): only when the first month is rated.
    import holidays

    public = holidays.country_holidays(country, years=month.year)
    end = month.next().first_day
    days = (date.fromordinal(o) for o in range(month.first_day.toordinal(), end.toordinal()))
    return tuple(d for d in days if d.isoweekday() in weekdays and d not in public)


def rate_usage(
    *,
    voice: pl.DataFrame,
    mobile: pl.DataFrame,
    lines: pl.DataFrame,
    terms: Terms,
    overage: Overage = "beyond",
    known_classes: pl.DataFrame | None = None,
    euros: bool = True,
) -> RatingResult:
    """Rate a set of voice CDRs (trunks) and mobile records against their lines' limits.

    `voice` and `mobile` follow `VOICE_SCHEMA` / `MOBILE_SCHEMA` (start in UTC), `lines`
    `LINES_SCHEMA`. Counters run per line per calendar month, Europe/Paris (SPEC §5).
    `overage` chooses which amount is the `amount` (R-SIP-6); both are always computed.
    `known_classes` (from `classify_for_rating`) spares classifying again numbers already
    classified, when a large run is rated in slices of lines (R-DEST-1..4).
    `euros=False` leaves the exact euro columns (`euro_columns`) out of `rated`, for a writer
    that makes them from their micro-euros itself (`micro_to_decimal64`).
    """
    lines = _checked_lines(lines, terms=terms)
    # Each record's callee in the plain national form as an integer (`_national`): classified
    # by its prefix (`national_prefix_table`), with no text and no distinct callees. The few
    # other callees are classified by their text, once each.
    voice = _keyed(voice, schema=VOICE_SCHEMA)
    mobile = _keyed(mobile, schema=MOBILE_SCHEMA)
    others = _odd_callees_of_keyed(voice=voice, mobile=mobile).sort()
    if known_classes is None:
        other_classes = classify_for_rating(others, terms=terms)
    else:
        known = known_classes.filter(pl.col("callee").is_in(others.implode()))
        unknown = others.filter(~others.is_in(known.get_column("callee").implode()))
        # (Usually none: classifying nothing still costs 30 ms.)
        if unknown.len():
            known = pl.concat(
                [classify_for_rating(unknown, terms=terms), known], how="vertical_relaxed"
            )
        other_classes = known
    # The rows of `classes`: the prefix table's classes, then the other callees' in the order
    # of `others` (one each).
    table = national_prefix_table(terms)
    classes = pl.concat(
        [
            _with_platform_inclusion(
                table.rated_classes(terms).with_columns(number=pl.lit(None, dtype=pl.Int64)),
                terms=terms,
            ),
            other_classes.sort("callee").drop("callee"),
        ],
        how="diagonal_relaxed",
    )
    voice = _with_class(voice, table=table, classes=classes, others=others)
    mobile = _with_class(mobile, table=table, classes=classes, others=others)

    trunk_lines = _with_trunk_limits(lines, terms=terms)
    # Only what each call needs goes with it: the limits are read per line (the compiled pass,
    # the line-month sums), not carried by every call.
    voice_ok, voice_rejected = _accepted(
        voice,
        lines=trunk_lines.select("line", "line_idx", "platform", "platform_idx"),
        kind_of_line="trunk",
    )
    mobile_ok, mobile_rejected = _accepted(mobile, lines=lines, kind_of_line="mobile")
    business = _business_dates_of(voice_ok, mobile_ok, terms=terms)
    rated_parts: list[pl.DataFrame] = []
    sums: list[pl.DataFrame] = []
    rejected_parts = [voice_rejected, mobile_rejected]
    actions = pl.DataFrame(schema=ACTIONS_SCHEMA)
    # A kind of record absent from the run (a slice of trunk calls alone, say) is not rated:
    # the mobile rules cost 40 ms on no record. With neither, both run, for the columns.
    nothing = not (voice_ok.height or mobile_ok.height)
    if voice_ok.height or nothing:
        voice_rated, voice_sums, voice_rejected_more = _rate_trunks(
            voice_ok, lines=trunk_lines, classes=classes, terms=terms, business=business
        )
        rated_parts.append(voice_rated)
        sums.append(voice_sums)
        rejected_parts.append(voice_rejected_more)
    if mobile_ok.height or nothing:
        mobile_rated, actions, mobile_rejected_more = _rate_mobile(
            mobile_ok, classes=classes, terms=terms, business=business
        )
        rated_parts.append(mobile_rated)
        sums.append(_line_month_sums(mobile_rated, terms=terms))
        rejected_parts.append(mobile_rejected_more)
    summary = _summary(pl.concat(sums, how="diagonal_relaxed"), terms=terms, overage=overage)
    rejected = pl.concat([frame.select(list(REJECTED_SCHEMA)) for frame in rejected_parts]).sort(
        "source", "source_line"
    )
    rated = pl.concat([_finished(part, overage=overage, euros=euros) for part in rated_parts])
    return RatingResult(rated=rated, summary=summary, actions=actions, rejected=rejected)


def _keyed(records: pl.DataFrame, *, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """`records` in `schema`, with `_national`: the `NATIONAL_KEY` column if they have it
    (a value that is no national key, not nine digits, taken as none: the callee's text is
    classified), else the key computed from `callee`."""
    key: pl.Expr
    if NATIONAL_KEY in records.columns:
        given = pl.col(NATIONAL_KEY).cast(pl.Int64)
        key = pl.when(is_national_key(given)).then(given)
    else:
        key = national_number_key(pl.col("callee"))
    return records.select(
        *[pl.col(name).cast(dtype) for name, dtype in schema.items()], _national=key
    )


def _finished(rated: pl.DataFrame, *, overage: Overage, euros: bool) -> pl.DataFrame:
    """Rated rows in output form: the categories of the detail, and (with `euros`) the exact
    decimal euros beside the micro-euros, `amount` the amount the overage option chooses
    (R-SIP-6)."""
    money = euro_columns(overage)
    converted: dict[str, pl.Series] = {}
    if euros:
        # Each micro-euro column converted once (with `retroactive`, two outputs share one).
        by_micro = {
            micro: micro_to_decimal(rated.get_column(micro)) for micro in set(money.values())
        }
        converted = {name: by_micro[micro].alias(name) for name, micro in money.items()}
    return rated.with_columns(
        *converted.values(),
        platform=pl.col("platform").cast(pl.Categorical),
        region=pl.col("region").cast(pl.Categorical),
        zone=pl.col("zone").cast(pl.Categorical),
    ).select(name for name in RATED_COLUMNS if euros or name not in money)


def _classified_callees(
    voice: pl.LazyFrame, mobile: pl.LazyFrame, *, columns: Sequence[str]
) -> pl.LazyFrame:
    """The callees to classify (R-DEST-1..4), with `columns` of their records: every call's (an
    incoming one's too, so that whether an emergency number is shown never depends on the
    other calls of the run), mobile voice and SMS; none empty."""
    return pl.concat(
        [voice.select(columns), mobile.filter(pl.col("kind") != "data").select(columns)]
    ).drop_nulls("callee")


def odd_callees(*, voice: pl.DataFrame, mobile: pl.DataFrame) -> pl.Series:
    """The distinct callees to classify that are not in the plain national form (foreign,
    short, odd): few, but the costliest to classify, and called from many lines (a large run
    classifies them once for all slices)."""
    voice, mobile = _keyed(voice, schema=VOICE_SCHEMA), _keyed(mobile, schema=MOBILE_SCHEMA)
    return _odd_callees_of_keyed(voice=voice, mobile=mobile)


def _odd_callees_of_keyed(*, voice: pl.DataFrame, mobile: pl.DataFrame) -> pl.Series:
    callees = _classified_callees(voice.lazy(), mobile.lazy(), columns=["callee", "_national"])
    odd = callees.filter(pl.col("_national").is_null()).select("callee").unique()
    return odd.collect(engine="streaming").to_series()


def _with_class(
    records: pl.DataFrame, *, table: NationalPrefixTable, classes: pl.DataFrame, others: pl.Series
) -> pl.DataFrame:
    """`records` (with their `_national` key) with `class_idx`, their callee's row of `classes`
    (null for a callee not classified: none, or a data session's), and `number_key`, the
    callee's distinct-number key (R-SIP-3, R-MOB-2): a national number's from its key and its
    prefix's calling code, the others' from their row.

    A national callee's row is its prefix's (`table`); another's is found by its rank among
    `others` (the few other callees, sorted, whose rows follow the table's in `classes`)."""
    national = records.get_column("_national")
    # Rows as Polars' own index type: gathers by 64-bit integers convert and check them first.
    class_idx = table.rows_of(national)
    missing = national.is_null()
    if others.len() and missing.any():
        first = table.classes.height
        ranks = pl.int_range(first, first + others.len(), dtype=pl.UInt32, eager=True)
        texts = records.get_column("callee").filter(missing).cast(pl.String)
        class_idx = class_idx.scatter(
            missing.arg_true(), texts.replace_strict(others, ranks, default=None)
        )
    code = classes.get_column("code").cast(pl.Int64)
    other = classes.get_column("number_key").cast(pl.Int64)
    keys, known = number_keys(
        rows=class_idx.fill_null(0).to_numpy(),
        classified=class_idx.is_not_null().to_numpy(),
        national=national.fill_null(0).to_numpy(),
        is_national=national.is_not_null().to_numpy(),
        national_base=(code.fill_null(0) * NATIONAL_KEY_SPAN).to_numpy(),
        national_base_known=code.is_not_null().to_numpy(),
        other_key=other.fill_null(0).to_numpy(),
        other_key_known=other.is_not_null().to_numpy(),
    )
    frame = records.with_columns(
        class_idx=class_idx, number_key=series_with_validity("number_key", keys, known)
    )
    if "kind" in records.columns:  # data sessions call no number (`_classified_callees`)
        classified = pl.col("kind") != "data"
        frame = frame.with_columns(
            pl.when(classified).then(pl.col(c)) for c in ("class_idx", "number_key")
        )
    return frame.drop("_national")


def classify_for_rating(callees: pl.Series, *, terms: Terms) -> pl.DataFrame:
    """Each distinct callee classified (`classify_callees`), with its distinct-number key and
    whether each platform includes it (R-DEST-1..4), computed once per number."""
    return _with_platform_inclusion(classify_callees(callees, terms=terms), terms=terms)


def _checked_lines(lines: pl.DataFrame, *, terms: Terms) -> pl.DataFrame:
    lines = lines.select([pl.col(name).cast(dtype) for name, dtype in LINES_SCHEMA.items()])
    known = (*SIP_PLATFORMS, MOBILE)
    unknown = lines.filter(~pl.col("platform").is_in(known))
    if unknown.height:
        raise UnableToRateUsage(
            f"plateforme inconnue pour la ligne {unknown['line'][0]} : {unknown['platform'][0]}"
            f" (attendu : {', '.join(known)})"
        )
    if lines.filter(pl.col("channels").is_null() | (pl.col("channels") < 1)).height:
        raise UnableToRateUsage("le nombre de canaux d'une ligne doit être au moins 1")
    if lines.get_column("line").is_duplicated().any():
        raise UnableToRateUsage("une ligne apparaît deux fois dans la liste des lignes")
    # A category (the output's type) per line, not per record once joined.
    return lines.with_row_index("line_idx").with_columns(pl.col("platform").cast(pl.Categorical))


def _with_joined(frame: pl.DataFrame, table: pl.DataFrame, *, on: str) -> pl.DataFrame:
    """`frame` left-joined with `table` (unique on `on`), row for row: only the key column goes
    through the join, so the wide frame (text columns) is not copied."""
    joined = frame.select(on).join(table, on=on, how="left", maintain_order="left")
    return frame.hstack(joined.drop(on).get_columns())


def _rejects(frame: pl.DataFrame, reason: pl.Expr) -> pl.DataFrame:
    return frame.select("source", "source_line", "record_id", "line", reason=reason)


def _accepted(
    records: pl.DataFrame, *, lines: pl.DataFrame, kind_of_line: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Drop (into `rejected`) records without an id or a start, records beyond a month or a
    petabyte, duplicates, and records of unknown or wrong-kind lines."""
    records = _with_joined(records, lines, on="line")
    duplicate = pl.lit(_repeated_ids(records))
    too_large = pl.col("bytes") > MAX_RECORD_BYTES if "bytes" in records.columns else pl.lit(False)
    if kind_of_line == "mobile":
        wrong_kind = pl.col("platform").is_not_null() & (pl.col("platform") != MOBILE)
        wrong_text = "ligne de trunk SIP dans un fichier mobile"
    else:
        wrong_kind = pl.col("platform") == MOBILE
        wrong_text = "ligne mobile dans un fichier d'appels de trunk"
    flagged = records.with_columns(
        _reason=pl.when(pl.col("record_id").is_null() | (pl.col("record_id") == ""))
        .then(pl.lit("identifiant d'enregistrement manquant"))
        .when(pl.col("start").is_null())
        .then(pl.lit("date de début manquante"))
        .when(pl.col("duration_s") > MAX_RECORD_SECONDS)
        .then(pl.lit("durée hors limites (plus de 31 jours)"))
        .when(too_large)
        .then(pl.lit("volume hors limites (plus de 1 Po)"))
        .when(duplicate)
        .then(pl.lit("doublon : enregistrement ") + pl.col("record_id") + pl.lit(" déjà lu"))
        .when(pl.col("platform").is_null())
        .then(pl.lit("ligne inconnue (absente de la liste des lignes) : ") + pl.col("line"))
        .when(wrong_kind)
        .then(pl.lit(wrong_text))
    )
    rejected = _rejects(flagged.filter(pl.col("_reason").is_not_null()), pl.col("_reason"))
    if rejected.height:  # usually none: no copy of the frame then
        flagged = flagged.filter(pl.col("_reason").is_null())
    return flagged.drop("_reason"), rejected


def _repeated_ids(records: pl.DataFrame) -> pl.Series:
    """Whether each record repeats the (line, record id) of an earlier one.

    Hashes of the pair find the candidates cheaply; only rows whose hash repeats are compared
    exactly, so a collision never rejects a record."""
    # The line by its number (unknown lines all get one number: the exact comparison below
    # tells them apart), the record id by its hash.
    line = pl.col("line_idx").cast(pl.UInt64).fill_null(1 << 40)
    hashes = records.select(pl.col("record_id").hash(seed=2) ^ line).to_series()
    candidate = pl.Series(repeated_hashes(hashes.to_numpy()))
    repeated = pl.repeat(False, records.height, eager=True)
    if candidate.any():
        rows = candidate.arg_true()
        exact = records.select("line", "record_id").gather(rows)
        later = ~exact.select(pl.struct("line", "record_id").is_first_distinct()).to_series()
        repeated = repeated.scatter(rows, later)
    return repeated


def _with_period(frame: pl.DataFrame, *, business: pl.Series) -> pl.DataFrame:
    """Month (`YYYY-MM`, Europe/Paris) of each record and whether it fell on a business day.

    The Paris day of each instant is found among the (few) Paris midnights of the records'
    span, rather than by a time-zone conversion per record, in one compiled pass
    (`counters.paris_months_and_business_days`).
    """
    starts = frame.get_column("start")
    days = _paris_days(starts)
    midnights = days.get_column("midnight_us")
    # (A record without a start has neither: the first midnight stands for it, then null.)
    start_us = starts.dt.epoch("us").fill_null(midnights[0]).to_numpy()
    month, business_day = paris_months_and_business_days(
        start_us,
        midnights.to_numpy(),
        days.get_column("period_key").to_numpy(),
        days.get_column("day").is_in(business.implode()).to_numpy(),
    )
    frame = frame.with_columns(
        pl.Series("period_key", month, dtype=pl.Int32),
        pl.Series("on_business_day", business_day),
    )
    if starts.null_count():
        dated = pl.col("start").is_not_null()
        frame = frame.with_columns(
            pl.when(dated).then(pl.col(name)) for name in ("period_key", "on_business_day")
        )
    # The months of the span's days (a few), not of every record.
    keys = days.get_column("period_key").unique().sort().to_list()
    names = {key: f"{key // 100:04d}-{key % 100:02d}" for key in keys}
    period = (
        pl.col("period_key").replace_strict(names, return_dtype=pl.Categorical)
        if names
        else pl.lit(None, dtype=pl.Categorical)
    )
    return frame.with_columns(period=period)


def _paris_days(starts: pl.Series) -> pl.DataFrame:
    """Each Paris calendar day of the span of `starts` (UTC), with the instant of its midnight
    (epoch microseconds, increasing) and its month key (`YYYYMM`)."""
    instants = [value for value in (starts.min(), starts.max()) if isinstance(value, datetime)]
    if not instants:
        instants = [datetime(2000, 1, 1, tzinfo=PARIS_ZONE)]
    first = min(instants).astimezone(PARIS_ZONE).date()
    last = max(instants).astimezone(PARIS_ZONE).date()
    days = [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return pl.DataFrame(
        {
            "day": days,
            "midnight_us": [
                (datetime.combine(d, time(), PARIS_ZONE) - epoch) // timedelta(microseconds=1)
                for d in days
            ],
            "period_key": [d.year * 100 + d.month for d in days],
        },
        schema={"day": pl.Date, "midnight_us": pl.Int64, "period_key": pl.Int32},
    )


def _start_order(frame: pl.DataFrame) -> pl.DataFrame:
    """The narrow sort keys of SPEC §5.2 (line, month, start, ties by call id), sorted, with
    `_idx` (the row in `frame`), `g`, a number per line-month in sorted order, and `line_idx`."""
    periods = frame.get_column("period_key").unique().sort().to_list()
    months = max(len(periods), 1)
    if frame.height:
        packed = _start_order_packed(frame, periods=periods)
        if packed is not None:
            return packed
    narrow = frame.select(
        _idx=pl.int_range(pl.len(), dtype=pl.UInt32),
        group=pl.col("line_idx").cast(pl.Int64) * months
        + pl.col("period_key").replace_strict(
            {key: index for index, key in enumerate(periods)}, return_dtype=pl.Int64
        ),
        start_us=pl.col("start").dt.epoch("us"),
    )
    if narrow.height:
        narrow = _sorted(narrow, record_ids=frame.get_column("record_id"))
    return narrow.select(
        "_idx", "group", g=pl.col("group").rle_id(), line_idx=pl.col("group") // months
    )


def _start_order_packed(frame: pl.DataFrame, *, periods: list[int]) -> pl.DataFrame | None:
    """`_start_order` by one sort of bare integers, in compiled passes: each record's
    line-month, start to the second and row packed into one key (`packed_start_keys`), the
    keys sorted, then read back (`start_positions`). `None` when they do not fit in a key or a
    start is not to the second (then the frame is sorted by its columns)."""
    starts = frame.get_column("start").dt.epoch("us")
    line = frame.get_column("line_idx")
    if starts.null_count() or line.null_count() or frame.get_column("period_key").null_count():
        return None
    low, high = cast(int, starts.min()), cast(int, starts.max())
    months = max(len(periods), 1)
    group_bits = (cast(int, line.max()) * months + months - 1).bit_length() + 1
    seconds_bits = ((high - low) // 1_000_000).bit_length() + 1
    row_bits = max(frame.height - 1, 1).bit_length()
    if group_bits + seconds_bits + row_bits > 62:
        return None
    keys = packed_start_keys(
        line=line.to_numpy(),
        period_key=frame.get_column("period_key").to_numpy(),
        start_us=starts.to_numpy(),
        periods=periods,
        low_us=low,
        seconds_bits=seconds_bits,
        row_bits=row_bits,
    )
    if keys is None:
        return None
    keys = sorted_by_bits(keys, low_bit=row_bits, high_bit=group_bits + seconds_bits + row_bits)
    rows, groups, lines, tied = start_positions(
        keys, seconds_bits=seconds_bits, row_bits=row_bits, months=months
    )
    if tied.any():  # (the line-months and starts, shifted out of the keys, only for ties)
        _ties_by_record_id(
            rows, keys >> row_bits, tied=tied, record_ids=frame.get_column("record_id")
        )

    return pl.DataFrame(
        [
            pl.Series("_idx", rows, dtype=pl.UInt32),
            pl.Series("g", groups, dtype=pl.UInt32),
            pl.Series("line_idx", lines, dtype=pl.Int64),
        ]
    )


def _sorted(narrow: pl.DataFrame, *, record_ids: pl.Series) -> pl.DataFrame:
    """`narrow` (`_idx`, `group`, `start_us`) sorted by group, start, then record id, where
    `_start_order_packed` cannot (starts not to the second, or keys too wide for it).

    Group and start are packed into one 64-bit key when they fit (they do for any real
    month), so that the sort compares one integer instead of three columns.
    """
    starts = narrow.get_column("start_us")
    low = int(starts.min())  # type: ignore[arg-type]
    span_bits = (int(starts.max()) - low).bit_length() + 1  # type: ignore[arg-type]
    group_bits = int(narrow.get_column("group").max()).bit_length() + 1  # type: ignore[arg-type]
    if span_bits + group_bits > 62:
        return narrow.with_columns(rid_rank=record_ids.rank("ordinal")).sort(
            "group", "start_us", "rid_rank"
        )
    narrow = narrow.with_columns(
        packed=pl.col("group") * (1 << span_bits) + (pl.col("start_us") - low)
    ).sort("packed")
    packed = narrow.get_column("packed").to_numpy()
    same = packed[1:] == packed[:-1]
    tied = np.zeros(len(packed), dtype=np.bool_)
    tied[1:] |= same
    tied[:-1] |= same
    rows = narrow.get_column("_idx").to_numpy().copy()
    _ties_by_record_id(rows, packed, tied=tied, record_ids=record_ids)
    return narrow.with_columns(_idx=pl.Series(rows, dtype=pl.UInt32))


def _ties_by_record_id(
    rows: npt.NDArray[np.uint32],
    packed: npt.NDArray[np.int64],
    *,
    tied: npt.NDArray[np.bool_],
    record_ids: pl.Series,
) -> None:
    """`rows` (frame rows in start order, by their `packed` line-month and start) with each
    run of ties (`tied`: same line-month and start as a neighbour) put in record-id order, in
    place (SPEC §5.2). Ties are few: only they are looked at."""
    if not tied.any():
        return
    positions = np.flatnonzero(tied)
    ordered = pl.DataFrame(
        {
            "packed": packed[positions],
            "_idx": rows[positions],
            "record_id": record_ids.gather(rows[positions]),
        }
    ).sort("packed", "record_id")
    rows[positions] = ordered.get_column("_idx").to_numpy()


def _ceil_div(numerator: pl.Expr, denominator: int) -> pl.Expr:
    return (numerator + (denominator - 1)) // denominator


def _with_platform_inclusion(classes: pl.DataFrame, *, terms: Terms) -> pl.DataFrame:
    """Per distinct callee: its counter key, and whether each platform includes it (computed
    once per destination class and region, not per number nor per record)."""
    return by_class_and_region(
        classes.with_columns(number_key=_number_key(classes)),
        columns_of=lambda pairs: pairs.with_columns(
            **{
                f"included_{code}": included_for_platform(terms=terms, platform=code)
                for code in SIP_PLATFORMS
            }
        ),
    )


def _number_key(classes: pl.DataFrame) -> pl.Series:
    """The distinct-number key (R-SIP-3, R-MOB-2): the E.164 number, or for a short number (no
    E.164 form) minus its digits; the digits are read only where there is no number."""
    number = classes.get_column("number")
    without = number.is_null()
    if not without.any() or "callee" not in classes.columns:  # (numbers given by their key)
        return number
    digits = classes.filter(without).select(
        -pl.col("callee").str.replace_all(r"[^0-9]", "").cast(pl.Int64, strict=False)
    )
    return number.scatter(without.arg_true(), digits.to_series())


def _classified(
    frame: pl.DataFrame,
    *,
    classes: pl.DataFrame,
    needs_number: pl.Expr,
    columns: Sequence[str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`frame` (with its callee's row of `classes`, `class_idx`) with the class `columns`
    gathered by it. The records that need a number (`needs_number`) and have no valid one are
    rejected."""
    class_idx = frame.get_column("class_idx")
    frame = frame.with_columns([classes.get_column(c).gather(class_idx) for c in columns])
    bad = needs_number & (
        pl.col("destination_class").is_null()
        | (pl.col("destination_class") == DestinationClass.INVALID.value)
    )
    frame = frame.with_columns(_bad=bad.fill_null(False))
    rejected = _rejects(
        frame.filter(pl.col("_bad")),
        pl.lit("numéro appelé invalide : ") + pl.col("callee").fill_null("(vide)"),
    )
    if rejected.height:  # usually none: no copy of the frame then
        frame = frame.filter(~pl.col("_bad"))
    return frame.drop("_bad"), rejected


def _with_trunk_limits(lines: pl.DataFrame, *, terms: Terms) -> pl.DataFrame:
    """Each trunk's limits (R-SIP-2..4, R-SIP-8: a hosted licence is a trunk of one channel per
    licence), computed once per line rather than per call; null on mobile lines."""
    code = pl.col("platform")

    def per_platform(value: Callable[[str], int | None]) -> pl.Expr:
        return code.replace_strict(
            {c: value(c) for c in SIP_PLATFORMS}, default=None, return_dtype=pl.Int64
        )

    def platform(c: str) -> Platform:
        return terms.platforms[c]  # type: ignore[index]

    return lines.with_columns(
        platform_idx=code.replace_strict(
            {c: index for index, c in enumerate(SIP_PLATFORMS)}, default=None, return_dtype=pl.Int64
        ),
        limit_numbers=per_platform(lambda c: platform(c).distinct_numbers_per_channel)
        * pl.col("channels"),
        limit_s=per_platform(lambda c: platform(c).outgoing_hours_per_channel * 3600)
        * pl.col("channels"),
        cap_s=per_platform(lambda c: platform(c).max_call_seconds),
    )


def _rate_trunks(
    calls: pl.DataFrame,
    *,
    lines: pl.DataFrame,
    classes: pl.DataFrame,
    terms: Terms,
    business: pl.Series,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """R-SIP-1..6 on trunk CDRs: the rated rows (money in micro-euros), the line-month sums of
    the summary, and the calls rejected for their callee.

    Only integer keys go through joins (the callee's class is a row of `classes`, gathered
    where needed), the limits are read per line, and the running counters are one compiled
    pass (`counters.count_trunk_calls`)."""
    answered_out = (pl.col("direction") == "out") & (pl.col("duration_s") > 0)
    calls = calls.with_columns(
        direction=pl.col("direction").fill_null("out"),
        forwarded=pl.col("forwarded").fill_null(False),
    )
    calls, rejected = _classified(
        calls,
        classes=classes,
        needs_number=answered_out,
        columns=("destination_class", "rate_micro"),
    )
    calls = _with_period(calls, business=business)

    # Whether the call's platform includes its callee (R-DEST-1, -3): the platforms' columns
    # of `classes` end to end, each call picking its platform's block and its callee's row.
    included_by_platform = pl.concat(
        [classes.get_column(f"included_{code}") for code in SIP_PLATFORMS]
    )
    class_idx = calls.get_column("class_idx")
    slot = calls.get_column("platform_idx").cast(pl.UInt32) * classes.height + class_idx
    calls = calls.with_columns(included=included_by_platform.gather(slot).fill_null(False))
    emergency = pl.col("destination_class") == DestinationClass.EMERGENCY.value
    d = pl.col("duration_s")
    calls = calls.with_columns(
        counted=(answered_out & ~emergency).fill_null(False),
    ).with_columns(
        # R-SIP-1: forwarded calls and destinations not included count toward nothing.
        eligible=pl.col("counted") & pl.col("included") & ~pl.col("forwarded"),
    )
    calls = calls.with_columns(
        # Only a counted call has a rate (not an incoming, unanswered or emergency one).
        unit_rate_micro=pl.when(pl.col("counted")).then(pl.col("rate_micro")).otherwise(0),
    )
    order = _start_order(calls)
    inputs = calls.select(
        "counted",
        "eligible",
        pl.col("number_key").fill_null(0),
        d,
        pl.col("unit_rate_micro").fill_null(0),
        pl.col("on_business_day").fill_null(False),
    )
    # The limits of each line, by its number (`line_idx` is the row of `lines`).
    limits = lines.select(
        pl.col("limit_numbers").fill_null(0),
        pl.col("limit_s").fill_null(0),
        pl.col("cap_s").fill_null(-1),
    )
    counters = count_trunk_calls(
        TrunkCalls(
            order=order.get_column("_idx").to_numpy(),
            group=order.get_column("g").to_numpy(),
            line=order.get_column("line_idx").to_numpy(),
            counted=inputs.get_column("counted").to_numpy(),
            eligible=inputs.get_column("eligible").to_numpy(),
            number_key=inputs.get_column("number_key").to_numpy(),
            duration_s=inputs.get_column("duration_s").to_numpy(),
            unit_rate_micro=inputs.get_column("unit_rate_micro").to_numpy(),
            on_business_day=inputs.get_column("on_business_day").to_numpy(),
            limit_numbers=limits.get_column("limit_numbers").to_numpy(),
            limit_s=limits.get_column("limit_s").to_numpy(),
            cap_s=limits.get_column("cap_s").to_numpy(),
            short_call_max_s=terms.rating.call_centre.short_call_max_seconds,
        )
    )
    del inputs, order
    calls = calls.with_columns(
        new_number=pl.Series(counters.new_number),
        over_numbers=pl.Series(counters.over_numbers),
        over_2h_s=pl.Series(counters.over_2h_s),
        included_s=pl.Series(counters.included_s),
        over_time_s=pl.Series(counters.over_time_s),
        billable_s=pl.Series(counters.billable_s),
        billable_units=pl.Series(counters.billable_units),
        amount_beyond_micro=pl.Series(counters.amount_beyond_micro),
        amount_if_retroactive_micro=pl.Series(counters.amount_if_retroactive_micro),
    )
    sums = _trunk_sums(calls, counters.sums, lines=lines)
    # A category per distinct callee, not per call (the output's type).
    region = classes.get_column("region").cast(pl.Categorical)
    calls = calls.with_columns(region=region.gather(class_idx))
    return _trunk_rows(calls), sums, rejected


def _trunk_rows(calls: pl.DataFrame) -> pl.DataFrame:
    """Rated rows (`RATED_COLUMNS`, money in micro-euros) of counted trunk calls."""
    answered_out = (pl.col("direction") == "out") & (pl.col("duration_s") > 0)
    emergency = pl.col("destination_class") == DestinationClass.EMERGENCY.value
    d = pl.col("duration_s")
    return calls.select(
        "record_id",
        "line",
        "platform",
        "period",
        kind=pl.lit("voice", dtype=KINDS),
        start="start",
        direction="direction",
        # R-DEST-2: an emergency number is never shown (every call's callee is classified).
        callee=pl.when(emergency).then(pl.lit(None, dtype=pl.String)).otherwise("callee"),
        destination_class=pl.when(answered_out).then(pl.col("destination_class")),
        region=pl.when(answered_out).then(pl.col("region")),
        zone=pl.lit(None, dtype=pl.Categorical),
        duration_s="duration_s",
        included_s="included_s",
        billable_s="billable_s",
        bytes=pl.lit(None, dtype=pl.Int64),
        included_bytes=pl.lit(None, dtype=pl.Int64),
        billable_bytes=pl.lit(None, dtype=pl.Int64),
        billable_units="billable_units",
        unit=pl.lit("minute", dtype=UNITS),
        unit_rate_micro="unit_rate_micro",
        amount_beyond_micro="amount_beyond_micro",
        amount_if_retroactive_micro="amount_if_retroactive_micro",
        reason=_reasons(
            (pl.col("direction") != "out", "incoming"),
            (pl.col("direction").eq("out") & (d <= 0), "no_call"),
            (answered_out & emergency, "emergency"),
            (pl.col("counted") & pl.col("forwarded"), "forwarded"),
            (pl.col("counted") & ~pl.col("forwarded") & ~pl.col("included"), "not_included"),
            (pl.col("over_2h_s") > 0, "over_2h"),
            (pl.col("over_numbers"), "over_numbers"),
            (pl.col("over_time_s") > 0, "over_time"),
        ),
        action=pl.lit(None, dtype=pl.Categorical),
        source="source",
        source_line="source_line",
    )


def _trunk_sums(
    calls: pl.DataFrame, sums: npt.NDArray[np.int64], *, lines: pl.DataFrame
) -> pl.DataFrame:
    """The line-month sums of trunk calls, as `_line_month_sums` makes them for mobile lines,
    from the compiled pass's totals (no group-by over the calls) and each line's limits."""
    totals = pl.DataFrame(sums, schema=list(SUM_COLUMNS), orient="row")
    firsts = calls.select("line_idx", "line", "period", "platform").gather(
        totals.get_column("first_row")
    )
    limits = lines.select("line_idx", "channels", "limit_s", "limit_numbers")
    firsts = _with_joined(firsts, limits, on="line_idx").drop("line_idx")
    flags = ("over_numbers", "over_time", "over_2h")
    return pl.concat(
        [
            firsts.with_columns(
                pl.col("period").cast(pl.String), pl.col("platform").cast(pl.String)
            ),
            totals.drop("first_row").with_columns([pl.col(f).cast(pl.Boolean) for f in flags]),
        ],
        how="horizontal",
    ).with_columns(
        # What only mobile lines have, typed as `_line_month_sums` types it.
        **{flag: pl.lit(False) for flag in ("over_sms", "data_block", "data_fair_use", "throttle")},
        **{
            count: pl.lit(0, dtype=pl.Int64)
            for count in (
                *("sms", "data_bytes", "billable_sms", "billable_mb"),
                *("amount_sms_micro", "amount_data_micro"),
            )
        },
        billable_minutes=pl.col("billable_units"),
        amount_voice_micro=pl.col("amount_beyond_micro"),
    )


def _reasons(*cases: tuple[pl.Expr, str]) -> pl.Expr:
    """A comma-separated list of the reasons that hold ('' when the call is fully included).

    Built as a bit mask, then mapped through the (few) masks' texts: cheaper than joining
    strings on every row.
    """
    mask: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for bit, (condition, _text) in enumerate(cases):
        mask = mask + pl.when(condition).then(pl.lit(1 << bit, dtype=pl.Int64)).otherwise(0)
    texts = {
        value: ",".join(text for bit, (_c, text) in enumerate(cases) if value >> bit & 1)
        for value in range(1 << len(cases))
    }
    return mask.replace_strict(texts, return_dtype=pl.Categorical)


def _zones(terms: Terms) -> pl.DataFrame:
    mobile = terms.mobile
    home = terms.rating.home_country
    rows = [
        (mcc, country, HOME_ZONE if country == home else mobile.zone_of(country=country))
        for mcc, country in MCC_COUNTRY.items()
    ]
    return pl.DataFrame(
        rows, schema={"mcc": pl.Int64, "country": pl.String, "zone": pl.String}, orient="row"
    )


def _rate_mobile(
    records: pl.DataFrame, *, classes: pl.DataFrame, terms: Terms, business: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """R-MOB-1..4 on mobile records (voice, SMS, data)."""
    mobile = terms.mobile
    rates = terms.rates
    kind = pl.col("kind")
    records = records.with_columns(forwarded=pl.col("forwarded").fill_null(False))
    bad_kind = ~kind.is_in(["voice", "sms", "data"]) | kind.is_null()
    rejected_kind = _rejects(
        records.filter(bad_kind), pl.lit("type d'usage inconnu : ") + kind.fill_null("(vide)")
    )
    records = records.filter(~bad_kind).join(_zones(terms), on="mcc", how="left")
    rejected_mcc = _rejects(
        records.filter(pl.col("zone").is_null()),
        pl.lit("MCC inconnu : ") + pl.col("mcc").cast(pl.String).fill_null("(vide)"),
    )
    records = records.filter(pl.col("zone").is_not_null())
    records, rejected_callee = _classified(
        records,
        classes=classes,
        needs_number=kind.is_in(["voice", "sms"]),
        columns=("destination_class", "region", "rate_micro"),
    )
    # Kind and zone as categories: the rules below compare them a few dozen times.
    records = records.with_columns(
        kind=pl.col("kind").cast(KINDS), zone=pl.col("zone").cast(pl.Categorical)
    ).drop("class_idx", "mcc", "country")
    records = _with_period(records, business=business)
    for zone_code, zone_terms in mobile.zones.items():
        if zone_code not in rates.mobile_data_per_mb:
            raise UnableToRateUsage(
                f"pas de tarif data pour la zone {zone_code} ({zone_terms.label})"
            )

    voice_zones = [HOME_ZONE, *(code for code, z in mobile.zones.items() if z.voice_included)]
    voice_countries = [c for z in mobile.zones.values() if z.voice_included for c in z.countries]
    voice_countries.append(terms.rating.home_country)
    zone = pl.col("zone")
    cls = pl.col("destination_class")
    emergency = cls == DestinationClass.EMERGENCY.value
    national = cls.is_in([c.value for c in NATIONAL_CLASSES])
    d = pl.col("duration_s").fill_null(0)
    b = pl.col("bytes").fill_null(0)

    # Voice (R-MOB-1): national calls from home, and calls while roaming in a zone whose voice
    # is included to national numbers or numbers of such a zone, up to 40 h, split.
    is_voice = (kind == "voice") & (d > 0)
    voice_eligible = (
        is_voice
        & ~emergency
        & ~pl.col("forwarded")
        & (
            ((zone == HOME_ZONE) & national)
            | (zone.is_in(voice_zones[1:]) & (national | pl.col("region").is_in(voice_countries)))
        )
    )
    # SMS (R-MOB-2): 1,000 a month to at most 50 distinct numbers, from home or zone 1.
    is_sms = (kind == "sms") & ~emergency
    sms_eligible = is_sms & zone.is_in(voice_zones)
    # Data (R-MOB-3): per zone per month; home up to the fair-use volume, then throttled.
    is_data = kind == "data"
    zones = [HOME_ZONE, *mobile.zones]
    caps = [mobile.home_data_fair_use_mb, *(z.data_cap_mb for z in mobile.zones.values())]
    home_cap_bytes = mobile.home_data_fair_use_mb * BYTES_PER_MB
    # The running counters: one compiled pass over each line-month in start order.
    inputs = records.select(
        zone=zone.cast(pl.String).replace_strict(zones, list(range(len(zones)))),
        timed=pl.when(voice_eligible).then(d).otherwise(0),
        sms_eligible=sms_eligible.fill_null(False),
        number_key=pl.col("number_key").fill_null(0),
        data_b=pl.when(is_data).then(b).otherwise(0),
    )
    order = _start_order(records)
    voice_limit = mobile.voice_included_hours * 3600
    counters = count_mobile_records(
        MobileRecords(
            order=order.get_column("_idx").to_numpy(),
            group=order.get_column("g").to_numpy(),
            zone=inputs.get_column("zone").to_numpy(),
            timed_s=inputs.get_column("timed").to_numpy(),
            sms_eligible=inputs.get_column("sms_eligible").to_numpy(),
            number_key=inputs.get_column("number_key").to_numpy(),
            data_bytes=inputs.get_column("data_b").to_numpy(),
            cap_bytes=np.array(caps, dtype=np.int64) * BYTES_PER_MB,
            home_zone=0,
            voice_limit_s=voice_limit,
            sms_max_numbers=mobile.sms_max_distinct_numbers,
            sms_included=mobile.sms_included,
        )
    )
    records = records.with_columns(
        inputs.get_column("timed"),
        included_s=pl.Series(counters.included_s),
        new_number=pl.Series(counters.new_number),
        over_sms_numbers=pl.Series(counters.over_sms_numbers),
        over_sms=pl.Series(counters.over_sms),
        data_used=pl.Series(counters.data_used),
        reached=pl.Series(counters.reached),
        included_bytes=pl.Series(counters.included_bytes),
        billable_bytes=pl.Series(counters.billable_bytes),
        data_units=pl.Series(counters.data_units),
    ).with_columns(
        counted=is_voice & ~emergency,
        included_bytes=pl.when(is_data).then(pl.col("included_bytes")),
        billable_bytes=pl.when(is_data).then(pl.col("billable_bytes")),
    )
    records = records.with_columns(
        billable_s=pl.when(pl.col("counted")).then(d - pl.col("included_s")).otherwise(0),
        over_time=pl.col("timed") > pl.col("included_s"),
    )
    zone_voice = pl.col("zone").replace_strict(
        {z: decimal_to_micro_eur(r) for z, r in rates.mobile_voice_per_minute.items()},
        default=None,
        return_dtype=pl.Int64,
    )
    zone_sms = pl.col("zone").replace_strict(
        {z: decimal_to_micro_eur(r) for z, r in rates.mobile_sms.items()},
        default=None,
        return_dtype=pl.Int64,
    )
    blocking = [code for code, z in mobile.zones.items() if z.beyond_cap == "block"]
    zone_data = pl.col("zone").replace_strict(
        {z: decimal_to_micro_eur(r) for z, r in rates.mobile_data_per_mb.items()},
        default=0,
        return_dtype=pl.Int64,
    )
    sms_rate = decimal_to_micro_eur(rates.sms_national)
    sms_billable = is_sms & (~sms_eligible | pl.col("over_sms_numbers") | pl.col("over_sms"))
    records = records.with_columns(
        billable_units=pl.when(is_voice)
        .then(_ceil_div(pl.col("billable_s"), 60))
        .when(kind == "sms")
        .then(sms_billable.cast(pl.Int64))
        .otherwise(pl.col("data_units")),
        unit=pl.when(kind == "voice")
        .then(pl.lit("minute"))
        .when(kind == "sms")
        .then(pl.lit("sms"))
        .otherwise(pl.lit("mb")),
        unit_rate_micro=pl.when(emergency & ~is_data)
        .then(0)
        .when(kind == "voice")
        .then(pl.coalesce(zone_voice, pl.col("rate_micro"), pl.lit(0)))
        .when(kind == "sms")
        .then(pl.coalesce(zone_sms, pl.lit(sms_rate)))
        .otherwise(zone_data),
        action=pl.when(pl.col("reached") & (zone == HOME_ZONE))
        .then(pl.lit("throttle"))
        .when(pl.col("reached") & zone.is_in(blocking))
        .then(pl.lit("block_data,sms_notice")),
        reason=_reasons(
            (is_voice.not_() & (kind == "voice"), "no_call"),
            (emergency & ~is_data, "emergency"),
            (pl.col("counted") & pl.col("forwarded"), "forwarded"),
            (
                pl.col("counted") & ~pl.col("forwarded") & zone.is_in(voice_zones).not_(),
                "roaming_zone",
            ),
            (
                pl.col("counted")
                & ~voice_eligible
                & ~pl.col("forwarded")
                & zone.is_in(voice_zones),
                "not_included",
            ),
            (pl.col("over_time"), "over_time"),
            (is_sms & ~sms_eligible, "roaming_zone"),
            (pl.col("over_sms_numbers"), "over_sms_numbers"),
            (pl.col("over_sms"), "over_sms"),
            (is_data & (pl.col("billable_bytes") > 0) & zone.is_in(blocking), "over_data_cap"),
            (is_data & (pl.col("billable_bytes") > 0) & ~zone.is_in(blocking), "fair_use"),
            (
                is_data & (zone == HOME_ZONE) & (pl.col("data_used") > home_cap_bytes),
                "throttled",
            ),
        ),
    ).with_columns(
        amount_beyond_micro=pl.col("billable_units") * pl.col("unit_rate_micro"),
    )
    actions = (
        records.filter(pl.col("action").is_not_null())
        # In the order of the records' line-months, then time (the order of SPEC §5.2).
        .sort("line_idx", "period_key", "start", "record_id")
        .with_columns(action=pl.col("action").str.split(","))
        .explode("action")
        .select(list(ACTIONS_SCHEMA))
        .cast(ACTIONS_SCHEMA)  # type: ignore[arg-type]
    )
    rated = records.select(
        "record_id",
        "line",
        "platform",
        "period",
        kind=pl.col("kind").cast(KINDS),
        start="start",
        direction=pl.lit("out", dtype=pl.Categorical),
        callee=pl.when(emergency).then(pl.lit(None, dtype=pl.String)).otherwise("callee"),
        destination_class="destination_class",
        region="region",
        zone="zone",
        duration_s=pl.when(kind == "voice").then(d),
        included_s=pl.when(kind == "voice").then(pl.col("included_s")),
        billable_s=pl.when(kind == "voice").then(pl.col("billable_s")),
        bytes=pl.when(is_data).then(b),
        included_bytes="included_bytes",
        billable_bytes="billable_bytes",
        billable_units="billable_units",
        unit=pl.col("unit").cast(UNITS),
        unit_rate_micro="unit_rate_micro",
        amount_beyond_micro="amount_beyond_micro",
        amount_if_retroactive_micro="amount_beyond_micro",
        reason="reason",
        action=pl.col("action").cast(pl.Categorical),
        source="source",
        source_line="source_line",
        channels="channels",
        limit_s=pl.lit(voice_limit, dtype=pl.Int64),
        limit_numbers=pl.lit(mobile.sms_max_distinct_numbers, dtype=pl.Int64),
        counted="counted",
        new_number="new_number",
        breach_over_numbers="over_sms_numbers",
        breach_over_time="over_time",
        breach_over_2h=pl.lit(False),
        sms_counted=is_sms,
        breach_over_sms="over_sms",
        breach_data_block=pl.col("reached") & zone.is_in(blocking),
        breach_data_fair_use=is_data & (pl.col("billable_bytes") > 0) & ~zone.is_in(blocking),
        breach_throttle=pl.col("reached") & (zone == HOME_ZONE),
        on_business_day="on_business_day",
        line_idx="line_idx",
        period_key="period_key",
    )
    rejected = pl.concat([rejected_kind, rejected_mcc, rejected_callee])
    return rated, actions, rejected


def _line_month_sums(rated: pl.DataFrame, *, terms: Terms) -> pl.DataFrame:
    """The sums of `_summary` per line and month, from rated rows (mobile lines; the trunk
    lines' come from their compiled pass, `_trunk_sums`)."""
    cc = terms.rating.call_centre
    counted = pl.col("counted")
    kind = pl.col("kind")

    def only(kind_name: str, column: str) -> pl.Expr:
        return pl.when(kind == kind_name).then(pl.col(column)).otherwise(0)

    # Plain sums of precomputed columns, grouped by integers: the cheap way to aggregate.
    prepared = rated.select(
        "line_idx",
        "period_key",
        "line",
        "period",
        "platform",
        "channels",
        "limit_s",
        "limit_numbers",
        outgoing_calls=counted.cast(pl.Int64),
        outgoing_s=pl.when(counted).then(pl.col("duration_s")).otherwise(0),
        new_number=pl.col("new_number").fill_null(False).cast(pl.Int64),
        over_numbers=pl.col("breach_over_numbers").fill_null(False),
        over_time=pl.col("breach_over_time").fill_null(False),
        over_2h=pl.col("breach_over_2h").fill_null(False),
        over_sms=pl.col("breach_over_sms").fill_null(False),
        data_block=pl.col("breach_data_block").fill_null(False),
        data_fair_use=pl.col("breach_data_fair_use").fill_null(False),
        throttle=pl.col("breach_throttle").fill_null(False),
        sms=pl.col("sms_counted").fill_null(False).cast(pl.Int64),
        data_bytes=pl.col("bytes").fill_null(0),
        billable_s=pl.col("billable_s").fill_null(0),
        billable_minutes=only("voice", "billable_units"),
        billable_sms=only("sms", "billable_units"),
        billable_mb=only("data", "billable_units"),
        billable_units="billable_units",
        amount_voice_micro=only("voice", "amount_beyond_micro"),
        amount_sms_micro=only("sms", "amount_beyond_micro"),
        amount_data_micro=only("data", "amount_beyond_micro"),
        amount_beyond_micro="amount_beyond_micro",
        amount_if_retroactive_micro="amount_if_retroactive_micro",
        calls_on_business_days=(counted & pl.col("on_business_day")).cast(pl.Int64),
        short_calls=(counted & (pl.col("duration_s") <= cc.short_call_max_seconds)).cast(pl.Int64),
    )
    firsts = ["line", "period", "platform", "channels", "limit_s", "limit_numbers"]
    flags = ["over_numbers", "over_time", "over_2h", "over_sms", "data_block"]
    flags += ["data_fair_use", "throttle"]
    summed = [c for c in prepared.columns[len(firsts) + 2 :] if c not in flags]
    sums = (
        # One integer key per line-month: hashing one column is cheaper than two.
        prepared.group_by(pl.col("line_idx").cast(pl.Int64) * 1_000_000 + pl.col("period_key"))
        .agg(
            *[pl.col(c).first() for c in firsts],
            *[pl.col(c).any() for c in flags],
            *[pl.col(c).sum() for c in summed],
        )
        .rename({"new_number": "distinct_numbers"})
        .with_columns(pl.col("period").cast(pl.String), pl.col("platform").cast(pl.String))
    )
    return sums.drop(sums.columns[0])


def _summary(sums: pl.DataFrame, *, terms: Terms, overage: Overage) -> pl.DataFrame:
    """One row per line and month (SPEC §12), money in integer micro-euros."""
    cc = terms.rating.call_centre
    days = pl.DataFrame(
        [
            (period, len(business_dates(month=Month.parse(period), terms=terms)))
            for period in sums.get_column("period").unique().to_list()
        ],
        schema={"period": pl.String, "business_days": pl.Int64},
        orient="row",
    )
    forbidding = [code for code, p in terms.platforms.items() if p.call_centre_forbidden]
    calls = pl.col("outgoing_calls")
    # R-SIP-7: average calls per channel per business day, or a high share of short calls.
    too_many = pl.col("calls_on_business_days") > (
        pl.col("business_days") * pl.col("channels") * cc.max_calls_per_channel_per_business_day
    )
    short_share = (calls >= cc.min_calls_for_short_share) & (
        pl.col("short_calls") * 1_000_000 > calls * int(cc.max_short_call_share * 1_000_000)
    )
    chosen = "amount_if_retroactive_micro" if overage == "retroactive" else "amount_beyond_micro"
    summary = (
        sums.join(days, on="period", how="left")
        .with_columns(
            call_centre_flag=pl.col("platform").is_in(forbidding) & (too_many | short_share),
            breaches=_reasons(
                (pl.col("over_numbers") & (pl.col("platform") != MOBILE), "over_numbers"),
                (pl.col("over_numbers") & (pl.col("platform") == MOBILE), "over_sms_numbers"),
                (pl.col("over_time"), "over_time"),
                (pl.col("over_2h"), "over_2h"),
                (pl.col("over_sms"), "over_sms"),
                (pl.col("data_block"), "data_blocked"),
                (pl.col("data_fair_use"), "data_fair_use"),
                (pl.col("throttle"), "throttled"),
            ),
            amount_micro=pl.col(chosen),
            overage=pl.lit(overage),
        )
        .with_columns(breaches=pl.col("breaches").cast(pl.String))
    )
    return summary.select(
        "line",
        "platform",
        "period",
        "channels",
        "outgoing_calls",
        "outgoing_s",
        "distinct_numbers",
        "limit_s",
        "limit_numbers",
        "breaches",
        "billable_units",
        "amount_micro",
        "amount_if_retroactive_micro",
        "call_centre_flag",
        "amount_beyond_micro",
        "overage",
        "billable_s",
        "billable_minutes",
        "billable_sms",
        "billable_mb",
        "amount_voice_micro",
        "amount_sms_micro",
        "amount_data_micro",
        "sms",
        "data_bytes",
        "calls_on_business_days",
        "business_days",
        "short_calls",
    ).sort("line", "period")


def _business_dates_of(*frames: pl.DataFrame, terms: Terms) -> pl.Series:
    """The business days of every month the records touch (Paris time)."""
    starts = [frame.get_column("start") for frame in frames if frame.height]
    dates: list[date] = []
    if starts:
        instants: list[datetime] = [
            value for s in starts for value in (s.min(), s.max()) if isinstance(value, datetime)
        ]
        first = min(instants).astimezone(PARIS_ZONE).date()
        last = max(instants).astimezone(PARIS_ZONE).date()
        month = Month.of(first)
        while month.first_day <= last:
            dates.extend(business_dates(month=month, terms=terms))
            month = month.next()
    return pl.Series("business_dates", dates, dtype=pl.Date)
