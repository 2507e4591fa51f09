"""Equipment lent or sold: warranty, retention of title, return at termination, net book value,
total and partial loss (CGV art. 6, 13; SPEC R-EQ-1 … R-EQ-4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from syres.domain.contracts import remaining_committed_months
from syres.domain.money import ZERO, quantize_eur
from syres.domain.periods import add_months
from syres.domain.terms import Equipment, EquipmentModel


class UnableToCreditInsurerPayment(Exception):
    """An insurer payment that cannot be credited yet; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnableToCheckInReturn(Exception):
    """A return check-in that does not match the items due back; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Tenure(StrEnum):
    """How the customer holds an item (R-EQ-1)."""

    LENT = "lent"
    SOLD = "sold"


TENURE_LABELS: Mapping[Tenure, str] = {Tenure.LENT: "Mis à disposition", Tenure.SOLD: "Vendu"}


# --- Warranty (R-EQ-2, CGV art. 6) ---------------------------------------------------------


@dataclass(frozen=True)
class Warranty:
    """The warranty of an item: parts and labour from delivery to `end_date` (excluded), void
    from the day misuse was recorded."""

    end_date: date
    void_since: date | None = None

    def covers(self, *, on: date) -> bool:
        if self.void_since is not None and on >= self.void_since:
            return False
        return on < self.end_date


def warranty(
    *, delivery_date: date, misuse_recorded_date: date | None, equipment: Equipment
) -> Warranty:
    """The warranty of an item delivered on `delivery_date` (R-EQ-2): `[equipment].warranty_months`
    from delivery, void once misuse has been recorded (art. 6: the warranty applies only if the
    conditions of use and upkeep are respected)."""
    return Warranty(
        end_date=add_months(delivery_date, equipment.warranty_months),
        void_since=misuse_recorded_date,
    )


# --- Retention of title (R-EQ-1) -----------------------------------------------------------


def title_has_passed(*, tenure: Tenure, sale_price: Decimal, amount_paid: Decimal) -> bool:
    """Whether the customer owns the item (R-EQ-1): lent equipment stays SYRES's; sold equipment
    becomes the customer's only once its price is paid in full (retention of title)."""
    if tenure is Tenure.LENT:
        return False
    return amount_paid >= sale_price


# --- Net book value (R-EQ-4) ---------------------------------------------------------------


def net_book_value(
    *, value: Decimal, in_service_date: date, depreciation_months: int, on: date
) -> Decimal:
    """Straight-line net book value of an item on `on` (R-EQ-4), exact.

    The value is depreciated day by day over `[in_service_date, in_service_date +
    depreciation_months)`: full value up to the in-service day, nothing left at the end.
    """
    if depreciation_months <= 0:
        raise ValueError("the depreciation period must be at least one month")
    end = add_months(in_service_date, depreciation_months)
    if on <= in_service_date:
        return value
    if on >= end:
        return ZERO
    return value * (end - on).days / (end - in_service_date).days


# --- Total loss (R-EQ-4, CGV art. 13) ------------------------------------------------------


@dataclass(frozen=True)
class TotalLossIndemnity:
    """The indemnity of art. 13 for a total loss, part by part (R-EQ-4).

    `formula` = remaining rents − insurer payments + max(0, net book value − insurer payments);
    `indemnity` is the formula floored at zero: when the insurers paid more than the formula
    covers, the customer owes nothing (the CGV provides no refund of the excess).
    """

    loss_date: date
    remaining_months: int
    monthly_rent: Decimal
    remaining_rents: Decimal
    insurer_payments: Decimal
    net_book_value: Decimal
    book_value_shortfall: Decimal
    formula: Decimal
    indemnity: Decimal


def total_loss_indemnity(
    *,
    loss_date: date,
    monthly_rent: Decimal,
    irrevocable_end: date,
    value: Decimal,
    in_service_date: date,
    depreciation_months: int,
    insurer_payments: Decimal,
) -> TotalLossIndemnity:
    """The indemnity owed for the total loss of a lent item on `loss_date` (R-EQ-4, art. 13).

    The rental ends on the loss date; the rents remaining due are those of the months after the
    month of the loss (itself due in full, R-INV-1) up to the end of the irrevocable period
    `irrevocable_end` (the rental's commitment end), counted as `remaining_committed_months`.
    Amounts are rounded half-up to the cent.
    """
    if insurer_payments < 0:
        raise ValueError("insurer payments cannot be negative")
    months = remaining_committed_months(end_date=loss_date, commitment_end=irrevocable_end)
    remaining_rents = quantize_eur(monthly_rent * months)
    nbv = quantize_eur(
        net_book_value(
            value=value,
            in_service_date=in_service_date,
            depreciation_months=depreciation_months,
            on=loss_date,
        )
    )
    shortfall = max(ZERO, nbv - insurer_payments)
    formula = remaining_rents - insurer_payments + shortfall
    return TotalLossIndemnity(
        loss_date=loss_date,
        remaining_months=months,
        monthly_rent=monthly_rent,
        remaining_rents=remaining_rents,
        insurer_payments=insurer_payments,
        net_book_value=nbv,
        book_value_shortfall=shortfall,
        formula=formula,
        indemnity=max(ZERO, formula),
    )


# --- Partial loss (R-EQ-4, CGV art. 13) ----------------------------------------------------


@dataclass(frozen=True)
class PartialLossCredit:
    """Insurer payments credited to the customer after a partial loss, set off first against
    what the customer owes (art. 13: "en opérant, le cas échéant, compensation")."""

    insurer_payments: Decimal
    set_off: Decimal
    balance_in_favour_of_customer: Decimal


def partial_loss_credit(
    *, insurer_payments: Decimal, paid_repair_invoices_presented: bool, amount_owed: Decimal
) -> PartialLossCredit:
    """What SYRES credits after a partial loss (R-EQ-4): the customer repairs at its own cost
    (deductible included); once it presents the paid repair invoices, the insurer payments
    SYRES received are credited, set off against `amount_owed` first."""
    if not paid_repair_invoices_presented:
        raise UnableToCreditInsurerPayment(
            "Les indemnités d'assurance ne sont créditées qu'après présentation des factures "
            "de réparation acquittées (article 13)."
        )
    if insurer_payments < 0 or amount_owed < 0:
        raise ValueError("amounts cannot be negative")
    set_off = min(insurer_payments, amount_owed)
    return PartialLossCredit(
        insurer_payments=insurer_payments,
        set_off=set_off,
        balance_in_favour_of_customer=insurer_payments - set_off,
    )


# --- Return at termination (R-EQ-3, CGV art. 6, 16) ----------------------------------------


@dataclass(frozen=True)
class ItemDue:
    """A lent item due back at termination, with the accessories of its catalog model."""

    serial: str
    model: EquipmentModel


@dataclass(frozen=True)
class ItemCheckIn:
    """What came back for one serial: the item itself, in working order or not, and which
    accessories (by their catalog name)."""

    serial: str
    working_order: bool
    accessories: tuple[str, ...]


@dataclass(frozen=True)
class ReturnLine:
    """The outcome of the check-in of one item; `amount_due` is invoiced (R-EQ-3)."""

    serial: str
    model_code: str
    returned: bool
    working_order: bool
    missing_accessories: tuple[str, ...]
    item_charge: Decimal
    accessories_charge: Decimal

    @property
    def amount_due(self) -> Decimal:
        return self.item_charge + self.accessories_charge

    @property
    def needs_review(self) -> bool:
        """A returned item that does not work: art. 6 requires working order but prices only
        what is not returned, so staff decide (repair under warranty, misuse…)."""
        return self.returned and not self.working_order


@dataclass(frozen=True)
class ReturnCheck:
    lines: tuple[ReturnLine, ...]

    @property
    def amount_due(self) -> Decimal:
        return sum((line.amount_due for line in self.lines), ZERO)

    @property
    def complete(self) -> bool:
        return all(line.returned and not line.missing_accessories for line in self.lines)


def check_return(
    *,
    items_due: Sequence[ItemDue],
    checked_in: Sequence[ItemCheckIn],
    equipment: Equipment,
) -> ReturnCheck:
    """Check a return item by item against what is due back (R-EQ-3, CGV art. 6 and 16).

    An item not returned is invoiced at its model's replacement value (its accessories with
    it); a returned item is checked for each accessory of its catalog model, a missing one
    invoiced at `[equipment].accessory_replacement_values`. A serial that was not due back is
    refused, so is a serial checked in twice.
    """
    due = {item.serial: item for item in items_due}
    seen: dict[str, ItemCheckIn] = {}
    for entry in checked_in:
        if entry.serial not in due:
            raise UnableToCheckInReturn(
                f"Le numéro de série {entry.serial} ne fait pas partie des équipements à restituer."
            )
        if entry.serial in seen:
            raise UnableToCheckInReturn(f"Le numéro de série {entry.serial} est saisi deux fois.")
        seen[entry.serial] = entry
    lines = []
    for item in items_due:
        check = seen.get(item.serial)
        if check is None:
            lines.append(
                ReturnLine(
                    serial=item.serial,
                    model_code=item.model.code,
                    returned=False,
                    working_order=False,
                    missing_accessories=item.model.accessories,
                    item_charge=item.model.replacement_value,
                    accessories_charge=ZERO,
                )
            )
            continue
        missing = tuple(name for name in item.model.accessories if name not in check.accessories)
        lines.append(
            ReturnLine(
                serial=item.serial,
                model_code=item.model.code,
                returned=True,
                working_order=check.working_order,
                missing_accessories=missing,
                item_charge=ZERO,
                accessories_charge=sum(
                    (equipment.accessory_replacement_values[name] for name in missing), ZERO
                ),
            )
        )
    return ReturnCheck(lines=tuple(lines))
