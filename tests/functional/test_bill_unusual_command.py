"""`syres bill --unusual` end to end on a throw-away SQLite database (R-INV-5)."""

from __future__ import annotations

from pathlib import Path

from tests.functional.test_bill_command import run, summary

SETUP = """
from datetime import date
from decimal import Decimal
from syres.contracts.services import record_delivered_service
from syres.usage.models import Line, LineMonth
from tests.integration.customers_fixtures import company, staff_user
customer = company(staff_user("cli"))
record_delivered_service(
    customer=customer, kind="sip_trunk", product_code="TRUNK-SEWAN", label="Trunk SIP SEWAN",
    monthly_fee=Decimal("24.00"), quantity=2, platform="sewan", phone_number="0565000001",
    delivery_date=date(2026, 9, 1), commitment_months=12,
)
amount = Decimal("180.00")
LineMonth.objects.create(
    line=Line.objects.get(identifier="0565000001"), period="2026-10", platform="sewan",
    channels=2, outgoing_calls=100, outgoing_seconds=6000, distinct_numbers=40,
    limit_seconds=1000, limit_numbers=400, breaches="", billable_seconds=600,
    billable_minutes=10, billable_sms=0, billable_mb=0, sms=0, data_bytes=0,
    amount_voice=amount, amount_sms=0, amount_data=0, amount_beyond=amount,
    amount_if_retroactive=amount,
)
"""


def test_syres_bill_unusual_issues_one_intermediate_invoice_per_customer_and_month_r_inv_5(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    assert run(data, "manage", "migrate", "--verbosity", "0").returncode == 0
    setup = run(data, "manage", "shell", "-c", SETUP)
    assert setup.returncode == 0, setup.stderr

    first = run(data, "bill", "--period", "2026-10", "--as-of", "2026-10-20", "--unusual")
    again = run(data, "bill", "--period", "2026-10", "--as-of", "2026-10-21", "--unusual")

    assert first.returncode == 0, first.stderr
    rows = summary(first.stdout)
    assert rows["clients examinés"] == "1"
    assert rows["factures intermédiaires émises"] == "1"
    assert again.returncode == 0, again.stderr
    rows = summary(again.stdout)
    assert rows["factures intermédiaires émises"] == "0"
    assert rows["déjà signalés ce mois"] == "1"
    assert list((data / "invoices").rglob("*.pdf"))  # written once issued
