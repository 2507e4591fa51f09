"""The password policy of `syres.domain.security` as a Django password validator (R-SEC-1).

Named in `AUTH_PASSWORD_VALIDATORS`, so it applies to every account: staff, portal users and
whatever sets a password through Django (forms, `createsuperuser`, `changepassword`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

from syres.domain.security import password_problems
from syres.terms import load_terms


@cache
def common_passwords() -> frozenset[str]:
    """Django's list of 20,000 common passwords, lower-case."""
    return frozenset(CommonPasswordValidator().passwords)


def numbers_of(user: Any) -> list[str]:
    """The phone numbers whose last 4 digits the user's password may not contain: the user's
    own, its company's (the customer's and its sites' for a portal user, SYRES's for staff)."""
    numbers = [user.phone] if getattr(user, "phone", "") else []
    customer_id = getattr(user, "customer_id", None)
    if customer_id is not None:
        from syres.customers.selectors import get_customer, phone_numbers_of

        numbers += phone_numbers_of(get_customer(customer_id))
    elif user is not None and getattr(user, "is_staff", False):
        numbers.append(load_terms().seller.phone)
    return numbers


class SyresPasswordValidator:
    """Refuses short, common and simple passwords, each with its reason (R-SEC-1)."""

    def validate(self, password: str, user: Any = None) -> None:
        problems = password_problems(
            password=password,
            policy=load_terms().security,
            numbers=numbers_of(user) if user is not None else (),
            common_passwords=common_passwords(),
        )
        if problems:
            raise ValidationError(
                [ValidationError(problem, code="password_policy") for problem in problems]
            )

    def get_help_text(self) -> str:
        policy = load_terms().security
        return (
            f"Au moins {policy.password_min_length} caractères ; ni mot de passe courant, ni "
            "suite ou répétition de chiffres (0000, 1234…), ni les 4 derniers chiffres d'un "
            "numéro de la ligne ou de l'entreprise."
        )
