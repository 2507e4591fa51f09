"""Staff screens of equipment: items with warranty and title, returns, losses, charges.

Recorded facts never change through a form: recording misuse (item change form), a loss (add
form) and a return check-in (the "contrôler la restitution" action on items) call
`syres.equipment.services`, which check the change is allowed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from syres.domain.equipment import ItemCheckIn
from syres.equipment import selectors, services
from syres.equipment.models import (
    Charge,
    Item,
    ItemStatus,
    Loss,
    LossKind,
    ReturnCheck,
    ReturnCheckLine,
)

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _Inline = admin.TabularInline[Any, Any]
    _Form = forms.ModelForm[Any]
else:  # the admin classes are generic for the type checker only
    _Admin = admin.ModelAdmin
    _Inline = admin.TabularInline
    _Form = forms.ModelForm


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
    show_change_link = True


class ChargeInline(_ReadOnly, _Inline):
    model = Charge
    extra = 0
    fields = ("kind", "label", "amount", "charge_date", "invoiced_at")
    readonly_fields = fields


_ITEM_FIELDS = (
    "customer",
    "contract",
    "rental_service",
    "serial",
    "model_code",
    "model_name",
    "tenure",
    "delivered_on",
    "warranty_end",
    "value",
    "sale_price",
    "amount_paid",
    "owned_by_customer",
    "status",
    "status_changed_on",
    "source_ref",
    "created_at",
)


class MisuseForm(_Form):
    """Record misuse: the warranty is void from that day (R-EQ-2)."""

    class Meta:
        model = Item
        fields = ("misuse_recorded_on", "misuse_note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        on, note = data.get("misuse_recorded_on"), str(data.get("misuse_note", "")).strip()
        if on is None and not note:
            return data
        if on is None or not note:
            raise forms.ValidationError("Indiquez la date et la description du constat.")
        if on < self.instance.delivered_on:
            raise forms.ValidationError("Le constat ne peut pas précéder la livraison.")
        return data


@admin.register(Item)
class ItemAdmin(_Admin):
    form = MisuseForm
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
    inlines = (LossInline, ChargeInline)
    actions = ("check_in_return",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*_ITEM_FIELDS, "misuse_recorded_on", "misuse_note")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.misuse_recorded_on is None:
            return _ITEM_FIELDS
        return (*_ITEM_FIELDS, "misuse_recorded_on", "misuse_note")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Items come from the deliveries of the orders app (`take_over_delivered_equipment`).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Item, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if data.get("misuse_recorded_on") is not None:
            services.record_misuse(
                item=obj, on=data["misuse_recorded_on"], note=data["misuse_note"], by=request.user
            )

    @admin.display(description="fin de garantie (exclue)")
    def warranty_end(self, obj: Item) -> str:
        cover = selectors.warranty_of(obj)
        void = f" — annulée le {cover.void_since:%d/%m/%Y}" if cover.void_since else ""
        return f"{cover.end_date:%d/%m/%Y}{void}"

    @admin.display(description="propriété du client", boolean=True)
    def owned_by_customer(self, obj: Item) -> bool:
        return selectors.title_has_passed(obj)

    @admin.action(description="Contrôler la restitution des équipements de ce client")
    def check_in_return(self, request: HttpRequest, queryset: QuerySet[Item]) -> Any:
        customers = set(queryset.values_list("customer_id", flat=True))
        if len(customers) != 1:
            self.message_user(
                request, "Choisissez les équipements d'un seul client.", level=messages.ERROR
            )
            return None
        return HttpResponseRedirect(
            reverse("admin:equipment_returncheck_check_in", args=[customers.pop()])
        )


class ReturnCheckLineInline(_ReadOnly, _Inline):
    model = ReturnCheckLine
    extra = 0
    fields = ("item", "returned", "working_order", "missing_accessories", "amount_due")
    readonly_fields = fields


class CheckInForm(forms.Form):
    """One block of fields per item due back: returned, in working order, accessories."""

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            model = services.catalog_model(item.model_code)
            self.fields[f"returned_{item.pk}"] = forms.BooleanField(
                label=f"{item} restitué", required=False
            )
            self.fields[f"working_{item.pk}"] = forms.BooleanField(
                label="en état de fonctionnement", required=False
            )
            self.fields[f"accessories_{item.pk}"] = forms.MultipleChoiceField(
                label="accessoires rendus",
                required=False,
                choices=[(name, name) for name in model.accessories],
                widget=forms.CheckboxSelectMultiple,
            )

    def check_ins(self) -> list[ItemCheckIn]:
        return [
            ItemCheckIn(
                serial=item.serial,
                working_order=bool(self.cleaned_data[f"working_{item.pk}"]),
                accessories=tuple(self.cleaned_data[f"accessories_{item.pk}"]),
            )
            for item in self.items
            if self.cleaned_data[f"returned_{item.pk}"]
        ]


@admin.register(ReturnCheck)
class ReturnCheckAdmin(_ReadOnly, _Admin):
    list_display = ("__str__", "customer", "checked_by")
    readonly_fields = ("customer", "checked_at", "checked_by")
    inlines = (ReturnCheckLineInline,)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "check-in/<int:customer_id>/",
                self.admin_site.admin_view(self.check_in_view),
                name="equipment_returncheck_check_in",
            ),
            *super().get_urls(),
        ]

    def check_in_view(self, request: HttpRequest, customer_id: int) -> HttpResponse:
        """R-EQ-3: check in what came back, item by item; what did not is invoiced."""
        if not request.user.has_perm("equipment.add_returncheck"):
            raise PermissionDenied
        items = list(selectors.items_due_back(customer_id, on=timezone.localdate()))
        form = CheckInForm(request.POST or None, items=items)
        if request.method == "POST" and form.is_valid() and items:
            try:
                check = services.check_in_return(
                    customer=items[0].customer, checked_in=form.check_ins(), by=request.user
                )
            except services.UnableToChangeEquipment as error:
                form.add_error(None, error.reason)
            else:
                self.message_user(request, "Restitution contrôlée ; les manquants sont facturés.")
                return HttpResponseRedirect(
                    reverse("admin:equipment_returncheck_change", args=[check.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Contrôle de restitution",
            "form": form,
            "items": items,
            "opts": self.model._meta,
        }
        return render(request, "equipment/check_in.html", context)


class LossForm(_Form):
    paid_repair_invoices_presented = forms.BooleanField(
        label="factures de réparation acquittées présentées (sinistre partiel)", required=False
    )

    class Meta:
        model = Loss
        fields = ("item", "kind", "loss_date", "insurer_payments")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Any]", self.fields["item"])
        field.queryset = Item.objects.filter(tenure="lent", status=ItemStatus.AT_CUSTOMER)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == LossKind.PARTIAL and not data.get("paid_repair_invoices_presented"):
            self.add_error(
                "paid_repair_invoices_presented",
                "Les indemnités d'assurance ne sont créditées qu'après présentation des "
                "factures de réparation acquittées (article 13).",
            )
        return data


@admin.register(Loss)
class LossAdmin(_Admin):
    """Record a loss (add); a recorded loss shows its settlement and never changes."""

    list_display = ("item", "kind", "loss_date", "insurer_payments", "indemnity", "credit")
    list_filter = ("kind",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = LossForm if obj is None else forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return (
                "item",
                "kind",
                "loss_date",
                "insurer_payments",
                "paid_repair_invoices_presented",
            )
        return self.get_readonly_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return (
            "item",
            "kind",
            "loss_date",
            "insurer_payments",
            "remaining_months",
            "remaining_rents",
            "net_book_value",
            "book_value_shortfall",
            "indemnity",
            "credit",
            "recorded_at",
            "recorded_by",
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Recorded once, by the service; shown, never changed.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Loss, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if data["kind"] == LossKind.TOTAL:
            loss = services.record_total_loss(
                item=data["item"],
                loss_date=data["loss_date"],
                insurer_payments=data["insurer_payments"],
                by=request.user,
            )
        else:
            loss = services.record_partial_loss(
                item=data["item"],
                loss_date=data["loss_date"],
                insurer_payments=data["insurer_payments"],
                paid_repair_invoices_presented=True,
                by=request.user,
            )
        obj.pk = loss.pk
        obj.refresh_from_db()


@admin.register(Charge)
class ChargeAdmin(_ReadOnly, _Admin):
    list_display = ("label", "customer", "kind", "amount", "charge_date", "invoiced_at")
    list_filter = ("kind", "invoiced_at")
