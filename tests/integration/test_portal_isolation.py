"""A customer sees only its own data: every portal URL is tried with another customer's ids.

The URL patterns are enumerated from `syres.portal.urls`, so a new URL cannot escape: a pattern
with a parameter this test does not know fails it until the test learns the parameter.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from syres.portal import urls as portal_urls
from tests.integration.portal_fixtures import PortalCustomer, two_portal_customers

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "logout"}


def _other_ids(other: PortalCustomer) -> dict[str, object]:
    return {
        "identifier": other.line,
        "contract_id": other.contract_id,
        "site_id": other.site_id,
        "invoice_id": other.invoice_id,
    }


def _patterns() -> list[URLPattern]:
    return [p for p in portal_urls.urlpatterns if isinstance(p, URLPattern)]


def test_every_portal_url_refuses_another_customers_ids_and_shows_none_of_its_data() -> None:
    alpha, beta = two_portal_customers()
    client = Client()
    client.force_login(alpha.user)
    ids = _other_ids(beta)
    tried = 0
    for pattern in _patterns():
        if pattern.name in PUBLIC:
            continue
        params = list(pattern.pattern.converters)
        unknown = [p for p in params if p not in ids]
        assert not unknown, f"{pattern.name}: teach this test the parameter(s) {unknown}"
        url = reverse(f"portal:{pattern.name}", kwargs={p: ids[p] for p in params})
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            tried += 1
            body = response.content
            if params:
                assert response.status_code in (404, 405), (method, url, response.status_code)
            assert b"Coutellerie Beta" not in body, (method, url)
            assert beta.line.encode() not in body, (method, url)
    assert tried >= 2 * (len(_patterns()) - len(PUBLIC))


def test_the_same_urls_answer_with_the_customers_own_ids() -> None:
    alpha, _ = two_portal_customers()
    client = Client()
    client.force_login(alpha.user)
    ids = _other_ids(alpha)
    for pattern in _patterns():
        if pattern.name in PUBLIC:
            continue
        params = list(pattern.pattern.converters)
        response = client.get(reverse(f"portal:{pattern.name}", kwargs={p: ids[p] for p in params}))
        assert response.status_code == 200, (pattern.name, response.status_code)


def test_a_visitor_is_sent_to_the_portal_login_and_staff_has_no_portal() -> None:
    alpha, _ = two_portal_customers()
    response = Client().get(reverse("portal:consumption"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    staff = Client()
    staff.force_login(alpha.customer.created_by)
    assert staff.get(reverse("portal:home")).status_code == 403
