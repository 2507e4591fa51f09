"""The REST API: token authentication with scopes, JSON errors, OpenAPI, pagination."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from syres.accounts.services import ensure_superuser
from syres.api.services import authenticate, create_token, revoke_token

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.fixture
def token() -> str:
    ensure_superuser(username="integration", password="Olempes-12510-tests")
    return create_token(
        username="integration", name="ERP", scopes=["catalog:read"], now=NOW
    ).plaintext


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_openapi_document_is_served_at_a_stable_url(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["info"]["title"] == "syres API"
    assert "/api/v1/platforms" in document["paths"]


def test_a_call_without_token_is_refused_with_a_json_message(client: Client) -> None:
    response = client.get("/api/v1/platforms")
    assert response.status_code == 401
    assert response.json() == {"detail": "jeton absent, inconnu ou révoqué"}


def test_a_token_without_the_scope_is_forbidden(client: Client) -> None:
    ensure_superuser(username="integration", password="Olempes-12510-tests")
    other = create_token(
        username="integration", name="ERP", scopes=["usage:read"], now=NOW
    ).plaintext
    response = client.get("/api/v1/platforms", **bearer(other))
    assert response.status_code == 403
    assert "catalog:read" in response.json()["detail"]


def test_a_revoked_token_no_longer_works(client: Client, token: str) -> None:
    prefix = token.split("_")[1]
    assert revoke_token(key_prefix=prefix, now=NOW)
    assert client.get("/api/v1/platforms", **bearer(token)).status_code == 401


def test_a_forged_secret_is_refused(token: str) -> None:
    mark, prefix, _ = token.split("_", 2)
    assert authenticate(plaintext=f"{mark}_{prefix}_forged", now=NOW) is None
    assert authenticate(plaintext=token, now=NOW) is not None


def test_platforms_are_paginated_and_carry_the_fair_use_limits(client: Client, token: str) -> None:
    """R-SIP: the limits of each platform, from the terms file."""
    page = client.get("/api/v1/platforms?limit=2&offset=0", **bearer(token)).json()
    assert page["count"] == 4
    assert [item["code"] for item in page["items"]] == ["sewan", "openip"]
    wazo = client.get("/api/v1/platforms/wazo", **bearer(token)).json()
    assert (wazo["distinct_numbers_per_channel"], wazo["max_call_seconds"]) == (199, 7200)


def test_an_unknown_platform_is_a_json_404(client: Client, token: str) -> None:
    response = client.get("/api/v1/platforms/skype", **bearer(token))
    assert response.status_code == 404
    assert response.json() == {"detail": "aucune plateforme « skype »"}
