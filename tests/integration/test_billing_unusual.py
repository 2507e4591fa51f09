"""R-INV-5 unusual consumption (intermediate invoice, then the rest on the monthly invoice) and
R-SIP-6's per-customer retroactive option, in the billing run, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from syres.billing import selectors, services
from syres.billing.models import OveragePolicy
from syres.contracts import services as contract_services
from syres.customers import services as customer_services
from syres.domain import billing as rules
from syres.domain.money import quantize_eur
from syres.domain.periods import Month
from syres.usage.models import Line, LineMonth
from tests.integration.customers_fixtures import company, staff_user

AUGUST, SEPTEMBER, OCTOBER = Month(2026, 8), Month(2026, 9), Month(2026, 10)


@pytest.fixture
def staff() -> Any:
    return staff_user("billing-unusual")


def _edf(staff: Any) -> Any:
    return customer_services.create_customer(
        kind="company",
        legal_name="EDF",
        siren="552 081 317",
        address=customer_services.Address("22-30 avenue de Wagram", "75008", "Paris"),
        billing_email="factures@edf.example",
        iban="FR1420041010050500013M02606",
        bic="PSSTFRPP",
        by=staff,
    )


def _trunk(customer: Any, number: str) -> Any:
    return contract_services.record_delivered_service(
        customer=customer,
        kind="sip_trunk",
        product_code="TRUNK-SEWAN",
        label="Trunk SIP SEWAN",
        monthly_fee=Decimal("24.00"),
        quantity=2,
        platform="sewan",
        phone_number=number,
        delivery_date=date(2026, 7, 1),
        commitment_months=12,
    )


def _usage(number: str, month: Month, voice: str, *, retroactive: str | None = None) -> None:
    """The rated aggregates of a trunk's month (what the usage import writes)."""
    amount = Decimal(voice)
    LineMonth.objects.update_or_create(
        line=Line.objects.get(identifier=number),
        period=str(month),
        defaults={
            "platform": "sewan",
            "channels": 2,
            "outgoing_calls": 100,
            "outgoing_seconds": 6000,
            "distinct_numbers": 40,
            "limit_seconds": 1000,
            "limit_numbers": 400,
            "breaches": "over_time" if retroactive else "",
            "billable_seconds": 600,
            "billable_minutes": 10,
            "billable_sms": 0,
            "billable_mb": 0,
            "sms": 0,
            "data_bytes": 0,
            "amount_voice": amount,
            "amount_sms": Decimal(0),
            "amount_data": Decimal(0),
            "amount_beyond": amount,
            "amount_if_retroactive": Decimal(retroactive) if retroactive else amount,
        },
    )


def _usage_billed(invoice: Any) -> Decimal:
    return sum(
        (line.amount for line in selectors.lines_of(invoice) if line.category == "usage"),
        Decimal(0),
    )


def _bill(month: Month, as_of: date) -> Any:
    return services.run_billing(period=month, as_of=as_of, render=False, send=False)


@pytest.mark.django_db
def test_an_unusual_month_is_billed_so_far_once_then_the_monthly_bills_only_the_rest_r_inv_5(
    staff: Any,
) -> None:
    total, edf = company(staff), _edf(staff)
    _trunk(total, "0565000001")
    _trunk(edf, "0565000002")
    for month, as_of in ((AUGUST, date(2026, 9, 1)), (SEPTEMBER, date(2026, 10, 1))):
        _usage("0565000001", month, "20.00")
        _usage("0565000002", month, "100.00")
        _bill(month, as_of)
    assert selectors.usage_billed_by_month_of(total, before=OCTOBER) == {
        AUGUST: Decimal("20.00"),
        SEPTEMBER: Decimal("20.00"),
    }
    # Mid-October: TotalEnergies is at 10 × its average; EDF at 2.5 × its own (under 3 ×).
    _usage("0565000001", OCTOBER, "200.123456")
    _usage("0565000002", OCTOBER, "250.00")
    report = services.detect_unusual_consumption(period=OCTOBER, as_of=date(2026, 10, 20))
    assert (report.checked, len(report.issued), report.skipped) == (2, 1, [])
    intermediate = selectors.invoice_by_number(report.issued[0])
    assert intermediate is not None
    assert intermediate.customer_id == total.pk
    assert intermediate.kind == rules.InvoiceKind.INTERMEDIATE.value
    assert intermediate.due_date == date(2026, 10, 20)  # payable on receipt
    assert _usage_billed(intermediate) == Decimal("200.12")
    flagged = list(selectors.unusual_consumptions(period=OCTOBER))
    assert [(f.customer_id, f.month_amount, f.average, f.months) for f in flagged] == [
        (total.pk, Decimal("200.12"), Decimal("20.00"), 2)
    ]
    again = services.detect_unusual_consumption(period=OCTOBER, as_of=date(2026, 10, 25))
    assert (again.issued, again.already_flagged) == ([], 1)

    # The month ends higher still: the monthly invoice bills the rest, nothing twice.
    _usage("0565000001", OCTOBER, "260.504")
    _bill(OCTOBER, date(2026, 11, 2))
    monthly = selectors.monthly_invoice_of(total, period=OCTOBER)
    assert monthly is not None
    assert _usage_billed(monthly) == Decimal("60.38")
    assert _usage_billed(monthly) + _usage_billed(intermediate) == quantize_eur(Decimal("260.504"))
    edf_monthly = selectors.monthly_invoice_of(edf, period=OCTOBER)
    assert _usage_billed(edf_monthly) == Decimal("250.00")
    # The month billed counts in full in the history of November.
    assert selectors.usage_billed_by_month_of(total, before=Month(2026, 11))[OCTOBER] == (
        Decimal("260.50")
    )


@pytest.mark.django_db
def test_a_new_line_is_unusual_on_the_floor_alone_and_a_billed_month_is_not_flagged_r_inv_5(
    staff: Any,
) -> None:
    total = company(staff)
    _trunk(total, "0565000001")
    _usage("0565000001", OCTOBER, "149.99")
    assert services.detect_unusual_consumption(period=OCTOBER, as_of=date(2026, 10, 9)).issued == []
    _usage("0565000001", OCTOBER, "150.00")
    _bill(OCTOBER, date(2026, 11, 2))
    # Billed already: the intermediate invoice would bill it twice.
    late = services.detect_unusual_consumption(period=OCTOBER, as_of=date(2026, 11, 3))
    assert late.issued == []
    assert list(selectors.unusual_consumptions()) == []


@pytest.mark.django_db
def test_breached_trunks_are_billed_beyond_the_limit_unless_staff_chose_retroactive_r_sip_6(
    staff: Any,
) -> None:
    total, edf = company(staff), _edf(staff)
    _trunk(total, "0565000001")
    _trunk(edf, "0565000002")
    assert selectors.overage_policy_of(total) is OveragePolicy.BEYOND  # the default
    choice = services.record_overage_choice(
        customer=total, policy=OveragePolicy.RETROACTIVE, by=staff, reason="abus répété"
    )
    assert (choice.decided_by, choice.reason) == (staff, "abus répété")
    with pytest.raises(services.UnableToBill):
        services.record_overage_choice(customer=edf, policy=OveragePolicy.RETROACTIVE, by=None)
    _usage("0565000001", OCTOBER, "10.00", retroactive="45.50")
    _usage("0565000002", OCTOBER, "10.00", retroactive="45.50")
    _bill(OCTOBER, date(2026, 11, 2))
    assert _usage_billed(selectors.monthly_invoice_of(total, period=OCTOBER)) == Decimal("45.50")
    assert _usage_billed(selectors.monthly_invoice_of(edf, period=OCTOBER)) == Decimal("10.00")
    # Back to the default: the next month is billed beyond the limit only.
    services.record_overage_choice(customer=total, policy=OveragePolicy.BEYOND, by=staff)
    assert selectors.overage_policy_of(total) is OveragePolicy.BEYOND
    assert [c.policy for c in selectors.overage_choices_of(total)] == ["beyond", "retroactive"]


@settings(max_examples=40, deadline=None)
@given(
    so_far=st.decimals(min_value=0, max_value=10_000, places=6),
    more=st.decimals(min_value=0, max_value=10_000, places=6),
)
def test_the_intermediate_and_the_monthly_invoice_bill_the_month_rounded_once_r_inv_5(
    so_far: Decimal, more: Decimal
) -> None:
    """Deducting the intermediate invoice's rounded line leaves exactly the rest: together they
    bill the month's total rounded once, never a cent more or less."""
    vat = Decimal("0.20")

    def aggregate(amount: Decimal) -> rules.UsageAggregate:
        return rules.UsageAggregate(
            service_ref="service:1",
            service_label="Trunk",
            kind=rules.UsageKind.VOICE,
            month=OCTOBER,
            billable_units=1,
            amount=amount,
        )

    first = rules.usage_line(aggregate=aggregate(so_far), vat_rate=vat)
    billed = {"service:1": {"voice": {"amount": str(first.amount if first else 0), "units": 1}}}
    (rest,) = services._less_billed([aggregate(so_far + more)], billed=billed)
    second = rules.usage_line(aggregate=rest, vat_rate=vat)
    total = sum((line.amount for line in (first, second) if line is not None), Decimal(0))
    assert total == quantize_eur(so_far + more)


@pytest.mark.django_db
def test_staff_detect_unusual_consumption_from_the_back_office_and_see_who_is_flagged_r_inv_5(
    admin_client: Any, admin_user: Any
) -> None:
    total = company(admin_user)
    _trunk(total, "0565000001")
    _usage("0565000001", OCTOBER, "180.00")
    url = reverse("admin:billing_unusualconsumption_detect")
    assert "3.0 fois" in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"period": "2026-10", "as_of": "2026-10-20"})
    assert response.status_code == 302
    flagged = selectors.unusual_consumption_of(total, period=OCTOBER)
    assert flagged is not None
    listing = admin_client.get(reverse("admin:billing_unusualconsumption_changelist"))
    page = listing.content.decode()
    assert flagged.invoice.number in page
    assert "TotalEnergies" in page


@pytest.mark.django_db
def test_staff_record_the_retroactive_choice_in_the_back_office_dated_and_attributed_r_sip_6(
    admin_client: Any, admin_user: Any
) -> None:
    total = company(admin_user)
    url = reverse("admin:billing_overagechoice_add")
    data = {"customer": total.pk, "policy": "retroactive", "reason": "centre d'appels"}
    assert admin_client.post(url, data).status_code == 302
    (choice,) = selectors.overage_choices_of(total)
    assert (choice.policy, choice.decided_by, choice.reason) == (
        "retroactive",
        admin_user,
        "centre d'appels",
    )
    # The same decision again is refused with the reason; nothing is recorded.
    again = admin_client.post(url, data)
    assert "déjà facturé ainsi" in again.content.decode()
    assert selectors.overage_choices_of(total).count() == 1
    assert selectors.overage_policy_of(total) is OveragePolicy.RETROACTIVE
