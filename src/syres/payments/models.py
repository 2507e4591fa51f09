"""Payments, statements, SEPA batches, disputes and dunning records (SPEC §7, R-PAY-1..4).

Thin models guarded by database constraints; every write goes through `syres.payments.services`.
The invoices belong to billing (`billing.Invoice`, referenced by string foreign keys): payments
records what was paid on them (allocations, registered with billing's `register_paid_amounts`),
their disputes, their dunning and what their lateness costs.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from syres.domain.payments.suspensions import SuspensionReason


def _money(label: str, **options: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(label, max_digits=12, decimal_places=2, **options)  # type: ignore[arg-type]


def _staff_fk(label: str, *, optional: bool = False) -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=label,
        null=optional,
        blank=optional,
    )


class PaymentMethod(models.TextChoices):
    SEPA_DEBIT = "sepa_debit", "Prélèvement SEPA"
    TRANSFER = "transfer", "Virement"
    CHEQUE = "cheque", "Chèque"
    ADMINISTRATIVE_MANDATE = "administrative_mandate", "Mandat administratif"


class Payment(models.Model):
    """Money received from a customer (R-PAY-1); `credit` is what no invoice could take."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    method = models.CharField("mode", max_length=32, choices=PaymentMethod.choices)
    amount = _money("montant")
    received_on = models.DateField("reçu le")
    reference = models.CharField("référence", max_length=140, blank=True)
    credit = _money("avoir (trop-perçu)", default=Decimal("0"))
    statement_line = models.OneToOneField(
        "StatementLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment",
        verbose_name="ligne de relevé",
    )
    debit = models.OneToOneField(
        "SepaDebit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment",
        verbose_name="prélèvement",
    )
    returned_on = models.DateField("rejeté le", null=True, blank=True)
    recorded_at = models.DateTimeField("enregistré le")
    recorded_by = _staff_fk("enregistré par", optional=True)

    class Meta:
        verbose_name = "paiement"
        verbose_name_plural = "paiements"
        constraints = (
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(credit__gte=0) & Q(credit__lte=F("amount")),
                name="payment_credit_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(method=PaymentMethod.SEPA_DEBIT),
                name="payment_only_debits_are_returned",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} € du {self.received_on:%d/%m/%Y}"


class Allocation(models.Model):
    """The part of a payment that pays one invoice; a returned debit reverses it."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="allocations", verbose_name="paiement"
    )
    invoice = models.ForeignKey(
        "billing.Invoice",
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name="facture",
    )
    amount = _money("montant affecté")
    reversed_on = models.DateField("annulée le", null=True, blank=True)

    class Meta:
        verbose_name = "affectation"
        verbose_name_plural = "affectations"
        constraints = (
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(
                fields=["payment", "invoice"], name="allocation_once_per_invoice"
            ),
        )

    def __str__(self) -> str:
        return f"{self.amount} € → {self.invoice.number}"


class PaymentIncident(models.Model):
    """A direct debit returned unpaid (R-PAY-1); may justify an intermediate invoice (R-INV-5)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="incident", verbose_name="paiement"
    )
    occurred_on = models.DateField("date du rejet")
    amount = _money("montant rejeté")
    reason_code = models.CharField("code motif", max_length=8)
    reason = models.CharField("motif", max_length=200)
    invoice_numbers = models.CharField("factures ré-ouvertes", max_length=400)

    class Meta:
        verbose_name = "incident de paiement"
        verbose_name_plural = "incidents de paiement"

    def __str__(self) -> str:
        return f"{self.reason_code} {self.amount} € ({self.invoice_numbers})"


# --- bank statements -------------------------------------------------------------------------


class StatementImport(models.Model):
    """One imported statement; its identifier is unique, so no statement counts twice."""

    identifier = models.CharField("identifiant du relevé", max_length=200, unique=True)
    message_type = models.CharField("message", max_length=10)
    file_name = models.CharField("fichier", max_length=255)
    account_iban = models.CharField("compte", max_length=34)
    statement_id = models.CharField("n° de relevé", max_length=140)
    line_count = models.PositiveIntegerField("lignes")
    matched_count = models.PositiveIntegerField("lignes rapprochées")
    imported_at = models.DateTimeField("importé le")
    imported_by = _staff_fk("importé par", optional=True)

    class Meta:
        verbose_name = "import de relevé"
        verbose_name_plural = "imports de relevés"
        constraints = (
            models.CheckConstraint(
                condition=Q(matched_count__lte=F("line_count")),
                name="statement_import_matched_within_lines",
            ),
        )

    def __str__(self) -> str:
        return self.identifier


class StatementLine(models.Model):
    """A booked line of an imported statement, with what the import made of it."""

    statement = models.ForeignKey(
        StatementImport, on_delete=models.PROTECT, related_name="lines", verbose_name="relevé"
    )
    line_ref = models.CharField("ligne", max_length=20)
    kind = models.CharField("nature", max_length=32)
    direction = models.CharField("sens", max_length=6)
    amount = _money("montant")
    booking_date = models.DateField("comptabilisée le")
    end_to_end_id = models.CharField("référence de bout en bout", max_length=140, blank=True)
    remittance = models.TextField("libellé", blank=True)
    counterparty = models.CharField("contrepartie", max_length=200, blank=True)
    return_reason_code = models.CharField("motif de rejet", max_length=8, blank=True)
    matched = models.BooleanField("rapprochée")
    note = models.CharField("résultat", max_length=300)
    settled_at = models.DateTimeField("traitée le", null=True, blank=True)
    settled_by = _staff_fk("traitée par", optional=True)

    class Meta:
        verbose_name = "ligne de relevé"
        verbose_name_plural = "lignes de relevé"
        constraints = (
            models.UniqueConstraint(
                fields=["statement", "line_ref"], name="statement_line_once_per_statement"
            ),
        )

    def __str__(self) -> str:
        return f"{self.statement.statement_id} / {self.line_ref}"


# --- SEPA direct debit -----------------------------------------------------------------------


class SepaBatch(models.Model):
    """A pain.008 file handed to the bank (R-PAY-1)."""

    message_id = models.CharField("identifiant du message", max_length=35, unique=True)
    scheme = models.CharField("schéma", max_length=4)
    schema = models.CharField("version", max_length=20)
    collection_date = models.DateField("date d'échéance")
    submitted_on = models.DateField("remis le")
    count = models.PositiveIntegerField("prélèvements")
    control_sum = _money("total")
    xml = models.BinaryField("fichier pain.008")
    created_at = models.DateTimeField("créé le")
    created_by = _staff_fk("créé par")

    class Meta:
        verbose_name = "lot de prélèvements SEPA"
        verbose_name_plural = "lots de prélèvements SEPA"
        constraints = (
            models.CheckConstraint(
                condition=Q(scheme__in=["CORE", "B2B"]), name="sepa_batch_known_scheme"
            ),
        )

    def __str__(self) -> str:
        return f"{self.scheme} {self.collection_date:%d/%m/%Y} ({self.message_id})"


class SepaDebit(models.Model):
    """One debit of a batch: an invoice collected under the customer's mandate."""

    batch = models.ForeignKey(
        SepaBatch, on_delete=models.PROTECT, related_name="debits", verbose_name="lot"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="debits", verbose_name="facture"
    )
    amount = _money("montant")
    mandate_reference = models.CharField("mandat", max_length=35)
    sequence_type = models.CharField("séquence", max_length=4)
    returned = models.BooleanField("rejeté", default=False)

    class Meta:
        verbose_name = "prélèvement"
        verbose_name_plural = "prélèvements"
        constraints = (
            models.CheckConstraint(condition=Q(amount__gt=0), name="sepa_debit_amount_positive"),
            # One live debit per invoice: a returned one may be presented again.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(returned=False),
                name="sepa_debit_one_live_per_invoice",
            ),
        )

    def __str__(self) -> str:
        return f"{self.invoice.number} : {self.amount} €"


# --- disputes (R-PAY-2) -----------------------------------------------------------------------


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Ouverte"
    ACCEPTED = "accepted", "Acceptée (avoir)"
    REJECTED = "rejected", "Rejetée"


class Dispute(models.Model):
    """A contested invoice: dated and attributed at each step (R-PAY-2)."""

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="disputes", verbose_name="facture"
    )
    contested_amount = _money("montant contesté TTC")
    grounds = models.TextField("motif")
    status = models.CharField(
        "état", max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    opened_on = models.DateField("ouverte le")
    opened_by = _staff_fk("ouverte par")
    decided_on = models.DateField("décidée le", null=True, blank=True)
    decided_by = _staff_fk("décidée par", optional=True)
    decision_reason = models.TextField("motif de la décision", blank=True)
    due_on = models.DateField("exigible le", null=True, blank=True)
    # The credit note billing issues for an accepted dispute (empty until it is issued).
    credit_note_number = models.CharField("avoir", max_length=40, blank=True)

    class Meta:
        verbose_name = "contestation"
        verbose_name_plural = "contestations"
        permissions = (("decide_dispute", "Peut trancher une contestation"),)
        constraints = (
            models.CheckConstraint(
                condition=Q(contested_amount__gt=0), name="dispute_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status=DisputeStatus.OPEN)
                | (
                    Q(decided_on__isnull=False)
                    & Q(decided_by__isnull=False)
                    & ~Q(decision_reason="")
                ),
                name="dispute_decision_dated_attributed_reasoned",
            ),
            models.CheckConstraint(
                condition=~Q(status=DisputeStatus.REJECTED) | Q(due_on__isnull=False),
                name="dispute_rejected_has_due_date",
            ),
        )

    def __str__(self) -> str:
        return f"{self.invoice.number} : {self.contested_amount} €"


class DisputeFile(models.Model):
    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="files", verbose_name="contestation"
    )
    upload = models.FileField("fichier", upload_to="disputes/%Y/%m/")
    original_name = models.CharField("nom d'origine", max_length=255)
    content_type = models.CharField("type", max_length=100)
    size = models.PositiveIntegerField("taille (octets)")

    class Meta:
        verbose_name = "justificatif"
        verbose_name_plural = "justificatifs"

    def __str__(self) -> str:
        return self.original_name


# --- dunning (R-PAY-3) ------------------------------------------------------------------------


class DunningStep(models.Model):
    """A step of the schedule done for an invoice on a day: recorded once, never repeated."""

    invoice = models.ForeignKey(
        "billing.Invoice",
        on_delete=models.PROTECT,
        related_name="dunning_steps",
        verbose_name="facture",
    )
    step_key = models.CharField("étape", max_length=40)
    action = models.CharField("action", max_length=20)
    label = models.CharField("libellé", max_length=200)
    done_on = models.DateField("faite le")
    dunned_amount = _money("montant relancé")
    email_sent_at = models.DateTimeField("e-mail envoyé le", null=True, blank=True)
    email_error = models.CharField("erreur d'envoi", max_length=300, blank=True)

    class Meta:
        verbose_name = "étape de relance"
        verbose_name_plural = "étapes de relance"
        constraints = (
            models.UniqueConstraint(
                fields=["invoice", "step_key"], name="dunning_step_once_per_invoice"
            ),
        )

    def __str__(self) -> str:
        return f"{self.invoice.number} : {self.label}"


class DunningPause(models.Model):
    """Staff stop a customer's dunning with a reason, `[start, end)` or open (R-PAY-3)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    reason = models.TextField("motif")
    start_date = models.DateField("du")
    end_date = models.DateField("au (exclu)", null=True, blank=True)
    decided_by = _staff_fk("décidée par")
    decided_at = models.DateTimeField("décidée le")

    class Meta:
        verbose_name = "pause des relances"
        verbose_name_plural = "pauses des relances"
        constraints = (
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="dunning_pause_ends_after_start",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="dunning_pause_has_reason"),
        )

    def __str__(self) -> str:
        return f"{self.customer} : {self.reason}"


class LateChargeKind(models.TextChoices):
    PENALTY = "penalty", "Pénalités de retard (L441-10)"
    INDEMNITY = "indemnity", "Indemnité forfaitaire de recouvrement (D441-5)"


class LateCharge(models.Model):
    """A late-payment penalty or the 40 € indemnity of a late invoice, to be invoiced."""

    invoice = models.ForeignKey(
        "billing.Invoice",
        on_delete=models.PROTECT,
        related_name="late_charges",
        verbose_name="facture",
    )
    kind = models.CharField("nature", max_length=16, choices=LateChargeKind.choices)
    amount = _money("montant (non soumis à TVA)")
    days_late = models.PositiveIntegerField("jours de retard", default=0)
    computed_on = models.DateField("calculé le")
    billed_number = models.CharField("facturé sur", max_length=40, blank=True)
    invoiced_at = models.DateTimeField("facturé le", null=True, blank=True)

    class Meta:
        verbose_name = "pénalité ou indemnité"
        verbose_name_plural = "pénalités et indemnités"
        constraints = (
            models.CheckConstraint(condition=Q(amount__gt=0), name="late_charge_amount_positive"),
            models.UniqueConstraint(
                fields=["invoice", "kind"], name="late_charge_once_per_invoice"
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.amount} €"


class ActionKind(models.TextChoices):
    SUSPEND = "suspend", "Suspendre"
    RESUME = "resume", "Rétablir"


class NetworkAction(models.Model):
    """A *suspend* / *resume* action for staff to carry out on the platforms (R-PAY-3, R-PAY-4).

    The suspension itself is recorded by the contracts app (`suspension_ids`); this is the
    to-do list of the network side, and which invoices a non-payment suspension was for."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    kind = models.CharField("action", max_length=8, choices=ActionKind.choices)
    reason = models.CharField(
        "motif",
        max_length=32,
        choices=[(reason.value, reason.label) for reason in SuspensionReason],
    )
    services = models.CharField("services", max_length=500)
    service_ids = models.JSONField("identifiants des services", default=list)
    suspension_ids = models.JSONField("suspensions (contrats)", default=list)
    invoice_numbers = models.JSONField("factures impayées", default=list, blank=True)
    on = models.DateField("à faire le")
    created_at = models.DateTimeField("créée le")
    done_at = models.DateTimeField("faite le", null=True, blank=True)
    done_by = _staff_fk("faite par", optional=True)
    lifted = models.BooleanField("suspension levée", default=False)

    class Meta:
        verbose_name = "action réseau"
        verbose_name_plural = "actions réseau"
        constraints = (
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False),
                name="network_action_done_by_someone",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.services}"
