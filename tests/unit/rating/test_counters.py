"""The compiled passes of the trunk and mobile counters against a plain Python reading of
R-SIP-3..6 and R-MOB-1..3."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain import compiled as domain_compiled
from syres.domain.rating import counters
from syres.domain.rating.counters import (
    SUM_COLUMNS,
    MobileCounters,
    MobileRecords,
    TrunkCalls,
    count_mobile_records,
    count_trunk_calls,
    load_compiled,
    packed_start_keys,
    paris_months_and_business_days,
    repeated_hashes,
    sorted_by_bits,
    start_positions,
)


def _reference(calls: TrunkCalls) -> dict[str, list[int]]:
    """Call by call in start order, line-month by line-month, as SPEC §5 reads."""
    n = len(calls.order)
    out = {
        name: [0] * n
        for name in (
            "new_number",
            "over_numbers",
            "over_2h_s",
            "included_s",
            "over_time_s",
            "billable_s",
            "billable_units",
            "amount_beyond_micro",
            "amount_if_retroactive_micro",
        )
    }
    positions_of: dict[int, list[int]] = {}
    for position, group in enumerate(calls.group.tolist()):
        positions_of.setdefault(group, []).append(position)
    for positions in positions_of.values():
        over_of: dict[int, bool] = {}
        used = 0
        breached = False
        line = int(calls.line[positions[0]])
        cap = int(calls.cap_s[line])
        rows = [int(calls.order[p]) for p in positions]
        for i in rows:
            timed = 0
            duration = int(calls.duration_s[i])
            # R-SIP-2: beyond the one-call cap of the line's platform, if it has one.
            over_2h = max(duration - cap, 0) if calls.eligible[i] and cap >= 0 else 0
            out["over_2h_s"][i] = over_2h
            if calls.eligible[i]:
                key = int(calls.number_key[i])
                if key not in over_of:
                    # R-SIP-3: the (limit + 1)th distinct number and every later call to it.
                    over_of[key] = len(over_of) + 1 > calls.limit_numbers[line]
                    out["new_number"][i] = 1
                out["over_numbers"][i] = int(over_of[key])
                if not over_of[key]:
                    timed = duration - over_2h
            used += timed
            # R-SIP-4: the crossing call is split.
            included = min(max(int(calls.limit_s[line]) - (used - timed), 0), timed)
            out["included_s"][i] = included
            out["over_time_s"][i] = timed - included
            breached = breached or bool(out["over_numbers"][i]) or timed > included
            if calls.counted[i]:
                billable = int(calls.duration_s[i]) - included
                units = -(-billable // 60)
                out["billable_s"][i] = billable
                out["billable_units"][i] = units
                out["amount_beyond_micro"][i] = units * int(calls.unit_rate_micro[i])
        for i in rows:
            # R-SIP-6: from the first second, once the month is breached.
            if breached and calls.eligible[i]:
                minutes = -(-int(calls.duration_s[i]) // 60)
                out["amount_if_retroactive_micro"][i] = minutes * int(calls.unit_rate_micro[i])
            else:
                out["amount_if_retroactive_micro"][i] = out["amount_beyond_micro"][i]
    return out


@st.composite
def trunk_calls(draw: st.DrawFn) -> TrunkCalls:
    n = draw(st.integers(1, 120))
    groups = sorted(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    # Dense group numbers, as `_start_order` gives them.
    dense = {group: index for index, group in enumerate(sorted(set(groups)))}
    order = draw(st.permutations(list(range(n))))
    # A line per line-month; two months of one line share it (and its limits).
    lines = 3
    line_of_group = {g: draw(st.integers(0, lines - 1)) for g in dense.values()}

    def column(strategy: st.SearchStrategy[int]) -> list[int]:
        return draw(st.lists(strategy, min_size=n, max_size=n))

    counted = column(st.integers(0, 1))
    eligible = [c and e for c, e in zip(counted, column(st.integers(0, 1)), strict=True)]
    duration = column(st.integers(1, 400))

    def per_line(strategy: st.SearchStrategy[int]) -> npt.NDArray[np.int64]:
        return np.array(draw(st.lists(strategy, min_size=lines, max_size=lines)), dtype=np.int64)

    return TrunkCalls(
        order=np.array(order, dtype=np.uint32),
        group=np.array([dense[g] for g in groups], dtype=np.uint32),
        line=np.array([line_of_group[dense[g]] for g in groups], dtype=np.int64),
        counted=np.array(counted, dtype=np.bool_),
        eligible=np.array(eligible, dtype=np.bool_),
        # Few keys, negative ones too (short numbers), so that numbers repeat and collide.
        number_key=np.array(column(st.integers(-5, 12)), dtype=np.int64) * (1 << 40),
        duration_s=np.array(duration, dtype=np.int64),
        unit_rate_micro=np.array(column(st.integers(0, 50_000)), dtype=np.int64),
        on_business_day=np.array(column(st.integers(0, 1)), dtype=np.bool_),
        limit_numbers=per_line(st.integers(1, 6)),
        limit_s=per_line(st.integers(0, 900)),
        cap_s=per_line(st.sampled_from([-1, 0, 1, 60, 300])),
        short_call_max_s=30,
    )


@settings(max_examples=150, deadline=None)
@given(trunk_calls())
def test_the_compiled_pass_reads_r_sip_3_to_6_as_a_plain_loop_does(calls: TrunkCalls) -> None:
    """R-SIP-2..4, R-SIP-6: every per-call result and every line-month total."""
    counters = count_trunk_calls(calls)
    expected = _reference(calls)
    for name, values in expected.items():
        assert getattr(counters, name).astype(np.int64).tolist() == values, name
    sums = {name: counters.sums[:, index] for index, name in enumerate(SUM_COLUMNS)}
    groups = calls.group[np.argsort(calls.order)]  # the line-month of each row
    for g in range(counters.sums.shape[0]):
        rows = groups == g
        assert sums["first_row"][g] == calls.order[np.flatnonzero(calls.group == g)[0]]
        assert sums["distinct_numbers"][g] == counters.new_number[rows].sum()
        assert sums["outgoing_calls"][g] == calls.counted[rows].sum()
        assert sums["billable_units"][g] == counters.billable_units[rows].sum()
        assert sums["amount_beyond_micro"][g] == counters.amount_beyond_micro[rows].sum()
        assert (
            sums["amount_if_retroactive_micro"][g]
            == counters.amount_if_retroactive_micro[rows].sum()
        )
        assert sums["over_numbers"][g] == counters.over_numbers[rows].any()
        assert sums["over_2h"][g] == (counters.over_2h_s[rows] > 0).any()


def test_more_distinct_numbers_than_a_table_slot_holds_alone_r_sip_3() -> None:
    """R-SIP-3 with 5,000 distinct numbers in one line-month (the table probes past clashes):
    the first 300 are in the bundle, the others and every later call to them are not."""
    n = 10_000
    keys = np.arange(n, dtype=np.int64) % 5_000 * 7_919
    one = np.ones(n, dtype=np.int64)
    calls = TrunkCalls(
        order=np.arange(n, dtype=np.uint32),
        group=np.zeros(n, dtype=np.uint32),
        line=np.zeros(n, dtype=np.int64),
        counted=np.ones(n, dtype=np.bool_),
        eligible=np.ones(n, dtype=np.bool_),
        number_key=keys,
        duration_s=one * 60,
        unit_rate_micro=one * 10_000,
        on_business_day=np.ones(n, dtype=np.bool_),
        limit_numbers=np.array([300]),
        limit_s=np.array([10**9]),
        cap_s=np.array([-1]),
        short_call_max_s=5,
    )
    counters = count_trunk_calls(calls)
    assert counters.new_number.sum() == 5_000
    over = counters.over_numbers.reshape(2, 5_000)
    assert not over[:, :300].any()
    assert over[:, 300:].all()


def test_the_pass_still_runs_where_its_machine_code_cannot_be_cached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A read-only install (no writable `__pycache__`, no user cache folder): Numba refuses to
    cache, and the pass is then compiled for the process instead of failing the rating."""
    import numba

    njit = numba.njit

    def njit_without_cache(**options: Any) -> Any:
        if options.get("cache"):
            raise RuntimeError("cannot cache function '_count': no locator available")
        return njit(**options)

    monkeypatch.setattr(numba, "njit", njit_without_cache)
    domain_compiled._compiled.cache_clear()
    try:
        test_more_distinct_numbers_than_a_table_slot_holds_alone_r_sip_3()
    finally:
        domain_compiled._compiled.cache_clear()


def test_the_passes_loaded_before_a_run_are_the_ones_it_runs() -> None:
    """`load_compiled` (while the files are read) loads each pass for the arrays a run gives
    it, whatever they come as (lent read-only by Polars or NumPy's own): a run loads no other
    version of a pass from the cache at its first slice."""
    passes = [counters._bill, counters._use_time, counters._first_calls, counters._paris_days]
    passes += [counters._count_mobile, counters._starts_of_groups, counters._pack_start_keys]
    passes += [counters._start_positions, counters._national_class_rows, counters._number_keys]
    passes += [counters._radix_sorted, counters._prefix_keys, counters._mark_repeated]
    domain_compiled._compiled.cache_clear()
    try:
        load_compiled()
        for read_only in (False, True):

            def given(values: npt.NDArray[Any], read_only: bool = read_only) -> npt.NDArray[Any]:
                values = values.copy()
                values.flags.writeable = not read_only
                return values

            ints, flags = given(np.array([0, 1, 2])), given(np.array([True, False, True]))
            rows = given(np.array([2, 0, 1], dtype=np.uint32))
            groups = given(np.array([0, 0, 1], dtype=np.uint32))
            count_trunk_calls(
                TrunkCalls(
                    rows, groups, ints, flags, flags, ints, ints, ints, flags, ints, ints, ints, 1
                )
            )
            count_mobile_records(
                MobileRecords(
                    rows,
                    groups,
                    given(np.zeros(3, np.int64)),
                    ints,
                    flags,
                    ints,
                    ints,
                    ints,
                    0,
                    1,
                    1,
                    1,
                )
            )
            paris_months_and_business_days(ints, given(np.array([0])), given(np.array([1])), flags)
            keys = packed_start_keys(
                line=rows, period_key=ints, start_us=ints * 10**6, periods=[0, 1, 2], low_us=0,
                seconds_bits=3, row_bits=2,
            )  # fmt: skip
            assert keys is not None
            start_positions(given(np.sort(keys)), seconds_bits=3, row_bits=2, months=3)
            sorted_by_bits(given(keys), low_bit=2, high_bit=8)
            repeated_hashes(given(np.array([7, 3, 7], dtype=np.uint64)))
        assert {f.__name__: len(domain_compiled.compiled(f).signatures) for f in passes} == {  # type: ignore[attr-defined]
            f.__name__: 1 for f in passes
        }
    finally:
        domain_compiled._compiled.cache_clear()


def _mobile_reference(records: MobileRecords) -> dict[str, list[int]]:
    """Record by record in start order, line-month by line-month, as SPEC §5 reads."""
    n = len(records.order)
    names = [f.name for f in fields(MobileCounters)]
    out: dict[str, list[int]] = {name: [0] * n for name in names}
    positions_of: dict[int, list[int]] = {}
    for position, group in enumerate(records.group.tolist()):
        positions_of.setdefault(group, []).append(position)
    mb = 1_048_576
    for positions in positions_of.values():
        used_s = 0
        rank_of: dict[int, int] = {}
        sms = 0
        volume_of: dict[int, int] = {}
        billed_of: dict[int, int] = {}
        for i in (int(records.order[p]) for p in positions):
            timed = int(records.timed_s[i])
            used_s += timed
            # R-MOB-1: the crossing call is split.
            out["included_s"][i] = min(max(records.voice_limit_s - (used_s - timed), 0), timed)
            if records.sms_eligible[i]:
                key = int(records.number_key[i])
                if key not in rank_of:
                    rank_of[key] = len(rank_of) + 1
                    out["new_number"][i] = 1
                # R-MOB-2: the 51st distinct number and every later SMS to it.
                over_numbers = rank_of[key] > records.sms_max_numbers
                out["over_sms_numbers"][i] = int(over_numbers)
                if not over_numbers:
                    sms += 1
                    out["over_sms"][i] = int(sms > records.sms_included)
            # R-MOB-3: per zone; the session that reaches the cap is split.
            zone, volume = int(records.zone[i]), int(records.data_bytes[i])
            cap = int(records.cap_bytes[zone])
            before = volume_of.get(zone, 0)
            volume_of[zone] = before + volume
            out["data_used"][i] = before + volume
            out["reached"][i] = int(volume > 0 and before < cap <= before + volume)
            # At home, data is never billed: only throttled beyond the fair-use volume.
            at_home = zone == records.home_zone
            included = volume if at_home else min(max(cap - before, 0), volume)
            out["included_bytes"][i] = included
            out["billable_bytes"][i] = volume - included
            billed = billed_of.get(zone, 0)
            billed_of[zone] = billed + volume - included
            out["data_units"][i] = -(-billed_of[zone] // mb) - -(-billed // mb)
    return out


@st.composite
def mobile_records(draw: st.DrawFn) -> MobileRecords:
    n = draw(st.integers(1, 120))
    groups = sorted(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    dense = {group: index for index, group in enumerate(sorted(set(groups)))}
    order = draw(st.permutations(list(range(n))))

    def column(strategy: st.SearchStrategy[int]) -> npt.NDArray[np.int64]:
        return np.array(draw(st.lists(strategy, min_size=n, max_size=n)), dtype=np.int64)

    mb = 1_048_576
    return MobileRecords(
        order=np.array(order, dtype=np.uint32),
        group=np.array([dense[g] for g in groups], dtype=np.uint32),
        zone=column(st.integers(0, 2)),
        timed_s=column(st.sampled_from([0, 0, 30, 400, 3_000])),
        sms_eligible=column(st.integers(0, 1)).astype(np.bool_),
        # Few keys, negative ones too (short numbers), so that numbers repeat and collide.
        number_key=column(st.integers(-3, 9)) * (1 << 40),
        data_bytes=column(st.sampled_from([0, 0, 1, 300_000, mb, 3 * mb + 7])),
        cap_bytes=np.array(draw(st.lists(st.integers(0, 5), min_size=3, max_size=3))) * mb,
        home_zone=0,
        voice_limit_s=draw(st.integers(0, 6_000)),
        sms_max_numbers=draw(st.integers(1, 6)),
        sms_included=draw(st.integers(0, 20)),
    )


@settings(max_examples=150, deadline=None)
@given(mobile_records())
def test_the_compiled_mobile_pass_reads_r_mob_1_to_3_as_a_plain_loop_does(
    records: MobileRecords,
) -> None:
    """R-MOB-1..3: the included voice time, the SMS and their distinct numbers, and each
    zone's volume, record by record in start order."""
    counters = count_mobile_records(records)
    for name, values in _mobile_reference(records).items():
        assert getattr(counters, name).astype(np.int64).tolist() == values, name


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**62 - 1), max_size=300),
    st.integers(0, 61),
    st.integers(0, 62),
)
def test_the_radix_sort_orders_by_the_bits_asked_and_keeps_ties_in_order(
    keys: list[int], low_bit: int, high_bit: int
) -> None:
    """SPEC §5.2's start order rests on it: keys (below 2 ** `high_bit`) by their bits from
    `low_bit` up, ties (equal there) in the order they came in, as Python's stable sort puts
    them."""
    high_bit = max(high_bit, low_bit)
    keys = [key % (1 << high_bit) for key in keys]
    expected = sorted(keys, key=lambda key: key >> low_bit)
    got = sorted_by_bits(np.array(keys, dtype=np.int64), low_bit=low_bit, high_bit=high_bit)
    assert got.tolist() == expected


def test_the_radix_sort_of_start_keys_is_a_full_sort() -> None:
    """Keys made in row order with the row in their low bits: sorting the bits above the row
    gives NumPy's full sort (ties by row), on a million keys (every digit pass used)."""
    rng = np.random.default_rng(5)
    rows = np.arange(1_000_000, dtype=np.int64)
    keys = (rng.integers(0, 2**40, len(rows)) << 20) | rows
    keys[::7] = keys[::7] & ~((1 << 60) - (1 << 20)) | rows[::7]  # many ties on the high bits
    assert np.array_equal(sorted_by_bits(keys, low_bit=20, high_bit=62), np.sort(keys))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1) | st.sampled_from([0, 5, 2**63]), max_size=200))
def test_every_repeated_hash_is_a_candidate(hashes: list[int]) -> None:
    """The check of records read twice (SPEC §12: rejected as "doublon"): a hash that repeats always
    marks its rows; a row whose hash is unique is marked only if its high bits repeat."""
    got = repeated_hashes(np.array(hashes, dtype=np.uint64)).tolist()
    row_bits = max(len(hashes) - 1, 1).bit_length()
    drop = 64 - min(62 - row_bits, counters.REPEATED_HASH_BITS)
    for row, value in enumerate(hashes):
        if hashes.count(value) > 1:
            assert got[row]
        elif got[row]:
            assert [h >> drop for h in hashes].count(value >> drop) > 1
