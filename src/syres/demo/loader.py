"""Build the demo database, step by step, each step idempotent."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from django.core.management import call_command

from syres.accounts.services import ensure_superuser
from syres.demo.billing import load_billing_demo
from syres.demo.contracts import load_contracts_demo
from syres.demo.customers import load_customers
from syres.demo.orders import load_catalog_demo, load_orders_demo
from syres.demo.payments import load_payments_demo
from syres.demo.portal import load_portal_demo
from syres.demo.usage import load_usage_demo

DEMO_STAFF_USERNAME = "admin"
# The demo database only; a real installation creates its staff with `syres manage`.
DEMO_STAFF_PASSWORD_DEFAULT = "Olempes-12510-demo"  # noqa: S105


@dataclass(frozen=True)
class DemoReport:
    staff_username: str
    staff_password: str


def load_demo(*, echo: Callable[[str], None]) -> DemoReport:
    """Migrate, then load the demo data; safe to run again on an existing database."""
    echo("Migration de la base de données…")
    call_command("migrate", interactive=False, verbosity=0)
    password = os.environ.get("SYRES_DEMO_PASSWORD", DEMO_STAFF_PASSWORD_DEFAULT)
    staff, created = ensure_superuser(
        username=DEMO_STAFF_USERNAME, password=password, email="admin@syres-telecom.example"
    )
    echo("Administrateur : " + ("créé." if created else "déjà présent."))
    load_customers(staff=staff, echo=echo)
    load_catalog_demo(echo=echo)
    load_orders_demo(by=staff, echo=echo)
    load_usage_demo(echo=echo)
    load_contracts_demo(by=staff, echo=echo)
    load_portal_demo(echo=echo)
    load_billing_demo(echo=echo)
    load_payments_demo(by=staff, echo=echo)
    return DemoReport(staff_username=DEMO_STAFF_USERNAME, staff_password=password)
