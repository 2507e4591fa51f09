"""Equipment on both databases: returns at termination, losses, title, warranty."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from syres.contracts import selectors as contract_selectors
from syres.contracts import services as contract_services
from syres.domain.equipment import ItemCheckIn
from syres.equipment import selectors, services
from syres.equipment.services import UnableToChangeEquipment
from tests.integration.customers_fixtures import at, company, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Any:
    return staff_user("equipment")


@pytest.fixture
def customer(staff: Any) -> Any:
    return company(staff, when=at(2025, 12, 1))


def _rental(customer: Any, *, code: str, rent: str, label: str, ref: str) -> Any:
    return contract_services.record_delivered_service(
        customer=customer,
        kind="equipment",
        product_code=code,
        label=label,
        monthly_fee=Decimal(rent),
        delivery_date=date(2026, 3, 1),
        commitment_months=36,
        source_ref=ref,
        at=at(2026, 3, 1),
    )


def _lent(customer: Any, *, serial: str, code: str, rent: str) -> Any:
    service = _rental(customer, code=code, rent=rent, label=f"Location {code}", ref=serial)
    return services.record_item(
        customer=customer,
        serial=serial,
        model_code=code,
        tenure="lent",
        delivered_on=date(2026, 3, 1),
        rental_service=service,
        at=at(2026, 3, 1),
    )


def test_unreturned_equipment_is_billed_at_its_replacement_value(customer: Any, staff: Any) -> None:
    """R-EQ-3, R-END-3: after SYRES ends the contract, the phone comes back without its cord
    (5 €) and the router does not come back (180 €): both amounts are recorded for billing."""
    router = _lent(customer, serial="R500-0001", code="EQ-ROUTER", rent="5.00")
    phone = _lent(customer, serial="T54W-0001", code="EQ-PHONE", rent="4.00")
    contract = contract_selectors.open_contract_of(customer)
    assert contract is not None
    contract_services.record_syres_termination(
        contract=contract,
        cause_code="non_payment",
        notified_date=date(2026, 10, 1),
        end_date=date(2026, 10, 15),
        by=staff,
        at=at(2026, 10, 1),
    )
    assert list(selectors.items_due_back(customer, on=date(2026, 10, 14))) == []
    contract_services.apply_due_ends(as_of=date(2026, 10, 15))
    assert {item.serial for item in selectors.items_due_back(customer, on=date(2026, 10, 15))} == {
        "R500-0001",
        "T54W-0001",
    }

    services.check_in_return(
        customer=customer,
        checked_in=[
            ItemCheckIn(
                serial="T54W-0001",
                working_order=True,
                accessories=("Combiné", "Bloc d'alimentation"),
            )
        ],
        by=staff,
        at=at(2026, 10, 20),
    )

    charges = {(c.item.serial, c.kind): c.amount for c in selectors.charges_to_invoice(customer)}
    assert charges == {
        ("R500-0001", "unreturned_item"): Decimal("180.00"),
        ("T54W-0001", "missing_accessories"): Decimal("5.00"),
    }
    router.refresh_from_db()
    phone.refresh_from_db()
    assert (router.status, phone.status) == ("not_returned", "returned")
    assert list(selectors.items_due_back(customer, on=date(2026, 10, 21))) == []


def test_a_serial_not_due_back_is_refused_at_check_in(customer: Any, staff: Any) -> None:
    router = _lent(customer, serial="R500-0002", code="EQ-ROUTER", rent="5.00")
    contract_services.end_service(
        service=router.rental_service, end_date=date(2026, 6, 1), as_of=date(2026, 6, 1)
    )
    with pytest.raises(UnableToChangeEquipment, match="ne fait pas partie"):
        services.check_in_return(
            customer=customer,
            checked_in=[ItemCheckIn(serial="XXX", working_order=True, accessories=())],
            by=staff,
            at=at(2026, 6, 2),
        )


def test_total_loss_ends_the_rental_and_records_the_indemnity(customer: Any, staff: Any) -> None:
    """R-EQ-4, R-END-3: router rented 5 €/month from 1 Mar 2026 for 36 months, lost 15 Sep
    2027, insurer paid 60 €: 85 € − 60 € + (87.54 € − 60 €) = 52.54 €; its rental ends on the
    loss date and, being the contract's last service, the contract with it."""
    router = _lent(customer, serial="R500-0003", code="EQ-ROUTER", rent="5.00")

    loss = services.record_total_loss(
        item=router,
        loss_date=date(2027, 9, 15),
        insurer_payments=Decimal("60.00"),
        by=staff,
        at=at(2027, 9, 16),
    )

    assert (loss.remaining_rents, loss.net_book_value, loss.indemnity) == (
        Decimal("85.00"),
        Decimal("87.54"),
        Decimal("52.54"),
    )
    (charge,) = selectors.charges_to_invoice(customer)
    assert (charge.kind, charge.amount) == ("total_loss", Decimal("52.54"))
    service = contract_selectors.get_service(router.rental_service_id)
    assert (service.state, service.end_date) == ("terminated", date(2027, 9, 15))
    assert service.contract.ended_on == date(2027, 9, 15)
    router.refresh_from_db()
    assert router.status == "lost"


def test_partial_loss_credits_the_insurer_payment_once_repairs_are_paid(
    customer: Any, staff: Any
) -> None:
    """R-EQ-4: credited after the paid repair invoices are presented."""
    phone = _lent(customer, serial="T54W-0002", code="EQ-PHONE", rent="4.00")
    with pytest.raises(UnableToChangeEquipment, match="factures de réparation"):
        services.record_partial_loss(
            item=phone,
            loss_date=date(2026, 5, 2),
            insurer_payments=Decimal("70.00"),
            paid_repair_invoices_presented=False,
            by=staff,
            at=at(2026, 5, 20),
        )
    services.record_partial_loss(
        item=phone,
        loss_date=date(2026, 5, 2),
        insurer_payments=Decimal("70.00"),
        paid_repair_invoices_presented=True,
        by=staff,
        at=at(2026, 5, 20),
    )
    (credit,) = selectors.charges_to_invoice(customer)
    assert (credit.kind, credit.amount) == ("insurer_credit", Decimal("-70.00"))


def test_sold_equipment_is_the_customers_once_paid_in_full(customer: Any) -> None:
    """R-EQ-1: retention of title until full payment of the sale price."""
    item = services.record_item(
        customer=customer,
        serial="RUTX-0001",
        model_code="EQ-4G-BACKUP",
        tenure="sold",
        delivered_on=date(2026, 3, 1),
        at=at(2026, 3, 1),
    )
    assert item.sale_price == Decimal("299.00")
    services.record_payment_toward_title(item=item, amount=Decimal("89.70"))
    assert not selectors.title_has_passed(item)
    item = services.record_payment_toward_title(item=item, amount=Decimal("209.30"))
    assert selectors.title_has_passed(item)


def test_recorded_misuse_voids_the_warranty(customer: Any, staff: Any) -> None:
    """R-EQ-2: one year from delivery, void from the day misuse is recorded."""
    phone = _lent(customer, serial="T54W-0003", code="EQ-PHONE", rent="4.00")
    assert selectors.warranty_of(phone).covers(on=date(2026, 9, 1))
    services.record_misuse(
        item=phone, on=date(2026, 8, 1), note="Écran brisé par un choc", by=staff
    )
    phone.refresh_from_db()
    cover = selectors.warranty_of(phone)
    assert cover.end_date == date(2027, 3, 1)
    assert not cover.covers(on=date(2026, 9, 1))
