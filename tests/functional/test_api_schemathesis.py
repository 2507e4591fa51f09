"""Schemathesis drives every operation of the OpenAPI document and finds no server error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from syres.accounts.services import ensure_superuser
from syres.api.scopes import SCOPES
from syres.api.services import create_token

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open() -> Iterator[None]:
    # Schemathesis calls the WSGI app directly; like Django's test client, keep the request
    # cycle from closing the connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def all_scopes_token(db: None) -> str:
    ensure_superuser(username="schemathesis", password="Olempes-12510-tests")
    return create_token(
        username="schemathesis",
        name="schemathesis",
        scopes=list(SCOPES),
        now=datetime(2026, 11, 27, tzinfo=UTC),
    ).plaintext


@pytest.mark.django_db
@schema.parametrize()
# The token is created once for all generated cases on purpose: it is read-only data.
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_operation_answers_with_a_server_error(
    case: schemathesis.Case, all_scopes_token: str
) -> None:
    response = case.call(headers={"Authorization": f"Bearer {all_scopes_token}"})
    assert response.status_code < 500, response.text
