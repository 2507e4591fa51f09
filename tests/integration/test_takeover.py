"""Taking over the deliveries of the orders app: contract services and equipment items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from syres.contracts import selectors as contract_selectors
from syres.contracts import services as contract_services
from syres.equipment import selectors as equipment_selectors
from syres.equipment import services as equipment_services
from syres.orders import selectors as order_selectors
from syres.orders import services as order_services
from syres.orders.services import QuoteLineRequest as Line
from tests.integration.customers_fixtures import at, staff_user
from tests.integration.orders_fixtures import accepted_customer, catalog, quote, site

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales() -> Any:
    catalog()
    return staff_user("sales")


def _work_started(sales: Any, *lines: Line, customer: Any) -> Any:
    offer = quote(customer, sales, *lines)
    order = order_services.place_order(
        quote_id=offer.pk, received_date=date(2026, 10, 5), by=sales, at=at(2026, 10, 5)
    )
    order_services.record_deposit_paid(order_id=order.pk, paid_on=date(2026, 10, 5), by=sales)
    order_services.schedule_intervention(
        order_id=order.pk, intervention_date=date(2026, 12, 7), by=sales, at=at(2026, 10, 6)
    )
    order_services.record_modem_site(
        order_id=order.pk,
        humidity_percent=40,
        temperature_celsius=19,
        checked_positions=[1, 2, 3, 4],
        by=sales,
    )
    order_services.start_work(order_id=order.pk, by=sales, at=at(2026, 12, 7))
    return order


def _delivered_order(sales: Any) -> Any:
    """FTTO at a negotiated 350 €, 3 SEWAN channels, a router sold, a phone lent, all
    delivered on 8 Dec 2026."""
    customer = accepted_customer(sales)
    headquarters = site(customer, sales)
    order = _work_started(
        sales,
        Line("FTTO-100M", site_id=headquarters.pk, negotiated_monthly_price=Decimal("350.00")),
        Line("TRUNK-SEWAN", quantity=3, site_id=headquarters.pk),
        Line("EQ-ROUTER", equipment_mode="sold", site_id=headquarters.pk),
        Line("EQ-PHONE", equipment_mode="lent", site_id=headquarters.pk),
        customer=customer,
    )
    ftto, trunk, router, phone = order_selectors.order_lines_of(order_id=order.pk)
    delivered_on = date(2026, 12, 8)
    order_services.deliver_line(line_id=ftto.pk, delivered_on=delivered_on, by=sales)
    order_services.deliver_line(
        line_id=trunk.pk, delivered_on=delivered_on, line_numbers=["+33565123400"], by=sales
    )
    order_services.deliver_line(
        line_id=router.pk, delivered_on=delivered_on, serial_numbers=["R500-0001"], by=sales
    )
    order_services.deliver_line(
        line_id=phone.pk,
        delivered_on=delivered_on,
        serial_numbers=["T54W-42"],
        by=sales,
        at=at(2026, 12, 8),
    )
    return customer


def test_deliveries_become_contract_services_and_items_once(sales: Any) -> None:
    """R-ORD-7, R-CAT-2, R-EQ-1: one service per delivered line at its (negotiated) price ×
    quantity, committed from delivery; the lent phone gets its own rental for the order's
    longest commitment; the router sold is the customer's once paid; a rerun adds nothing."""
    customer = _delivered_order(sales)

    taken = contract_services.take_over_delivered_services(customer_id=customer.pk)
    items = equipment_services.take_over_delivered_equipment(customer_id=customer.pk)

    by_code = {service.product_code: service for service in taken}
    assert set(by_code) == {"FTTO-100M", "TRUNK-SEWAN"}
    ftto, trunk = by_code["FTTO-100M"], by_code["TRUNK-SEWAN"]
    assert (ftto.monthly_fee, ftto.technology, ftto.commitment_end) == (
        Decimal("350.00"),
        "ftto",
        date(2029, 12, 8),
    )
    assert (trunk.quantity, trunk.monthly_fee, trunk.platform) == (3, Decimal("36.00"), "sewan")
    by_serial = {item.serial: item for item in items}
    phone, router = by_serial["T54W-42"], by_serial["R500-0001"]
    assert phone.rental_service is not None
    assert phone.rental_service.monthly_fee == Decimal("4.00")
    assert phone.rental_service.commitment_end == date(2029, 12, 8)
    assert phone.value == Decimal("220.00")
    assert router.rental_service is None
    assert not equipment_selectors.title_has_passed(router)
    contract = contract_selectors.open_contract_of(customer)
    assert contract is not None
    assert contract_selectors.services_of(contract).count() == 3
    to_bill = {bill.ref: bill for bill in contract_selectors.services_to_bill(customer)}
    trunk_bill = to_bill[f"service:{trunk.pk}"]
    assert (trunk_bill.monthly_price, trunk_bill.quantity) == (Decimal("12.00"), 3)
    assert not trunk_bill.suspended

    assert contract_services.take_over_delivered_services(customer_id=customer.pk) == []
    assert equipment_services.take_over_delivered_equipment(customer_id=customer.pk) == []


def test_ending_an_ftth_service_frees_its_site_for_a_new_ftth(sales: Any) -> None:
    """R-ORD-4, R-END-3: once the FTTH service has ended, the site may take a new FTTH."""
    customer = accepted_customer(sales)
    headquarters = site(customer, sales)
    order = _work_started(sales, Line("FTTH-1G", site_id=headquarters.pk), customer=customer)
    (line,) = order_selectors.order_lines_of(order_id=order.pk)
    order_services.deliver_line(
        line_id=line.pk, delivered_on=date(2026, 12, 8), by=sales, at=at(2026, 12, 8)
    )
    (ftth,) = contract_services.take_over_delivered_services(customer_id=customer.pk)
    assert order_selectors.site_has_ftth(site_id=headquarters.pk)

    contract_services.record_syres_termination(
        contract=ftth.contract,
        cause_code="abnormal_use",
        notified_date=date(2027, 2, 1),
        end_date=date(2027, 3, 1),
        by=sales,
        at=at(2027, 2, 1),
    )
    assert order_selectors.site_has_ftth(site_id=headquarters.pk)
    contract_services.apply_due_ends(as_of=date(2027, 3, 1))
    assert not order_selectors.site_has_ftth(site_id=headquarters.pk)
