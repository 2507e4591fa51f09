"""The monthly counters of the SIP trunk rules (R-SIP-2..6) and of the mobile rules
(R-MOB-1..3), compiled, and the Paris month and business day of each record.

The rules are running counts in start order within each line-month: distinct numbers called
so far (R-SIP-3, R-MOB-2), time used so far (R-SIP-4, R-MOB-1), SMS sent, each zone's volume
(R-MOB-2, -3). With Polars they took a dozen passes over the month's records (a hashed
first-distinct, windowed maxima, cumulative sums, a sort back to the input order). Here the
passes walk the start order (`order`, each record's row in the frame) and read and write
each record's entries where it is in the frame: one pass finds the first call to each number
with a small hash table of the numbers seen (`_distinct_numbers`, shared by both sets of
rules), then one pass per set of rules walks each line-month: the mobile one writes every
per-record result; the trunk one only the seconds included and whether the line-month
breached a limit, and what follows from them (billable time, amounts, the line-month totals
of the summary) is one more pass in the frame's order. Numba
compiles the passes to machine code, cached beside this file after the first run; they hold
no Python object and release the GIL, so two slices' passes run at once.

Money is integer micro-euros, as in the rest of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from syres.domain.compiled import compiled

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]

# Columns of `TrunkCounters.sums` (one row per line-month, in `g` order).
SUM_COLUMNS = (
    "first_row",
    "outgoing_calls",
    "outgoing_s",
    "distinct_numbers",
    "over_numbers",
    "over_time",
    "over_2h",
    "billable_s",
    "billable_units",
    "amount_beyond_micro",
    "amount_if_retroactive_micro",
    "calls_on_business_days",
    "short_calls",
)
(
    _FIRST_ROW,
    _OUTGOING_CALLS,
    _OUTGOING_S,
    _DISTINCT,
    _OVER_NUMBERS,
    _OVER_TIME,
    _OVER_2H,
    _BILLABLE_S,
    _UNITS,
    _BEYOND,
    _RETRO,
    _BUSINESS,
    _SHORT,
) = range(len(SUM_COLUMNS))

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: multiply, keep the high bits


@dataclass(frozen=True)
class TrunkCalls:
    """The inputs of the pass: per call in the frame's order, except `order`, `group` and
    `line` (per position in start order, as `_start_order` gives them); the limits per line
    (indexed by `line`): they are read once per line-month, not carried by every call."""

    order: npt.NDArray[np.uint32]
    group: npt.NDArray[np.uint32]
    line: Ints
    counted: Flags  # answered, outgoing, not an emergency number
    eligible: Flags  # counted, included by the platform, not forwarded (R-SIP-1)
    number_key: Ints  # the distinct-number key of the callee (R-SIP-3)
    duration_s: Ints
    unit_rate_micro: Ints  # per started minute
    on_business_day: Flags
    limit_numbers: Ints  # per line (R-SIP-3)
    limit_s: Ints  # per line (R-SIP-4)
    cap_s: Ints  # per line: the one-call cap (R-SIP-2), -1 for none
    short_call_max_s: int


@dataclass(frozen=True)
class TrunkCounters:
    """Per call (frame order) and per line-month (`sums`, columns `SUM_COLUMNS`)."""

    new_number: Flags
    over_numbers: Flags
    over_2h_s: Ints  # seconds beyond the one-call cap (R-SIP-2)
    included_s: Ints
    over_time_s: Ints
    billable_s: Ints
    billable_units: Ints
    amount_beyond_micro: Ints
    amount_if_retroactive_micro: Ints
    sums: Ints


@dataclass(frozen=True)
class MobileRecords:
    """The inputs of the mobile pass (R-MOB-1..3): per record in frame order, except `order`
    and `group` (per position in start order, as `_start_order` gives them)."""

    order: npt.NDArray[np.uint32]
    group: npt.NDArray[np.uint32]
    zone: Ints  # the zone's number: its row of `cap_bytes`
    timed_s: Ints  # voice seconds that count toward the included hours (R-MOB-1), else 0
    sms_eligible: Flags  # an SMS that counts toward the bundle (R-MOB-2)
    number_key: Ints  # the distinct-number key of the callee (R-MOB-2)
    data_bytes: Ints  # the volume of a data session, 0 for other records
    cap_bytes: Ints  # per zone: its monthly cap, at home the fair-use volume (R-MOB-3)
    home_zone: int  # the number of home: data is included there, throttled beyond the volume
    voice_limit_s: int
    sms_max_numbers: int
    sms_included: int


@dataclass(frozen=True)
class MobileCounters:
    """Per record, in frame order."""

    included_s: Ints
    new_number: Flags  # an SMS to a number not yet written to this month
    over_sms_numbers: Flags  # an SMS to a number beyond the distinct numbers of the bundle
    over_sms: Flags  # a counted SMS beyond the SMS of the bundle
    data_used: Ints  # the zone's volume of the month so far, this record's included
    reached: Flags  # this record reaches the zone's cap
    included_bytes: Ints
    billable_bytes: Ints
    data_units: Ints  # the Mo beyond the cap that this record starts (R-MOB-3)


def _read_only(values: npt.NDArray[np.generic], dtype: type[np.generic]) -> npt.NDArray[Any]:
    """`values` as a contiguous array of `dtype` that the pass only reads, whatever it came as.

    Numba compiles a pass once per flavour of its arrays, a read-only one (what Polars lends)
    apart from a writable one: every input is read-only, so that the flavour `load_compiled`
    loads is the one the run uses, not one more loaded from the cache at a first slice."""
    array = np.ascontiguousarray(values, dtype=dtype)
    if array.flags.writeable:
        array = array.view()
        array.flags.writeable = False
    return array


def load_compiled() -> None:
    """Load the compiled passes (0.15 s from the cache; seconds to compile them the first time),
    which a caller can do while it reads its files rather than at the first line-month."""
    # One record of each: every pass runs once, on the types the engine gives them.
    one, yes, first = np.zeros(1, np.int64), np.ones(1, np.bool_), np.zeros(1, np.uint32)
    count_trunk_calls(TrunkCalls(first, first, one, yes, yes, one, one, one, yes, one, one, one, 0))
    paris_months_and_business_days(one, one, one, yes)
    keys = packed_start_keys(
        line=first, period_key=one, start_us=one, periods=[0], low_us=0, seconds_bits=1, row_bits=1
    )
    if keys is not None:  # (a start of 0 µs is to the second: always)
        start_positions(keys, seconds_bits=1, row_bits=1, months=1)
    repeated_hashes(np.zeros(2, dtype=np.uint64))  # (its sort too)
    rows = national_class_rows(
        one, row_of_prefix=first, divisor=1, lowest=0, highest=0, invalid_row=0
    )
    number_keys(
        rows=rows,
        classified=yes,
        national=one,
        is_national=yes,
        national_base=one,
        national_base_known=yes,
        other_key=one,
        other_key_known=yes,
    )
    count_mobile_records(MobileRecords(first, first, one, one, yes, one, one, one, 0, 0, 0, 0))


def count_trunk_calls(calls: TrunkCalls) -> TrunkCounters:
    """R-SIP-2..6 for every call.

    What depends on the calls before (the distinct numbers so far, the time used so far) is
    counted in start order, one line-month after the other: the passes walk `order` and read
    and write each call's entries where the call is in the frame (nothing is put in start
    order and back: in slices of a million calls, the arrays of a slice stay in the cache,
    and each copy in the other order cost more than the counting). The rest (the billable
    time, the amounts, the line-month totals) is one pass in frame order."""
    order = _read_only(calls.order, np.uint32)
    n = len(order)
    starts, largest = _group_starts(calls.group)
    groups = len(starts) - 1
    line_of_group = _read_only(np.asarray(calls.line, dtype=np.int64)[starts[:-1]], np.int64)
    eligible = _read_only(calls.eligible, np.bool_)
    duration_s = _read_only(calls.duration_s, np.int64)
    cap_s = _read_only(calls.cap_s, np.int64)
    new_number, over_numbers = np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)
    included_s = np.zeros(n, dtype=np.int64)
    group_of_call = np.zeros(n, dtype=np.int64)
    breached = np.zeros(groups, dtype=np.bool_)
    # R-SIP-3: the line's limit of distinct numbers, for each of its months.
    limits = np.asarray(calls.limit_numbers, dtype=np.int64)[line_of_group]
    _distinct_numbers(
        order, starts, largest, eligible, calls.number_key, limits, new_number, over_numbers
    )
    compiled(_use_time)(
        order,
        starts,
        line_of_group,
        eligible,
        duration_s,
        _read_only(calls.limit_s, np.int64),
        cap_s,
        _read_only(over_numbers, np.bool_),
        included_s,
        group_of_call,
        breached,
    )

    def zeros() -> Ints:
        return np.zeros(n, dtype=np.int64)

    out = TrunkCounters(
        new_number=new_number,
        over_numbers=over_numbers,
        over_2h_s=zeros(),
        included_s=included_s,
        over_time_s=zeros(),
        billable_s=zeros(),
        billable_units=zeros(),
        amount_beyond_micro=zeros(),
        amount_if_retroactive_micro=zeros(),
        sums=np.zeros((groups, len(SUM_COLUMNS)), dtype=np.int64),
    )
    compiled(_bill)(
        _read_only(group_of_call, np.int64),
        line_of_group,
        _read_only(breached, np.bool_),
        _read_only(calls.counted, np.bool_),
        eligible,
        duration_s,
        _read_only(calls.unit_rate_micro, np.int64),
        _read_only(calls.on_business_day, np.bool_),
        cap_s,
        calls.short_call_max_s,
        _read_only(new_number, np.bool_),
        _read_only(over_numbers, np.bool_),
        _read_only(included_s, np.int64),
        out.over_2h_s,
        out.over_time_s,
        out.billable_s,
        out.billable_units,
        out.amount_beyond_micro,
        out.amount_if_retroactive_micro,
        out.sums,
    )
    # The frame row of each line-month's first call in start order.
    out.sums[:, _FIRST_ROW] = order[starts[:-1]]
    return out


def _group_starts(group: npt.NDArray[np.generic]) -> tuple[Ints, int]:
    """Where each line-month begins in start order (`group` numbers them 0, 1, 2… in that
    order), the end last, and the size of the largest."""
    numbers: npt.NDArray[np.uint32] = _read_only(group, np.uint32)
    groups = int(numbers[-1]) + 1 if len(numbers) else 0
    starts = np.empty(groups + 1, dtype=np.int64)
    largest = compiled(_starts_of_groups)(numbers, starts)
    return _read_only(starts, np.int64), int(largest)


def _starts_of_groups(group: npt.NDArray[np.uint32], starts: Ints) -> int:
    at = 0
    largest = 0
    for g in range(len(starts) - 1):
        starts[g] = at
        while at < len(group) and group[at] == g:
            at += 1
        largest = max(largest, at - starts[g])
    starts[len(starts) - 1] = at
    return largest


def _use_time(
    order: npt.NDArray[np.uint32],
    starts: Ints,
    line_of_group: Ints,
    eligible: Flags,
    duration_s: Ints,
    limit_s_of_line: Ints,
    cap_s_of_line: Ints,
    over_numbers: Flags,
    included_s: Ints,
    group_of_call: Ints,
    breached: Flags,
) -> None:
    """In start order (`over_numbers` comes in from `_distinct_numbers`): each call's seconds
    within the line's monthly time (R-SIP-4), its line-month, and whether each line-month
    breached a limit (R-SIP-6)."""
    for g in range(len(starts) - 1):
        line = line_of_group[g]
        limit_s = limit_s_of_line[line]
        cap_s = cap_s_of_line[line]
        used = 0
        for k in range(starts[g], starts[g + 1]):
            i = order[k]
            group_of_call[i] = g
            timed = 0
            # R-SIP-3: a number first called beyond the limit is out of the bundle for the
            # month, every call to it.
            if eligible[i] and not over_numbers[i]:
                # R-SIP-2: the seconds beyond the one-call cap (-1: none) count toward nothing.
                timed = duration_s[i] - (max(duration_s[i] - cap_s, 0) if cap_s >= 0 else 0)
            used += timed
            # R-SIP-4: the call that crosses the monthly time limit is split.
            included = min(max(limit_s - (used - timed), 0), timed)
            included_s[i] = included
            if over_numbers[i] or timed > included:
                breached[g] = True


def _bill(
    group: Ints,
    line_of_group: Ints,
    breached: Flags,
    counted: Flags,
    eligible: Flags,
    duration_s: Ints,
    unit_rate: Ints,
    on_business_day: Flags,
    cap_s_of_line: Ints,
    short_call_max_s: int,
    new_number: Flags,
    over_numbers: Flags,
    included_s: Ints,
    over_2h_s: Ints,
    over_time_s: Ints,
    billable_s: Ints,
    billable_units: Ints,
    amount_beyond: Ints,
    amount_retro: Ints,
    sums: Ints,
) -> None:
    """In frame order, from what `_use_time` counted (`new_number`, `over_numbers`,
    `included_s` per call, `breached` per line-month): the billable time and amounts of each
    call, and the totals of each line-month."""
    for i in range(len(group)):
        g = group[i]
        d = duration_s[i]
        # R-SIP-2: seconds beyond the one-call cap are billable; the rest goes on.
        cap_s = cap_s_of_line[line_of_group[g]]
        over_2h = max(d - cap_s, 0) if eligible[i] and cap_s >= 0 else 0
        over_2h_s[i] = over_2h
        timed = d - over_2h if eligible[i] and not over_numbers[i] else 0
        included = included_s[i]
        over_time_s[i] = timed - included
        if counted[i]:
            billable = d - included
            units = (billable + 59) // 60
            billable_s[i] = billable
            billable_units[i] = units
            amount_beyond[i] = units * unit_rate[i]
            sums[g, _OUTGOING_CALLS] += 1
            sums[g, _OUTGOING_S] += d
            sums[g, _BILLABLE_S] += billable
            sums[g, _UNITS] += units
            sums[g, _BEYOND] += units * unit_rate[i]
            if on_business_day[i]:
                sums[g, _BUSINESS] += 1
            if d <= short_call_max_s:
                sums[g, _SHORT] += 1
        # R-SIP-6: a breached month can be billed from its first second to included
        # destinations; otherwise the retroactive amount is the amount beyond the limits.
        if breached[g] and eligible[i]:
            amount_retro[i] = (d + 59) // 60 * unit_rate[i]
        else:
            amount_retro[i] = amount_beyond[i]
        sums[g, _RETRO] += amount_retro[i]
        if new_number[i]:
            sums[g, _DISTINCT] += 1
        if over_numbers[i]:
            sums[g, _OVER_NUMBERS] = 1
        if timed > included:
            sums[g, _OVER_TIME] = 1
        if over_2h > 0:
            sums[g, _OVER_2H] = 1


def count_mobile_records(records: MobileRecords) -> MobileCounters:
    """R-MOB-1..3 for every record, in one pass over each line-month in start order (walking
    `order`, as `count_trunk_calls` does): the voice seconds used, the SMS and their distinct
    numbers, each zone's data volume."""
    order = _read_only(records.order, np.uint32)
    n = len(order)

    def flag() -> Flags:
        return np.zeros(n, dtype=np.bool_)

    def count() -> Ints:
        return np.zeros(n, dtype=np.int64)

    out = MobileCounters(
        included_s=count(),
        new_number=flag(),
        over_sms_numbers=flag(),
        over_sms=flag(),
        data_used=count(),
        reached=flag(),
        included_bytes=count(),
        billable_bytes=count(),
        data_units=count(),
    )
    starts, largest = _group_starts(records.group)
    sms_eligible = _read_only(records.sms_eligible, np.bool_)
    _distinct_numbers(
        order,
        starts,
        largest,
        sms_eligible,
        records.number_key,
        np.full(len(starts) - 1, records.sms_max_numbers, dtype=np.int64),
        out.new_number,
        out.over_sms_numbers,
    )
    compiled(_count_mobile)(
        order,
        starts,
        _read_only(records.zone, np.int64),
        _read_only(records.timed_s, np.int64),
        sms_eligible,
        _read_only(records.data_bytes, np.int64),
        _read_only(records.cap_bytes, np.int64),
        records.home_zone,
        records.voice_limit_s,
        records.sms_included,
        out.included_s,
        _read_only(out.over_sms_numbers, np.bool_),
        out.over_sms,
        out.data_used,
        out.reached,
        out.included_bytes,
        out.billable_bytes,
        out.data_units,
    )
    return out


_BYTES_PER_MB = 1_048_576  # SPEC R-MOB-3


def _count_mobile(
    order: npt.NDArray[np.uint32],
    starts: Ints,
    zone: Ints,
    timed_s: Ints,
    sms_eligible: Flags,
    data_bytes: Ints,
    cap_bytes: Ints,
    home_zone: int,
    voice_limit_s: int,
    sms_included: int,
    included_s: Ints,
    over_sms_numbers: Flags,
    over_sms: Flags,
    data_used: Ints,
    reached: Flags,
    included_bytes: Ints,
    billable_bytes: Ints,
    data_units: Ints,
) -> None:
    """`over_sms_numbers` comes in (`_distinct_numbers`), the rest goes out."""
    used_of_zone = np.zeros(len(cap_bytes), dtype=np.int64)
    billed_of_zone = np.zeros(len(cap_bytes), dtype=np.int64)
    for g in range(len(starts) - 1):
        used_s = 0
        sms = 0
        used_of_zone[:] = 0
        billed_of_zone[:] = 0
        for k in range(starts[g], starts[g + 1]):
            i = order[k]
            # R-MOB-1: the record that crosses the included hours is split.
            timed = timed_s[i]
            used_s += timed
            included_s[i] = min(max(voice_limit_s - (used_s - timed), 0), timed)
            # R-MOB-2: an SMS to a number beyond the bundle's distinct numbers counts toward
            # nothing; the others count toward the bundle's SMS.
            if sms_eligible[i] and not over_sms_numbers[i]:
                sms += 1
                over_sms[i] = sms > sms_included
            # R-MOB-3: per zone, the session that reaches the cap is split; beyond it, each
            # record bills the Mo it starts of the zone's volume beyond the cap.
            z = zone[i]
            volume = data_bytes[i]
            before = used_of_zone[z]
            used_of_zone[z] = before + volume
            data_used[i] = before + volume
            cap = cap_bytes[z]
            reached[i] = volume > 0 and before < cap and before + volume >= cap
            included = volume if z == home_zone else min(max(cap - before, 0), volume)
            included_bytes[i] = included
            billable_bytes[i] = volume - included
            billed = billed_of_zone[z]
            billed_of_zone[z] = billed + volume - included
            data_units[i] = (billed + volume - included + _BYTES_PER_MB - 1) // _BYTES_PER_MB - (
                billed + _BYTES_PER_MB - 1
            ) // _BYTES_PER_MB


def _distinct_numbers(
    order: npt.NDArray[np.uint32],
    starts: Ints,
    largest: int,
    eligible: Flags,
    number_key: npt.NDArray[np.generic],
    limit_of_group: Ints,
    new_number: Flags,
    over_numbers: Flags,
) -> None:
    """R-SIP-3, R-MOB-2, in start order: the first call (or SMS) of each line-month to each
    number, among the eligible ones, and whether that number came beyond the line-month's
    limit of distinct numbers (then every call to it did). `largest`: the most records of a
    line-month, for the size of the table of its numbers (a power of two, at least twice as
    many: few probes) and the shift of its Fibonacci hash."""
    bits = max((2 * max(largest, 1) - 1).bit_length(), 1)
    compiled(_first_calls)(
        order,
        starts,
        eligible,
        _read_only(number_key, np.int64),
        _read_only(limit_of_group, np.int64),
        new_number,
        over_numbers,
        1 << bits,
        np.uint64(64 - bits),
    )


def _first_calls(
    order: npt.NDArray[np.uint32],
    starts: Ints,
    eligible: Flags,
    number_key: Ints,
    limit_of_group: Ints,
    new_number: Flags,
    over_numbers: Flags,
    size: int,
    shift: np.uint64,
) -> None:
    # The numbers of the current line-month: an open-addressing table whose slot is taken
    # when its stamp is the line-month's number (no clearing between line-months).
    stamps = np.full(size, -1, dtype=np.int64)
    keys = np.zeros(size, dtype=np.int64)
    over_of_key = np.zeros(size, dtype=np.bool_)
    for g in range(len(starts) - 1):
        numbers = 0
        limit = limit_of_group[g]
        for k in range(starts[g], starts[g + 1]):
            i = order[k]
            if not eligible[i]:
                continue
            key = number_key[i]
            slot = np.int64((np.uint64(key) * _GOLDEN) >> shift)
            while stamps[slot] == g and keys[slot] != key:
                slot = (slot + 1) & (size - 1)
            if stamps[slot] != g:
                numbers += 1
                stamps[slot] = g
                keys[slot] = key
                over_of_key[slot] = numbers > limit
                new_number[i] = True
            over_numbers[i] = over_of_key[slot]


def paris_months_and_business_days(
    start_us: Ints, midnights_us: Ints, month_of_day: Ints, business_day: Flags
) -> tuple[Ints, Flags]:
    """The month key and the business-day flag of each instant (epoch microseconds), read
    from its Paris day: the last of `midnights_us` (consecutive Paris midnights, increasing,
    the first at or before every instant) at or before it."""
    month = np.empty(len(start_us), dtype=np.int64)
    business = np.empty(len(start_us), dtype=np.bool_)
    compiled(_paris_days)(
        _read_only(start_us, np.int64),
        _read_only(midnights_us, np.int64),
        _read_only(month_of_day, np.int64),
        _read_only(business_day, np.bool_),
        month,
        business,
    )
    return month, business


_DAY_US = 86_400_000_000


def _paris_days(
    start_us: Ints,
    midnights_us: Ints,
    month_of_day: Ints,
    business_day: Flags,
    month: Ints,
    business: Flags,
) -> None:
    # Days of 24 hours from the first midnight give the day or its neighbour (a Paris day
    # lasts 23 to 25 hours, and the shifts of summer time never add up to more than an hour);
    # comparing the instant with that day's midnight and the next one's settles it.
    first = midnights_us[0]
    last = len(midnights_us) - 1
    for i in range(len(start_us)):
        instant = start_us[i]
        day = min(max((instant - first) // _DAY_US, 0), last)
        if day < last and instant >= midnights_us[day + 1]:
            day += 1
        elif day > 0 and instant < midnights_us[day]:
            day -= 1
        month[i] = month_of_day[day]
        business[i] = business_day[day]


def packed_start_keys(
    *,
    line: npt.NDArray[np.generic],
    period_key: npt.NDArray[np.generic],
    start_us: npt.NDArray[np.generic],
    periods: list[int],
    low_us: int,
    seconds_bits: int,
    row_bits: int,
) -> Ints | None:
    """Per record, its line-month (`line` × months + the index of its `period_key` among
    `periods`), its start in seconds from `low_us` and its row, packed into one 64-bit key
    in that order (the widths fit in 62 bits: the caller checks), so that one sort of bare
    integers puts the records in start order (SPEC §5.2); `None` when a start is not to the
    second (the caller sorts another way)."""
    first = min(periods, default=0)
    index_of_period = np.full(max(periods, default=0) - first + 1, -1, dtype=np.int64)
    for index, key in enumerate(periods):
        index_of_period[key - first] = index
    keys = np.empty(len(start_us), dtype=np.int64)
    whole_seconds = compiled(_pack_start_keys)(
        _read_only(line, np.int64),
        _read_only(period_key, np.int64),
        _read_only(start_us, np.int64),
        _read_only(index_of_period, np.int64),
        first,
        max(len(periods), 1),
        low_us,
        seconds_bits,
        row_bits,
        keys,
    )
    return keys if whole_seconds else None


def _pack_start_keys(
    line: Ints,
    period_key: Ints,
    start_us: Ints,
    index_of_period: Ints,
    first_period: int,
    months: int,
    low_us: int,
    seconds_bits: int,
    row_bits: int,
    keys: Ints,
) -> bool:
    for row in range(len(keys)):
        since = start_us[row] - low_us
        if since % 1_000_000:
            return False
        group = line[row] * months + index_of_period[period_key[row] - first_period]
        keys[row] = (((group << seconds_bits) | (since // 1_000_000)) << row_bits) | row
    return True


RADIX_DIGIT_BITS = 10  # 1,024 buckets a pass: their counts and write positions stay in L1


def sorted_by_bits(keys: Ints, *, low_bit: int, high_bit: int) -> Ints:
    """`keys` (non-negative, below 2 ** `high_bit`) in ascending order of their bits from
    `low_bit` up (`key >> low_bit`), stably: keys equal there stay in the order they came in.

    A radix sort, least significant digit first: one pass counts every digit, then one pass
    per digit puts the keys in place. On a million keys of 40 to 60 bits, 10 to 15 ms on any
    x86 machine, where NumPy's sort takes 5 to 60 ms depending on the vector instructions it
    finds (it sorts 64-bit integers with AVX-512 on some processors only). The bits below
    `low_bit` are carried, not sorted: a key's row there, and the keys made in row order,
    ties stay in row order, as a full sort would put them."""
    passes = max(-(-(high_bit - low_bit) // RADIX_DIGIT_BITS), 0)
    if passes == 0 or len(keys) < 2:
        return np.array(keys, dtype=np.int64)
    return compiled(_radix_sorted)(_read_only(keys, np.int64), low_bit, passes, RADIX_DIGIT_BITS)


def _radix_sorted(keys: Ints, low_bit: int, passes: int, digit_bits: int) -> Ints:
    n = len(keys)
    buckets = 1 << digit_bits
    mask = np.int64(buckets - 1)
    counts = np.zeros((passes, buckets), dtype=np.int64)
    for i in range(n):
        key = keys[i] >> low_bit
        for p in range(passes):
            counts[p, (key >> (p * digit_bits)) & mask] += 1
    source = keys.copy()
    target = np.empty(n, dtype=np.int64)
    for p in range(passes):
        position = counts[p]
        if position.max() == n:  # (every key has the same digit here: already in order)
            continue
        total = 0
        for bucket in range(buckets):
            count = position[bucket]
            position[bucket] = total
            total += count
        shift = low_bit + p * digit_bits
        for i in range(n):
            key = source[i]
            digit = (key >> shift) & mask
            target[position[digit]] = key
            position[digit] += 1
        source, target = target, source
    return source


REPEATED_HASH_BITS = 30


def repeated_hashes(hashes: npt.NDArray[np.generic]) -> Flags:
    """Whether each 64-bit hash is another row's too: candidates for an exact comparison.

    A row whose hash repeats is always one; a few more may be: the hashes are compared on
    their high `REPEATED_HASH_BITS` bits (three passes of the sort), about a thousand rows of
    a million unique ones, which the exact comparison then clears."""
    n = len(hashes)
    row_bits = max(n - 1, 1).bit_length()
    prefix_bits = min(62 - row_bits, REPEATED_HASH_BITS)
    keys = np.empty(n, dtype=np.int64)
    compiled(_prefix_keys)(_read_only(hashes, np.uint64), 64 - prefix_bits, row_bits, keys)
    ordered = sorted_by_bits(keys, low_bit=row_bits, high_bit=row_bits + prefix_bits)
    repeated = np.zeros(n, dtype=np.bool_)
    compiled(_mark_repeated)(_read_only(ordered, np.int64), row_bits, repeated)
    return repeated


def _prefix_keys(hashes: npt.NDArray[np.uint64], drop_bits: int, row_bits: int, keys: Ints) -> None:
    for row in range(len(hashes)):
        keys[row] = (np.int64(hashes[row] >> np.uint64(drop_bits)) << row_bits) | row


def _mark_repeated(ordered: Ints, row_bits: int, repeated: Flags) -> None:
    row_mask = (np.int64(1) << row_bits) - 1
    for k in range(1, len(ordered)):
        if ordered[k] >> row_bits == ordered[k - 1] >> row_bits:
            repeated[ordered[k] & row_mask] = True
            repeated[ordered[k - 1] & row_mask] = True


def start_positions(
    keys: Ints, *, seconds_bits: int, row_bits: int, months: int
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], Ints, Flags]:
    """From `packed_start_keys` sorted: per position in start order, the record's row, its
    line-month numbered 0, 1, 2… in that order, its line, and whether its line-month and
    start (to the second) are a neighbour's too (ties, to be ordered by record id)."""
    n = len(keys)
    order, group = np.empty(n, dtype=np.uint32), np.empty(n, dtype=np.uint32)
    line, tied = np.empty(n, dtype=np.int64), np.zeros(n, dtype=np.bool_)
    compiled(_start_positions)(
        _read_only(keys, np.int64), seconds_bits, row_bits, months, order, group, line, tied
    )
    return order, group, line, tied


def _start_positions(
    keys: Ints,
    seconds_bits: int,
    row_bits: int,
    months: int,
    order: npt.NDArray[np.uint32],
    group: npt.NDArray[np.uint32],
    line: Ints,
    tied: Flags,
) -> None:
    row_mask = (np.int64(1) << row_bits) - 1
    number = -1
    previous_group = -1
    previous_packed = -1
    for k in range(len(keys)):
        packed = keys[k] >> row_bits
        line_month = packed >> seconds_bits
        if line_month != previous_group:
            number += 1
            previous_group = line_month
        order[k] = keys[k] & row_mask
        group[k] = number
        line[k] = line_month // months
        if packed == previous_packed:
            tied[k] = True
            tied[k - 1] = True
        previous_packed = packed


def national_class_rows(
    keys: npt.NDArray[np.generic],
    *,
    row_of_prefix: npt.NDArray[np.generic],
    divisor: int,
    lowest: int,
    highest: int,
    invalid_row: int,
) -> npt.NDArray[np.uint32]:
    """Per national key, its prefix's row (`row_of_prefix[key // divisor]`), or `invalid_row`
    for an integer outside [`lowest`, `highest`] (no national key)."""
    rows = np.empty(len(keys), dtype=np.uint32)
    compiled(_national_class_rows)(
        _read_only(keys, np.int64),
        _read_only(row_of_prefix, np.uint32),
        divisor,
        lowest,
        highest,
        invalid_row,
        rows,
    )
    return rows


def _national_class_rows(
    keys: Ints,
    row_of_prefix: npt.NDArray[np.uint32],
    divisor: int,
    lowest: int,
    highest: int,
    invalid_row: int,
    rows: npt.NDArray[np.uint32],
) -> None:
    for i in range(len(keys)):
        key = keys[i]
        rows[i] = row_of_prefix[key // divisor] if lowest <= key <= highest else invalid_row


def number_keys(
    *,
    rows: npt.NDArray[np.generic],
    classified: Flags,
    national: npt.NDArray[np.generic],
    is_national: Flags,
    national_base: Ints,
    national_base_known: Flags,
    other_key: Ints,
    other_key_known: Flags,
) -> tuple[Ints, Flags]:
    """Per record, its callee's distinct-number key and whether it has one: for a national
    number (`is_national`), its row's base plus the number; for another, its row's key; none
    for a record whose callee has no row (`classified` false). The bases and keys are per row
    of the classes."""
    keys, known = np.empty(len(rows), dtype=np.int64), np.empty(len(rows), dtype=np.bool_)
    compiled(_number_keys)(
        _read_only(rows, np.uint32),
        _read_only(classified, np.bool_),
        _read_only(national, np.int64),
        _read_only(is_national, np.bool_),
        _read_only(national_base, np.int64),
        _read_only(national_base_known, np.bool_),
        _read_only(other_key, np.int64),
        _read_only(other_key_known, np.bool_),
        keys,
        known,
    )
    return keys, known


def _number_keys(
    rows: npt.NDArray[np.uint32],
    classified: Flags,
    national: Ints,
    is_national: Flags,
    national_base: Ints,
    national_base_known: Flags,
    other_key: Ints,
    other_key_known: Flags,
    keys: Ints,
    known: Flags,
) -> None:
    for i in range(len(rows)):
        row = rows[i] if classified[i] else 0
        if is_national[i]:
            keys[i] = national_base[row] + national[i]
            known[i] = classified[i] and national_base_known[row]
        else:
            keys[i] = other_key[row]
            known[i] = classified[i] and other_key_known[row]
