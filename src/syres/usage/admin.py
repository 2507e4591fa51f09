"""Staff screens of usage: lines, imported months, and each line's month against its limits."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from syres.domain.money import format_eur
from syres.usage.models import Line, LineMonth, UsagePeriod

BREACH_LABELS = {
    "over_numbers": "numéros distincts dépassés",
    "over_sms_numbers": "SMS : numéros distincts dépassés",
    "over_time": "durée mensuelle dépassée",
    "over_2h": "appels de plus de 2 h",
    "over_sms": "SMS au-delà du forfait",
    "data_blocked": "données bloquées (plafond de zone)",
    "data_fair_use": "données au-delà de l'usage raisonnable (zone 1)",
    "throttled": "débit réduit (usage raisonnable national)",
}


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f}".replace(".", ",") + " h"


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Figures come from the rating engine: staff read them, an import rewrites them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Line)
class LineAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("identifier", "platform", "channels", "label")
    list_filter = ("platform",)
    search_fields = ("identifier", "label")


@admin.register(UsagePeriod)
class UsagePeriodAdmin(ReadOnlyAdmin):
    list_display = ("period", "records", "rejected", "rated_at", "detail_purged_at")
    ordering = ("-period",)


@admin.register(LineMonth)
class LineMonthAdmin(ReadOnlyAdmin):
    list_display = (
        "line",
        "period",
        "time_against_limit",
        "numbers_against_limit",
        "breaches_in_french",
        "call_centre_flag",
        "beyond",
        "retroactive",
    )
    list_filter = ("period", "platform", "call_centre_flag")
    search_fields = ("line__identifier", "line__label")
    ordering = ("-period", "line__identifier")
    list_select_related = ("line",)
    readonly_fields = (
        "time_against_limit",
        "numbers_against_limit",
        "breaches_in_french",
        "beyond",
        "retroactive",
    )

    @admin.display(description="durée / limite")
    def time_against_limit(self, obj: LineMonth) -> str:
        return f"{_hours(obj.outgoing_seconds)} / {_hours(obj.limit_seconds)}"

    @admin.display(description="numéros distincts / limite")
    def numbers_against_limit(self, obj: LineMonth) -> str:
        return f"{obj.distinct_numbers} / {obj.limit_numbers}"

    @admin.display(description="dépassements")
    def breaches_in_french(self, obj: LineMonth) -> str:
        codes = [code for code in obj.breaches.split(",") if code]
        return ", ".join(BREACH_LABELS.get(code, code) for code in codes) or "aucun"

    @admin.display(description="au-delà des limites")
    def beyond(self, obj: LineMonth) -> str:
        return format_eur(obj.amount_beyond)

    @admin.display(description="si rétroactif (R-SIP-6)")
    def retroactive(self, obj: LineMonth) -> str:
        return format_eur(obj.amount_if_retroactive)
