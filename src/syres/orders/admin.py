"""Staff screens of quotes and orders: lists by state and by planned date, the quote PDF, and
the order's steps as actions (each one a service call, checked, dated and attributed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from syres.orders import forms as order_forms
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
        own = [
            path(
                "<int:quote_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="orders_quote_pdf",
            ),
            path("nouveau/", self.admin_site.admin_view(self.new_view), name="orders_quote_new"),
            path(
                "<int:quote_id>/commander/",
                self.admin_site.admin_view(self.place_view),
                name="orders_quote_place",
            ),
        ]
        return [*own, *super().get_urls()]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        if object_id.isdigit():
            context["can_order"] = selectors.quote_is_orderable(
                quote_id=int(object_id), on=timezone.localdate()
            )
        return super().change_view(request, object_id, form_url, context)

    def new_view(self, request: HttpRequest) -> HttpResponse:
        """Make a quote at the catalog prices of its date (R-CAT-2, R-ORD-1)."""
        _require(request, "orders.add_quote")
        data = request.POST if request.method == "POST" else None
        form = order_forms.QuoteForm(data, initial={"quote_date": timezone.localdate()})
        formset = order_forms.QuoteLineFormSet(data, prefix="lines")
        if data is not None and form.is_valid() and formset.is_valid():
            lines = [line for line in (f.request() for f in formset.forms) if line is not None]
            try:
                quote = services.create_quote(
                    customer_id=form.cleaned_data["customer"],
                    quote_date=form.cleaned_data["quote_date"],
                    lines=lines,
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except services.UnableToQuote as error:
                form.add_error(None, error.reason)
            else:
                self.message_user(request, f"Devis {quote.number} établi.")
                return HttpResponseRedirect(reverse("admin:orders_quote_change", args=[quote.pk]))
        return _render(self, request, title="Nouveau devis", form=form, formset=formset)

    def place_view(self, request: HttpRequest, quote_id: int) -> HttpResponse:
        """Turn the quote into an order (R-ORD-1 … R-ORD-6)."""
        _require(request, "orders.add_order")
        quote = selectors.get_quote(quote_id=quote_id)
        data = request.POST if request.method == "POST" else None
        form = order_forms.PlaceOrderForm(data, initial={"received_date": timezone.localdate()})
        if data is not None and form.is_valid():
            try:
                order = services.place_order(
                    quote_id=quote.pk,
                    received_date=form.cleaned_data["received_date"],
                    ftth_replacement_acknowledged=form.cleaned_data[
                        "ftth_replacement_acknowledged"
                    ],
                    by=request.user,
                )
            except services.UnableToPlaceOrder as error:
                form.add_error(None, error.reason)
            else:
                self.message_user(request, f"Commande {order.number} reçue.")
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        return _render(
            self, request, title=f"Commander le devis {quote.number}", form=form, obj=quote
        )

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

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                f"<int:order_id>/{operation.slug}/",
                self.admin_site.admin_view(self.operation_view),
                {"slug": operation.slug},
                name=f"orders_order_{operation.slug}",
            )
            for operation in OPERATIONS
        ]
        return [*own, *super().get_urls()]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        if object_id.isdigit():
            order = selectors.get_order(order_id=int(object_id))
            context["order_actions"] = [
                (operation.label, reverse(f"admin:orders_order_{operation.slug}", args=[order.pk]))
                for operation in OPERATIONS
                if order.state in operation.states
                and (operation.slug != "local-modem" or order.modem_checks.exists())
            ]
            if order.state not in ("delivered", "cancelled"):
                context["plan"] = selectors.intervention_plan_of(
                    order_id=order.pk, as_of=timezone.localdate()
                )
        return super().change_view(request, object_id, form_url, context)

    def operation_view(self, request: HttpRequest, order_id: int, slug: str) -> HttpResponse:
        """One step of the order, through its service (checked, dated, attributed)."""
        _require(request, "orders.change_order")
        operation = next(operation for operation in OPERATIONS if operation.slug == slug)
        order = selectors.get_order(order_id=order_id)
        data = request.POST if request.method == "POST" else None
        form = operation.form(data, order)
        if data is not None and form.is_valid():
            try:
                message = operation.run(order, form, request.user)
            except _REFUSALS as error:
                form.add_error(None, error.reason)
            else:
                self.message_user(request, f"{order.number} : {message}")
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        return _render(
            self, request, title=f"{order.number} — {operation.label}", form=form, obj=order
        )

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


_REFUSALS = (
    services.UnableToChangeOrderState,
    services.UnableToRecordOrderFact,
    services.UnableToDeliver,
    services.UnableToPlaceOrder,
)


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _render(
    model_admin: Any,
    request: HttpRequest,
    *,
    title: str,
    form: forms.Form,
    formset: Any = None,
    obj: Any = None,
) -> HttpResponse:
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "formset": formset,
        "object": obj,
        "opts": opts,
        "changelist_url": f"admin:{opts.app_label}_{opts.model_name}_changelist",
        "change_url": f"admin:{opts.app_label}_{opts.model_name}_change",
    }
    return TemplateResponse(request, "admin/orders/action_form.html", context)


@dataclass(frozen=True)
class Operation:
    slug: str
    label: str
    states: tuple[str, ...]
    form: Callable[[Any, Any], forms.Form]
    run: Callable[[Any, Any, Any], str]


def _today() -> dict[str, Any]:
    return {"initial": {key: timezone.localdate() for key in _DATE_FIELDS}}


_DATE_FIELDS = ("intervention_date", "paid_on", "started_on", "resolved_on", "delivered_on")
_LIVE = ("received", "planned", "in_progress")


def _schedule(order: Any, form: Any, by: Any) -> str:
    services.schedule_intervention(
        order_id=order.pk, intervention_date=form.cleaned_data["intervention_date"], by=by
    )
    return "intervention planifiée."


def _deposit(order: Any, form: Any, by: Any) -> str:
    services.record_deposit_paid(order_id=order.pk, paid_on=form.cleaned_data["paid_on"], by=by)
    return "acompte enregistré."


def _blocker(order: Any, form: Any, by: Any) -> str:
    services.record_blocker(order_id=order.pk, by=by, **form.cleaned_data)
    return "cause d'attente enregistrée."


def _resolve(order: Any, form: Any, by: Any) -> str:
    services.resolve_blocker(
        blocker_id=form.cleaned_data["blocker"], resolved_on=form.cleaned_data["resolved_on"], by=by
    )
    return "cause d'attente levée."


def _modem(order: Any, form: Any, by: Any) -> str:
    problems = services.record_modem_site(
        order_id=order.pk,
        humidity_percent=form.cleaned_data["humidity_percent"],
        temperature_celsius=form.cleaned_data["temperature_celsius"],
        checked_positions=form.cleaned_data["checked"],
        by=by,
    )
    return "local du modem conforme." if not problems else "reste : " + " ; ".join(problems)


def _start(order: Any, form: Any, by: Any) -> str:
    services.start_work(order_id=order.pk, by=by)
    return "travaux commencés."


def _cancel(order: Any, form: Any, by: Any) -> str:
    cancelled = services.cancel_order(order_id=order.pk, reason=form.cleaned_data["reason"], by=by)
    return f"annulée, frais d'annulation {cancelled.cancellation_fee} € HT."


def _deliver(order: Any, form: Any, by: Any) -> str:
    line_id = form.cleaned_data["line"]
    is_equipment = (
        selectors.order_lines_of(order_id=order.pk).get(pk=line_id).product.family == "equipment"
    )
    identifiers = form.identifier_list()
    services.deliver_line(
        line_id=line_id,
        delivered_on=form.cleaned_data["delivered_on"],
        line_numbers=[] if is_equipment else identifiers,
        serial_numbers=identifiers if is_equipment else [],
        by=by,
    )
    return "ligne mise en service."


OPERATIONS = (
    Operation(
        "acompte",
        "Acompte versé",
        _LIVE,
        lambda data, order: order_forms.DepositForm(data, **_today()),
        _deposit,
    ),
    Operation(
        "attente",
        "Cause d'attente",
        _LIVE,
        lambda data, order: order_forms.BlockerForm(data, **_today()),
        _blocker,
    ),
    Operation(
        "lever-attente",
        "Lever une attente",
        _LIVE,
        lambda data, order: order_forms.ResolveBlockerForm(data, order=order, **_today()),
        _resolve,
    ),
    Operation(
        "planifier",
        "Planifier l'intervention",
        ("received",),
        lambda data, order: order_forms.ScheduleForm(data, **_today()),
        _schedule,
    ),
    Operation(
        "local-modem",
        "Local du modem",
        ("received", "planned"),
        lambda data, order: order_forms.ModemSiteForm(data, order=order),
        _modem,
    ),
    Operation(
        "demarrer",
        "Travaux commencés",
        ("planned",),
        lambda data, order: order_forms.ConfirmForm(data),
        _start,
    ),
    Operation(
        "livrer",
        "Mettre en service une ligne",
        ("in_progress",),
        lambda data, order: order_forms.DeliverForm(data, order=order, **_today()),
        _deliver,
    ),
    Operation(
        "annuler",
        "Annuler",
        ("received", "planned"),
        lambda data, order: order_forms.CancelForm(data),
        _cancel,
    ),
)


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
