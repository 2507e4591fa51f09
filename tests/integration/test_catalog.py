"""The catalog in the database: loaded from the terms file, prices versioned (R-CAT-1..3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from syres.catalog.selectors import (
    get_product,
    list_products,
    monthly_price_of_period,
    price_versions_of,
    prices_in_force,
)
from syres.catalog.services import UnableToPublishPrice, publish_price_version, sync_catalog
from syres.domain.catalog import Prices
from syres.domain.terms import Terms, parse_terms
from syres.terms import SHIPPED_TERMS_FILE, load_terms

pytestmark = pytest.mark.django_db

SHIPPED_TEXT = SHIPPED_TERMS_FILE.read_text(encoding="utf-8")
ADSL_PRICE = (
    'technology = "adsl"\n'
    "target_down_mbps = 20              # information only, never guaranteed\n"
    "target_up_mbps = 1\n"
    "monthly_price = 29.00"
)


def _terms_with_adsl_at(price: str) -> Terms:
    assert ADSL_PRICE in SHIPPED_TEXT
    text = SHIPPED_TEXT.replace(ADSL_PRICE, ADSL_PRICE.replace("29.00", price))
    return parse_terms(text, source="test")


def test_every_product_of_the_terms_is_loaded_with_its_characteristics() -> None:
    """R-CAT-1: families, technology, rates, platform, features, equipment model."""
    terms = load_terms()
    report = sync_catalog(terms=terms, as_of=date(2026, 11, 27))
    assert len(report.created) == len(terms.catalog.products)
    assert list_products().count() == len(terms.catalog.products)
    ftth = get_product(code="FTTH-1G")
    assert (ftth.family, ftth.technology, ftth.commitment_months) == ("internet_access", "ftth", 24)
    assert ftth.characteristics == {"guaranteed_mbps": 100, "max_mbps": 1000}
    assert get_product(code="FTTO-1G").fibre_construction is True
    assert get_product(code="TRUNK-WAZO").platform == "wazo"
    assert get_product(code="LIC-WAZO-CRM").characteristics["included_features"] == [
        "Application PO/PC",
        "Web RTC",
    ]
    router = get_product(code="EQ-ROUTER")
    assert (router.equipment_model, router.depreciation_months) == ("Routeur SYRES R-500", 36)
    assert prices_in_force(product_code="EQ-ROUTER", on=date(2026, 6, 1)).sale_price == Decimal(
        "149.00"
    )


def test_reloading_the_same_terms_changes_nothing() -> None:
    """R-CAT-2: the load is idempotent."""
    terms = load_terms()
    sync_catalog(terms=terms, as_of=date(2026, 11, 27))
    again = sync_catalog(terms=terms, as_of=date(2026, 12, 1))
    assert not again.changed
    assert len(price_versions_of(product_code="ADSL")) == 1


def test_a_changed_price_in_the_terms_adds_a_version_from_the_reload_day() -> None:
    """R-CAT-2: never overwritten; the old price still applies before the reload day."""
    sync_catalog(terms=load_terms(), as_of=date(2026, 11, 27))
    report = sync_catalog(terms=_terms_with_adsl_at("31.00"), as_of=date(2026, 12, 1))
    assert report.repriced == ["ADSL"]
    versions = price_versions_of(product_code="ADSL")
    assert [(v.effective_from, v.prices.monthly_price) for v in versions] == [
        (date(2026, 1, 1), Decimal("29.00")),
        (date(2026, 12, 1), Decimal("31.00")),
    ]
    assert monthly_price_of_period(product_code="ADSL", period_start=date(2026, 11, 1)) == Decimal(
        "29.00"
    )
    assert monthly_price_of_period(product_code="ADSL", period_start=date(2026, 12, 1)) == Decimal(
        "31.00"
    )


def test_staff_publish_a_version_that_a_reload_does_not_undo(admin_user: object) -> None:
    """R-CAT-2: SYRES may publish a new version at any time; the file does not overwrite it."""
    sync_catalog(terms=load_terms(), as_of=date(2026, 11, 27))
    publish_price_version(
        product_code="MOBILE-FULL",
        effective_from=date(2027, 1, 1),
        prices=Prices(monthly_price=Decimal("17.90"), access_fee=Decimal("10.00")),
        as_of=date(2026, 11, 27),
        by=admin_user,
    )
    assert not sync_catalog(terms=load_terms(), as_of=date(2026, 12, 15)).changed
    assert prices_in_force(product_code="MOBILE-FULL", on=date(2026, 12, 31)).monthly_price == (
        Decimal("19.90")
    )
    assert prices_in_force(product_code="MOBILE-FULL", on=date(2027, 1, 1)).monthly_price == (
        Decimal("17.90")
    )
    assert monthly_price_of_period(
        product_code="MOBILE-FULL",
        period_start=date(2027, 1, 1),
        negotiated_monthly_price=Decimal("15.00"),
    ) == Decimal("15.00")


def test_staff_cannot_publish_a_version_in_the_past(admin_user: object) -> None:
    sync_catalog(terms=load_terms(), as_of=date(2026, 11, 27))
    with pytest.raises(UnableToPublishPrice, match="passé"):
        publish_price_version(
            product_code="ADSL",
            effective_from=date(2026, 11, 1),
            prices=Prices(monthly_price=Decimal("1")),
            as_of=date(2026, 11, 27),
            by=admin_user,
        )


def test_a_product_removed_from_the_terms_is_withdrawn_not_deleted() -> None:
    sync_catalog(terms=load_terms(), as_of=date(2026, 11, 27))
    start = SHIPPED_TEXT.index('[[catalog.products]]\ncode = "EQ-DECT"')
    end = SHIPPED_TEXT.index("[[catalog.products]]", start + 10)
    terms = parse_terms(SHIPPED_TEXT[:start] + SHIPPED_TEXT[end:], source="test")
    report = sync_catalog(terms=terms, as_of=date(2026, 12, 1))
    assert report.withdrawn == ["EQ-DECT"]
    assert get_product(code="EQ-DECT").in_terms is False
    assert not list_products().filter(code="EQ-DECT").exists()


def test_staff_publish_a_version_through_the_back_office(admin_client: object) -> None:
    """R-CAT-2: the admin's add form publishes a version; a past date is refused in French."""
    from django.test import Client

    assert isinstance(admin_client, Client)
    sync_catalog(terms=load_terms(), as_of=date(2026, 1, 1))
    product = get_product(code="VDSL")
    form = {
        "product": product.pk,
        "effective_from": "01/01/2099",
        "monthly_price": "36.00",
        "access_fee": "49.00",
        "installation_fee": "0",
        "sale_price": "0",
        "replacement_value": "0",
    }
    response = admin_client.post("/admin/catalog/priceversion/add/", form)
    assert response.status_code == 302, response.content[:2000]
    assert prices_in_force(product_code="VDSL", on=date(2099, 1, 1)).monthly_price == Decimal("36")
    past = admin_client.post(
        "/admin/catalog/priceversion/add/", {**form, "effective_from": "01/01/2020"}
    )
    assert past.status_code == 200
    assert "passé" in past.text
    assert admin_client.get(f"/admin/catalog/product/{product.pk}/change/").status_code == 200
    assert admin_client.get("/admin/catalog/product/").status_code == 200
