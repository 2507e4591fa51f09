"""Equipment items lent or sold, their returns, losses and the charges they give rise to.

Thin models protected by database constraints; writes in `syres.equipment.services`, reads in
`syres.equipment.selectors`, rules in `syres.domain.equipment` (CGV art. 6, 13; R-EQ-1..4).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from syres.domain.equipment import TENURE_LABELS


def _money(label: str, **options: object) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(label, max_digits=12, decimal_places=2, **options)  # type: ignore[arg-type]


class ItemStatus(models.TextChoices):
    AT_CUSTOMER = "at_customer", "Chez le client"
    RETURNED = "returned", "Restitué"
    NOT_RETURNED = "not_returned", "Non restitué (facturé)"
    LOST = "lost", "Sinistre total"


class Item(models.Model):
    """One equipment item (R-EQ-1): serial, catalog model, lent for the contract or sold.

    A lent item is rented through a contract service (`rental_service`); a sold item is the
    customer's once paid in full (retention of title)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="contrat",
    )
    rental_service = models.OneToOneField(
        "contracts.Service",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="service de location",
    )
    serial = models.CharField("numéro de série", max_length=64, unique=True)
    model_code = models.CharField("code modèle (catalogue)", max_length=40)
    model_name = models.CharField("modèle", max_length=100)
    tenure = models.CharField(
        "mode",
        max_length=8,
        choices=[(tenure.value, label) for tenure, label in TENURE_LABELS.items()],
    )
    delivered_on = models.DateField("livré le")
    value = _money("valeur (base de la valeur nette comptable)")
    sale_price = _money("prix de vente HT", default=Decimal("0"))
    amount_paid = _money("montant payé HT", default=Decimal("0"))
    misuse_recorded_on = models.DateField(
        "mauvaise utilisation constatée le", null=True, blank=True
    )
    misuse_note = models.TextField("constat de mauvaise utilisation", blank=True)
    status = models.CharField(
        "statut", max_length=16, choices=ItemStatus.choices, default=ItemStatus.AT_CUSTOMER
    )
    status_changed_on = models.DateField("statut depuis le", null=True, blank=True)
    # The delivery record of the orders app it comes from: taken over once.
    source_ref = models.CharField(
        "livraison d'origine", max_length=40, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField("créé le")

    class Meta:
        verbose_name = "équipement"
        verbose_name_plural = "équipements"
        constraints = (
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(sale_price__gte=0) & Q(amount_paid__gte=0),
                name="equipment_item_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(tenure="sold")
                | Q(rental_service__isnull=False)
                | Q(contract__isnull=False),
                name="equipment_lent_item_belongs_to_a_contract",
            ),
            models.CheckConstraint(
                condition=Q(misuse_recorded_on__isnull=True) | ~Q(misuse_note=""),
                name="equipment_misuse_is_described",
            ),
        )

    def __str__(self) -> str:
        return f"{self.model_name} n° {self.serial}"


class ReturnCheck(models.Model):
    """The check-in of what a customer gave back at termination (R-EQ-3)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    checked_at = models.DateTimeField("contrôlé le")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="par"
    )

    class Meta:
        verbose_name = "contrôle de restitution"
        verbose_name_plural = "contrôles de restitution"

    def __str__(self) -> str:
        return f"Restitution du {self.checked_at:%d/%m/%Y}"


class ReturnCheckLine(models.Model):
    """One item checked in (or found missing), with its accessories."""

    check_in = models.ForeignKey(
        ReturnCheck, on_delete=models.PROTECT, related_name="lines", verbose_name="contrôle"
    )
    item = models.OneToOneField(
        Item, on_delete=models.PROTECT, related_name="return_line", verbose_name="équipement"
    )
    returned = models.BooleanField("restitué")
    working_order = models.BooleanField("en état de fonctionnement")
    missing_accessories = models.JSONField("accessoires manquants", default=list, blank=True)
    amount_due = _money("montant dû HT", default=Decimal("0"))

    class Meta:
        verbose_name = "ligne de restitution"
        verbose_name_plural = "lignes de restitution"
        constraints = (
            models.CheckConstraint(
                condition=Q(amount_due__gte=0), name="equipment_return_due_not_negative"
            ),
        )

    def __str__(self) -> str:
        return str(self.item)


class LossKind(models.TextChoices):
    TOTAL = "total", "Sinistre total"
    PARTIAL = "partial", "Sinistre partiel"


class Loss(models.Model):
    """A loss of an item (CGV art. 13, R-EQ-4) with the figures of its settlement."""

    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="losses", verbose_name="équipement"
    )
    kind = models.CharField("sinistre", max_length=8, choices=LossKind.choices)
    loss_date = models.DateField("date du sinistre")
    insurer_payments = _money("indemnités reçues des assureurs HT", default=Decimal("0"))
    remaining_months = models.PositiveIntegerField("mois de loyer restants", default=0)
    remaining_rents = _money("loyers restant dus HT", default=Decimal("0"))
    net_book_value = _money("valeur nette comptable", default=Decimal("0"))
    book_value_shortfall = _money("écart valeur nette comptable − assureurs", default=Decimal("0"))
    indemnity = _money("indemnité due HT", default=Decimal("0"))
    credit = _money("crédit au client HT", default=Decimal("0"))
    recorded_at = models.DateTimeField("enregistré le")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="par"
    )

    class Meta:
        verbose_name = "sinistre"
        verbose_name_plural = "sinistres"
        constraints = (
            models.CheckConstraint(
                condition=Q(insurer_payments__gte=0)
                & Q(remaining_rents__gte=0)
                & Q(net_book_value__gte=0)
                & Q(book_value_shortfall__gte=0)
                & Q(indemnity__gte=0)
                & Q(credit__gte=0),
                name="equipment_loss_amounts_not_negative",
            ),
            models.UniqueConstraint(
                fields=["item"], condition=Q(kind="total"), name="equipment_one_total_loss_per_item"
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.loss_date:%d/%m/%Y} — {self.item}"


class ChargeKind(models.TextChoices):
    UNRETURNED_ITEM = "unreturned_item", "Équipement non restitué"
    MISSING_ACCESSORIES = "missing_accessories", "Accessoires non restitués"
    TOTAL_LOSS = "total_loss", "Indemnité de sinistre total"
    INSURER_CREDIT = "insurer_credit", "Indemnités d'assurance créditées"


class Charge(models.Model):
    """An amount to invoice (or, for an insurer credit, to credit) to the customer, recorded
    here and invoiced by the billing app, which sets `invoiced_at`."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="charges", verbose_name="équipement"
    )
    kind = models.CharField("nature", max_length=24, choices=ChargeKind.choices)
    label = models.CharField("libellé", max_length=250)
    amount = _money("montant HT (négatif : crédit)")
    charge_date = models.DateField("date")
    invoiced_at = models.DateTimeField("facturé le", null=True, blank=True)

    class Meta:
        verbose_name = "montant à facturer"
        verbose_name_plural = "montants à facturer"
        constraints = (
            models.CheckConstraint(
                condition=(Q(kind="insurer_credit") & Q(amount__lt=0))
                | (~Q(kind="insurer_credit") & Q(amount__gt=0)),
                name="equipment_charge_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["item", "kind"],
                condition=~Q(kind="insurer_credit"),
                name="equipment_charge_once_per_item_and_kind",
            ),
        )

    def __str__(self) -> str:
        return f"{self.label} : {self.amount} €"
