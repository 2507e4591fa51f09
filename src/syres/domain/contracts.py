"""Contracts and their services: commitment, notice, early termination, termination by SYRES,
suspension (CGV art. 7, 8, 15, 16; SPEC R-ORD-7, R-CAT-3, R-END-*, R-PAY-3, R-PAY-4).

Dates follow the half-open convention of `syres.domain.periods`: a service runs
`[delivery_date, end_date)` and its commitment `[delivery_date, commitment_end)`. The *end date*
of a termination is the day it takes effect (no service from that day on); the last day served
is the day before, and the month holding that day is the last month billed, in full (R-INV-1).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from syres.domain.billing.lines import ServiceToBill, subscription_lines
from syres.domain.money import ZERO, quantize_eur
from syres.domain.periods import Month, add_months
from syres.domain.terms import Contracts, TerminationCause

_ONE_DAY = timedelta(days=1)


class UnableToTerminate(Exception):
    """A termination that cannot be recorded; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnableToChangeServiceState(Exception):
    """A state change of a service that is not allowed; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# --- Commitment and notice -----------------------------------------------------------------


def commitment_end(*, delivery_date: date, commitment_months: int) -> date:
    """The first day free of commitment: `commitment_months` after delivery (R-ORD-7, R-CAT-3).

    The minimum commitment runs from the delivery (mise en service) of each service (CGV art. 8);
    month ends are clamped (delivered 31 January, 1 month → free from 28/29 February). With no
    commitment (0 months) the service is free from its delivery day.
    """
    if commitment_months < 0:
        raise ValueError("a commitment cannot be negative")
    return add_months(delivery_date, commitment_months)


def notice_end(*, letter_received_date: date, contracts: Contracts) -> date:
    """The day the customer's termination takes effect (R-END-1, CGV art. 16).

    The notice (`[contracts].notice_months`) starts on the day the registered letter is received;
    month ends are clamped: a letter received on 30 November ends the service on 28 (or 29)
    February.
    """
    return add_months(letter_received_date, contracts.notice_months)


def last_billed_month(*, end_date: date) -> Month:
    """The last month billed for a service ending on `end_date`: the month of its last day
    served, due in full (R-INV-1, CGV art. 7: "le mois entier est dû")."""
    return Month.of(end_date - _ONE_DAY)


def remaining_committed_months(*, end_date: date, commitment_end: date) -> int:
    """Whole months of the commitment not yet due when the service ends on `end_date` (R-END-2).

    The month of the end is already due in full (R-INV-1), so it is not counted. The month in
    which the commitment ends counts in full: had the customer stayed to the end of the
    commitment, that month would have been due in full too. Zero when the commitment is over.
    """
    if end_date >= commitment_end:
        return 0
    last_due = last_billed_month(end_date=end_date)
    last_committed = last_billed_month(end_date=commitment_end)
    return max(
        0,
        (last_committed.year - last_due.year) * 12 + last_committed.month - last_due.month,
    )


# --- Early termination by the customer (R-END-2) -------------------------------------------


@dataclass(frozen=True)
class CommittedService:
    """What R-END-2 needs to know of one service the customer terminates.

    `billed_usage` maps each month already invoiced for usage to the usage amount billed (excl.
    VAT); a month billed with no usage is a month at zero, not a missing month.
    """

    label: str
    monthly_fee: Decimal
    commitment_end: date
    unpaid_access_fee: Decimal = ZERO
    unpaid_installation_fee: Decimal = ZERO
    unpaid_equipment: Decimal = ZERO
    billed_usage: Mapping[Month, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class EarlyTerminationLine:
    """The minimum billing amount of one service, part by part (R-END-2)."""

    label: str
    remaining_months: int
    monthly_fee: Decimal
    remaining_fees: Decimal
    unpaid_access_fee: Decimal
    unpaid_installation_fee: Decimal
    unpaid_equipment: Decimal
    usage_months_averaged: int
    average_monthly_usage: Decimal
    estimated_usage: Decimal

    @property
    def total(self) -> Decimal:
        return (
            self.remaining_fees
            + self.unpaid_access_fee
            + self.unpaid_installation_fee
            + self.unpaid_equipment
            + self.estimated_usage
        )


@dataclass(frozen=True)
class EarlyTerminationAmount:
    """The amount owed for ending services during their commitment, with its breakdown."""

    end_date: date
    lines: tuple[EarlyTerminationLine, ...]

    @property
    def remaining_fees(self) -> Decimal:
        return sum((line.remaining_fees for line in self.lines), ZERO)

    @property
    def unpaid_one_off_fees(self) -> Decimal:
        return sum(
            (
                line.unpaid_access_fee + line.unpaid_installation_fee + line.unpaid_equipment
                for line in self.lines
            ),
            ZERO,
        )

    @property
    def estimated_usage(self) -> Decimal:
        return sum((line.estimated_usage for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)


def average_billed_usage(
    *, billed_usage: Mapping[Month, Decimal], end_date: date, contracts: Contracts
) -> tuple[int, Decimal]:
    """The average usage of the last billed months before `end_date` (R-END-2).

    Takes the last `[contracts].consumption_estimate_months` months billed (or all of them if
    fewer); returns (months averaged, exact average). No billed month gives (0, 0).
    """
    last_due = last_billed_month(end_date=end_date)
    months = sorted(month for month in billed_usage if month <= last_due)
    taken = months[-contracts.consumption_estimate_months :]
    if not taken:
        return 0, ZERO
    return len(taken), sum((billed_usage[month] for month in taken), ZERO) / len(taken)


def early_termination_amount(
    *, services: Sequence[CommittedService], end_date: date, contracts: Contracts
) -> EarlyTerminationAmount:
    """The minimum billing amount owed when the customer ends services on `end_date` (R-END-2).

    Per service still under commitment: the subscription fees of the remaining committed months
    (see `remaining_committed_months`), the access, installation and equipment amounts still
    unpaid, and the usage that would have been billed, estimated as the average of the last
    billed months × the remaining months. A service whose commitment is over owes nothing here
    (its unpaid invoices stay due as such). Each part is rounded half-up to the cent.
    """
    lines: list[EarlyTerminationLine] = []
    for service in services:
        if end_date >= service.commitment_end:
            continue
        months = remaining_committed_months(
            end_date=end_date, commitment_end=service.commitment_end
        )
        averaged, average = average_billed_usage(
            billed_usage=service.billed_usage, end_date=end_date, contracts=contracts
        )
        lines.append(
            EarlyTerminationLine(
                label=service.label,
                remaining_months=months,
                monthly_fee=service.monthly_fee,
                remaining_fees=quantize_eur(service.monthly_fee * months),
                unpaid_access_fee=quantize_eur(service.unpaid_access_fee),
                unpaid_installation_fee=quantize_eur(service.unpaid_installation_fee),
                unpaid_equipment=quantize_eur(service.unpaid_equipment),
                usage_months_averaged=averaged,
                average_monthly_usage=average,
                estimated_usage=quantize_eur(average * months),
            )
        )
    return EarlyTerminationAmount(end_date=end_date, lines=tuple(lines))


# --- Termination by SYRES (CGV art. 16) ----------------------------------------------------


@dataclass(frozen=True)
class SyresTermination:
    """A termination decided by SYRES for one of the causes of art. 16 (R-END-3).

    No damages are owed to the customer; all lent equipment is due back (R-EQ-3).
    """

    cause: TerminationCause
    notified_date: date
    end_date: date


def terminate_by_syres(
    *, cause_code: str, notified_date: date, end_date: date, contracts: Contracts
) -> SyresTermination:
    """Check a termination by SYRES: the cause must be one of `[contracts].termination_causes`
    and the end cannot precede the notification to the customer (R-END-3, CGV art. 16)."""
    causes = {cause.code: cause for cause in contracts.termination_causes}
    if cause_code not in causes:
        known = ", ".join(cause.label for cause in contracts.termination_causes)
        raise UnableToTerminate(
            f"Motif de résiliation inconnu « {cause_code} » ; motifs prévus à l'article 16 : "
            f"{known}."
        )
    if end_date < notified_date:
        raise UnableToTerminate(
            "La résiliation ne peut pas prendre effet avant sa notification au client."
        )
    return SyresTermination(
        cause=causes[cause_code], notified_date=notified_date, end_date=end_date
    )


# --- Services and the contract (R-END-3) ---------------------------------------------------


class ServiceState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


SERVICE_STATE_LABELS: Mapping[ServiceState, str] = {
    ServiceState.ACTIVE: "Actif",
    ServiceState.SUSPENDED: "Suspendu",
    ServiceState.TERMINATED: "Résilié",
}

_ALLOWED: Mapping[ServiceState, Collection[ServiceState]] = {
    ServiceState.ACTIVE: (ServiceState.SUSPENDED, ServiceState.TERMINATED),
    ServiceState.SUSPENDED: (ServiceState.ACTIVE, ServiceState.TERMINATED),
    ServiceState.TERMINATED: (),
}


def check_service_transition(*, current: ServiceState, target: ServiceState) -> None:
    """Refuse a state change the life of a service does not allow: a terminated service never
    comes back, a suspension needs a live service, a resumption a suspended one.

    A service may be held by several suspensions at once (maintenance during a non-payment
    suspension): it stays suspended until the last one is lifted (`state_after_lift`)."""
    if target not in _ALLOWED[current]:
        raise UnableToChangeServiceState(
            f"Un service « {SERVICE_STATE_LABELS[current].lower()} » ne peut pas passer à "
            f"« {SERVICE_STATE_LABELS[target].lower()} »."
        )


def state_after_lift(*, other_suspensions_in_force: int) -> ServiceState:
    """The state of a suspended service once one of its suspensions is lifted (R-PAY-4)."""
    return ServiceState.SUSPENDED if other_suspensions_in_force else ServiceState.ACTIVE


def contract_end_date(*, service_end_dates: Sequence[date | None]) -> date | None:
    """The day a contract ends by itself: when its last service has ended (R-END-3, CGV art. 16).

    `None` while a service has no end date (or when the contract has no service yet).
    """
    if not service_end_dates or any(end is None for end in service_end_dates):
        return None
    return max(end for end in service_end_dates if end is not None)


# --- Suspension (R-PAY-3, R-PAY-4, CGV art. 7, 15) -----------------------------------------


class SuspensionReason(StrEnum):
    """The reasons for which SYRES may suspend a service (CGV art. 15; R-PAY-4); the values are
    those of `syres.domain.payments.suspensions`, which the dunning uses."""

    NON_PAYMENT = "non_payment"
    NON_COMPLIANT_USE = "non_compliant_use"
    CONSUMPTION_SURGE = "consumption_surge"
    BREACH = "breach"
    MAINTENANCE = "maintenance"


SUSPENSION_REASON_LABELS: Mapping[SuspensionReason, str] = {
    SuspensionReason.NON_PAYMENT: "Non-paiement total ou partiel d'une facture",
    SuspensionReason.NON_COMPLIANT_USE: "Utilisation non conforme des services",
    SuspensionReason.CONSUMPTION_SURGE: "Augmentation substantielle du montant des communications",
    SuspensionReason.BREACH: "Inexécution d'une obligation du client",
    SuspensionReason.MAINTENANCE: "Opération de maintenance",
}


def suspension_requires_notice(*, reason: SuspensionReason) -> bool:
    """Planned maintenance is announced to the customer (issue 6, CGV art. 15); the other
    suspensions follow the dunning letters or a decision already notified."""
    return reason is SuspensionReason.MAINTENANCE


def suspension_refusal(
    *,
    reason: SuspensionReason,
    customer_notice: str,
    start_at: datetime,
    planned_end_at: datetime | None,
) -> tuple[str, str] | None:
    """Why a suspension cannot be recorded as given, as (field, French reason); `None` when it
    can. A planned maintenance is announced with its text and its planned end (CGV art. 15);
    a planned end follows the start."""
    if suspension_requires_notice(reason=reason):
        if not customer_notice.strip():
            return (
                "customer_notice",
                "Une maintenance programmée doit être annoncée au client : saisissez l'avis.",
            )
        if planned_end_at is None:
            return (
                "planned_end_at",
                "Indiquez la fin prévue de la maintenance : elle est annoncée au client.",
            )
    if planned_end_at is not None and planned_end_at <= start_at:
        return "planned_end_at", "La fin prévue doit suivre le début de la suspension."
    return None


@dataclass(frozen=True)
class Suspension:
    """One suspension of a service: reason, start, end (open while `None`), who decided it.

    A suspension never stops the subscription: it keeps accruing and is billed as usual
    (R-PAY-3, CGV art. 7: "la suspension du service n'entraîne pas celle du paiement des
    abonnements").
    """

    reason: SuspensionReason
    start_at: datetime
    decided_by: str
    end_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.start_at.tzinfo is None or (self.end_at is not None and self.end_at.tzinfo is None):
            raise ValueError("suspension instants must be aware datetimes")
        if self.end_at is not None and self.end_at <= self.start_at:
            raise ValueError("a suspension must start before it ends")

    def is_in_force(self, *, at: datetime) -> bool:
        return self.start_at <= at and (self.end_at is None or at < self.end_at)


def monthly_subscription_due(
    *, month: Month, monthly_fee: Decimal, delivery_date: date, end_date: date | None
) -> Decimal:
    """The subscription due for `month` (exact; the invoice line rounds), R-INV-1, R-PAY-3.

    Nothing before delivery or after the last month served; the delivery month pro rata of its
    days from the delivery date; every other month in full, the month of the end included (no
    pro rata at the end). Suspensions play no part: a suspended service keeps accruing.

    Billing's `subscription_lines` is the one source of truth: this is the exact total of the
    subscription lines, on the invoices of `month` and of the month before, that cover `month`.
    """
    if end_date is not None and end_date <= delivery_date:
        return ZERO
    service = ServiceToBill(
        ref="due",
        label="due",
        monthly_price=monthly_fee,
        delivery_date=delivery_date,
        end_date=end_date,
    )
    covered = month.period
    lines = [
        *subscription_lines(service=service, period=month.previous(), vat_rate=ZERO),
        *subscription_lines(service=service, period=month, vat_rate=ZERO),
    ]
    return sum(
        (
            line.quantity * line.unit_price / line.base_quantity
            for line in lines
            if line.period is not None and line.period.overlap(covered) == line.period
        ),
        ZERO,
    )
