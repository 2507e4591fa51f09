"""Quotes, orders, their state machine and delivery, on the database (R-ORD-1 … R-ORD-7)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from syres.customers.order_checks import register_order_check, unregister_order_check
from syres.domain.orders import check_customer_may_order
from syres.orders import selectors, services
from syres.orders.services import QuoteLineRequest as Line
from tests.integration.customers_fixtures import at, staff_user
from tests.integration.orders_fixtures import accepted_customer, catalog, quote, site

pytestmark = pytest.mark.django_db

QUOTE_DAY = date(2026, 10, 1)
RECEIVED = date(2026, 10, 5)


@pytest.fixture
def sales() -> Any:
    catalog()
    return staff_user("sales")


@pytest.fixture
def customer(sales: Any) -> Any:
    return accepted_customer(sales)


def _ftto_order(customer: Any, sales: Any, *, received: date = RECEIVED) -> Any:
    """FTTO (access 1 500 + installation 500), 3 SEWAN channels (3 × 50), a router sold (149),
    a phone lent: one-off total 2 299 €, deposit 689,70 €."""
    headquarters = site(customer, sales)
    offer = quote(
        customer,
        sales,
        Line("FTTO-100M", site_id=headquarters.pk, negotiated_monthly_price=Decimal("350.00")),
        Line("TRUNK-SEWAN", quantity=3, site_id=headquarters.pk),
        Line("EQ-ROUTER", equipment_mode="sold", site_id=headquarters.pk),
        Line("EQ-PHONE", equipment_mode="lent", site_id=headquarters.pk),
    )
    return services.place_order(
        quote_id=offer.pk, received_date=received, by=sales, at=at(2026, 10, 5)
    )


def _place(offer: Any, sales: Any) -> Any:
    return services.place_order(
        quote_id=offer.pk, received_date=RECEIVED, by=sales, at=at(2026, 10, 5)
    )


def test_a_quote_takes_the_catalog_prices_of_its_date_and_numbers_itself(
    customer: Any, sales: Any
) -> None:
    """R-CAT-2, R-ORD-1: prices in force on the quote date; DV-YYYY-NNNNN; expires 1 month on."""
    first = quote(customer, sales, Line("MOBILE-FULL", quantity=2))
    second = quote(customer, sales, Line("ADSL", site_id=site(customer, sales).pk))
    assert (first.number, second.number) == ("DV-2026-00001", "DV-2026-00002")
    assert first.expires_on == date(2026, 11, 1)
    line = first.lines.get()
    assert (line.monthly_price, line.access_fee, line.quantity) == (
        Decimal("19.90"),
        Decimal("10.00"),
        2,
    )
    assert line.commitment_months == 12


def test_an_expired_quote_cannot_become_an_order_on_its_boundary_day(
    customer: Any, sales: Any
) -> None:
    """R-ORD-1: a quote of 1 October can be ordered on 31 October, not on 1 November."""
    offer = quote(customer, sales, Line("MOBILE-FULL"))
    assert selectors.quote_is_orderable(quote_id=offer.pk, on=date(2026, 10, 31))
    assert not selectors.quote_is_orderable(quote_id=offer.pk, on=date(2026, 11, 1))
    with pytest.raises(services.UnableToPlaceOrder, match="expiré le 01/11/2026"):
        services.place_order(quote_id=offer.pk, received_date=date(2026, 11, 1), by=sales)
    order = services.place_order(quote_id=offer.pk, received_date=date(2026, 10, 31), by=sales)
    assert order.number == "BC-2026-00001"


def test_an_order_records_the_30_percent_deposit_and_waits_for_it(
    customer: Any, sales: Any
) -> None:
    """R-ORD-2: 30 % of (2 000 + 150 + 149) = 689,70 €; R-ORD-3: receipt + 45 days, the unpaid
    deposit shown as the reason the order waits."""
    order = _ftto_order(customer, sales)
    assert order.one_off_total == Decimal("2299.00")
    assert order.deposit_amount == Decimal("689.70")
    assert order.fibre_construction is True  # FTTO needs fibre built: 8–12 weeks
    plan = selectors.intervention_plan_of(order_id=order.pk, as_of=RECEIVED)
    assert plan.waiting_reasons == ("Acompte non versé depuis le 05/10/2026",)
    assert (plan.planned_date, plan.latest_date) == (
        RECEIVED + timedelta(weeks=8),
        RECEIVED + timedelta(weeks=12),
    )


def test_a_late_deposit_pushes_the_planned_date_by_its_delay(customer: Any, sales: Any) -> None:
    """R-ORD-3: ADSL ordered 5 October, deposit paid 15 October: 19 November + 10 days."""
    offer = quote(customer, sales, Line("ADSL", site_id=site(customer, sales).pk))
    order = _place(offer, sales)
    assert order.planned_date == date(2026, 11, 19)
    services.record_deposit_paid(order_id=order.pk, paid_on=date(2026, 10, 15), by=sales)
    order.refresh_from_db()
    assert order.planned_date == date(2026, 11, 29)
    assert not selectors.intervention_plan_of(order_id=order.pk, as_of=date(2026, 11, 1)).is_waiting


def test_an_order_waiting_on_a_blocker_cannot_be_scheduled(customer: Any, sales: Any) -> None:
    """R-ORD-3: the order shows why it waits; scheduling before the planned date is refused."""
    order = _ftto_order(customer, sales)
    services.record_deposit_paid(order_id=order.pk, paid_on=RECEIVED, by=sales)
    blocker = services.record_blocker(
        order_id=order.pk, kind="premises_not_ready", started_on=date(2026, 10, 10), by=sales
    )
    with pytest.raises(services.UnableToChangeOrderState, match="Locaux non prêts"):
        services.schedule_intervention(
            order_id=order.pk, intervention_date=date(2027, 1, 4), by=sales, at=at(2026, 10, 12)
        )
    services.resolve_blocker(blocker_id=blocker.pk, resolved_on=date(2026, 10, 17), by=sales)
    order.refresh_from_db()
    assert order.planned_date == RECEIVED + timedelta(weeks=8, days=7)
    with pytest.raises(services.UnableToChangeOrderState, match="avant le"):
        services.schedule_intervention(
            order_id=order.pk, intervention_date=date(2026, 12, 1), by=sales, at=at(2026, 10, 18)
        )
    services.schedule_intervention(
        order_id=order.pk, intervention_date=date(2026, 12, 10), by=sales, at=at(2026, 10, 18)
    )
    order.refresh_from_db()
    assert (order.state, order.intervention_date) == ("planned", date(2026, 12, 10))


def test_a_second_ftth_on_a_site_is_refused(customer: Any, sales: Any) -> None:
    """R-ORD-4: the site already has one on order; two in one order are refused too."""
    headquarters = site(customer, sales)
    first = quote(customer, sales, Line("FTTH-1G", site_id=headquarters.pk))
    services.place_order(quote_id=first.pk, received_date=RECEIVED, by=sales)
    assert selectors.site_has_ftth(site_id=headquarters.pk)
    second = quote(customer, sales, Line("FTTH-1G", site_id=headquarters.pk))
    with pytest.raises(services.UnableToPlaceOrder, match="un seul accès internet de type FTTH"):
        services.place_order(quote_id=second.pk, received_date=RECEIVED, by=sales)
    warehouse = site(customer, sales, "Entrepôt")
    double = quote(
        customer,
        sales,
        Line("FTTH-1G", site_id=warehouse.pk),
        Line("FTTH-1G", site_id=warehouse.pk),
    )
    with pytest.raises(services.UnableToPlaceOrder):
        services.place_order(quote_id=double.pk, received_date=RECEIVED, by=sales)


def test_replacing_another_operators_ftth_records_the_acknowledgement(
    customer: Any, sales: Any
) -> None:
    """R-ORD-4: refused without the customer's acknowledgement, recorded with it."""
    offer = quote(
        customer,
        sales,
        Line("FTTH-1G", site_id=site(customer, sales).pk, replaces_other_operator=True),
    )
    with pytest.raises(services.UnableToPlaceOrder, match="ancien fournisseur"):
        _place(offer, sales)
    order = services.place_order(
        quote_id=offer.pk,
        received_date=RECEIVED,
        by=sales,
        ftth_replacement_acknowledged=True,
        at=at(2026, 10, 5),
    )
    line = selectors.order_lines_of(order_id=order.pk).get()
    assert (line.replacement_acknowledged_at, line.replacement_acknowledged_by) == (
        at(2026, 10, 5),
        sales,
    )


def test_cancelling_before_delivery_charges_the_activation_fees_and_frees_the_site(
    customer: Any, sales: Any
) -> None:
    """R-ORD-5: FTTH access fee 99 € (no installation fee); the site can take an FTTH again."""
    headquarters = site(customer, sales)
    offer = quote(customer, sales, Line("FTTH-1G", site_id=headquarters.pk))
    order = _place(offer, sales)
    order = services.cancel_order(
        order_id=order.pk, reason="Le client renonce", by=sales, at=at(2026, 10, 8)
    )
    assert (order.state, order.cancellation_fee) == ("cancelled", Decimal("99.00"))
    assert not selectors.site_has_ftth(site_id=headquarters.pk)
    last = selectors.transitions_of(order_id=order.pk).last()
    assert last is not None
    assert (last.from_state, last.to_state, last.by, last.at) == (
        "received",
        "cancelled",
        sales,
        at(2026, 10, 8),
    )


def test_an_order_in_progress_cannot_be_cancelled(customer: Any, sales: Any) -> None:
    """R-ORD-5: "Il est impossible d'annuler une commande en cours"."""
    offer = quote(customer, sales, Line("MOBILE-FULL"))
    order = _place(offer, sales)
    services.record_deposit_paid(order_id=order.pk, paid_on=RECEIVED, by=sales)
    services.schedule_intervention(
        order_id=order.pk, intervention_date=date(2026, 11, 20), by=sales, at=at(2026, 10, 6)
    )
    services.start_work(order_id=order.pk, by=sales, at=at(2026, 11, 20))
    with pytest.raises(services.UnableToCancelOrder, match="en cours"):
        services.cancel_order(order_id=order.pk, reason="Trop tard", by=sales, at=at(2026, 11, 21))
    order.refresh_from_db()
    assert order.state == "in_progress"


def test_an_order_is_refused_while_the_customer_has_overdue_invoices(
    customer: Any, sales: Any
) -> None:
    """R-ORD-6: the order honours every check registered with the customers app; the payments
    issue registers the overdue-sums one (here, an overdue sum of 480 €)."""

    def overdue(checked: Any) -> str | None:
        try:
            check_customer_may_order(overdue_amount=Decimal("480.00"), bank_guarantee_owed=False)
        except services.UnableToPlaceOrder as error:
            return error.reason
        return None

    offer = quote(customer, sales, Line("MOBILE-FULL"))
    register_order_check("test.overdue", overdue)
    try:
        with pytest.raises(services.UnableToPlaceOrder, match="480,00"):
            _place(offer, sales)
    finally:
        unregister_order_check("test.overdue")
    assert _place(offer, sales)


def test_an_order_is_refused_while_a_required_bank_guarantee_is_owed(
    customer: Any, sales: Any
) -> None:
    """R-ORD-6 (CGV art. 7): refused until the guarantee is provided."""
    offer = quote(customer, sales, Line("MOBILE-FULL"))
    request = services.request_bank_guarantee(
        customer_id=customer.pk, amount=Decimal("5000"), requested_on=QUOTE_DAY, by=sales
    )
    with pytest.raises(services.UnableToPlaceOrder, match="garantie bancaire"):
        _place(offer, sales)
    services.record_bank_guarantee_provided(
        request_id=request.pk, provided_on=date(2026, 10, 4), by=sales
    )
    assert _place(offer, sales)


def test_a_customer_whose_file_is_not_accepted_cannot_order(sales: Any) -> None:
    """R-CUST-3 through the customers app's check."""
    from tests.integration.customers_fixtures import company

    newcomer = company(sales, name="Nouveau client SAS")
    offer = quote(newcomer, sales, Line("MOBILE-FULL"))
    with pytest.raises(services.UnableToPlaceOrder, match="pas accepté"):
        _place(offer, sales)


def test_work_cannot_start_until_the_modem_site_meets_the_annex(customer: Any, sales: Any) -> None:
    """Internet annex: humidity < 50 %, 10–30 °C, electrical protection, internal wiring."""
    offer = quote(customer, sales, Line("ADSL", site_id=site(customer, sales).pk))
    order = _place(offer, sales)
    services.record_deposit_paid(order_id=order.pk, paid_on=RECEIVED, by=sales)
    services.schedule_intervention(
        order_id=order.pk, intervention_date=date(2026, 11, 25), by=sales, at=at(2026, 10, 6)
    )
    problems = services.record_modem_site(
        order_id=order.pk,
        humidity_percent=60,
        temperature_celsius=20,
        checked_positions=[1, 2],
        by=sales,
    )
    assert problems[0].startswith("Humidité de 60 %")
    with pytest.raises(services.UnableToChangeOrderState, match="local du modem"):
        services.start_work(order_id=order.pk, by=sales, at=at(2026, 11, 25))
    assert (
        services.record_modem_site(
            order_id=order.pk,
            humidity_percent=45,
            temperature_celsius=20,
            checked_positions=[3, 4],
            by=sales,
        )
        == ()
    )
    started = services.start_work(order_id=order.pk, by=sales, at=at(2026, 11, 25))
    assert started.state == "in_progress"


def test_delivery_creates_the_services_and_equipment_items_then_delivers_the_order(
    customer: Any, sales: Any
) -> None:
    """R-ORD-7: each line's delivery date starts billing and commitment; equipment items carry
    serial numbers, lent or sold; the last line delivers the order."""
    order = _ftto_order(customer, sales)
    services.record_deposit_paid(order_id=order.pk, paid_on=RECEIVED, by=sales)
    services.schedule_intervention(
        order_id=order.pk, intervention_date=date(2026, 12, 7), by=sales, at=at(2026, 10, 6)
    )
    services.record_modem_site(
        order_id=order.pk,
        humidity_percent=40,
        temperature_celsius=19,
        checked_positions=[1, 2, 3, 4],
        by=sales,
    )
    services.start_work(order_id=order.pk, by=sales, at=at(2026, 12, 7))
    ftto, trunk, router, phone = selectors.order_lines_of(order_id=order.pk)
    with pytest.raises(services.UnableToDeliver, match="numéro"):
        services.deliver_line(line_id=trunk.pk, delivered_on=date(2026, 12, 8), by=sales)
    services.deliver_line(line_id=ftto.pk, delivered_on=date(2026, 12, 8), by=sales)
    services.deliver_line(
        line_id=trunk.pk, delivered_on=date(2026, 12, 8), line_numbers=["+33565123400"], by=sales
    )
    services.deliver_line(
        line_id=router.pk, delivered_on=date(2026, 12, 8), serial_numbers=["R500-0001"], by=sales
    )
    assert selectors.get_order(order_id=order.pk).state == "in_progress"
    services.deliver_line(
        line_id=phone.pk,
        delivered_on=date(2026, 12, 9),
        serial_numbers=["T54W-42"],
        by=sales,
        at=at(2026, 12, 9),
    )
    assert selectors.get_order(order_id=order.pk).state == "delivered"

    delivered = {s.product_code: s for s in selectors.delivered_services(customer_id=customer.pk)}
    assert set(delivered) == {"FTTO-100M", "TRUNK-SEWAN"}
    ftto_service = delivered["FTTO-100M"]
    assert ftto_service.delivered_on == date(2026, 12, 8)
    assert ftto_service.commitment_ends_on == date(2029, 12, 8)
    assert ftto_service.negotiated_monthly_price == Decimal("350.00")
    assert (delivered["TRUNK-SEWAN"].quantity, delivered["TRUNK-SEWAN"].platform) == (3, "sewan")
    items = {i.serial_number: i for i in selectors.delivered_equipment(customer_id=customer.pk)}
    assert (items["R500-0001"].mode, items["R500-0001"].sale_price) == ("sold", Decimal("149"))
    assert (items["T54W-42"].mode, items["T54W-42"].monthly_rent) == ("lent", Decimal("4.00"))
    assert items["T54W-42"].warranty_ends_on == date(2027, 12, 9)
    assert items["T54W-42"].replacement_value == Decimal("220.00")
    steps = [(t.from_state, t.to_state) for t in selectors.transitions_of(order_id=order.pk)]
    assert steps == [
        ("", "received"),
        ("received", "planned"),
        ("planned", "in_progress"),
        ("in_progress", "delivered"),
    ]
    assert all(t.by == sales for t in selectors.transitions_of(order_id=order.pk))


def test_each_mobile_line_becomes_its_own_service(customer: Any, sales: Any) -> None:
    """R-ORD-7: two mobile plans need two numbers and give two services."""
    offer = quote(customer, sales, Line("MOBILE-FULL", quantity=2))
    order = _place(offer, sales)
    services.record_deposit_paid(order_id=order.pk, paid_on=RECEIVED, by=sales)
    services.schedule_intervention(
        order_id=order.pk, intervention_date=date(2026, 11, 20), by=sales, at=at(2026, 10, 6)
    )
    services.start_work(order_id=order.pk, by=sales, at=at(2026, 11, 20))
    line = selectors.order_lines_of(order_id=order.pk).get()
    with pytest.raises(services.UnableToDeliver, match="2 numéro"):
        services.deliver_line(
            line_id=line.pk, delivered_on=date(2026, 11, 20), line_numbers=["0612345678"], by=sales
        )
    services.deliver_line(
        line_id=line.pk,
        delivered_on=date(2026, 11, 20),
        line_numbers=["0612345678", "0698765432"],
        by=sales,
        at=at(2026, 11, 20, 12),
    )
    numbers = sorted(s.line_number for s in selectors.delivered_services(customer_id=customer.pk))
    assert numbers == ["0612345678", "0698765432"]


def test_an_order_cannot_skip_a_step_of_its_life(customer: Any, sales: Any) -> None:
    """The state machine: work cannot start before the intervention is planned."""
    offer = quote(customer, sales, Line("MOBILE-FULL"))
    order = _place(offer, sales)
    with pytest.raises(services.UnableToChangeOrderState):
        services.start_work(order_id=order.pk, by=sales)
    with pytest.raises(services.UnableToPlaceOrder, match="déjà été commandé"):
        _place(offer, sales)


def test_orders_are_listed_by_state(customer: Any, sales: Any) -> None:
    """The list of orders (staff API) gives those in the state asked for, and only them."""
    order = _ftto_order(customer, sales)
    assert list(selectors.list_orders(state="received")) == [order]
    assert not selectors.list_orders(state="planned").exists()
    assert list(selectors.list_orders(customer_id=customer.pk)) == [order]


def test_staff_screens_list_orders_by_state_and_planned_date_and_serve_the_quote_pdf(
    customer: Any, sales: Any, admin_client: Any
) -> None:
    """Staff screens: orders filtered by state, sorted by planned date, why each one waits;
    the quote PDF the customer signs."""
    order = _ftto_order(customer, sales)
    response = admin_client.get("/admin/orders/order/?state__exact=received")
    assert response.status_code == 200
    assert order.number in response.text
    assert "Acompte non versé" in response.text
    assert order.number not in admin_client.get("/admin/orders/order/?state__exact=planned").text
    assert admin_client.get(f"/admin/orders/order/{order.pk}/change/").status_code == 200
    pdf = admin_client.get(f"/admin/orders/quote/{order.quote_id}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert admin_client.get("/admin/orders/quote/").status_code == 200


def test_staff_make_a_quote_order_it_and_walk_it_to_delivery_in_the_back_office(
    customer: Any, sales: Any, admin_client: Any
) -> None:
    """Staff screens: a quote with its lines, the order, then each step through its form; a
    refused step shows the rule's reason in French."""
    from django.utils import timezone

    today = timezone.localdate()
    day = f"{today:%d/%m/%Y}"
    later = f"{today + timedelta(days=50):%d/%m/%Y}"
    headquarters = site(customer, sales)
    form = {
        "customer": str(customer.pk),
        "quote_date": day,
        "note": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": "MOBILE-FULL",
        "lines-0-quantity": "1",
        "lines-1-product": "EQ-PHONE",
        "lines-1-quantity": "1",
        "lines-1-site": str(headquarters.pk),
        "lines-1-equipment_mode": "sold",
    }
    response = admin_client.post("/admin/orders/quote/nouveau/", form)
    assert response.status_code == 302, response.text[:3000]
    offer = selectors.get_quote_by_number(number=f"DV-{today.year}-00001")
    assert offer is not None
    assert offer.lines.count() == 2
    assert "Nouveau devis" in admin_client.get("/admin/orders/quote/").text
    assert "Passer commande" in admin_client.get(f"/admin/orders/quote/{offer.pk}/change/").text

    placed = admin_client.post(f"/admin/orders/quote/{offer.pk}/commander/", {"received_date": day})
    assert placed.status_code == 302
    order = selectors.orders_in_state(state="received").get()
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").text
    assert "Acompte non versé" in page
    assert f"/admin/orders/order/{order.pk}/planifier/" in page

    refused = admin_client.post(
        f"/admin/orders/order/{order.pk}/planifier/", {"intervention_date": later}
    )
    assert refused.status_code == 200
    assert "en attente" in refused.text
    base = f"/admin/orders/order/{order.pk}"
    assert admin_client.post(f"{base}/acompte/", {"paid_on": day}).status_code == 302
    assert admin_client.post(f"{base}/planifier/", {"intervention_date": later}).status_code == 302
    assert admin_client.post(f"{base}/demarrer/", {"confirm": "on"}).status_code == 302
    refused_cancel = admin_client.post(f"{base}/annuler/", {"reason": "Trop tard"})
    assert refused_cancel.status_code == 200
    assert "impossible d&#x27;annuler une commande en cours" in refused_cancel.text
    mobile, phone = selectors.order_lines_of(order_id=order.pk)
    deliver = {"line": str(mobile.pk), "delivered_on": later, "identifiers": "0612345678"}
    assert admin_client.post(f"{base}/livrer/", deliver).status_code == 302
    deliver = {"line": str(phone.pk), "delivered_on": later, "identifiers": "SN-1"}
    assert admin_client.post(f"{base}/livrer/", deliver).status_code == 302
    assert selectors.get_order(order_id=order.pk).state == "delivered"
    assert selectors.delivered_equipment(customer_id=customer.pk).get().serial_number == "SN-1"


def test_a_staff_member_without_the_orders_permissions_cannot_change_an_order(
    customer: Any, sales: Any
) -> None:
    """The order steps need the orders permissions (role Commercial or Administration)."""
    from django.test import Client

    order = _ftto_order(customer, sales)
    client = Client()
    client.force_login(sales)  # staff, but no permission on orders
    response = client.post(f"/admin/orders/order/{order.pk}/acompte/", {"paid_on": "05/10/2026"})
    assert response.status_code == 403
    assert client.get("/admin/orders/quote/nouveau/").status_code == 403
    assert selectors.get_order(order_id=order.pk).deposit_paid_on is None


def test_an_ended_ftth_service_frees_its_site_for_a_new_one(customer: Any, sales: Any) -> None:
    """R-ORD-4: the contracts issue releases the site when the FTTH service ends."""
    headquarters = site(customer, sales)
    offer = quote(customer, sales, Line("FTTH-1G", site_id=headquarters.pk))
    order = _place(offer, sales)
    services.record_deposit_paid(order_id=order.pk, paid_on=RECEIVED, by=sales)
    services.schedule_intervention(
        order_id=order.pk, intervention_date=date(2026, 11, 25), by=sales, at=at(2026, 10, 6)
    )
    services.record_modem_site(
        order_id=order.pk,
        humidity_percent=40,
        temperature_celsius=20,
        checked_positions=[1, 2, 3, 4],
        by=sales,
    )
    services.start_work(order_id=order.pk, by=sales, at=at(2026, 11, 25))
    line = selectors.order_lines_of(order_id=order.pk).get()
    services.deliver_line(
        line_id=line.pk, delivered_on=date(2026, 11, 25), by=sales, at=at(2026, 11, 25, 16)
    )
    service = selectors.delivered_services(customer_id=customer.pk).get()
    assert selectors.site_has_ftth(site_id=headquarters.pk)
    services.release_ftth_site(service_id=service.pk, released_on=date(2027, 3, 1))
    assert not selectors.site_has_ftth(site_id=headquarters.pk)
    again = quote(customer, sales, Line("FTTH-1G", site_id=headquarters.pk), on=date(2027, 3, 1))
    assert services.place_order(quote_id=again.pk, received_date=date(2027, 3, 2), by=sales)


def test_nothing_is_quoted_for_a_closed_site(customer: Any, sales: Any) -> None:
    from syres.customers.models import Site

    closed = site(customer, sales, "Ancien dépôt")
    Site.objects.filter(pk=closed.pk).update(closed_on=date(2026, 9, 30))
    with pytest.raises(services.UnableToQuote, match="fermé depuis le 30/09/2026"):
        quote(customer, sales, Line("ADSL", site_id=closed.pk))
