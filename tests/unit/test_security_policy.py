"""R-SEC-1 (CGV art. 12): one policy for passwords and PINs; the monthly change."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.security import (
    UnableToAcceptSecret,
    check_password,
    check_pin,
    password_age,
    password_problems,
    pin_problems,
)
from syres.domain.terms import Security
from syres.terms import load_terms

POLICY: Security = load_terms().security
PARIS = ZoneInfo("Europe/Paris")
LINE = "+33 5 65 42 17 38"
COMMON = frozenset({"password", "azerty", "motdepasse", "soleil123"})


@pytest.mark.parametrize(
    ("pin", "reason"),
    [
        ("0000", "répète un seul chiffre"),
        ("1111", "répète un seul chiffre"),
        ("1234", "suite de chiffres"),
        ("9876", "suite de chiffres"),
        ("7890", "suite de chiffres"),
        ("1212", "même motif"),
        ("1738", "4 derniers chiffres du numéro"),
        ("12", "entre 4 et 8 chiffres"),
        ("12a4", "que des chiffres"),
    ],
)
def test_simple_pins_are_refused_with_their_reason_r_sec_1(pin: str, reason: str) -> None:
    problems = pin_problems(pin=pin, policy=POLICY, numbers=[LINE])
    assert any(reason in problem for problem in problems), problems
    with pytest.raises(UnableToAcceptSecret):
        check_pin(pin=pin, policy=POLICY, numbers=[LINE])


def test_the_company_number_last_digits_are_refused_too_r_sec_1() -> None:
    assert pin_problems(pin="4546", policy=POLICY, numbers=[LINE, "01 47 44 45 46"])
    assert pin_problems(pin="4546", policy=POLICY, numbers=[LINE]) == ()


@pytest.mark.parametrize("pin", ["4821", "3907", "58213", "90417263"])
def test_a_personal_pin_is_accepted_r_sec_1(pin: str) -> None:
    check_pin(pin=pin, policy=POLICY, numbers=[LINE])


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("azerty", "trop courant"),
        ("Password", "trop courant"),
        ("soleil123", "trop courant"),
        ("Olempes-0000-rue", "suite ou une répétition de chiffres"),
        ("Olempes-1111-rue", "suite ou une répétition de chiffres"),
        ("Olempes-1234-rue", "suite ou une répétition de chiffres"),
        ("Olempes-9876-rue", "suite ou une répétition de chiffres"),
        ("Olempes-1738-rue", "4 derniers chiffres du numéro"),
        ("court-7", "au moins 12 caractères"),
    ],
)
def test_simple_passwords_are_refused_with_their_reason_r_sec_1(password: str, reason: str) -> None:
    problems = password_problems(
        password=password, policy=POLICY, numbers=[LINE], common_passwords=COMMON
    )
    assert any(reason in problem for problem in problems), problems


def test_a_strong_password_is_accepted_r_sec_1() -> None:
    check_password(
        password="Viaduc-de-Millau-2004!",
        policy=POLICY,
        numbers=[LINE],
        common_passwords=COMMON,
    )


def test_every_reason_is_given_at_once_r_sec_1() -> None:
    with pytest.raises(UnableToAcceptSecret) as refused:
        check_pin(pin="1111", policy=POLICY.model_copy(update={"pin_min_length": 6}))
    assert len(refused.value.reasons) == 2


@given(st.text(alphabet="0123456789", min_size=4, max_size=8))
@settings(max_examples=200)
def test_no_pin_made_of_one_digit_or_a_run_is_ever_accepted(pin: str) -> None:
    """Property: an accepted PIN is neither one repeated digit nor a +1/-1 run."""
    if not pin_problems(pin=pin, policy=POLICY):
        assert len(set(pin)) > 1
        steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
        assert steps not in ({1}, {9})


def test_a_password_expires_after_the_terms_period_with_a_reminder_before_r_sec_1() -> None:
    """1 month (terms file), reminder 7 days before (terms file)."""
    changed = datetime(2026, 1, 31, 9, 30, tzinfo=PARIS)
    expires = datetime(2026, 2, 28, 9, 30, tzinfo=PARIS)  # 31 Jan + 1 month, clamped

    before_reminder = password_age(
        changed_at=changed, as_of=expires - timedelta(days=7, seconds=1), policy=POLICY
    )
    reminded = password_age(changed_at=changed, as_of=expires - timedelta(days=7), policy=POLICY)
    just_before = password_age(
        changed_at=changed, as_of=expires - timedelta(seconds=1), policy=POLICY
    )
    at_expiry = password_age(changed_at=changed, as_of=expires, policy=POLICY)

    assert before_reminder.expires_at == expires
    assert (before_reminder.remind, before_reminder.expired) == (False, False)
    assert (reminded.remind, reminded.expired) == (True, False)
    assert (just_before.remind, just_before.expired) == (True, False)
    assert (at_expiry.remind, at_expiry.expired) == (False, True)
