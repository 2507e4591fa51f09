"""Forms of the customer portal (labels in French; every field has one)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from syres.customers.services import RECTIFIABLE_FIELDS

RECTIFIABLE_LABELS = {
    "legal_name": "Raison sociale",
    "first_name": "Prénom",
    "last_name": "Nom",
    "vat_number": "Numéro de TVA intracommunautaire",
    "phone": "Téléphone",
    "billing_email": "Adresse e-mail de facturation",
    "bank_account_holder": "Titulaire du compte bancaire",
    "chorus_service_code": "Code service Chorus Pro",
}


class TerminationPreviewForm(forms.Form):
    letter_date = forms.DateField(
        label="Date de réception de votre lettre recommandée",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class RectificationForm(forms.Form):
    note = forms.CharField(label="Commentaire (facultatif)", required=False, max_length=500)

    def __init__(self, *args: Any, customer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = {}
        for name in RECTIFIABLE_FIELDS:
            fields[name] = forms.CharField(
                label=RECTIFIABLE_LABELS[name],
                required=False,
                max_length=200,
                initial=getattr(customer, name),
            )
        fields["note"] = self.fields["note"]
        self.fields = fields
        self._customer = customer

    def changes(self) -> dict[str, str]:
        """The fields sent whose value differs from the current one (a field not sent is not
        a request to empty it)."""
        return {
            name: self.cleaned_data[name]
            for name in RECTIFIABLE_FIELDS
            if name in self.data and self.cleaned_data[name] != getattr(self._customer, name)
        }


class AddressForm(forms.Form):
    address_line = forms.CharField(label="Adresse (numéro et voie)", max_length=250)
    postcode = forms.CharField(label="Code postal", max_length=10)
    city = forms.CharField(label="Ville", max_length=120)
    country = forms.CharField(label="Pays (code ISO, ex. FR)", max_length=2, initial="FR")
    effective_date = forms.DateField(
        label="Date du changement", widget=forms.DateInput(attrs={"type": "date"})
    )


class BankDetailsForm(forms.Form):
    iban = forms.CharField(label="IBAN", max_length=42)
    bic = forms.CharField(label="BIC", max_length=11)
    account_holder = forms.CharField(label="Titulaire du compte", max_length=200)

    def __init__(self, *args: Any, sepa: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sepa:
            self.fields["mandate_accepted"] = forms.BooleanField(
                label=(
                    "J'autorise SYRES Télécom à prélever ce compte et je signe le nouveau mandat "
                    "de prélèvement SEPA, qui remplace le précédent."
                ),
                required=True,
            )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(each, initial) for each in data]
        return [single(data, initial)]


class DisputeForm(forms.Form):
    contested_amount = forms.DecimalField(
        label="Montant contesté TTC (€)", min_value=Decimal("0.01"), decimal_places=2
    )
    grounds = forms.CharField(
        label="Motif de la contestation", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    supporting_files = MultipleFileField(
        label="Justificatifs (PDF, JPEG ou PNG ; plusieurs fichiers possibles)"
    )
