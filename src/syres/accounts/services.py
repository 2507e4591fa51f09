"""Writes on accounts: staff accounts, roles, the password policy (R-SEC-1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from syres.accounts.models import User
from syres.accounts.roles import ROLES, role


class UnableToCreateAccount(Exception):
    """An account that cannot be created; the message is French."""


def ensure_superuser(*, username: str, password: str, email: str = "") -> tuple[User, bool]:
    """Create the staff administrator if missing; returns (user, created).

    Never resets the password of an existing account."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    return User.objects.create_superuser(username=username, email=email, password=password), True


@transaction.atomic
def ensure_roles() -> dict[str, int]:
    """Create the staff roles as groups and give each the permissions that match it; safe to
    run again (it adds the permissions of models created since). Returns permissions per role."""
    every = list(Permission.objects.select_related("content_type"))
    granted = {}
    for each in ROLES:
        group, _ = Group.objects.get_or_create(name=each.group_name)
        matching = [
            permission
            for permission in every
            if any(
                fnmatchcase(f"{permission.content_type.app_label}.{permission.codename}", pattern)
                for pattern in each.permissions
            )
        ]
        group.permissions.set(matching)
        granted[each.code] = len(matching)
    return granted


@transaction.atomic
def create_staff_user(
    *,
    username: str,
    initial_password: str,
    roles: Iterable[str],
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
) -> User:
    """A staff account with its roles; the initial password is someone else's choice, so the
    first login forces a personal one (R-SEC-1, CGV art. 12)."""
    if User.objects.filter(username=username).exists():
        raise UnableToCreateAccount(f"L'identifiant « {username} » est déjà pris.")
    candidate = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        is_staff=True,
    )
    try:
        validate_password(initial_password, user=candidate)
    except ValidationError as error:
        raise UnableToCreateAccount(" ".join(error.messages)) from error
    groups = [Group.objects.get_or_create(name=role(code).group_name)[0] for code in roles]
    user = User.objects.create_user(
        username=username,
        password=initial_password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        is_staff=True,
        must_change_password=True,
    )
    user.groups.set(groups)
    return user


def create_portal_user(
    *,
    username: str,
    initial_password: str,
    customer: Any,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """An account of the customer portal for one customer; its initial password is chosen by
    SYRES, so the first login forces a personal one (R-SEC-1, CGV art. 12)."""
    if User.objects.filter(username=username).exists():
        raise UnableToCreateAccount(f"L'identifiant « {username} » est déjà pris.")
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(initial_password, user=candidate)
    except ValidationError as error:
        raise UnableToCreateAccount(" ".join(error.messages)) from error
    return User.objects.create_user(
        username=username,
        password=initial_password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        customer=customer,
        is_staff=False,
        must_change_password=True,
    )


def record_personal_password(*, user: User, at: datetime | None = None) -> None:
    """The user chose a new password: the forced change is done and the month starts again."""
    user.must_change_password = False
    user.password_changed_at = at or timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])


def require_password_change(*, user: User, at: datetime | None = None) -> None:
    """Someone else set the user's password: the user must choose a personal one (R-SEC-1)."""
    user.must_change_password = True
    user.password_changed_at = at or timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])
