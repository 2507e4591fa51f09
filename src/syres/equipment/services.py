"""Writes on equipment: items, payments toward title, misuse, returns, losses (R-EQ-1..4).

The rules live in `syres.domain.equipment`; contracts are reached through
`syres.contracts.services` and `syres.contracts.selectors` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from syres.accounts.selectors import NOT_IDENTIFIED_STAFF, is_identified_staff
from syres.contracts import services as contract_services
from syres.domain import equipment as rules
from syres.domain.money import ZERO, format_eur
from syres.domain.periods import PARIS
from syres.domain.terms import EquipmentModel
from syres.equipment.models import (
    Charge,
    ChargeKind,
    Item,
    ItemStatus,
    Loss,
    LossKind,
    ReturnCheck,
    ReturnCheckLine,
)
from syres.equipment.selectors import items_due_back
from syres.orders import selectors as order_selectors
from syres.terms import load_terms


class UnableToChangeEquipment(Exception):
    """A write on equipment that is refused; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _now(at: datetime | None) -> datetime:
    return at if at is not None else timezone.now()


def _staff(by: Any) -> Any:
    if not is_identified_staff(by):
        raise UnableToChangeEquipment(NOT_IDENTIFIED_STAFF)
    return by


def catalog_model(code: str) -> EquipmentModel:
    """The catalog model of an item (accessories, replacement value, depreciation)."""
    try:
        product = load_terms().product(code)
    except KeyError as error:
        raise UnableToChangeEquipment(f"Modèle d'équipement inconnu : {code}.") from error
    if not isinstance(product, EquipmentModel):
        raise UnableToChangeEquipment(f"{code} n'est pas un modèle d'équipement.")
    return product


@transaction.atomic
def record_item(
    *,
    customer: Any,
    serial: str,
    model_code: str,
    tenure: str,
    delivered_on: date,
    contract: Any = None,
    rental_service: Any = None,
    value: Decimal | None = None,
    sale_price: Decimal | None = None,
    source_ref: str | None = None,
    at: datetime | None = None,
) -> Item:
    """Record an item handed over to the customer (R-EQ-1), lent for a contract or sold.

    The value depreciated for the net book value defaults to the model's replacement value;
    the sale price of a sold item to the catalog price. Taking the same delivery over again
    returns the item already recorded.
    """
    if source_ref is not None:
        existing = Item.objects.filter(source_ref=source_ref).first()
        if existing is not None:
            return existing
    model = catalog_model(model_code)
    try:
        how = rules.Tenure(tenure)
    except ValueError as error:
        raise UnableToChangeEquipment(f"Mode inconnu : {tenure}.") from error
    if not serial.strip():
        raise UnableToChangeEquipment("Le numéro de série est obligatoire.")
    if Item.objects.filter(serial=serial.strip()).exists():
        raise UnableToChangeEquipment(f"Le numéro de série {serial} est déjà enregistré.")
    if how is rules.Tenure.LENT and contract is None and rental_service is None:
        raise UnableToChangeEquipment("Un équipement prêté est rattaché à un contrat.")
    return Item.objects.create(
        customer=customer,
        contract=contract if contract is not None else getattr(rental_service, "contract", None),
        rental_service=rental_service,
        serial=serial.strip(),
        model_code=model.code,
        model_name=model.model,
        tenure=how.value,
        delivered_on=delivered_on,
        value=model.replacement_value if value is None else value,
        sale_price=(model.sale_price if sale_price is None else sale_price)
        if how is rules.Tenure.SOLD
        else ZERO,
        source_ref=source_ref,
        created_at=_now(at),
    )


def _irrevocable_months(delivered: Any) -> int:
    # A lent item is rented for the contract (CGV art. 6): its irrevocable period is the
    # commitment of its order line, else the longest commitment delivered with the same order.
    line = delivered.order_line
    if line.commitment_months:
        return int(line.commitment_months)
    months = [
        service.commitment_months
        for service in order_selectors.delivered_services(customer_id=delivered.customer_id)
        if service.order_line.order_id == line.order_id
    ]
    return max(months, default=0)


def take_over_delivered_equipment(
    *, customer_id: int | None = None, at: datetime | None = None
) -> list[Item]:
    """Turn the equipment the orders app handed over (R-ORD-7, R-EQ-1) into items, once each.

    A lent item gets its own rental service on the customer's contract (monthly rent of the
    order line, irrevocable period of `_irrevocable_months`), so that a total loss ends that
    rental alone (CGV art. 13). Safe to run again; returns the new items."""
    created = []
    for delivered in order_selectors.delivered_equipment(customer_id=customer_id):
        source_ref = f"equipment:{delivered.pk}"
        if Item.objects.filter(source_ref=source_ref).exists():
            continue
        rental = None
        if delivered.mode == rules.Tenure.LENT:
            rental = contract_services.record_delivered_service(
                customer=delivered.customer,
                kind="equipment",
                product_code=delivered.product.code,
                label=f"Location {delivered.model_name} n° {delivered.serial_number}"[:200],
                monthly_fee=delivered.monthly_rent,
                delivery_date=delivered.delivered_on,
                commitment_months=_irrevocable_months(delivered),
                source_ref=source_ref,
                at=at,
            )
        created.append(
            record_item(
                customer=delivered.customer,
                serial=delivered.serial_number,
                model_code=delivered.product.code,
                tenure=delivered.mode,
                delivered_on=delivered.delivered_on,
                rental_service=rental,
                value=delivered.replacement_value,
                sale_price=delivered.sale_price,
                source_ref=source_ref,
                at=at,
            )
        )
    return created


@transaction.atomic
def record_payment_toward_title(*, item: Item, amount: Decimal) -> Item:
    """Add a payment received for a sold item (R-EQ-1: title passes on full payment)."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.tenure != rules.Tenure.SOLD:
        raise UnableToChangeEquipment("Un équipement prêté reste la propriété de SYRES Télécom.")
    if amount <= 0:
        raise UnableToChangeEquipment("Le montant d'un paiement est positif.")
    item.amount_paid += amount
    item.save(update_fields=["amount_paid"])
    return item


@transaction.atomic
def record_misuse(*, item: Item, on: date, note: str, by: Any) -> Item:
    """Record misuse of an item: its warranty is void from that day (R-EQ-2, CGV art. 6)."""
    _staff(by)
    if not note.strip():
        raise UnableToChangeEquipment("Décrivez la mauvaise utilisation constatée.")
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.misuse_recorded_on is not None:
        raise UnableToChangeEquipment("Une mauvaise utilisation est déjà enregistrée.")
    if on < item.delivered_on:
        raise UnableToChangeEquipment("Le constat ne peut pas précéder la livraison.")
    item.misuse_recorded_on = on
    item.misuse_note = note.strip()
    item.save(update_fields=["misuse_recorded_on", "misuse_note"])
    return item


def _set_status(item: Item, status: str, on: date) -> None:
    if item.status != ItemStatus.AT_CUSTOMER:
        raise UnableToChangeEquipment(
            f"L'équipement {item.serial} n'est plus chez le client ({item.get_status_display()})."
        )
    item.status = status
    item.status_changed_on = on
    item.save(update_fields=["status", "status_changed_on"])


@transaction.atomic
def check_in_return(
    *, customer: Any, checked_in: Sequence[rules.ItemCheckIn], by: Any, at: datetime | None = None
) -> ReturnCheck:
    """Check in what the customer gave back, item by item with accessories, against every lent
    item due back (R-EQ-3). Items not given back are invoiced at their replacement value,
    missing accessories at theirs: the amounts are recorded as charges for billing."""
    _staff(by)
    now = _now(at)
    today = now.astimezone(PARIS).date()
    due_items = list(items_due_back(customer, on=today).select_for_update(of=("self",)))
    if not due_items:
        raise UnableToChangeEquipment("Aucun équipement n'est à restituer pour ce client.")
    try:
        outcome = rules.check_return(
            items_due=[
                rules.ItemDue(serial=item.serial, model=catalog_model(item.model_code))
                for item in due_items
            ],
            checked_in=checked_in,
            equipment=load_terms().equipment,
        )
    except rules.UnableToCheckInReturn as error:
        raise UnableToChangeEquipment(error.reason) from error
    check = ReturnCheck.objects.create(customer=customer, checked_at=now, checked_by=by)
    by_serial = {item.serial: item for item in due_items}
    for line in outcome.lines:
        item = by_serial[line.serial]
        ReturnCheckLine.objects.create(
            check_in=check,
            item=item,
            returned=line.returned,
            working_order=line.working_order,
            missing_accessories=list(line.missing_accessories),
            amount_due=line.amount_due,
        )
        _set_status(item, ItemStatus.RETURNED if line.returned else ItemStatus.NOT_RETURNED, today)
        if line.item_charge > 0:
            _charge(
                item, ChargeKind.UNRETURNED_ITEM, line.item_charge, today, f"{item} non restitué"
            )
        if line.accessories_charge > 0:
            _charge(
                item,
                ChargeKind.MISSING_ACCESSORIES,
                line.accessories_charge,
                today,
                f"Accessoires non restitués de {item} : {', '.join(line.missing_accessories)}",
            )
    return check


def _charge(item: Item, kind: str, amount: Decimal, on: date, label: str) -> Charge:
    return Charge.objects.create(
        customer_id=item.customer_id,
        item=item,
        kind=kind,
        label=label,
        amount=amount,
        charge_date=on,
    )


@transaction.atomic
def record_total_loss(
    *,
    item: Item,
    loss_date: date,
    insurer_payments: Decimal,
    by: Any,
    at: datetime | None = None,
) -> Loss:
    """A lent item is totally lost (CGV art. 13, R-EQ-4): its rental ends on the loss date, the
    customer is released from returning it and owes the indemnity of `total_loss_indemnity`,
    recorded as a charge."""
    _staff(by)
    now = _now(at)
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.tenure != rules.Tenure.LENT:
        raise UnableToChangeEquipment("Un équipement vendu appartient au client : pas d'indemnité.")
    if loss_date < item.delivered_on or loss_date > now.astimezone(PARIS).date():
        raise UnableToChangeEquipment(
            "La date du sinistre doit suivre la livraison et être passée."
        )
    service = item.rental_service
    model = catalog_model(item.model_code)
    result = rules.total_loss_indemnity(
        loss_date=loss_date,
        monthly_rent=service.monthly_fee if service is not None else ZERO,
        irrevocable_end=service.commitment_end if service is not None else loss_date,
        value=item.value,
        in_service_date=item.delivered_on,
        depreciation_months=model.depreciation_months,
        insurer_payments=insurer_payments,
    )
    loss = Loss.objects.create(
        item=item,
        kind=LossKind.TOTAL,
        loss_date=loss_date,
        insurer_payments=insurer_payments,
        remaining_months=result.remaining_months,
        remaining_rents=result.remaining_rents,
        net_book_value=result.net_book_value,
        book_value_shortfall=result.book_value_shortfall,
        indemnity=result.indemnity,
        recorded_at=now,
        recorded_by=by,
    )
    _set_status(item, ItemStatus.LOST, loss_date)
    if result.indemnity > 0:
        _charge(
            item,
            ChargeKind.TOTAL_LOSS,
            result.indemnity,
            loss_date,
            f"Indemnité de sinistre total de {item} ({format_eur(result.remaining_rents)} de "
            f"loyers restants, valeur nette comptable {format_eur(result.net_book_value)})",
        )
    if service is not None and (service.end_date is None or loss_date < service.end_date):
        # The rental ends de plein droit on the loss date (a service lasts at least one day).
        contract_services.end_service(
            service=service,
            end_date=max(loss_date, service.delivery_date + timedelta(days=1)),
            as_of=now.astimezone(PARIS).date(),
        )
    return loss


@transaction.atomic
def record_partial_loss(
    *,
    item: Item,
    loss_date: date,
    insurer_payments: Decimal,
    paid_repair_invoices_presented: bool,
    by: Any,
    at: datetime | None = None,
) -> Loss:
    """A partial loss (CGV art. 13, R-EQ-4): the customer repaired at its cost; the insurer
    payments SYRES received are credited to the customer, recorded as a negative charge: the
    set-off against what the customer owes happens on the invoice that carries it."""
    _staff(by)
    now = _now(at)
    item = Item.objects.select_for_update().get(pk=item.pk)
    try:
        credit = rules.partial_loss_credit(
            insurer_payments=insurer_payments,
            paid_repair_invoices_presented=paid_repair_invoices_presented,
            amount_owed=ZERO,
        )
    except rules.UnableToCreditInsurerPayment as error:
        raise UnableToChangeEquipment(error.reason) from error
    loss = Loss.objects.create(
        item=item,
        kind=LossKind.PARTIAL,
        loss_date=loss_date,
        insurer_payments=insurer_payments,
        credit=credit.insurer_payments,
        recorded_at=now,
        recorded_by=by,
    )
    if credit.insurer_payments > 0:
        _charge(
            item,
            ChargeKind.INSURER_CREDIT,
            -credit.insurer_payments,
            loss_date,
            f"Indemnités d'assurance du sinistre partiel de {item} du {loss_date:%d/%m/%Y}",
        )
    return loss


def mark_charge_invoiced(*, charge_id: int, at: datetime) -> None:
    """Billing invoiced the charge (R-EQ-3); called inside its issuing transaction, so the
    amount is billed once. Refused if already invoiced."""
    updated = Charge.objects.filter(pk=charge_id, invoiced_at__isnull=True).update(invoiced_at=at)
    if not updated:
        raise UnableToChangeEquipment("Ce montant est déjà facturé.")
