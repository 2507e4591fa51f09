"""SIP trunk rules (R-SIP-1..8) and the destinations they include (R-DEST-*)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import polars as pl
import pytest

from syres.domain.money import micro_eur_to_decimal
from syres.domain.periods import Month
from syres.domain.rating import UnableToRateUsage, business_dates, micro_to_decimal
from syres.domain.terms import Terms
from tests.unit.rating.helpers import PARIS, UTC, by_id, call, rate, usage


def fr(n: int) -> str:
    """A distinct French fixed number."""
    return f"01{n:08d}"


def test_the_call_that_crosses_the_time_limit_is_split_r_sip_4(terms: Terms) -> None:
    # SEWAN, 1 channel: 40 h. 39 one-hour calls, then a 2-hour call, then one more.
    calls = [call(f"c{i:02d}", fr(1), 3600, minute=i * 61) for i in range(39)]
    calls.append(call("cross", fr(2), 7200, minute=39 * 61))
    calls.append(call("after", fr(1), 60, minute=39 * 61 + 130))
    rated = by_id(rate(terms, calls=calls))
    assert (rated["c38"]["included_s"], rated["c38"]["billable_s"]) == (3600, 0)
    assert (rated["cross"]["included_s"], rated["cross"]["billable_s"]) == (3600, 3600)
    assert rated["cross"]["reason"] == "over_time"
    assert rated["cross"]["billable_units"] == 60
    assert (rated["after"]["included_s"], rated["after"]["billable_s"]) == (0, 60)


def test_billable_seconds_are_billed_per_started_minute_r_sip_5(terms: Terms) -> None:
    rated = by_id(rate(terms, calls=[call("a", "+8613912345678", 61)]))
    assert rated["a"]["billable_units"] == 2
    assert rated["a"]["amount"] == Decimal("0.16")  # 2 × 0.08 (CN mobile)


def test_the_301st_distinct_number_and_later_calls_to_it_are_billable_r_sip_3(
    terms: Terms,
) -> None:
    """SEWAN, 1 channel: 300 distinct numbers; the 301st is out of bundle for the month."""
    calls = [call(f"n{i:03d}", fr(i), 30, minute=i) for i in range(1, 301)]
    calls.append(call("n301", fr(301), 30, minute=400))
    calls.append(call("n301-again", fr(301), 30, minute=500))
    calls.append(call("n001-again", fr(1), 30, minute=600))
    result = rate(terms, calls=calls)
    rated = by_id(result)
    assert rated["n300"]["included_s"] == 30
    for record in ("n301", "n301-again"):
        assert (rated[record]["included_s"], rated[record]["billable_s"]) == (0, 30)
        assert rated[record]["reason"] == "over_numbers"
    assert (rated["n001-again"]["included_s"], rated["n001-again"]["billable_s"]) == (30, 0)
    summary = result.summary.row(0, named=True)
    assert summary["distinct_numbers"] == 301
    assert summary["limit_numbers"] == 300
    assert "over_numbers" in summary["breaches"]


def test_a_number_out_of_bundle_counts_toward_no_time_limit_r_sip_3(terms: Terms) -> None:
    lines = [("T1", "wazo", 1)]  # 199 numbers, 16 h = 57,600 s
    calls = [call(f"n{i:03d}", fr(i), 10, minute=i) for i in range(1, 200)]  # 1,990 s
    calls.append(call("extra", fr(500), 7000, minute=300))
    calls += [call(f"back{i}", fr(1), 7000, minute=500 + i * 200) for i in range(7)]  # 49,000 s
    calls.append(call("last", fr(2), 6610, minute=3000))  # reaches 57,600 s exactly
    rated = by_id(rate(terms, calls=calls, lines=lines))
    assert (rated["extra"]["included_s"], rated["extra"]["billable_s"]) == (0, 7000)
    assert (rated["last"]["included_s"], rated["last"]["billable_s"]) == (6610, 0)


def test_a_2h30_call_on_wazo_bills_30_minutes_r_sip_2(terms: Terms) -> None:
    rated = by_id(rate(terms, calls=[call("long", fr(1), 9000)], lines=[("T1", "wazo", 1)]))
    assert (rated["long"]["included_s"], rated["long"]["billable_s"]) == (7200, 1800)
    assert rated["long"]["billable_units"] == 30
    assert rated["long"]["reason"] == "over_2h"


def test_the_2_hour_cap_applies_to_openip_not_sewan_r_sip_2(terms: Terms) -> None:
    calls = [call("a", fr(1), 9000, line="O"), call("b", fr(1), 9000, line="S")]
    rated = by_id(rate(terms, calls=calls, lines=[("O", "openip", 1), ("S", "sewan", 1)]))
    assert rated["a"]["billable_s"] == 1800
    assert rated["b"]["billable_s"] == 0


def test_a_forwarded_call_is_billable_and_counts_toward_no_limit_r_sip_1(terms: Terms) -> None:
    calls = [call(f"n{i:03d}", fr(i), 10, minute=i) for i in range(1, 300)]  # 299 numbers
    calls.append(call("fwd", fr(900), 20 * 3600, minute=400, forwarded=True))
    calls.append(call("n300", fr(901), 60, minute=2000))
    result = rate(terms, calls=calls)
    rated = by_id(result)
    assert (rated["fwd"]["included_s"], rated["fwd"]["billable_s"]) == (0, 20 * 3600)
    assert rated["fwd"]["reason"] == "forwarded"
    assert rated["n300"]["included_s"] == 60  # the 300th number: still in bundle
    summary = result.summary.row(0, named=True)
    assert summary["distinct_numbers"] == 300
    assert summary["breaches"] == ""


def test_an_emergency_call_is_free_and_absent_from_billable_output_r_dest_2(terms: Terms) -> None:
    result = rate(terms, calls=[call("sos", "112", 600), call("a", fr(1), 60, minute=20)])
    rated = by_id(result)
    assert rated["sos"]["billable_units"] == 0
    assert rated["sos"]["amount"] == 0
    assert rated["sos"]["included_s"] == 0
    assert rated["sos"]["callee"] is None
    assert rated["sos"]["reason"] == "emergency"
    billable = result.rated.filter(pl.col("billable_units") > 0)
    assert "emergency" not in billable["destination_class"].to_list()
    summary = result.summary.row(0, named=True)
    assert (summary["outgoing_calls"], summary["outgoing_s"]) == (1, 60)


def test_an_emergency_number_is_hidden_whatever_the_other_calls_of_the_run_r_dest_2(
    terms: Terms,
) -> None:
    """R-DEST-2: an emergency number is never shown, on an incoming call's record too, whether
    or not another call of the same run dialled it."""
    alone = by_id(rate(terms, calls=[call("in", "112", 60, direction="in")]))
    beside = by_id(
        rate(terms, calls=[call("sos", "112", 60), call("in", "112", 60, minute=5, direction="in")])
    )
    assert alone["in"]["callee"] is None
    assert beside["in"]["callee"] is beside["sos"]["callee"] is None
    assert alone["in"]["reason"] == beside["in"]["reason"] == "incoming"


def test_a_line_without_a_number_of_channels_is_refused(terms: Terms) -> None:
    with pytest.raises(UnableToRateUsage, match="canaux"):
        rate(terms, calls=[call("a", fr(1), 60)], lines=[("T1", "sewan", None)])  # type: ignore[list-item]


@pytest.mark.parametrize("platform", ["sewan", "openip", "yeastar", "wazo"])
def test_us_and_canadian_mobiles_are_included_on_every_platform_r_dest_3(
    terms: Terms, platform: str
) -> None:
    calls = [call("us", "+14155550123", 120), call("ca", "+15145550123", 120, minute=5)]
    rated = by_id(rate(terms, calls=calls, lines=[("T1", platform, 1)]))
    assert rated["us"]["included_s"] == rated["ca"]["included_s"] == 120


def test_a_chinese_mobile_on_sewan_is_billable_a_chinese_fixed_is_included_r_dest_3(
    terms: Terms,
) -> None:
    calls = [call("mob", "+8613912345678", 120), call("fix", "+861012345678", 120, minute=5)]
    rated = by_id(rate(terms, calls=calls))
    assert (rated["mob"]["billable_s"], rated["mob"]["reason"]) == (120, "not_included")
    assert (rated["fix"]["included_s"], rated["fix"]["billable_s"]) == (120, 0)


def test_a_country_not_listed_for_the_platform_is_billed_at_its_rate_r_dest_4(
    terms: Terms,
) -> None:
    # China is included on SEWAN but not on WAZO.
    rated = by_id(rate(terms, calls=[call("a", "+861012345678", 60)], lines=[("T1", "wazo", 1)]))
    assert rated["a"]["billable_units"] == 1
    assert rated["a"]["amount"] == Decimal("0.04")


def test_special_numbers_are_never_included_and_0800_is_free_r_dest_2(terms: Terms) -> None:
    calls = [
        call("s08", "0892123456", 90),
        call("free", "0800123456", 90, minute=5),
        call("short", "3949", 30, minute=10),
        call("dir", "118712", 30, minute=15),
    ]
    rated = by_id(rate(terms, calls=calls))
    assert rated["s08"]["amount"] == Decimal("0.30")
    assert rated["free"]["billable_s"] == 90
    assert rated["free"]["amount"] == 0
    assert rated["short"]["amount"] == Decimal("0.25")
    assert rated["dir"]["amount"] == Decimal("1.5")


def test_incoming_and_zero_second_calls_count_for_nothing(terms: Terms) -> None:
    result = rate(terms, calls=[call("in", fr(1), 600, direction="in"), call("zero", fr(2), 0)])
    rated = by_id(result)
    assert rated["in"]["reason"] == "incoming"
    assert rated["zero"]["reason"] == "no_call"
    assert result.summary["outgoing_calls"].to_list() == [0]


def test_calls_are_taken_in_start_order_ties_by_call_id(terms: Terms) -> None:
    """SPEC §5.2: two calls at the same second crossing the limit: the lower id goes first."""
    calls = [call(f"c{i:02d}", fr(1), 3600, minute=i * 61) for i in range(39)]
    calls += [call("z", fr(2), 3600, minute=3000), call("a", fr(3), 3600, minute=3000)]
    rated = by_id(rate(terms, calls=list(reversed(calls))))
    assert rated["a"]["included_s"] == 3600
    assert rated["z"]["included_s"] == 0


def test_counters_run_per_calendar_month_in_paris_time(terms: Terms) -> None:
    # 31 March 23:30 Paris is 21:30 UTC: March. 1 April 00:30 Paris is 31 March 22:30 UTC.
    march = datetime(2026, 3, 31, 23, 30, tzinfo=PARIS).astimezone(UTC)
    april = datetime(2026, 4, 1, 0, 30, tzinfo=PARIS).astimezone(UTC)
    result = rate(
        terms, calls=[call("m", fr(1), 60, start=march), call("a", fr(1), 60, start=april)]
    )
    rated = by_id(result)
    assert (rated["m"]["period"], rated["a"]["period"]) == ("2026-03", "2026-04")
    assert result.summary["period"].to_list() == ["2026-03", "2026-04"]


def test_retroactive_amount_bills_every_included_call_of_a_breached_month_r_sip_6(
    terms: Terms,
) -> None:
    calls = [call(f"n{i:03d}", fr(i), 61, minute=i * 2) for i in range(1, 302)]  # 301 numbers
    beyond = rate(terms, calls=calls)
    summary = beyond.summary.row(0, named=True)
    # Beyond: only the 301st number, 2 started minutes at 0.02.
    assert micro_eur_to_decimal(summary["amount_micro"]) == Decimal("0.04")
    # Retroactive: all 301 calls, 2 started minutes each.
    assert micro_eur_to_decimal(summary["amount_if_retroactive_micro"]) == Decimal("12.04")
    retro = rate(terms, calls=calls, overage="retroactive").summary.row(0, named=True)
    assert micro_eur_to_decimal(retro["amount_micro"]) == Decimal("12.04")
    assert micro_eur_to_decimal(retro["amount_beyond_micro"]) == Decimal("0.04")


def test_a_month_without_breach_has_the_same_retroactive_amount_r_sip_6(terms: Terms) -> None:
    calls = [call("a", fr(1), 61), call("b", "+8613912345678", 61, minute=5)]
    summary = rate(terms, calls=calls).summary.row(0, named=True)
    assert summary["amount_micro"] == summary["amount_if_retroactive_micro"] == 160_000


def _busy_month(terms: Terms, line: str, per_day: int) -> list[dict[str, object]]:
    days = business_dates(month=Month(2026, 3), terms=terms)
    return [
        call(
            f"{line}-{day.day}-{i}",
            fr(i),
            45,
            line=line,
            start=datetime(2026, 3, day.day, 8, tzinfo=PARIS)
            .astimezone(UTC)
            .replace(minute=i % 60, second=i // 60),
        )
        for day in days
        for i in range(per_day)
    ]


def test_a_trunk_busy_like_a_call_centre_is_flagged_but_yeastar_is_not_r_sip_7(
    terms: Terms,
) -> None:
    limit = terms.rating.call_centre.max_calls_per_channel_per_business_day
    calls = (
        _busy_month(terms, "S", limit + 1)
        + _busy_month(terms, "Y", limit + 1)
        + _busy_month(terms, "Q", limit)
    )
    lines = [("S", "sewan", 1), ("Y", "yeastar", 1), ("Q", "sewan", 1)]
    result = rate(terms, calls=calls, lines=lines)
    flags = dict(zip(result.summary["line"], result.summary["call_centre_flag"], strict=True))
    assert flags == {"S": True, "Y": False, "Q": False}
    # The flag alone bills nothing.
    assert result.summary.filter(pl.col("line") == "S")["amount_micro"].item() == 0


def test_a_high_share_of_short_calls_flags_the_trunk_r_sip_7(terms: Terms) -> None:
    cc = terms.rating.call_centre
    n = cc.min_calls_for_short_share
    calls = [call(f"s{i}", fr(i % 250), cc.short_call_max_seconds, minute=i * 2) for i in range(n)]
    summary = rate(terms, calls=calls).summary.row(0, named=True)
    assert summary["call_centre_flag"] is True
    longer = [
        call(f"s{i}", fr(i % 250), cc.short_call_max_seconds + 1, minute=i * 2) for i in range(n)
    ]
    assert rate(terms, calls=longer).summary.row(0, named=True)["call_centre_flag"] is False


def test_business_days_exclude_weekends_and_french_holidays_r_sip_7(terms: Terms) -> None:
    # May 2026: 21 weekdays less 1, 8, 14 (Ascension) and 25 (Whit Monday) May.
    assert len(business_dates(month=Month(2026, 5), terms=terms)) == 17
    assert len(business_dates(month=Month(2026, 3), terms=terms)) == 22


def test_a_licence_is_rated_as_a_trunk_channel_r_sip_8(terms: Terms) -> None:
    """Three WAZO licences: 3 × 199 numbers and 3 × 16 h."""
    summary = rate(terms, calls=[call("a", fr(1), 60)], lines=[("T1", "wazo", 3)]).summary
    assert summary.row(0, named=True)["limit_numbers"] == 597
    assert summary.row(0, named=True)["limit_s"] == 3 * 16 * 3600


def test_duplicates_and_unknown_lines_are_rejected_not_rated(terms: Terms) -> None:
    calls = [call("a", fr(1), 60), call("a", fr(1), 60), call("b", fr(1), 60, line="nope")]
    result = rate(terms, calls=calls)
    assert result.rated["record_id"].to_list() == ["a"]
    reasons = result.rejected["reason"].to_list()
    assert any("doublon" in r for r in reasons)
    assert any("ligne inconnue" in r for r in reasons)


def test_a_record_without_a_start_is_rejected_not_rated(terms: Terms) -> None:
    """SPEC §12: a record the engine cannot date (given by a caller other than the importers,
    which reject it first) is reported with its reason, and the others are rated."""
    undated = {**call("b", fr(2), 60), "start": None}
    mobile = {**usage("m", "sms", callee=fr(3)), "start": None}
    result = rate(
        terms,
        calls=[call("a", fr(1), 60), undated],
        mobile=[mobile],
        lines=[("T1", "sewan", 1), ("M1", "mobile", 1)],
    )
    assert result.rated["record_id"].to_list() == ["a"]
    assert sorted(result.rejected["record_id"].to_list()) == ["b", "m"]
    assert set(result.rejected["reason"]) == {"date de début manquante"}


def test_a_duplicate_is_the_same_id_on_the_same_line_known_or_not(terms: Terms) -> None:
    """The same record id on two lines is two records; on one line, the second is a duplicate,
    on an unknown line too (the first one read is the one kept, or reported)."""
    calls = [
        call("a", fr(1), 60),
        call("a", fr(2), 60, line="T2"),
        call("x", fr(1), 60, line="nope"),
        call("x", fr(1), 60, line="gone"),
        call("x", fr(1), 60, line="nope"),
    ]
    result = rate(terms, calls=calls, lines=[("T1", "sewan", 1), ("T2", "sewan", 1)])
    assert sorted(result.rated["line"].to_list()) == ["T1", "T2"]
    reasons = dict(
        zip(
            result.rejected["line"] + ":" + result.rejected["reason"].str.slice(0, 7),
            result.rejected["source_line"],
            strict=True,
        )
    )
    assert sorted(reasons) == ["gone:ligne i", "nope:doublon", "nope:ligne i"]


def test_an_unknown_platform_in_the_lines_is_refused(terms: Terms) -> None:
    with pytest.raises(UnableToRateUsage, match="plateforme inconnue"):
        rate(terms, calls=[], lines=[("T1", "orange", 1)])


def test_decimal_columns_are_exactly_the_micro_euros(terms: Terms) -> None:
    values = [0, 1, 20_000, 1_234_567, 10**12 + 7, -1, -999_999, None, 10**18 - 1, -(10**18) + 1]
    # A slice (an offset into the buffers) and a frame column in several chunks, as in a run.
    chunked = pl.concat([pl.Series("m", values[:4]), pl.Series("m", values[4:])], rechunk=False)
    for micro in (pl.Series("m", values), pl.Series("m", [7, *values])[1:], chunked):
        euros = micro_to_decimal(micro)
        assert euros.dtype == pl.Decimal(18, 6)
        assert euros.name == "m"
        assert euros.to_list() == [None if v is None else micro_eur_to_decimal(v) for v in values]


def test_an_amount_beyond_the_decimal_column_is_refused() -> None:
    for beyond in (10**18, -(10**18), -(2**63), 2**63 - 1):
        with pytest.raises(UnableToRateUsage, match="montant hors limites"):
            micro_to_decimal(pl.Series("amount", [1, beyond]))


# Three lines of different platforms, the first without calls: each line-month must get its own
# line's limits (R-SIP-2..4), whatever the order of the lines and the months.
MIXED_LINES = [("IDLE", "sewan", 3), ("W", "wazo", 1), ("S", "sewan", 2)]


def test_each_line_month_gets_its_own_lines_limits_r_sip_2_to_4(terms: Terms) -> None:
    april = datetime(2026, 4, 6, 9, 0, tzinfo=PARIS)
    calls = [call(f"w{i:03d}", fr(i), 60, line="W", minute=i) for i in range(1, 201)]
    calls += [call(f"s{i:03d}", fr(i), 60, line="S", minute=i) for i in range(1, 201)]
    calls += [
        call("w-long", fr(1), 9000, line="W", minute=500),
        call("s-long", fr(1), 9000, line="S", minute=500),
        call("w-april", fr(900), 60, line="W", start=april),
    ]
    rated = by_id(rate(terms, calls=calls, lines=MIXED_LINES))
    # WAZO, one licence: 199 numbers, then the 200th is out; SEWAN, two channels: 600.
    assert rated["w199"]["reason"] == ""
    assert rated["w200"]["reason"] == "over_numbers"
    assert rated["s200"]["reason"] == ""
    # The two-hour cap is WAZO's, not SEWAN's.
    assert (rated["w-long"]["billable_s"], rated["w-long"]["reason"]) == (1800, "over_2h")
    assert (rated["s-long"]["billable_s"], rated["s-long"]["reason"]) == (0, "")
    # A new month starts again from nothing.
    assert (rated["w-april"]["billable_s"], rated["w-april"]["reason"]) == (0, "")


def test_line_months_decades_apart_get_their_lines_limits_r_sip_2(terms: Terms) -> None:
    """Starts 44 years apart do not fit the packed sort key: the wide sort gives each call its
    line's cap all the same."""
    later = datetime(2070, 3, 3, 9, 0, tzinfo=PARIS)
    calls = [
        call("w-now", fr(1), 9000, line="W"),
        call("s-now", fr(1), 9000, line="S"),
        call("w-later", fr(1), 9000, line="W", start=later),
        call("s-later", fr(1), 9000, line="S", start=later),
    ]
    rated = by_id(rate(terms, calls=calls, lines=MIXED_LINES))
    assert [rated[c]["billable_s"] for c in ("w-now", "s-now", "w-later", "s-later")] == [
        1800,
        0,
        1800,
        0,
    ]


def test_a_record_beyond_a_month_or_a_petabyte_is_rejected_not_rated(terms: Terms) -> None:
    """Such a record is an export error, and its amount would overflow the integer micro-euros
    (a CDR of 13.8 × 10¹⁵ s was billed 0.61 €)."""
    calls = [call("ok", fr(1), 31 * 24 * 3600), call("huge", "+8613912345678", 13835058055282620)]
    data = {**usage("big", "data", nbytes=10**15 + 1), "callee": None}
    result = rate(
        terms, calls=calls, mobile=[data], lines=[("T1", "sewan", 1), ("M1", "mobile", 1)]
    )
    assert result.rated["record_id"].to_list() == ["ok"]
    reasons = dict(zip(result.rejected["record_id"], result.rejected["reason"], strict=True))
    assert reasons == {
        "huge": "durée hors limites (plus de 31 jours)",
        "big": "volume hors limites (plus de 1 Po)",
    }
