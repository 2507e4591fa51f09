"""Quotes, orders, their life and what delivery creates (SPEC R-ORD-1 … R-ORD-7).

Thin models protected by constraints; every change goes through `syres.orders.services`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from syres.domain import orders as rules


def money(verbose_name: str, **options: Any) -> models.DecimalField[Decimal, Decimal]:
    """A money column, euros excl. VAT to the cent: the one place that sets its size here."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **options)


def _user(verbose_name: str, *, null: bool = False) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name="+",
        verbose_name=verbose_name,
    )


def _non_negative(*fields: str, prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{field}__gte": 0}) | Q(**{f"{field}__isnull": True}),
            name=f"{prefix}_{field}_gte_0",
        )
        for field in fields
    ]


class EquipmentMode(models.TextChoices):
    LENT = "lent", "Prêté (mis à disposition)"
    SOLD = "sold", "Vendu"


class _PricedLine(models.Model):
    """What a quote line and an order line share: a product, a quantity and its unit prices.

    Prices are those of the catalog version in force on the quote date (R-CAT-2); a negotiated
    monthly price, when set, wins.
    """

    position = models.PositiveSmallIntegerField("n°")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name="produit"
    )
    site = models.ForeignKey(
        "customers.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="site",
    )
    quantity = models.PositiveIntegerField("quantité (canaux, licences, lignes, appareils)")
    equipment_mode = models.CharField(
        "équipement", max_length=4, choices=EquipmentMode.choices, blank=True
    )
    monthly_price = money("prix mensuel HT (catalogue)")
    negotiated_monthly_price = money("prix mensuel HT négocié", null=True, blank=True)
    access_fee = money("frais d'accès HT")
    installation_fee = money("frais d'installation HT")
    sale_price = money("prix de vente HT")
    commitment_months = models.PositiveIntegerField("engagement (mois)", null=True, blank=True)
    replaces_other_operator = models.BooleanField(
        "remplace l'accès d'un autre opérateur", default=False
    )

    class Meta:
        abstract = True

    def amounts(self) -> rules.LineAmounts:
        return rules.LineAmounts(
            quantity=self.quantity,
            monthly_price=self.monthly_price,
            access_fee=self.access_fee,
            installation_fee=self.installation_fee,
            sale_price=self.sale_price,
            negotiated_monthly_price=self.negotiated_monthly_price,
        )


_LINE_MONEY = ("monthly_price", "negotiated_monthly_price", "access_fee", "installation_fee")


class Quote(models.Model):
    """A quote, valid from its date for the months of the terms (R-ORD-1)."""

    number = models.CharField("numéro", max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    quote_date = models.DateField("date du devis")
    expires_on = models.DateField("expiré à partir du")
    note = models.TextField("remarque", blank=True)
    created_at = models.DateTimeField("créé le")
    created_by = _user("établi par")

    class Meta:
        verbose_name = "devis"
        verbose_name_plural = "devis"
        constraints = (
            models.CheckConstraint(
                condition=Q(quote_date__lt=F("expires_on")), name="orders_quote_dates_in_order"
            ),
        )

    def __str__(self) -> str:
        return self.number


class QuoteLine(_PricedLine):
    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="lines", verbose_name="devis"
    )

    class Meta:
        verbose_name = "ligne de devis"
        verbose_name_plural = "lignes de devis"
        constraints = (
            models.UniqueConstraint(fields=["quote", "position"], name="orders_quote_line_pos"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_quote_line_qty"),
            *_non_negative(*_LINE_MONEY, "sale_price", prefix="orders_quote_line"),
        )

    def __str__(self) -> str:
        return f"{self.quote.number} / {self.position}"


class OrderState(models.TextChoices):
    RECEIVED = rules.RECEIVED, rules.STATE_LABELS[rules.RECEIVED]
    PLANNED = rules.PLANNED, rules.STATE_LABELS[rules.PLANNED]
    IN_PROGRESS = rules.IN_PROGRESS, rules.STATE_LABELS[rules.IN_PROGRESS]
    DELIVERED = rules.DELIVERED, rules.STATE_LABELS[rules.DELIVERED]
    CANCELLED = rules.CANCELLED, rules.STATE_LABELS[rules.CANCELLED]


class Order(models.Model):
    """An order placed from a quote (R-ORD-2 … R-ORD-6). Its state changes only through
    `syres.orders.services`, each change recorded in `OrderTransition`."""

    number = models.CharField("numéro", max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    quote = models.OneToOneField(
        Quote, on_delete=models.PROTECT, related_name="order", verbose_name="devis"
    )
    state = models.CharField(
        "état", max_length=12, choices=OrderState.choices, default=OrderState.RECEIVED
    )
    state_changed_at = models.DateTimeField("état depuis le")
    received_date = models.DateField("reçue le")
    one_off_total = money("total des frais uniques HT")
    deposit_amount = money("acompte dû (R-ORD-2)")
    deposit_paid_on = models.DateField("acompte versé le", null=True, blank=True)
    fibre_construction = models.BooleanField("construction de fibre", default=False)
    planned_date = models.DateField("intervention au plus tôt")
    latest_date = models.DateField("intervention au plus tard")
    intervention_date = models.DateField("intervention planifiée le", null=True, blank=True)
    modem_humidity_percent = models.PositiveSmallIntegerField(
        "humidité du local du modem (%)", null=True, blank=True
    )
    modem_temperature_celsius = models.SmallIntegerField(
        "température du local du modem (°C)", null=True, blank=True
    )
    cancellation_fee = money("frais d'annulation HT (R-ORD-5)", null=True, blank=True)
    cancellation_reason = models.TextField("motif d'annulation", blank=True)
    created_at = models.DateTimeField("créée le")
    created_by = _user("saisie par")

    class Meta:
        verbose_name = "commande"
        verbose_name_plural = "commandes"
        constraints = (
            *_non_negative(
                "one_off_total", "deposit_amount", "cancellation_fee", prefix="orders_order"
            ),
            models.CheckConstraint(
                condition=Q(planned_date__lte=F("latest_date")), name="orders_order_plan_order"
            ),
            models.CheckConstraint(
                condition=Q(state=rules.CANCELLED) | Q(cancellation_fee__isnull=True),
                name="orders_order_fee_only_when_cancelled",
            ),
        )
        indexes = (models.Index(fields=["state", "planned_date"], name="orders_state_planned"),)

    def __str__(self) -> str:
        return self.number


class OrderLine(_PricedLine):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name="commande"
    )
    # R-ORD-4: set to the site for an FTTH line of a live order; unique, so that the database
    # itself refuses a second FTTH on a site. Cleared when the order is cancelled or the service
    # ends (`release_ftth_site`).
    ftth_site = models.ForeignKey(
        "customers.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="site FTTH",
    )
    replacement_acknowledged_at = models.DateTimeField(
        "reconnaissance du client (remplacement d'accès) le", null=True, blank=True
    )
    replacement_acknowledged_by = _user("reconnaissance enregistrée par", null=True)
    delivered_on = models.DateField("mise en service le", null=True, blank=True)
    delivered_by = _user("livrée par", null=True)

    class Meta:
        verbose_name = "ligne de commande"
        verbose_name_plural = "lignes de commande"
        constraints = (
            models.UniqueConstraint(fields=["order", "position"], name="orders_order_line_pos"),
            models.UniqueConstraint(fields=["ftth_site"], name="orders_one_ftth_per_site"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_order_line_qty"),
            *_non_negative(*_LINE_MONEY, "sale_price", prefix="orders_order_line"),
        )

    def __str__(self) -> str:
        return f"{self.order.number} / {self.position}"


class OrderTransition(models.Model):
    """One state change of an order: when, by whom, from and to which state."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="transitions", verbose_name="commande"
    )
    from_state = models.CharField("de", max_length=12, choices=OrderState.choices, blank=True)
    to_state = models.CharField("vers", max_length=12, choices=OrderState.choices)
    at = models.DateTimeField("le")
    by = _user("par")
    note = models.TextField("remarque", blank=True)

    class Meta:
        verbose_name = "changement d'état"
        verbose_name_plural = "changements d'état"

    def __str__(self) -> str:
        return f"{self.order.number}: {self.from_state or '—'} → {self.to_state}"


class BlockerKind(models.TextChoices):
    DEPOSIT_UNPAID = "deposit_unpaid", rules.BLOCKER_LABELS["deposit_unpaid"]
    DOCUMENTS_MISSING = "documents_missing", rules.BLOCKER_LABELS["documents_missing"]
    PREMISES_NOT_READY = "premises_not_ready", rules.BLOCKER_LABELS["premises_not_ready"]


class OrderBlocker(models.Model):
    """A cause of delay of the intervention (CGV art. 9; R-ORD-3); open until resolved."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="blockers", verbose_name="commande"
    )
    kind = models.CharField("cause", max_length=20, choices=BlockerKind.choices)
    started_on = models.DateField("depuis le")
    resolved_on = models.DateField("levée le", null=True, blank=True)
    note = models.TextField("précision", blank=True)
    recorded_by = _user("enregistrée par")
    resolved_by = _user("levée par", null=True)

    class Meta:
        verbose_name = "cause d'attente"
        verbose_name_plural = "causes d'attente"
        constraints = (
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("started_on")),
                name="orders_blocker_resolved_after_start",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.order.number})"


class ModemSiteCheck(models.Model):
    """One item of the modem-site checklist of the internet annex, per order."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="modem_checks", verbose_name="commande"
    )
    position = models.PositiveSmallIntegerField("n°")
    item = models.CharField("point de contrôle", max_length=200)
    checked_at = models.DateTimeField("vérifié le", null=True, blank=True)
    checked_by = _user("vérifié par", null=True)

    class Meta:
        verbose_name = "contrôle du local du modem"
        verbose_name_plural = "contrôles du local du modem"
        constraints = (
            models.UniqueConstraint(fields=["order", "position"], name="orders_modem_check_pos"),
        )

    def __str__(self) -> str:
        return self.item


class BankGuaranteeRequest(models.Model):
    """A bank guarantee SYRES required (CGV art. 7); while owed, no new order (R-ORD-6).

    Owned here until the payments issue takes it over.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    amount = money("montant demandé")
    requested_on = models.DateField("demandée le")
    provided_on = models.DateField("remise le", null=True, blank=True)
    withdrawn_on = models.DateField("demande retirée le", null=True, blank=True)
    requested_by = _user("demandée par")
    note = models.TextField("remarque", blank=True)

    class Meta:
        verbose_name = "demande de garantie bancaire"
        verbose_name_plural = "demandes de garantie bancaire"
        constraints = (
            models.CheckConstraint(condition=Q(amount__gt=0), name="orders_guarantee_amount_gt_0"),
        )

    def __str__(self) -> str:
        return f"Garantie de {self.amount} € demandée le {self.requested_on:%d/%m/%Y}"


class DeliveredService(models.Model):
    """A service put into service by delivering an order line (R-ORD-7).

    The record the contracts issue turns into a contract service: its delivery date starts
    billing and the minimum commitment.
    """

    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="services", verbose_name="ligne"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    site = models.ForeignKey(
        "customers.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="site",
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name="produit"
    )
    product_code = models.CharField("code produit", max_length=40)
    family = models.CharField("famille", max_length=20)
    platform = models.CharField("plateforme", max_length=10, blank=True)
    quantity = models.PositiveIntegerField("canaux / licences")
    line_number = models.CharField("numéro de ligne ou de trunk", max_length=32, blank=True)
    delivered_on = models.DateField("mise en service le")
    commitment_months = models.PositiveIntegerField("engagement (mois)")
    commitment_ends_on = models.DateField("fin d'engagement (exclue)")
    monthly_price = money("prix mensuel HT du devis")
    negotiated_monthly_price = money("prix mensuel HT négocié", null=True, blank=True)
    access_fee = money("frais d'accès HT (par unité)")
    installation_fee = money("frais d'installation HT (par unité)")
    ftth_released_on = models.DateField("accès FTTH libéré le", null=True, blank=True)
    created_at = models.DateTimeField("créé le")

    class Meta:
        verbose_name = "service livré"
        verbose_name_plural = "services livrés"
        constraints = (
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_service_qty"),
            models.CheckConstraint(
                condition=Q(delivered_on__lte=F("commitment_ends_on")),
                name="orders_service_commitment_after_delivery",
            ),
            *_non_negative(*_LINE_MONEY, prefix="orders_service"),
        )

    def __str__(self) -> str:
        return f"{self.product_code} {self.line_number}".strip()


class DeliveredEquipment(models.Model):
    """An equipment item handed over at delivery, lent or sold (R-ORD-7, R-EQ-1).

    The equipment issue takes these records over (warranty, returns, losses).
    """

    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="equipment_items", verbose_name="ligne"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    site = models.ForeignKey(
        "customers.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="site",
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name="produit"
    )
    model_name = models.CharField("modèle", max_length=100)
    serial_number = models.CharField("numéro de série", max_length=64, unique=True)
    mode = models.CharField("mode", max_length=4, choices=EquipmentMode.choices)
    delivered_on = models.DateField("livré le")
    warranty_ends_on = models.DateField("fin de garantie (exclue)")
    sale_price = money("prix de vente HT")
    monthly_rent = money("loyer mensuel HT")
    replacement_value = money("valeur de remplacement")
    created_at = models.DateTimeField("créé le")

    class Meta:
        verbose_name = "équipement livré"
        verbose_name_plural = "équipements livrés"
        constraints = (
            *_non_negative(
                "sale_price", "monthly_rent", "replacement_value", prefix="orders_equipment"
            ),
        )

    def __str__(self) -> str:
        return f"{self.model_name} n° {self.serial_number}"
