"""Staff screens of quotes and orders: lists by state and by planned date, the quote PDF, and
the order's steps as actions (each one a service call, checked, dated and attributed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from syres.orders import selectors, services
from syres.orders.models import (
    BankGuaranteeRequest,
    DeliveredEquipment,
    DeliveredService,
    ModemSiteCheck,
    Order,
    OrderBlocker,
    OrderLine,
    OrderTransition,
    Quote,
    QuoteLine,
)

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _Tabular = admin.TabularInline[Any, Any]
else:  # the admin classes are generic for the type checker only
    _Admin = admin.ModelAdmin
    _Tabular = admin.TabularInline


class _ReadOnlyInline(_Tabular):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnlyAdmin(_Admin):
    """Records change through services only; the screens show them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


_LINE_FIELDS = (
    "position",
    "product",
    "site",
    "quantity",
    "equipment_mode",
    "monthly_price",
    "negotiated_monthly_price",
    "access_fee",
    "installation_fee",
    "sale_price",
    "commitment_months",
    "replaces_other_operator",
)


class QuoteLineInline(_ReadOnlyInline):
    model = QuoteLine
    fields = _LINE_FIELDS
    ordering = ("position",)


@admin.register(Quote)
class QuoteAdmin(_ReadOnlyAdmin):
    list_display = ("number", "customer", "quote_date", "expires_on", "ordered", "pdf_link")
    list_filter = ("quote_date",)
    search_fields = ("number", "customer__legal_name", "customer__last_name")
    date_hierarchy = "quote_date"
    ordering = ("-quote_date", "-number")
    inlines = (QuoteLineInline,)
    actions = ("place_orders_today",)

    @admin.display(description="commandé", boolean=True)
    def ordered(self, quote: Quote) -> bool:
        return hasattr(quote, "order")

    @admin.display(description="PDF")
    def pdf_link(self, quote: Quote) -> str:
        url = reverse("admin:orders_quote_pdf", args=[quote.pk])
        return format_html('<a href="{}">Devis PDF</a>', url)

    def get_urls(self) -> list[URLPattern]:
        pdf = path(
            "<int:quote_id>/pdf/",
            self.admin_site.admin_view(self.pdf_view),
            name="orders_quote_pdf",
        )
        return [pdf, *super().get_urls()]

    def pdf_view(self, request: HttpRequest, quote_id: int) -> HttpResponse:
        quote = selectors.get_quote(quote_id=quote_id)
        response = HttpResponse(
            selectors.quote_pdf(quote_id=quote_id), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{quote.number}.pdf"'
        return response

    @admin.action(description="Passer commande (reçue aujourd'hui)")
    def place_orders_today(self, request: HttpRequest, queryset: QuerySet[Quote]) -> None:
        today = timezone.localdate()
        for quote in queryset:
            try:
                order = services.place_order(
                    quote_id=quote.pk, received_date=today, by=request.user
                )
            except services.UnableToPlaceOrder as error:
                self.message_user(request, f"{quote.number} : {error.reason}", messages.ERROR)
            else:
                self.message_user(request, f"{quote.number} : commande {order.number} reçue.")


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    fields = (*_LINE_FIELDS, "replacement_acknowledged_at", "delivered_on")
    ordering = ("position",)


class OrderBlockerInline(_ReadOnlyInline):
    model = OrderBlocker
    fields = ("kind", "started_on", "resolved_on", "note", "recorded_by", "resolved_by")
    ordering = ("started_on",)


class ModemSiteCheckInline(_ReadOnlyInline):
    model = ModemSiteCheck
    fields = ("position", "item", "checked_at", "checked_by")
    ordering = ("position",)


class OrderTransitionInline(_ReadOnlyInline):
    model = OrderTransition
    fields = ("at", "from_state", "to_state", "by", "note")
    ordering = ("at", "pk")


@admin.register(Order)
class OrderAdmin(_ReadOnlyAdmin):
    """Orders by state and by planned intervention date, with why each one waits (R-ORD-3)."""

    list_display = (
        "number",
        "customer",
        "state",
        "received_date",
        "planned_date",
        "intervention_date",
        "deposit_amount",
        "deposit_paid_on",
        "waiting_for",
    )
    list_filter = ("state", "fibre_construction", "planned_date")
    search_fields = ("number", "quote__number", "customer__legal_name", "customer__last_name")
    date_hierarchy = "planned_date"
    ordering = ("planned_date", "number")
    inlines = (OrderLineInline, OrderBlockerInline, ModemSiteCheckInline, OrderTransitionInline)
    actions = ("deposit_paid_today", "start_work_now")

    @admin.display(description="en attente de")
    def waiting_for(self, order: Order) -> str:
        if order.state in ("delivered", "cancelled"):
            return ""
        plan = selectors.intervention_plan_of(order_id=order.pk, as_of=timezone.localdate())
        return " ; ".join(plan.waiting_reasons)

    @admin.action(description="Acompte versé aujourd'hui")
    def deposit_paid_today(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        for order in queryset:
            try:
                services.record_deposit_paid(
                    order_id=order.pk, paid_on=timezone.localdate(), by=request.user
                )
            except services.UnableToRecordOrderFact as error:
                self.message_user(request, f"{order.number} : {error.reason}", messages.ERROR)

    @admin.action(description="Travaux commencés maintenant")
    def start_work_now(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        for order in queryset:
            try:
                services.start_work(order_id=order.pk, by=request.user)
            except services.UnableToChangeOrderState as error:
                self.message_user(request, f"{order.number} : {error.reason}", messages.ERROR)


@admin.register(DeliveredService)
class DeliveredServiceAdmin(_ReadOnlyAdmin):
    list_display = (
        "product_code",
        "customer",
        "site",
        "quantity",
        "line_number",
        "delivered_on",
        "commitment_ends_on",
        "negotiated_monthly_price",
    )
    list_filter = ("family", "platform", "delivered_on")
    search_fields = ("product_code", "line_number", "customer__legal_name")
    ordering = ("-delivered_on",)


@admin.register(DeliveredEquipment)
class DeliveredEquipmentAdmin(_ReadOnlyAdmin):
    list_display = ("serial_number", "model_name", "customer", "mode", "delivered_on")
    list_filter = ("mode", "delivered_on")
    search_fields = ("serial_number", "model_name", "customer__legal_name")
    ordering = ("-delivered_on", "serial_number")


@admin.register(BankGuaranteeRequest)
class BankGuaranteeRequestAdmin(_ReadOnlyAdmin):
    list_display = ("customer", "amount", "requested_on", "provided_on", "withdrawn_on")
    list_filter = ("requested_on",)
    ordering = ("-requested_on",)
