"""Staff screens of contracts: contracts with their services, suspensions, terminations and
support tickets. Read-only: every change goes through `syres.contracts.services` and
`syres.contracts.support`, which check it is allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from syres.contracts import selectors
from syres.contracts.models import (
    Contract,
    Service,
    Suspension,
    Termination,
    TerminationLine,
    Ticket,
)
from syres.domain.money import format_eur

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _Inline = admin.TabularInline[Any, Any]
else:  # the admin classes are generic for the type checker only
    _Admin = admin.ModelAdmin
    _Inline = admin.TabularInline


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceInline(_ReadOnly, _Inline):
    model = Service
    extra = 0
    fields = (
        "label",
        "quantity",
        "monthly_fee",
        "delivery_date",
        "commitment_end",
        "state",
        "end_date",
    )
    readonly_fields = fields


class TerminationInline(_ReadOnly, _Inline):
    model = Termination
    extra = 0
    fields = ("initiator", "letter_received_date", "cause_label", "end_date", "amount_due")
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(_ReadOnly, _Admin):
    list_display = ("__str__", "customer", "started_on", "ended_on")
    list_filter = ("ended_on",)
    search_fields = ("customer__legal_name", "customer__last_name")
    readonly_fields = ("customer", "started_on", "ended_on", "created_at")
    inlines = (ServiceInline, TerminationInline)


class SuspensionInline(_ReadOnly, _Inline):
    model = Suspension
    extra = 0
    fields = ("reason", "start_at", "end_at", "decided_by", "ended_by", "customer_notice")
    readonly_fields = fields


class TicketInline(_ReadOnly, _Inline):
    model = Ticket
    extra = 0
    fields = ("reported_at", "description", "gtr_deadline", "restored_at")
    readonly_fields = fields


@admin.register(Service)
class ServiceAdmin(_ReadOnly, _Admin):
    list_display = (
        "label",
        "contract",
        "kind",
        "delivery_date",
        "commitment_end",
        "state",
        "end_date",
    )
    list_filter = ("kind", "state")
    search_fields = ("label", "product_code", "phone_number")
    readonly_fields = (
        "contract",
        "kind",
        "product_code",
        "label",
        "quantity",
        "monthly_fee",
        "access_fee",
        "installation_fee",
        "technology",
        "platform",
        "phone_number",
        "delivery_date",
        "commitment_months",
        "commitment_end",
        "state",
        "end_date",
        "source_ref",
    )
    inlines = (SuspensionInline, TicketInline)


class TerminationLineInline(_ReadOnly, _Inline):
    model = TerminationLine
    extra = 0
    fields = (
        "service",
        "remaining_months",
        "remaining_fees",
        "unpaid_access_fee",
        "unpaid_installation_fee",
        "unpaid_equipment",
        "usage_months_averaged",
        "estimated_usage",
        "total",
    )
    readonly_fields = fields


@admin.register(Termination)
class TerminationAdmin(_ReadOnly, _Admin):
    list_display = ("__str__", "initiator", "end_date", "amount")
    list_filter = ("initiator",)
    readonly_fields = (
        "contract",
        "initiator",
        "letter_reference",
        "letter_received_date",
        "cause_code",
        "cause_label",
        "notified_date",
        "end_date",
        "recorded_at",
        "recorded_by",
        "amount_due",
    )
    inlines = (TerminationLineInline,)

    @admin.display(description="montant minimum de facturation")
    def amount(self, obj: Termination) -> str:
        return format_eur(obj.amount_due)


@admin.register(Ticket)
class TicketAdmin(_ReadOnly, _Admin):
    list_display = ("__str__", "reported_at", "gtr_deadline", "restored_at", "gtr_met")
    list_filter = ("restored_at",)
    readonly_fields = (
        "service",
        "reported_at",
        "description",
        "gtr_deadline",
        "restored_at",
        "opened_by",
        "restored_by",
    )

    @admin.display(description="GTR respectée", boolean=True)
    def gtr_met(self, obj: Ticket) -> bool | None:
        outcome = selectors.gtr_of(obj)
        return None if outcome is None else outcome.met
