"""The subscription file: draft → submitted → accepted | rejected (R-CUST-2, R-CUST-3)."""

from __future__ import annotations

from datetime import date

import pytest

from syres.customers import selectors, services
from syres.customers.models import FileStatus
from syres.customers.order_checks import unregister_order_check
from tests.integration.customers_fixtures import (
    PDF,
    at,
    company,
    complete_file,
    staff_user,
)

pytestmark = pytest.mark.django_db


def test_a_new_customer_opens_a_draft_file_and_cannot_order() -> None:
    """R-CUST-3: nothing can be ordered before SYRES accepts the file."""
    sales = staff_user()
    customer = company(sales)

    assert selectors.file_of(customer).status == FileStatus.DRAFT
    assert not selectors.customer_can_order(customer)
    with pytest.raises(services.UnableToOrder, match="n'est pas accepté"):
        services.ensure_customer_can_order(customer)


def test_an_accepted_file_records_who_and_when_at_each_step_and_allows_orders() -> None:
    """R-CUST-3: acceptance date and the accepting user are recorded; orders are allowed."""
    sales, manager = staff_user("sales"), staff_user("manager", can_decide=True)
    customer = company(sales)
    complete_file(customer, sales, kbis_date=date(2026, 8, 1), when=at(2026, 9, 2))

    services.submit_file(customer=customer, by=sales, at=at(2026, 9, 3))
    services.accept_file(customer=customer, by=manager, at=at(2026, 9, 4))

    subscription_file = selectors.file_of(customer)
    assert subscription_file.status == FileStatus.ACCEPTED
    assert (subscription_file.submitted_by, subscription_file.submitted_at) == (
        sales,
        at(2026, 9, 3),
    )
    assert (subscription_file.decided_by, subscription_file.decided_at) == (
        manager,
        at(2026, 9, 4),
    )
    steps = [(event.status, event.by.username) for event in selectors.file_events_of(customer)]
    assert steps == [("draft", "sales"), ("submitted", "sales"), ("accepted", "manager")]
    assert selectors.customer_can_order(customer)
    services.ensure_customer_can_order(customer)


def test_an_incomplete_file_can_be_neither_submitted_nor_accepted() -> None:
    """R-CUST-2: a missing piece (here the Kbis) blocks submission and acceptance."""
    sales, manager = staff_user("sales"), staff_user("manager", can_decide=True)
    customer = company(sales)
    for kind in ("account_opening_form", "bank_identity"):
        services.upload_document(
            customer=customer, kind=kind, content=PDF, filename="x.pdf", by=sales
        )

    with pytest.raises(services.UnableToChangeSubscriptionFile, match="Pièce manquante : extrait"):
        services.submit_file(customer=customer, by=sales)
    with pytest.raises(services.UnableToChangeSubscriptionFile, match="Pièce manquante : extrait"):
        services.accept_file(customer=customer, by=manager)
    assert selectors.file_of(customer).status == FileStatus.DRAFT


def test_a_complete_draft_cannot_be_accepted_before_it_is_submitted() -> None:
    sales, manager = staff_user("sales"), staff_user("manager", can_decide=True)
    customer = company(sales)
    complete_file(customer, sales, kbis_date=date(2026, 8, 1), when=at(2026, 9, 2))

    with pytest.raises(services.UnableToChangeSubscriptionFile, match="Seul un dossier soumis"):
        services.accept_file(customer=customer, by=manager, at=at(2026, 9, 3))


@pytest.mark.parametrize(
    ("submitted_on", "accepted"),
    [
        (date(2026, 9, 29), True),  # 5 months 29 days after the Kbis
        (date(2026, 9, 30), False),  # exactly 6 months: no longer "less than 6 months"
        (date(2026, 10, 1), False),
    ],
)
def test_the_kbis_must_be_less_than_6_months_old_at_submission(
    submitted_on: date, accepted: bool
) -> None:
    """R-CUST-2 (CGV art. 3): Kbis dated 30/03/2026, limit from the terms file (6 months)."""
    sales = staff_user()
    customer = company(sales)
    complete_file(customer, sales, kbis_date=date(2026, 3, 30), when=at(2026, 9, 2))
    when = at(submitted_on.year, submitted_on.month, submitted_on.day)

    if accepted:
        services.submit_file(customer=customer, by=sales, at=when)
        assert selectors.file_of(customer).status == FileStatus.SUBMITTED
    else:
        with pytest.raises(services.UnableToChangeSubscriptionFile, match="moins de 6 mois"):
            services.submit_file(customer=customer, by=sales, at=when)
        assert selectors.file_of(customer).status == FileStatus.DRAFT


def test_a_rejection_needs_a_reason_and_the_customer_still_cannot_order() -> None:
    """R-CUST-3: rejected with a reason, by a named user."""
    sales, manager = staff_user("sales"), staff_user("manager", can_decide=True)
    customer = company(sales)
    complete_file(customer, sales, kbis_date=date(2026, 8, 1), when=at(2026, 9, 2))
    services.submit_file(customer=customer, by=sales, at=at(2026, 9, 3))

    with pytest.raises(services.UnableToChangeSubscriptionFile, match="motif"):
        services.reject_file(customer=customer, reason="  ", by=manager)
    services.reject_file(customer=customer, reason="RIB illisible", by=manager, at=at(2026, 9, 4))

    subscription_file = selectors.file_of(customer)
    assert subscription_file.status == FileStatus.REJECTED
    assert subscription_file.rejection_reason == "RIB illisible"
    assert subscription_file.decided_by == manager
    with pytest.raises(services.UnableToOrder, match="refusé"):
        services.ensure_customer_can_order(customer)


def test_only_staff_with_the_decision_right_can_accept() -> None:
    sales = staff_user("sales")
    customer = company(sales)
    complete_file(customer, sales, kbis_date=date(2026, 8, 1), when=at(2026, 9, 2))
    services.submit_file(customer=customer, by=sales, at=at(2026, 9, 3))

    with pytest.raises(services.UnableToChangeSubscriptionFile, match="n'a pas le droit"):
        services.accept_file(customer=customer, by=sales)
    assert selectors.file_of(customer).status == FileStatus.SUBMITTED


def test_a_registered_order_check_adds_its_reason() -> None:
    """R-ORD-6 hook: another app adds a check (overdue sums) without this app knowing it."""
    sales, manager = staff_user("sales"), staff_user("manager", can_decide=True)
    customer = company(sales)
    complete_file(customer, sales, kbis_date=date(2026, 8, 1), when=at(2026, 9, 2))
    services.submit_file(customer=customer, by=sales, at=at(2026, 9, 3))
    services.accept_file(customer=customer, by=manager, at=at(2026, 9, 4))
    selectors.register_order_check("tests.overdue", lambda c: "Sommes échues impayées.")
    try:
        with pytest.raises(services.UnableToOrder, match="Sommes échues impayées"):
            services.ensure_customer_can_order(customer)
    finally:
        unregister_order_check("tests.overdue")
    assert selectors.customer_can_order(customer)
