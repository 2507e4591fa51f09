"""Writes on accounts."""

from __future__ import annotations

from syres.accounts.models import User


def ensure_superuser(*, username: str, password: str, email: str = "") -> tuple[User, bool]:
    """Create the staff administrator if missing; returns (user, created).

    Never resets the password of an existing account."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    return User.objects.create_superuser(username=username, email=email, password=password), True
