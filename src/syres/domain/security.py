"""One policy for passwords and numeric PINs (CGV art. 12; SPEC R-SEC-1).

Simple values are refused, each with its reason in French: repeated or sequential digits
(0000, 1111, 1234, 9876…), the last 4 digits of the line or of the company's number, common
passwords. A password older than the terms' period must be changed, with a reminder before.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from syres.domain.periods import add_months
from syres.domain.terms import Security

__all__ = [
    "PasswordAge",
    "UnableToAcceptSecret",
    "check_password",
    "check_pin",
    "password_age",
    "password_problems",
    "pin_problems",
]

_SIMPLE_RUN = 4  # the CGV's examples (0000, 1111, 1234) are runs of 4 digits


class UnableToAcceptSecret(ValueError):
    """A password or PIN refused; `reasons` (French) lists every rule it breaks."""

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(" ".join(self.reasons))


def _last_four_digits(numbers: Iterable[str]) -> set[str]:
    found = set()
    for number in numbers:
        digits = re.sub(r"\D", "", number)
        if len(digits) >= _SIMPLE_RUN:
            found.add(digits[-_SIMPLE_RUN:])
    return found


def _is_repeated(digits: str) -> bool:
    """All the same digit, or one block repeated (1212, 123123)."""
    return any(
        len(digits) % size == 0 and digits == digits[:size] * (len(digits) // size)
        for size in range(1, len(digits) // 2 + 1)
    )


def _is_sequential(digits: str) -> bool:
    """Each digit one more (or one less) than the one before, wrapping 9→0 (7890, 3210)."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(digits)}
    return steps in ({1}, {9})


def _simple_runs(text: str) -> list[str]:
    """Runs of 4 digits inside `text` that are repeated or sequential."""
    runs = []
    for match in re.finditer(rf"\d{{{_SIMPLE_RUN},}}", text):
        digits = match.group()
        for start in range(len(digits) - _SIMPLE_RUN + 1):
            window = digits[start : start + _SIMPLE_RUN]
            if len(set(window)) == 1 or _is_sequential(window):
                runs.append(window)
    return runs


def pin_problems(*, pin: str, policy: Security, numbers: Iterable[str] = ()) -> tuple[str, ...]:
    """Why a numeric PIN (voicemail, phone, administration) is refused; empty when accepted.

    `numbers` are the line's and the company's phone numbers (their last 4 digits are refused).
    """
    if not pin.isascii() or not pin.isdigit():
        return ("Le code ne doit contenir que des chiffres.",)
    problems = []
    if not policy.pin_min_length <= len(pin) <= policy.pin_max_length:
        problems.append(
            f"Le code doit compter entre {policy.pin_min_length} et {policy.pin_max_length} "
            "chiffres."
        )
    if len(set(pin)) == 1:
        problems.append("Le code répète un seul chiffre (comme 0000 ou 1111).")
    elif _is_repeated(pin):
        problems.append("Le code répète un même motif (comme 1212).")
    if len(pin) > 1 and _is_sequential(pin):
        problems.append("Le code est une suite de chiffres (comme 1234 ou 9876).")
    forbidden = _last_four_digits(numbers)
    if any(four in pin for four in forbidden):
        problems.append(
            "Le code contient les 4 derniers chiffres du numéro de la ligne ou de l'entreprise."
        )
    return tuple(problems)


def password_problems(
    *,
    password: str,
    policy: Security,
    numbers: Iterable[str] = (),
    common_passwords: Container[str] = frozenset(),
) -> tuple[str, ...]:
    """Why a password (portal, staff, system administration) is refused; empty when accepted.

    `common_passwords` holds lower-case common passwords (the caller reads the list)."""
    problems = []
    if len(password) < policy.password_min_length:
        problems.append(
            f"Le mot de passe doit compter au moins {policy.password_min_length} caractères."
        )
    lowered = password.lower()
    if lowered in common_passwords or lowered.rstrip("0123456789!?.") in common_passwords:
        problems.append("Ce mot de passe est trop courant.")
    if len(set(password)) == 1:
        problems.append("Le mot de passe répète un seul caractère.")
    if _simple_runs(password):
        problems.append(
            "Le mot de passe contient une suite ou une répétition de chiffres "
            "(comme 0000, 1111, 1234 ou 9876)."
        )
    forbidden = _last_four_digits(numbers)
    if any(four in password for four in forbidden):
        problems.append(
            "Le mot de passe contient les 4 derniers chiffres du numéro de la ligne ou de "
            "l'entreprise."
        )
    return tuple(problems)


def check_pin(*, pin: str, policy: Security, numbers: Iterable[str] = ()) -> None:
    """Refuse a simple PIN with every reason (R-SEC-1)."""
    problems = pin_problems(pin=pin, policy=policy, numbers=numbers)
    if problems:
        raise UnableToAcceptSecret(problems)


def check_password(
    *,
    password: str,
    policy: Security,
    numbers: Iterable[str] = (),
    common_passwords: Container[str] = frozenset(),
) -> None:
    """Refuse a simple password with every reason (R-SEC-1)."""
    problems = password_problems(
        password=password, policy=policy, numbers=numbers, common_passwords=common_passwords
    )
    if problems:
        raise UnableToAcceptSecret(problems)


@dataclass(frozen=True)
class PasswordAge:
    """Where a password stands against the monthly change (R-SEC-1)."""

    expires_at: datetime
    remind_from: datetime
    expired: bool
    remind: bool


def password_age(*, changed_at: datetime, as_of: datetime, policy: Security) -> PasswordAge:
    """A password changed at `changed_at` expires the terms' number of months later, same
    time of day; the reminder starts the terms' number of days before (R-SEC-1)."""
    if changed_at.tzinfo is None or as_of.tzinfo is None:
        raise ValueError("password_age needs aware datetimes")
    local = changed_at.astimezone(as_of.tzinfo)
    expiry_day = add_months(local.date(), policy.password_max_age_months)
    expires_at = datetime.combine(expiry_day, local.timetz())
    remind_from = expires_at - timedelta(days=policy.password_expiry_reminder_days)
    expired = as_of >= expires_at
    return PasswordAge(
        expires_at=expires_at,
        remind_from=remind_from,
        expired=expired,
        remind=not expired and as_of >= remind_from,
    )
