"""Late-payment penalties and the recovery indemnity (SPEC R-PAY-3; Code de commerce L441-10,
D441-5; CGV art. 7).

How syres reads L441-10 II:
- the penalties run « à compter du jour suivant la date de règlement figurant sur la facture »:
  the first late day is the day after the due date, and a payment made on day D stops them
  from day D + 1 (day D is still late);
- the rate is the terms' `invoicing.late_penalty_annual_rate`, never below three times the legal
  interest rate (`invoicing.legal_interest_rate`), the floor the law sets for any contract rate;
- the base is the amount still unpaid, VAT included: the penalty compensates the creditor for the
  sum it lacks, which is the whole invoiced sum (the administration's reading, DGCCRF); the
  penalty itself is not subject to VAT;
- the rate is annual: a day costs rate / 365 (exact day count, every year of 365 days);
- the amount is computed exactly and rounded half-up to the cent once, where it becomes an
  invoice line.
The 40 € indemnity (D441-5) is due once per invoice paid late, whatever the number of days,
whatever the number of reminders, and is not subject to VAT either.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from syres.domain.money import ZERO, quantize_eur
from syres.domain.terms import Terms

DAYS_PER_YEAR = Decimal(365)


@dataclass(frozen=True)
class LatePayment:
    """A payment made on an invoice, dated: it reduces the late balance from the next day."""

    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class PenaltySpan:
    """Days `first_day`..`last_day` (both inclusive) late with the same unpaid balance."""

    first_day: date
    last_day: date
    balance: Decimal
    days: int
    amount: Decimal  # exact, not rounded


@dataclass(frozen=True)
class LatePenalty:
    annual_rate: Decimal
    spans: tuple[PenaltySpan, ...]

    @property
    def exact_amount(self) -> Decimal:
        # One division for the whole: the sum of the spans' own quotients could differ from it
        # in the last of Decimal's 28 digits.
        euro_days = sum((span.balance * span.days for span in self.spans), ZERO)
        return euro_days * self.annual_rate / DAYS_PER_YEAR

    @property
    def amount(self) -> Decimal:
        """The penalty as it goes on an invoice line: rounded half-up to the cent."""
        return quantize_eur(self.exact_amount)

    @property
    def days_late(self) -> int:
        return sum(span.days for span in self.spans)


def penalty_rate(*, terms: Terms) -> Decimal:
    """The annual penalty rate: the terms' rate, never below 3 × the legal interest rate."""
    invoicing = terms.invoicing
    return max(invoicing.late_penalty_annual_rate, 3 * invoicing.legal_interest_rate)


def late_payment_penalty(
    *,
    amount_due: Decimal,
    due_date: date,
    payments: Sequence[LatePayment] = (),
    as_of: date,
    terms: Terms,
) -> LatePenalty:
    """The late-payment penalty of one invoice up to `as_of` inclusive (R-PAY-3, L441-10).

    `amount_due` is the invoice's amount incl. VAT claimable on `due_date` (the uncontested
    part, or a rejected dispute's amount with its own due date); `payments` are the payments
    made on it, in any order; those made on or before the due date simply lower the base.
    """
    rate = penalty_rate(terms=terms)
    balance = amount_due
    first_late = due_date + timedelta(days=1)
    for early in payments:
        if early.paid_on <= due_date:
            balance -= early.amount
    later = sorted((p for p in payments if p.paid_on > due_date), key=lambda p: p.paid_on)
    spans: list[PenaltySpan] = []
    start = first_late
    stops: list[LatePayment | None] = [*later, None]
    for payment in stops:
        # A payment on day D ends the span on D (D is late) and lowers the balance from D + 1.
        end = as_of if payment is None else min(payment.paid_on, as_of)
        if balance > ZERO and end >= start:
            days = (end - start).days + 1
            spans.append(
                PenaltySpan(
                    first_day=start,
                    last_day=end,
                    balance=balance,
                    days=days,
                    amount=balance * rate * days / DAYS_PER_YEAR,
                )
            )
        if payment is None or payment.paid_on >= as_of:
            break
        balance -= payment.amount
        start = payment.paid_on + timedelta(days=1)
    return LatePenalty(annual_rate=rate, spans=tuple(spans))


@dataclass(frozen=True)
class RecoveryIndemnity:
    invoice_number: str
    amount: Decimal


def recovery_indemnities(
    *,
    late_invoice_numbers: Sequence[str],
    already_charged: Collection[str],
    terms: Terms,
) -> tuple[RecoveryIndemnity, ...]:
    """The fixed recovery indemnity (D441-5, `invoicing.recovery_indemnity`) for each late
    invoice not yet charged one: once per invoice, however long or often it is late."""
    seen: set[str] = set(already_charged)
    result = []
    for number in late_invoice_numbers:
        if number in seen:
            continue
        seen.add(number)
        result.append(RecoveryIndemnity(number, terms.invoicing.recovery_indemnity))
    return tuple(result)


def is_late(*, due_date: date, claimable_amount: Decimal, as_of: date) -> bool:
    """An invoice is late on `as_of` when its due date has passed and a claimable (uncontested)
    amount is still open (CGV art. 7: « payées avant la date de règlement »)."""
    return as_of > due_date and claimable_amount > ZERO
