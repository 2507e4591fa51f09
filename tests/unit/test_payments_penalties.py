"""Late-payment penalties (L441-10) and the recovery indemnity (D441-5), R-PAY-3."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.payments.disputes import open_dispute, reject_dispute
from syres.domain.payments.penalties import (
    LatePayment,
    is_late,
    late_payment_penalty,
    penalty_rate,
    recovery_indemnities,
)
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file

TERMS = read_terms_file(SHIPPED_TERMS_FILE)
D = Decimal
DUE = date(2026, 3, 31)


def test_worked_example_penalties_and_indemnity_of_a_late_invoice() -> None:
    """R-PAY-3 worked example.

    Invoice FA-2026-000042, 1 200,00 € incl. VAT, due 31/03/2026; 400,00 € paid on 20/04, the
    800,00 € left on 15/05. Rate 12 %/year (terms; ≥ 3 × 3,16 %).
    - 01/04 → 20/04: 20 days on 1 200 €: 1 200 × 0,12 × 20 / 365 = 7,8904…
    - 21/04 → 15/05: 25 days on 800 €: 800 × 0,12 × 25 / 365 = 6,5753…
    Penalty 14,4657… → 14,47 €; indemnity 40,00 € once; 54,47 € to invoice.
    """
    penalty = late_payment_penalty(
        amount_due=D("1200.00"),
        due_date=DUE,
        payments=[
            LatePayment(date(2026, 5, 15), D("800.00")),
            LatePayment(date(2026, 4, 20), D("400.00")),
        ],
        as_of=date(2026, 6, 30),
        terms=TERMS,
    )
    assert penalty.annual_rate == D("0.12")
    assert [(s.first_day, s.last_day, s.balance, s.days) for s in penalty.spans] == [
        (date(2026, 4, 1), date(2026, 4, 20), D("1200.00"), 20),
        (date(2026, 4, 21), date(2026, 5, 15), D("800.00"), 25),
    ]
    four_places = [span.amount.quantize(D("0.0001")) for span in penalty.spans]
    assert four_places == [D("7.8904"), D("6.5753")]
    assert penalty.exact_amount.quantize(D("0.0001")) == D("14.4658")
    assert penalty.amount == D("14.47")
    indemnities = recovery_indemnities(
        late_invoice_numbers=["FA-2026-000042"], already_charged=[], terms=TERMS
    )
    assert [i.amount for i in indemnities] == [D("40.00")]
    assert penalty.amount + indemnities[0].amount == D("54.47")


def test_penalties_start_the_day_after_the_due_date() -> None:
    """L441-10: « à compter du jour suivant la date de règlement »: paid on the due date, none."""
    on_time = late_payment_penalty(
        amount_due=D("100"),
        due_date=DUE,
        payments=[LatePayment(DUE, D("100"))],
        as_of=date(2026, 12, 31),
        terms=TERMS,
    )
    assert on_time.spans == ()
    one_day = late_payment_penalty(
        amount_due=D("365"), due_date=DUE, as_of=DUE + timedelta(days=1), terms=TERMS
    )
    assert one_day.days_late == 1
    assert one_day.exact_amount == D("0.12")


def test_the_rate_is_never_below_three_times_the_legal_interest_rate() -> None:
    """R-PAY-3 / L441-10: a terms rate below the floor (e.g. after a legal rate rise) gives way."""
    low = TERMS.model_copy(
        update={
            "invoicing": TERMS.invoicing.model_copy(
                update={"late_penalty_annual_rate": D("0.05"), "legal_interest_rate": D("0.04")}
            )
        }
    )
    assert penalty_rate(terms=low) == D("0.12")
    assert penalty_rate(terms=TERMS) == max(D("0.12"), 3 * TERMS.invoicing.legal_interest_rate)


def test_the_indemnity_is_charged_once_per_invoice() -> None:
    """D441-5: 40 € per late invoice, not per reminder, not per day."""
    first = recovery_indemnities(
        late_invoice_numbers=["FA-1", "FA-2", "FA-1"], already_charged=[], terms=TERMS
    )
    assert [i.invoice_number for i in first] == ["FA-1", "FA-2"]
    again = recovery_indemnities(
        late_invoice_numbers=["FA-1", "FA-2", "FA-3"], already_charged=["FA-1", "FA-2"], terms=TERMS
    )
    assert [(i.invoice_number, i.amount) for i in again] == [("FA-3", D("40.00"))]


def test_an_invoice_is_late_only_after_its_due_date_with_a_claimable_amount() -> None:
    assert not is_late(due_date=DUE, claimable_amount=D("10"), as_of=DUE)
    assert is_late(due_date=DUE, claimable_amount=D("10"), as_of=DUE + timedelta(days=1))
    assert not is_late(due_date=DUE, claimable_amount=D("0"), as_of=date(2027, 1, 1))


@settings(max_examples=60)
@given(
    amount=st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100),
    days=st.integers(min_value=0, max_value=400),
    more=st.integers(min_value=0, max_value=60),
    paid_after=st.integers(min_value=0, max_value=400),
    share=st.integers(min_value=0, max_value=100),
)
def test_penalties_grow_with_time_and_shrink_with_payments(
    amount: Decimal, days: int, more: int, paid_after: int, share: int
) -> None:
    """R-PAY-3 property: never negative, never decreasing with time, a payment never adds."""
    as_of = DUE + timedelta(days=days)
    unpaid = late_payment_penalty(amount_due=amount, due_date=DUE, as_of=as_of, terms=TERMS)
    later = late_payment_penalty(
        amount_due=amount, due_date=DUE, as_of=as_of + timedelta(days=more), terms=TERMS
    )
    payment = LatePayment(DUE + timedelta(days=paid_after), amount * share / 100)
    with_payment = late_payment_penalty(
        amount_due=amount, due_date=DUE, payments=[payment], as_of=as_of, terms=TERMS
    )
    assert 0 <= unpaid.exact_amount <= later.exact_amount
    assert 0 <= with_payment.exact_amount <= unpaid.exact_amount
    assert unpaid.days_late == days


def test_a_rejected_dispute_amount_accrues_penalties_from_the_day_after_the_decision() -> None:
    """R-PAY-2 / R-PAY-3: the contested 60 € were not claimable while the dispute was open;
    rejected on 20/11, due at once: late from 21/11. The uncontested 180 €, paid on time, none."""
    dispute = open_dispute(
        invoice_number="FA-2026-000042",
        invoice_date=date(2026, 10, 1),
        open_amount=D("240.00"),
        contested_amount=D("60.00"),
        grounds="Appels facturés en double",
        supporting_files=["detail.pdf"],
        opened_on=date(2026, 10, 10),
        opened_by="client:jeanne.martin",
        terms=TERMS,
    )
    rejection = reject_dispute(
        dispute,
        invoice_due_date=date(2026, 10, 31),
        decided_on=date(2026, 11, 20),
        decided_by="staff:paul",
        reason="Appels distincts, horodatages différents",
    )
    penalty = late_payment_penalty(
        amount_due=rejection.amount_due,
        due_date=rejection.due_on,
        payments=[LatePayment(date(2026, 11, 30), D("60.00"))],
        as_of=date(2026, 12, 31),
        terms=TERMS,
    )
    assert [(s.first_day, s.last_day, s.days) for s in penalty.spans] == [
        (date(2026, 11, 21), date(2026, 11, 30), 10)
    ]
    assert penalty.amount == D("0.20")  # 60 × 0,12 × 10 / 365 = 0,197…
