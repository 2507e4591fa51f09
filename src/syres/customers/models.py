"""Customers, their sites and contacts, the subscription file, changes and data transmissions.

Thin models protected by database constraints; every write goes through
`syres.customers.services`, every read through `syres.customers.selectors`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class CustomerKind(models.TextChoices):
    COMPANY = "company", "Entreprise"
    PUBLIC_ADMINISTRATION = "public_administration", "Administration publique"
    PERSON = "person", "Personne physique"


class PaymentMethod(models.TextChoices):
    SEPA_DEBIT = "sepa_debit", "Prélèvement SEPA"
    TRANSFER = "transfer", "Virement"
    CHEQUE = "cheque", "Chèque"
    ADMINISTRATIVE_MANDATE = "administrative_mandate", "Mandat administratif"


class Customer(models.Model):
    """A customer: a legal entity or a natural person (R-CUST-1, CGV art. 2).

    The fields hold the current state; `ChangeRecord` keeps every earlier value (R-CUST-4)."""

    kind = models.CharField("type de client", max_length=32, choices=CustomerKind.choices)
    legal_name = models.CharField("raison sociale", max_length=200, blank=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    vat_number = models.CharField("numéro de TVA intracommunautaire", max_length=13, blank=True)
    address_line = models.CharField("adresse", max_length=250)
    postcode = models.CharField("code postal", max_length=10)
    city = models.CharField("ville", max_length=120)
    country = models.CharField("pays", max_length=2, default="FR")
    phone = models.CharField("téléphone de l'entreprise", max_length=20, blank=True)
    billing_email = models.EmailField("adresse e-mail de facturation")
    payment_method = models.CharField(
        "mode de paiement",
        max_length=32,
        choices=PaymentMethod.choices,
        default=PaymentMethod.SEPA_DEBIT,
    )
    iban = models.CharField("IBAN", max_length=34, blank=True)
    bic = models.CharField("BIC", max_length=11, blank=True)
    bank_account_holder = models.CharField("titulaire du compte", max_length=200, blank=True)
    # R-CUST-5: public administrations are invoiced through Chorus Pro.
    chorus_siret = models.CharField("SIRET Chorus Pro", max_length=14, blank=True)
    chorus_service_code = models.CharField("code service Chorus Pro", max_length=100, blank=True)
    ceased_on = models.DateField("cessation d'activité le", null=True, blank=True)
    created_at = models.DateTimeField("créé le")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="créé par",
    )

    class Meta:
        verbose_name = "client"
        verbose_name_plural = "clients"
        permissions = (
            ("export_personal_data", "Peut exporter les données personnelles d'un client"),
            ("record_change", "Peut enregistrer une modification (adresse, banque, cessation)"),
        )
        constraints = (
            models.CheckConstraint(
                condition=~Q(kind=CustomerKind.PERSON) | ~Q(last_name=""),
                name="customer_person_has_a_name",
            ),
            models.CheckConstraint(
                condition=Q(kind=CustomerKind.PERSON) | (~Q(legal_name="") & ~Q(siren="")),
                name="customer_entity_has_name_and_siren",
            ),
            models.CheckConstraint(
                condition=~Q(kind=CustomerKind.PUBLIC_ADMINISTRATION)
                | (~Q(chorus_siret="") & ~Q(chorus_service_code="")),
                name="customer_administration_has_chorus_data",
            ),
            models.CheckConstraint(
                condition=~Q(payment_method=PaymentMethod.SEPA_DEBIT) | (~Q(iban="") & ~Q(bic="")),
                name="customer_sepa_debit_has_bank_identity",
            ),
        )

    def __str__(self) -> str:
        if self.kind == CustomerKind.PERSON:
            return f"{self.first_name} {self.last_name}".strip()
        return self.legal_name


class Site(models.Model):
    """A place where services are delivered (R-CUST-1: one SIRET per site of a company)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="sites", verbose_name="client"
    )
    name = models.CharField("nom du site", max_length=150)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    address_line = models.CharField("adresse", max_length=250)
    postcode = models.CharField("code postal", max_length=10)
    city = models.CharField("ville", max_length=120)
    country = models.CharField("pays", max_length=2, default="FR")
    phone = models.CharField("téléphone du site", max_length=20, blank=True)
    closed_on = models.DateField("fermé le", null=True, blank=True)
    created_at = models.DateTimeField("créé le")

    class Meta:
        verbose_name = "site"
        verbose_name_plural = "sites"
        constraints = (
            models.UniqueConstraint(
                fields=["customer", "name"], name="site_name_unique_per_customer"
            ),
        )

    def __str__(self) -> str:
        return f"{self.name} — {self.address_line}, {self.postcode} {self.city}"


class Contact(models.Model):
    """A person to reach at the customer."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contacts", verbose_name="client"
    )
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150)
    role = models.CharField("fonction", max_length=150, blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)

    class Meta:
        verbose_name = "contact"
        verbose_name_plural = "contacts"

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class SepaMandate(models.Model):
    """A SEPA direct-debit mandate (R-PAY-1): unique reference and signature date."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="sepa_mandates", verbose_name="client"
    )
    reference = models.CharField("référence unique de mandat", max_length=35, unique=True)
    signature_date = models.DateField("date de signature")
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    revoked_on = models.DateField("révoqué le", null=True, blank=True)
    created_at = models.DateTimeField("enregistré le")

    class Meta:
        verbose_name = "mandat SEPA"
        verbose_name_plural = "mandats SEPA"
        constraints = (
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(revoked_on__isnull=True),
                name="one_active_sepa_mandate_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True)
                | Q(revoked_on__gte=models.F("signature_date")),
                name="sepa_mandate_revoked_after_signature",
            ),
        )

    def __str__(self) -> str:
        return self.reference


class FileStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Soumis"
    ACCEPTED = "accepted", "Accepté"
    REJECTED = "rejected", "Refusé"


class SubscriptionFile(models.Model):
    """The subscription file (R-CUST-2, R-CUST-3): draft → submitted → accepted | rejected,
    each step by a named staff user, timestamped."""

    customer = models.OneToOneField(
        Customer,
        on_delete=models.PROTECT,
        related_name="subscription_file",
        verbose_name="client",
    )
    status = models.CharField(
        "état", max_length=16, choices=FileStatus.choices, default=FileStatus.DRAFT
    )
    created_at = models.DateTimeField("ouvert le")
    submitted_at = models.DateTimeField("soumis le", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="soumis par",
    )
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidé par",
    )
    rejection_reason = models.TextField("motif du refus", blank=True)

    class Meta:
        verbose_name = "dossier de souscription"
        verbose_name_plural = "dossiers de souscription"
        permissions = (
            ("decide_subscriptionfile", "Peut accepter ou refuser un dossier de souscription"),
        )
        constraints = (
            models.CheckConstraint(
                condition=Q(status=FileStatus.DRAFT)
                | (Q(submitted_at__isnull=False) & Q(submitted_by__isnull=False)),
                name="file_submitted_has_when_and_who",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[FileStatus.DRAFT, FileStatus.SUBMITTED])
                | (Q(decided_at__isnull=False) & Q(decided_by__isnull=False)),
                name="file_decided_has_when_and_who",
            ),
            models.CheckConstraint(
                condition=~Q(status=FileStatus.REJECTED) | ~Q(rejection_reason=""),
                name="file_rejected_has_a_reason",
            ),
        )

    def __str__(self) -> str:
        return f"Dossier de {self.customer} ({self.get_status_display()})"


class FileEvent(models.Model):
    """One step of a subscription file: who did what, when (R-CUST-3)."""

    file = models.ForeignKey(
        SubscriptionFile, on_delete=models.PROTECT, related_name="events", verbose_name="dossier"
    )
    status = models.CharField("nouvel état", max_length=16, choices=FileStatus.choices)
    at = models.DateTimeField("le")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="par"
    )
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "étape du dossier"
        verbose_name_plural = "étapes du dossier"

    def __str__(self) -> str:
        return f"{self.get_status_display()} le {self.at:%d/%m/%Y %H:%M}"


class DocumentKind(models.TextChoices):
    ACCOUNT_OPENING_FORM = "account_opening_form", "Fiche d'ouverture de compte signée"
    BANK_IDENTITY = "bank_identity", "Relevé d'identité bancaire"
    KBIS = "kbis", "Extrait Kbis"


def _document_path(instance: FileDocument, filename: str) -> str:
    return f"customers/{instance.file.customer_id}/{instance.kind}/{filename}"


class FileDocument(models.Model):
    """An uploaded piece of the subscription file (R-CUST-2); a replaced piece is kept."""

    file = models.ForeignKey(
        SubscriptionFile,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name="dossier",
    )
    kind = models.CharField("pièce", max_length=32, choices=DocumentKind.choices)
    upload = models.FileField("fichier", upload_to=_document_path, max_length=255)
    original_name = models.CharField("nom d'origine", max_length=255)
    content_type = models.CharField("type", max_length=100)
    size = models.PositiveIntegerField("taille (octets)")
    document_date = models.DateField("date de la pièce", null=True, blank=True)
    uploaded_at = models.DateTimeField("déposé le")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="par"
    )
    replaced_at = models.DateTimeField("remplacé le", null=True, blank=True)

    class Meta:
        verbose_name = "pièce du dossier"
        verbose_name_plural = "pièces du dossier"
        constraints = (
            models.UniqueConstraint(
                fields=["file", "kind"],
                condition=Q(replaced_at__isnull=True),
                name="one_current_document_per_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind=DocumentKind.KBIS) | Q(document_date__isnull=False),
                name="kbis_has_its_date",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.original_name})"


class ChangeKind(models.TextChoices):
    ADDRESS = "address", "Changement d'adresse"
    BANK_DETAILS = "bank_details", "Changement de coordonnées bancaires"
    CESSATION = "cessation", "Cessation d'activité"
    RECTIFICATION = "rectification", "Rectification de données"


class ChangeRecord(models.Model):
    """A dated, attributed change of a customer's data (R-CUST-4, R-DATA-1): the values
    before and after, so that nothing is overwritten without trace."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="changes", verbose_name="client"
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name="site",
    )
    kind = models.CharField("nature", max_length=32, choices=ChangeKind.choices)
    effective_date = models.DateField("date d'effet")
    before = models.JSONField("avant", default=dict)
    after = models.JSONField("après", default=dict)
    note = models.TextField("commentaire", blank=True)
    recorded_at = models.DateTimeField("enregistré le")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="par"
    )

    class Meta:
        verbose_name = "modification"
        verbose_name_plural = "modifications"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} au {self.effective_date:%d/%m/%Y}"


class RecipientKind(models.TextChoices):
    WHOLESALE_PLATFORM = "wholesale_platform", "Plateforme de gros"
    SUBCONTRACTOR = "subcontractor", "Sous-traitant"
    OTHER_OPERATOR = "other_operator", "Autre opérateur"
    AUTHORITY = "authority", "Autorité"


class DataTransmission(models.Model):
    """A transmission of customer data to a third party (R-DATA-2, CGV art. 11 and 14):
    when, to whom, what, why."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="transmissions", verbose_name="client"
    )
    transmitted_at = models.DateTimeField("transmis le")
    recipient_kind = models.CharField(
        "type de destinataire", max_length=32, choices=RecipientKind.choices
    )
    recipient = models.CharField("destinataire", max_length=200)
    data_sent = models.TextField("données transmises")
    purpose = models.TextField("finalité")
    recorded_at = models.DateTimeField("enregistré le")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="par"
    )

    class Meta:
        verbose_name = "transmission de données à un tiers"
        verbose_name_plural = "transmissions de données à des tiers"
        constraints = (
            models.CheckConstraint(
                condition=~Q(recipient="") & ~Q(data_sent="") & ~Q(purpose=""),
                name="transmission_says_to_whom_what_why",
            ),
        )

    def __str__(self) -> str:
        return f"{self.recipient} le {self.transmitted_at:%d/%m/%Y}"
