"""Reads on equipment: items, what is due back, warranty and title, charges to invoice."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from syres.contracts import selectors as contract_selectors
from syres.domain import equipment as rules
from syres.equipment.models import Charge, Item, ItemStatus, Loss
from syres.terms import load_terms


def get_item(item_id: int) -> Item:
    return Item.objects.get(pk=item_id)


def item_by_serial(serial: str) -> Item | None:
    return Item.objects.filter(serial=serial.strip()).first()


def items_of(customer: Any) -> QuerySet[Item]:
    return Item.objects.filter(customer=customer).order_by("delivered_on", "serial")


def items_due_back(customer: Any, *, on: date) -> QuerySet[Item]:
    """Lent items still at the customer whose contract has ended, or whose rental service has
    (R-EQ-3, R-END-3: at termination every lent item comes back)."""
    ended_contracts = contract_selectors.ended_contract_ids_of(customer, on=on)
    return Item.objects.filter(
        Q(contract_id__in=ended_contracts) | Q(rental_service__end_date__lte=on),
        customer=customer,
        tenure=rules.Tenure.LENT,
        status=ItemStatus.AT_CUSTOMER,
    ).order_by("serial")


def warranty_of(item: Item) -> rules.Warranty:
    """Warranty end and whether misuse voided it (R-EQ-2)."""
    return rules.warranty(
        delivery_date=item.delivered_on,
        misuse_recorded_date=item.misuse_recorded_on,
        equipment=load_terms().equipment,
    )


def title_has_passed(item: Item) -> bool:
    """Whether the customer owns the item (R-EQ-1, retention of title until paid in full)."""
    return rules.title_has_passed(
        tenure=rules.Tenure(item.tenure), sale_price=item.sale_price, amount_paid=item.amount_paid
    )


def losses_of(item: Item) -> QuerySet[Loss]:
    return item.losses.order_by("loss_date", "pk")


def charges_to_invoice(customer: Any) -> QuerySet[Charge]:
    """Equipment amounts recorded and not yet invoiced (billing sets `invoiced_at`)."""
    return Charge.objects.filter(customer=customer, invoiced_at__isnull=True).order_by(
        "charge_date", "pk"
    )


def customer_ids_with_charges_to_invoice() -> list[int]:
    """Customers with an equipment amount recorded and not yet invoiced."""
    return sorted(
        set(Charge.objects.filter(invoiced_at__isnull=True).values_list("customer_id", flat=True))
    )
