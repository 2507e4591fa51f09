"""Staff screens (French): search customers, see the file, accept or reject it, record changes.

Every write goes through `syres.customers.services`: the admin's own forms only rectify the
fields a change record can trace (R-CUST-4, R-DATA-1); the other steps are actions of the
customer page, each with its own form and permission.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from syres.customers import forms as customer_forms
from syres.customers import selectors, services
from syres.customers.models import (
    ChangeRecord,
    Contact,
    Customer,
    DataTransmission,
    FileDocument,
    FileEvent,
    SepaMandate,
    Site,
    SubscriptionFile,
)
from syres.domain import customers as rules

_ERRORS = (services.UnableToRecordCustomer, services.UnableToChangeSubscriptionFile)


class _ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SiteInline(_ReadOnlyInline):
    model = Site
    fields = ("name", "siret", "address_line", "postcode", "city", "phone", "closed_on")
    readonly_fields = fields


class ContactInline(_ReadOnlyInline):
    model = Contact
    fields = ("first_name", "last_name", "role", "email", "phone")
    readonly_fields = fields


class MandateInline(_ReadOnlyInline):
    model = SepaMandate
    fields = ("reference", "signature_date", "iban", "bic", "revoked_on")
    readonly_fields = fields


class ChangeInline(_ReadOnlyInline):
    model = ChangeRecord
    fields = ("kind", "effective_date", "before", "after", "note", "recorded_at", "recorded_by")
    readonly_fields = fields
    verbose_name_plural = "historique des modifications"


class TransmissionInline(_ReadOnlyInline):
    model = DataTransmission
    fields = ("transmitted_at", "recipient_kind", "recipient", "data_sent", "purpose")
    readonly_fields = fields


@dataclass(frozen=True)
class _Action:
    slug: str
    label: str
    permission: str
    form: Callable[..., forms.Form]
    run: Callable[[Customer, dict[str, Any], Any], str]
    multipart: bool = False
    when: tuple[str, ...] = ()  # the file states in which the screen offers it (all if empty)


def _address(data: dict[str, Any]) -> services.Address:
    return services.Address(data["address_line"], data["postcode"], data["city"], data["country"])


def _upload(customer: Customer, data: dict[str, Any], user: Any) -> str:
    upload = data["upload"]
    services.upload_document(
        customer=customer,
        kind=data["kind"],
        content=upload.read(),
        filename=upload.name,
        document_date=data.get("document_date"),
        by=user,
    )
    return "Pièce déposée."


def _submit(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.submit_file(customer=customer, by=user)
    return "Dossier soumis."


def _accept(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.accept_file(customer=customer, by=user)
    return "Dossier accepté : la souscription prend effet."


def _reject(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.reject_file(customer=customer, reason=data["reason"], by=user)
    return "Dossier refusé."


def _reopen(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.reopen_file(customer=customer, by=user)
    return "Dossier rouvert en brouillon."


def _site(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.add_site(
        customer=customer,
        name=data["name"],
        siret=data["siret"],
        phone=data["phone"],
        address=_address(data),
        by=user,
    )
    return "Site ajouté."


def _contact(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.add_contact(customer=customer, by=user, **data)
    return "Contact ajouté."


def _address_change(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.record_address_change(
        customer=customer,
        site=data["site"],
        address=_address(data),
        effective_date=data["effective_date"],
        note=data["note"],
        by=user,
    )
    return "Changement d'adresse enregistré."


def _bank_change(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.record_bank_details_change(customer=customer, by=user, **data)
    return "Changement de coordonnées bancaires enregistré."


def _cessation(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.record_cessation(customer=customer, by=user, **data)
    return "Cessation d'activité enregistrée."


def _mandate(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.record_sepa_mandate(customer=customer, by=user, **data)
    return "Mandat SEPA enregistré."


def _transmission(customer: Customer, data: dict[str, Any], user: Any) -> str:
    services.record_transmission(customer=customer, by=user, **data)
    return "Transmission enregistrée."


ACTIONS = (
    _Action(
        "piece",
        "Déposer une pièce",
        "customers.add_filedocument",
        customer_forms.DocumentForm,
        _upload,
        multipart=True,
        when=("draft",),
    ),
    _Action(
        "soumettre",
        "Soumettre le dossier",
        "customers.change_customer",
        customer_forms.ConfirmForm,
        _submit,
        when=("draft",),
    ),
    _Action(
        "accepter",
        "Accepter le dossier",
        "customers.decide_subscriptionfile",
        customer_forms.ConfirmForm,
        _accept,
        when=("submitted",),
    ),
    _Action(
        "refuser",
        "Refuser le dossier",
        "customers.decide_subscriptionfile",
        customer_forms.RejectForm,
        _reject,
        when=("submitted",),
    ),
    _Action(
        "rouvrir",
        "Rouvrir le dossier",
        "customers.change_customer",
        customer_forms.ConfirmForm,
        _reopen,
        when=("rejected",),
    ),
    _Action("site", "Ajouter un site", "customers.add_site", customer_forms.SiteForm, _site),
    _Action(
        "contact",
        "Ajouter un contact",
        "customers.add_contact",
        customer_forms.ContactForm,
        _contact,
    ),
    _Action(
        "adresse",
        "Changement d'adresse",
        "customers.record_change",
        customer_forms.AddressChangeForm,
        _address_change,
    ),
    _Action(
        "banque",
        "Changement de banque",
        "customers.record_change",
        customer_forms.BankChangeForm,
        _bank_change,
    ),
    _Action(
        "cessation",
        "Cessation d'activité",
        "customers.record_change",
        customer_forms.CessationForm,
        _cessation,
    ),
    _Action(
        "mandat", "Mandat SEPA", "customers.add_sepamandate", customer_forms.MandateForm, _mandate
    ),
    _Action(
        "transmission",
        "Transmission à un tiers",
        "customers.add_datatransmission",
        customer_forms.TransmissionForm,
        _transmission,
    ),
)


class CustomerRectificationForm(forms.ModelForm):  # type: ignore[type-arg]
    """The admin's own form rectifies; the VAT number is checked against the SIREN first."""

    def clean_vat_number(self) -> str:
        vat_number = str(self.cleaned_data.get("vat_number") or "")
        if vat_number and self.instance.siren:
            try:
                return rules.valid_vat_number(vat_number=vat_number, siren=self.instance.siren)
            except rules.UnableToAcceptIdentifier as error:
                raise forms.ValidationError(error.reason) from error
        return vat_number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.kind == "person":
            if "last_name" in data and not data["last_name"]:
                self.add_error("last_name", "Le nom de la personne est obligatoire.")
        elif "legal_name" in data and not data["legal_name"]:
            self.add_error("legal_name", "La raison sociale est obligatoire.")
        return data


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CustomerRectificationForm
    list_display = ("__str__", "kind", "siren", "city", "file_status", "ceased_on")
    list_filter = ("kind", "subscription_file__status", "payment_method")
    search_fields = (
        "legal_name",
        "last_name",
        "first_name",
        "siren",
        "vat_number",
        "sites__siret",
        "billing_email",
        "city",
    )
    inlines = (SiteInline, ContactInline, MandateInline, ChangeInline, TransmissionInline)
    change_form_template = "admin/customers/customer/change_form.html"
    # Only the fields a rectification record traces are edited here (R-DATA-1).
    fields = (
        "kind",
        "legal_name",
        "first_name",
        "last_name",
        "siren",
        "vat_number",
        "phone",
        "billing_email",
        "bank_account_holder",
        "chorus_service_code",
        "address_line",
        "postcode",
        "city",
        "country",
        "payment_method",
        "iban",
        "bic",
        "chorus_siret",
        "ceased_on",
        "created_at",
        "created_by",
    )
    readonly_fields = tuple(field for field in fields if field not in services.RECTIFIABLE_FIELDS)

    @admin.display(description="dossier", ordering="subscription_file__status")
    def file_status(self, customer: Customer) -> str:
        subscription_file = getattr(customer, "subscription_file", None)
        return subscription_file.get_status_display() if subscription_file else "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return super().get_queryset(request).select_related("subscription_file")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing is erased without trace (R-CUST-4)

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        # The form already wrote the new values on `obj`: rectify the stored customer, so that
        # the record holds the values before.
        stored = selectors.get_customer(obj.pk)
        try:
            services.rectify_customer(customer=stored, changes=changes, by=request.user)
        except _ERRORS as error:
            messages.error(request, str(error))

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "ajouter/",
                self.admin_site.admin_view(self.create_view),
                name="customers_customer_add",
            ),
            path(
                "<int:customer_id>/pieces/<int:document_id>/",
                self.admin_site.admin_view(self.document_view),
                name="customers_customer_document",
            ),
            path(
                "<int:customer_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="customers_customer_export",
            ),
        ]
        # One path per action, so that Django's own `<id>/change/` and the others stay reachable.
        own += [
            path(
                f"<int:customer_id>/{action.slug}/",
                self.admin_site.admin_view(self.action_view),
                {"action": action.slug},
                name=f"customers_customer_{action.slug}",
            )
            for action in ACTIONS
        ]
        return own + super().get_urls()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        customer = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if customer is not None:
            subscription_file = selectors.file_of(customer)
            context["customer_actions"] = [
                (
                    action.label,
                    reverse(f"admin:customers_customer_{action.slug}", args=[customer.pk]),
                )
                for action in ACTIONS
                if request.user.has_perm(action.permission)
                and (not action.when or subscription_file.status in action.when)
            ]
            if request.user.has_perm("customers.export_personal_data"):
                context["export_url"] = reverse(
                    "admin:customers_customer_export", args=[customer.pk]
                )
            context["subscription_file"] = subscription_file
            context["documents"] = selectors.active_documents_of(customer)
            context["file_events"] = selectors.file_events_of(customer).select_related("by")
            context["order_refusal_reasons"] = selectors.order_refusal_reasons(customer)
        return super().change_view(request, object_id, form_url, context)

    def _render_form(
        self,
        request: HttpRequest,
        *,
        title: str,
        form: forms.Form,
        multipart: bool,
        customer: Customer | None,
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "multipart": multipart,
            "customer": customer,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/customers/customer/action_form.html", context)

    def create_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = customer_forms.CustomerCreationForm(
            request.POST if request.method == "POST" else None
        )
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            address = _address(data)
            for key in ("address_line", "postcode", "city", "country"):
                data.pop(key)
            try:
                customer = services.create_customer(address=address, by=request.user, **data)
            except _ERRORS as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Client « {customer} » créé, dossier en brouillon.")
                return HttpResponseRedirect(
                    reverse("admin:customers_customer_change", args=[customer.pk])
                )
        return self._render_form(
            request, title="Nouveau client", form=form, multipart=False, customer=None
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        return self.create_view(request)

    def action_view(self, request: HttpRequest, customer_id: int, action: str) -> HttpResponse:
        chosen = next((each for each in ACTIONS if each.slug == action), None)
        if chosen is None:
            raise PermissionDenied
        if not request.user.has_perm(chosen.permission):
            raise PermissionDenied
        customer = selectors.get_customer(customer_id)
        extra = (
            {"sites": selectors.sites_of(customer)}
            if chosen.form is customer_forms.AddressChangeForm
            else {}
        )
        posted = request.method == "POST"
        form = chosen.form(
            request.POST if posted else None, request.FILES if posted else None, **extra
        )
        if request.method == "POST" and form.is_valid():
            try:
                message = chosen.run(customer, dict(form.cleaned_data), request.user)
            except _ERRORS as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, message)
                return HttpResponseRedirect(
                    reverse("admin:customers_customer_change", args=[customer.pk])
                )
        return self._render_form(
            request,
            title=f"{chosen.label} — {customer}",
            form=form,
            multipart=chosen.multipart,
            customer=customer,
        )

    def document_view(
        self, request: HttpRequest, customer_id: int, document_id: int
    ) -> FileResponse:
        """A piece of the file, to staff who may see the customer (never a public URL)."""
        if not request.user.has_perm("customers.view_customer"):
            raise PermissionDenied
        document = selectors.get_document(customer_id=customer_id, document_id=document_id)
        return FileResponse(
            document.upload.open("rb"),
            content_type=document.content_type,
            filename=document.original_name,
        )

    def export_view(self, request: HttpRequest, customer_id: int) -> HttpResponse:
        """R-DATA-1: everything held on the customer, in one archive."""
        if not request.user.has_perm("customers.export_personal_data"):
            raise PermissionDenied
        customer = selectors.get_customer(customer_id)
        archive = selectors.personal_data_archive(customer)
        stamp = timezone.localdate().isoformat()
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="donnees-client-{customer.pk}-{stamp}.zip"'
        )
        return response


@admin.register(SubscriptionFile)
class SubscriptionFileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The files to decide on: filter on « Soumis »; decisions are made on the customer page."""

    list_display = (
        "customer_link",
        "status",
        "submitted_at",
        "submitted_by",
        "decided_at",
        "decided_by",
    )
    list_filter = ("status",)
    search_fields = ("customer__legal_name", "customer__last_name", "customer__siren")
    readonly_fields = (
        "customer",
        "status",
        "created_at",
        "submitted_at",
        "submitted_by",
        "decided_at",
        "decided_by",
        "rejection_reason",
    )

    @admin.display(description="client")
    def customer_link(self, subscription_file: SubscriptionFile) -> str:
        url = reverse("admin:customers_customer_change", args=[subscription_file.customer_id])
        return format_html('<a href="{}">{}</a>', url, subscription_file.customer)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FileDocument)
class FileDocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("file", "kind", "original_name", "document_date", "uploaded_at", "replaced_at")
    list_filter = ("kind",)
    readonly_fields = (
        "file",
        "kind",
        "original_name",
        "content_type",
        "size",
        "document_date",
        "uploaded_at",
        "uploaded_by",
        "replaced_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FileEvent)
class FileEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("file", "status", "at", "by", "note")
    list_filter = ("status",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DataTransmission)
class DataTransmissionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """R-DATA-2: the log of transmissions to third parties, for every customer."""

    list_display = (
        "transmitted_at",
        "customer",
        "recipient_kind",
        "recipient",
        "purpose",
        "recorded_by",
    )
    list_filter = ("recipient_kind",)
    search_fields = ("recipient", "customer__legal_name", "customer__last_name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded from the customer page, through the service

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
