"""Consumption gauges of the portal: a line's month against its fair-use limits (SPEC §5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.terms import Terms
from syres.domain.usage_gauges import (
    BYTES_PER_MB,
    LineUsage,
    UnableToMeasureUsage,
    usage_gauges,
)
from syres.terms import load_terms


@pytest.fixture(scope="module")
def terms() -> Terms:
    return load_terms()


def test_a_sewan_trunk_has_its_limits_per_channel_r_sip_1_and_r_sip_2(terms: Terms) -> None:
    platform = terms.platforms["sewan"]
    gauges = {
        g.key: g
        for g in usage_gauges(
            usage=LineUsage(
                platform="sewan", channels=2, outgoing_seconds=7200, distinct_numbers=10
            ),
            terms=terms,
        )
    }
    assert gauges["numbers"].limit == platform.distinct_numbers_per_channel * 2
    assert gauges["hours"].limit == platform.outgoing_hours_per_channel * 2
    assert gauges["hours"].used == Decimal("2.00")
    assert not gauges["hours"].warning


def test_a_mobile_line_has_voice_sms_and_data_per_zone_r_mob_1_to_3(terms: Terms) -> None:
    gauges = {
        g.key: g
        for g in usage_gauges(
            usage=LineUsage(
                platform="mobile",
                channels=1,
                sms=900,
                sms_distinct_numbers=12,
                data_bytes_by_zone={"1": 300 * BYTES_PER_MB, "3": 2 * BYTES_PER_MB},
            ),
            terms=terms,
        )
    }
    assert gauges["sms"].limit == terms.mobile.sms_included
    assert gauges["sms"].warning  # 900 of 1,000 is beyond 80 %
    assert gauges["data_1"].used == Decimal("300.0")
    assert gauges["data_1"].warning
    assert not gauges["data_1"].exceeded
    assert gauges["data_3"].limit == terms.mobile.zones["3"].data_cap_mb
    assert gauges["data_1bis"].used == 0
    assert {"hours", "sms_numbers", "data_home"} <= set(gauges)


def test_an_unknown_platform_cannot_be_measured(terms: Terms) -> None:
    with pytest.raises(UnableToMeasureUsage, match="plateforme inconnue"):
        usage_gauges(usage=LineUsage(platform="skype", channels=1), terms=terms)


@settings(max_examples=40, deadline=None)
@given(used=st.integers(min_value=0, max_value=10_000), channels=st.integers(1, 30))
def test_a_gauge_warns_exactly_from_the_warning_share_of_its_limit(
    used: int, channels: int
) -> None:
    terms = load_terms()
    for gauge in usage_gauges(
        usage=LineUsage(platform="wazo", channels=channels, distinct_numbers=used), terms=terms
    ):
        assert gauge.warning == (gauge.used >= gauge.limit * terms.portal.usage_warning_share)
        assert gauge.exceeded == (gauge.used > gauge.limit)
        assert gauge.percent <= gauge.used * 100 / gauge.limit < gauge.percent + 1


def test_a_gauge_warns_from_its_warning_amount(terms: Terms) -> None:
    gauge = usage_gauges(usage=LineUsage(platform="sewan", channels=1), terms=terms)[0]
    assert gauge.warning_at == gauge.limit * terms.portal.usage_warning_share
