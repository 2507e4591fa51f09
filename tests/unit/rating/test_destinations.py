"""Destination classification (R-DEST-1..4): the French plan, overseas, international."""

from __future__ import annotations

import re

import phonenumbers
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.rating import (
    LINES_SCHEMA,
    MOBILE_SCHEMA,
    NATIONAL_KEY,
    VOICE_SCHEMA,
    DestinationClass,
    classify_callees,
    classify_national_keys,
    destinations,
    rate_usage,
)
from syres.domain.rating.destinations import national_number_key
from syres.domain.terms import Terms
from tests.unit.rating.helpers import call, frame

C = DestinationClass


def classify(terms: Terms, *callees: str) -> dict[str, tuple[str, str | None, int | None]]:
    table = classify_callees(pl.Series(list(callees)), terms=terms)
    return {
        row["callee"]: (row["destination_class"], row["region"], row["number"])
        for row in table.iter_rows(named=True)
    }


@pytest.mark.parametrize(
    ("callee", "expected", "region", "number"),
    [
        ("0145678912", C.NATIONAL_FIXED, "FR", 33145678912),
        ("+33 1 45 67 89 12", C.NATIONAL_FIXED, "FR", 33145678912),
        ("0033145678912", C.NATIONAL_FIXED, "FR", 33145678912),
        ("05.61.23.45.67", C.NATIONAL_FIXED, "FR", 33561234567),
        ("0912345678", C.NATIONAL_FIXED, "FR", 33912345678),
        ("0612345678", C.NATIONAL_MOBILE, "FR", 33612345678),
        ("0712345678", C.NATIONAL_MOBILE, "FR", 33712345678),
        ("0800123456", C.SPECIAL_FREE, "FR", 33800123456),
        ("0805123456", C.SPECIAL_FREE, "FR", 33805123456),
        ("0806123456", C.SPECIAL, "FR", 33806123456),
        ("0892123456", C.SPECIAL, "FR", 33892123456),
        ("3949", C.SHORT_NUMBER, "FR", None),
        ("118712", C.DIRECTORY, "FR", None),
    ],
)
def test_the_french_plan_classifies_by_prefix_r_dest_1_r_dest_2(
    terms: Terms, callee: str, expected: DestinationClass, region: str, number: int | None
) -> None:
    assert classify(terms, callee)[callee] == (expected.value, region, number)


@pytest.mark.parametrize("callee", ["15", "17", "18", "112", "114", "115", "119", "116000", "196"])
def test_emergency_numbers_are_classified_emergency_r_dest_2(terms: Terms, callee: str) -> None:
    assert classify(terms, callee)[callee][0] == C.EMERGENCY.value


@pytest.mark.parametrize(
    ("callee", "expected", "region"),
    [
        ("0590271234", C.NATIONAL_FIXED, "BL"),  # +590 590 27…: Saint-Barthélemy's range
        ("0590101234", C.NATIONAL_FIXED, "GP"),
        ("0690001234", C.NATIONAL_MOBILE, "GP"),
        ("0596301234", C.NATIONAL_FIXED, "MQ"),
        ("0594101234", C.NATIONAL_FIXED, "GF"),
        ("0262161234", C.NATIONAL_FIXED, "RE"),
        ("0692123456", C.NATIONAL_MOBILE, "RE"),
        ("0639012345", C.NATIONAL_MOBILE, "YT"),
        ("+262 269 60 12 34", C.NATIONAL_FIXED, "YT"),
        ("+590 690 00 12 34", C.NATIONAL_MOBILE, "GP"),
    ],
)
def test_overseas_departments_are_national_with_their_own_region_r_dest_1(
    terms: Terms, callee: str, expected: DestinationClass, region: str
) -> None:
    cls, got_region, number = classify(terms, callee)[callee]
    assert (cls, got_region) == (expected.value, region)
    assert number is not None
    parsed = phonenumbers.parse(f"+{number}")
    assert phonenumbers.region_code_for_number(parsed) == region


@pytest.mark.parametrize(
    "callee",
    # Other digits than ASCII ones (Arabic-Indic here) are in no numbering plan.
    ["abc", "", "12", "+999123456", "0012", "01234", "+44 2٠794601234", "01٢3456789", "3٦46"],
)
def test_a_callee_that_is_no_number_is_invalid(terms: Terms, callee: str) -> None:
    assert classify(terms, callee)[callee][0] == C.INVALID.value


def _included_regions(terms: Terms) -> list[str]:
    regions = {c for p in terms.platforms.values() for c in p.included_countries}
    regions |= set(terms.rates.international) | set(terms.rating.overseas_regions)
    return sorted(regions - {terms.rating.home_country})


_TYPE_NAMES = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed",
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
}


def _expected(terms: Terms, e164: str) -> tuple[str, str | None]:
    parsed = phonenumbers.parse(e164)
    region = phonenumbers.region_code_for_number(parsed)
    kind = _TYPE_NAMES.get(phonenumbers.number_type(parsed), "other")
    if region is None:
        region = phonenumbers.region_code_for_country_code(parsed.country_code)
    if region in terms.rating.overseas_regions and kind != "other":
        return f"national_{kind}", region
    return f"international_{kind}", region


def test_the_table_agrees_with_phonenumbers_on_every_included_country(terms: Terms) -> None:
    """R-DEST-3: fixed and mobile example numbers of every included country (and of every
    country with a rate) get phonenumbers' region and type."""
    numbers = []
    for region in _included_regions(terms):
        for kind in (
            phonenumbers.PhoneNumberType.FIXED_LINE,
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.TOLL_FREE,
        ):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                numbers.append(
                    phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
                )
    assert len(numbers) > 150
    got = classify(terms, *numbers)
    mismatches = {
        n: (got[n][:2], _expected(terms, n)) for n in numbers if got[n][:2] != _expected(terms, n)
    }
    assert mismatches == {}


@settings(max_examples=60)
@given(data=st.data())
def test_the_table_agrees_with_phonenumbers_on_numbers_near_real_ones(
    terms: Terms, data: st.DataObject
) -> None:
    """R-DEST-3/4: real example numbers with their last digits changed."""
    regions = _included_regions(terms)
    region = data.draw(st.sampled_from(regions))
    kind = data.draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE]
        )
    )
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    tail = data.draw(st.text(alphabet="0123456789", min_size=1, max_size=4))
    mutated = e164[: len(e164) - len(tail)] + tail
    assert classify(terms, mutated)[mutated][:2] == _expected(terms, mutated)


def test_us_and_canadian_numbers_are_fixed_since_nanp_cannot_tell_r_dest_3(terms: Terms) -> None:
    got = classify(terms, "+14155550123", "+14165550123", "+12015550123")
    assert got["+14155550123"][:2] == (C.INTERNATIONAL_FIXED.value, "US")
    assert got["+14165550123"][:2] == (C.INTERNATIONAL_FIXED.value, "CA")


def test_each_rate_comes_from_the_terms_r_dest_2_r_dest_4(terms: Terms) -> None:
    table = classify_callees(
        pl.Series(
            [
                "0145678912",
                "0612345678",
                "0892123456",
                "3949",
                "118712",
                "15",
                "+8613912345678",
                "+861012345678",
                "+6621234567",
                "+2250123456789",
            ]
        ),
        terms=terms,
    )
    rates = dict(zip(table["callee"], table["rate_micro"], strict=True))
    assert rates["0145678912"] == 20_000
    assert rates["0612345678"] == 50_000
    assert rates["0892123456"] == 150_000
    assert rates["3949"] == 250_000
    assert rates["118712"] == 1_500_000
    assert rates["15"] == 0
    assert rates["+8613912345678"] == 80_000  # CN mobile
    assert rates["+861012345678"] == 40_000  # CN fixed
    assert rates["+6621234567"] == 60_000  # TH fixed
    assert rates["+2250123456789"] == 600_000  # CI: no country rate, default mobile


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            st.from_regex(r"0[1-9][0-9]{8}", fullmatch=True),
            st.from_regex(r"0[0+\- ][0-9]{8}|0[0-9]{9}[0-9]?|[1-9+][0-9]{9}", fullmatch=True),
            st.text(alphabet=st.sampled_from("0123456789+- _.x١"), min_size=8, max_size=12),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_the_national_key_is_the_nine_digits_of_exactly_the_plain_national_form(
    texts: list[str],
) -> None:
    """R-DEST-1: only `0` then nine digits, the first not 0, is the plain national form; its key
    is those nine digits, and every other text (signs, blanks, other digits) has none."""
    keys = pl.select(national_number_key(pl.Series(texts, dtype=pl.String))).to_series()
    expected = [
        int(text[1:]) if re.fullmatch(r"0[1-9][0-9]{8}", text, flags=re.ASCII) else None
        for text in texts
    ]
    assert keys.to_list() == expected


@settings(max_examples=40, deadline=None)
@given(
    keys=st.lists(
        st.one_of(
            st.integers(100_000_000, 999_999_999),
            # Overseas ranges (R-DEST-1), special and free numbers, by their first digits.
            st.builds(
                lambda prefix, rest: prefix * 1_000_000 + rest,
                st.sampled_from([262, 263, 269, 508, 590, 594, 596, 639, 690, 692, 694, 696,
                                 800, 805, 806, 899, 976]),
                st.integers(0, 999_999),
            ),
        ),
        min_size=1,
        max_size=60,
        unique=True,
    )
)  # fmt: skip
def test_national_numbers_by_their_key_are_classified_as_their_text(
    keys: list[int], terms: Terms
) -> None:
    """R-DEST-1, -2: a national number given by its key gets the class, region, E.164 number
    and rate that the general path (cleaning, calling code) gives its international form."""
    by_key = classify_national_keys(pl.Series(keys, dtype=pl.Int64), terms=terms)
    by_text = classify_callees(pl.Series([f"+33 {key}" for key in keys]), terms=terms)
    expected = by_text.with_columns(national_key=pl.col("callee").str.slice(4).cast(pl.Int64))
    columns = ["national_key", "number", "destination_class", "region", "rate_micro"]
    assert (
        by_key.select(columns)
        .sort("national_key")
        .equals(expected.select(columns).sort("national_key"))
    )


def test_every_national_prefix_of_the_table_is_classified_as_its_numbers_r_dest_1(
    terms: Terms,
) -> None:
    """R-DEST-1, -2: the prefix table classifies national numbers by their first digits. For
    every prefix, its first and last numbers and one between get from the table what the
    overseas ranges' patterns and the French plan give their text."""
    table = destinations.national_prefix_table(terms)
    assert table.digits == 5  # the overseas ranges decide by five digits today
    span = 10 ** (9 - table.digits)
    prefixes = range(10 ** (table.digits - 1), 10**table.digits)
    keys = [prefix * span + rest for prefix in prefixes for rest in (0, 4_321 % span, span - 1)]
    by_key = classify_national_keys(pl.Series(keys, dtype=pl.Int64), terms=terms)
    by_text = classify_callees(pl.Series([f"+33{key}" for key in keys]), terms=terms)
    expected = by_text.select(
        national_key=pl.col("callee").str.slice(3).cast(pl.Int64),
        number="number",
        destination_class="destination_class",
        region="region",
    )
    columns = ["national_key", "number", "destination_class", "region"]
    assert by_key.select(columns).equals(expected.sort("national_key").select(columns))


@pytest.mark.parametrize(
    ("pattern", "deciding"),
    [
        (r"\d{9}", 0),
        (r"[0-9]{9}", 0),
        (r"1\d{8}", 1),
        (r"[^5]\d{8}", 1),
        (r"\d{8}[0-8]", 9),  # the last digit decides
        (r"\d{2,4}5\d{4,6}", 5),  # the 5 can be third, fourth or fifth
        (r"26(?:2\d|30|88)\d{5}|2631[0-6]\d{4}", 5),
        (r"(?:12)+\d{5}", 9),  # (a repetition: read to the end, never fewer than decide)
        (r"(?=1)\d{9}", 9),  # (a look-ahead: a construct it does not read)
    ],
)
def test_the_digits_that_decide_a_pattern_are_read_from_the_pattern(
    pattern: str, deciding: int
) -> None:
    """What makes the prefix table exact: past the digits that decide, every pattern of the
    plan takes any digit."""
    assert destinations._deciding_digits(pattern, 9) == deciding


def test_an_integer_that_is_no_national_key_is_an_invalid_number_r_dest_1(terms: Terms) -> None:
    """The prefix table reads only keys of nine digits: any other integer (a caller's own key
    column) is no national number, as its text would be, and never another prefix's class."""
    keys = pl.Series([-5, 0, 99_999_999, 1_000_000_000, 145_678_912], dtype=pl.Int64)
    table = classify_national_keys(keys, terms=terms)
    assert table.select("destination_class", "number").rows() == [
        (C.INVALID, None),
        (C.INVALID, None),
        (C.INVALID, None),
        (C.INVALID, None),
        (C.NATIONAL_FIXED, 33_145_678_912),
    ]


def test_a_wrong_national_key_given_with_the_records_leaves_the_callee_classified_by_its_text(
    terms: Terms,
) -> None:
    """R-DEST-1: a `NATIONAL_KEY` column (the readers give it) that is no key (not nine
    digits) is not trusted: the callee's text decides, here a French mobile."""
    calls = frame([call("a", "+33612345678", 60), call("b", "0612345679", 60)], VOICE_SCHEMA)
    calls = calls.with_columns(pl.Series(NATIONAL_KEY, [-1, 10**12], dtype=pl.Int64))
    result = rate_usage(
        voice=calls,
        mobile=frame([], MOBILE_SCHEMA),
        lines=pl.DataFrame([("T1", "sewan", 1)], schema=dict(LINES_SCHEMA), orient="row"),
        terms=terms,
    )
    assert result.rated.select("record_id", "destination_class").sort("record_id").rows() == [
        ("a", C.NATIONAL_MOBILE),
        ("b", C.NATIONAL_MOBILE),
    ]
