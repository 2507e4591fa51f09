"""Forms of the staff screens; each one hands its data to one service."""

from __future__ import annotations

from typing import Any

from django import forms

from syres.customers.models import CustomerKind, DocumentKind, PaymentMethod, RecipientKind
from syres.domain import customers as rules
from syres.terms import load_terms


def _identifier(check: Any, **kwargs: Any) -> str:
    try:
        return str(check(**kwargs))
    except rules.UnableToAcceptIdentifier as error:
        raise forms.ValidationError(error.reason) from error


class AddressForm(forms.Form):
    address_line = forms.CharField(label="Adresse", max_length=250)
    postcode = forms.CharField(label="Code postal", max_length=10)
    city = forms.CharField(label="Ville", max_length=120)
    country = forms.CharField(label="Pays (ISO)", max_length=2, initial="FR")


class CustomerCreationForm(AddressForm):
    kind = forms.ChoiceField(label="Type de client", choices=CustomerKind.choices)
    legal_name = forms.CharField(label="Raison sociale", required=False)
    first_name = forms.CharField(label="Prénom", required=False)
    last_name = forms.CharField(label="Nom (personne physique)", required=False)
    siren = forms.CharField(label="SIREN", required=False)
    vat_number = forms.CharField(
        label="Numéro de TVA", required=False, help_text="Déduit du SIREN s'il est laissé vide."
    )
    phone = forms.CharField(label="Téléphone de l'entreprise", required=False)
    billing_email = forms.EmailField(label="E-mail de facturation")
    payment_method = forms.ChoiceField(label="Mode de paiement", choices=PaymentMethod.choices)
    iban = forms.CharField(label="IBAN", required=False)
    bic = forms.CharField(label="BIC", required=False)
    bank_account_holder = forms.CharField(label="Titulaire du compte", required=False)
    chorus_siret = forms.CharField(label="SIRET Chorus Pro (administration)", required=False)
    chorus_service_code = forms.CharField(label="Code service Chorus Pro", required=False)

    def clean_siren(self) -> str:
        siren = self.cleaned_data["siren"]
        return _identifier(rules.valid_siren, siren=siren) if siren else ""

    def clean_iban(self) -> str:
        iban = self.cleaned_data["iban"]
        return _identifier(rules.valid_iban, iban=iban) if iban else ""

    def clean_bic(self) -> str:
        bic = self.cleaned_data["bic"]
        return _identifier(rules.valid_bic, bic=bic) if bic else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        siren, vat = data.get("siren"), data.get("vat_number")
        if siren and vat:
            try:
                rules.valid_vat_number(vat_number=vat, siren=siren)
            except rules.UnableToAcceptIdentifier as error:
                self.add_error("vat_number", error.reason)
        if siren and data.get("chorus_siret"):
            try:
                rules.valid_siret(siret=data["chorus_siret"], siren=siren)
            except rules.UnableToAcceptIdentifier as error:
                self.add_error("chorus_siret", error.reason)
        return data


class ConfirmForm(forms.Form):
    pass


class RejectForm(forms.Form):
    reason = forms.CharField(label="Motif du refus", widget=forms.Textarea)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="Pièce", choices=DocumentKind.choices)
    upload = forms.FileField(label="Fichier (PDF, JPEG ou PNG)")
    document_date = forms.DateField(
        label="Date de la pièce", required=False, help_text="Obligatoire pour l'extrait Kbis."
    )

    def clean_upload(self) -> Any:
        # Refused before it is read into memory; the service checks it again with its bytes.
        upload = self.cleaned_data["upload"]
        limit = load_terms().subscription.upload_max_bytes
        if upload.size > limit:
            raise forms.ValidationError(
                f"Le fichier fait {upload.size} octets ; la taille maximale est {limit} octets."
            )
        return upload


class SiteForm(AddressForm):
    name = forms.CharField(label="Nom du site", max_length=150)
    siret = forms.CharField(label="SIRET", required=False)
    phone = forms.CharField(label="Téléphone du site", required=False)


class ContactForm(forms.Form):
    first_name = forms.CharField(label="Prénom", required=False)
    last_name = forms.CharField(label="Nom")
    role = forms.CharField(label="Fonction", required=False)
    email = forms.EmailField(label="E-mail", required=False)
    phone = forms.CharField(label="Téléphone", required=False)


class AddressChangeForm(AddressForm):
    site: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Site concerné",
        queryset=None,
        required=False,
        help_text="Laisser vide pour l'adresse du client.",
    )
    effective_date = forms.DateField(label="Date d'effet")
    note = forms.CharField(label="Commentaire", widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]


class BankChangeForm(forms.Form):
    iban = forms.CharField(label="Nouvel IBAN")
    bic = forms.CharField(label="Nouveau BIC")
    account_holder = forms.CharField(label="Titulaire du compte", required=False)
    effective_date = forms.DateField(label="Date d'effet")
    mandate_reference = forms.CharField(
        label="Référence du nouveau mandat SEPA", required=False, max_length=35
    )
    mandate_signature_date = forms.DateField(label="Date de signature du mandat", required=False)
    note = forms.CharField(label="Commentaire", widget=forms.Textarea, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("iban") and data.get("bic"):
            try:
                rules.valid_bank_identity(iban=data["iban"], bic=data["bic"])
            except rules.UnableToAcceptIdentifier as error:
                raise forms.ValidationError(error.reason) from error
        return data


class CessationForm(forms.Form):
    effective_date = forms.DateField(label="Date de cessation")
    note = forms.CharField(label="Commentaire", widget=forms.Textarea, required=False)


class MandateForm(forms.Form):
    reference = forms.CharField(label="Référence unique de mandat", max_length=35)
    signature_date = forms.DateField(label="Date de signature")


class TransmissionForm(forms.Form):
    transmitted_at = forms.DateTimeField(label="Transmis le")
    recipient_kind = forms.ChoiceField(label="Type de destinataire", choices=RecipientKind.choices)
    recipient = forms.CharField(label="Destinataire")
    data_sent = forms.CharField(label="Données transmises", widget=forms.Textarea)
    purpose = forms.CharField(label="Finalité", widget=forms.Textarea)
