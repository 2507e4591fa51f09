"""Invoices and credit notes, their lines and VAT, number counters, runs, e-mail outbox.

An `Invoice` row exists only once issued: it is created by the transaction that allocates its
number (R-INV-3). Its legal fields, its lines and its VAT rows are read-only at the database
level: triggers created by migration 0002 refuse any UPDATE of those fields and any DELETE, on
PostgreSQL and SQLite alike (SQLite drops a table's triggers when a migration rebuilds it: such a
migration ends with `recreate_triggers`, as 0003 does). Corrections are credit notes (R-INV-3),
kept like invoices for ten years (R-DATA-3): nothing here is ever purged.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

HALF_CENT = Decimal("0.005")


def _money(label: str, **options: object) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(label, max_digits=14, decimal_places=2, **options)  # type: ignore[arg-type]


class InvoiceKind(models.TextChoices):
    MONTHLY = "monthly", "Facture mensuelle"
    DEPOSIT = "deposit", "Facture d'acompte"
    BALANCE = "balance", "Facture de solde"
    INTERMEDIATE = "intermediate", "Facture intermédiaire"
    CREDIT_NOTE = "credit_note", "Avoir"


class Series(models.TextChoices):
    INVOICE = "invoice", "Factures"
    CREDIT_NOTE = "credit_note", "Avoirs"


class NumberCounter(models.Model):
    """The last number allocated in a series (R-INV-3). Locked (`select_for_update`) by the
    transaction that issues a document, so numbers are neither skipped nor duplicated."""

    series = models.CharField("série", max_length=16, choices=Series.choices, unique=True)
    last_sequence = models.PositiveIntegerField("dernier numéro attribué", default=0)
    last_issue_date = models.DateField("date du dernier document", null=True, blank=True)

    class Meta:
        verbose_name = "compteur de numéros"
        verbose_name_plural = "compteurs de numéros"

    def __str__(self) -> str:
        return f"{self.get_series_display()} : {self.last_sequence}"


class BillingRun(models.Model):
    """One monthly billing run per period (R-INV-6): started, resumed, finished."""

    period = models.CharField("mois facturé", max_length=7, unique=True)  # YYYY-MM
    issue_date = models.DateField("date des factures")
    started_at = models.DateTimeField("lancée le")
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    attempts = models.PositiveIntegerField("lancements", default=1)
    invoices_issued = models.PositiveIntegerField("factures émises", default=0)
    skipped = models.TextField("clients écartés et pourquoi", blank=True)

    class Meta:
        verbose_name = "campagne de facturation"
        verbose_name_plural = "campagnes de facturation"
        permissions = (("run_billing", "Peut lancer la facturation d'un mois"),)
        constraints = (
            models.CheckConstraint(
                condition=Q(period__regex=r"^\d{4}-(0[1-9]|1[0-2])$"),
                name="billing_run_period_is_a_month",
            ),
        )

    def __str__(self) -> str:
        return f"Facturation de {self.period}"


class Invoice(models.Model):
    """An issued invoice or credit note (R-INV-3, R-INV-4).

    `document` is the frozen snapshot of everything printed (seller, buyer as printed, lines,
    payment means, legal notes, call annex): the PDF and XML are derived from it alone.
    `source` keys what the document bills so that nothing is billed twice: `monthly` is unique
    per (customer, period) (R-INV-6), a deposit or balance per order, an intermediate invoice
    or credit note per staff request.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    kind = models.CharField("nature", max_length=16, choices=InvoiceKind.choices)
    series = models.CharField("série", max_length=16, choices=Series.choices)
    sequence = models.PositiveIntegerField("numéro d'ordre")
    number = models.CharField("numéro", max_length=35, unique=True)
    issue_date = models.DateField("date d'émission")
    due_date = models.DateField("date d'échéance", null=True, blank=True)
    period = models.CharField("mois facturé", max_length=7, blank=True)  # monthly invoices
    source = models.CharField("objet facturé", max_length=80)
    run = models.ForeignKey(
        BillingRun,
        on_delete=models.PROTECT,
        related_name="invoices",
        null=True,
        blank=True,
        verbose_name="campagne",
    )
    buyer_name = models.CharField("client facturé", max_length=200)
    total_excl_vat = _money("total HT")
    total_vat = _money("total TVA")
    total_incl_vat = _money("total TTC")
    prepaid_amount = _money("acompte déduit", default=Decimal("0"))
    amount_due = _money("net à payer")
    referenced_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="corrections",
        null=True,
        blank=True,
        verbose_name="facture référencée",
    )
    referenced_number = models.CharField("n° de la facture référencée", max_length=35, blank=True)
    referenced_issue_date = models.DateField("date de la facture référencée", null=True, blank=True)
    reason = models.TextField("motif", blank=True)
    document = models.JSONField("document émis")
    issued_at = models.DateTimeField("émise le")
    # Not legal fields: set once the PDF/XML files are written under the data directory.
    rendered_at = models.DateTimeField("PDF produit le", null=True, blank=True)

    class Meta:
        verbose_name = "facture"
        verbose_name_plural = "factures"
        permissions = (("issue_credit_note", "Peut émettre un avoir"),)
        constraints = (
            models.UniqueConstraint(fields=["series", "sequence"], name="billing_number_once"),
            models.UniqueConstraint(
                fields=["customer", "period", "kind"],
                condition=Q(kind="monthly"),
                name="billing_one_monthly_invoice_per_customer_and_period",
            ),
            models.UniqueConstraint(
                fields=["kind", "source"],
                condition=Q(kind__in=["deposit", "balance"]),
                name="billing_one_deposit_or_balance_per_order",
            ),
            # Within half a cent, not equal: SQLite compares decimals as floating point.
            models.CheckConstraint(
                condition=Q(total_incl_vat__gt=F("total_excl_vat") + F("total_vat") - HALF_CENT)
                & Q(total_incl_vat__lt=F("total_excl_vat") + F("total_vat") + HALF_CENT)
                & Q(amount_due__gt=F("total_incl_vat") - F("prepaid_amount") - HALF_CENT)
                & Q(amount_due__lt=F("total_incl_vat") - F("prepaid_amount") + HALF_CENT),
                name="billing_totals_add_up",
            ),
            models.CheckConstraint(
                condition=Q(total_excl_vat__gte=0) & Q(total_vat__gte=0) & Q(prepaid_amount__gte=0),
                name="billing_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="credit_note") | ~Q(referenced_number=""),
                name="billing_credit_note_references_its_invoice",
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_date__gte=F("issue_date")),
                name="billing_due_after_issue",
            ),
            models.CheckConstraint(
                condition=(Q(kind="credit_note") & Q(series="credit_note"))
                | (~Q(kind="credit_note") & Q(series="invoice")),
                name="billing_kind_matches_series",
            ),
        )
        indexes = (
            models.Index(fields=["customer", "issue_date"], name="billing_customer_date"),
            models.Index(fields=["due_date"], name="billing_due_date"),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class InvoiceLine(models.Model):
    """One line as printed: `amount` = quantity × unit price / base quantity, rounded once."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="lines", verbose_name="facture"
    )
    position = models.PositiveIntegerField("n°")
    label = models.CharField("libellé", max_length=400)
    category = models.CharField("catégorie", max_length=24)
    quantity = models.DecimalField("quantité", max_digits=18, decimal_places=6)
    unit_code = models.CharField("unité", max_length=3)
    unit_price = models.DecimalField("prix unitaire HT", max_digits=18, decimal_places=6)
    base_quantity = models.DecimalField("quantité de base", max_digits=18, decimal_places=6)
    vat_rate = models.DecimalField("taux de TVA", max_digits=5, decimal_places=4)
    amount = _money("montant HT")
    period_start = models.DateField("du", null=True, blank=True)
    period_end = models.DateField("au (exclu)", null=True, blank=True)
    service_ref = models.CharField("service", max_length=60, blank=True)

    class Meta:
        verbose_name = "ligne de facture"
        verbose_name_plural = "lignes de facture"
        constraints = (
            models.UniqueConstraint(fields=["invoice", "position"], name="billing_line_position"),
        )

    def __str__(self) -> str:
        return self.label


class InvoiceVat(models.Model):
    """The VAT of one rate: base and tax, rounded once (R-INV-2)."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="vat_rates", verbose_name="facture"
    )
    rate = models.DecimalField("taux", max_digits=5, decimal_places=4)
    base = _money("base HT")
    tax = _money("TVA")

    class Meta:
        verbose_name = "TVA par taux"
        verbose_name_plural = "TVA par taux"
        constraints = (
            models.UniqueConstraint(fields=["invoice", "rate"], name="billing_vat_rate_once"),
        )

    def __str__(self) -> str:
        return f"{self.rate} : {self.tax}"


class OutboxState(models.TextChoices):
    PENDING = "pending", "À envoyer"
    SENT = "sent", "Envoyé"
    FAILED = "failed", "Échec"


class MailOutbox(models.Model):
    """The e-mail of one invoice: created with it, sent after commit, never twice."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="mail", verbose_name="facture"
    )
    recipient = models.EmailField("destinataire")
    state = models.CharField(
        "état", max_length=8, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    message_id = models.CharField("Message-ID", max_length=200, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    # Claimed by a sender before it talks to the server: two senders never send the same mail.
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)

    class Meta:
        verbose_name = "envoi de facture"
        verbose_name_plural = "envois de factures"
        constraints = (
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="billing_outbox_sent_has_date",
            ),
        )

    def __str__(self) -> str:
        return f"{self.invoice} → {self.recipient}"


class OveragePolicy(models.TextChoices):
    """R-SIP-6: what a breached trunk's month is billed."""

    BEYOND = "beyond", "Au-delà des limites seulement"
    RETROACTIVE = "retroactive", "Rétroactivement, tout le mois"


class OverageChoice(models.Model):
    """A staff decision on how a customer's breached trunks are billed (R-SIP-6), dated and
    attributed; the latest one in force on a day applies, none means beyond the limit only.
    Decisions are never edited: a new one replaces the previous."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    policy = models.CharField(
        "facturation des dépassements", max_length=16, choices=OveragePolicy.choices
    )
    decided_at = models.DateTimeField("décidé le")
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name="décidé par"
    )
    reason = models.TextField("motif", blank=True)

    class Meta:
        verbose_name = "choix de facturation des dépassements"
        verbose_name_plural = "choix de facturation des dépassements"
        indexes = (models.Index(fields=["customer", "decided_at"], name="billing_overage_latest"),)

    def __str__(self) -> str:
        return f"{self.customer} : {self.get_policy_display()}"


class UnusualConsumption(models.Model):
    """A customer's month found unusual (R-INV-5) and the intermediate invoice that billed its
    usage so far. One per customer and period; `billed` keeps what each usage line billed
    ({service_ref: {kind: {"amount": "…", "units": n}}}) so the monthly run deducts it."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name="client"
    )
    period = models.CharField("mois", max_length=7)
    detected_on = models.DateField("détecté le")
    month_amount = _money("consommation du mois HT")
    average = _money("moyenne des mois précédents HT")  # 0 with no history (months = 0)
    months = models.PositiveIntegerField("mois de référence")
    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="+", verbose_name="facture intermédiaire"
    )
    billed = models.JSONField("consommation facturée")

    class Meta:
        verbose_name = "consommation inhabituelle"
        verbose_name_plural = "consommations inhabituelles"
        constraints = (
            models.UniqueConstraint(
                fields=["customer", "period"], name="billing_one_unusual_invoice_per_month"
            ),
            models.CheckConstraint(
                condition=Q(period__regex=r"^\d{4}-(0[1-9]|1[0-2])$"),
                name="billing_unusual_period_is_a_month",
            ),
        )

    def __str__(self) -> str:
        return f"{self.customer} {self.period}"
