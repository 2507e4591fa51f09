"""Staff screens of the catalog: products, their price versions, publishing a new version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from syres.catalog.models import PriceVersion, Product
from syres.catalog.services import UnableToPublishPrice, publish_price_version
from syres.domain.catalog import Prices, UnableToPrice, check_new_version

if TYPE_CHECKING:
    _PriceVersionInline = admin.TabularInline[PriceVersion, Product]
    _ProductAdmin = admin.ModelAdmin[Product]
    _PriceVersionAdmin = admin.ModelAdmin[PriceVersion]
    _PriceVersionForm = forms.ModelForm[PriceVersion]
else:  # the admin classes are generic for the type checker only
    _PriceVersionInline = admin.TabularInline
    _ProductAdmin = _PriceVersionAdmin = admin.ModelAdmin
    _PriceVersionForm = forms.ModelForm


class PriceVersionInline(_PriceVersionInline):
    model = PriceVersion
    extra = 0
    can_delete = False
    fields = (
        "effective_from",
        "monthly_price",
        "access_fee",
        "installation_fee",
        "sale_price",
        "replacement_value",
        "source",
        "published_by",
    )
    readonly_fields = fields
    ordering = ("effective_from",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(_ProductAdmin):
    list_display = ("code", "name", "family", "platform", "technology", "price_today", "in_terms")
    list_filter = ("family", "platform", "technology", "in_terms")
    search_fields = ("code", "name", "equipment_model")
    ordering = ("family", "code")
    readonly_fields = (
        "code",
        "family",
        "name",
        "technology",
        "platform",
        "fibre_construction",
        "commitment_months",
        "equipment_model",
        "depreciation_months",
        "characteristics",
        "in_terms",
    )
    inlines = (PriceVersionInline,)

    @admin.display(description="prix mensuel HT en vigueur")
    def price_today(self, product: Product) -> str:
        from syres.catalog.selectors import prices_in_force

        try:
            prices = prices_in_force(product_code=product.code, on=timezone.localdate())
        except UnableToPrice:
            return "—"
        return f"{prices.monthly_price} €"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Products come from the terms file (`sync_catalog`), not from a form.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PublishPriceVersionForm(_PriceVersionForm):
    class Meta:
        model = PriceVersion
        fields = (
            "product",
            "effective_from",
            "monthly_price",
            "access_fee",
            "installation_fee",
            "sale_price",
            "replacement_value",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product, effective_from = data.get("product"), data.get("effective_from")
        if product is not None and effective_from is not None:
            try:
                check_new_version(
                    existing_dates=list(
                        product.price_versions.values_list("effective_from", flat=True)
                    ),
                    effective_from=effective_from,
                    as_of=timezone.localdate(),
                )
            except UnableToPublishPrice as error:
                raise forms.ValidationError(error.reason) from error
        return data


@admin.register(PriceVersion)
class PriceVersionAdmin(_PriceVersionAdmin):
    """Publishing a new version (R-CAT-2): add only; a published version never changes."""

    form = PublishPriceVersionForm
    list_display = ("product", "effective_from", "monthly_price", "access_fee", "source")
    list_filter = ("source", "product__family")
    search_fields = ("product__code", "product__name")
    date_hierarchy = "effective_from"
    ordering = ("product__code", "-effective_from")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PriceVersion, form: Any, change: bool) -> None:
        version = publish_price_version(
            product_code=obj.product.code,
            effective_from=obj.effective_from,
            prices=Prices(
                monthly_price=obj.monthly_price,
                access_fee=obj.access_fee,
                installation_fee=obj.installation_fee,
                sale_price=obj.sale_price,
                replacement_value=obj.replacement_value,
            ),
            as_of=timezone.localdate(),
            by=request.user,
        )
        obj.pk = version.pk
