"""Staff forms of quotes and orders; each one feeds one service function."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from syres.catalog.selectors import list_products
from syres.customers.selectors import search_customers, sites_of
from syres.orders.models import BlockerKind, EquipmentMode, Order
from syres.orders.services import QuoteLineRequest


def _customer_choices() -> list[tuple[int, str]]:
    return [(customer.pk, str(customer)) for customer in search_customers("")]


def _site_choices() -> list[tuple[str, str]]:
    choices = [("", "—")]
    for customer in search_customers(""):
        choices += [(str(site.pk), f"{customer} — {site.name}") for site in sites_of(customer)]
    return choices


class QuoteForm(forms.Form):
    customer = forms.TypedChoiceField(label="Client", coerce=int, choices=())
    quote_date = forms.DateField(label="Date du devis")
    note = forms.CharField(
        label="Remarque", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = _customer_choices()  # type: ignore[attr-defined]


class QuoteLineForm(forms.Form):
    product = forms.ChoiceField(label="Produit", choices=(), required=False)
    quantity = forms.IntegerField(label="Quantité", min_value=1, initial=1, required=False)
    site = forms.ChoiceField(label="Site", choices=(), required=False)
    equipment_mode = forms.ChoiceField(
        label="Équipement", choices=[("", "—"), *EquipmentMode.choices], required=False
    )
    negotiated_monthly_price = forms.DecimalField(
        label="Prix mensuel négocié HT", required=False, min_value=Decimal(0), decimal_places=2
    )
    commitment_months = forms.IntegerField(label="Engagement (mois)", min_value=0, required=False)
    replaces_other_operator = forms.BooleanField(
        label="Remplace l'accès FTTH d'un autre opérateur", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((product.code, f"{product.code} — {product.name}") for product in list_products()),
        ]
        self.fields["site"].choices = _site_choices()  # type: ignore[attr-defined]

    def request(self) -> QuoteLineRequest | None:
        data = self.cleaned_data
        if not data.get("product"):
            return None
        return QuoteLineRequest(
            product_code=data["product"],
            quantity=data.get("quantity") or 1,
            site_id=int(data["site"]) if data.get("site") else None,
            equipment_mode=data.get("equipment_mode") or "",
            negotiated_monthly_price=data.get("negotiated_monthly_price"),
            commitment_months=data.get("commitment_months"),
            replaces_other_operator=bool(data.get("replaces_other_operator")),
        )


QuoteLineFormSet = forms.formset_factory(QuoteLineForm, extra=6)


class PlaceOrderForm(forms.Form):
    received_date = forms.DateField(label="Commande reçue le")
    ftth_replacement_acknowledged = forms.BooleanField(
        label="Le client reconnaît que SYRES Télécom n'est pas responsable des frais de son "
        "ancien fournisseur (remplacement d'un accès FTTH)",
        required=False,
    )


class ScheduleForm(forms.Form):
    intervention_date = forms.DateField(label="Intervention le")


class DepositForm(forms.Form):
    paid_on = forms.DateField(label="Acompte versé le")


class BlockerForm(forms.Form):
    kind = forms.ChoiceField(label="Cause d'attente", choices=BlockerKind.choices)
    started_on = forms.DateField(label="Depuis le")
    note = forms.CharField(label="Précision", required=False)


class ResolveBlockerForm(forms.Form):
    blocker = forms.TypedChoiceField(label="Cause d'attente", coerce=int, choices=())
    resolved_on = forms.DateField(label="Levée le")

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["blocker"].choices = [  # type: ignore[attr-defined]
            (blocker.pk, f"{blocker.get_kind_display()} depuis le {blocker.started_on:%d/%m/%Y}")
            for blocker in order.blockers.filter(resolved_on__isnull=True).order_by("started_on")
        ]


class ModemSiteForm(forms.Form):
    humidity_percent = forms.IntegerField(label="Humidité relevée (%)", min_value=0, max_value=100)
    temperature_celsius = forms.IntegerField(label="Température relevée (°C)")
    checked = forms.TypedMultipleChoiceField(
        label="Points vérifiés",
        coerce=int,
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checked"].choices = [  # type: ignore[attr-defined]
            (check.position, check.item) for check in order.modem_checks.order_by("position")
        ]


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="Je confirme", required=True)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation", widget=forms.Textarea(attrs={"rows": 3})
    )


class DeliverForm(forms.Form):
    line = forms.TypedChoiceField(label="Ligne", coerce=int, choices=())
    delivered_on = forms.DateField(label="Mise en service le")
    identifiers = forms.CharField(
        label="Numéros de ligne ou de série",
        required=False,
        help_text="Séparés par des virgules : un numéro par ligne mobile, le numéro du trunk, "
        "un numéro de série par équipement.",
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [  # type: ignore[attr-defined]
            (line.pk, f"{line.position}. {line.product.name} × {line.quantity}")
            for line in order.lines.filter(delivered_on__isnull=True)
            .select_related("product")
            .order_by("position")
        ]

    def identifier_list(self) -> list[str]:
        text = self.cleaned_data.get("identifiers") or ""
        return [part.strip() for part in text.split(",") if part.strip()]
