"""The terms file: every number of the CGV is present and typed; bad files are refused."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from syres.domain.terms import EquipmentModel, InternetAccess, Terms, TermsError, parse_terms
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file
from tests.conftest import SHARED_SPEC_DIR

CGV = (SHARED_SPEC_DIR / "cgv-syres-telecom.txt").read_text(encoding="utf-8")
SHIPPED_TEXT = SHIPPED_TERMS_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def terms() -> Terms:
    return read_terms_file(SHIPPED_TERMS_FILE)


def _cgv_destination_lists() -> list[list[str]]:
    pattern = r"appels vers \d+ destinations internationales FIXE only[^:]*: (.*?)\.\n"
    return [
        [name.strip().rstrip("²") for name in match.group(1).split(",")]
        for match in re.finditer(pattern, CGV)
    ]


def test_seller_identity_is_the_one_of_the_cgv(terms: Terms) -> None:
    """R-INV-4: SYRES TELECOM SARL, capital 85 000 €, SIREN 441733953, Olempes, Rodez."""
    seller = terms.seller
    assert (seller.legal_name, seller.legal_form) == ("SYRES TELECOM", "SARL")
    assert seller.share_capital == Decimal("85000")
    assert seller.siren == "441733953"
    assert seller.vat_number == "FR93441733953"
    assert (seller.postcode, seller.city) == ("12510", "Olempes")
    assert seller.commercial_court == "Tribunal de commerce de Rodez"


def test_every_cgv_number_is_in_the_terms(terms: Terms) -> None:
    """R-CUST-2, R-ORD-1..3, R-END-1, R-PAY-2, R-EQ-2, R-INV-4, R-SEC-1, R-DATA-3, R-GTR-1."""
    assert terms.subscription.kbis_max_age_months == 6
    assert terms.quotes.validity_months == 1
    assert terms.orders.deposit_share == Decimal("0.30")
    assert terms.orders.lead_time_days == 45
    assert (
        terms.orders.fibre_construction_weeks_min,
        terms.orders.fibre_construction_weeks_max,
    ) == (8, 12)
    assert terms.orders.modem_site.humidity_max_percent == 50
    assert (
        terms.orders.modem_site.temperature_min_celsius,
        terms.orders.modem_site.temperature_max_celsius,
    ) == (10, 30)
    assert terms.contracts.notice_months == 3
    assert terms.contracts.consumption_estimate_months == 3
    assert terms.disputes.window_days == 30
    assert terms.equipment.warranty_months == 12
    assert terms.invoicing.recovery_indemnity == Decimal("40")
    assert terms.invoicing.vat_rate_on(day=date(2026, 11, 1)) == Decimal("0.20")
    assert terms.invoicing.max_payment_terms_days <= 45
    assert terms.security.password_max_age_months == 1
    assert terms.retention.usage_detail_months == 12
    assert terms.retention.invoice_years == 10
    assert terms.support.gtr_hours == 4


@pytest.mark.parametrize(
    ("platform", "numbers", "hours", "max_call_seconds", "us_ca_mobiles"),
    [
        ("sewan", 300, 40, None, True),
        ("yeastar", 300, 40, None, True),
        ("openip", 199, 16, 7200, False),
        ("wazo", 199, 16, 7200, False),
    ],
)
def test_sip_platform_limits_are_those_of_the_annexes(
    terms: Terms,
    platform: str,
    numbers: int,
    hours: int,
    max_call_seconds: int | None,
    us_ca_mobiles: bool,
) -> None:
    """R-SIP-2, R-SIP-3, R-SIP-4, R-DEST-3: limits per channel and per call."""
    limits = terms.platforms[platform]  # type: ignore[index]
    assert limits.distinct_numbers_per_channel == numbers
    assert limits.outgoing_hours_per_channel == hours
    assert limits.max_call_seconds == max_call_seconds
    assert limits.includes_us_ca_mobiles is us_ca_mobiles


def test_included_destinations_are_the_names_listed_in_the_cgv(terms: Terms) -> None:
    """R-DEST-3: every name of each platform's list, in the CGV's order, with its country."""
    lists = _cgv_destination_lists()
    assert len(lists) == 4
    for platform, names in zip(("sewan", "openip", "yeastar", "wazo"), lists, strict=True):
        assert [d.name for d in terms.platforms[platform].included_destinations] == names  # type: ignore[index]


def test_destination_names_map_to_the_countries_fixed_by_the_spec(terms: Terms) -> None:
    """R-DEST-3: UK nations are GB; Azores PT; Balearics, Canaries ES; Alaska, Hawaii US…"""
    sewan = {d.name: d.country for d in terms.platforms["sewan"].included_destinations}
    expected = {
        "Angleterre": "GB",
        "Ecosse": "GB",
        "Pays De Galles": "GB",
        "Irlande Du Nord": "GB",
        "Açores": "PT",
        "Baléares": "ES",
        "Canaries": "ES",
        "Alaska": "US",
        "Hawaï": "US",
        "Guam": "GU",
        "Porto Rico": "PR",
        "Iles Vierges Américaines": "VI",
        "Vatican": "VA",
    }
    assert {name: sewan[name] for name in expected} == expected
    assert "CN" in terms.platforms["sewan"].included_countries
    assert "CN" not in terms.platforms["wazo"].included_countries


def test_mobile_caps_are_those_of_the_annex(terms: Terms) -> None:
    """R-MOB-1..4: 40 h voice, 1,000 SMS to 50 numbers, data 300/15/10 Mo by zone."""
    mobile = terms.mobile
    assert mobile.voice_included_hours == 40
    assert (mobile.sms_included, mobile.sms_max_distinct_numbers) == (1000, 50)
    assert {code: zone.data_cap_mb for code, zone in mobile.zones.items()} == {
        "1": 300,
        "1bis": 15,
        "3": 10,
    }
    assert mobile.zones["1"].beyond_cap == "bill"
    assert mobile.zones["1bis"].beyond_cap == mobile.zones["3"].beyond_cap == "block"
    assert mobile.zone_of(country="DE") == "1"
    assert mobile.zone_of(country="CH") == "1bis"
    assert mobile.zone_of(country="JP") == "3"


def test_emergency_numbers_are_those_of_the_spec(terms: Terms) -> None:
    """R-DEST-2: 15, 17, 18, 112, 114, 115, 119, 116xxx, 191, 196, 197; 0800–0805 free."""
    assert set(terms.rating.emergency_numbers) == {
        "15",
        "17",
        "18",
        "112",
        "114",
        "115",
        "119",
        "191",
        "196",
        "197",
    }
    assert terms.rating.emergency_prefixes == ("116",)
    assert terms.rating.free_special_prefixes == ("0800", "0801", "0802", "0803", "0804", "0805")


def test_overseas_departments_are_national_regions(terms: Terms) -> None:
    """R-DEST-1: numbers of the overseas departments count as national."""
    assert {"GP", "MQ", "GF", "RE", "YT"} <= set(terms.rating.overseas_regions)


def test_the_price_list_covers_every_product_family_and_is_marked_as_example(terms: Terms) -> None:
    """R-CAT-1: ADSL, VDSL, SDSL, FTTH, FTTO, trunks, licences, mobile, equipment."""
    assert terms.catalog.example_prices
    assert terms.rates.example_prices
    products = terms.catalog.products
    technologies = {p.technology for p in products if isinstance(p, InternetAccess)}
    assert technologies == {"adsl", "vdsl", "sdsl", "ftth", "ftto"}
    trunks = {p.platform for p in products if p.family == "sip_trunk"}
    licences = {p.platform for p in products if p.family == "hosted_licence"}
    assert trunks == licences == {"sewan", "openip", "yeastar", "wazo"}
    assert any(p.family == "mobile_plan" for p in products)
    assert all(p.depreciation_months > 0 for p in products if isinstance(p, EquipmentModel))


def test_sepa_lead_times_are_the_policy_of_the_terms(terms: Terms) -> None:
    """R-PAY-1: pre-notification 14 calendar days, CORE and B2B files at D-1 at the latest."""
    assert terms.payments.sepa_prenotification_days == 14
    assert terms.payments.sepa_core_lead_business_days == 1
    assert terms.payments.sepa_b2b_lead_business_days == 1


def _refusal(text: str) -> TermsError:
    with pytest.raises(TermsError) as caught:
        parse_terms(text, source="broken.toml")
    return caught.value


@pytest.mark.parametrize(
    ("change", "key", "reason"),
    [
        (("lead_time_days = 45\n", ""), "orders.lead_time_days", "missing key"),
        (
            ("lead_time_days = 45", 'lead_time_days = "45"'),
            "orders.lead_time_days",
            "valid integer",
        ),
        (
            ("monthly_price = 49.00", "monthly_price = -49.00"),
            "catalog.products[3] (code FTTH-1G).monthly_price",
            "greater than or equal to 0",
        ),
        (
            ('platform = "wazo"', 'platform = "skype"'),
            "catalog.products[9] (code TRUNK-WAZO).platform",
            "'wazo'",
        ),
        (("[platforms.wazo]", "[platforms.skype]"), "platforms.skype", "'wazo'"),
        (("window_days = 30", "window_dayz = 30"), "disputes.window_dayz", "unknown key"),
        (
            ("sepa_prenotification_days = 14", "sepa_prenotification_days = 0"),
            "payments.sepa_prenotification_days",
            "greater than 0",
        ),
        (
            ("late_penalty_annual_rate = 0.12", "late_penalty_annual_rate = 0.05"),
            "invoicing",
            "3 × legal_interest_rate",
        ),
        (
            ('vat_number = "FR93441733953"', 'vat_number = "FR12441733953"'),
            "seller",
            "does not match the SIREN",
        ),
        (
            ('country = "CN"', 'country = "XX"'),
            "platforms.sewan.included_destinations[17].country",
            "'XX' is not an ISO 3166",
        ),
    ],
)
def test_a_broken_terms_file_is_refused_with_the_key_and_the_reason(
    change: tuple[str, str], key: str, reason: str
) -> None:
    old, new = change
    assert old in SHIPPED_TEXT
    error = _refusal(SHIPPED_TEXT.replace(old, new, 1))
    assert any(k == key and reason in r for k, r in error.problems), error.problems
    assert "broken.toml" in str(error)


def test_a_syntax_error_is_refused_with_its_position() -> None:
    error = _refusal(SHIPPED_TEXT.replace("[quotes]", "[quotes", 1))
    assert error.problems[0][0] == "(syntax)"
    assert "line" in error.problems[0][1]


def test_an_accessory_without_a_replacement_value_is_refused() -> None:
    """R-EQ-3: a missing accessory is invoiced at its value, so the catalog names only priced
    accessories (`[equipment.accessory_replacement_values]`)."""
    old = '"Cordon" = 5.00\n'
    assert old in SHIPPED_TEXT
    error = _refusal(SHIPPED_TEXT.replace(old, "", 1))
    assert any("accessory_replacement_values lacks Cordon" in r for _, r in error.problems)


def test_quotes_and_orders_have_their_numbering_and_cgv_reference(terms: Terms) -> None:
    """R-ORD-1: the quote prints the CGV reference; quotes and orders have number prefixes."""
    assert terms.quotes.number_prefix == "DV"
    assert terms.orders.number_prefix == "BC"
    assert "Conditions générales de vente" in terms.quotes.cgv_reference
    error = _refusal(SHIPPED_TEXT.replace('number_prefix = "DV"', 'number_prefix = "dv-1"', 1))
    assert any(key == "quotes.number_prefix" for key, _ in error.problems), error.problems


def test_portal_warnings_are_policy_values_of_the_terms(terms: Terms) -> None:
    """The portal's gauges warn from 80 % of a limit; the dashboard lists tickets 2 h from GTR."""
    assert terms.portal.usage_warning_share == Decimal("0.80")
    assert terms.portal.gtr_warning_minutes == 120


def test_a_warning_share_above_one_is_refused() -> None:
    error = _refusal(
        SHIPPED_TEXT.replace("usage_warning_share = 0.80", "usage_warning_share = 1.5", 1)
    )
    assert any(k == "portal.usage_warning_share" for k, _ in error.problems), error.problems
