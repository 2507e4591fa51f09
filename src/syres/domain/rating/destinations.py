"""Destination classification of called numbers (SPEC R-DEST-1..4), vectorised with Polars.

Calling `phonenumbers` per number costs about 44 µs; a month can hold a million distinct
numbers. So the numbering plans are turned once per process into a table (`number_plans`):
country calling code → regions, and for each region its leading digits and the national-number
patterns of each type, taken from phonenumbers' own metadata. Classification then runs on the
*distinct* callee strings only, as Polars expressions: a prefix look-up of the calling code,
then, for the few codes present, the region's patterns evaluated by Polars' regex engine. The
result agrees with `phonenumbers.region_code_for_number` / `number_type` (tested on real numbers
of every included country). Numbers in the plain national form, most of them, are classified
by a table of their first digits (`national_prefix_table`), made once from the same patterns.

The French plan is applied by prefix (CGV annexes): 01–05 and 09 fixed, 06–07 mobile, 08
special (0800–0805 free), 3BPQ short numbers, 118XYZ directory enquiries, emergency numbers
(terms file). A national number of an overseas department (0590…, 0692…) is parsed with its
own region (GP, RE…) and is national (R-DEST-1).

Decision (FIXED_LINE_OR_MOBILE): where a country's plan cannot tell fixed from mobile (all of
NANP, a few others), the number counts as *fixed*: the CGV includes fixed numbers and SPEC
R-DEST-3 already reads every US/CA number as included; billing a customer for a number that may
well be fixed would be unfair. Such a number, when not included, is billed at the country's
fixed rate.
"""

from __future__ import annotations

# The standard library's own regular-expression parser (no stubs: typed `Any` here).
import re._constants as re_constants  # type: ignore[import-not-found]
import re._parser as re_parser  # type: ignore[import-not-found]
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import phonenumbers
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
from phonenumbers import PhoneMetadata

from syres.domain.money import decimal_to_micro_eur
from syres.domain.rating.counters import national_class_rows
from syres.domain.terms import Rating, Terms

# SPEC R-DEST-3: NANP numbers cannot be told fixed from mobile; every US/CA number is included.
NANP_INCLUDED_REGIONS = frozenset({"US", "CA"})


class DestinationClass(StrEnum):
    EMERGENCY = "emergency"
    NATIONAL_FIXED = "national_fixed"
    NATIONAL_MOBILE = "national_mobile"
    SPECIAL_FREE = "special_free"
    SPECIAL = "special"
    SHORT_NUMBER = "short_number"
    DIRECTORY = "directory"
    INTERNATIONAL_FIXED = "international_fixed"
    INTERNATIONAL_MOBILE = "international_mobile"
    INTERNATIONAL_OTHER = "international_other"
    INVALID = "invalid"


NATIONAL_CLASSES = (DestinationClass.NATIONAL_FIXED, DestinationClass.NATIONAL_MOBILE)
DESTINATION_CLASSES = pl.Enum([member.value for member in DestinationClass])

# The types of phonenumbers' `_number_type_helper`, checked in its order before fixed/mobile.
_OTHER_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


@dataclass(frozen=True)
class _Desc:
    pattern: str
    lengths: tuple[int, ...]


@dataclass(frozen=True)
class RegionPlan:
    """The numbering plan of one region, as phonenumbers' metadata gives it."""

    region: str
    country_code: int
    leading_digits: str | None
    general: _Desc | None
    others: tuple[_Desc, ...]
    fixed: _Desc | None
    mobile: _Desc | None
    same_fixed_and_mobile: bool


@dataclass(frozen=True)
class NumberPlans:
    """Calling code → regions (phonenumbers' order), and each region's plan."""

    regions_of_code: dict[int, tuple[str, ...]]
    plans: dict[str, RegionPlan]


def _desc(desc: object) -> _Desc | None:
    pattern = getattr(desc, "national_number_pattern", None)
    if desc is None or pattern is None:
        return None
    return _Desc(pattern=str(pattern), lengths=tuple(getattr(desc, "possible_length", ()) or ()))


@cache
def number_plans() -> NumberPlans:
    """The table derived from phonenumbers' metadata, built once per process."""
    regions_of_code: dict[int, tuple[str, ...]] = {}
    plans: dict[str, RegionPlan] = {}
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        usable = tuple(region for region in regions if region != "001")
        if not usable:
            continue
        regions_of_code[code] = usable
        for region in usable:
            metadata = PhoneMetadata.metadata_for_region(region)
            if metadata is None:
                continue
            others = tuple(
                desc
                for desc in (_desc(getattr(metadata, name, None)) for name in _OTHER_TYPES)
                if desc is not None
            )
            plans[region] = RegionPlan(
                region=region,
                country_code=code,
                leading_digits=metadata.leading_digits,
                general=_desc(metadata.general_desc),
                others=others,
                fixed=_desc(metadata.fixed_line),
                mobile=_desc(metadata.mobile),
                same_fixed_and_mobile=bool(metadata.same_mobile_and_fixed_line_pattern),
            )
    return NumberPlans(regions_of_code=regions_of_code, plans=plans)


def _matches(nsn: pl.Expr, desc: _Desc | None) -> pl.Expr:
    # phonenumbers' `_is_number_matching_desc`: a possible length, then the whole pattern.
    if desc is None:
        return pl.lit(False)
    matched = nsn.str.contains(f"^(?:{desc.pattern})$")
    if desc.lengths:
        matched = matched & nsn.str.len_chars().is_in(list(desc.lengths))
    return matched


def _type_of(nsn: pl.Expr, plan: RegionPlan) -> pl.Expr:
    """phonenumbers' `_number_type_helper`, reduced to fixed / mobile / other / unknown."""
    fixed = _matches(nsn, plan.fixed)
    mobile = _matches(nsn, plan.mobile)
    other = pl.lit(False)
    for desc in plan.others:
        other = other | _matches(nsn, desc)
    return (
        pl.when(~_matches(nsn, plan.general))
        .then(pl.lit("unknown"))
        .when(other)
        .then(pl.lit("other"))
        .when(fixed)
        .then(pl.lit("fixed"))  # FIXED_LINE and FIXED_LINE_OR_MOBILE: see the module docstring
        .when(pl.lit(not plan.same_fixed_and_mobile) & mobile)
        .then(pl.lit("mobile"))
        .otherwise(pl.lit("unknown"))
    )


def _region_and_type(frame: pl.DataFrame, *, code: int, plans: NumberPlans) -> pl.DataFrame:
    """Region and type of the national numbers `nsn` of one calling code (phonenumbers'
    `_region_code_for_number_from_list`, then `number_type` in that region)."""
    regions = [r for r in plans.regions_of_code[code] if r in plans.plans]
    nsn = pl.col("nsn")
    if len(regions) == 1:
        plan = plans.plans[regions[0]]
        return frame.with_columns(region=pl.lit(plan.region), number_type=_type_of(nsn, plan))
    region_expr: pl.Expr = pl.lit(None, dtype=pl.String)
    type_expr: pl.Expr = pl.lit("unknown")
    for region in reversed(regions):
        plan = plans.plans[region]
        number_type = _type_of(nsn, plan)
        chosen = (
            nsn.str.contains(f"^(?:{plan.leading_digits})")
            if plan.leading_digits
            else number_type != "unknown"
        )
        region_expr = pl.when(chosen).then(pl.lit(region)).otherwise(region_expr)
        type_expr = pl.when(chosen).then(number_type).otherwise(type_expr)
    # No region claims the number: phonenumbers reports the code's main region, type unknown.
    return frame.with_columns(
        region=region_expr.fill_null(pl.lit(regions[0])), number_type=type_expr
    )


# A national key is the nine digits of the national number: the E.164 number is the calling
# code followed by them.
NATIONAL_KEY_SPAN = 10**9


def national_number_key(callee: pl.Expr) -> pl.Expr:
    """The nine digits of a callee written exactly `0XXXXXXXXX` (French national form, first X
    not 0), as an integer; null for any other text. One integer per such text and back
    (`"0" + str(key)`), so that records can be keyed by an integer rather than hashed as text."""
    # The whole text read as an integer is the nine digits (the leading 0 adds nothing); a text
    # with anything but digits (`0+12345678`, `0 12345678`) is not an integer.
    digits = callee.cast(pl.Int64, strict=False)
    plain = (callee.str.len_bytes() == 10) & callee.str.starts_with("0")
    return pl.when(plain & is_national_key(digits)).then(digits)


def is_national_key(key: pl.Expr) -> pl.Expr:
    """Whether an integer is a national key: nine digits, the first not 0."""
    return key.is_between(NATIONAL_KEY_SPAN // 10, NATIONAL_KEY_SPAN - 1)


# Digits are ASCII `[0-9]` in every pattern here: Polars' `\d` takes any Unicode digit (`٢`),
# which no numbering plan has and an integer cast refuses.
def _clean(callee: pl.Expr) -> pl.Expr:
    return callee.str.replace_all(r"[\s.\-()/]", "")


def classify_callees(callees: pl.Series, *, terms: Terms) -> pl.DataFrame:
    """Classify distinct callee strings (R-DEST-1..4).

    Returns one row per distinct callee: `callee`, `number` (E.164 digits as Int64; null for
    short numbers), `destination_class` (`invalid` for what is no number), `region` (ISO 3166)
    and `rate_micro` (per minute, integer micro-euros, R-DEST-2/R-DEST-4).
    Accepted forms: `+CC…`, `00CC…`, French national `0XXXXXXXXX`, short numbers, and E.164
    digits without `+` (eight digits or more, not starting with 0).
    """
    plans = number_plans()
    home_code = phonenumbers.country_code_for_region(terms.rating.home_country)
    texts = pl.DataFrame({"callee": callees.cast(pl.String)}).with_columns(
        _key=national_number_key(pl.col("callee"))
    )
    # Most callees are in the plain national form: they are classified by their key (no
    # cleaning, no calling-code search: they give exactly what those would give), and their
    # text is the key's.
    keys = texts.get_column("_key").drop_nulls().unique()
    national = (
        classify_national_keys(keys, terms=terms)
        .with_columns(callee=pl.lit("0") + pl.col("national_key").cast(pl.String))
        .select("callee", pl.exclude("callee", "national_key"))
        if keys.len()
        else None
    )
    base = (
        texts.filter(pl.col("_key").is_null())
        .select("callee")
        .unique()
        .with_columns(clean=_clean(pl.col("callee")).fill_null(""))
        .with_columns(
            digits=pl.when(pl.col("clean").str.contains(r"^\+[0-9]{6,15}$"))
            .then(pl.col("clean").str.slice(1))
            .when(pl.col("clean").str.contains(r"^00[0-9]{6,15}$"))
            .then(pl.col("clean").str.slice(2))
            .when(pl.col("clean").str.contains(r"^0[1-9][0-9]{8}$"))
            .then(pl.lit(str(home_code)) + pl.col("clean").str.slice(1))
            .when(pl.col("clean").str.contains(r"^[1-9][0-9]{7,14}$"))
            .then(pl.col("clean")),
            short=pl.when(pl.col("clean").str.contains(r"^[1-9][0-9]{1,5}$")).then(pl.col("clean")),
        )
    )
    short = _classify_short(base.filter(pl.col("short").is_not_null()), terms=terms)
    full = _classify_full(
        base.filter(pl.col("short").is_null() & pl.col("digits").is_not_null()),
        terms=terms,
        plans=plans,
        home_code=home_code,
    )
    invalid = base.filter(pl.col("short").is_null() & pl.col("digits").is_null()).select(
        "callee",
        number=pl.lit(None, dtype=pl.Int64),
        destination_class=pl.lit(DestinationClass.INVALID.value),
        region=pl.lit(None, dtype=pl.String),
    )
    others = pl.concat([short, full, invalid], how="vertical_relaxed").with_columns(
        pl.col("destination_class").cast(DESTINATION_CLASSES)
    )
    rated = _with_rates(others, terms=terms)
    return rated if national is None else pl.concat([national, rated], how="diagonal_relaxed")


def classify_national_keys(keys: pl.Series, *, terms: Terms) -> pl.DataFrame:
    """Classify distinct callees in the plain national form `0XXXXXXXXX`, given by their
    `national_number_key` (R-DEST-1, -2): the rows `classify_callees` gives for their texts,
    with `national_key` in place of `callee` (no text is built), read from the prefix table
    (`national_prefix_table`)."""
    table = national_prefix_table(terms)
    keys = keys.cast(pl.Int64)
    rows = table.classes.select("destination_class", "region", "code").gather(table.rows_of(keys))
    classified = pl.DataFrame({"national_key": keys}).hstack(rows)
    classified = classified.select(
        "national_key",
        number=pl.col("code") * NATIONAL_KEY_SPAN + pl.col("national_key"),
        destination_class="destination_class",
        region="region",
    )
    return _with_rates(classified, terms=terms)


_NATIONAL_DIGITS = 9


@dataclass(frozen=True)
class NationalPrefixTable:
    """The class of every national number, by its first `digits` digits (R-DEST-1, -2).

    The French plan decides by the first three digits at most (01–05 and 09 fixed, 06–07
    mobile, 08XY special or free), the overseas departments' ranges (phonenumbers' patterns) by
    their first five today: past those, every pattern takes any digit (`_deciding_digits`
    reads the patterns to know it). So the numbers of a prefix share a class, and the table
    holds one row per prefix: a national number is classified by one look-up, not by a
    dozen regular expressions."""

    digits: int
    # Per prefix of `digits` digits (the index): its row of `classes` (`invalid_row` for the
    # prefixes of no national key, those starting with 0).
    row_of_prefix: npt.NDArray[np.uint32]
    # destination_class, region, code (the calling code: +33, or +590… overseas; null when
    # the number is invalid).
    classes: pl.DataFrame
    invalid_row: int  # the row of `classes` of what is no national number

    def rated_classes(self, terms: Terms) -> pl.DataFrame:
        """`classes` with their rate per minute (`rate_micro`, R-DEST-2, -4)."""
        return _with_rates(self.classes, terms=terms)

    def rows_of(self, keys: pl.Series) -> pl.Series:
        """The row of `classes` of each national key: null for a null key, `invalid_row` for
        an integer that is no national key (not nine digits); one compiled pass."""
        ints = keys.cast(pl.Int64)
        rows = national_class_rows(
            ints.fill_null(0).to_numpy(),
            row_of_prefix=self.row_of_prefix,
            divisor=10 ** (_NATIONAL_DIGITS - self.digits),
            lowest=NATIONAL_KEY_SPAN // 10,
            highest=NATIONAL_KEY_SPAN - 1,
            invalid_row=self.invalid_row,
        )
        return series_with_validity("class_row", rows, ints.is_not_null().to_numpy())


def series_with_validity(
    name: str, values: npt.NDArray[np.generic], valid: npt.NDArray[np.bool_]
) -> pl.Series:
    """`values` (integers) as a Polars column, null where not `valid`, without a copy."""
    if valid.all():
        return pl.Series(name, values)
    array = pa.Array.from_buffers(
        pa.from_numpy_dtype(values.dtype),
        len(values),
        [pa.py_buffer(np.packbits(valid, bitorder="little")), pa.py_buffer(values)],
    )
    return cast(pl.Series, pl.from_arrow(array)).alias(name)


# A prefix table larger than this (digits) would mean a plan read far past what any does.
_MOST_DECIDING_DIGITS = 7


def national_prefix_table(terms: Terms) -> NationalPrefixTable:
    """The prefix table of the terms' home plan (built once per process for given terms)."""
    return _national_prefix_table(terms.rating)


@cache  # (the terms are frozen: equal terms share a table)
def _national_prefix_table(rating: Rating) -> NationalPrefixTable:
    plans = number_plans()
    patterns = [
        desc.pattern
        for region in rating.overseas_regions
        if region in plans.plans
        for desc in (plans.plans[region].fixed, plans.plans[region].mobile)
        if desc is not None
    ]
    # `08XY` free prefixes: their three digits of the nine.
    french = max([1, *(len(prefix) - 1 for prefix in rating.free_special_prefixes)])
    digits = max([french, *(_deciding_digits(p, _NATIONAL_DIGITS) for p in patterns)])
    if digits > _MOST_DECIDING_DIGITS:
        raise ValueError(
            f"the numbering plans of {', '.join(rating.overseas_regions)} decide a national"
            f" number by its first {digits} digits: too many for a prefix table"
        )
    # One number per prefix (its smallest) stands for all: classified by the patterns.
    first = 10 ** (digits - 1)
    shift = 10 ** (_NATIONAL_DIGITS - digits)
    prefixes = pl.int_range(first, 10 * first, dtype=pl.Int64, eager=True)
    frame = pl.DataFrame({"prefix": prefixes}).with_columns(
        nsn=(pl.col("prefix") * shift).cast(pl.String)
    )
    classified = (
        _classify_home(
            frame,
            rating=rating,
            plans=plans,
            home_code=phonenumbers.country_code_for_region(rating.home_country),
            keep="prefix",
        )
        .with_columns(
            pl.col("destination_class").cast(DESTINATION_CLASSES),
            code=pl.col("number") // NATIONAL_KEY_SPAN,
        )
        .sort("prefix")
    )  # (the overseas candidates come first)
    invalid = pl.DataFrame(
        {"destination_class": [DestinationClass.INVALID.value], "region": [rating.home_country]},
        schema={"destination_class": DESTINATION_CLASSES, "region": pl.String},
    ).with_columns(code=pl.lit(None, dtype=pl.Int64))
    classes = pl.concat([classified.select("destination_class", "region", "code"), invalid]).unique(
        maintain_order=True
    )
    rows = classified.join(
        classes.with_row_index("row"),
        on=["destination_class", "region", "code"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    invalid_row = int(
        classes.with_row_index("row")
        .filter(pl.col("destination_class") == DestinationClass.INVALID.value)
        .get_column("row")[0]
    )
    # Indexed by the prefix itself (the first `first` entries: no number starts with 0).
    row_of_prefix = np.full(10 * first, invalid_row, dtype=np.uint32)
    row_of_prefix[first:] = rows.get_column("row").to_numpy()
    row_of_prefix.flags.writeable = False  # (shared by every run of the process)
    return NationalPrefixTable(
        digits=digits, row_of_prefix=row_of_prefix, classes=classes, invalid_row=invalid_row
    )


def _deciding_digits(pattern: str, length: int) -> int:
    """How many leading characters of a `length`-character text decide whether `pattern`
    matches it whole, when the text is digits: past them, every way the pattern can match
    takes any digit (`\\d`, `[0-9]`). `length` when it cannot tell (a construct it does not
    read): never fewer than decide."""
    parsed = re_parser.parse(pattern)

    def one_character(op: object, value: object) -> bool | None:
        """Whether a one-character element takes any digit (None: not one character)."""
        if op is re_constants.IN:
            return value in _ANY_DIGIT
        if op in (re_constants.LITERAL, re_constants.NOT_LITERAL, re_constants.ANY):
            return False
        return None

    def walk(
        items: Iterable[tuple[object, Any]], ends: frozenset[int]
    ) -> tuple[frozenset[int], int]:
        deciding = 0
        for op, value in items:
            if op is re_constants.AT:  # ^, $: no character
                continue
            takes_any = one_character(op, value)
            if takes_any is not None:
                ends = frozenset(end + 1 for end in ends if end < length)
                if not takes_any and ends:
                    deciding = max(deciding, max(ends))
            elif op is re_constants.SUBPATTERN:
                ends, inner = walk(value[-1], ends)
                deciding = max(deciding, inner)
            elif op is re_constants.BRANCH:
                walked = [walk(branch, ends) for branch in value[1]]
                ends = frozenset().union(*(w[0] for w in walked))
                deciding = max(deciding, *(w[1] for w in walked))
            elif op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT):
                low, high, repeated = value
                high = min(high, length)
                reached: set[int] = set()
                current = ends
                for count in range(high + 1):
                    if count >= low:
                        reached |= current
                    if count < high:
                        current, inner = walk(repeated, current)
                        deciding = max(deciding, inner)
                ends = frozenset(reached)
            else:
                return frozenset(range(length + 1)), length
        return ends, deciding

    return walk(parsed, frozenset({0}))[1]


# The classes of one character that take any (ASCII) digit, as the regex parser gives them.
_ANY_DIGIT = (
    [(re_constants.CATEGORY, re_constants.CATEGORY_DIGIT)],
    [(re_constants.RANGE, (ord("0"), ord("9")))],
)


def _classify_short(frame: pl.DataFrame, *, terms: Terms) -> pl.DataFrame:
    rating = terms.rating
    number = pl.col("short")
    emergency = number.is_in(list(rating.emergency_numbers))
    for prefix in rating.emergency_prefixes:
        emergency = emergency | number.str.contains(f"^{prefix}[0-9]{{3}}$")
    cls = (
        pl.when(emergency)
        .then(pl.lit(DestinationClass.EMERGENCY.value))
        .when(number.str.contains(r"^118[0-9]{3}$"))
        .then(pl.lit(DestinationClass.DIRECTORY.value))
        .when(number.str.contains(r"^3[0-9]{3}$"))
        .then(pl.lit(DestinationClass.SHORT_NUMBER.value))
        .otherwise(pl.lit(DestinationClass.INVALID.value))
    )
    return frame.select(
        "callee",
        number=pl.lit(None, dtype=pl.Int64),
        destination_class=cls,
        region=pl.lit(rating.home_country),
    )


def _classify_full(
    frame: pl.DataFrame,
    *,
    terms: Terms,
    plans: NumberPlans,
    home_code: int,
) -> pl.DataFrame:
    rating = terms.rating
    digits = pl.col("digits")
    code_expr: pl.Expr = pl.lit(None, dtype=pl.Int64)
    for width in (3, 2, 1):  # calling codes are prefix-free: at most one width matches
        prefix = digits.str.slice(0, width).cast(pl.Int64, strict=False)
        code_expr = (
            pl.when(prefix.is_in(list(plans.regions_of_code))).then(prefix).otherwise(code_expr)
        )
    frame = frame.with_columns(code=code_expr).with_columns(
        nsn=digits.str.slice(pl.col("code").cast(pl.String).str.len_chars())
    )
    home = frame.filter(pl.col("code") == home_code)
    abroad = frame.filter((pl.col("code") != home_code) & pl.col("code").is_not_null())
    unknown_code = frame.filter(pl.col("code").is_null())

    home = home.select("callee", "nsn")
    parts = [_classify_home(home, rating=rating, plans=plans, home_code=home_code, keep="callee")]
    for (code,), group in abroad.partition_by("code", as_dict=True).items():
        typed = _region_and_type(group, code=int(str(code)), plans=plans)
        parts.append(
            typed.select(
                "callee",
                number=digits.cast(pl.Int64),
                destination_class=_international_class(typed_regions=rating.overseas_regions),
                region="region",
            )
        )
    parts.append(
        unknown_code.select(
            "callee",
            number=pl.lit(None, dtype=pl.Int64),
            destination_class=pl.lit(DestinationClass.INVALID.value),
            region=pl.lit(None, dtype=pl.String),
        )
    )
    return pl.concat(parts, how="vertical_relaxed")


def _international_class(*, typed_regions: tuple[str, ...]) -> pl.Expr:
    overseas = pl.col("region").is_in(list(typed_regions))
    kind = pl.col("number_type")
    return (
        pl.when(overseas & (kind == "fixed"))
        .then(pl.lit(DestinationClass.NATIONAL_FIXED.value))
        .when(overseas & (kind == "mobile"))
        .then(pl.lit(DestinationClass.NATIONAL_MOBILE.value))
        .when(kind == "fixed")
        .then(pl.lit(DestinationClass.INTERNATIONAL_FIXED.value))
        .when(kind == "mobile")
        .then(pl.lit(DestinationClass.INTERNATIONAL_MOBILE.value))
        .otherwise(pl.lit(DestinationClass.INTERNATIONAL_OTHER.value))
    )


def _classify_home(
    frame: pl.DataFrame, *, rating: Rating, plans: NumberPlans, home_code: int, keep: str
) -> pl.DataFrame:
    """The French plan by prefix; overseas-department ranges parsed with their own region.
    `frame` has the national numbers (`nsn`, digits) and `keep`, the column that identifies
    them in the result."""
    nsn = pl.col("nsn")
    overseas = sorted(
        (r for r in rating.overseas_regions if r in plans.plans),
        key=lambda r: (
            plans.plans[r].country_code,
            plans.regions_of_code[plans.plans[r].country_code].index(r),
        ),
    )
    # One pass of all overseas ranges together finds the few candidates; the per-region
    # patterns then run on those only.
    patterns = [
        desc.pattern
        for region in overseas
        for desc in (plans.plans[region].fixed, plans.plans[region].mobile)
        if desc is not None
    ]
    if patterns:
        candidate = nsn.str.contains("^(?:" + "|".join(f"(?:{p})" for p in patterns) + ")$")
        candidate = candidate & ~nsn.str.starts_with("8")
    else:
        candidate = pl.lit(False)
    frame = frame.with_columns(_candidate=candidate)
    dom = frame.filter(pl.col("_candidate"))
    region_expr: pl.Expr = pl.lit(None, dtype=pl.String)
    type_expr: pl.Expr = pl.lit(None, dtype=pl.String)
    code_expr: pl.Expr = pl.lit(None, dtype=pl.Int64)
    for region in reversed(overseas):
        plan = plans.plans[region]
        # Only the fixed and mobile ranges make a national number overseas; 08 stays special
        # in the French plan wherever the range sits (R-DEST-2).
        fixed = _matches(nsn, plan.fixed)
        mobile = _matches(nsn, plan.mobile)
        hit = fixed | mobile
        number_type = pl.when(fixed).then(pl.lit("fixed")).otherwise(pl.lit("mobile"))
        region_expr = pl.when(hit).then(pl.lit(region)).otherwise(region_expr)
        type_expr = pl.when(hit).then(number_type).otherwise(type_expr)
        code_expr = pl.when(hit).then(pl.lit(plan.country_code)).otherwise(code_expr)
    dom = dom.with_columns(dom_region=region_expr, dom_type=type_expr, dom_code=code_expr)
    rest = frame.filter(~pl.col("_candidate")).with_columns(
        dom_region=pl.lit(None, dtype=pl.String),
        dom_type=pl.lit(None, dtype=pl.String),
        dom_code=pl.lit(None, dtype=pl.Int64),
    )
    frame = pl.concat([dom, rest], how="vertical_relaxed")
    # The national number's digits as an integer (they are digits only): its prefixes and the
    # E.164 number are then arithmetic, cheaper than text on hundreds of thousands of numbers.
    length = nsn.str.len_chars()
    digits = nsn.cast(pl.Int64, strict=False)
    first = digits // 10**8  # of a nine-digit number, the only length classified below
    # The terms hold them as `08XY` (checked when the file is read): 8XY of the nine digits.
    free = [int(prefix[1:]) for prefix in rating.free_special_prefixes]
    french = (
        pl.when(length != 9)
        .then(pl.lit(DestinationClass.INVALID.value))
        .when(first.is_in([1, 2, 3, 4, 5, 9]))
        .then(pl.lit(DestinationClass.NATIONAL_FIXED.value))
        .when(first.is_in([6, 7]))
        .then(pl.lit(DestinationClass.NATIONAL_MOBILE.value))
        .when((digits // 10**6).is_in(free))
        .then(pl.lit(DestinationClass.SPECIAL_FREE.value))
        .when(first == 8)
        .then(pl.lit(DestinationClass.SPECIAL.value))
        .otherwise(pl.lit(DestinationClass.INVALID.value))
    )
    code = pl.col("dom_code").fill_null(pl.lit(home_code, dtype=pl.Int64))
    return frame.select(
        keep,
        # The calling code then the national number: the E.164 digits.
        number=code * pl.lit(10, dtype=pl.Int64).pow(length.cast(pl.Int64)) + digits,
        destination_class=pl.when(pl.col("dom_type") == "fixed")
        .then(pl.lit(DestinationClass.NATIONAL_FIXED.value))
        .when(pl.col("dom_type") == "mobile")
        .then(pl.lit(DestinationClass.NATIONAL_MOBILE.value))
        .otherwise(french),
        region=pl.col("dom_region").fill_null(pl.lit(rating.home_country)),
    ).with_columns(
        number=pl.when(pl.col("destination_class") == DestinationClass.INVALID.value)
        .then(pl.lit(None, dtype=pl.Int64))
        .otherwise(pl.col("number"))
    )


def _with_rates(frame: pl.DataFrame, *, terms: Terms) -> pl.DataFrame:
    """The per-minute rate of each destination (R-DEST-2, R-DEST-4), integer micro-euros."""
    return by_class_and_region(frame, columns_of=lambda pairs: _rated_pairs(pairs, terms=terms))


def by_class_and_region(
    frame: pl.DataFrame, *, columns_of: Callable[[pl.DataFrame], pl.DataFrame]
) -> pl.DataFrame:
    """`frame` with the columns that `columns_of` adds to its distinct (destination class,
    region) pairs: what depends on those alone is computed once per pair (a few dozen), not
    once per number (hundreds of thousands), then joined."""
    pairs = frame.select("destination_class", "region").unique()
    return frame.join(
        columns_of(pairs),
        on=["destination_class", "region"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )


def _rated_pairs(frame: pl.DataFrame, *, terms: Terms) -> pl.DataFrame:
    rates = terms.rates
    by_class = {
        DestinationClass.EMERGENCY.value: 0,
        DestinationClass.SPECIAL_FREE.value: 0,
        DestinationClass.INVALID.value: 0,
        DestinationClass.NATIONAL_FIXED.value: decimal_to_micro_eur(
            rates.national_fixed_per_minute
        ),
        DestinationClass.NATIONAL_MOBILE.value: decimal_to_micro_eur(
            rates.national_mobile_per_minute
        ),
        DestinationClass.SPECIAL.value: decimal_to_micro_eur(rates.special_per_minute),
        DestinationClass.SHORT_NUMBER.value: decimal_to_micro_eur(rates.short_number_per_minute),
        DestinationClass.DIRECTORY.value: decimal_to_micro_eur(rates.directory_per_minute),
    }
    country = pl.DataFrame(
        {
            "region": list(rates.international),
            "fixed_micro": [decimal_to_micro_eur(r.fixed) for r in rates.international.values()],
            "mobile_micro": [decimal_to_micro_eur(r.mobile) for r in rates.international.values()],
        },
        schema={"region": pl.String, "fixed_micro": pl.Int64, "mobile_micro": pl.Int64},
    )
    cls = pl.col("destination_class").cast(pl.String)
    default_fixed = decimal_to_micro_eur(rates.international_fixed_per_minute)
    default_mobile = decimal_to_micro_eur(rates.international_mobile_per_minute)
    return (
        frame.join(country, on="region", how="left")
        .with_columns(
            rate_micro=pl.when(cls == DestinationClass.INTERNATIONAL_FIXED.value)
            .then(pl.col("fixed_micro").fill_null(default_fixed))
            .when(cls.is_in([DestinationClass.INTERNATIONAL_MOBILE.value]))
            .then(pl.col("mobile_micro").fill_null(default_mobile))
            .when(cls == DestinationClass.INTERNATIONAL_OTHER.value)
            .then(pl.col("mobile_micro").fill_null(default_mobile))
            .otherwise(cls.replace_strict(by_class, default=0, return_dtype=pl.Int64))
            .cast(pl.Int64)
        )
        .drop("fixed_micro", "mobile_micro")
    )


def included_for_platform(*, terms: Terms, platform: str) -> pl.Expr:
    """Whether a classified destination is included in a trunk of `platform` (R-DEST-1, -3)."""
    countries = sorted(terms.platforms[platform].included_countries)  # type: ignore[index]
    cls = pl.col("destination_class").cast(pl.String)
    return cls.is_in([c.value for c in NATIONAL_CLASSES]) | (
        (cls == DestinationClass.INTERNATIONAL_FIXED.value)
        & (pl.col("region").is_in(countries) | pl.col("region").is_in(NANP_INCLUDED_REGIONS))
    )
