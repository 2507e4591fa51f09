"""The monthly counters of the SIP trunk rules (R-SIP-2..6), compiled.

The trunk rules are running counts in start order within each line-month: distinct numbers
called so far (R-SIP-3), outgoing time used so far (R-SIP-4). With Polars they took a dozen
passes over the month's calls (a hashed first-distinct, two windowed maxima, cumulative sums,
a sort back to the input order). Here the inputs are put in start order, one compiled pass
walks each line-month with a small hash table of the numbers seen, and writes every per-call
result and the line-month totals of the summary; the results go back to the frame's order.
Numba compiles the pass to machine code, cached beside this file after the first run; it holds
no Python object and releases the GIL, so two slices' passes run at once.

Money is integer micro-euros, as in the rest of the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]
Array = TypeVar("Array", Ints, Flags)

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


def load_compiled() -> None:
    """Load the compiled pass (0.15 s from the cache; about 2 s to compile it the first time),
    which a caller can do while it reads its files rather than at the first line-month."""
    one = np.zeros(1, dtype=np.int64)
    count_trunk_calls(
        TrunkCalls(
            order=np.zeros(1, dtype=np.uint32),
            group=np.zeros(1, dtype=np.uint32),
            line=one,
            counted=one.astype(np.bool_),
            eligible=one.astype(np.bool_),
            number_key=one,
            duration_s=one,
            unit_rate_micro=one,
            on_business_day=one.astype(np.bool_),
            limit_numbers=one,
            limit_s=one,
            cap_s=one,
            short_call_max_s=0,
        )
    )


def count_trunk_calls(calls: TrunkCalls) -> TrunkCounters:
    """R-SIP-2..6 for every call, in one pass over each line-month in start order.

    The inputs are put in start order first and the results back in frame order after, one
    array at a time: the pass then reads and writes memory in sequence (reaching each call's
    entries of a dozen arrays in frame order from the pass was ten times slower at 10 M calls,
    missing the cache)."""
    order = np.ascontiguousarray(calls.order, dtype=np.int64)
    n = len(order)
    groups = int(calls.group[-1]) + 1 if n else 0

    # `np.take` rather than `values[order]`: a third cheaper on a million entries.
    def sorted_ints(values: npt.NDArray[np.generic]) -> Ints:
        return np.take(np.ascontiguousarray(values, dtype=np.int64), order)

    def sorted_flags(values: npt.NDArray[np.generic]) -> Flags:
        return np.take(np.ascontiguousarray(values, dtype=np.bool_), order)

    def flag() -> Flags:
        return np.zeros(n, dtype=np.bool_)

    def count() -> Ints:
        return np.zeros(n, dtype=np.int64)

    # In start order first; put back in frame order before they are returned.
    out = TrunkCounters(
        new_number=flag(),
        over_numbers=flag(),
        over_2h_s=count(),
        included_s=count(),
        over_time_s=count(),
        billable_s=count(),
        billable_units=count(),
        amount_beyond_micro=count(),
        amount_if_retroactive_micro=count(),
        sums=np.zeros((groups, len(SUM_COLUMNS)), dtype=np.int64),
    )
    if n:
        _compiled()(
            np.ascontiguousarray(calls.group, dtype=np.int64),
            np.ascontiguousarray(calls.line, dtype=np.int64),
            sorted_flags(calls.counted),
            sorted_flags(calls.eligible),
            sorted_ints(calls.number_key),
            sorted_ints(calls.duration_s),
            sorted_ints(calls.unit_rate_micro),
            sorted_flags(calls.on_business_day),
            np.ascontiguousarray(calls.limit_numbers, dtype=np.int64),
            np.ascontiguousarray(calls.limit_s, dtype=np.int64),
            np.ascontiguousarray(calls.cap_s, dtype=np.int64),
            calls.short_call_max_s,
            out.new_number,
            out.over_numbers,
            out.over_2h_s,
            out.included_s,
            out.over_time_s,
            out.billable_s,
            out.billable_units,
            out.amount_beyond_micro,
            out.amount_if_retroactive_micro,
            out.sums,
        )
        out.sums[:, _FIRST_ROW] = order[out.sums[:, _FIRST_ROW]]

    # Back in frame order by the inverse permutation, made once: eight gathers are cheaper
    # than eight scatters.
    rank = np.empty_like(order)
    rank[order] = np.arange(n, dtype=np.int64)

    def back(values: Array) -> Array:
        return cast(Array, np.take(values, rank))

    return TrunkCounters(
        new_number=back(out.new_number),
        over_numbers=back(out.over_numbers),
        over_2h_s=back(out.over_2h_s),
        included_s=back(out.included_s),
        over_time_s=back(out.over_time_s),
        billable_s=back(out.billable_s),
        billable_units=back(out.billable_units),
        amount_beyond_micro=back(out.amount_beyond_micro),
        amount_if_retroactive_micro=back(out.amount_if_retroactive_micro),
        sums=out.sums,
    )


def _count(
    group: Ints,
    line: Ints,
    counted: Flags,
    eligible: Flags,
    number_key: Ints,
    duration_s: Ints,
    unit_rate: Ints,
    on_business_day: Flags,
    limit_numbers_of_line: Ints,
    limit_s_of_line: Ints,
    cap_s_of_line: Ints,
    short_call_max_s: int,
    new_number: Flags,
    over_numbers: Flags,
    over_2h_s: Ints,
    included_s: Ints,
    over_time_s: Ints,
    billable_s: Ints,
    billable_units: Ints,
    amount_beyond: Ints,
    amount_retro: Ints,
    sums: Ints,
) -> None:
    n = len(group)
    # The distinct numbers of the current line-month: an open-addressing table whose slot is
    # taken when its stamp is the group's number (no clearing between groups).
    largest = 1
    start = 0
    for position in range(1, n + 1):
        if position == n or group[position] != group[start]:
            largest = max(largest, position - start)
            start = position
    bits = 1
    while (1 << bits) < 2 * largest:
        bits += 1
    size = 1 << bits
    shift = np.uint64(64 - bits)
    stamps = np.full(size, -1, dtype=np.int64)
    keys = np.zeros(size, dtype=np.int64)
    over_of_key = np.zeros(size, dtype=np.bool_)

    start = 0
    while start < n:
        g = group[start]
        end = start
        while end < n and group[end] == g:
            end += 1
        row = sums[g]
        row[_FIRST_ROW] = start  # a position in start order, made a frame row by the caller
        of_line = line[start]
        limit_numbers = limit_numbers_of_line[of_line]
        limit_s = limit_s_of_line[of_line]
        cap_s = cap_s_of_line[of_line]
        numbers = 0
        used = 0
        breached = False
        for i in range(start, end):
            d = duration_s[i]
            timed = 0
            # R-SIP-2: seconds beyond the one-call cap are billable; the rest goes on.
            over_2h_s[i] = max(d - cap_s, 0) if eligible[i] and cap_s >= 0 else 0
            if eligible[i]:
                key = number_key[i]
                slot = np.int64((np.uint64(key) * _GOLDEN) >> shift)
                while stamps[slot] == g and keys[slot] != key:
                    slot = (slot + 1) & (size - 1)
                if stamps[slot] != g:
                    # R-SIP-3: a number first called beyond the limit is out of the bundle
                    # for the month, every call to it.
                    numbers += 1
                    stamps[slot] = g
                    keys[slot] = key
                    over_of_key[slot] = numbers > limit_numbers
                    new_number[i] = True
                over_numbers[i] = over_of_key[slot]
                if not over_of_key[slot]:
                    timed = d - over_2h_s[i]
            used += timed
            # R-SIP-4: the call that crosses the monthly time limit is split.
            included = min(max(limit_s - (used - timed), 0), timed)
            included_s[i] = included
            over_time_s[i] = timed - included
            breached = breached or over_numbers[i] or timed > included
            if counted[i]:
                billable = d - included
                units = (billable + 59) // 60
                billable_s[i] = billable
                billable_units[i] = units
                amount_beyond[i] = units * unit_rate[i]
                row[_OUTGOING_CALLS] += 1
                row[_OUTGOING_S] += d
                row[_BILLABLE_S] += billable
                row[_UNITS] += units
                row[_BEYOND] += units * unit_rate[i]
                if on_business_day[i]:
                    row[_BUSINESS] += 1
                if d <= short_call_max_s:
                    row[_SHORT] += 1
            if new_number[i]:
                row[_DISTINCT] += 1
            if over_numbers[i]:
                row[_OVER_NUMBERS] = 1
            if timed > included:
                row[_OVER_TIME] = 1
            if over_2h_s[i] > 0:
                row[_OVER_2H] = 1
        # R-SIP-6: a breached month can be billed from its first second to included
        # destinations; otherwise the retroactive amount is the amount beyond the limits.
        for i in range(start, end):
            if breached and eligible[i]:
                amount_retro[i] = (duration_s[i] + 59) // 60 * unit_rate[i]
            else:
                amount_retro[i] = amount_beyond[i]
            row[_RETRO] += amount_retro[i]
        start = end


@cache
def _compiled() -> Callable[..., None]:
    """`_count` compiled, on first use, from the machine code cached beside this file when
    there is one. Numba is imported here, not with the module: a fifth of a second that
    `load_compiled` spends on another thread while the files are read. `nogil`: two slices'
    passes run at once."""
    import numba

    try:
        compiled = numba.njit(cache=True, nogil=True)(_count)
    except RuntimeError:  # no writable place for the cache (a read-only install): every run
        compiled = numba.njit(cache=False, nogil=True)(_count)  # compiles it, about 2 s
    return cast(Callable[..., None], compiled)
