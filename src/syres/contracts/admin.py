"""Staff screens of contracts: contracts with their services, suspensions, terminations and
support tickets.

Recorded facts never change through a form: the add forms of suspensions, terminations and
tickets (and the change forms that lift a suspension or close a ticket) call
`syres.contracts.services` and `syres.contracts.support`, which check the change is allowed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from syres.contracts import selectors, services, support
from syres.contracts.models import (
    Contract,
    Service,
    ServiceState,
    Suspension,
    Termination,
    TerminationInitiator,
    TerminationLine,
    Ticket,
)
from syres.domain import contracts as rules
from syres.domain.money import format_eur
from syres.terms import load_terms

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _Inline = admin.TabularInline[Any, Any]
    _Form = forms.ModelForm[Any]
else:  # the admin classes are generic for the type checker only
    _Admin = admin.ModelAdmin
    _Inline = admin.TabularInline
    _Form = forms.ModelForm


def _choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- contracts and services ----------------------------------------------------------------


class ServiceInline(_ReadOnly, _Inline):
    model = Service
    extra = 0
    fields = (
        "label",
        "quantity",
        "monthly_fee",
        "delivery_date",
        "commitment_end",
        "state",
        "end_date",
    )
    readonly_fields = fields
    show_change_link = True


class TerminationInline(_ReadOnly, _Inline):
    model = Termination
    extra = 0
    fields = ("initiator", "letter_received_date", "cause_label", "end_date", "amount_due")
    readonly_fields = fields
    show_change_link = True


@admin.register(Contract)
class ContractAdmin(_ReadOnly, _Admin):
    list_display = ("__str__", "customer", "started_on", "ended_on")
    list_filter = ("ended_on",)
    search_fields = ("customer__legal_name", "customer__last_name")
    readonly_fields = ("customer", "started_on", "ended_on", "created_at")
    inlines = (ServiceInline, TerminationInline)


class SuspensionInline(_ReadOnly, _Inline):
    model = Suspension
    extra = 0
    fields = (
        "reason",
        "start_at",
        "planned_end_at",
        "end_at",
        "decided_by",
        "ended_by",
        "customer_notice",
        "notice_sent_at",
    )
    readonly_fields = fields


class TicketInline(_ReadOnly, _Inline):
    model = Ticket
    extra = 0
    fields = ("reported_at", "description", "gtr_deadline", "restored_at")
    readonly_fields = fields
    show_change_link = True


@admin.register(Service)
class ServiceAdmin(_ReadOnly, _Admin):
    list_display = (
        "label",
        "contract",
        "kind",
        "delivery_date",
        "commitment_end",
        "state",
        "end_date",
    )
    list_filter = ("kind", "state")
    search_fields = ("label", "product_code", "phone_number")
    readonly_fields = (
        "contract",
        "kind",
        "product_code",
        "label",
        "quantity",
        "monthly_fee",
        "access_fee",
        "installation_fee",
        "technology",
        "platform",
        "phone_number",
        "delivery_date",
        "commitment_months",
        "commitment_end",
        "state",
        "end_date",
        "source_ref",
    )
    inlines = (SuspensionInline, TicketInline)


# --- suspensions (R-PAY-4, CGV art. 15) ----------------------------------------------------


class SuspensionForm(_Form):
    class Meta:
        model = Suspension
        fields = ("service", "reason", "start_at", "planned_end_at", "customer_notice")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "service").queryset = Service.objects.exclude(state=ServiceState.TERMINATED)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            reason = rules.SuspensionReason(data.get("reason", ""))
        except ValueError:
            return data  # the field reports it
        if data.get("start_at") is None:
            return data  # the field reports it
        # The service's own check, said here next to its field rather than as a crash.
        refusal = rules.suspension_refusal(
            reason=reason,
            customer_notice=data.get("customer_notice") or "",
            start_at=data["start_at"],
            planned_end_at=data.get("planned_end_at"),
        )
        if refusal is not None:
            self.add_error(*refusal)
        return data


class ResumeForm(_Form):
    class Meta:
        model = Suspension
        fields = ("end_at",)

    def clean_end_at(self) -> Any:
        end_at = self.cleaned_data.get("end_at")
        if end_at is None:
            raise forms.ValidationError("Indiquez la date de reprise du service.")
        if end_at <= self.instance.start_at:
            raise forms.ValidationError("La reprise doit suivre le début de la suspension.")
        return end_at


@admin.register(Suspension)
class SuspensionAdmin(_Admin):
    """Suspend an active service (add), lift the suspension in force (change)."""

    list_display = ("service", "reason", "start_at", "end_at", "decided_by")
    list_filter = ("reason",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = ResumeForm if obj is not None else SuspensionForm
        return super().get_form(request, obj, change=change, **kwargs)

    # What a recorded suspension shows and no longer changes; only lifting it (`end_at`) does.
    recorded = (
        "service",
        "reason",
        "start_at",
        "planned_end_at",
        "decided_by",
        "customer_notice",
        "notice_claimed_at",
        "notice_sent_at",
        "notice_error",
    )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("service", "reason", "start_at", "planned_end_at", "customer_notice")
        return (*self.recorded, "end_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.recorded

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A lifted suspension never changes.
        return super().has_change_permission(request, obj) and (obj is None or obj.end_at is None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Suspension, form: Any, change: bool) -> None:
        if change:
            if obj.end_at is not None:  # required by ResumeForm
                services.lift_suspension(suspension=obj, end_at=obj.end_at, by=request.user)
            return
        suspension = services.suspend_service(
            service=obj.service,
            reason=obj.reason,
            start_at=obj.start_at,
            by=request.user,
            customer_notice=obj.customer_notice,
            planned_end_at=obj.planned_end_at,
        )
        obj.pk = suspension.pk
        obj.refresh_from_db()


# --- terminations (R-END-1..3, CGV art. 16) ------------------------------------------------


class TerminationLineInline(_ReadOnly, _Inline):
    model = TerminationLine
    extra = 0
    fields = (
        "service",
        "remaining_months",
        "remaining_fees",
        "unpaid_access_fee",
        "unpaid_installation_fee",
        "unpaid_equipment",
        "usage_months_averaged",
        "estimated_usage",
        "total",
    )
    readonly_fields = fields


class TerminationForm(_Form):
    """Record a termination of every service in progress on a contract."""

    cause_code = forms.ChoiceField(label="motif (article 16)", required=False, choices=())
    effective_date = forms.DateField(
        label="prend effet le",
        required=False,
        help_text="Résiliation par SYRES seulement ; par le client, la fin suit le préavis.",
    )

    class Meta:
        model = Termination
        fields = (
            "contract",
            "initiator",
            "letter_reference",
            "letter_received_date",
            "cause_code",
            "notified_date",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "contract").queryset = Contract.objects.filter(ended_on__isnull=True)
        cast(forms.ChoiceField, self.fields["cause_code"]).choices = [("", "—")] + [
            (cause.code, cause.label) for cause in load_terms().contracts.termination_causes
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        contract = data.get("contract")
        if contract is not None and not selectors.open_services_of(contract).exists():
            self.add_error("contract", "Aucun service en cours à résilier sur ce contrat.")
        today = timezone.localdate()
        if data.get("initiator") == TerminationInitiator.CUSTOMER:
            received = data.get("letter_received_date")
            if not str(data.get("letter_reference", "")).strip():
                self.add_error("letter_reference", "Le numéro de la lettre est obligatoire.")
            if received is None:
                self.add_error("letter_received_date", "La date de réception est obligatoire.")
            elif received > today:
                self.add_error("letter_received_date", "La date de réception ne peut être future.")
        elif data.get("initiator") == TerminationInitiator.SYRES:
            notified, end = data.get("notified_date"), data.get("effective_date")
            if notified is None or end is None:
                self.add_error(
                    "effective_date", "Indiquez la date de notification et la date d'effet."
                )
            else:
                try:
                    rules.terminate_by_syres(
                        cause_code=str(data.get("cause_code", "")),
                        notified_date=notified,
                        end_date=end,
                        contracts=load_terms().contracts,
                    )
                except rules.UnableToTerminate as error:
                    self.add_error(None, error.reason)
        return data


@admin.register(Termination)
class TerminationAdmin(_Admin):
    """Record a termination (add); a recorded one shows its breakdown and never changes."""

    form = TerminationForm
    list_display = ("__str__", "initiator", "end_date", "amount")
    list_filter = ("initiator",)

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # The lines are written by the service: shown once the termination is recorded.
        return () if obj is None else (TerminationLineInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return (
            "contract",
            "initiator",
            "letter_reference",
            "letter_received_date",
            "cause_code",
            "cause_label",
            "notified_date",
            "end_date",
            "recorded_at",
            "recorded_by",
            "amount_due",
            "invoiced_at",
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return (*TerminationForm.Meta.fields, "effective_date")
        return self.get_readonly_fields(request, obj)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Recorded once, by the service; shown, never changed.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Termination, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if data["initiator"] == TerminationInitiator.CUSTOMER:
            termination = services.record_customer_termination(
                contract=data["contract"],
                letter_reference=data["letter_reference"],
                letter_received_date=data["letter_received_date"],
                by=request.user,
            )
        else:
            termination = services.record_syres_termination(
                contract=data["contract"],
                cause_code=data["cause_code"],
                notified_date=data["notified_date"],
                end_date=data["effective_date"],
                by=request.user,
            )
        obj.pk = termination.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The lines are written by the service with the termination.
        return None

    @admin.display(description="montant minimum de facturation")
    def amount(self, obj: Termination) -> str:
        return format_eur(obj.amount_due)


# --- support tickets (R-GTR-1) -------------------------------------------------------------


class TicketForm(_Form):
    class Meta:
        model = Ticket
        fields = ("service", "reported_at", "description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "service").queryset = Service.objects.exclude(state=ServiceState.TERMINATED)


class RestoreForm(_Form):
    class Meta:
        model = Ticket
        fields = ("restored_at",)

    def clean_restored_at(self) -> Any:
        restored_at = self.cleaned_data.get("restored_at")
        if restored_at is None:
            raise forms.ValidationError("Indiquez la date et l'heure du rétablissement.")
        if restored_at < self.instance.reported_at:
            raise forms.ValidationError("Le rétablissement ne peut pas précéder le signalement.")
        return restored_at


@admin.register(Ticket)
class TicketAdmin(_Admin):
    """Open an incident (add: the FTTO GTR deadline is computed), record its restore (change)."""

    list_display = ("__str__", "reported_at", "gtr_deadline", "restored_at", "gtr_met")
    list_filter = ("restored_at",)
    search_fields = ("service__label", "description")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = RestoreForm if obj is not None else TicketForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("service", "reported_at", "description")
        return (
            "service",
            "reported_at",
            "description",
            "gtr_deadline",
            "gtr_met",
            "opened_by",
            "restored_at",
            "restored_by",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        fixed = ("service", "reported_at", "description", "gtr_deadline", "gtr_met", "opened_by")
        return (
            (*fixed, "restored_by")
            if obj.restored_at is None
            else (*fixed, "restored_at", "restored_by")
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A closed ticket never changes.
        return super().has_change_permission(request, obj) and (
            obj is None or obj.restored_at is None
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Ticket, form: Any, change: bool) -> None:
        if change:
            if obj.restored_at is not None:  # required by RestoreForm
                support.record_restore(ticket=obj, restored_at=obj.restored_at, by=request.user)
            return
        ticket = support.open_ticket(
            service=obj.service,
            reported_at=obj.reported_at,
            description=obj.description,
            by=request.user,
        )
        obj.pk = ticket.pk
        obj.refresh_from_db()

    @admin.display(description="GTR respectée", boolean=True)
    def gtr_met(self, obj: Ticket) -> bool | None:
        outcome = selectors.gtr_of(obj)
        return None if outcome is None else outcome.met
