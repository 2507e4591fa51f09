"""Invoice lines: subscriptions, usage, one-off amounts (SPEC R-INV-1, R-INV-2, R-ORD-2).

Which period a monthly invoice covers (R-INV-1, CGV art. 7 "à terme à échoir" / "à terme échu"):
the invoice of period P is issued once P is over and carries

- the usage of P, in arrears, from the per-line monthly aggregates of P;
- the subscriptions of the month after P (P + 1), in advance, in full;
- for a service delivered during P, the catch-up of P itself from the delivery day, pro rata of
  days (the invoice of P - 1 was issued before that service existed).

So every month of a service is billed exactly once: its delivery month by the invoice of that
month (pro rata), every later month M by the invoice of M - 1 (in advance, in full). A service
delivered on the 1st of P + 1 or later waits for the next invoice. A service that ends during a
month is due for that whole month (no pro rata at the end); a suspended service is still billed
(CGV art. 7: suspension does not suspend the subscriptions).

Each line is rounded half-up to the cent once, on its own total (`quantize_eur`); nothing else is
rounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from syres.domain.money import ZERO, quantize_eur
from syres.domain.periods import Month, Period, add_days

# UN/ECE recommendation 20 unit codes used on our lines.
UNIT_MONTH = "MON"
UNIT_DAY = "DAY"
UNIT_PIECE = "C62"


class UnableToBuildLine(Exception):
    """A line that cannot be made; `reason` is shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class VatCategory(StrEnum):
    """EN 16931 VAT category (BT-151, UNTDID 5305): S standard rate, O outside the scope of VAT
    (late-payment penalties and the recovery indemnity: compensation, not a supply)."""

    STANDARD = "S"
    OUTSIDE_SCOPE = "O"

    @property
    def exemption_reason(self) -> str:
        """BT-120, the text printed and sent with an O breakdown (BR-O-10)."""
        return "" if self is VatCategory.STANDARD else "Hors champ d'application de la TVA"

    @property
    def exemption_code(self) -> str:
        """BT-121, VATEX code list (BR-O-10)."""
        return "" if self is VatCategory.STANDARD else "VATEX-EU-O"


class LineCategory(StrEnum):
    SUBSCRIPTION = "subscription"
    USAGE = "usage"
    ACCESS_FEE = "access_fee"
    EQUIPMENT_SALE = "equipment_sale"
    DEPOSIT = "deposit"
    EARLY_TERMINATION = "early_termination"
    LATE_CHARGE = "late_charge"
    OTHER = "other"

    @property
    def is_goods(self) -> bool:
        """Goods (biens) as opposed to services, for the French billing framework (BT-23)."""
        return self is LineCategory.EQUIPMENT_SALE


@dataclass(frozen=True)
class InvoiceLine:
    """One line: `amount = quantize_eur(quantity × unit_price / base_quantity)`, excl. VAT.

    `base_quantity` is the quantity the unit price applies to (EN 16931 BT-149): a pro-rata
    subscription line is `days` at `monthly price` per `days of the month`, which states the
    computation exactly instead of a rounded daily price.
    """

    label: str
    category: LineCategory
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    vat_rate: Decimal
    base_quantity: Decimal = Decimal(1)
    period: Period | None = None
    service_ref: str = ""
    detail: str = ""
    vat_category: VatCategory = VatCategory.STANDARD

    def __post_init__(self) -> None:
        if self.vat_category is VatCategory.OUTSIDE_SCOPE and self.vat_rate != 0:
            # BR-O-05: a line outside the scope of VAT carries no rate.
            raise UnableToBuildLine(f"ligne « {self.label} » : hors champ de TVA sans taux")
        if self.quantity < 0 or self.unit_price < 0:
            raise UnableToBuildLine(f"ligne « {self.label} » : quantité et prix positifs")
        if self.base_quantity <= 0:
            raise UnableToBuildLine(f"ligne « {self.label} » : quantité de base nulle")

    @property
    def amount(self) -> Decimal:
        """The line total excl. VAT, rounded half-up to the cent once (R-SIP-5, R-INV-2)."""
        return quantize_eur(self.quantity * self.unit_price / self.base_quantity)


@dataclass(frozen=True)
class ServiceToBill:
    """A delivered service as the billing run sees it.

    `end_date` is exclusive (the first day without service) or None while it runs; `suspended`
    changes nothing to the amount (CGV art. 7) and is shown on the line.
    """

    ref: str
    label: str
    monthly_price: Decimal
    delivery_date: date
    quantity: Decimal = Decimal(1)
    end_date: date | None = None
    suspended: bool = False

    def __post_init__(self) -> None:
        if self.end_date is not None and self.end_date <= self.delivery_date:
            raise UnableToBuildLine(f"service {self.ref} : fin avant la mise en service")

    def active_during(self, period: Period) -> bool:
        return self.delivery_date < period.end and (
            self.end_date is None or self.end_date > period.start
        )


def _fr_day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def subscription_lines(
    *, service: ServiceToBill, period: Month, vat_rate: Decimal
) -> tuple[InvoiceLine, ...]:
    """The subscription lines of `service` on the monthly invoice of `period` (R-INV-1).

    A catch-up of `period` pro rata of days when the service was delivered during it, then the
    month after `period` in full, in advance, when the service was delivered before it starts
    and has not ended by then. The month in which the service ends is due in full.
    """
    lines: list[InvoiceLine] = []
    suffix = " (service suspendu, abonnement dû)" if service.suspended else ""
    current = period.period
    if service.delivery_date in current and service.delivery_date != current.start:
        days = (current.end - service.delivery_date).days
        covered = Period(service.delivery_date, current.end)
        lines.append(
            InvoiceLine(
                label=(
                    f"{service.label} — du {_fr_day(covered.start)} au "
                    f"{_fr_day(add_days(covered.end, -1))}, prorata {days}/{period.days} jours"
                    f"{suffix}"
                ),
                category=LineCategory.SUBSCRIPTION,
                quantity=service.quantity * days,
                unit_code=UNIT_DAY,
                unit_price=service.monthly_price,
                base_quantity=Decimal(period.days),
                vat_rate=vat_rate,
                period=covered,
                service_ref=service.ref,
            )
        )
    elif service.delivery_date == current.start:
        # Delivered on the 1st of P: P is a whole month nobody billed in advance.
        lines.append(_full_month(service, period, vat_rate, suffix))
    coming = period.next()
    if service.delivery_date < coming.first_day and service.active_during(coming.period):
        lines.append(_full_month(service, coming, vat_rate, suffix))
    return tuple(lines)


def _full_month(
    service: ServiceToBill, month: Month, vat_rate: Decimal, suffix: str
) -> InvoiceLine:
    ends = service.end_date is not None and service.end_date < month.period.end
    ending = " (mois de fin de service dû en entier)" if ends else ""
    return InvoiceLine(
        label=f"{service.label} — {month_label(month=month)}{ending}{suffix}",
        category=LineCategory.SUBSCRIPTION,
        quantity=service.quantity,
        unit_code=UNIT_MONTH,
        unit_price=service.monthly_price,
        vat_rate=vat_rate,
        period=month.period,
        service_ref=service.ref,
    )


_MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def month_label(*, month: Month) -> str:
    """`novembre 2026`."""
    return f"{_MONTHS_FR[month.month - 1]} {month.year}"


def prorated_amount(*, monthly_price: Decimal, days: int, month: Month) -> Decimal:
    """The exact (unrounded) share of a monthly price for `days` days of `month` (R-INV-1)."""
    if not 0 < days <= month.days:
        raise UnableToBuildLine(f"{days} jours hors du mois {month}")
    return monthly_price * days / month.days


class UsageKind(StrEnum):
    VOICE = "voice"
    SMS = "sms"
    DATA = "data"


_USAGE_LABELS = {
    UsageKind.VOICE: "Communications hors forfait",
    UsageKind.SMS: "SMS hors forfait",
    UsageKind.DATA: "Données mobiles hors forfait",
}
_USAGE_UNITS = {UsageKind.VOICE: "min", UsageKind.SMS: "SMS", UsageKind.DATA: "Mo"}


@dataclass(frozen=True)
class UsageAggregate:
    """The rated usage of one service, one kind, one month (from the rating engine's summary).

    `amount` is the exact sum of the per-record amounts (micro-euro precision); `unit_rate` is
    set when every unit was billed at one rate (then the line shows quantity × rate).
    """

    service_ref: str
    service_label: str
    kind: UsageKind
    month: Month
    billable_units: int
    amount: Decimal
    unit_rate: Decimal | None = None


def usage_line(*, aggregate: UsageAggregate, vat_rate: Decimal) -> InvoiceLine | None:
    """The arrears usage line of one aggregate (R-INV-1), or None when nothing is billable."""
    if aggregate.amount < 0 or aggregate.billable_units < 0:
        raise UnableToBuildLine(f"consommation négative pour {aggregate.service_ref}")
    if aggregate.amount == ZERO:
        return None
    unit = _USAGE_UNITS[aggregate.kind]
    label = (
        f"{_USAGE_LABELS[aggregate.kind]} — {aggregate.service_label} — "
        f"{month_label(month=aggregate.month)} ({aggregate.billable_units} {unit})"
    )
    single_rate = (
        aggregate.unit_rate is not None
        and aggregate.unit_rate * aggregate.billable_units == aggregate.amount
    )
    return InvoiceLine(
        label=label,
        category=LineCategory.USAGE,
        quantity=Decimal(aggregate.billable_units) if single_rate else Decimal(1),
        unit_code=UNIT_PIECE,
        unit_price=aggregate.unit_rate
        if single_rate and aggregate.unit_rate is not None
        else aggregate.amount,
        vat_rate=vat_rate,
        period=aggregate.month.period,
        service_ref=aggregate.service_ref,
    )


def one_off_line(
    *,
    label: str,
    category: LineCategory,
    unit_price: Decimal,
    vat_rate: Decimal,
    quantity: Decimal = Decimal(1),
    service_ref: str = "",
    detail: str = "",
) -> InvoiceLine:
    """An access fee, installation fee, equipment sold, early-termination amount (R-END-2),
    unreturned equipment (R-EQ-3), cancellation fees (R-ORD-5)…: billed once, as given."""
    if category in (LineCategory.SUBSCRIPTION, LineCategory.USAGE):
        raise UnableToBuildLine(f"« {label} » n'est pas un montant ponctuel")
    return InvoiceLine(
        label=label,
        category=category,
        quantity=quantity,
        unit_code=UNIT_PIECE,
        unit_price=unit_price,
        vat_rate=vat_rate,
        service_ref=service_ref,
        detail=detail,
    )


def deposit_line(
    *,
    order_ref: str,
    one_off_total: Decimal,
    deposit_share: Decimal,
    vat_rate: Decimal,
) -> InvoiceLine:
    """The deposit asked at order: `deposit_share` (30 %) of the order's one-off total (R-ORD-2)."""
    if one_off_total <= 0:
        raise UnableToBuildLine(f"la commande {order_ref} n'a pas de montant ponctuel")
    percent = (deposit_share * 100).normalize()
    return InvoiceLine(
        label=(
            f"Acompte de {percent:f} % sur la commande {order_ref} "
            f"(frais d'accès, d'installation et équipements vendus)"
        ),
        category=LineCategory.DEPOSIT,
        quantity=Decimal(1),
        unit_code=UNIT_PIECE,
        unit_price=quantize_eur(one_off_total * deposit_share),
        vat_rate=vat_rate,
        service_ref=order_ref,
    )


def monthly_lines(
    *,
    period: Month,
    services: Iterable[ServiceToBill],
    usage: Iterable[UsageAggregate],
    vat_rate: Decimal,
    one_offs: Iterable[InvoiceLine] = (),
) -> tuple[InvoiceLine, ...]:
    """All the lines of the monthly invoice of `period` (R-INV-1), in a stable order: per
    service its subscription lines, then the usage of `period` per service and kind, then the
    one-off amounts due (early termination, unreturned equipment, cancellation fees…).

    Usage aggregates of another month are refused: usage is billed in arrears for `period`.
    """
    lines: list[InvoiceLine] = []
    for service in sorted(services, key=lambda s: s.ref):
        lines.extend(subscription_lines(service=service, period=period, vat_rate=vat_rate))
    kinds = list(UsageKind)
    for aggregate in sorted(usage, key=lambda a: (a.service_ref, kinds.index(a.kind))):
        if aggregate.month != period:
            raise UnableToBuildLine(
                f"consommation de {aggregate.month} présentée sur la facture de {period}"
            )
        line = usage_line(aggregate=aggregate, vat_rate=vat_rate)
        if line is not None:
            lines.append(line)
    lines.extend(one_offs)
    return tuple(lines)


def late_charge_line(
    *, label: str, amount: Decimal, late_invoice_number: str, detail: str = ""
) -> InvoiceLine:
    """A late-payment penalty (L441-10) or recovery indemnity (D441-5) of `late_invoice_number`:
    outside the scope of VAT (EN 16931 category O, VATEX-EU-O), rounded half-up to the cent on
    the line (R-PAY-3)."""
    if amount <= 0:
        raise UnableToBuildLine(f"ligne « {label} » : montant positif requis")
    return InvoiceLine(
        label=label,
        category=LineCategory.LATE_CHARGE,
        quantity=Decimal(1),
        unit_code=UNIT_PIECE,
        unit_price=quantize_eur(amount),
        vat_rate=ZERO,
        service_ref=late_invoice_number,
        detail=detail,
        vat_category=VatCategory.OUTSIDE_SCOPE,
    )
