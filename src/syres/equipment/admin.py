"""Staff screens of equipment: items with warranty and title, returns, losses, charges.
Read-only: every change goes through `syres.equipment.services`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from syres.equipment import selectors
from syres.equipment.models import Charge, Item, Loss, ReturnCheck, ReturnCheckLine

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


class LossInline(_ReadOnly, _Inline):
    model = Loss
    extra = 0
    fields = (
        "kind",
        "loss_date",
        "insurer_payments",
        "remaining_rents",
        "net_book_value",
        "indemnity",
        "credit",
    )
    readonly_fields = fields


class ChargeInline(_ReadOnly, _Inline):
    model = Charge
    extra = 0
    fields = ("kind", "label", "amount", "charge_date", "invoiced_at")
    readonly_fields = fields


@admin.register(Item)
class ItemAdmin(_ReadOnly, _Admin):
    list_display = (
        "serial",
        "model_name",
        "customer",
        "tenure",
        "delivered_on",
        "warranty_end",
        "status",
        "owned_by_customer",
    )
    list_filter = ("tenure", "status", "model_code")
    search_fields = ("serial", "model_name")
    readonly_fields = (
        "customer",
        "contract",
        "rental_service",
        "serial",
        "model_code",
        "model_name",
        "tenure",
        "delivered_on",
        "value",
        "sale_price",
        "amount_paid",
        "misuse_recorded_on",
        "misuse_note",
        "status",
        "status_changed_on",
        "source_ref",
        "created_at",
    )
    inlines = (LossInline, ChargeInline)

    @admin.display(description="fin de garantie (exclue)")
    def warranty_end(self, obj: Item) -> str:
        cover = selectors.warranty_of(obj)
        void = f" — annulée le {cover.void_since:%d/%m/%Y}" if cover.void_since else ""
        return f"{cover.end_date:%d/%m/%Y}{void}"

    @admin.display(description="propriété du client", boolean=True)
    def owned_by_customer(self, obj: Item) -> bool:
        return selectors.title_has_passed(obj)


class ReturnCheckLineInline(_ReadOnly, _Inline):
    model = ReturnCheckLine
    extra = 0
    fields = ("item", "returned", "working_order", "missing_accessories", "amount_due")
    readonly_fields = fields


@admin.register(ReturnCheck)
class ReturnCheckAdmin(_ReadOnly, _Admin):
    list_display = ("__str__", "customer", "checked_by")
    readonly_fields = ("customer", "checked_at", "checked_by")
    inlines = (ReturnCheckLineInline,)


@admin.register(Charge)
class ChargeAdmin(_ReadOnly, _Admin):
    list_display = ("label", "customer", "kind", "amount", "charge_date", "invoiced_at")
    list_filter = ("kind", "invoiced_at")
