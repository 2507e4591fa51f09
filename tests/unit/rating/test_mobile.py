"""Mobile rules (R-MOB-1..4)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from syres.domain.rating import BYTES_PER_MB, MCC_COUNTRY
from syres.domain.terms import Terms
from tests.unit.rating.helpers import by_id, rate, usage

MOBILE_LINE = [("M1", "mobile", 1)]
FR, DE, CH, JP, GP = 208, 262, 228, 440, 340


def mobile(terms: Terms, records: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    return rate(terms, mobile=records, lines=MOBILE_LINE)


@pytest.mark.parametrize(
    ("mcc", "country", "zone"),
    [(FR, "FR", "home"), (DE, "DE", "1"), (GP, "GP", "1"), (CH, "CH", "1bis"), (JP, "JP", "3")],
)
def test_the_zone_of_a_record_comes_from_its_mcc_r_mob_4(
    terms: Terms, mcc: int, country: str, zone: str
) -> None:
    assert MCC_COUNTRY[mcc] == country
    rated = by_id(mobile(terms, [usage("d", "data", nbytes=1000, mcc=mcc)]))
    assert rated["d"]["zone"] == zone


def test_an_unknown_mcc_is_rejected_r_mob_4(terms: Terms) -> None:
    result = mobile(terms, [usage("d", "data", nbytes=1000, mcc=999)])
    assert result.rated.height == 0
    assert result.rejected["reason"].to_list() == ["MCC inconnu : 999"]


def test_national_voice_is_included_up_to_40_hours_then_split_r_mob_1(terms: Terms) -> None:
    records = [
        usage(f"v{i}", "voice", callee="0612345678", duration_s=3600, minute=i * 61)
        for i in range(39)
    ]
    records.append(usage("cross", "voice", callee="0145678912", duration_s=7200, minute=3000))
    records.append(usage("roam", "voice", callee="0145678912", duration_s=60, mcc=DE, minute=3200))
    rated = by_id(mobile(terms, records))
    assert (rated["cross"]["included_s"], rated["cross"]["billable_s"]) == (3600, 3600)
    assert rated["cross"]["amount"] == Decimal("1.2")  # 60 min × 0.02
    assert (rated["roam"]["included_s"], rated["roam"]["billable_s"]) == (0, 60)


def test_zone_1_roaming_voice_counts_as_national_r_mob_1(terms: Terms) -> None:
    records = [usage("roam", "voice", callee="0612345678", duration_s=600, mcc=DE)]
    rated = by_id(mobile(terms, records))
    assert (rated["roam"]["included_s"], rated["roam"]["billable_s"]) == (600, 0)


def test_permanent_forwarding_is_not_included_r_mob_1(terms: Terms) -> None:
    records = [usage("f", "voice", callee="0612345678", duration_s=90, forwarded=True)]
    rated = by_id(mobile(terms, records))
    assert (rated["f"]["billable_s"], rated["f"]["billable_units"]) == (90, 2)
    assert rated["f"]["reason"] == "forwarded"


def test_voice_from_zones_1bis_and_3_is_billed_at_the_zone_rate_r_mob_1(terms: Terms) -> None:
    records = [
        usage("ch", "voice", callee="0612345678", duration_s=61, mcc=CH),
        usage("jp", "voice", callee="0612345678", duration_s=60, mcc=JP, minute=5),
    ]
    rated = by_id(mobile(terms, records))
    assert rated["ch"]["amount"] == Decimal("0.9")  # 2 min × 0.45
    assert rated["jp"]["amount"] == Decimal("1.2")  # 1 min × 1.20


def test_the_1001st_sms_is_billable_r_mob_2(terms: Terms) -> None:
    records = [
        usage(f"s{i:04d}", "sms", callee=f"06000000{i % 50:02d}", minute=i) for i in range(1001)
    ]
    rated = by_id(mobile(terms, records))
    assert rated["s0999"]["billable_units"] == 0
    assert rated["s1000"]["billable_units"] == 1
    assert rated["s1000"]["reason"] == "over_sms"
    assert rated["s1000"]["amount"] == Decimal("0.05")


def test_an_sms_to_a_51st_distinct_number_is_billable_r_mob_2(terms: Terms) -> None:
    records = [usage(f"s{i:02d}", "sms", callee=f"06000000{i:02d}", minute=i) for i in range(51)]
    records.append(usage("again", "sms", callee="0600000050", minute=100))
    records.append(usage("first", "sms", callee="0600000000", minute=101))
    result = mobile(terms, records)
    rated = by_id(result)
    assert rated["s49"]["billable_units"] == 0
    assert rated["s50"]["billable_units"] == 1
    assert rated["s50"]["reason"] == "over_sms_numbers"
    assert rated["again"]["billable_units"] == 1
    assert rated["first"]["billable_units"] == 0
    assert "over_sms_numbers" in result.summary.row(0, named=True)["breaches"]


def test_crossing_15_mo_in_zone_1bis_emits_one_block_and_one_sms_notice_r_mob_3(
    terms: Terms,
) -> None:
    mb = BYTES_PER_MB
    records = [
        usage("d1", "data", nbytes=10 * mb, mcc=CH),
        usage("d2", "data", nbytes=6 * mb, mcc=CH, minute=10),  # crosses 15 Mo
        usage("d3", "data", nbytes=2 * mb, mcc=CH, minute=20),  # arrives after the cap
        usage("d4", "data", nbytes=1, mcc=CH, minute=30),
    ]
    result = mobile(terms, records)
    assert sorted(result.actions["action"].to_list()) == ["block_data", "sms_notice"]
    assert set(result.actions["record_id"]) == {"d2"}
    rated = by_id(result)
    assert (rated["d2"]["included_bytes"], rated["d2"]["billable_bytes"]) == (5 * mb, mb)
    assert rated["d3"]["billable_units"] == 2
    assert rated["d4"]["billable_units"] == 1
    assert rated["d2"]["amount"] == Decimal("2")  # 1 Mo × 2.00
    assert "data_blocked" in result.summary.row(0, named=True)["breaches"]


def test_zone_1_data_beyond_300_mo_is_billed_at_the_fair_use_rate_without_block_r_mob_3(
    terms: Terms,
) -> None:
    mb = BYTES_PER_MB
    records = [
        usage("d1", "data", nbytes=300 * mb, mcc=DE),
        usage("d2", "data", nbytes=mb // 2, mcc=DE, minute=1),
        usage("d3", "data", nbytes=mb // 2 + 1, mcc=DE, minute=2),
    ]
    result = mobile(terms, records)
    rated = by_id(result)
    assert rated["d1"]["billable_bytes"] == 0
    # Per started Mo of the month's volume beyond the cap: 1 Mo + 1 byte = 2 Mo.
    assert rated["d2"]["billable_units"] + rated["d3"]["billable_units"] == 2
    assert result.actions.height == 0
    summary = result.summary.row(0, named=True)
    assert summary["billable_mb"] == 2
    assert summary["amount_data_micro"] == 4_000


def test_home_data_is_throttled_once_beyond_the_fair_use_volume_r_mob_3(terms: Terms) -> None:
    fair_use = terms.mobile.home_data_fair_use_mb * BYTES_PER_MB
    records = [
        usage("d1", "data", nbytes=fair_use - 10, mcc=FR),
        usage("d2", "data", nbytes=100, mcc=FR, minute=1),
        usage("d3", "data", nbytes=100, mcc=FR, minute=2),
    ]
    result = mobile(terms, records)
    assert result.actions.select("record_id", "action").rows() == [("d2", "throttle")]
    assert result.rated["amount_beyond_micro"].sum() == 0


def test_data_caps_count_per_zone_r_mob_3(terms: Terms) -> None:
    mb = BYTES_PER_MB
    records = [
        usage("ch", "data", nbytes=14 * mb, mcc=CH),
        usage("jp", "data", nbytes=9 * mb, mcc=JP, minute=1),
    ]
    result = mobile(terms, records)
    assert result.actions.height == 0
    assert result.rated.filter(pl.col("billable_bytes") > 0).height == 0
