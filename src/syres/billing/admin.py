"""Staff screens of billing (in French): runs, invoices and credit notes, their PDF and XML,
launching a period's run, issuing a credit note. Issued documents are never edited here (nor
anywhere: the database refuses it, R-INV-3)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from syres.billing import selectors, services
from syres.billing.models import (
    BillingRun,
    Invoice,
    InvoiceLine,
    InvoiceVat,
    MailOutbox,
    OverageChoice,
    OveragePolicy,
    UnusualConsumption,
)
from syres.domain.money import format_eur
from syres.domain.periods import Month
from syres.terms import load_terms


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RunForm(forms.Form):
    period = forms.CharField(label="Mois facturé (AAAA-MM)", max_length=7)
    as_of = forms.DateField(
        label="Date des factures",
        help_text="Au plus tôt le 1er du mois suivant ; par défaut aujourd'hui.",
        required=False,
    )

    def clean_period(self) -> Month:
        try:
            return Month.parse(self.cleaned_data["period"].strip())
        except ValueError as error:
            raise forms.ValidationError("Mois attendu au format AAAA-MM.") from error


class CreditNoteForm(forms.Form):
    reason = forms.CharField(label="Motif de l'avoir", widget=forms.Textarea, max_length=500)


@admin.register(BillingRun)
class BillingRunAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "period",
        "issue_date",
        "started_at",
        "finished_at",
        "attempts",
        "invoices_issued",
    )
    ordering = ("-period",)
    readonly_fields = ("skipped",)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "lancer/",
                self.admin_site.admin_view(self.run_view),
                name="billing_billingrun_run",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "title": "Campagnes de facturation"}
        response = super().changelist_view(request, extra_context)
        if request.user.has_perm("billing.run_billing"):
            messages.info(
                request,
                format_html(
                    'Lancer la facturation d\'un mois : <a href="{}">facturer un mois</a>.',
                    reverse("admin:billing_billingrun_run"),
                ),
            )
        return response

    def run_view(self, request: HttpRequest) -> HttpResponse:
        """R-INV-1, R-INV-6: bill a period; running it again issues nothing new."""
        if not request.user.has_perm("billing.run_billing"):
            raise PermissionDenied
        form = RunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                report = services.run_billing(
                    period=form.cleaned_data["period"],
                    as_of=form.cleaned_data["as_of"] or timezone.localdate(),
                    retry_delay_s=0,
                )
            except services.UnableToBill as error:
                form.add_error(None, error.reason)
            else:
                messages.success(
                    request,
                    f"Facturation de {report.period} : {len(report.issued)} facture(s) émise(s) "
                    f"({format_eur(report.total_incl_vat)} TTC), {report.already_issued} déjà "
                    f"émise(s), {len(report.skipped)} client(s) écarté(s), "
                    f"{report.mail.sent} e-mail(s) envoyé(s).",
                )
                for name, reason in report.skipped:
                    messages.warning(request, f"{name} : {reason}")
                return HttpResponseRedirect(reverse("admin:billing_billingrun_changelist"))
        return TemplateResponse(
            request,
            "billing/form.html",
            {
                **self.admin_site.each_context(request),
                "title": "Facturer un mois",
                "form": form,
                "explanation": (
                    "Une facture par client pour le mois choisi : abonnements du mois suivant "
                    "à échoir, consommations du mois à terme échu, frais dus. Relancer un mois "
                    "déjà facturé n'émet que ce qui manque."
                ),
                "submit_label": "Lancer la facturation",
            },
        )


class LineInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = InvoiceLine
    fields = ("position", "label", "quantity", "unit_price", "base_quantity", "vat_rate", "amount")
    ordering = ("position",)
    extra = 0


class VatInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = InvoiceVat
    fields = ("rate", "base", "tax")
    extra = 0


class MailInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = MailOutbox
    fields = ("recipient", "state", "attempts", "sent_at", "last_error")
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "number",
        "kind",
        "buyer_name",
        "issue_date",
        "due_date",
        "total_excl_vat",
        "total_incl_vat",
        "documents",
    )
    list_filter = ("kind", "period", "issue_date")
    search_fields = ("number", "buyer_name", "referenced_number")
    ordering = ("-series", "-sequence")
    inlines = (LineInline, VatInline, MailInline)
    fields = (
        "number",
        "kind",
        "customer",
        "buyer_name",
        "issue_date",
        "due_date",
        "period",
        "referenced_number",
        "referenced_issue_date",
        "reason",
        "total_excl_vat",
        "total_vat",
        "total_incl_vat",
        "prepaid_amount",
        "amount_due",
        "documents",
        "rendered_at",
    )
    readonly_fields = ("documents",)
    actions = ("credit_in_full",)

    @admin.display(description="documents")
    def documents(self, obj: Invoice) -> str:
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">XML</a>',
            reverse("admin:billing_invoice_pdf", args=[obj.pk]),
            reverse("admin:billing_invoice_xml", args=[obj.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:invoice_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="billing_invoice_pdf",
            ),
            path(
                "<int:invoice_id>/xml/",
                self.admin_site.admin_view(self.xml_view),
                name="billing_invoice_xml",
            ),
            path(
                "<int:invoice_id>/avoir/",
                self.admin_site.admin_view(self.credit_note_view),
                name="billing_invoice_credit_note",
            ),
            *super().get_urls(),
        ]

    def _invoice(self, request: HttpRequest, invoice_id: int) -> Invoice:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return selectors.get_invoice(invoice_id)

    def pdf_view(self, request: HttpRequest, invoice_id: int) -> HttpResponse:
        invoice = self._invoice(request, invoice_id)
        response = HttpResponse(selectors.invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
        return response

    def xml_view(self, request: HttpRequest, invoice_id: int) -> HttpResponse:
        invoice = self._invoice(request, invoice_id)
        response = HttpResponse(selectors.invoice_xml(invoice), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xml"'
        return response

    def credit_note_view(self, request: HttpRequest, invoice_id: int) -> HttpResponse:
        """R-INV-3: a correction is a credit note referencing the invoice (here: in full)."""
        if not request.user.has_perm("billing.issue_credit_note"):
            raise PermissionDenied
        invoice = self._invoice(request, invoice_id)
        form = CreditNoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                note = services.issue_credit_note(
                    invoice=invoice,
                    issue_date=timezone.localdate(),
                    reason=form.cleaned_data["reason"],
                )
            except services.UnableToBill as error:
                form.add_error(None, error.reason)
            else:
                messages.success(request, f"Avoir {note.number} émis sur {invoice.number}.")
                return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[note.pk]))
        return TemplateResponse(
            request,
            "billing/form.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Avoir sur la facture {invoice.number}",
                "form": form,
                "explanation": (
                    f"L'avoir annule la facture {invoice.number} du "
                    f"{invoice.issue_date:%d/%m/%Y} ({format_eur(invoice.total_incl_vat)} TTC) "
                    "et la référence ; il est numéroté dans la série des avoirs."
                ),
                "submit_label": "Émettre l'avoir",
            },
        )

    @admin.action(description="Émettre un avoir total sur la facture choisie")
    def credit_in_full(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            messages.error(request, "Choisissez une seule facture.")
            return None
        return HttpResponseRedirect(
            reverse("admin:billing_invoice_credit_note", args=[chosen[0].pk])
        )


class UnusualForm(RunForm):
    as_of = forms.DateField(
        label="Consommation arrêtée au",
        help_text="Date des factures intermédiaires ; par défaut aujourd'hui.",
        required=False,
    )


@admin.register(UnusualConsumption)
class UnusualConsumptionAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    """R-INV-5: the customers flagged for unusual consumption and their intermediate invoice."""

    list_display = (
        "period",
        "customer",
        "detected_on",
        "month_amount",
        "average",
        "months",
        "invoice_link",
    )
    list_filter = ("period",)
    ordering = ("-period", "customer_id")
    fields = list_display
    readonly_fields = ("invoice_link",)

    @admin.display(description="facture intermédiaire")
    def invoice_link(self, obj: UnusualConsumption) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:billing_invoice_change", args=[obj.invoice_id]),
            obj.invoice.number,
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "detecter/",
                self.admin_site.admin_view(self.detect_view),
                name="billing_unusualconsumption_detect",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "title": "Consommations inhabituelles"}
        response = super().changelist_view(request, extra_context)
        if request.user.has_perm("billing.run_billing"):
            messages.info(
                request,
                format_html(
                    "Comparer la consommation du mois en cours à la moyenne des mois facturés : "
                    '<a href="{}">détecter les consommations inhabituelles</a>.',
                    reverse("admin:billing_unusualconsumption_detect"),
                ),
            )
        return response

    def detect_view(self, request: HttpRequest) -> HttpResponse:
        """R-INV-5: an intermediate invoice for each customer whose month is unusual."""
        if not request.user.has_perm("billing.run_billing"):
            raise PermissionDenied
        form = UnusualForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                report = services.detect_unusual_consumption(
                    period=form.cleaned_data["period"],
                    as_of=form.cleaned_data["as_of"] or timezone.localdate(),
                )
            except services.UnableToBill as error:
                form.add_error(None, error.reason)
            else:
                messages.success(
                    request,
                    f"Consommations inhabituelles de {report.period} : {report.checked} "
                    f"client(s) examiné(s), {len(report.issued)} facture(s) intermédiaire(s) "
                    f"émise(s), {report.already_flagged} déjà signalé(s).",
                )
                for name, reason in report.skipped:
                    messages.warning(request, f"{name} : {reason}")
                return HttpResponseRedirect(reverse("admin:billing_unusualconsumption_changelist"))
        terms = load_terms().invoicing
        return TemplateResponse(
            request,
            "billing/form.html",
            {
                **self.admin_site.each_context(request),
                "title": "Détecter les consommations inhabituelles",
                "form": form,
                "explanation": (
                    "Pour chaque client, la consommation du mois à ce jour est comparée à la "
                    "moyenne de ses mois déjà facturés : à partir de "
                    f"{terms.unusual_consumption_ratio} fois cette moyenne et d'au moins "
                    f"{format_eur(terms.unusual_consumption_floor)} HT, une facture "
                    "intermédiaire payable à réception est émise pour la consommation à ce "
                    "jour (une seule par client et par mois) ; la facture mensuelle n'en "
                    "facture que le reste."
                ),
                "submit_label": "Détecter et facturer",
            },
        )


class OverageChoiceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = OverageChoice
        fields = ("customer", "policy", "reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        customer, policy = data.get("customer"), data.get("policy")
        if customer is not None and policy and selectors.overage_policy_of(customer) == policy:
            raise forms.ValidationError("Ce client est déjà facturé ainsi.")
        return data


@admin.register(OverageChoice)
class OverageChoiceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """R-SIP-6: per customer, breached trunks billed beyond the limit only (default) or
    retroactively; each decision dated and attributed, never edited (a new one replaces it)."""

    form = OverageChoiceForm
    list_display = ("customer", "policy", "decided_at", "decided_by", "reason")
    list_filter = ("policy",)
    search_fields = ("customer__legal_name",)
    ordering = ("-decided_at",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: OverageChoice, form: Any, change: bool) -> None:
        created = services.record_overage_choice(
            customer=obj.customer,
            policy=OveragePolicy(obj.policy),
            by=request.user,
            reason=obj.reason,
        )
        obj.pk, obj.decided_at, obj.decided_by = created.pk, created.decided_at, created.decided_by
