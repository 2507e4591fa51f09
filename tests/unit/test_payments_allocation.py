"""Allocation of payments and rejected direct debits (R-PAY-1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.domain.payments.allocation import (
    Allocation,
    OpenInvoice,
    UnableToAllocatePayment,
    UnableToReverseDebit,
    allocate_payment,
    apply_allocations,
    reopen_invoices,
    reverse_rejected_debit,
)

D = Decimal

JANUARY = OpenInvoice("FA-2026-000001", date(2026, 1, 1), date(2026, 1, 31), D("120.00"))
FEBRUARY = OpenInvoice("FA-2026-000002", date(2026, 2, 1), date(2026, 3, 3), D("80.00"))
MARCH = OpenInvoice("FA-2026-000003", date(2026, 3, 1), date(2026, 3, 31), D("100.00"))


def test_a_payment_without_target_pays_the_oldest_due_invoice_first() -> None:
    """R-PAY-1: oldest due first, the rest to the next one, partial payment allowed."""
    result = allocate_payment(amount=D("150.00"), open_invoices=[MARCH, JANUARY, FEBRUARY])
    assert result.allocations == (
        Allocation("FA-2026-000001", D("120.00")),
        Allocation("FA-2026-000002", D("30.00")),
    )
    assert result.credit == D("0")


def test_a_payment_naming_an_invoice_pays_it_before_older_ones() -> None:
    """R-PAY-1: the invoice named in the remittance comes first."""
    result = allocate_payment(
        amount=D("130.00"), open_invoices=[JANUARY, FEBRUARY, MARCH], target_invoice=MARCH.number
    )
    assert result.allocations == (
        Allocation("FA-2026-000003", D("100.00")),
        Allocation("FA-2026-000001", D("30.00")),
    )


def test_an_over_payment_is_kept_as_credit() -> None:
    """R-PAY-1: nothing is allocated beyond what is owed."""
    result = allocate_payment(amount=D("350.00"), open_invoices=[JANUARY, FEBRUARY, MARCH])
    assert result.allocated == D("300.00")
    assert result.credit == D("50.00")


def test_a_partial_payment_leaves_the_rest_open() -> None:
    """R-PAY-1: partial payments are allowed; the invoice stays open for the rest."""
    result = allocate_payment(amount=D("45.50"), open_invoices=[JANUARY])
    after = apply_allocations(invoices=[JANUARY], allocations=result.allocations)
    assert after[0].open_amount == D("74.50")


def test_the_automatic_allocation_leaves_a_contested_amount_alone() -> None:
    """R-PAY-1 with R-PAY-2: the contested part is not payable while the dispute is open."""
    contested = OpenInvoice(
        "FA-2026-000001", date(2026, 1, 1), date(2026, 1, 31), D("120.00"), D("20.00")
    )
    result = allocate_payment(amount=D("150.00"), open_invoices=[contested, FEBRUARY])
    assert result.allocations == (
        Allocation("FA-2026-000001", D("100.00")),
        Allocation("FA-2026-000002", D("50.00")),
    )


def test_a_payment_to_an_unknown_invoice_is_refused_with_the_reason() -> None:
    with pytest.raises(UnableToAllocatePayment, match="FA-1999-000001 n'est pas une facture"):
        allocate_payment(amount=D("10"), open_invoices=[JANUARY], target_invoice="FA-1999-000001")


@pytest.mark.parametrize("amount", [D("0"), D("-5.00"), D("10.001")])
def test_a_zero_negative_or_sub_cent_payment_is_refused(amount: Decimal) -> None:
    with pytest.raises(UnableToAllocatePayment):
        allocate_payment(amount=amount, open_invoices=[JANUARY])


def test_a_rejected_debit_reopens_the_invoice_and_counts_as_an_incident() -> None:
    """R-PAY-1: the debit had paid the invoice in full; its return re-opens it whole."""
    paid = allocate_payment(amount=D("120.00"), open_invoices=[JANUARY])
    settled = apply_allocations(invoices=[JANUARY], allocations=paid.allocations)
    assert settled[0].open_amount == D("0.00")

    rejected = reverse_rejected_debit(
        debit_amount=D("120.00"),
        allocations=paid.allocations,
        returned_amount=D("120.00"),
        reason_code="AM04",
        returned_on=date(2026, 2, 6),
    )
    reopened = reopen_invoices(invoices=settled, rejected=rejected)

    assert reopened[0].open_amount == D("120.00")
    assert rejected.incident.invoice_numbers == ("FA-2026-000001",)
    assert rejected.incident.reason == "Provision insuffisante"
    assert rejected.incident.occurred_on == date(2026, 2, 6)
    assert rejected.credit_reversed == D("0.00")


def test_a_rejected_debit_takes_back_the_credit_it_had_left() -> None:
    rejected = reverse_rejected_debit(
        debit_amount=D("150.00"),
        allocations=[Allocation(JANUARY.number, D("120.00"))],
        returned_amount=D("150.00"),
        reason_code="MS02",
        returned_on=date(2026, 2, 6),
    )
    assert rejected.credit_reversed == D("30.00")


def test_a_return_of_another_amount_than_the_debit_is_refused() -> None:
    """R-PAY-1: nothing counted twice: a return is of the whole debit."""
    with pytest.raises(UnableToReverseDebit, match="alors que le prélèvement était"):
        reverse_rejected_debit(
            debit_amount=D("120.00"),
            allocations=[Allocation(JANUARY.number, D("120.00"))],
            returned_amount=D("60.00"),
            reason_code="AM04",
            returned_on=date(2026, 2, 6),
        )


cents = st.integers(min_value=0, max_value=500_000).map(lambda c: Decimal(c) / 100)
invoices = st.lists(
    st.tuples(
        cents,
        st.integers(min_value=0, max_value=120),
        st.integers(min_value=0, max_value=100),
    ),
    min_size=0,
    max_size=6,
).map(
    lambda rows: [
        OpenInvoice(
            f"FA-{index:06d}",
            date(2026, 1, 1),
            date.fromordinal(date(2026, 1, 31).toordinal() + day),
            amount,
            (amount * share / 100).quantize(Decimal("0.01"), rounding="ROUND_DOWN"),
        )
        for index, (amount, day, share) in enumerate(rows)
    ]
)


@settings(max_examples=60)
@given(
    amount=cents.filter(lambda a: a > 0),
    open_invoices=invoices,
    use_target=st.booleans(),
)
def test_allocation_never_allocates_more_than_paid_nor_more_than_owed(
    amount: Decimal, open_invoices: list[OpenInvoice], use_target: bool
) -> None:
    """R-PAY-1 property: allocated + credit = paid; each share ≤ what the invoice owes."""
    target = open_invoices[0].number if use_target and open_invoices else None
    result = allocate_payment(amount=amount, open_invoices=open_invoices, target_invoice=target)
    assert result.allocated + result.credit == amount
    assert result.credit >= 0
    owed = {invoice.number: invoice for invoice in open_invoices}
    for allocation in result.allocations:
        invoice = owed[allocation.invoice_number]
        assert 0 < allocation.amount <= invoice.open_amount
        if allocation.invoice_number != target:
            assert allocation.amount <= invoice.payable_amount
    if result.credit > 0:  # a credit only once every payable amount is paid
        paid = {a.invoice_number: a.amount for a in result.allocations}
        assert all(paid.get(i.number, 0) >= i.payable_amount for i in open_invoices)
    after = apply_allocations(invoices=open_invoices, allocations=result.allocations)
    assert all(invoice.open_amount >= 0 for invoice in after)
