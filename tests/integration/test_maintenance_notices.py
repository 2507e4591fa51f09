"""Planned maintenance notices e-mailed to the customer (CGV art. 15, R-PAY-4), through a real
local SMTP server: sent once after the suspension commits, only for maintenance, a failed one
sent by a later run while the maintenance is not over."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time, timedelta
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from click.testing import CliRunner
from django.core.mail.backends.smtp import EmailBackend
from django.test import Client
from django.utils import timezone

from syres.cli.contracts import contracts_group
from syres.contracts import selectors, services
from syres.contracts.models import Suspension
from syres.domain.periods import PARIS
from syres.mail import DEFAULT_ATTEMPTS
from tests.integration.customers_fixtures import at, company, staff_user
from tests.integration.payments_fixtures import ftto
from tests.support.smtp import SmtpServer, smtp_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

NOTICE = "Remplacement de l'équipement de collecte : coupure de l'accès de quelques minutes."

OnCommit = Callable[..., AbstractContextManager[Any]]


def assert_notice_sent(suspension: Suspension) -> None:
    """The notice is recorded as sent, with no error left from an earlier attempt."""
    suspension.refresh_from_db()
    assert suspension.notice_sent_at is not None
    assert suspension.notice_error == ""


@pytest.fixture(autouse=True)
def no_retry_delay(settings: Any) -> None:
    settings.MAIL_RETRY_DELAY_S = 0


@pytest.fixture
def staff() -> Any:
    return staff_user("exploitation")


@pytest.fixture
def customer(staff: Any) -> Any:
    return company(staff, when=at(2025, 12, 1))


def _window() -> tuple[datetime, datetime]:
    """A night three days ahead, 22:00 to 02:00 Paris time: the notice goes out beforehand."""
    night = timezone.localdate() + timedelta(days=3)
    return (
        datetime.combine(night, time(22), tzinfo=PARIS),
        datetime.combine(night + timedelta(days=1), time(2), tzinfo=PARIS),
    )


def _maintenance(service: Any, staff: Any, *, start: datetime, end: datetime) -> Any:
    # Given in UTC: the e-mail must still show the Paris hours.
    return services.suspend_service(
        service=service,
        reason="maintenance",
        start_at=start.astimezone(UTC),
        planned_end_at=end.astimezone(UTC),
        by=staff,
        customer_notice=NOTICE,
    )


def _subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def test_a_planned_maintenance_is_emailed_once_to_the_customer_with_its_window(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    """CGV art. 15, R-PAY-4: after the suspension commits, the notice goes to the billing
    address with the service, the window in Paris time and the text staff wrote; once."""
    fibre = ftto(customer)
    start, end = _window()

    with django_capture_on_commit_callbacks(execute=True):
        suspension = _maintenance(fibre, staff, start=start, end=end)

    (message,) = smtp_server.handler.messages
    assert smtp_server.handler.recipients == [["factures@totalenergies.example"]]
    assert _subject(message) == f"Maintenance programmée le {start:%d/%m/%Y} — {fibre.label}"
    assert message["X-Syres-Maintenance"] == str(suspension.pk)
    body = _body(message)
    assert "article 15" in body
    assert f"Service : {fibre.label} (n° {fibre.pk})" in body
    assert f"Début : le {start:%d/%m/%Y} à 22:00" in body
    assert f"Fin prévue : le {end:%d/%m/%Y} à 02:00" in body
    assert NOTICE in body
    assert_notice_sent(suspension)

    assert services.send_maintenance_notices().sent == 0
    assert len(smtp_server.handler.messages) == 1


def test_other_suspension_reasons_email_no_notice(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    """R-PAY-4, CGV art. 15: only maintenance is announced by this notice; the other suspensions
    follow the dunning letters or a decision already notified, even if staff typed a text."""
    fibre = ftto(customer)
    start, end = _window()

    with django_capture_on_commit_callbacks(execute=True):
        for reason in ("non_payment", "non_compliant_use", "consumption_surge", "breach"):
            services.suspend_service(
                service=fibre,
                reason=reason,
                start_at=start,
                planned_end_at=end,
                by=staff,
                customer_notice=NOTICE,
            )

    assert services.send_maintenance_notices().sent == 0
    assert smtp_server.handler.messages == []
    assert all(s.notice_sent_at is None for s in selectors.suspensions_of(fibre))


def test_a_failed_notice_is_recorded_then_sent_once_by_the_next_run(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    """R-PAY-4, CGV art. 15: a refused send (451) leaves the suspension standing and the notice
    unsent with its error; `syres contracts maintenance-notices` sends it, once."""
    fibre = ftto(customer)
    start, end = _window()
    smtp_server.handler.temporary_failures = DEFAULT_ATTEMPTS  # every attempt

    with django_capture_on_commit_callbacks(execute=True):
        suspension = _maintenance(fibre, staff, start=start, end=end)

    assert smtp_server.handler.messages == []
    suspension.refresh_from_db()
    assert suspension.notice_sent_at is None
    assert "451" in suspension.notice_error
    fibre.refresh_from_db()
    assert fibre.state == "suspended"

    first = CliRunner().invoke(contracts_group, ["maintenance-notices"])
    again = CliRunner().invoke(contracts_group, ["maintenance-notices"])

    assert first.exit_code == 0, first.output
    assert "Avis de maintenance envoyés : 1" in first.output
    assert "Avis de maintenance envoyés : 0" in again.output
    (message,) = smtp_server.handler.messages
    assert message["X-Syres-Maintenance"] == str(suspension.pk)
    assert_notice_sent(suspension)


def test_an_unreachable_server_is_recorded_and_the_notice_sent_when_it_is_back(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
    django_capture_on_commit_callbacks: OnCommit,
    settings: Any,
) -> None:
    """R-PAY-4, CGV art. 15: no SMTP server at commit never undoes the suspension; the run reports
    it."""
    fibre = ftto(customer)
    start, end = _window()
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there

    with django_capture_on_commit_callbacks(execute=True):
        suspension = _maintenance(fibre, staff, start=start, end=end)
    failed = services.send_maintenance_notices()

    assert (failed.sent, len(failed.failures)) == (0, 1)
    suspension.refresh_from_db()
    assert suspension.notice_sent_at is None
    assert suspension.notice_error
    settings.EMAIL_PORT = port
    assert services.send_maintenance_notices().sent == 1
    assert len(smtp_server.handler.messages) == 1


def test_a_maintenance_over_before_its_notice_could_be_sent_is_not_announced(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    """R-PAY-4, CGV art. 15: a notice arriving after its window (planned end past, or lifted) would
    mislead the customer: it stays unsent."""
    fibre, other = ftto(customer), ftto(customer, source="service:ftto-2")
    start, end = _window()
    smtp_server.handler.temporary_failures = 2 * DEFAULT_ATTEMPTS  # both notices
    with django_capture_on_commit_callbacks(execute=True):
        past_its_end = _maintenance(fibre, staff, start=start, end=end)
        lifted = _maintenance(other, staff, start=start, end=end)
    services.lift_suspension(suspension=lifted, end_at=start + timedelta(hours=1), by=staff)

    assert services.send_maintenance_notices(at=end + timedelta(minutes=1)).sent == 0
    assert services.send_maintenance_notices().sent == 1

    (message,) = smtp_server.handler.messages
    assert message["X-Syres-Maintenance"] == str(past_its_end.pk)
    lifted.refresh_from_db()
    assert lifted.notice_sent_at is None


def test_staff_suspending_for_maintenance_from_the_payments_screen_email_the_notice(
    admin_client: Client,
    customer: Any,
    smtp_server: SmtpServer,  # noqa: F811
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    """R-PAY-4, CGV art. 15: the staff screen « Suspendre des services » goes through the contracts
    app, which e-mails the notice after the commit."""
    fibre = ftto(customer)
    start, end = _window()
    form = {
        "customer": customer.pk,
        "service_ids": str(fibre.pk),
        "reason": "maintenance",
        "note": "Remplacement de l'OLT",
        "start_at": f"{start:%d/%m/%Y %H:%M}",
        "planned_end_at": f"{end:%d/%m/%Y %H:%M}",
        "customer_notice": NOTICE,
    }

    without_end = admin_client.post(
        "/admin/payments/payment/suspension/", {**form, "planned_end_at": ""}
    )
    with django_capture_on_commit_callbacks(execute=True):
        accepted = admin_client.post("/admin/payments/payment/suspension/", form)

    assert without_end.status_code == 200
    assert "fin prévue de la maintenance" in without_end.text
    assert accepted.status_code == 302, accepted.content
    (message,) = smtp_server.handler.messages
    body = _body(message)
    assert f"Début : le {start:%d/%m/%Y} à 22:00" in body
    assert NOTICE in body


def test_a_notice_that_cannot_be_written_is_recorded_and_the_batch_goes_on(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """R-PAY-4, CGV art. 15: a label with a line break cannot go into the subject (a header
    injection); that notice keeps its error, unclaimed, the others are sent, and once the label is
    fixed the next run sends it."""
    broken, fibre = ftto(customer), ftto(customer, source="service:ftto-2")
    broken.label = "Fibre FTTO\nBcc: x@example.com"
    broken.save(update_fields=["label"])
    start, end = _window()
    unsendable = _maintenance(broken, staff, start=start, end=end)
    sendable = _maintenance(fibre, staff, start=start, end=end)

    report = services.send_maintenance_notices()

    assert report.sent == 1
    (failure,) = report.failures
    assert f"n° {unsendable.pk}" in failure
    (message,) = smtp_server.handler.messages
    assert message["X-Syres-Maintenance"] == str(sendable.pk)
    unsendable.refresh_from_db()
    assert "BadHeaderError" in unsendable.notice_error
    assert unsendable.notice_claimed_at is None
    assert unsendable.notice_sent_at is None

    broken.label = "Fibre FTTO"
    broken.save(update_fields=["label"])
    fixed = services.send_maintenance_notices()

    assert (fixed.sent, fixed.failures) == (1, [])
    assert smtp_server.handler.messages[-1]["X-Syres-Maintenance"] == str(unsendable.pk)
    assert_notice_sent(unsendable)


def test_a_claim_held_too_long_without_a_send_is_taken_again_a_fresh_one_is_not(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """R-PAY-4, CGV art. 15: a sender that died between its claim and its send leaves a claim that
    the next run takes again after 15 minutes; a fresh claim belongs to a sender at work, and a
    stale claim another sender takes meanwhile is left to it: never two sends."""
    start, end = _window()
    now = timezone.now()
    dead, busy, raced = (
        _maintenance(ftto(customer, source=f"service:ftto-{n}"), staff, start=start, end=end)
        for n in range(3)
    )
    Suspension.objects.filter(pk__in=[dead.pk, raced.pk]).update(
        notice_claimed_at=now - timedelta(minutes=16)
    )
    Suspension.objects.filter(pk=busy.pk).update(notice_claimed_at=now - timedelta(minutes=1))
    send = services.send_with_retries

    def another_sender_claims_raced_meanwhile(message: Any, **options: Any) -> Any:
        # While this run sends the first notice, another takes the stale claim of the last.
        Suspension.objects.filter(pk=raced.pk).update(notice_claimed_at=timezone.now())
        return send(message, **options)

    monkeypatch.setattr(services, "send_with_retries", another_sender_claims_raced_meanwhile)

    report = services.send_maintenance_notices(at=now)

    assert (report.sent, report.failures) == (1, [])
    (message,) = smtp_server.handler.messages
    assert message["X-Syres-Maintenance"] == str(dead.pk)
    assert_notice_sent(dead)
    busy.refresh_from_db()
    assert (busy.notice_sent_at, busy.notice_claimed_at) == (None, now - timedelta(minutes=1))
    raced.refresh_from_db()
    assert raced.notice_sent_at is None


def test_an_unexpected_error_while_sending_releases_the_claim_and_the_batch_goes_on(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """R-PAY-4, CGV art. 15: whatever a send raises after the claim, the claim is released with the
    error, the other notices are sent and a later run sends that one."""
    start, end = _window()
    failing, other = (
        _maintenance(ftto(customer, source=f"service:ftto-{n}"), staff, start=start, end=end)
        for n in range(2)
    )
    send = EmailBackend.send_messages

    def crash_on_failing(backend: EmailBackend, messages: Any) -> int:
        if messages[0].extra_headers["X-Syres-Maintenance"] == str(failing.pk):
            raise RuntimeError("connexion perdue")
        return send(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", crash_on_failing)

    report = services.send_maintenance_notices()

    assert report.sent == 1
    (failure,) = report.failures
    assert f"n° {failing.pk} : RuntimeError: connexion perdue" in failure
    (message,) = smtp_server.handler.messages
    assert message["X-Syres-Maintenance"] == str(other.pk)
    failing.refresh_from_db()
    assert (failing.notice_claimed_at, failing.notice_sent_at) == (None, None)
    assert failing.notice_error == "RuntimeError: connexion perdue"
    monkeypatch.setattr(EmailBackend, "send_messages", send)
    assert services.send_maintenance_notices().sent == 1


def test_the_run_exits_in_error_when_a_notice_failed(
    customer: Any,
    staff: Any,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """R-PAY-4, CGV art. 15: a refused notice is printed and `syres contracts maintenance-notices`
    exits non-zero, so the scheduler reports it; the next run sends it and exits 0."""
    start, end = _window()
    suspension = _maintenance(ftto(customer), staff, start=start, end=end)
    smtp_server.handler.temporary_failures = DEFAULT_ATTEMPTS  # every attempt

    failed = CliRunner().invoke(contracts_group, ["maintenance-notices"])
    sent = CliRunner().invoke(contracts_group, ["maintenance-notices"])

    assert failed.exit_code == 1, failed.output
    assert isinstance(failed.exception, SystemExit)
    assert "Avis de maintenance envoyés : 0" in failed.output
    assert f"Avis en échec (réessayé au prochain passage) : suspension n° {suspension.pk}" in (
        failed.output
    )
    assert sent.exit_code == 0, sent.output
    assert "Avis de maintenance envoyés : 1" in sent.output
