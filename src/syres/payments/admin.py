"""Staff screens of payments (in French): payments, overdue invoices by age, disputes to
decide, network actions to carry out, statement imports and their leftovers, SEPA batches,
dunning pauses.

Recorded facts never change through a form: every write goes through `syres.payments.services`
from a small form view that shows the service's refusal as the form's error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from syres.customers import selectors as customer_selectors
from syres.domain.money import ZERO, format_eur
from syres.domain.periods import PARIS
from syres.payments import selectors, services
from syres.payments.models import (
    Allocation,
    Dispute,
    DisputeFile,
    DunningPause,
    DunningStep,
    LateCharge,
    NetworkAction,
    Payment,
    PaymentIncident,
    PaymentMethod,
    SepaBatch,
    SepaDebit,
    StatementImport,
    StatementLine,
)
from syres.payments.services import UnableToRecordPayment

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _Inline = admin.TabularInline[Any, Any]
else:  # the admin classes are generic for the type checker only
    _Admin = admin.ModelAdmin
    _Inline = admin.TabularInline


def _today() -> date:
    return timezone.now().astimezone(PARIS).date()


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- forms calling the services ----------------------------------------------------------------


class _CustomerField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(label="n° client", min_value=1, **kwargs)


def _customer(form: forms.Form) -> Any:
    try:
        return customer_selectors.get_customer(form.cleaned_data["customer"])
    except Exception as error:
        raise UnableToRecordPayment("Client inconnu.") from error


class PaymentForm(forms.Form):
    customer = _CustomerField()
    method = forms.ChoiceField(
        label="mode",
        choices=[(m.value, m.label) for m in PaymentMethod if m != PaymentMethod.SEPA_DEBIT],
    )
    amount = forms.DecimalField(label="montant (€)", max_digits=12, decimal_places=2)
    received_on = forms.DateField(label="reçu le", initial=_today)
    reference = forms.CharField(label="référence (n° de chèque, de mandat…)", required=False)
    target_invoice = forms.CharField(label="facture visée (facultatif)", required=False)


class StatementForm(forms.Form):
    file = forms.FileField(label="relevé camt.053 / camt.054")


class BatchForm(forms.Form):
    collection_date = forms.DateField(label="date d'échéance du prélèvement")
    scheme = forms.ChoiceField(label="schéma", choices=[("CORE", "CORE"), ("B2B", "B2B")])


class DisputeForm(forms.Form):
    invoice = forms.CharField(label="n° de facture")
    contested_amount = forms.DecimalField(
        label="montant contesté TTC (€)", max_digits=12, decimal_places=2
    )
    grounds = forms.CharField(label="motif", widget=forms.Textarea)
    opened_on = forms.DateField(label="reçue le", initial=_today)
    supporting_file = forms.FileField(label="justificatif")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="décision", choices=[("accept", "Accepter (avoir)"), ("reject", "Rejeter")]
    )
    reason = forms.CharField(label="motif de la décision", widget=forms.Textarea)
    decided_on = forms.DateField(label="décidée le", initial=_today)


class PauseForm(forms.Form):
    customer = _CustomerField()
    reason = forms.CharField(label="motif", widget=forms.Textarea)
    start_date = forms.DateField(label="du", initial=_today)
    end_date = forms.DateField(label="au (exclu, facultatif)", required=False)


class SuspendForm(forms.Form):
    customer = _CustomerField()
    service_ids = forms.CharField(label="n° des services (séparés par des virgules)")
    reason = forms.ChoiceField(
        label="motif",
        choices=[
            ("non_compliant_use", "Utilisation non conforme des services"),
            ("consumption_surge", "Augmentation substantielle du montant des communications"),
            ("breach", "Inexécution d'une obligation du client"),
            ("maintenance", "Opération de maintenance"),
        ],
    )
    note = forms.CharField(label="faits constatés", widget=forms.Textarea)
    start_at = forms.DateTimeField(
        label="début (jj/mm/aaaa hh:mm, heure de Paris ; vide : maintenant)", required=False
    )
    planned_end_at = forms.DateTimeField(
        label="fin prévue (maintenance, jj/mm/aaaa hh:mm)", required=False
    )
    customer_notice = forms.CharField(
        label="avis au client (maintenance, envoyé par e-mail)",
        widget=forms.Textarea,
        required=False,
    )


def _form_view(
    admin_site: admin.AdminSite,
    request: HttpRequest,
    *,
    form_class: type[forms.Form],
    title: str,
    call: Callable[[forms.Form], str],
    permission: str = "payments.add_payment",
) -> HttpResponse:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = call(form)
        except UnableToRecordPayment as error:
            form.add_error(None, error.reason)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(request.path)
    context = {
        **admin_site.each_context(request),
        "title": title,
        "form": form,
        "opts": Payment._meta,
    }
    return TemplateResponse(request, "admin/payments/service_form.html", context)


# --- payments ----------------------------------------------------------------------------------


class AllocationInline(_ReadOnly, _Inline):
    model = Allocation
    extra = 0
    fields = ("invoice", "amount", "reversed_on")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(_ReadOnly, _Admin):
    """Payments received; the staff pages of the payments app hang from here."""

    list_display = ("received_on", "customer", "method", "amount", "credit", "returned_on")
    list_filter = ("method",)
    search_fields = ("reference",)
    inlines = (AllocationInline,)
    change_list_template = "admin/payments/payment/change_list.html"

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("enregistrer/", view(self.record_view), name="payments_record"),
            path("impayes/", view(self.overdue_view), name="payments_overdue"),
            path("releve/", view(self.statement_view), name="payments_statement"),
            path("prelevements/", view(self.batch_view), name="payments_batch"),
            path("contestation/", view(self.dispute_view), name="payments_dispute"),
            path("pause/", view(self.pause_view), name="payments_pause"),
            path("suspension/", view(self.suspend_view), name="payments_suspend"),
            *super().get_urls(),
        ]

    def record_view(self, request: HttpRequest) -> HttpResponse:
        def call(form: forms.Form) -> str:
            data = form.cleaned_data
            payment = services.record_payment(
                customer=_customer(form),
                method=data["method"],
                amount=data["amount"],
                received_on=data["received_on"],
                reference=data["reference"],
                target_invoice=data["target_invoice"].strip() or None,
                by=request.user,
            )
            credit = f", {format_eur(payment.credit)} gardés en avoir" if payment.credit else ""
            return f"Paiement de {format_eur(payment.amount)} enregistré{credit}."

        return _form_view(
            self.admin_site,
            request,
            form_class=PaymentForm,
            title="Enregistrer un virement, un chèque ou un mandat administratif",
            call=call,
        )

    def statement_view(self, request: HttpRequest) -> HttpResponse:
        def call(form: forms.Form) -> str:
            upload = form.cleaned_data["file"]
            report = services.import_statement(
                data=upload.read(), file_name=upload.name, by=request.user
            )
            return (
                f"{upload.name} importé : {report.matched} ligne(s) rapprochée(s), "
                f"{len(report.leftovers)} à traiter, {len(report.incidents)} rejet(s)."
            )

        return _form_view(
            self.admin_site,
            request,
            form_class=StatementForm,
            title="Importer un relevé bancaire",
            call=call,
            permission="payments.add_statementimport",
        )

    def batch_view(self, request: HttpRequest) -> HttpResponse:
        def call(form: forms.Form) -> str:
            batch = services.create_sepa_batch(
                collection_date=form.cleaned_data["collection_date"],
                scheme=form.cleaned_data["scheme"],
                by=request.user,
            )
            return (
                f"Lot {batch.scheme} du {batch.collection_date:%d/%m/%Y} : {batch.count} "
                f"prélèvement(s), {format_eur(batch.control_sum)}."
            )

        return _form_view(
            self.admin_site,
            request,
            form_class=BatchForm,
            title="Préparer un lot de prélèvements SEPA",
            call=call,
            permission="payments.add_sepabatch",
        )

    def dispute_view(self, request: HttpRequest) -> HttpResponse:
        def call(form: forms.Form) -> str:
            data = form.cleaned_data
            invoice = selectors.get_invoice(data["invoice"])
            if invoice is None:
                raise UnableToRecordPayment(f"Facture inconnue : {data['invoice']}.")
            upload = data["supporting_file"]
            dispute = services.open_dispute(
                invoice=invoice,
                contested_amount=data["contested_amount"],
                grounds=data["grounds"],
                files=[(upload.name, upload.read())],
                opened_on=data["opened_on"],
                by=request.user,
            )
            return f"Contestation de {format_eur(dispute.contested_amount)} ouverte."

        return _form_view(
            self.admin_site,
            request,
            form_class=DisputeForm,
            title="Ouvrir une contestation de facture",
            call=call,
            permission="payments.add_dispute",
        )

    def pause_view(self, request: HttpRequest) -> HttpResponse:
        def call(form: forms.Form) -> str:
            data = form.cleaned_data
            services.pause_dunning(
                customer=_customer(form),
                reason=data["reason"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                by=request.user,
            )
            return "Relances suspendues pour ce client."

        return _form_view(
            self.admin_site,
            request,
            form_class=PauseForm,
            title="Suspendre les relances d'un client",
            call=call,
            permission="payments.add_dunningpause",
        )

    def suspend_view(self, request: HttpRequest) -> HttpResponse:
        def call(form: forms.Form) -> str:
            data = form.cleaned_data
            try:
                ids = [int(part) for part in data["service_ids"].split(",") if part.strip()]
            except ValueError as error:
                raise UnableToRecordPayment("N° de service invalide.") from error
            action = services.suspend_services(
                customer=_customer(form),
                service_ids=ids,
                reason=data["reason"],
                note=data["note"],
                start_at=data["start_at"],
                planned_end_at=data["planned_end_at"],
                customer_notice=data["customer_notice"],
                by=request.user,
            )
            return f"Suspension enregistrée ; action à faire : {action.services}."

        return _form_view(
            self.admin_site,
            request,
            form_class=SuspendForm,
            title="Suspendre des services (CGV art. 15)",
            call=call,
            permission="payments.add_networkaction",
        )

    def overdue_view(self, request: HttpRequest) -> HttpResponse:
        """The overdue invoices by age bucket (0–30, 31–60, 61–90, > 90 days), today or on
        the day given by `?au=YYYY-MM-DD`."""
        if not request.user.has_perm("payments.view_payment"):
            raise PermissionDenied
        try:
            as_of = date.fromisoformat(request.GET.get("au", ""))
        except ValueError:
            as_of = _today()
        overdue = selectors.overdue_invoices(as_of=as_of)
        buckets = []
        for label, _, _ in selectors.AGE_BUCKETS:
            rows = [item for item in overdue if item.age_bucket == label]
            total = sum((item.dunnable_amount for item in rows), ZERO)
            buckets.append({"label": label, "rows": rows, "total": format_eur(total)})
        context = {
            **self.admin_site.each_context(request),
            "title": f"Factures échues impayées au {as_of:%d/%m/%Y}",
            "buckets": buckets,
            "opts": Payment._meta,
        }
        return TemplateResponse(request, "admin/payments/overdue.html", context)


@admin.register(PaymentIncident)
class PaymentIncidentAdmin(_ReadOnly, _Admin):
    list_display = ("occurred_on", "customer", "amount", "reason_code", "reason", "invoice_numbers")


@admin.register(LateCharge)
class LateChargeAdmin(_ReadOnly, _Admin):
    list_display = ("invoice", "kind", "amount", "days_late", "computed_on", "billed_number")
    list_filter = ("kind",)
    actions = ("invoice_charges",)

    @admin.action(description="Facturer maintenant les pénalités et indemnités de ces clients")
    def invoice_charges(self, request: HttpRequest, queryset: QuerySet[LateCharge]) -> None:
        """R-PAY-3: the same service as the dunning run, dated today (one invoice per customer
        and day; what is already invoiced is not invoiced again)."""
        today = timezone.now().astimezone(PARIS).date()
        customer_ids = sorted(set(queryset.values_list("invoice__customer", flat=True)))
        for customer_id in customer_ids:
            customer = customer_selectors.get_customer(customer_id)
            try:
                issued = services.invoice_late_charges(customer=customer, as_of=today)
            except (UnableToRecordPayment, services.UnableToBill) as error:
                messages.warning(request, f"{customer} : {error.reason}")
                continue
            if issued is None:
                messages.info(request, f"{customer} : rien de nouveau à facturer aujourd'hui.")
            else:
                messages.success(request, f"{customer} : facture {issued.number} émise.")


# --- statements --------------------------------------------------------------------------------


class StatementLineInline(_ReadOnly, _Inline):
    model = StatementLine
    extra = 0
    fields = ("line_ref", "kind", "amount", "booking_date", "remittance", "matched", "note")
    readonly_fields = fields


@admin.register(StatementImport)
class StatementImportAdmin(_ReadOnly, _Admin):
    list_display = ("imported_at", "file_name", "statement_id", "line_count", "matched_count")
    inlines = (StatementLineInline,)


class LeftoverFilter(admin.SimpleListFilter):
    title = "à traiter"
    parameter_name = "a_traiter"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("oui", "Lignes non rapprochées à traiter")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "oui":
            return queryset.filter(matched=False, settled_at__isnull=True)
        return queryset


@admin.register(StatementLine)
class StatementLineAdmin(_ReadOnly, _Admin):
    """The lines of imported statements; the leftovers (not matched) are for staff."""

    list_display = ("statement", "line_ref", "amount", "booking_date", "remittance", "note")
    list_filter = (LeftoverFilter, "matched")
    actions = ("settle",)

    @admin.action(description="Marquer comme traitées (saisies à la main)")
    def settle(self, request: HttpRequest, queryset: QuerySet[StatementLine]) -> None:
        for line in queryset:
            try:
                services.settle_leftover(
                    line=line, note="traitée par le personnel", by=request.user
                )
            except UnableToRecordPayment as error:
                messages.warning(request, f"{line} : {error.reason}")


# --- SEPA --------------------------------------------------------------------------------------


class SepaDebitInline(_ReadOnly, _Inline):
    model = SepaDebit
    extra = 0
    fields = ("invoice", "amount", "mandate_reference", "sequence_type", "returned")
    readonly_fields = fields


@admin.register(SepaBatch)
class SepaBatchAdmin(_ReadOnly, _Admin):
    list_display = ("collection_date", "scheme", "count", "control_sum", "message_id")
    exclude = ("xml",)
    inlines = (SepaDebitInline,)


# --- disputes ----------------------------------------------------------------------------------


class DisputeFileInline(_ReadOnly, _Inline):
    model = DisputeFile
    extra = 0
    fields = ("upload", "original_name", "content_type", "size")
    readonly_fields = fields


@admin.register(Dispute)
class DisputeAdmin(_ReadOnly, _Admin):
    """Disputes; the open ones are decided from their page (accept → credit note)."""

    list_display = ("invoice", "contested_amount", "status", "opened_on", "opened_by")
    list_filter = ("status",)
    inlines = (DisputeFileInline,)
    change_form_template = "admin/payments/dispute/change_form.html"

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<int:dispute_id>/decider/", view(self.decide_view), name="payments_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, dispute_id: int) -> HttpResponse:
        dispute = Dispute.objects.get(pk=dispute_id)

        def call(form: forms.Form) -> str:
            data = form.cleaned_data
            decide = (
                services.accept_dispute if data["decision"] == "accept" else services.reject_dispute
            )
            decided = decide(
                dispute=dispute,
                decided_on=data["decided_on"],
                reason=data["reason"],
                by=request.user,
            )
            return f"Contestation {decided.get_status_display().lower()}."

        return _form_view(
            self.admin_site,
            request,
            form_class=DecisionForm,
            title=f"Trancher la contestation {dispute}",
            call=call,
            permission="payments.decide_dispute",
        )


# --- dunning and network actions ---------------------------------------------------------------


@admin.register(DunningStep)
class DunningStepAdmin(_ReadOnly, _Admin):
    list_display = ("invoice", "label", "done_on", "dunned_amount", "email_sent_at")
    list_filter = ("action",)


@admin.register(DunningPause)
class DunningPauseAdmin(_ReadOnly, _Admin):
    list_display = ("customer", "reason", "start_date", "end_date", "decided_by")


class ToDoFilter(admin.SimpleListFilter):
    title = "à faire"
    parameter_name = "a_faire"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("oui", "Actions à faire"), ("non", "Actions faites")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "oui":
            return queryset.filter(done_at__isnull=True)
        if self.value() == "non":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(NetworkAction)
class NetworkActionAdmin(_ReadOnly, _Admin):
    """Suspend / resume actions for the network side (R-PAY-3, R-PAY-4)."""

    list_display = ("on", "kind", "customer", "services", "reason", "lifted", "done_at")
    list_filter = (ToDoFilter, "kind", "reason")
    actions = ("mark_done", "lift")

    @admin.action(description="Marquer comme faites sur le réseau")
    def mark_done(self, request: HttpRequest, queryset: QuerySet[NetworkAction]) -> None:
        for action in queryset:
            try:
                services.mark_action_done(action=action, by=request.user)
            except UnableToRecordPayment as error:
                messages.warning(request, f"{action} : {error.reason}")

    @admin.action(description="Lever la suspension (motif autre qu'un impayé)")
    def lift(self, request: HttpRequest, queryset: QuerySet[NetworkAction]) -> None:
        for action in queryset:
            try:
                services.lift_suspension(action=action, by=request.user)
            except UnableToRecordPayment as error:
                messages.warning(request, f"{action} : {error.reason}")
