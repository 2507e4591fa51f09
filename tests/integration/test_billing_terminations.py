"""Billing feeds the early-termination amount (R-END-2) and bills it once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from syres.billing import selectors, services
from syres.contracts import selectors as contract_selectors
from syres.contracts import services as contract_services
from syres.domain.money import quantize_eur
from syres.domain.periods import PARIS, Month
from tests.integration.billing_fixtures import rate_october as _rate_october
from tests.integration.customers_fixtures import company, staff_user

pytestmark = pytest.mark.django_db


def test_the_usage_billed_feeds_the_termination_amount_which_is_billed_once_r_end_2() -> None:
    staff = staff_user("facturation")
    customer = company(staff)
    mobile = contract_services.record_delivered_service(
        customer=customer,
        kind="mobile_plan",
        product_code="MOBILE-20G",
        label="Forfait mobile 20 Go",
        monthly_fee=Decimal("15.00"),
        phone_number="0601020304",
        delivery_date=date(2026, 7, 1),
        commitment_months=24,
    )
    _rate_october(("0601020304", "mobile", 1))
    october = services.run_billing(
        period=Month(2026, 10), as_of=date(2026, 11, 2), render=False, send=False
    )
    invoice = selectors.invoice_by_number(october.issued[0])
    usage = sum(
        (line.amount for line in selectors.lines_of(invoice) if line.category == "usage"),
        Decimal(0),
    )
    assert usage > 0
    unpaid, billed = contract_selectors.billing_inputs([mobile])
    assert billed == {mobile.pk: {Month(2026, 10): usage}}
    assert unpaid == {}

    termination = contract_services.record_customer_termination(
        contract=contract_selectors.open_contract_of(customer),
        letter_reference="1A 234 567 8901 2",
        letter_received_date=date(2026, 11, 3),
        by=staff,
        at=datetime(2026, 11, 3, 15, tzinfo=PARIS),
    )
    (line,) = contract_selectors.termination_lines_of(termination)
    assert line.usage_months_averaged == 1
    assert line.estimated_usage > 0
    assert termination.amount_due == line.total

    november = services.run_billing(
        period=Month(2026, 11), as_of=date(2026, 12, 1), render=False, send=False
    )
    invoice = selectors.invoice_by_number(november.issued[0])
    (billed_termination,) = [
        line for line in selectors.lines_of(invoice) if line.category == "early_termination"
    ]
    assert billed_termination.amount == quantize_eur(termination.amount_due)
    assert list(contract_selectors.terminations_to_invoice(customer)) == []
    december = services.run_billing(
        period=Month(2026, 12), as_of=date(2027, 1, 4), render=False, send=False
    )
    # The notice runs (end in February): January is billed in advance, the amount not again.
    invoice = selectors.invoice_by_number(december.issued[0])
    categories = [line.category for line in selectors.lines_of(invoice)]
    assert categories == ["subscription"]
