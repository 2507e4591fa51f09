"""Writes on contracts: services, suspensions, terminations (R-ORD-7, R-PAY-4, R-END-1..3).

One function per state change; each checks the change is allowed (the rules are in
`syres.domain.contracts`) and runs in a transaction. The e-mail of a maintenance notice goes
out after that transaction commits (`send_maintenance_notices`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from syres.accounts.selectors import NOT_IDENTIFIED_STAFF, is_identified_staff
from syres.contracts import selectors
from syres.contracts.mail import maintenance_notice_email
from syres.contracts.models import (
    Contract,
    Service,
    ServiceKind,
    ServiceState,
    Suspension,
    Termination,
    TerminationInitiator,
    TerminationLine,
)
from syres.domain import contracts as rules
from syres.domain.money import ZERO
from syres.domain.periods import PARIS, Month
from syres.mail import error_text, send_with_retries
from syres.orders import selectors as order_selectors
from syres.orders import services as order_services
from syres.terms import load_terms
from syres.usage import services as usage_services

logger = logging.getLogger(__name__)


class UnableToChangeContract(Exception):
    """A write on contracts that is refused; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _now(at: datetime | None) -> datetime:
    return at if at is not None else timezone.now()


def _staff(by: Any) -> Any:
    if not is_identified_staff(by):
        raise UnableToChangeContract(NOT_IDENTIFIED_STAFF)
    return by


def _locked(service: Service) -> Service:
    return Service.objects.select_for_update().get(pk=service.pk)


def _change_state(service: Service, target: rules.ServiceState) -> None:
    try:
        rules.check_service_transition(current=rules.ServiceState(service.state), target=target)
    except rules.UnableToChangeServiceState as error:
        raise UnableToChangeContract(error.reason) from error
    service.state = target.value


# --- services ------------------------------------------------------------------------------


@transaction.atomic
def record_delivered_service(
    *,
    customer: Any,
    kind: str,
    product_code: str,
    label: str,
    monthly_fee: Decimal,
    delivery_date: date,
    commitment_months: int,
    quantity: int = 1,
    access_fee: Decimal = ZERO,
    installation_fee: Decimal = ZERO,
    technology: str = "",
    platform: str = "",
    phone_number: str = "",
    source_ref: str | None = None,
    at: datetime | None = None,
) -> Service:
    """Add a delivered service to the customer's open contract, opening one if needed.

    Billing and the minimum commitment start at `delivery_date` (R-ORD-7, R-CAT-3). Taking the
    same delivery over again returns the service already recorded.
    """
    if source_ref is not None:
        existing = Service.objects.filter(source_ref=source_ref).first()
        if existing is not None:
            return existing
    if kind not in ServiceKind.values:
        raise UnableToChangeContract(f"Type de service inconnu : {kind}.")
    contract = (
        Contract.objects.select_for_update()
        .filter(customer=customer, ended_on__isnull=True)
        .first()
    )
    if contract is None:
        contract = Contract.objects.create(
            customer=customer, started_on=delivery_date, created_at=_now(at)
        )
    elif delivery_date < contract.started_on:
        contract.started_on = delivery_date
        contract.save(update_fields=["started_on"])
    service = Service.objects.create(
        contract=contract,
        kind=kind,
        product_code=product_code,
        label=label,
        quantity=quantity,
        monthly_fee=monthly_fee,
        access_fee=access_fee,
        installation_fee=installation_fee,
        technology=technology,
        platform=platform,
        phone_number=phone_number,
        delivery_date=delivery_date,
        commitment_months=commitment_months,
        commitment_end=rules.commitment_end(
            delivery_date=delivery_date, commitment_months=commitment_months
        ),
        source_ref=source_ref,
    )
    _sync_usage_line(service)
    return service


def _sync_usage_line(service: Service) -> None:
    """The usage `Line` of a rated service (SIP trunk, hosted licences, mobile line): its
    identifier is the service's line number. The contract service owns the platform and the
    channels (its quantity; a hosted licence counts as one channel, R-SIP-8); the usage line is
    written from it here, never edited apart, so the rating limits follow the contract."""
    if service.kind not in selectors.USAGE_KINDS or not service.phone_number:
        return
    platform = "mobile" if service.kind == ServiceKind.MOBILE_LINE else service.platform
    try:
        usage_services.save_line(
            identifier=service.phone_number,
            platform=platform,
            channels=service.quantity,
            label=service.label,
        )
    except usage_services.UnableToImportUsage as error:
        raise UnableToChangeContract(f"Ligne {service.phone_number} : {error.reason}") from error


def take_over_delivered_services(
    *, customer_id: int | None = None, at: datetime | None = None
) -> list[Service]:
    """Turn the services the orders app delivered (R-ORD-7) into contract services, once each:
    the monthly fee is the line's unit price (the negotiated one if any, R-CAT-2) × quantity;
    the commitment runs from the delivery date. Safe to run again; returns the new services."""
    created = []
    for delivered in order_selectors.delivered_services(customer_id=customer_id):
        source_ref = f"service:{delivered.pk}"
        if Service.objects.filter(source_ref=source_ref).exists():
            continue
        unit_price = (
            delivered.negotiated_monthly_price
            if delivered.negotiated_monthly_price is not None
            else delivered.monthly_price
        )
        product = delivered.product
        label = product.name + (f" — {delivered.line_number}" if delivered.line_number else "")
        created.append(
            record_delivered_service(
                customer=delivered.customer,
                kind=delivered.family,
                product_code=delivered.product_code,
                label=label[:200],
                quantity=delivered.quantity,
                monthly_fee=unit_price * delivered.quantity,
                access_fee=delivered.access_fee * delivered.quantity,
                installation_fee=delivered.installation_fee * delivered.quantity,
                technology=product.technology,
                platform=delivered.platform,
                # The line number ties the service to its rated usage (trunk or mobile line).
                phone_number=delivered.line_number
                if delivered.family in selectors.USAGE_KINDS
                else "",
                delivery_date=delivered.delivered_on,
                commitment_months=delivered.commitment_months,
                source_ref=source_ref,
                at=at,
            )
        )
    return created


# --- suspension (R-PAY-3, R-PAY-4, CGV art. 15) --------------------------------------------


@transaction.atomic
def suspend_service(
    *,
    service: Service,
    reason: str,
    start_at: datetime,
    by: Any,
    customer_notice: str = "",
    planned_end_at: datetime | None = None,
) -> Suspension:
    """Suspend a live service for one of the reasons of art. 15 (R-PAY-4).

    The subscription keeps accruing (R-PAY-3). Planned maintenance needs its planned end and
    the notice to the customer, e-mailed once the suspension is committed (CGV art. 15). A
    service already suspended stays so and is held by one more suspension."""
    _staff(by)
    service = _locked(service)
    try:
        why = rules.SuspensionReason(reason)
    except ValueError as error:
        raise UnableToChangeContract(f"Motif de suspension inconnu : {reason}.") from error
    refusal = rules.suspension_refusal(
        reason=why,
        customer_notice=customer_notice,
        start_at=start_at,
        planned_end_at=planned_end_at,
    )
    if refusal is not None:
        raise UnableToChangeContract(refusal[1])
    if service.state != ServiceState.SUSPENDED:
        _change_state(service, rules.ServiceState.SUSPENDED)
        service.save(update_fields=["state"])
    suspension = Suspension.objects.create(
        service=service,
        reason=why.value,
        start_at=start_at,
        planned_end_at=planned_end_at,
        decided_by=by,
        customer_notice=customer_notice.strip(),
    )
    if rules.suspension_requires_notice(reason=why):
        _notify_after_commit(suspension.pk)
    return suspension


def _notify_after_commit(suspension_id: int) -> None:
    """E-mail the notice once the suspension is committed; a failure here is recorded and
    retried by `syres contracts maintenance-notices`, never undoing the suspension."""

    def send() -> None:
        try:
            send_maintenance_notices(suspension_ids=[suspension_id])
        except Exception:  # the suspension stands; the notice is caught up by the next run
            logger.exception("maintenance notice of suspension %s failed", suspension_id)

    transaction.on_commit(send)


@dataclass
class NoticeReport:
    sent: int = 0
    failures: list[str] = field(default_factory=list)


def send_maintenance_notices(
    *, suspension_ids: Iterable[int] | None = None, at: datetime | None = None
) -> NoticeReport:
    """E-mail the notice of every planned maintenance not sent yet whose window is still open
    at `at` (CGV art. 15, R-PAY-4) to the customer's billing address, temporary failures
    retried (`syres.mail.send_with_retries`).

    Each suspension is claimed first (a conditional update on the claim read: only one sender
    wins it), so a notice is never sent twice, even by two processes; any failure after the
    claim releases it with its error, and a later call sends the notice. A claim left by a
    sender that died is taken again (`settings.MAIL_CLAIM_STALE_AFTER_S`). A maintenance over
    (lifted, or past its planned end) is no longer announced. Never raises for a notice that
    failed: the others of the batch are still sent."""
    now = _now(at)
    pending = selectors.maintenance_notices_to_send(at=now).select_related(
        "service__contract__customer"
    )
    if suspension_ids is not None:
        pending = pending.filter(pk__in=list(suspension_ids))
    report = NoticeReport()
    for suspension in list(pending):
        _send_notice(suspension, report=report, at=now)
    return report


def _send_notice(suspension: Suspension, *, report: NoticeReport, at: datetime) -> None:
    # Conditional on the claim read (none, or a stale one) and on the notice still being due:
    # of two senders, only one moves the claim.
    claimed = (
        selectors.maintenance_notices_to_send(at=at)
        .filter(pk=suspension.pk, notice_claimed_at=suspension.notice_claimed_at)
        .update(notice_claimed_at=at)
    )
    if not claimed:
        return  # another sender has it, or sent it
    # Every update after is conditional on this sender's claim.
    held = Suspension.objects.filter(pk=suspension.pk, notice_claimed_at=at)
    try:
        delivery = send_with_retries(
            maintenance_notice_email(suspension), what=f"maintenance notice {suspension.pk}"
        )
        error = delivery.error
    except Exception as failure:  # a header the mail library refuses, or anything else
        logger.exception("maintenance notice of suspension %s not sent", suspension.pk)
        error = error_text(failure)
    if not error:
        # The claim stays: a sent notice is never picked again.
        held.update(notice_sent_at=at, notice_error="")
        report.sent += 1
        return
    held.update(notice_claimed_at=None, notice_error=error[:300])
    report.failures.append(f"suspension n° {suspension.pk} : {error[:300]}")


@transaction.atomic
def lift_suspension(*, suspension: Suspension, end_at: datetime, by: Any) -> Suspension:
    """Lift one suspension from `end_at`; the service is active again once no other suspension
    holds it (R-PAY-4)."""
    _staff(by)
    service = _locked(suspension.service)
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if suspension.end_at is not None:
        raise UnableToChangeContract("Cette suspension est déjà levée.")
    if end_at <= suspension.start_at:
        raise UnableToChangeContract("La reprise doit suivre le début de la suspension.")
    suspension.end_at = end_at
    suspension.ended_by = by
    suspension.save(update_fields=["end_at", "ended_by"])
    others = service.suspensions.filter(end_at__isnull=True).count()
    target = rules.state_after_lift(other_suspensions_in_force=others)
    if service.state == ServiceState.SUSPENDED and target is rules.ServiceState.ACTIVE:
        _change_state(service, target)
        service.save(update_fields=["state"])
    return suspension


# --- termination (R-END-1, R-END-2, R-END-3) -----------------------------------------------


def _services_to_end(contract: Contract, services: Sequence[Service] | None) -> list[Service]:
    open_services = list(
        Service.objects.select_for_update()
        .filter(contract=contract, end_date__isnull=True)
        .exclude(state=ServiceState.TERMINATED)
        .order_by("pk")
    )
    if services is None:
        chosen = open_services
    else:
        wanted = {service.pk for service in services}
        chosen = [service for service in open_services if service.pk in wanted]
        if len(chosen) != len(wanted):
            raise UnableToChangeContract(
                "Un des services choisis n'appartient pas à ce contrat ou est déjà résilié."
            )
    if not chosen:
        raise UnableToChangeContract("Aucun service en cours à résilier sur ce contrat.")
    return chosen


@transaction.atomic
def record_customer_termination(
    *,
    contract: Contract,
    letter_reference: str,
    letter_received_date: date,
    by: Any,
    services: Sequence[Service] | None = None,
    unpaid: Mapping[int, selectors.UnpaidAmounts] | None = None,
    billed_usage: Mapping[int, Mapping[Month, Decimal]] | None = None,
    at: datetime | None = None,
) -> Termination:
    """Record the customer's registered letter and end its services (all open ones by default)
    at the end of the notice (R-END-1), with the minimum billing amount of those still under
    commitment (R-END-2) recorded line by line.

    `unpaid` and `billed_usage` (keyed by service id) come from billing: the one-off amounts
    still unpaid and the usage billed per month (`selectors.billing_inputs` when not given).
    The services end on the end date (R-END-3 then ends the contract with its last service).
    """
    _staff(by)
    if not letter_reference.strip():
        raise UnableToChangeContract("Le numéro de la lettre recommandée est obligatoire.")
    now = _now(at)
    if letter_received_date > now.astimezone(PARIS).date():
        raise UnableToChangeContract("La date de réception de la lettre ne peut pas être future.")
    terms = load_terms()
    chosen = _services_to_end(contract, services)
    end_date = rules.notice_end(
        letter_received_date=letter_received_date, contracts=terms.contracts
    )
    if unpaid is None and billed_usage is None:
        # R-END-2: what billing invoiced and is still unpaid, and the usage billed.
        unpaid, billed_usage = selectors.billing_inputs(chosen)
    lines = selectors.early_termination_lines(
        services=chosen, end_date=end_date, unpaid=unpaid, billed_usage=billed_usage
    )
    termination = Termination.objects.create(
        contract=contract,
        initiator=TerminationInitiator.CUSTOMER,
        letter_reference=letter_reference.strip(),
        letter_received_date=letter_received_date,
        end_date=end_date,
        recorded_at=now,
        recorded_by=by,
        amount_due=sum((line.total for line in lines.values() if line is not None), ZERO),
    )
    for service in chosen:
        line = lines[service.pk]
        TerminationLine.objects.create(
            termination=termination,
            service=service,
            **(
                {}
                if line is None
                else {
                    "remaining_months": line.remaining_months,
                    "remaining_fees": line.remaining_fees,
                    "unpaid_access_fee": line.unpaid_access_fee,
                    "unpaid_installation_fee": line.unpaid_installation_fee,
                    "unpaid_equipment": line.unpaid_equipment,
                    "usage_months_averaged": line.usage_months_averaged,
                    "estimated_usage": line.estimated_usage,
                    "total": line.total,
                }
            ),
        )
        _schedule_end(service, end_date)
    apply_due_ends(as_of=now.astimezone(PARIS).date())
    return termination


@transaction.atomic
def record_syres_termination(
    *,
    contract: Contract,
    cause_code: str,
    notified_date: date,
    end_date: date,
    by: Any,
    services: Sequence[Service] | None = None,
    at: datetime | None = None,
) -> Termination:
    """SYRES terminates services (all open ones by default) for a cause of art. 16 (R-END-3):
    no damages owed to the customer, lent equipment due back (R-EQ-3)."""
    _staff(by)
    now = _now(at)
    try:
        decided = rules.terminate_by_syres(
            cause_code=cause_code,
            notified_date=notified_date,
            end_date=end_date,
            contracts=load_terms().contracts,
        )
    except rules.UnableToTerminate as error:
        raise UnableToChangeContract(error.reason) from error
    chosen = _services_to_end(contract, services)
    termination = Termination.objects.create(
        contract=contract,
        initiator=TerminationInitiator.SYRES,
        cause_code=decided.cause.code,
        cause_label=decided.cause.label,
        notified_date=notified_date,
        end_date=end_date,
        recorded_at=now,
        recorded_by=by,
    )
    for service in chosen:
        TerminationLine.objects.create(termination=termination, service=service)
        _schedule_end(service, end_date)
    apply_due_ends(as_of=now.astimezone(PARIS).date())
    return termination


def _schedule_end(service: Service, end_date: date) -> None:
    if end_date <= service.delivery_date:
        raise UnableToChangeContract(
            f"Le service « {service.label} » ne peut pas finir avant sa mise en service."
        )
    service.end_date = end_date
    service.save(update_fields=["end_date"])


@transaction.atomic
def end_service(*, service: Service, end_date: date, as_of: date) -> Service:
    """End one service on `end_date` outside a termination letter (total loss of the equipment
    it rents: CGV art. 13 ends that contract de plein droit)."""
    service = _locked(service)
    if service.state == ServiceState.TERMINATED:
        raise UnableToChangeContract("Ce service est déjà résilié.")
    if service.end_date is None or end_date < service.end_date:
        _schedule_end(service, end_date)
    apply_due_ends(as_of=as_of)
    service.refresh_from_db()
    return service


def mark_termination_invoiced(*, termination_id: int, at: datetime) -> None:
    """Billing invoiced the termination's amount (R-END-2); called inside its issuing
    transaction, so the amount is billed once. Refused if already invoiced."""
    updated = Termination.objects.filter(pk=termination_id, invoiced_at__isnull=True).update(
        invoiced_at=at
    )
    if not updated:
        raise UnableToChangeContract("Cette résiliation est déjà facturée.")


@transaction.atomic
def apply_due_ends(*, as_of: date) -> list[Contract]:
    """Turn to terminated every service whose end date has come, then end each contract whose
    services have all ended, on the day its last one ended (R-END-3). Safe to run again; returns
    the contracts ended by this run."""
    due = (
        Service.objects.select_for_update()
        .filter(end_date__lte=as_of)
        .exclude(state=ServiceState.TERMINATED)
    )
    touched = set()
    for service in due:
        _change_state(service, rules.ServiceState.TERMINATED)
        service.save(update_fields=["state"])
        touched.add(service.contract_id)
        if service.technology == "ftth" and (service.source_ref or "").startswith("service:"):
            # R-ORD-4: the site may take a new FTTH access once this one has ended.
            order_services.release_ftth_site(
                service_id=int(str(service.source_ref).removeprefix("service:")),
                released_on=service.end_date or as_of,
            )
    ended = []
    for contract in Contract.objects.select_for_update().filter(
        pk__in=touched, ended_on__isnull=True
    ):
        ends = [
            end if state == ServiceState.TERMINATED else None
            for end, state in contract.services.values_list("end_date", "state")
        ]
        contract_end = rules.contract_end_date(service_end_dates=ends)
        if contract_end is not None:
            contract.ended_on = contract_end
            contract.save(update_fields=["ended_on"])
            ended.append(contract)
    return ended
