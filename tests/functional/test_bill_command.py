"""`syres bill` end to end on a throw-away SQLite database (R-INV-1, R-INV-6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

SYRES = [sys.executable, "-m", "syres.cli"]
SETUP = """
from datetime import date
from decimal import Decimal
from syres.contracts.services import record_delivered_service
from tests.integration.customers_fixtures import company, staff_user
customer = company(staff_user("cli"))
record_delivered_service(
    customer=customer, kind="internet_access", product_code="FTTH-1G",
    label="Fibre FTTH 1 Gb/s", monthly_fee=Decimal("31.00"),
    delivery_date=date(2026, 10, 15), commitment_months=12,
)
"""


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["SYRES_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [*SYRES, *args], capture_output=True, text=True, check=False, env=env, cwd=REPO_ROOT
    )


def summary(stdout: str) -> dict[str, str]:
    """The rows of the summary table: label → value, spaces normalised."""
    rows = {}
    for line in stdout.splitlines():
        cells = [" ".join(cell.split()) for cell in line.split("│")[1:-1]]
        if len(cells) == 2 and cells[0]:
            rows[cells[0]] = cells[1]
    return rows


def test_syres_bill_bills_a_month_once_and_says_what_it_did(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(data, "manage", "migrate", "--verbosity", "0").returncode == 0
    setup = run(data, "manage", "shell", "-c", SETUP)
    assert setup.returncode == 0, setup.stderr

    early = run(data, "bill", "--period", "2026-10", "--as-of", "2026-10-20")
    first = run(data, "bill", "--period", "2026-10", "--as-of", "2026-11-02", "--no-mail")
    again = run(data, "bill", "--period", "2026-10", "--as-of", "2026-11-02", "--no-mail")

    assert early.returncode == 1
    assert "une fois le mois écoulé" in early.stderr
    assert first.returncode == 0, first.stderr
    rows = summary(first.stdout)
    assert (rows["factures émises"], rows["numéros"]) == ("1", "FA-000001 … FA-000001")
    # 17 days of October pro rata (17.00) and November (31.00), excl. VAT.
    assert rows["total HT"].replace("\u202f", " ").replace("\xa0", " ") == "48,00 €"
    assert rows["PDF écrits"] == "1"
    assert (data / "invoices" / "FA" / "FA-000001.pdf").exists()
    assert again.returncode == 0, again.stderr
    rows = summary(again.stdout)
    assert (rows["factures émises"], rows["déjà émises"]) == ("0", "1")
