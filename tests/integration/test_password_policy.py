"""R-SEC-1 wired into Django: validators for every account, forced and monthly change, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from syres.accounts import services as accounts
from syres.accounts.roles import ROLES
from syres.customers import services
from syres.domain.security import UnableToAcceptSecret
from tests.integration.customers_fixtures import company, staff_user

pytestmark = pytest.mark.django_db

STRONG = "Viaduc-de-Millau-2004!"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("0000", "au moins 12 caractères"),
        ("Causse-Noir-1111", "répétition de chiffres"),
        ("Causse-Noir-1234", "suite ou une répétition"),
        ("Causse-Noir-9876", "suite ou une répétition"),
        ("motdepasse", "trop courant"),
    ],
)
def test_django_refuses_simple_passwords_for_every_account_r_sec_1(
    password: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert any(reason in message for message in refused.value.messages)


def test_a_portal_user_cannot_use_the_last_digits_of_the_company_number_r_sec_1() -> None:
    customer = company(staff_user())  # phone +33 1 47 44 45 46
    services.add_site(
        customer=customer,
        name="Agence Rodez",
        phone="05 65 42 17 38",
        address=services.Address("1 rue Béteille", "12000", "Rodez"),
        by=staff_user("s2"),
    )
    user = get_user_model()(username="client", customer=customer)
    for password in ("Causse-Noir-4546", "Causse-Noir-1738"):
        with pytest.raises(ValidationError, match="4 derniers chiffres"):
            validate_password(password, user=user)
    validate_password(STRONG, user=user)


def test_a_staff_user_cannot_use_the_last_digits_of_syres_number_r_sec_1() -> None:
    staff = get_user_model()(username="agent", is_staff=True)  # SYRES: +33565000000
    with pytest.raises(ValidationError, match="4 derniers chiffres"):
        validate_password("Causse-Noir-0000x", user=staff)
    validate_password(STRONG, user=staff)


def test_the_first_login_forces_a_personal_password_r_sec_1(client: Client) -> None:
    accounts.ensure_roles()
    user = accounts.create_staff_user(
        username="nouvelle", initial_password="Initial-Mot-2026-xyz", roles=["sales"]
    )
    client.force_login(user)

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/mot-de-passe/")

    page = client.get(response["Location"])
    assert "Choisissez votre mot de passe personnel" in page.text
    refused = client.post(
        response["Location"],
        {
            "old_password": "Initial-Mot-2026-xyz",
            "new_password1": "azertyuiop",
            "new_password2": "azertyuiop",
        },
    )
    assert refused.status_code == 200
    assert "trop courant" in refused.text
    done = client.post(
        response["Location"],
        {"old_password": "Initial-Mot-2026-xyz", "new_password1": STRONG, "new_password2": STRONG},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/admin/").status_code == 200


def test_an_expired_password_must_be_changed_and_a_reminder_comes_before_r_sec_1(
    client: Client,
) -> None:
    user = staff_user("ancien")
    client.force_login(user)
    now = timezone.now()

    user.password_changed_at = now - timedelta(days=25)  # expires in 3 to 6 days
    user.save()
    reminded = client.get("/admin/", follow=True)
    assert reminded.status_code == 200
    assert "Votre mot de passe expire le" in reminded.text

    user.password_changed_at = now - timedelta(days=40)
    user.save()
    response = client.get("/admin/customers/customer/")
    assert response.status_code == 302
    assert response["Location"] == "/compte/mot-de-passe/?next=/admin/customers/customer/"


def test_a_password_set_by_a_colleague_must_be_changed_r_sec_1(admin_client: Client) -> None:
    user = staff_user("collegue")
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": STRONG, "password2": STRONG, "usable_password": "true"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.must_change_password


def test_roles_are_groups_with_matching_permissions_and_safe_to_create_again() -> None:
    first = accounts.ensure_roles()
    again = accounts.ensure_roles()
    assert first == again
    assert Group.objects.filter(name__in=[role.group_name for role in ROLES]).count() == 4
    sales = accounts.create_staff_user(
        username="commercial", initial_password="Initial-Mot-2026-xyz", roles=["sales"]
    )
    billing = accounts.create_staff_user(
        username="compta", initial_password="Initial-Mot-2026-xyz", roles=["billing"]
    )
    assert sales.has_perm("customers.add_customer")
    assert not sales.has_perm("customers.decide_subscriptionfile")
    assert billing.has_perm("customers.decide_subscriptionfile")
    assert billing.has_perm("customers.export_personal_data")
    assert not billing.has_perm("customers.add_customer")


def test_a_staff_account_cannot_start_with_a_simple_password_r_sec_1() -> None:
    with pytest.raises(accounts.UnableToCreateAccount, match="trop courant"):
        accounts.create_staff_user(username="x", initial_password="motdepasse", roles=["sales"])


@pytest.mark.parametrize("pin", ["0000", "1111", "1234", "9876", "6000", "4546"])
def test_simple_pins_of_a_customer_line_are_refused_r_sec_1(pin: str) -> None:
    """6000: the line's last 4 digits; 4546: the company's (+33 1 47 44 45 46)."""
    customer = company(staff_user())
    with pytest.raises(UnableToAcceptSecret):
        services.ensure_acceptable_pin(customer=customer, pin=pin, line_number="05 65 71 60 00")
    services.ensure_acceptable_pin(customer=customer, pin="5829", line_number="05 65 71 60 00")
