"""The staff dashboard: one page of what needs attention, linked from the admin index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from syres.billing import selectors as billing
from syres.contracts import selectors as contracts
from syres.domain.money import ZERO
from syres.domain.periods import Month
from syres.orders import selectors as orders
from syres.payments import selectors as payments
from syres.terms import load_terms
from syres.usage import selectors as usage

ACTION_LABELS = {
    "block_data": "Bloquer les données (plafond de zone atteint, R-MOB-3)",
    "sms_notice": "SMS d'information envoyé au titulaire (R-MOB-3)",
    "throttle": "Réduire le débit (usage raisonnable en France atteint, R-MOB-3)",
}


def _actions(period: str) -> list[dict[str, Any]]:
    rows = []
    for row in usage.actions_of_month(period=period):
        rows.append({**row, "label": ACTION_LABELS.get(row["action"], row["action"])})
    return rows


@dataclass(frozen=True)
class OverdueGroup:
    label: str
    invoices: list[Any]
    total: Decimal


def _overdue_by_age(*, today: date) -> list[OverdueGroup]:
    """Overdue invoices with an uncontested amount owed, by age (R-PAY-3)."""
    overdue = payments.overdue_invoices(as_of=today)
    return [
        OverdueGroup(
            label=label,
            invoices=[o.invoice for o in overdue if o.age_bucket == label],
            total=sum((o.dunnable_amount for o in overdue if o.age_bucket == label), ZERO),
        )
        for label, _, _ in payments.AGE_BUCKETS
    ]


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Monthly recurring revenue, fair-use breaches and call-centre flags of the month, orders
    by state and planned date, tickets near their GTR (R-GTR-1), actions to carry out."""
    now = timezone.now()
    today = timezone.localdate(now)
    month = Month.of(today)
    terms = load_terms()
    breaches = list(usage.breaches_of_month(period=str(month)))
    context = {
        **admin.site.each_context(request),
        "title": "Tableau de bord",
        "today": today,
        "month": month,
        "mrr": contracts.monthly_recurring_revenue(on=today),
        "issued": billing.invoices_issued(period=month),
        "overdue": _overdue_by_age(today=today),
        "breaches": [b for b in breaches if b.breaches],
        "call_centre": [b for b in breaches if b.call_centre_flag],
        "order_states": orders.order_counts_by_state(),
        "planned_orders": orders.orders_by_planned_date()[:20],
        "tickets": contracts.tickets_near_gtr(
            now=now, within_minutes=terms.portal.gtr_warning_minutes
        ),
        "gtr_warning_minutes": terms.portal.gtr_warning_minutes,
        "to_suspend": [b for b in breaches if b.call_centre_flag],
        "network_actions": payments.actions_to_do(),
        "data_actions": [a for a in _actions(str(month)) if a["action"] != "sms_notice"],
    }
    return render(request, "portal/staff_dashboard.html", context)
