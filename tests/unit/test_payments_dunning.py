"""The dunning schedule, step by step, idempotent per date; pauses (R-PAY-3)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.payments.dunning import (
    UnableToPauseDunning,
    dunning_steps_due,
    is_paused,
    pause_dunning,
    step_key,
)
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)
DUE = date(2026, 3, 31)
OPEN = Decimal("180.00")


def _run_daily(
    first: date, last: date, *, paused_days: frozenset[date] = frozenset(), twice: bool = True
) -> list[tuple[date, str]]:
    """Run the dunning every day (twice a day when `twice`), recording what it asks for."""
    done: dict[str, date] = {}
    log: list[tuple[date, str]] = []
    day = first
    while day <= last:
        for _ in range(2 if twice else 1):
            plan = dunning_steps_due(
                due_date=DUE,
                dunnable_amount=OPEN,
                done=done,
                as_of=day,
                paused=day in paused_days,
                terms=TERMS,
            )
            for step in plan.due_now:
                done[step_key(step)] = day
                log.append((day, step.label))
        day += timedelta(days=1)
    return log


def test_the_schedule_of_the_terms_is_walked_step_by_step_without_duplicates() -> None:
    """R-PAY-3: due 31/03/2026, run twice every day until August: each step once, on its day."""
    assert _run_daily(date(2026, 3, 25), date(2026, 8, 31)) == [
        (date(2026, 4, 5), "Premier rappel"),
        (date(2026, 4, 15), "Second rappel"),
        (date(2026, 4, 25), "Mise en demeure"),
        (date(2026, 5, 5), "Suspension du service concerné"),
        (date(2026, 5, 20), "Suspension de tous les services"),
        (date(2026, 6, 19), "Résiliation après mise en demeure"),
    ]


def test_a_second_run_on_the_same_date_does_nothing_new() -> None:
    """R-PAY-3: idempotent for a date."""
    first = dunning_steps_due(
        due_date=DUE, dunnable_amount=OPEN, done={}, as_of=date(2026, 4, 5), terms=TERMS
    )
    assert [s.action for s in first.due_now] == ["reminder"]
    assert (first.next_step and first.next_step.label, first.next_on) == (
        "Second rappel",
        date(2026, 4, 15),
    )
    done = {step_key(first.due_now[0]): date(2026, 4, 5)}
    second = dunning_steps_due(
        due_date=DUE, dunnable_amount=OPEN, done=done, as_of=date(2026, 4, 5), terms=TERMS
    )
    assert second.due_now == ()


def test_nothing_is_due_on_the_due_date_nor_once_the_invoice_is_paid() -> None:
    on_due = dunning_steps_due(due_date=DUE, dunnable_amount=OPEN, done={}, as_of=DUE, terms=TERMS)
    paid = dunning_steps_due(
        due_date=DUE, dunnable_amount=Decimal("0"), done={}, as_of=date(2026, 9, 1), terms=TERMS
    )
    assert on_due.due_now == paid.due_now == ()


def test_a_late_first_run_catches_up_one_step_at_a_time_with_the_schedule_spacing() -> None:
    """R-PAY-3: a missed month does not send three letters and cut the line the same day."""
    log = _run_daily(date(2026, 5, 10), date(2026, 8, 31), twice=False)
    assert log == [
        (date(2026, 5, 10), "Premier rappel"),
        (date(2026, 5, 20), "Second rappel"),
        (date(2026, 5, 30), "Mise en demeure"),
        (date(2026, 6, 9), "Suspension du service concerné"),
        (date(2026, 6, 24), "Suspension de tous les services"),
        (date(2026, 7, 24), "Résiliation après mise en demeure"),
    ]


def test_a_paused_customer_gets_no_step_and_resumes_where_it_stood() -> None:
    """R-PAY-3: staff pause a customer's dunning with a reason, from 10/04 to 10/05."""
    pause = pause_dunning(
        reason="Échéancier accordé par téléphone",
        start_date=date(2026, 4, 10),
        end_date=date(2026, 5, 10),
        decided_by="staff:paul",
    )
    paused = frozenset(
        date(2026, 3, 31) + timedelta(days=n)
        for n in range(200)
        if is_paused(pauses=[pause], as_of=date(2026, 3, 31) + timedelta(days=n))
    )
    assert (min(paused), max(paused)) == (date(2026, 4, 10), date(2026, 5, 9))
    log = _run_daily(date(2026, 4, 1), date(2026, 8, 31), paused_days=paused)
    assert log[:3] == [
        (date(2026, 4, 5), "Premier rappel"),
        (date(2026, 5, 10), "Second rappel"),
        (date(2026, 5, 20), "Mise en demeure"),
    ]


def test_a_pause_needs_a_reason() -> None:
    with pytest.raises(UnableToPauseDunning, match="motif"):
        pause_dunning(reason="  ", start_date=DUE, end_date=None, decided_by="staff:paul")


@settings(max_examples=60)
@given(
    run_offsets=st.lists(st.integers(min_value=-5, max_value=200), min_size=1, max_size=40),
    paused_offsets=st.frozensets(st.integers(min_value=0, max_value=200), max_size=60),
)
def test_any_run_pattern_gives_each_step_once_in_order_and_reruns_add_nothing(
    run_offsets: list[int], paused_offsets: frozenset[int]
) -> None:
    """R-PAY-3 property: rerun on a date adds nothing; steps once, in order, never early."""
    steps = TERMS.dunning.steps
    done: dict[str, date] = {}
    order: list[str] = []
    for offset in sorted(set(run_offsets)):
        day = DUE + timedelta(days=offset)
        arguments = {
            "due_date": DUE,
            "dunnable_amount": OPEN,
            "as_of": day,
            "paused": offset in paused_offsets,
            "terms": TERMS,
        }
        plan = dunning_steps_due(done=done, **arguments)
        for step in plan.due_now:
            assert day >= DUE + timedelta(days=step.days_after_due)
            done[step_key(step)] = day
            order.append(step_key(step))
        assert dunning_steps_due(done=done, **arguments).due_now == ()
    assert order == [step_key(step) for step in steps[: len(order)]]
    for before, after in pairwise(steps):
        if step_key(after) in done:
            gap = (done[step_key(after)] - done[step_key(before)]).days
            assert gap >= after.days_after_due - before.days_after_due
