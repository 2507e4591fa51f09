"""Reads on accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from syres.accounts.models import User
from syres.domain.security import PasswordAge, password_age
from syres.terms import load_terms


def portal_users_of(customer_id: int) -> list[dict[str, Any]]:
    """The portal accounts of a customer, as plain data (for its personal-data export)."""
    return [
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "phone": user.phone,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        }
        for user in User.objects.filter(customer_id=customer_id).order_by("pk")
    ]


def password_age_of(user: Any, *, as_of: datetime) -> PasswordAge:
    """Where the user's password stands against the monthly change (R-SEC-1)."""
    return password_age(
        changed_at=user.password_changed_at, as_of=as_of, policy=load_terms().security
    )


def get_active_user(*, username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


NOT_IDENTIFIED_STAFF = "Cette action doit être faite par un membre du personnel identifié."


def is_identified_staff(user: Any) -> bool:
    """A logged-in, active member of SYRES staff: who every service records as the author of
    a change (dated, attributed steps: R-CUST-3, R-ORD, R-PAY-4…)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_staff", False)
        and getattr(user, "is_active", False)
    )
