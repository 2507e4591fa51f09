"""The monthly billing run (R-INV-1, R-INV-2, R-INV-6) on both databases."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from syres.billing import selectors, services
from syres.contracts import services as contract_services
from syres.domain import billing as rules
from syres.domain.money import quantize_eur
from syres.domain.periods import PARIS, Month
from syres.terms import load_terms
from syres.usage import selectors as usage_selectors
from syres.usage.services import import_usage
from syres.usage.synthetic import (
    Lines,
    mobile_frame,
    voice_frame,
    write_mobile_csv,
    write_voice_csv,
)
from tests.integration.customers_fixtures import company, staff_user

pytestmark = pytest.mark.django_db

OCTOBER = Month(2026, 10)
AS_OF = date(2026, 11, 2)


@pytest.fixture
def staff() -> Any:
    return staff_user("billing-run")


def _service(customer: Any, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "kind": "internet_access",
        "product_code": "FTTH-1G",
        "label": "Fibre FTTH 1 Gb/s",
        "monthly_fee": Decimal("31.00"),
        "delivery_date": date(2026, 10, 15),
        "commitment_months": 12,
    }
    values.update(fields)
    return contract_services.record_delivered_service(customer=customer, **values)


def _rate_october(*identifiers: tuple[str, str, int]) -> None:
    schema = {"line": pl.String, "platform": pl.String, "channels": pl.Int64}
    trunks = [row for row in identifiers if row[1] != "mobile"]
    mobiles = [row for row in identifiers if row[1] == "mobile"]
    lines = Lines(
        trunks=pl.DataFrame(trunks, schema=schema, orient="row"),
        mobiles=pl.DataFrame(mobiles, schema=schema, orient="row"),
    )
    with tempfile.TemporaryDirectory() as folder:
        voice, mobile = Path(folder) / "voice.csv", Path(folder) / "mobile.csv"
        write_voice_csv(voice, voice_frame(records=600, lines=lines, month=OCTOBER))
        write_mobile_csv(mobile, mobile_frame(records=300, lines=lines, month=OCTOBER))
        import_usage(
            month=OCTOBER,
            paths=[voice, mobile],
            terms=load_terms(),
            rated_at=datetime(2026, 11, 1, 3, tzinfo=PARIS),
        )


def _lines(invoice: Any) -> list[Any]:
    return list(selectors.lines_of(invoice))


def test_a_first_partial_month_is_billed_pro_rata_with_the_next_month_in_advance_r_inv_1(
    staff: Any,
) -> None:
    customer = company(staff)
    _service(customer)
    report = services.run_billing(period=OCTOBER, as_of=AS_OF, render=False, send=False)
    (number,) = report.issued
    invoice = selectors.invoice_by_number(number)
    assert invoice is not None
    catch_up, november = _lines(invoice)
    assert "prorata 17/31 jours" in catch_up.label
    assert catch_up.amount == Decimal("17.00")  # 31.00 × 17 / 31
    assert (november.period_start, november.period_end) == (date(2026, 11, 1), date(2026, 12, 1))
    assert november.amount == Decimal("31.00")


def test_the_month_in_which_a_service_ends_is_due_in_full_r_inv_1(staff: Any) -> None:
    customer = company(staff)
    service = _service(customer, delivery_date=date(2026, 9, 1))
    contract_services.end_service(service=service, end_date=date(2026, 11, 10), as_of=AS_OF)
    report = services.run_billing(period=OCTOBER, as_of=AS_OF, render=False, send=False)
    invoice = selectors.invoice_by_number(report.issued[0])
    (november,) = _lines(invoice)
    assert "mois de fin de service dû en entier" in november.label
    assert november.amount == Decimal("31.00")
    # The invoice of November bills nothing more for it: December is after its end.
    november_run = services.run_billing(
        period=Month(2026, 11), as_of=date(2026, 12, 1), render=False, send=False
    )
    assert november_run.issued == []


def test_usage_is_billed_in_arrears_from_the_rated_aggregates_one_line_per_service_and_kind(
    staff: Any,
) -> None:
    """R-INV-1: the usage of October on the invoice of October, from `LineMonth`."""
    customer = company(staff)
    trunk = _service(
        customer,
        kind="sip_trunk",
        product_code="TRUNK-SEWAN",
        label="Trunk SIP SEWAN",
        monthly_fee=Decimal("24.00"),
        quantity=2,
        platform="sewan",
        phone_number="0565000001",
        delivery_date=date(2026, 9, 1),
    )
    mobile = _service(
        customer,
        kind="mobile_plan",
        product_code="MOBILE-20G",
        label="Forfait mobile 20 Go",
        monthly_fee=Decimal("15.00"),
        phone_number="0601020304",
        delivery_date=date(2026, 9, 1),
    )
    _rate_october(("0565000001", "sewan", 2), ("0601020304", "mobile", 1))
    report = services.run_billing(period=OCTOBER, as_of=AS_OF, render=False, send=False)
    invoice = selectors.invoice_by_number(report.issued[0])
    usage = [line for line in _lines(invoice) if line.category == "usage"]
    expected = {}
    for service, identifier in ((trunk, "0565000001"), (mobile, "0601020304")):
        month = usage_selectors.line_month(identifier=identifier, period="2026-10")
        assert month is not None
        for kind, amount in (
            ("Communications", month.amount_voice),
            ("SMS", month.amount_sms),
            ("Données", month.amount_data),
        ):
            if amount > 0:
                expected[(f"service:{service.pk}", kind)] = quantize_eur(amount)
    assert expected  # the synthetic month does have out-of-bundle usage
    got = {(line.service_ref, line.label.split(" ")[0]): line.amount for line in usage}
    assert got == expected
    for line in usage:
        assert (line.period_start, line.period_end) == (date(2026, 10, 1), date(2026, 11, 1))
    document = selectors.document_of(invoice)
    assert document.call_details
    assert all(call.billable_s > 0 for call in document.call_details)
    assert not any(
        rules.is_emergency_number(callee=call.callee, rating=load_terms().rating)
        for call in document.call_details
    )


def test_the_vat_of_each_rate_is_rounded_once_on_its_base_r_inv_2(staff: Any) -> None:
    customer = company(staff)
    _service(customer, monthly_fee=Decimal("19.99"), delivery_date=date(2026, 10, 3))
    _service(customer, monthly_fee=Decimal("7.33"), delivery_date=date(2026, 10, 20))
    report = services.run_billing(period=OCTOBER, as_of=AS_OF, render=False, send=False)
    assert report.skipped == []
    invoice = selectors.invoice_by_number(report.issued[0])
    rate = load_terms().invoicing.vat_rate_on(day=AS_OF)
    base = sum((line.amount for line in _lines(invoice)), Decimal(0))
    (vat,) = selectors.vat_of(invoice)
    assert (vat.rate, vat.base, vat.tax) == (rate, base, quantize_eur(base * rate))
    assert invoice.total_excl_vat == base
    assert invoice.total_incl_vat == base + vat.tax
    assert report.total_incl_vat == invoice.total_incl_vat


def test_running_a_period_again_issues_nothing_new_r_inv_6(staff: Any) -> None:
    for name in ("Alpha SAS", "Beta SARL"):
        _service(company(staff, name=name))
    first = services.run_billing(period=OCTOBER, as_of=AS_OF, render=False, send=False)
    second = services.run_billing(period=OCTOBER, as_of=AS_OF, render=False, send=False)
    assert len(first.issued) == 2
    assert (second.issued, second.already_issued) == ([], 2)
    run = selectors.billing_run_of(OCTOBER)
    assert run is not None
    assert (run.attempts, run.invoices_issued) == (2, 2)


class _Killed(Exception):
    pass


def test_a_run_stopped_midway_finishes_the_rest_without_duplicates_or_gaps_r_inv_6(
    staff: Any,
) -> None:
    for index in range(5):
        _service(company(staff, name=f"Client {index} SAS"))

    def stop_after_two(stage: str, done: int, total: int) -> None:
        if stage == "issue" and done == 2:
            raise _Killed

    with pytest.raises(_Killed):
        services.run_billing(
            period=OCTOBER, as_of=AS_OF, progress=stop_after_two, render=False, send=False
        )
    assert selectors.billing_run_of(OCTOBER).finished_at is None  # type: ignore[union-attr]
    resumed = services.run_billing(period=OCTOBER, as_of=AS_OF, render=False, send=False)
    assert (len(resumed.issued), resumed.already_issued) == (3, 2)
    sequences = sorted(
        invoice.sequence
        for invoice in selectors.billing_run_of(OCTOBER).invoices.all()  # type: ignore[union-attr]
    )
    assert sequences == [1, 2, 3, 4, 5]


def test_a_customer_without_anything_to_bill_is_skipped_with_the_reason(staff: Any) -> None:
    customer = company(staff)
    service = _service(customer, delivery_date=date(2026, 8, 1))
    contract_services.end_service(service=service, end_date=date(2026, 10, 5), as_of=AS_OF)
    report = services.run_billing(period=OCTOBER, as_of=AS_OF, render=False, send=False)
    assert report.issued == []
    assert report.skipped == [(str(customer), "rien à facturer pour octobre 2026")]


def test_a_run_before_the_month_is_over_is_refused(staff: Any) -> None:
    with pytest.raises(services.UnableToBill, match="mois écoulé"):
        services.run_billing(period=OCTOBER, as_of=date(2026, 10, 31))


def test_the_run_writes_every_pdf_and_xml(staff: Any) -> None:
    _service(company(staff))
    report = services.run_billing(period=OCTOBER, as_of=AS_OF, send=False, processes=1)
    assert report.rendered == 1
    invoice = selectors.invoice_by_number(report.issued[0])
    pdf_path, xml_path = selectors.document_paths(number=invoice.number)  # type: ignore[union-attr]
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert b"CrossIndustryInvoice" in xml_path.read_bytes()
