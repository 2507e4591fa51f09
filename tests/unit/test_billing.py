"""The pure billing domain: lines, periods covered, VAT, totals, due dates, kinds (SPEC §6)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.billing.samples import sample_buyer
from syres.domain.billing import (
    CallDetail,
    IntermediateReason,
    InvoiceKind,
    InvoiceLine,
    InvoiceReference,
    LineCategory,
    Series,
    ServiceToBill,
    UnableToBuildLine,
    UnableToIssueInvoice,
    UsageAggregate,
    UsageKind,
    balance_invoice,
    bank_transfer,
    credit_note,
    deposit_invoice,
    direct_debit,
    document_number,
    due_date_for,
    full_credit_note,
    intermediate_invoice,
    is_emergency_number,
    is_unusual_consumption,
    monthly_invoice,
    monthly_lines,
    one_off_line,
    prorated_amount,
    series_of,
    series_prefix,
    subscription_lines,
    usage_line,
    vat_breakdown,
)
from syres.domain.money import quantize_eur
from syres.domain.periods import PARIS, Month, Period
from syres.domain.terms import Terms, parse_terms
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)
VAT = Decimal("0.20")
OCTOBER = Month(2026, 10)
NOVEMBER = Month(2026, 11)


def service(**overrides: object) -> ServiceToBill:
    values: dict[str, object] = {
        "ref": "SRV-1",
        "label": "Accès ADSL",
        "monthly_price": Decimal("29.00"),
        "delivery_date": date(2026, 1, 5),
    }
    values.update(overrides)
    return ServiceToBill(**values)  # type: ignore[arg-type]


def line(
    amount: str, *, rate: Decimal = VAT, category: LineCategory = LineCategory.OTHER
) -> InvoiceLine:
    return one_off_line(label="Ligne", category=category, unit_price=Decimal(amount), vat_rate=rate)


def monthly(lines: list[InvoiceLine], **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "number": "FA-000001",
        "issue_date": date(2026, 11, 2),
        "period": OCTOBER,
        "buyer": sample_buyer(),
        "lines": lines,
        "payment": bank_transfer(terms=TERMS),
        "terms": TERMS,
    }
    values.update(overrides)
    return monthly_invoice(**values)  # type: ignore[arg-type]


# --- subscriptions (R-INV-1) ---------------------------------------------------------------


def test_first_partial_month_is_billed_pro_rata_of_days_then_the_next_month_in_advance() -> None:
    """R-INV-1: delivered 15 Oct → the October invoice bills 17/31 of October and all November."""
    lines = subscription_lines(
        service=service(delivery_date=date(2026, 10, 15)), period=OCTOBER, vat_rate=VAT
    )
    catch_up, advance = lines
    assert catch_up.period == Period(date(2026, 10, 15), date(2026, 11, 1))
    assert (catch_up.quantity, catch_up.base_quantity, catch_up.unit_code) == (17, 31, "DAY")
    assert catch_up.amount == quantize_eur(Decimal("29.00") * 17 / 31) == Decimal("15.90")
    assert "prorata 17/31 jours" in catch_up.label
    assert advance.period == NOVEMBER.period
    assert advance.amount == Decimal("29.00")


def test_a_service_delivered_on_the_first_is_billed_whole_months_only() -> None:
    """R-INV-1: nobody billed that month in advance, and there is nothing to pro-rate."""
    lines = subscription_lines(
        service=service(delivery_date=date(2026, 10, 1)), period=OCTOBER, vat_rate=VAT
    )
    assert [ln.period for ln in lines] == [OCTOBER.period, NOVEMBER.period]
    assert [ln.amount for ln in lines] == [Decimal("29.00")] * 2


def test_a_service_delivered_after_the_period_waits_for_the_next_invoice() -> None:
    """R-ORD-7: billing starts at delivery."""
    late = service(delivery_date=date(2026, 11, 1))
    assert subscription_lines(service=late, period=OCTOBER, vat_rate=VAT) == ()


def test_the_month_in_which_a_service_ends_is_due_in_full() -> None:
    """R-INV-1, CGV art. 7: ending on 10 November still bills all of November."""
    ending = service(end_date=date(2026, 11, 10))
    (advance,) = subscription_lines(service=ending, period=OCTOBER, vat_rate=VAT)
    assert advance.amount == Decimal("29.00")
    assert "mois de fin de service dû en entier" in advance.label


def test_a_service_ended_before_the_coming_month_is_not_billed_in_advance() -> None:
    ended = service(end_date=date(2026, 11, 1))
    assert subscription_lines(service=ended, period=OCTOBER, vat_rate=VAT) == ()


def test_a_suspended_service_is_still_billed() -> None:
    """R-PAY-3, CGV art. 7: suspension does not suspend the subscription."""
    (advance,) = subscription_lines(service=service(suspended=True), period=OCTOBER, vat_rate=VAT)
    assert advance.amount == Decimal("29.00")
    assert "suspendu" in advance.label


def test_a_channel_count_multiplies_the_monthly_price() -> None:
    trunk = service(monthly_price=Decimal("9.00"), quantity=Decimal(10))
    (advance,) = subscription_lines(service=trunk, period=OCTOBER, vat_rate=VAT)
    assert advance.amount == Decimal("90.00")


@settings(max_examples=60)
@given(
    delivered=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    length=st.one_of(st.none(), st.integers(min_value=1, max_value=800)),
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000"), places=2),
)
def test_every_month_of_a_service_is_billed_exactly_once_across_invoices(
    delivered: date, length: int | None, price: Decimal
) -> None:
    """R-INV-1 / R-INV-6: the catch-up and the advance lines never overlap nor leave a gap."""
    end = None if length is None else delivered + timedelta(days=length)
    srv = service(delivery_date=delivered, end_date=end, monthly_price=price)
    covered: list[Period] = []
    month = Month.of(delivered).previous()
    for _ in range(32):
        covered.extend(
            ln.period
            for ln in subscription_lines(service=srv, period=month, vat_rate=VAT)
            if ln.period is not None
        )
        month = month.next()
    covered.sort()
    assert covered[0].start == delivered
    for before, after in itertools.pairwise(covered):
        assert before.end == after.start
    if end is not None:
        last_month = Month.of(end - timedelta(days=1))
        assert covered[-1].end == last_month.next().first_day


@given(
    price=st.decimals(min_value=Decimal(0), max_value=Decimal("100000"), places=2),
    year=st.integers(min_value=2000, max_value=2099),
    month=st.integers(min_value=1, max_value=12),
)
def test_pro_rata_of_a_full_month_is_the_monthly_price(
    price: Decimal, year: int, month: int
) -> None:
    """R-INV-1."""
    m = Month(year, month)
    assert prorated_amount(monthly_price=price, days=m.days, month=m) == price


# --- usage (R-INV-1 arrears) ----------------------------------------------------------------


def aggregate(**overrides: object) -> UsageAggregate:
    values: dict[str, object] = {
        "service_ref": "TRK-1",
        "service_label": "Trunk SIP",
        "kind": UsageKind.VOICE,
        "month": OCTOBER,
        "billable_units": 125,
        "amount": Decimal("2.500"),
        "unit_rate": Decimal("0.020"),
    }
    values.update(overrides)
    return UsageAggregate(**values)  # type: ignore[arg-type]


def test_usage_is_billed_in_arrears_from_the_monthly_aggregate() -> None:
    """R-INV-1: one line per service and kind, from the rated aggregate of the month."""
    usage = usage_line(aggregate=aggregate(), vat_rate=VAT)
    assert usage is not None
    assert (usage.quantity, usage.unit_price, usage.amount) == (
        125,
        Decimal("0.020"),
        Decimal("2.50"),
    )
    assert usage.period == OCTOBER.period
    assert "octobre 2026" in usage.label


def test_usage_at_mixed_rates_is_one_line_at_its_exact_total_rounded_once() -> None:
    """R-SIP-5: per-call amounts stay exact; the line rounds half-up once, on its total."""
    usage = usage_line(
        aggregate=aggregate(amount=Decimal("3.145000"), unit_rate=None), vat_rate=VAT
    )
    assert usage is not None
    assert (usage.quantity, usage.amount) == (1, Decimal("3.15"))


def test_a_month_without_billable_usage_makes_no_line() -> None:
    assert (
        usage_line(aggregate=aggregate(amount=Decimal(0), billable_units=0), vat_rate=VAT) is None
    )


# --- VAT and totals (R-INV-2) -----------------------------------------------------------------


amounts = st.lists(
    st.decimals(min_value=Decimal(0), max_value=Decimal("5000"), places=6), min_size=1, max_size=12
)


@given(amounts)
def test_total_including_vat_is_the_sum_of_the_lines_plus_the_vat_of_each_rate(
    values: list[Decimal],
) -> None:
    """R-INV-2: totals excl. VAT, VAT per rate, incl. VAT; each line rounded once."""
    lines = [line(str(value)) for value in values]
    document = monthly(lines)
    assert document.total_excl_vat == sum(quantize_eur(value) for value in values)
    assert document.total_incl_vat == sum(ln.amount for ln in lines) + sum(
        rate.tax for rate in document.vat
    )
    (rate,) = document.vat
    assert rate.tax == quantize_eur(document.total_excl_vat * VAT)


@given(amounts)
def test_rounding_happens_per_line_only(values: list[Decimal]) -> None:
    """R-SIP-5 / R-INV-2: a line's amount is its exact total rounded half-up once."""
    for value in values:
        built = one_off_line(
            label="x",
            category=LineCategory.OTHER,
            unit_price=value,
            quantity=Decimal(3),
            vat_rate=VAT,
        )
        assert built.amount == quantize_eur(value * 3)


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=Decimal(0), max_value=Decimal("5000"), places=6),
            st.sampled_from([Decimal("0.20"), Decimal("0.10"), Decimal("0.055"), Decimal("0.021")]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_vat_per_rate_sums_to_the_lines_and_rounds_once_per_rate(
    values: list[tuple[Decimal, Decimal]],
) -> None:
    """R-INV-2: the bases of the rates add up to the lines; each tax is its base × rate,
    rounded half-up once."""
    lines = [line(str(amount), rate=rate) for amount, rate in values]
    breakdown = vat_breakdown(lines=lines)
    assert sum(rate.base for rate in breakdown) == sum(ln.amount for ln in lines)
    assert len({rate.rate for rate in breakdown}) == len(breakdown)
    for rate in breakdown:
        assert rate.tax == quantize_eur(rate.base * rate.rate)


def test_an_issued_document_cannot_be_altered() -> None:
    """R-INV-3: the document is frozen once made."""
    document = monthly([line("10.00")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.number = "FA-999999"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.lines[0].unit_price = Decimal(0)  # type: ignore[misc]


def test_vat_is_grouped_per_rate() -> None:
    breakdown = vat_breakdown(
        lines=[line("10.00"), line("5.00", rate=Decimal("0.055")), line("2.50")]
    )
    assert [(v.rate, v.base, v.tax) for v in breakdown] == [
        (Decimal("0.20"), Decimal("12.50"), Decimal("2.50")),
        (Decimal("0.055"), Decimal("5.00"), Decimal("0.28")),
    ]


def terms_with_new_vat_rate() -> Terms:
    old = "  { effective_from = 2014-01-01, rate = 0.20 },"
    new = old + "\n  { effective_from = 2026-11-01, rate = 0.21 },"
    text = SHIPPED_TERMS_FILE.read_text(encoding="utf-8").replace(old, new)
    return parse_terms(text, source="test")


def test_vat_is_at_the_rate_in_force_on_the_invoice_date() -> None:
    """R-INV-2, CGV art. 7: taxes "applicables au jour de la facturation"."""
    terms = terms_with_new_vat_rate()
    assert terms.invoicing.vat_rate_on(day=date(2026, 10, 31)) == Decimal("0.20")
    with pytest.raises(UnableToIssueInvoice, match="taux de TVA"):
        monthly([line("10.00", rate=Decimal("0.20"))], terms=terms)
    document = monthly([line("10.00", rate=Decimal("0.21"))], terms=terms)
    assert document.total_vat == Decimal("2.10")


# --- due dates, numbers -----------------------------------------------------------------------


def test_due_date_defaults_to_the_terms_file_and_never_exceeds_the_cap() -> None:
    """R-INV-4: default `payment_terms_days`, never beyond `max_payment_terms_days` (45)."""
    issued = date(2026, 11, 2)
    assert due_date_for(kind=InvoiceKind.MONTHLY, issue_date=issued, terms=TERMS) == date(
        2026, 12, 2
    )
    assert due_date_for(
        kind=InvoiceKind.MONTHLY, issue_date=issued, terms=TERMS, payment_terms_days=45
    ) == date(2026, 12, 17)
    with pytest.raises(UnableToIssueInvoice, match="45 jours"):
        due_date_for(
            kind=InvoiceKind.MONTHLY, issue_date=issued, terms=TERMS, payment_terms_days=46
        )


def test_an_intermediate_invoice_is_payable_on_receipt() -> None:
    """R-INV-5."""
    document = intermediate_invoice(
        number="FA-000009",
        issue_date=date(2026, 11, 16),
        buyer=sample_buyer(),
        lines=[line("420.00", category=LineCategory.EARLY_TERMINATION)],
        reason=IntermediateReason.PAYMENT_INCIDENT,
        payment=bank_transfer(terms=TERMS),
        terms=TERMS,
    )
    assert document.due_date == document.issue_date
    assert "incident de paiement" in document.reason


def test_numbers_carry_the_prefix_of_their_series_from_the_terms_file() -> None:
    """R-INV-3: one sequence per series (invoices, credit notes)."""
    assert series_of(kind=InvoiceKind.DEPOSIT) is Series.INVOICE
    assert series_of(kind=InvoiceKind.CREDIT_NOTE) is Series.CREDIT_NOTE
    assert series_prefix(series=Series.INVOICE, terms=TERMS) == "FA"
    assert series_prefix(series=Series.CREDIT_NOTE, terms=TERMS) == "AV"
    assert document_number(prefix="AV", sequence=42) == "AV-000042"
    with pytest.raises(UnableToIssueInvoice):
        document_number(prefix="FA", sequence=0)


def test_a_monthly_invoice_is_issued_only_once_its_month_is_over() -> None:
    with pytest.raises(UnableToIssueInvoice, match="mois écoulé"):
        monthly([line("1.00")], issue_date=date(2026, 10, 31))


# --- intermediate invoices: unusual consumption (R-INV-5) --------------------------------------


def test_unusual_consumption_needs_both_the_ratio_and_the_floor() -> None:
    """R-INV-5: month ≥ 3 × average of the previous months and ≥ 150 € (terms file)."""
    history = [Decimal("40"), Decimal("60")]
    assert is_unusual_consumption(month_amount=Decimal("150"), previous_months=history, terms=TERMS)
    assert not is_unusual_consumption(
        month_amount=Decimal("149.99"), previous_months=history, terms=TERMS
    )
    assert not is_unusual_consumption(
        month_amount=Decimal("299"), previous_months=[Decimal("100")], terms=TERMS
    )
    assert is_unusual_consumption(
        month_amount=Decimal("300"), previous_months=[Decimal("100")], terms=TERMS
    )


def test_without_history_the_floor_alone_flags_unusual_consumption() -> None:
    assert is_unusual_consumption(month_amount=Decimal("150"), previous_months=[], terms=TERMS)
    assert not is_unusual_consumption(month_amount=Decimal("20"), previous_months=[], terms=TERMS)


# --- deposit and balance (R-ORD-2) ------------------------------------------------------------


def test_deposit_is_thirty_percent_and_the_balance_deducts_it() -> None:
    """R-ORD-2: 30 % of the one-off total at order; the balance after delivery less the deposit."""
    one_offs = [
        line("1500.00", category=LineCategory.ACCESS_FEE),
        line("149.00", category=LineCategory.EQUIPMENT_SALE),
    ]
    deposit = deposit_invoice(
        number="FA-000001",
        issue_date=date(2026, 9, 1),
        buyer=sample_buyer(),
        order_ref="CMD-1",
        one_off_total=Decimal("1649.00"),
        payment=bank_transfer(terms=TERMS),
        terms=TERMS,
    )
    assert deposit.type_code == "386"
    assert deposit.total_excl_vat == Decimal("494.70")
    assert deposit.due_date == deposit.issue_date
    balance = balance_invoice(
        number="FA-000002",
        issue_date=date(2026, 11, 2),
        delivery_date=date(2026, 10, 20),
        buyer=sample_buyer(),
        order_ref="CMD-1",
        lines=one_offs,
        deposit=deposit,
        payment=bank_transfer(terms=TERMS),
        terms=TERMS,
    )
    assert balance.type_code == "380"
    assert balance.due_date == balance.issue_date  # CGV art. 10: on receipt
    assert balance.business_process == "M4"
    assert balance.operation_category == "Livraisons de biens et prestations de services"
    assert balance.prepaid_amount == deposit.total_incl_vat == Decimal("593.64")
    assert balance.amount_due == balance.total_incl_vat - Decimal("593.64")
    assert balance.referenced_invoice == InvoiceReference("FA-000001", date(2026, 9, 1), "386")


def test_business_process_tells_services_from_goods() -> None:
    assert monthly([line("1.00")]).business_process == "S1"
    assert monthly([line("1.00", category=LineCategory.EQUIPMENT_SALE)]).business_process == "B1"


# --- credit notes (R-INV-3) -------------------------------------------------------------------


def test_a_credit_note_references_the_invoice_number_and_date() -> None:
    """R-INV-3: corrections are credit notes that reference the invoice."""
    invoice = monthly([line("10.00"), line("5.55")])
    note = full_credit_note(
        number="AV-000001",
        issue_date=date(2026, 11, 20),
        invoice=invoice,
        reason="Contestation acceptée",
        terms=TERMS,
    )
    assert note.type_code == "381"
    assert note.referenced_invoice == InvoiceReference("FA-000001", date(2026, 11, 2), "380")
    assert note.total_incl_vat == invoice.total_incl_vat
    assert note.due_date is None


def test_a_credit_note_cannot_exist_without_its_invoice_or_reason() -> None:
    with pytest.raises(UnableToIssueInvoice, match="motif"):
        credit_note(
            number="AV-000001",
            issue_date=date(2026, 11, 20),
            credited=InvoiceReference("FA-000001", date(2026, 11, 2)),
            buyer=sample_buyer(),
            lines=[line("1.00")],
            reason=" ",
            payment=bank_transfer(terms=TERMS),
            terms=TERMS,
        )


# --- parties, payment, annex -----------------------------------------------------------------


def test_the_seller_is_syres_from_the_terms_file() -> None:
    """R-INV-4: SYRES TELECOM SARL, capital 85 000 €, SIREN, RCS Rodez."""
    seller = monthly([line("1.00")]).seller
    assert seller.siren == "441733953"
    assert seller.legal_mentions == "SARL au capital de 85\u00a0000 € — RCS Rodez 441 733 953"


def test_legal_notes_carry_the_penalty_rate_the_indemnity_and_no_discount() -> None:
    """R-INV-4, L441-9 C. com.: penalties, 40 € indemnity, no early-payment discount."""
    notes = monthly([line("1.00")]).notes
    assert "12 %" in notes.late_penalties
    assert "40,00 €" in notes.recovery_indemnity
    assert notes.early_payment_discount == "Pas d'escompte pour paiement anticipé."
    assert "Tribunal de commerce de Rodez" in notes.court


def test_a_public_administration_needs_its_siret_and_chorus_service_code() -> None:
    """R-CUST-5."""
    admin = sample_buyer(public_administration=True)
    assert admin.chorus_service_code
    assert admin.siret.startswith(admin.siren)
    with pytest.raises(UnableToIssueInvoice, match="Chorus Pro"):
        type(admin)(
            name="Mairie",
            address=admin.address,
            billing_email="x@y.fr",
            siren=admin.siren,
            public_administration=True,
        )


def test_a_direct_debit_is_announced_by_the_invoice_the_sepa_delay_ahead() -> None:
    """R-PAY-1: debited on the due date, or once the pre-notification delay has run."""
    debit = direct_debit(
        terms=TERMS, mandate_ref="RUM-1", debtor_iban="FR1420041010050500013M02606"
    )
    document = monthly([line("10.00")], payment=debit)
    assert document.direct_debit_date == document.due_date
    urgent = intermediate_invoice(
        number="FA-000010",
        issue_date=date(2026, 11, 16),
        buyer=sample_buyer(),
        lines=[line("420.00")],
        reason=IntermediateReason.UNUSUAL_CONSUMPTION,
        payment=debit,
        terms=TERMS,
    )
    assert urgent.due_date == date(2026, 11, 16)
    assert urgent.direct_debit_date == date(2026, 11, 30)
    assert monthly([line("1.00")]).direct_debit_date is None


def test_direct_debit_needs_a_mandate_and_masks_the_iban() -> None:
    """R-PAY-1: mandate reference and creditor id."""
    means = direct_debit(
        terms=TERMS, mandate_ref="RUM-1", debtor_iban="FR1420041010050500013M02606"
    )
    assert means.creditor_id == TERMS.seller.sepa_creditor_id
    assert means.masked_debtor_iban == "FR14*******************2606"
    with pytest.raises(UnableToIssueInvoice, match="mandat"):
        direct_debit(terms=TERMS, mandate_ref="", debtor_iban="FR14")


def test_emergency_calls_never_appear_in_the_call_annex() -> None:
    """R-DEST-2: emergency calls are never shown."""
    at = datetime(2026, 10, 3, 10, 0, tzinfo=PARIS)
    calls = [
        CallDetail(at, "+33565000001", callee, 60, 60, Decimal("0.02"))
        for callee in ("112", "+33 15", "0033 17", "116000", "+33612345678")
    ]
    document = monthly([line("1.00")], call_details=calls)
    assert [call.callee for call in document.call_details] == ["+33612345678"]
    assert is_emergency_number(callee="17", rating=TERMS.rating)
    assert not is_emergency_number(callee="1170", rating=TERMS.rating)


def test_lines_refuse_negative_amounts() -> None:
    with pytest.raises(UnableToBuildLine):
        line("-1.00")


def test_monthly_lines_put_subscriptions_then_usage_then_one_offs() -> None:
    """R-INV-1: the whole monthly invoice of a customer from its services and aggregates."""
    lines = monthly_lines(
        period=OCTOBER,
        services=[service(ref="B", delivery_date=date(2026, 10, 20)), service(ref="A")],
        usage=[
            aggregate(
                kind=UsageKind.SMS,
                amount=Decimal("0.5"),
                billable_units=10,
                unit_rate=Decimal("0.05"),
            ),
            aggregate(),
        ],
        vat_rate=VAT,
        one_offs=[line("12.00", category=LineCategory.EARLY_TERMINATION)],
    )
    assert [(ln.category, ln.service_ref) for ln in lines] == [
        (LineCategory.SUBSCRIPTION, "A"),
        (LineCategory.SUBSCRIPTION, "B"),
        (LineCategory.SUBSCRIPTION, "B"),
        (LineCategory.USAGE, "TRK-1"),
        (LineCategory.USAGE, "TRK-1"),
        (LineCategory.EARLY_TERMINATION, ""),
    ]
    assert "Communications" in lines[3].label


def test_usage_of_another_month_is_refused_on_a_monthly_invoice() -> None:
    with pytest.raises(UnableToBuildLine, match="2026-11"):
        monthly_lines(period=OCTOBER, services=[], usage=[aggregate(month=NOVEMBER)], vat_rate=VAT)
