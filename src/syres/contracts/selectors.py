"""Reads on contracts, services, suspensions, terminations and support tickets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from syres.billing import selectors as billing_selectors
from syres.contracts.models import (
    Contract,
    Service,
    ServiceKind,
    ServiceState,
    Suspension,
    Termination,
    TerminationLine,
    Ticket,
)
from syres.domain import contracts as rules
from syres.domain.billing.lines import ServiceToBill
from syres.domain.money import CENT, ZERO
from syres.domain.periods import Month
from syres.domain.support import GtrOutcome, gtr_outcome
from syres.mail import unclaimed_or_stale
from syres.orders import selectors as order_selectors
from syres.terms import load_terms


def get_contract(contract_id: int) -> Contract:
    return Contract.objects.get(pk=contract_id)


def find_contract(contract_id: int) -> Contract | None:
    return Contract.objects.filter(pk=contract_id).first()


def get_service(service_id: int) -> Service:
    return Service.objects.select_related("contract").get(pk=service_id)


def open_contract_of(customer: Any) -> Contract | None:
    return Contract.objects.filter(customer=customer, ended_on__isnull=True).first()


def contracts_of(customer: Any) -> QuerySet[Contract]:
    return Contract.objects.filter(customer=customer).order_by("started_on", "pk")


def services_of(contract: Contract) -> QuerySet[Service]:
    return contract.services.order_by("delivery_date", "pk")


def open_services_of(contract: Contract) -> QuerySet[Service]:
    """Services of the contract with no end recorded yet: those a termination can still end."""
    return (
        contract.services.filter(end_date__isnull=True)
        .exclude(state=ServiceState.TERMINATED)
        .order_by("pk")
    )


def live_services_with_number(numbers: Sequence[str]) -> QuerySet[Service]:
    """Live services (active or suspended) whose line number is one of `numbers`: how the
    usage of a line is traced back to its contract service."""
    return (
        Service.objects.filter(phone_number__in=list(numbers))
        .exclude(state=ServiceState.TERMINATED)
        .select_related("contract__customer")
        .order_by("pk")
    )


def live_services_of(customer: Any) -> QuerySet[Service]:
    """Services not terminated (active or suspended) of every contract of the customer."""
    return (
        Service.objects.filter(contract__customer=customer)
        .exclude(state=ServiceState.TERMINATED)
        .order_by("delivery_date", "pk")
    )


def service_by_source(source_ref: str) -> Service | None:
    return Service.objects.filter(source_ref=source_ref).first()


def suspensions_of(service: Service) -> QuerySet[Suspension]:
    return service.suspensions.order_by("start_at", "pk")


def is_suspended_at(service: Service, *, at: datetime) -> bool:
    """Whether a suspension was in force at `at` (R-PAY-4 history)."""
    return any(
        rules.Suspension(
            reason=rules.SuspensionReason(suspension.reason),
            start_at=suspension.start_at,
            end_at=suspension.end_at,
            decided_by=str(suspension.decided_by_id),
        ).is_in_force(at=at)
        for suspension in suspensions_of(service)
    )


def subscription_due(service: Service, *, month: Month) -> Decimal:
    """The subscription of `service` due for `month`, exact (R-INV-1); a suspension changes
    nothing (R-PAY-3: subscriptions keep accruing while suspended)."""
    return rules.monthly_subscription_due(
        month=month,
        monthly_fee=service.monthly_fee,
        delivery_date=service.delivery_date,
        end_date=service.end_date,
    )


def services_to_bill(customer: Any) -> list[ServiceToBill]:
    """The customer's services as the billing run sees them (`syres.domain.billing.lines`):
    unit price × quantity, exclusive end date, and the suspended flag, which changes nothing
    to the amount (R-PAY-3). Terminated services are included: their last month may still be
    due."""
    billed = []
    for service in Service.objects.filter(contract__customer=customer).order_by("pk"):
        quantity = Decimal(service.quantity)
        unit = service.monthly_fee / quantity
        if unit != unit.quantize(CENT) or unit * quantity != service.monthly_fee:
            # A total that does not split into whole cents per unit is billed as one unit.
            unit, quantity = service.monthly_fee, Decimal(1)
        billed.append(
            ServiceToBill(
                ref=f"service:{service.pk}",
                label=service.label,
                monthly_price=unit,
                quantity=quantity,
                delivery_date=service.delivery_date,
                end_date=service.end_date,
                suspended=service.state == ServiceState.SUSPENDED,
            )
        )
    return billed


# Services rated by the usage app: their line number is the usage `Line` identifier.
USAGE_KINDS = (ServiceKind.SIP_TRUNK, ServiceKind.HOSTED_LICENCE, ServiceKind.MOBILE_LINE)


def customer_ids_with_services(*, start: date, end: date) -> list[int]:
    """Customers with a service running at some point of `[start, end)` (the billing run)."""
    return sorted(
        set(
            Service.objects.filter(delivery_date__lt=end)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
            .values_list("contract__customer_id", flat=True)
        )
    )


def usage_lines_of(customer: Any) -> dict[str, str]:
    """Service ref (`service:12`) → identifier of its usage `Line` (its line number), for the
    services the usage app rates (SIP trunks, hosted licences, mobile lines)."""
    return {
        f"service:{pk}": number
        for pk, number in Service.objects.filter(contract__customer=customer, kind__in=USAGE_KINDS)
        .exclude(phone_number="")
        .values_list("pk", "phone_number")
    }


def terminations_of(contract: Contract) -> QuerySet[Termination]:
    return contract.terminations.order_by("recorded_at", "pk")


def terminations_to_invoice(customer: Any | None = None) -> QuerySet[Termination]:
    """Terminations whose minimum billing amount (R-END-2) is owed and not yet invoiced."""
    due = Termination.objects.filter(amount_due__gt=0, invoiced_at__isnull=True)
    if customer is not None:
        due = due.filter(contract__customer=customer)
    return due.order_by("recorded_at", "pk")


@dataclass(frozen=True)
class UnpaidAmounts:
    """What the customer still owes on a service's one-off fees (R-END-2), as known by billing."""

    access_fee: Decimal = ZERO
    installation_fee: Decimal = ZERO
    equipment: Decimal = ZERO


def early_termination_lines(
    *,
    services: Sequence[Service],
    end_date: date,
    unpaid: Mapping[int, UnpaidAmounts] | None = None,
    billed_usage: Mapping[int, Mapping[Month, Decimal]] | None = None,
) -> dict[int, rules.EarlyTerminationLine | None]:
    """The minimum billing amount of each service ending on `end_date` (R-END-2), by service
    id; `None` for a service whose commitment is over. `unpaid` and `billed_usage` (by service
    id) come from billing: one-off amounts still unpaid, usage billed per month."""
    contracts = load_terms().contracts
    unpaid = unpaid or {}
    billed_usage = billed_usage or {}
    lines: dict[int, rules.EarlyTerminationLine | None] = {}
    for service in services:
        owed = unpaid.get(service.pk, UnpaidAmounts())
        amount = rules.early_termination_amount(
            services=[
                rules.CommittedService(
                    label=service.label,
                    monthly_fee=service.monthly_fee,
                    commitment_end=service.commitment_end,
                    unpaid_access_fee=owed.access_fee,
                    unpaid_installation_fee=owed.installation_fee,
                    unpaid_equipment=owed.equipment,
                    billed_usage=billed_usage.get(service.pk, {}),
                )
            ],
            end_date=end_date,
            contracts=contracts,
        )
        lines[service.pk] = amount.lines[0] if amount.lines else None
    return lines


def billing_inputs(
    services: Sequence[Service],
) -> tuple[dict[int, UnpaidAmounts], dict[int, dict[Month, Decimal]]]:
    """The two inputs of the early-termination amount (R-END-2) that billing knows, by service
    id: the one-off fees invoiced and still unpaid (the share of the order line's access and
    installation fees that falls to the service, times the share of its invoice still open)
    and the usage billed per month. Fees not invoiced yet are not counted: the balance
    invoice of the order bills them anyway."""
    billed = billing_selectors.billed_usage_by_month(f"service:{s.pk}" for s in services)
    delivered_ids = {
        s.pk: int(str(s.source_ref).removeprefix("service:"))
        for s in services
        if (s.source_ref or "").startswith("service:")
    }
    deliveries = {
        d.pk: d for d in order_selectors.delivered_services().filter(pk__in=delivered_ids.values())
    }
    refs = {f"orderline:{d.order_line_id}" for d in deliveries.values()}
    owed = billing_selectors.unpaid_one_offs(refs)
    unpaid: dict[int, UnpaidAmounts] = {}
    for service_id, delivered_id in delivered_ids.items():
        delivered = deliveries.get(delivered_id)
        if delivered is None:
            continue
        line_owed = owed.get(f"orderline:{delivered.order_line_id}", {})
        share = Decimal(delivered.quantity) / Decimal(delivered.order_line.quantity)
        fees = line_owed.get("access_fee", ZERO) * share
        if fees > 0:
            unpaid[service_id] = UnpaidAmounts(access_fee=fees)
    usage = {s.pk: billed.get(f"service:{s.pk}", {}) for s in services}
    return unpaid, {pk: months for pk, months in usage.items() if months}


def termination_preview(
    contract: Contract, *, letter_received_date: date
) -> tuple[date, dict[int, rules.EarlyTerminationLine | None]]:
    """What a letter received on `letter_received_date` would cost, before it is recorded:
    the end date (R-END-1) and the amount of each open service (R-END-2)."""
    end_date = rules.notice_end(
        letter_received_date=letter_received_date, contracts=load_terms().contracts
    )
    services = list(open_services_of(contract))
    unpaid, billed_usage = billing_inputs(services)
    return end_date, early_termination_lines(
        services=services, end_date=end_date, unpaid=unpaid, billed_usage=billed_usage
    )


def termination_lines_of(termination: Termination) -> QuerySet[TerminationLine]:
    return termination.lines.select_related("service").order_by("service__pk")


def contract_has_ended(contract: Contract, *, on: date) -> bool:
    return contract.ended_on is not None and contract.ended_on <= on


def ended_contract_ids_of(customer: Any, *, on: date) -> list[int]:
    """Contracts of the customer ended on or before `on` (lent equipment is due back: R-EQ-3)."""
    return list(
        Contract.objects.filter(customer=customer, ended_on__lte=on).values_list("pk", flat=True)
    )


def tickets_of(service: Service) -> QuerySet[Ticket]:
    return service.tickets.order_by("-reported_at", "pk")


def open_tickets() -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(restored_at__isnull=True)
        .select_related("service")
        .order_by("gtr_deadline", "reported_at")
    )


def gtr_of(ticket: Ticket) -> GtrOutcome | None:
    """The GTR deadline of a ticket and whether it was met; `None` when the service has no GTR
    (only FTTO has one: R-GTR-1)."""
    if ticket.gtr_deadline is None:
        return None
    return gtr_outcome(
        reported_at=ticket.reported_at, restored_at=ticket.restored_at, support=load_terms().support
    )


def monthly_recurring_revenue(*, on: date) -> Decimal:
    """The monthly fees, excl. VAT, of every service delivered and not ended on `on` (staff
    dashboard); a suspended service still counts (R-PAY-3: it is still billed)."""
    services = Service.objects.filter(delivery_date__lte=on).exclude(end_date__lte=on)
    return sum((service.monthly_fee for service in services), ZERO)


def tickets_near_gtr(*, now: datetime, within_minutes: int) -> QuerySet[Ticket]:
    """Open tickets whose GTR deadline falls before `now` + `within_minutes`, overdue ones
    included (R-GTR-1)."""
    return open_tickets().filter(gtr_deadline__lte=now + timedelta(minutes=within_minutes))


def open_suspensions() -> QuerySet[Suspension]:
    """Suspensions in force: each is to be lifted once its cause is (R-PAY-3)."""
    return (
        Suspension.objects.filter(end_at__isnull=True)
        .select_related("service__contract__customer")
        .order_by("start_at", "pk")
    )


def maintenance_notices_to_send(*, at: datetime) -> QuerySet[Suspension]:
    """Planned maintenances whose notice is not sent nor being sent (unclaimed, or claimed more
    than `settings.MAIL_CLAIM_STALE_AFTER_S` before `at` by a sender that died) and whose
    window is still open at `at` (not lifted, planned end to come): announcing one already over
    would only mislead the customer (CGV art. 15)."""
    return Suspension.objects.filter(
        unclaimed_or_stale("notice_claimed_at", at=at),
        reason=rules.SuspensionReason.MAINTENANCE.value,
        notice_sent_at__isnull=True,
        end_at__isnull=True,
        planned_end_at__gt=at,
    ).order_by("pk")


def contract_of(customer: Any, *, contract_id: int) -> Contract | None:
    """One of the customer's contracts; None for another customer's (portal isolation)."""
    return Contract.objects.filter(customer=customer, pk=contract_id).first()
