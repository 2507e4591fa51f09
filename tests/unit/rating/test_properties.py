"""Invariants of the rating engine (R-SIP-4, R-SIP-3, R-MOB-1, R-MOB-3), checked by hypothesis."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.rating import RatingResult
from syres.domain.terms import Terms
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file
from tests.unit.rating.helpers import call, rate, usage


def _tiny_terms() -> Terms:
    """The shipped terms with small limits, so that generated months cross them."""
    terms = read_terms_file(SHIPPED_TERMS_FILE)
    platforms = {
        code: platform.model_copy(
            update={"distinct_numbers_per_channel": 3, "outgoing_hours_per_channel": 1}
        )
        for code, platform in terms.platforms.items()
    }
    mobile = terms.mobile.model_copy(
        update={"voice_included_hours": 1, "sms_included": 4, "sms_max_distinct_numbers": 2}
    )
    return terms.model_copy(update={"platforms": platforms, "mobile": mobile})


TINY = _tiny_terms()
LINES = [("T1", "sewan", 1), ("T2", "wazo", 2), ("M1", "mobile", 1)]
NUMBERS = [
    "0145678912",
    "0145678913",
    "0612345678",
    "0712345678",
    "+14155550123",
    "+8613912345678",
    "+861012345678",
    "0892123456",
    "15",
    "3949",
    "+442079460000",
    "0590101234",
]
MCCS = [208, 262, 228, 440]

calls = st.lists(
    st.builds(
        lambda n, callee, duration, minute, line, direction, forwarded: call(
            f"c{n}",
            callee,
            duration,
            minute=minute,
            line=line,
            direction=direction,
            forwarded=forwarded,
        ),
        st.integers(0, 10**6),
        st.sampled_from(NUMBERS),
        st.integers(0, 9000),
        st.integers(0, 60 * 24 * 40),  # spans two months
        st.sampled_from(["T1", "T2"]),
        st.sampled_from(["out", "out", "out", "in"]),
        st.booleans(),
    ),
    max_size=40,
    unique_by=lambda row: row["record_id"],
)
records = st.lists(
    st.builds(
        lambda n, kind, callee, duration, nbytes, minute, mcc, forwarded: usage(
            f"m{n}",
            kind,
            callee=None if kind == "data" else callee,
            duration_s=duration if kind == "voice" else None,
            nbytes=nbytes if kind == "data" else None,
            minute=minute,
            mcc=mcc,
            forwarded=forwarded,
        ),
        st.integers(0, 10**6),
        st.sampled_from(["voice", "sms", "data"]),
        st.sampled_from(NUMBERS),
        st.integers(0, 4000),
        st.integers(0, 20 * 1_048_576),
        st.integers(0, 60 * 24 * 40),
        st.sampled_from(MCCS),
        st.booleans(),
    ),
    max_size=30,
    unique_by=lambda row: row["record_id"],
)


def _rate(rows: list[dict[str, Any]], mobile_rows: list[dict[str, Any]]) -> RatingResult:
    return rate(TINY, calls=rows, mobile=mobile_rows, lines=LINES)


@settings(max_examples=25)
@given(rows=calls, mobile_rows=records)
def test_included_plus_billable_is_the_duration_of_every_outgoing_call_r_sip_4(
    rows: list[dict[str, Any]], mobile_rows: list[dict[str, Any]]
) -> None:
    rated = _rate(rows, mobile_rows).rated
    voice = rated.filter(
        (pl.col("kind") == "voice") & (pl.col("direction") == "out") & (pl.col("duration_s") > 0)
    ).filter(pl.col("destination_class") != "emergency")
    assert (voice["included_s"] + voice["billable_s"] == voice["duration_s"]).all()
    assert (voice["included_s"] >= 0).all()
    assert (voice["billable_s"] >= 0).all()
    data = rated.filter(pl.col("kind") == "data")
    assert (data["included_bytes"] + data["billable_bytes"] == data["bytes"]).all()


@settings(max_examples=25)
@given(rows=calls, mobile_rows=records)
def test_the_included_time_of_a_line_never_exceeds_its_limit_r_sip_4_r_mob_1(
    rows: list[dict[str, Any]], mobile_rows: list[dict[str, Any]]
) -> None:
    result = _rate(rows, mobile_rows)
    included = (
        result.rated.with_columns(pl.col("period").cast(pl.String))
        .group_by("line", "period")
        .agg(pl.col("included_s").sum())
    )
    limits = result.summary.select("line", "period", "limit_s")
    joined = included.join(limits, on=["line", "period"])
    assert (joined["included_s"] <= joined["limit_s"]).all()
    numbers = (
        result.rated.filter((pl.col("kind") == "voice") & (pl.col("included_s") > 0))
        .group_by("line", "period")
        .agg(pl.col("callee").n_unique())
    )
    assert (numbers["callee"] <= 6).all()  # 3 per channel, 2 channels at most


@settings(max_examples=20)
@given(rows=calls, mobile_rows=records, seed=st.randoms(use_true_random=False))
def test_shuffling_the_input_rows_changes_nothing(
    rows: list[dict[str, Any]], mobile_rows: list[dict[str, Any]], seed: Any
) -> None:
    first = _rate(rows, mobile_rows)
    shuffled_rows, shuffled_mobile = list(rows), list(mobile_rows)
    seed.shuffle(shuffled_rows)
    seed.shuffle(shuffled_mobile)
    again = _rate(shuffled_rows, shuffled_mobile)
    columns = [c for c in first.rated.columns if c != "source_line"]
    assert (
        first.rated.select(columns)
        .sort("record_id")
        .equals(again.rated.select(columns).sort("record_id"))
    )
    assert first.summary.equals(again.summary)
    assert first.actions.sort("record_id", "action").equals(
        again.actions.sort("record_id", "action")
    )
