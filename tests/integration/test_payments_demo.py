"""The payments demo step: payments, a SEPA batch, a dispute, the day's dunning; idempotent."""

from __future__ import annotations

from datetime import datetime

import pytest

from syres.demo.payments import load_payments_demo
from syres.domain.periods import PARIS
from syres.payments import selectors
from syres.payments.models import Payment
from tests.integration.customers_fixtures import at, company, staff_user
from tests.integration.payments_fixtures import invoice, mandate

pytestmark = pytest.mark.django_db


def test_the_payments_demo_step_runs_twice_without_adding_anything() -> None:
    staff = staff_user("demo")
    by_transfer = company(staff, name="Fromagerie des Causses", when=at(2025, 12, 1))
    by_transfer.payment_method = "transfer"
    by_transfer.save(update_fields=["payment_method"])
    by_debit = company(staff, name="Transports TAE", when=at(2025, 12, 1))
    mandate(by_debit, staff)
    today = datetime.now(tz=PARIS).date()
    for customer in (by_transfer, by_debit):
        invoice(customer, "100.00", issue_date=today)
    lines: list[str] = []

    load_payments_demo(by=staff, echo=lines.append)
    load_payments_demo(by=staff, echo=lines.append)

    assert Payment.objects.count() == 1
    assert selectors.sepa_batches().count() == 1
    assert selectors.disputes_to_decide().count() == 1
    assert sum(line.startswith("Paiement démo") for line in lines) == 1
