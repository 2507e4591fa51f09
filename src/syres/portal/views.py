"""The customer portal: server-rendered pages, each reading through the logged-in customer.

Every view is wrapped by `customer_view` and looks objects up through its `customer`, so an id
of another customer's object answers 404 (tests/integration/test_portal_isolation.py tries
every URL pattern).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from syres.billing import selectors as billing
from syres.contracts import selectors as contracts
from syres.customers import selectors as customers
from syres.customers import services as customer_services
from syres.domain.periods import Month
from syres.domain.usage_gauges import BYTES_PER_MB, Gauge, LineUsage, usage_gauges
from syres.equipment import selectors as equipment
from syres.payments import selectors as payments
from syres.payments import services as payment_services
from syres.portal.access import customer_view
from syres.portal.forms import (
    AddressForm,
    BankDetailsForm,
    DisputeForm,
    RectificationForm,
    TerminationPreviewForm,
)
from syres.terms import load_terms
from syres.usage import selectors as usage


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True
    next_page = "portal:home"


class LogoutView(auth_views.LogoutView):
    next_page = "portal:login"


def _today() -> date:
    return timezone.localdate()


def _lines(customer: Any) -> Any:
    """The customer's usage lines: those numbered by its contract services."""
    return usage.lines_named(contracts.usage_lines_of(customer).values())


@customer_view
def home(request: HttpRequest, *, customer: Any) -> HttpResponse:
    """The customer's services, equipment and lines."""
    return render(
        request,
        "portal/home.html",
        {
            "customer": customer,
            "services": contracts.live_services_of(customer),
            "contracts": contracts.contracts_of(customer).filter(ended_on__isnull=True),
            "items": equipment.items_of(customer),
            "lines": _lines(customer),
        },
    )


def _month(request: HttpRequest) -> Month:
    text = request.GET.get("mois", "")
    if not text:
        return Month.of(_today())
    try:
        return Month.parse(text)
    except ValueError as error:
        raise Http404("mois invalide (AAAA-MM attendu)") from error


@dataclass(frozen=True)
class LineView:
    line: Any
    gauges: list[Gauge]
    has_usage: bool
    warnings: list[Gauge]


def _line_view(line: Any, *, month: Month) -> tuple[LineView, Any]:
    aggregate = usage.line_month(identifier=line.identifier, period=str(month))
    detail = usage.detail_figures(period=str(month), identifier=line.identifier)
    figures = LineUsage(
        platform=line.platform,
        channels=line.channels,
        outgoing_seconds=aggregate.outgoing_seconds if aggregate else 0,
        distinct_numbers=aggregate.distinct_numbers if aggregate else 0,
        sms=aggregate.sms if aggregate else 0,
        sms_distinct_numbers=detail.sms_distinct_numbers if detail else 0,
        data_bytes_by_zone=detail.data_bytes_by_zone if detail else {},
    )
    gauges = usage_gauges(usage=figures, terms=load_terms())
    view = LineView(
        line=line,
        gauges=gauges,
        has_usage=aggregate is not None,
        warnings=[g for g in gauges if g.warning],
    )
    return view, detail


@customer_view
def consumption(request: HttpRequest, *, customer: Any) -> HttpResponse:
    """This month's consumption of each line against its fair-use limits (SPEC §5)."""
    month = _month(request)
    views = [_line_view(line, month=month)[0] for line in _lines(customer)]
    return render(
        request,
        "portal/consumption.html",
        {"customer": customer, "month": month, "lines": views, **_month_links(month)},
    )


def _month_links(month: Month) -> dict[str, Any]:
    current = Month.of(_today())
    return {
        "previous_month": month.previous(),
        "next_month": month.next() if month != current else None,
    }


@dataclass(frozen=True)
class Bar:
    day: date
    value: Decimal
    label: str
    x: int
    y: int
    height: int


CHART_HEIGHT = 160
BAR_WIDTH = 14


def _bars(daily: list[tuple[date, Decimal]], *, unit: str) -> list[Bar]:
    top = max((value for _, value in daily), default=Decimal(0)) or Decimal(1)
    bars = []
    for index, (day, value) in enumerate(daily):
        height = int(value / top * CHART_HEIGHT)
        bars.append(
            Bar(
                day=day,
                value=value,
                label=f"{day:%d/%m} : {value} {unit}",
                x=index * (BAR_WIDTH + 4),
                y=CHART_HEIGHT - height,
                height=height,
            )
        )
    return bars


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    unit: str

    @property
    def width(self) -> int:
        return max(len(self.bars), 1) * (BAR_WIDTH + 4)


def _chart(title: str, daily: list[tuple[date, Decimal]], *, unit: str) -> Chart:
    return Chart(title=title, bars=_bars(daily, unit=unit), unit=unit)


@customer_view
def line_detail(request: HttpRequest, identifier: str, *, customer: Any) -> HttpResponse:
    """One line's month: its gauges and a daily chart (minutes, SMS, data)."""
    line = _lines(customer).filter(identifier=identifier).first()
    if line is None:
        raise Http404("ligne introuvable")
    month = _month(request)
    view, detail = _line_view(line, month=month)
    # Every day of the month has its bar (zero when nothing was used), so days line up.
    used = {day: (s, n, b) for day, s, n, b in (detail.daily if detail else [])}
    start = month.first_day
    days = [start + timedelta(days=i) for i in range(month.days)]
    daily = [(day, *used.get(day, (0, 0, 0))) for day in days]
    minutes = [(d, (Decimal(s) / 60).quantize(Decimal("0.1"))) for d, s, _, _ in daily]
    charts = [_chart("Minutes d'appels sortants par jour", minutes, unit="min")]
    if line.platform == "mobile":
        sms = [(d, Decimal(n)) for d, _, n, _ in daily]
        data = [(d, (Decimal(b) / BYTES_PER_MB).quantize(Decimal("0.1"))) for d, _, _, b in daily]
        charts += [
            _chart("SMS par jour", sms, unit="SMS"),
            _chart("Données par jour (Mo)", data, unit="Mo"),
        ]
    return render(
        request,
        "portal/line.html",
        {
            "customer": customer,
            "month": month,
            "view": view,
            "charts": charts,
            "chart_height": CHART_HEIGHT,
            "bar_width": BAR_WIDTH,
            **_month_links(month),
        },
    )


@customer_view
def invoices(request: HttpRequest, *, customer: Any) -> HttpResponse:
    """The customer's invoices and credit notes, with what is left to pay on each."""
    rows = list(billing.invoices_of(customer))
    left = billing.outstanding_amounts(rows)
    return render(
        request,
        "portal/invoices.html",
        {
            "customer": customer,
            "rows": [(invoice, left.get(invoice.pk)) for invoice in rows],
            "disputes": payments.disputes_of(customer),
        },
    )


def _own_invoice(customer: Any, invoice_id: int) -> Any:
    invoice = billing.invoices_of(customer).filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404("facture introuvable")
    return invoice


@customer_view
@require_http_methods(["GET"])
def invoice_pdf(request: HttpRequest, invoice_id: int, *, customer: Any) -> HttpResponse:
    """The Factur-X PDF as issued (R-INV-3)."""
    invoice = _own_invoice(customer, invoice_id)
    response = HttpResponse(billing.invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


@customer_view
@require_http_methods(["GET"])
def invoice_xml(request: HttpRequest, invoice_id: int, *, customer: Any) -> HttpResponse:
    """The EN 16931 XML embedded in the PDF."""
    invoice = _own_invoice(customer, invoice_id)
    response = HttpResponse(billing.invoice_xml(invoice), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xml"'
    return response


@customer_view
def dispute(request: HttpRequest, invoice_id: int, *, customer: Any) -> HttpResponse:
    """Contest an invoice within the window after its date, with supporting files (R-PAY-2);
    the contested amount is held out of dunning until staff decides."""
    invoice = _own_invoice(customer, invoice_id)
    terms = load_terms()
    deadline = invoice.issue_date + timedelta(days=terms.disputes.window_days)
    form = DisputeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment_services.open_dispute(
                invoice=invoice,
                contested_amount=data["contested_amount"],
                grounds=data["grounds"],
                files=[(upload.name, upload.read()) for upload in data["supporting_files"]],
                opened_on=_today(),
                by=request.user,
                terms=terms,
            )
        except payment_services.UnableToHandleDispute as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Votre contestation de la facture {invoice.number} est enregistrée ; "
                "le montant contesté est suspendu jusqu'à notre décision.",
            )
            return redirect("portal:invoices")
    return render(
        request,
        "portal/dispute.html",
        {
            "customer": customer,
            "invoice": invoice,
            "form": form,
            "deadline": deadline,
            "window_days": terms.disputes.window_days,
            "late": _today() > deadline,
        },
    )


@customer_view
@require_http_methods(["GET"])
def termination(request: HttpRequest, contract_id: int, *, customer: Any) -> HttpResponse:
    """What terminating the contract would cost if SYRES received the letter on a day: the end
    date after the 3-month notice (R-END-1) and the amount of each service (R-END-2). The legal
    act remains the registered letter, which staff records."""
    contract = contracts.contract_of(customer, contract_id=contract_id)
    if contract is None:
        raise Http404("contrat introuvable")
    form = TerminationPreviewForm(request.GET or None, initial={"letter_date": _today()})
    letter_date = form.cleaned_data["letter_date"] if form.is_valid() else _today()
    end_date, lines = contracts.termination_preview(contract, letter_received_date=letter_date)
    services = {service.pk: service for service in contracts.open_services_of(contract)}
    rows = [(services[pk], line) for pk, line in lines.items() if pk in services]
    total = sum((line.total for _, line in rows if line is not None), Decimal(0))
    terms = load_terms()
    return render(
        request,
        "portal/termination.html",
        {
            "customer": customer,
            "contract": contract,
            "form": form,
            "letter_date": letter_date,
            "end_date": end_date,
            "rows": rows,
            "total": total,
            "notice_months": terms.contracts.notice_months,
            "seller": terms.seller,
        },
    )


@customer_view
def personal_data(request: HttpRequest, *, customer: Any) -> HttpResponse:
    """R-DATA-1: the export of everything held, and the rectification of the customer's data."""
    form = RectificationForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            record = customer_services.rectify_customer(
                customer=customer,
                changes=form.changes(),
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except customer_services.UnableToRecordCustomer as error:
            form.add_error(None, str(error))
        else:
            if record is None:
                messages.info(request, "Aucune donnée n'a changé.")
            else:
                messages.success(request, "Vos données ont été rectifiées.")
            return redirect("portal:personal_data")
    return render(
        request,
        "portal/personal_data.html",
        {"customer": customer, "form": form, "changes": customers.changes_of(customer)[:20]},
    )


@customer_view
@require_http_methods(["GET"])
def personal_data_export(request: HttpRequest, *, customer: Any) -> HttpResponse:
    response = HttpResponse(
        customers.personal_data_archive(customer), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="syres-donnees-{customer.pk}.zip"'
    return response


def _address_page(
    request: HttpRequest, *, customer: Any, site: Any | None, target: Any
) -> HttpResponse:
    initial = {
        "address_line": target.address_line,
        "postcode": target.postcode,
        "city": target.city,
        "country": target.country,
        "effective_date": _today(),
    }
    form = AddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer_services.record_address_change(
                customer=customer,
                site=site,
                address=customer_services.Address(
                    data["address_line"], data["postcode"], data["city"], data["country"]
                ),
                effective_date=data["effective_date"],
                by=request.user,
                note="Déclaré sur l'espace client",
            )
        except customer_services.UnableToRecordCustomer as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Le changement d'adresse est enregistré.")
            return redirect("portal:home")
    return render(
        request,
        "portal/address.html",
        {"customer": customer, "site": site, "form": form, "sites": customers.sites_of(customer)},
    )


@customer_view
def address(request: HttpRequest, *, customer: Any) -> HttpResponse:
    """R-CUST-4: the customer reports its new address; the old one stays in the history."""
    return _address_page(request, customer=customer, site=None, target=customer)


@customer_view
def site_address(request: HttpRequest, site_id: int, *, customer: Any) -> HttpResponse:
    site = customers.sites_of(customer).filter(pk=site_id).first()
    if site is None:
        raise Http404("site introuvable")
    return _address_page(request, customer=customer, site=site, target=site)


@customer_view
def bank_details(request: HttpRequest, *, customer: Any) -> HttpResponse:
    """R-CUST-4: new bank details; a customer paying by SEPA debit signs a new mandate here."""
    sepa = customers.pays_by_direct_debit(customer)
    form = BankDetailsForm(request.POST or None, sepa=sepa)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        now = timezone.now()
        try:
            customer_services.record_bank_details_change(
                customer=customer,
                iban=data["iban"],
                bic=data["bic"],
                account_holder=data["account_holder"],
                effective_date=_today(),
                mandate_reference=(f"SYRES-{customer.pk}-{now:%Y%m%d%H%M%S}" if sepa else ""),
                mandate_signature_date=_today() if sepa else None,
                by=request.user,
                note="Déclaré sur l'espace client",
            )
        except customer_services.UnableToRecordCustomer as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Vos nouvelles coordonnées bancaires sont enregistrées.")
            return redirect("portal:home")
    return render(
        request, "portal/bank_details.html", {"customer": customer, "form": form, "sepa": sepa}
    )
