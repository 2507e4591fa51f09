"""Suspensions of service and their network actions (SPEC R-PAY-3, R-PAY-4; CGV art. 7, 15).

A suspension records its reason, its scope (the services concerned or all the customer's
services), its start, its end and who decided it. Each suspension or lift gives a network action
(*suspend* / *resume*) listed for staff to carry out on the platforms. Subscriptions keep accruing
while suspended (CGV art. 7); that is billing's business, nothing here stops it.
Payment in full of the invoices a non-payment suspension was for lifts it (R-PAY-3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from syres.domain.money import ZERO
from syres.domain.terms import DunningStep


class UnableToSuspend(Exception):
    """A suspension that cannot be recorded; the message is the reason."""


class UnableToLiftSuspension(Exception):
    """A suspension that cannot be lifted; the message is the reason."""


class SuspensionReason(StrEnum):
    """CGV art. 15 (SPEC R-PAY-4)."""

    NON_PAYMENT = "non_payment"
    NON_COMPLIANT_USE = "non_compliant_use"
    CONSUMPTION_SURGE = "consumption_surge"
    BREACH = "breach"
    MAINTENANCE = "maintenance"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    SuspensionReason.NON_PAYMENT: "Non-paiement total ou partiel d'une facture",
    SuspensionReason.NON_COMPLIANT_USE: "Utilisation non conforme des services",
    SuspensionReason.CONSUMPTION_SURGE: "Augmentation substantielle du montant des communications",
    SuspensionReason.BREACH: "Inexécution d'une obligation du client",
    SuspensionReason.MAINTENANCE: "Opération de maintenance",
}


class SuspensionScope(StrEnum):
    SERVICE = "service"  # the services concerned
    ALL = "all"  # every service of the customer


@dataclass(frozen=True)
class Suspension:
    reason: SuspensionReason
    scope: SuspensionScope
    service_refs: tuple[str, ...]
    start_date: date
    decided_by: str
    invoice_numbers: tuple[str, ...] = ()  # for non-payment: the invoices it is for
    note: str = ""
    end_date: date | None = None
    ended_by: str | None = None

    @property
    def is_active(self) -> bool:
        return self.end_date is None


@dataclass(frozen=True)
class NetworkAction:
    """An action for staff to carry out on the network side (R-PAY-3: *suspend* / *resume*)."""

    kind: Literal["suspend", "resume"]
    service_refs: tuple[str, ...]
    reason: SuspensionReason
    on: date

    @property
    def label(self) -> str:
        verb = "Suspendre" if self.kind == "suspend" else "Rétablir"
        return f"{verb} {', '.join(self.service_refs)} : {self.reason.label}"


def suspend(
    *,
    reason: SuspensionReason,
    scope: SuspensionScope,
    service_refs: Sequence[str],
    start_date: date,
    decided_by: str,
    invoice_numbers: Sequence[str] = (),
    note: str = "",
) -> tuple[Suspension, NetworkAction]:
    """Suspend services for one of the reasons of CGV art. 15 (R-PAY-4)."""
    refs = tuple(dict.fromkeys(ref for ref in service_refs if ref))
    if not refs:
        raise UnableToSuspend("Aucun service à suspendre.")
    if reason is SuspensionReason.NON_PAYMENT and not invoice_numbers:
        raise UnableToSuspend("Une suspension pour non-paiement nomme les factures impayées.")
    if reason is not SuspensionReason.NON_PAYMENT and not note.strip():
        raise UnableToSuspend("Précisez les faits qui motivent la suspension.")
    suspension = Suspension(
        reason=reason,
        scope=scope,
        service_refs=refs,
        start_date=start_date,
        decided_by=decided_by,
        invoice_numbers=tuple(invoice_numbers),
        note=note.strip(),
    )
    return suspension, NetworkAction("suspend", refs, reason, start_date)


def suspension_for_step(
    step: DunningStep,
    *,
    invoice_number: str,
    invoice_service_refs: Sequence[str],
    customer_service_refs: Sequence[str],
    as_of: date,
    decided_by: str,
) -> tuple[Suspension, NetworkAction] | None:
    """The non-payment suspension a dunning step calls for, if it is a suspension step
    (R-PAY-3: the service concerned, or all services)."""
    if step.action == "suspend_service":
        scope, refs = SuspensionScope.SERVICE, invoice_service_refs
    elif step.action == "suspend_all":
        scope, refs = SuspensionScope.ALL, customer_service_refs
    else:
        return None
    return suspend(
        reason=SuspensionReason.NON_PAYMENT,
        scope=scope,
        service_refs=refs,
        start_date=as_of,
        decided_by=decided_by,
        invoice_numbers=(invoice_number,),
        note=step.label,
    )


def _resume_refs(
    ended: Sequence[Suspension], still_active: Sequence[Suspension]
) -> tuple[str, ...]:
    # A service stays down while another active suspension still covers it.
    covered = {ref for suspension in still_active for ref in suspension.service_refs}
    refs = dict.fromkeys(ref for s in ended for ref in s.service_refs if ref not in covered)
    return tuple(refs)


def lift_suspension(
    suspension: Suspension,
    *,
    others: Sequence[Suspension],
    end_date: date,
    ended_by: str,
) -> tuple[Suspension, NetworkAction | None]:
    """End a suspension (staff decision: maintenance over, breach remedied…); the *resume*
    action names the services no other active suspension still holds, or is None."""
    if not suspension.is_active:
        raise UnableToLiftSuspension("Cette suspension est déjà levée.")
    if end_date < suspension.start_date:
        raise UnableToLiftSuspension("La levée ne peut précéder le début de la suspension.")
    ended = replace(suspension, end_date=end_date, ended_by=ended_by)
    refs = _resume_refs([ended], [s for s in others if s.is_active and s != suspension])
    action = NetworkAction("resume", refs, suspension.reason, end_date) if refs else None
    return ended, action


@dataclass(frozen=True)
class ResumeOnPayment:
    ended: tuple[Suspension, ...]
    actions: tuple[NetworkAction, ...]


def resume_after_payment(
    *,
    suspensions: Sequence[Suspension],
    dunnable_amounts: Mapping[str, Decimal],
    as_of: date,
    ended_by: str,
) -> ResumeOnPayment:
    """Payment in full lifts a non-payment suspension (R-PAY-3).

    A non-payment suspension ends once every invoice it was for has no dunnable amount left
    (`dunnable_amounts`: invoice number → open amount not held by a dispute; an invoice absent
    from it is settled). Other suspensions stay; a service still held by one is not resumed.
    """
    ended: list[Suspension] = []
    kept: list[Suspension] = []
    for suspension in suspensions:
        settled = suspension.reason is SuspensionReason.NON_PAYMENT and all(
            dunnable_amounts.get(number, ZERO) <= ZERO for number in suspension.invoice_numbers
        )
        if suspension.is_active and settled:
            ended.append(replace(suspension, end_date=as_of, ended_by=ended_by))
        elif suspension.is_active:
            kept.append(suspension)
    refs = _resume_refs(ended, kept)
    actions = (NetworkAction("resume", refs, SuspensionReason.NON_PAYMENT, as_of),) if refs else ()
    return ResumeOnPayment(ended=tuple(ended), actions=actions)
