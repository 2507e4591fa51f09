"""The catalog: products of the CGV and their effective-dated prices (SPEC R-CAT-1 … R-CAT-3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models


def money(verbose_name: str, **options: Any) -> models.DecimalField[Decimal, Decimal]:
    """A money column, euros excl. VAT to the cent: the one place that sets its size."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **options)


def _non_negative(*fields: str, prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{field}__gte": 0}), name=f"{prefix}_{field}_gte_0"
        )
        for field in fields
    ]


class Family(models.TextChoices):
    INTERNET_ACCESS = "internet_access", "Accès internet"
    SIP_TRUNK = "sip_trunk", "Trunk SIP"
    HOSTED_LICENCE = "hosted_licence", "Licence de téléphonie hébergée"
    LICENCE_OPTION = "licence_option", "Option de licence"
    MOBILE_PLAN = "mobile_plan", "Forfait mobile"
    EQUIPMENT = "equipment", "Équipement"


class Product(models.Model):
    """A product of the catalog, kept in step with the terms file (`[catalog]`).

    Characteristics describe the product and follow the file; prices live in `PriceVersion`.
    """

    code = models.CharField("code", max_length=40, unique=True)
    family = models.CharField("famille", max_length=20, choices=Family.choices)
    name = models.CharField("désignation", max_length=200)
    technology = models.CharField("technologie", max_length=10, blank=True)
    platform = models.CharField("plateforme", max_length=10, blank=True)
    fibre_construction = models.BooleanField("construction de fibre", default=False)
    commitment_months = models.PositiveIntegerField(
        "engagement minimum (mois)", null=True, blank=True
    )
    equipment_model = models.CharField("modèle d'équipement", max_length=100, blank=True)
    depreciation_months = models.PositiveIntegerField("amortissement (mois)", null=True, blank=True)
    characteristics: models.JSONField[dict[str, Any]] = models.JSONField(
        "caractéristiques", default=dict, blank=True
    )
    in_terms = models.BooleanField(
        "dans le fichier des conditions", default=True, help_text="Décoché : retiré du fichier."
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "produit"
        verbose_name_plural = "produits"

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class PriceSource(models.TextChoices):
    TERMS = "terms", "Fichier des conditions"
    STAFF = "staff", "Publié par SYRES"


class PriceVersion(models.Model):
    """One version of a product's prices, excl. VAT, in force from `effective_from` (R-CAT-2).

    Never changed once written: a new price is a new version.
    """

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="price_versions", verbose_name="produit"
    )
    effective_from = models.DateField("en vigueur à partir du")
    monthly_price = money("prix mensuel / loyer HT")
    access_fee = money("frais d'accès HT", default=Decimal(0))
    installation_fee = money("frais d'installation HT", default=Decimal(0))
    sale_price = money("prix de vente HT", default=Decimal(0))
    replacement_value = money("valeur de remplacement", default=Decimal(0))
    source = models.CharField("origine", max_length=10, choices=PriceSource.choices)
    published_at = models.DateTimeField("publié le", auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="publié par",
    )

    class Meta:
        verbose_name = "version de tarif"
        verbose_name_plural = "versions de tarif"
        constraints = (
            models.UniqueConstraint(
                fields=["product", "effective_from"], name="catalog_one_price_version_per_day"
            ),
            *_non_negative(
                "monthly_price",
                "access_fee",
                "installation_fee",
                "sale_price",
                "replacement_value",
                prefix="catalog_price",
            ),
        )

    def __str__(self) -> str:
        return f"{self.product.code} au {self.effective_from:%d/%m/%Y}"
