"""The dunning schedule (SPEC R-PAY-3; CGV art. 7 « Défaut de paiement », art. 15, art. 16).

`[dunning] steps` of the terms file lists the steps (reminders, formal notice, suspension of the
service concerned, of all services, termination) with the number of days after the due date at
which each comes. `dunning_steps_due` says which step an overdue invoice has reached on a date;
the caller records what it did, so that a second run for the same date finds nothing new.

How the schedule is walked:
- only the open amount not held by a dispute counts (R-PAY-2); nothing is due while it is zero;
- steps come in order, one per run at most, never skipping one: a formal notice is never sent
  without the reminders before it, a suspension never without the formal notice;
- a step comes on its day (due date + `days_after_due`) and never sooner after the previous step
  than the schedule's spacing: after a pause or a missed run the customer still gets the full
  delay between the formal notice and the suspension, and between it and termination;
- a customer's dunning can be paused by staff with a reason (from a day, until a day or not);
  a paused customer gets no step; after the pause the schedule resumes where it stood.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from syres.domain.money import ZERO
from syres.domain.terms import DunningStep, Terms


class UnableToPauseDunning(Exception):
    """A pause that cannot be recorded; the message is the reason."""


def step_key(step: DunningStep) -> str:
    """The stable name of a step, stored with the date it was done: `reminder@5`."""
    return f"{step.action}@{step.days_after_due}"


@dataclass(frozen=True)
class DunningPause:
    """Staff stop the dunning of a customer, with a reason (R-PAY-3), `[start, end)` or open."""

    reason: str
    start_date: date
    end_date: date | None
    decided_by: str

    def covers(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day < self.end_date)


def pause_dunning(
    *, reason: str, start_date: date, end_date: date | None, decided_by: str
) -> DunningPause:
    """Record a pause of a customer's dunning; a reason is required (R-PAY-3)."""
    if not reason.strip():
        raise UnableToPauseDunning("Indiquez le motif de la suspension des relances.")
    if end_date is not None and end_date <= start_date:
        raise UnableToPauseDunning("La fin de la pause doit suivre son début.")
    return DunningPause(
        reason=reason.strip(), start_date=start_date, end_date=end_date, decided_by=decided_by
    )


def is_paused(*, pauses: Sequence[DunningPause], as_of: date) -> bool:
    return any(pause.covers(as_of) for pause in pauses)


@dataclass(frozen=True)
class DunningPlan:
    """What an invoice's dunning calls for on a date."""

    due_now: tuple[DunningStep, ...]
    next_step: DunningStep | None  # the step after those due now, if any
    next_on: date | None  # the earliest date it may come, if nothing changes


def _step_date(
    steps: Sequence[DunningStep], index: int, *, due_date: date, done: Mapping[str, date]
) -> date:
    step = steps[index]
    on = due_date + timedelta(days=step.days_after_due)
    if index > 0:
        previous = steps[index - 1]
        previous_on = done[step_key(previous)]
        on = max(on, previous_on + timedelta(days=step.days_after_due - previous.days_after_due))
    return on


def dunning_steps_due(
    *,
    due_date: date,
    dunnable_amount: Decimal,
    done: Mapping[str, date],
    as_of: date,
    paused: bool = False,
    terms: Terms,
) -> DunningPlan:
    """The dunning step an invoice has reached on `as_of` (R-PAY-3), if not yet done.

    `dunnable_amount` is the open amount not held by a dispute; `done` maps the keys of the steps
    already done (`step_key`) to the date each was done. Once the caller records the step
    returned, a second call for the same date returns none.
    """
    steps = terms.dunning.steps
    # The next step is the one after the last done (a step no longer in the schedule is ignored).
    index = 0
    for position, step in enumerate(steps):
        if step_key(step) in done:
            index = position + 1
    if index >= len(steps) or dunnable_amount <= ZERO:
        return DunningPlan(due_now=(), next_step=None, next_on=None)
    on = _step_date(steps, index, due_date=due_date, done=done)
    if paused:
        return DunningPlan(due_now=(), next_step=steps[index], next_on=None)
    if as_of < on:
        return DunningPlan(due_now=(), next_step=steps[index], next_on=on)
    after = index + 1
    if after == len(steps):
        return DunningPlan(due_now=(steps[index],), next_step=None, next_on=None)
    done_now = {**done, step_key(steps[index]): as_of}
    return DunningPlan(
        due_now=(steps[index],),
        next_step=steps[after],
        next_on=_step_date(steps, after, due_date=due_date, done=done_now),
    )
