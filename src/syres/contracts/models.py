"""Contracts, their services, suspensions, terminations and FTTO support tickets.

Thin models protected by database constraints; every write goes through
`syres.contracts.services` (and `syres.contracts.support` for tickets), every read through
`syres.contracts.selectors`. The rules live in `syres.domain.contracts` and
`syres.domain.support`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from syres.domain.contracts import SUSPENSION_REASON_LABELS, SuspensionReason


def _money(label: str, **options: object) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(label, max_digits=12, decimal_places=2, **options)  # type: ignore[arg-type]


class Contract(models.Model):
    """A customer's contract: it holds the services delivered to the customer (CGV art. 8) and
    ends by itself when its last service ends (R-END-3)."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name="client",
    )
    started_on = models.DateField("début")
    ended_on = models.DateField("fin", null=True, blank=True)
    created_at = models.DateTimeField("créé le")

    class Meta:
        verbose_name = "contrat"
        verbose_name_plural = "contrats"
        constraints = (
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(ended_on__isnull=True),
                name="contract_one_open_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="contract_ends_after_it_starts",
            ),
        )

    def __str__(self) -> str:
        return f"Contrat n° {self.pk}"


class ServiceKind(models.TextChoices):
    INTERNET_ACCESS = "internet_access", "Accès internet"
    SIP_TRUNK = "sip_trunk", "Trunk SIP"
    HOSTED_LICENCE = "hosted_licence", "Licence de téléphonie hébergée"
    LICENCE_OPTION = "licence_option", "Option de licence"
    MOBILE_LINE = "mobile_plan", "Ligne mobile"
    EQUIPMENT_RENTAL = "equipment", "Location d'équipement"


class ServiceState(models.TextChoices):
    ACTIVE = "active", "Actif"
    SUSPENDED = "suspended", "Suspendu"
    TERMINATED = "terminated", "Résilié"


class Service(models.Model):
    """One delivered order line (R-ORD-7): billing and commitment start at `delivery_date`.

    `end_date` is the day the service stops (half-open: last day served is the day before); it
    is set when a termination is recorded, and the state turns to terminated on that day."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="services", verbose_name="contrat"
    )
    kind = models.CharField("type", max_length=32, choices=ServiceKind.choices)
    product_code = models.CharField("code produit", max_length=40)
    label = models.CharField("libellé", max_length=200)
    quantity = models.PositiveIntegerField("quantité (canaux, licences…)", default=1)
    monthly_fee = _money("abonnement mensuel HT (total)")
    access_fee = _money("frais d'accès HT", default=Decimal("0"))
    installation_fee = _money("frais d'installation HT", default=Decimal("0"))
    technology = models.CharField("technologie d'accès", max_length=16, blank=True)
    platform = models.CharField("plateforme", max_length=16, blank=True)
    phone_number = models.CharField("numéro de ligne", max_length=20, blank=True)
    delivery_date = models.DateField("mise en service")
    commitment_months = models.PositiveIntegerField("engagement (mois)")
    commitment_end = models.DateField("fin d'engagement (premier jour libre)")
    state = models.CharField(
        "état", max_length=16, choices=ServiceState.choices, default=ServiceState.ACTIVE
    )
    end_date = models.DateField("fin de service", null=True, blank=True)
    # The delivery record of the orders app it comes from ("service:12", "equipment:7"): a
    # delivery is taken over once.
    source_ref = models.CharField(
        "livraison d'origine", max_length=40, null=True, blank=True, unique=True
    )

    class Meta:
        verbose_name = "service"
        verbose_name_plural = "services"
        constraints = (
            models.CheckConstraint(
                condition=Q(monthly_fee__gte=0) & Q(access_fee__gte=0) & Q(installation_fee__gte=0),
                name="service_amounts_not_negative",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="service_quantity_positive"),
            models.CheckConstraint(
                condition=Q(commitment_end__gte=F("delivery_date")),
                name="service_commitment_from_delivery",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("delivery_date")),
                name="service_ends_after_delivery",
            ),
            models.CheckConstraint(
                condition=~Q(state=ServiceState.TERMINATED) | Q(end_date__isnull=False),
                name="service_terminated_has_end_date",
            ),
        )

    def __str__(self) -> str:
        return self.label


class Suspension(models.Model):
    """A suspension of a service (R-PAY-4): reason, start, end, who decided it; planned
    maintenance carries its planned end and the notice e-mailed to the customer (CGV art. 15).
    Several may hold a service at once; it is active again when the last one is lifted."""

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="suspensions", verbose_name="service"
    )
    reason = models.CharField(
        "motif",
        max_length=32,
        choices=[(reason.value, label) for reason, label in SUSPENSION_REASON_LABELS.items()],
    )
    start_at = models.DateTimeField("début")
    end_at = models.DateTimeField("fin", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="décidé par",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="levé par",
    )
    # `end_at` is when it was lifted; the planned end is what the maintenance notice announces.
    planned_end_at = models.DateTimeField("fin prévue", null=True, blank=True)
    customer_notice = models.TextField("avis au client", blank=True)
    # The notice's e-mail: claimed by one sender before it talks to the server, so it is never
    # sent twice; a failed send releases the claim and keeps the error for the next attempt.
    notice_claimed_at = models.DateTimeField("avis pris en charge le", null=True, blank=True)
    notice_sent_at = models.DateTimeField("avis envoyé le", null=True, blank=True)
    notice_error = models.CharField("échec d'envoi de l'avis", max_length=300, blank=True)

    class Meta:
        verbose_name = "suspension"
        verbose_name_plural = "suspensions"
        constraints = (
            models.CheckConstraint(
                condition=Q(end_at__isnull=True) | Q(end_at__gt=F("start_at")),
                name="suspension_starts_before_it_ends",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_at__isnull=True) | Q(planned_end_at__gt=F("start_at")),
                name="suspension_planned_end_after_start",
                violation_error_message="La fin prévue doit suivre le début de la suspension.",
            ),
            models.CheckConstraint(
                condition=~Q(reason=SuspensionReason.MAINTENANCE.value) | ~Q(customer_notice=""),
                name="suspension_maintenance_has_notice",
                violation_error_message=(
                    "Une maintenance programmée doit être annoncée au client : saisissez l'avis."
                ),
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_reason_display()} — {self.service}"


class TerminationInitiator(models.TextChoices):
    CUSTOMER = "customer", "Client (lettre recommandée)"
    SYRES = "syres", "SYRES Télécom (article 16)"


class Termination(models.Model):
    """A termination of services: by the customer's registered letter (R-END-1, R-END-2) or by
    SYRES for a cause of art. 16 (R-END-3). The amount owed is recorded with its breakdown in
    its lines; invoicing it is the billing app's business."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="terminations", verbose_name="contrat"
    )
    initiator = models.CharField(
        "à l'initiative de", max_length=16, choices=TerminationInitiator.choices
    )
    letter_reference = models.CharField("n° de lettre recommandée", max_length=60, blank=True)
    letter_received_date = models.DateField("lettre reçue le", null=True, blank=True)
    cause_code = models.CharField("motif (article 16)", max_length=40, blank=True)
    cause_label = models.CharField("libellé du motif", max_length=200, blank=True)
    notified_date = models.DateField("notifiée le", null=True, blank=True)
    end_date = models.DateField("prend effet le")
    recorded_at = models.DateTimeField("enregistrée le")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="par"
    )
    amount_due = _money("montant minimum de facturation HT", default=Decimal("0"))
    # Set by the billing app when it invoices `amount_due` (R-INV-5: intermediate invoice).
    invoiced_at = models.DateTimeField("facturée le", null=True, blank=True)

    class Meta:
        verbose_name = "résiliation"
        verbose_name_plural = "résiliations"
        constraints = (
            models.CheckConstraint(
                condition=~Q(initiator=TerminationInitiator.CUSTOMER)
                | (Q(letter_received_date__isnull=False) & ~Q(letter_reference="")),
                name="termination_by_customer_has_letter",
                violation_error_message=(
                    "Une résiliation par le client demande la lettre recommandée et sa date de "
                    "réception."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(initiator=TerminationInitiator.SYRES)
                | (~Q(cause_code="") & Q(notified_date__isnull=False)),
                name="termination_by_syres_has_cause",
                violation_error_message=(
                    "Une résiliation par SYRES demande un motif de l'article 16 et la date de "
                    "notification."
                ),
            ),
            models.CheckConstraint(
                condition=Q(amount_due__gte=0), name="termination_amount_not_negative"
            ),
        )

    def __str__(self) -> str:
        return f"Résiliation au {self.end_date:%d/%m/%Y} — {self.contract}"


class TerminationLine(models.Model):
    """One terminated service and its share of the minimum billing amount (R-END-2)."""

    termination = models.ForeignKey(
        Termination, on_delete=models.PROTECT, related_name="lines", verbose_name="résiliation"
    )
    service = models.OneToOneField(
        Service, on_delete=models.PROTECT, related_name="termination_line", verbose_name="service"
    )
    remaining_months = models.PositiveIntegerField("mois d'engagement restants", default=0)
    remaining_fees = _money("abonnements restants HT", default=Decimal("0"))
    unpaid_access_fee = _money("frais d'accès restant dus HT", default=Decimal("0"))
    unpaid_installation_fee = _money("frais d'installation restant dus HT", default=Decimal("0"))
    unpaid_equipment = _money("équipements restant dus HT", default=Decimal("0"))
    usage_months_averaged = models.PositiveIntegerField("mois de consommation moyennés", default=0)
    estimated_usage = _money("consommations estimées HT", default=Decimal("0"))
    total = _money("total HT", default=Decimal("0"))

    class Meta:
        verbose_name = "ligne de résiliation"
        verbose_name_plural = "lignes de résiliation"
        constraints = (
            models.CheckConstraint(
                condition=Q(
                    total=F("remaining_fees")
                    + F("unpaid_access_fee")
                    + F("unpaid_installation_fee")
                    + F("unpaid_equipment")
                    + F("estimated_usage")
                ),
                name="termination_line_total_is_its_parts",
            ),
            models.CheckConstraint(
                condition=Q(remaining_fees__gte=0)
                & Q(unpaid_access_fee__gte=0)
                & Q(unpaid_installation_fee__gte=0)
                & Q(unpaid_equipment__gte=0)
                & Q(estimated_usage__gte=0),
                name="termination_line_parts_not_negative",
            ),
        )

    def __str__(self) -> str:
        return f"{self.service} — {self.total} €"


class Ticket(models.Model):
    """A support ticket on a service; an FTTO access carries its GTR deadline (R-GTR-1)."""

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="tickets", verbose_name="service"
    )
    reported_at = models.DateTimeField("signalé le")
    description = models.TextField("description")
    gtr_deadline = models.DateTimeField("rétablissement garanti avant", null=True, blank=True)
    restored_at = models.DateTimeField("rétabli le", null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="ouvert par",
    )
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="rétabli par",
    )

    class Meta:
        verbose_name = "ticket d'incident"
        verbose_name_plural = "tickets d'incident"
        constraints = (
            models.CheckConstraint(
                condition=Q(restored_at__isnull=True) | Q(restored_at__gte=F("reported_at")),
                name="ticket_restored_after_report",
            ),
            models.CheckConstraint(
                condition=Q(gtr_deadline__isnull=True) | Q(gtr_deadline__gt=F("reported_at")),
                name="ticket_deadline_after_report",
            ),
        )

    def __str__(self) -> str:
        return f"Ticket n° {self.pk} — {self.service}"
