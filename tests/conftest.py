"""Shared by every tier of tests (the data directory is set by syres.config.test_settings)."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_SPEC_DIR = REPO_ROOT.parent / "shared" / "spec"

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _invoice_counters_after_a_flush(request: pytest.FixtureRequest) -> None:
    """A transactional test (live server, threads) starts after the flush of the one before,
    which empties the invoice number counters the billing migration created: put them back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction", False):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    migration = importlib.import_module(
        "syres.billing.migrations.0002_counters_and_read_only_invoices"
    )
    migration.create_counters(apps, None)
