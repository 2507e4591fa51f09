"""Dunning on both databases (SPEC R-PAY-3, R-PAY-4): the schedule walked day by day, e-mails
sent once to a real SMTP server, suspensions and termination through the contracts app,
penalties and indemnity, suspension lifted on full payment, staff pauses."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from syres.cli.payments import dunning_command
from syres.contracts import selectors as contract_selectors
from syres.contracts import services as contract_services
from syres.domain.periods import Month
from syres.payments import selectors, services
from syres.payments.models import LateChargeKind
from syres.terms import load_terms
from syres.usage.services import import_usage, save_line
from tests.integration.customers_fixtures import at, company, staff_user
from tests.integration.payments_fixtures import ftto, invoice, transfer, trunk
from tests.support.smtp import SmtpServer, smtp_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

DUE = date(2026, 10, 31)  # the due date of an invoice issued on 01/10 (30 days)


@pytest.fixture
def staff() -> Any:
    return staff_user("recouvrement")


@pytest.fixture
def customer(staff: Any) -> Any:
    return company(staff, when=at(2025, 12, 1))


def _states(*services_: Any) -> list[str]:
    return [contract_selectors.get_service(service.pk).state for service in services_]


def test_the_schedule_is_walked_step_by_step_and_a_second_run_the_same_day_adds_nothing(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """R-PAY-3: reminders, formal notice (e-mailed once each), suspension of the service
    concerned, of all services, then termination; every run made twice."""
    fibre, sip = ftto(customer), trunk(customer)
    late = invoice(customer, "500.00", issue_date=date(2026, 10, 1), service=fibre)
    assert late.due_date == DUE

    def run(days_after_due: int) -> list[str]:
        first = services.run_dunning(as_of=DUE + timedelta(days=days_after_due))
        again = services.run_dunning(as_of=DUE + timedelta(days=days_after_due))
        assert again.steps == []
        assert again.emails_sent == 0
        return [step.action for step in first.steps]

    assert run(4) == []
    assert run(5) == ["reminder"]
    assert len(smtp_server.handler.messages) == 1
    assert run(14) == []
    assert run(15) == ["reminder"]
    assert run(25) == ["formal_notice"]
    subjects = [
        str(make_header(decode_header(message["Subject"])))
        for message in smtp_server.handler.messages
    ]
    assert len(subjects) == 3
    assert subjects[2].startswith("Mise en demeure")
    assert smtp_server.handler.recipients[0] == ["factures@totalenergies.example"]
    assert _states(fibre, sip) == ["active", "active"]

    assert run(35) == ["suspend_service"]
    assert _states(fibre, sip) == ["suspended", "active"]
    (suspend,) = selectors.actions_to_do()
    assert (suspend.kind, suspend.reason, suspend.invoice_numbers) == (
        "suspend",
        "non_payment",
        [late.number],
    )
    assert run(50) == ["suspend_all"]
    assert _states(fibre, sip) == ["suspended", "suspended"]
    assert run(80) == ["terminate"]
    contract = contract_selectors.get_service(fibre.pk).contract
    (termination,) = contract_selectors.terminations_of(contract)
    assert termination.cause_code == "non_payment"
    assert len(smtp_server.handler.messages) == 3
    # The indemnity is due once, from the first reminder (D441-5).
    (indemnity,) = selectors.late_charges_of(late)
    assert (indemnity.kind, indemnity.amount) == (LateChargeKind.INDEMNITY, Decimal("40.00"))


def test_only_the_uncontested_amount_is_dunned(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """R-PAY-2, R-PAY-3: the reminder claims the rest; a dispute on the whole stops dunning."""
    partly = invoice(customer, "500.00", issue_date=date(2026, 10, 1))
    services.open_dispute(
        invoice=partly,
        contested_amount=Decimal("200.00"),
        grounds="Doublon",
        files=[("preuve.pdf", b"%PDF-1.7\n%%EOF\n")],
        opened_on=date(2026, 10, 10),
        by=staff,
    )

    report = services.run_dunning(as_of=DUE + timedelta(days=5))

    (step,) = report.steps
    assert step.dunned_amount == Decimal("400.00")
    body = smtp_server.handler.messages[0].get_payload()
    assert "400,00" in str(body)


def test_a_paused_customer_gets_no_step_until_the_pause_ends(customer: Any, staff: Any) -> None:
    invoice(customer, "500.00", issue_date=date(2026, 10, 1))
    services.pause_dunning(
        customer=customer,
        reason="Échéancier accordé",
        start_date=date(2026, 11, 1),
        end_date=date(2026, 11, 10),
        by=staff,
    )

    assert services.run_dunning(as_of=DUE + timedelta(days=5)).steps == []
    assert [s.action for s in services.run_dunning(as_of=date(2026, 11, 10)).steps] == ["reminder"]


def test_a_pause_needs_a_reason(customer: Any, staff: Any) -> None:
    with pytest.raises(services.UnableToDun, match="motif"):
        services.pause_dunning(
            customer=customer, reason=" ", start_date=DUE, end_date=None, by=staff
        )


def test_late_payment_records_the_penalty_and_the_indemnity_on_a_worked_example(
    customer: Any, staff: Any
) -> None:
    """R-PAY-3: 600.00 € due 31/10, paid 30/11: 30 days late at 12 % a year
    = 600 × 0.12 × 30 / 365 = 5.917… → 5.92 €, and the 40 € indemnity (L441-10, D441-5)."""
    late = invoice(customer, "500.00", issue_date=date(2026, 10, 1))

    transfer(customer, "600.00", on=date(2026, 11, 30), by=staff)

    charges = {c.kind: c for c in selectors.late_charges_of(late)}
    assert charges[LateChargeKind.PENALTY].amount == Decimal("5.92")
    assert charges[LateChargeKind.PENALTY].days_late == 30
    assert charges[LateChargeKind.INDEMNITY].amount == Decimal("40.00")
    assert set(selectors.late_charges_to_invoice()) == set(charges.values())


def test_a_payment_on_time_costs_nothing(customer: Any, staff: Any) -> None:
    paid = invoice(customer, "500.00", issue_date=date(2026, 10, 1))
    transfer(customer, "600.00", on=DUE, by=staff)
    assert list(selectors.late_charges_of(paid)) == []


def test_payment_in_full_lifts_the_non_payment_suspension(customer: Any, staff: Any) -> None:
    """R-PAY-3: the suspension ends and a *resume* action is listed; another reason stays."""
    fibre, sip = ftto(customer), trunk(customer)
    late = invoice(customer, "500.00", issue_date=date(2026, 10, 1), service=fibre)
    for days in (5, 15, 25, 35):
        services.run_dunning(as_of=DUE + timedelta(days=days))
    assert _states(fibre, sip) == ["suspended", "active"]
    services.suspend_services(
        customer=customer,
        service_ids=[sip.pk],
        reason="non_compliant_use",
        note="Revente de minutes constatée",
        by=staff,
        start_at=at(2026, 12, 6),
    )

    transfer(customer, "300.00", on=date(2026, 12, 7), by=staff)
    assert _states(fibre, sip) == ["suspended", "suspended"]
    transfer(customer, "300.00", on=date(2026, 12, 8), by=staff)

    assert selectors.open_amount(late) == Decimal("0.00")
    assert _states(fibre, sip) == ["active", "suspended"]
    resume = [a for a in selectors.actions_to_do() if a.kind == "resume"]
    assert [action.service_ids for action in resume] == [[fibre.pk]]


def test_other_suspension_reasons_go_through_the_contracts_app(customer: Any, staff: Any) -> None:
    """R-PAY-4: maintenance needs the customer notice; lifting lists a *resume* action."""
    fibre = ftto(customer)
    with pytest.raises(services.UnableToRecordPayment, match="annoncée au client"):
        services.suspend_services(
            customer=customer,
            service_ids=[fibre.pk],
            reason="maintenance",
            note="Changement de l'OLT",
            by=staff,
            start_at=at(2026, 12, 1),
        )
    action = services.suspend_services(
        customer=customer,
        service_ids=[fibre.pk],
        reason="maintenance",
        note="Changement de l'OLT",
        customer_notice="Coupure le 01/12 de 2 h à 4 h",
        by=staff,
        start_at=at(2026, 12, 1, 2),
        planned_end_at=at(2026, 12, 1, 4),
    )
    assert _states(fibre) == ["suspended"]

    resumed = services.lift_suspension(action=action, by=staff, at=at(2026, 12, 1, 4))

    assert resumed is not None
    assert resumed.kind == "resume"
    assert _states(fibre) == ["active"]
    services.mark_action_done(action=action, by=staff)
    assert list(selectors.actions_to_do()) == [resumed]


def test_the_dunning_command_runs_a_day_once(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """R-PAY-3: `syres dunning --date D` prints the steps of the day; run again, none."""
    late = invoice(customer, "500.00", issue_date=date(2026, 10, 1))
    runner = CliRunner()

    first = runner.invoke(dunning_command, ["--date", "2026-11-05"])
    again = runner.invoke(dunning_command, ["--date", "2026-11-05"])

    assert first.exit_code == 0, first.output
    assert f"{late.number}  Premier rappel  (600,00\xa0€ relancés)" in first.output
    assert "E-mails envoyés : 1" in first.output
    assert "0 étape(s)" in again.output
    assert len(smtp_server.handler.messages) == 1


def test_the_dunning_command_fails_while_a_reminder_is_not_sent(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """R-PAY-3: the steps are recorded, but the command exits non-zero (a scheduler sees it)
    until the next run has sent the reminder the server refused."""
    invoice(customer, "500.00", issue_date=date(2026, 10, 1))
    smtp_server.handler.temporary_failures = 10
    runner = CliRunner()

    refused = runner.invoke(dunning_command, ["--date", "2026-11-05"])
    smtp_server.handler.temporary_failures = 0
    later = runner.invoke(dunning_command, ["--date", "2026-11-06"])

    assert refused.exit_code == 1, refused.output
    assert "1 e-mail(s) de relance en échec" in refused.output
    assert later.exit_code == 0, later.output
    assert len(smtp_server.handler.messages) == 1


def test_lines_flagged_by_the_rating_are_listed_as_suspension_candidates(
    customer: Any, staff: Any, tmp_path: Path
) -> None:
    """R-PAY-4: a contract service whose line breached its limits is listed for staff."""
    fibre = ftto(customer)
    sip = contract_services.record_delivered_service(
        customer=customer,
        kind="sip_trunk",
        product_code="TRUNK-WAZO",
        label="Trunk SIP, 1 canal",
        monthly_fee=Decimal("12.00"),
        platform="wazo",
        phone_number="+33565480000",
        delivery_date=date(2026, 1, 5),
        commitment_months=12,
        source_ref="service:sip-surge",
        at=at(2026, 1, 5),
    )
    save_line(identifier="+33565480000", platform="wazo", channels=1)
    header = "call_id,line,start,duration_s,caller,callee,direction,forwarded\n"
    rows = "".join(
        f"c{i},+33565480000,2026-03-{2 + i // 500:02d}T09:{i % 60:02d}:00+01:00,61,"
        f"0565000000,01{i:08d},out,0\n"
        for i in range(200)
    )
    usage = tmp_path / "voix.csv"
    usage.write_text(header + rows, encoding="utf-8")
    import_usage(
        month=Month(2026, 3),
        paths=[usage],
        terms=load_terms(),
        rated_at=at(2026, 4, 2),
        data_dir=tmp_path / "data",
    )

    (candidate,) = selectors.suspension_candidates(period="2026-03")

    assert candidate.service == sip
    assert candidate.service != fibre
    assert candidate.breaches == "over_numbers"
    assert candidate.reason == "consumption_surge"
    action = services.suspend_services(
        customer=customer,
        service_ids=[candidate.service.pk],
        reason=candidate.reason,
        note=f"Dépassement {candidate.breaches} en {candidate.period}",
        by=staff,
        start_at=at(2026, 4, 3),
    )
    assert _states(sip) == ["suspended"]
    assert action.reason == "consumption_surge"
