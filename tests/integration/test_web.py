"""The web app starts on the configured database; the staff back office is in French."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_check_answers(client: Client) -> None:
    assert client.get("/healthz").content == b"ok"


def test_the_staff_back_office_is_in_french(client: Client) -> None:
    response = client.get("/admin/login/", follow=True)
    assert response.status_code == 200
    assert "Nom d’utilisateur" in response.text or "Nom d'utilisateur" in response.text


def test_staff_can_log_into_the_back_office(admin_client: Client) -> None:
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert "syres — SYRES Télécom" in response.text
