"""Reads on accounts."""

from __future__ import annotations

from syres.accounts.models import User


def get_active_user(*, username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()
