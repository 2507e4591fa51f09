"""Usage: the rated lines, the periods imported, and per-line monthly aggregates (SPEC §5).

The rated detail itself is Parquet under the data directory (docs/architecture.md says why);
the database keeps what invoicing and staff read: one `LineMonth` per line and month.
"""

from django.db import models


# Aggregates keep the exact amounts of the rating engine (micro-euros): invoice lines round them
# to the cent once (SPEC R-SIP-5).
def exact_amount(verbose_name: str) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=6)


class Platform(models.TextChoices):
    SEWAN = "sewan", "SEWAN"
    OPENIP = "openip", "OPEN IP"
    YEASTAR = "yeastar", "YEASTAR"
    WAZO = "wazo", "WAZO"
    MOBILE = "mobile", "Mobile"


class Line(models.Model):
    """A rated line: a SIP trunk (or hosted licences, R-SIP-8) or a mobile line."""

    identifier = models.CharField("identifiant", max_length=64, unique=True)
    platform = models.CharField("plateforme", max_length=16, choices=Platform.choices)
    channels = models.PositiveIntegerField("canaux", default=1)
    label = models.CharField("libellé", max_length=200, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "ligne"
        verbose_name_plural = "lignes"
        constraints = (
            models.CheckConstraint(
                condition=models.Q(channels__gte=1), name="usage_line_channels_min_1"
            ),
            models.CheckConstraint(
                condition=models.Q(platform__in=[choice.value for choice in Platform]),
                name="usage_line_platform_known",
            ),
        )

    def __str__(self) -> str:
        return f"{self.identifier} ({self.get_platform_display()})"


class UsagePeriod(models.Model):
    """A month whose usage was imported; its rated detail lives in `detail_dir` until purged."""

    period = models.CharField("mois", max_length=7, unique=True)  # YYYY-MM
    records = models.PositiveIntegerField("enregistrements valorisés", default=0)
    rejected = models.PositiveIntegerField("enregistrements rejetés", default=0)
    files = models.TextField("fichiers importés", blank=True)
    rated_at = models.DateTimeField("valorisé le")
    detail_purged_at = models.DateTimeField("détail purgé le", null=True, blank=True)

    class Meta:
        verbose_name = "mois de consommation"
        verbose_name_plural = "mois de consommation"
        constraints = (
            models.CheckConstraint(
                condition=models.Q(period__regex=r"^\d{4}-(0[1-9]|1[0-2])$"),
                name="usage_period_is_a_month",
            ),
        )

    def __str__(self) -> str:
        return self.period


class LineMonth(models.Model):
    """One line's month, as invoicing reads it: billable units and amounts per kind, limits,
    breaches, the call-centre flag and both overage amounts (SPEC §12 summary, R-SIP-6/7)."""

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="months")
    period = models.CharField("mois", max_length=7)
    platform = models.CharField("plateforme", max_length=16, choices=Platform.choices)
    channels = models.PositiveIntegerField("canaux")
    outgoing_calls = models.PositiveIntegerField("appels sortants")
    outgoing_seconds = models.PositiveBigIntegerField("durée sortante (s)")
    distinct_numbers = models.PositiveIntegerField("numéros distincts")
    limit_seconds = models.PositiveBigIntegerField("limite de durée (s)")
    limit_numbers = models.PositiveIntegerField("limite de numéros")
    breaches = models.CharField("dépassements", max_length=200, blank=True)
    billable_seconds = models.PositiveBigIntegerField("secondes facturables")
    billable_minutes = models.PositiveBigIntegerField("minutes facturables")
    billable_sms = models.PositiveBigIntegerField("SMS facturables")
    billable_mb = models.PositiveBigIntegerField("Mo facturables")
    sms = models.PositiveIntegerField("SMS envoyés")
    data_bytes = models.PositiveBigIntegerField("données (octets)")
    amount_voice = exact_amount("montant voix")
    amount_sms = exact_amount("montant SMS")
    amount_data = exact_amount("montant données")
    amount_beyond = exact_amount("montant au-delà des limites")
    amount_if_retroactive = exact_amount("montant si rétroactif")
    call_centre_flag = models.BooleanField("activité de centre d'appels", default=False)

    class Meta:
        verbose_name = "consommation mensuelle"
        verbose_name_plural = "consommations mensuelles"
        constraints = (
            models.UniqueConstraint(fields=["line", "period"], name="usage_linemonth_unique"),
            models.CheckConstraint(
                condition=models.Q(amount_voice__gte=0)
                & models.Q(amount_sms__gte=0)
                & models.Q(amount_data__gte=0)
                & models.Q(amount_beyond__gte=0)
                & models.Q(amount_if_retroactive__gte=models.F("amount_beyond")),
                name="usage_linemonth_amounts_consistent",
            ),
        )

    def __str__(self) -> str:
        return f"{self.line.identifier} {self.period}"
