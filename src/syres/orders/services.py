"""Writes on quotes and orders. The order's state machine lives here, and only here.

Every state change goes through `_move`, which checks the transition against the rules of
`syres.domain.orders`, dates it and records who made it (`OrderTransition`). Refusals are
`UnableToX` exceptions whose `reason` is the French sentence the user reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from syres.accounts.selectors import NOT_IDENTIFIED_STAFF, is_identified_staff
from syres.catalog.selectors import UnableToPrice, get_product, prices_in_force
from syres.customers.selectors import get_customer, get_site
from syres.customers.services import UnableToOrder, ensure_customer_can_order
from syres.domain import orders as rules
from syres.domain.orders import (
    UnableToCancelOrder,
    UnableToChangeOrderState,
    UnableToPlaceOrder,
)
from syres.domain.periods import PARIS, add_months
from syres.domain.terms import Terms
from syres.orders.models import (
    BankGuaranteeRequest,
    BlockerKind,
    DeliveredEquipment,
    DeliveredService,
    EquipmentMode,
    ModemSiteCheck,
    Order,
    OrderBlocker,
    OrderLine,
    OrderState,
    OrderTransition,
    Quote,
    QuoteLine,
)
from syres.terms import load_terms

__all__ = [
    "QuoteLineRequest",
    "UnableToCancelOrder",
    "UnableToChangeOrderState",
    "UnableToDeliver",
    "UnableToPlaceOrder",
    "UnableToQuote",
    "UnableToRecordOrderFact",
    "cancel_order",
    "create_quote",
    "deliver_line",
    "place_order",
    "record_bank_guarantee_provided",
    "record_blocker",
    "record_deposit_paid",
    "record_modem_site",
    "release_ftth_site",
    "request_bank_guarantee",
    "resolve_blocker",
    "schedule_intervention",
    "start_work",
    "withdraw_bank_guarantee_request",
]


class UnableToQuote(Exception):
    """A quote cannot be made; `reason` is the sentence a user reads."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnableToDeliver(Exception):
    """An order line cannot be delivered (R-ORD-7); `reason` is the sentence a user reads."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnableToRecordOrderFact(Exception):
    """A blocker, a payment, a reading or a guarantee cannot be recorded; `reason` is French."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _now(at: datetime | None) -> datetime:
    return at if at is not None else timezone.now()


def _day(at: datetime) -> date:
    return at.astimezone(PARIS).date()


def _staff(by: Any) -> Any:
    if not is_identified_staff(by):
        raise UnableToChangeOrderState(NOT_IDENTIFIED_STAFF)
    return by


def _next_number(model: type[Quote] | type[Order], *, prefix: str, year: int) -> str:
    """`DV-2026-00001`: one sequence per prefix and year (the unique column guards it)."""
    stem = f"{prefix}-{year}-"
    last = model.objects.filter(number__startswith=stem).aggregate(last=Max("number"))["last"]
    sequence = int(last.removeprefix(stem)) + 1 if last else 1
    return f"{stem}{sequence:05d}"


# --- Quotes (R-ORD-1) --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLineRequest:
    """One line asked for in a quote; prices come from the catalog on the quote date."""

    product_code: str
    quantity: int = 1
    site_id: int | None = None
    equipment_mode: str = ""  # "lent" or "sold", equipment only
    negotiated_monthly_price: Decimal | None = None
    commitment_months: int | None = None  # per order (R-CAT-3); default: the product's
    replaces_other_operator: bool = False  # FTTH replacing another operator's access


@transaction.atomic
def create_quote(
    *,
    customer_id: int,
    quote_date: date,
    lines: Sequence[QuoteLineRequest],
    by: Any,
    note: str = "",
    terms: Terms | None = None,
    at: datetime | None = None,
) -> Quote:
    """Make a quote at the catalog prices in force on its date (R-CAT-2), valid for the
    months of the terms (R-ORD-1)."""
    _staff(by)
    terms = terms or load_terms()
    customer = get_customer(customer_id)
    if not lines:
        raise UnableToQuote("Un devis a au moins une ligne.")
    validity = rules.quote_validity(
        quote_date=quote_date, validity_months=terms.quotes.validity_months
    )
    quote = Quote.objects.create(
        number=_next_number(Quote, prefix=terms.quotes.number_prefix, year=quote_date.year),
        customer=customer,
        quote_date=quote_date,
        expires_on=validity.end,
        note=note,
        created_at=_now(at),
        created_by=by,
    )
    for position, request in enumerate(lines, start=1):
        QuoteLine.objects.create(
            quote=quote,
            position=position,
            **_line_fields(request=request, customer_id=customer.pk, on=quote_date),
        )
    return quote


def _line_fields(*, request: QuoteLineRequest, customer_id: int, on: date) -> dict[str, Any]:
    try:
        product = get_product(code=request.product_code)
        prices = prices_in_force(product_code=product.code, on=on)
    except UnableToPrice as error:
        raise UnableToQuote(error.reason) from error
    if request.quantity <= 0:
        raise UnableToQuote(f"{product.code} : la quantité doit être positive.")
    site = None
    if request.site_id is not None:
        site = get_site(request.site_id)
        if site.customer_id != customer_id:
            raise UnableToQuote(f"Le site « {site.name} » n'est pas un site de ce client.")
        if site.closed_on is not None and site.closed_on <= on:
            raise UnableToQuote(
                f"Le site « {site.name} » est fermé depuis le {site.closed_on:%d/%m/%Y}."
            )
    is_equipment = product.family == "equipment"
    if is_equipment and request.equipment_mode not in (EquipmentMode.LENT, EquipmentMode.SOLD):
        raise UnableToQuote(f"{product.code} : précisez si l'équipement est prêté ou vendu.")
    if not is_equipment and request.equipment_mode:
        raise UnableToQuote(f"{product.code} n'est pas un équipement.")
    if product.family == "internet_access" and site is None:
        raise UnableToQuote(f"{product.code} : un accès internet est livré sur un site.")
    is_ftth = product.technology == "ftth"
    if request.replaces_other_operator and not is_ftth:
        raise UnableToQuote("Seul un accès FTTH peut remplacer l'accès d'un autre opérateur.")
    if request.negotiated_monthly_price is not None and request.negotiated_monthly_price < 0:
        raise UnableToQuote("Un prix négocié ne peut pas être négatif.")
    sold = request.equipment_mode == EquipmentMode.SOLD
    return {
        "product": product,
        "site": site,
        "quantity": request.quantity,
        "equipment_mode": request.equipment_mode,
        # Lent equipment is rented monthly; sold equipment is paid once (CGV art. 6, 7).
        "monthly_price": Decimal(0) if sold else prices.monthly_price,
        "negotiated_monthly_price": request.negotiated_monthly_price,
        "access_fee": prices.access_fee,
        "installation_fee": prices.installation_fee,
        "sale_price": prices.sale_price if sold else Decimal(0),
        "commitment_months": request.commitment_months
        if request.commitment_months is not None
        else product.commitment_months,
        "replaces_other_operator": request.replaces_other_operator,
    }


# --- Placing an order (R-ORD-1 … R-ORD-6) ------------------------------------------------------


def _customer_may_order(customer: Any) -> None:
    # R-CUST-3 and R-ORD-6: the customers app runs every registered check (ours: the bank
    # guarantee; the payments issue adds overdue sums).
    try:
        ensure_customer_can_order(customer)
    except UnableToOrder as error:
        raise UnableToPlaceOrder(" ".join(error.reasons)) from error


def _site_has_ftth(site_id: int) -> bool:
    return OrderLine.objects.filter(ftth_site_id=site_id).exists()


@transaction.atomic
def place_order(
    *,
    quote_id: int,
    received_date: date,
    by: Any,
    ftth_replacement_acknowledged: bool = False,
    terms: Terms | None = None,
    at: datetime | None = None,
) -> Order:
    """Turn a quote into an order received on `received_date`.

    Refused for an expired quote (R-ORD-1), a customer who cannot order (R-CUST-3, R-ORD-6:
    overdue sums, bank guarantee owed) or a second FTTH on a site (R-ORD-4). Records the 30 %
    deposit due (R-ORD-2), a "deposit unpaid" blocker while it is, the planned intervention
    date (R-ORD-3) and, for internet access, the modem-site checklist (internet annex).
    """
    _staff(by)
    terms = terms or load_terms()
    now = _now(at)
    quote = Quote.objects.select_for_update().get(pk=quote_id)
    if Order.objects.filter(quote=quote).exists():
        raise UnableToPlaceOrder(f"Le devis {quote.number} a déjà été commandé.")
    rules.check_quote_orderable(
        quote_date=quote.quote_date,
        validity_months=terms.quotes.validity_months,
        on=received_date,
    )
    customer = get_customer(quote.customer_id)
    _customer_may_order(customer)
    quote_lines = list(quote.lines.select_related("product", "site").order_by("position"))
    ftth_per_site: dict[int, int] = {}
    for line in quote_lines:
        if line.product.technology == "ftth" and line.site_id is not None:
            ftth_per_site[line.site_id] = ftth_per_site.get(line.site_id, 0) + 1
    for line in quote_lines:
        if line.product.technology == "ftth" and line.site is not None:
            rules.check_ftth_for_site(
                site_name=line.site.name,
                site_has_ftth=_site_has_ftth(line.site.pk),
                ftth_lines_in_order=ftth_per_site[line.site.pk],
                replaces_other_operator=line.replaces_other_operator,
                replacement_acknowledged=ftth_replacement_acknowledged,
            )
    amounts = [line.amounts() for line in quote_lines]
    deposit = rules.deposit_due(lines=amounts, deposit_share=terms.orders.deposit_share)
    fibre = any(line.product.fibre_construction for line in quote_lines)
    blockers = [rules.Blocker("deposit_unpaid", started_on=received_date)] if deposit > 0 else []
    plan = rules.plan_intervention(
        received_date=received_date,
        terms=terms.orders,
        fibre_construction=fibre,
        blockers=blockers,
        as_of=received_date,
    )
    order = Order.objects.create(
        number=_next_number(Order, prefix=terms.orders.number_prefix, year=received_date.year),
        customer=customer,
        quote=quote,
        state=OrderState.RECEIVED,
        state_changed_at=now,
        received_date=received_date,
        one_off_total=rules.one_off_total(lines=amounts),
        deposit_amount=deposit,
        fibre_construction=fibre,
        planned_date=plan.planned_date,
        latest_date=plan.latest_date,
        created_at=now,
        created_by=by,
    )
    for line in quote_lines:
        is_ftth = line.product.technology == "ftth"
        acknowledged = is_ftth and line.replaces_other_operator
        try:
            with transaction.atomic():
                OrderLine.objects.create(
                    order=order,
                    position=line.position,
                    product=line.product,
                    site=line.site,
                    quantity=line.quantity,
                    equipment_mode=line.equipment_mode,
                    monthly_price=line.monthly_price,
                    negotiated_monthly_price=line.negotiated_monthly_price,
                    access_fee=line.access_fee,
                    installation_fee=line.installation_fee,
                    sale_price=line.sale_price,
                    commitment_months=line.commitment_months,
                    replaces_other_operator=line.replaces_other_operator,
                    ftth_site=line.site if is_ftth else None,
                    replacement_acknowledged_at=now if acknowledged else None,
                    replacement_acknowledged_by=by if acknowledged else None,
                )
        except IntegrityError as error:  # another order took the site meanwhile (R-ORD-4)
            raise UnableToPlaceOrder(
                f"Le site « {line.site.name if line.site else ''} » a déjà un accès FTTH."
            ) from error
    for blocker in blockers:
        OrderBlocker.objects.create(
            order=order,
            kind=blocker.kind,
            started_on=blocker.started_on,
            note=f"Acompte de {deposit} € demandé à la commande (CGV art. 10).",
            recorded_by=by,
        )
    if any(line.product.family == "internet_access" for line in quote_lines):
        for position, item in enumerate(terms.orders.modem_site.checklist, start=1):
            ModemSiteCheck.objects.create(order=order, position=position, item=item)
    OrderTransition.objects.create(
        order=order,
        from_state="",
        to_state=OrderState.RECEIVED,
        at=now,
        by=by,
        note=f"Commande reçue le {received_date:%d/%m/%Y} sur le devis {quote.number}.",
    )
    return order


# --- The state machine --------------------------------------------------------------------------


def _locked(order_id: int) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)


def _move(order: Order, *, target: str, by: Any, at: datetime, note: str = "") -> None:
    """The one place an order changes state: checked, dated, attributed."""
    rules.check_transition(current=order.state, target=target)
    if at < order.state_changed_at:
        raise UnableToChangeOrderState(
            "Un changement d'état ne peut être daté avant le précédent "
            f"({order.state_changed_at.astimezone(PARIS):%d/%m/%Y %H:%M})."
        )
    OrderTransition.objects.create(
        order=order, from_state=order.state, to_state=target, at=at, by=by, note=note
    )
    order.state = target
    order.state_changed_at = at
    order.save(update_fields=["state", "state_changed_at"])


def _domain_blockers(order: Order) -> list[rules.Blocker]:
    return [
        rules.Blocker(blocker.kind, started_on=blocker.started_on, resolved_on=blocker.resolved_on)
        for blocker in order.blockers.all()
    ]


def _replan(order: Order, *, as_of: date, terms: Terms) -> rules.InterventionPlan:
    plan = rules.plan_intervention(
        received_date=order.received_date,
        terms=terms.orders,
        fibre_construction=order.fibre_construction,
        blockers=_domain_blockers(order),
        as_of=as_of,
    )
    order.planned_date, order.latest_date = plan.planned_date, plan.latest_date
    order.save(update_fields=["planned_date", "latest_date"])
    return plan


@transaction.atomic
def schedule_intervention(
    *,
    order_id: int,
    intervention_date: date,
    by: Any,
    terms: Terms | None = None,
    at: datetime | None = None,
) -> Order:
    """Received → planned: fix the site intervention, not before the planned date and not while
    the order waits on a blocker (R-ORD-3)."""
    _staff(by)
    terms = terms or load_terms()
    now = _now(at)
    order = _locked(order_id)
    rules.check_transition(current=order.state, target=OrderState.PLANNED)
    plan = _replan(order, as_of=_day(now), terms=terms)
    if plan.is_waiting:
        raise UnableToChangeOrderState(
            "La commande est en attente : " + " ; ".join(plan.waiting_reasons) + "."
        )
    if intervention_date < plan.planned_date:
        raise UnableToChangeOrderState(
            f"L'intervention ne peut avoir lieu avant le {plan.planned_date:%d/%m/%Y} "
            f"(délai de réalisation, CGV art. 9)."
        )
    order.intervention_date = intervention_date
    order.save(update_fields=["intervention_date"])
    _move(
        order,
        target=OrderState.PLANNED,
        by=by,
        at=now,
        note=f"Intervention planifiée le {intervention_date:%d/%m/%Y}.",
    )
    return order


@transaction.atomic
def start_work(
    *, order_id: int, by: Any, terms: Terms | None = None, at: datetime | None = None
) -> Order:
    """Planned → in progress: work starts on site; from now on the order cannot be cancelled
    (R-ORD-5). An internet access needs a modem site that meets the annex's conditions."""
    _staff(by)
    terms = terms or load_terms()
    now = _now(at)
    order = _locked(order_id)
    rules.check_transition(current=order.state, target=OrderState.IN_PROGRESS)
    checks = list(order.modem_checks.order_by("position"))
    if checks:
        problems = list(
            rules.modem_site_problems(
                humidity_percent=order.modem_humidity_percent,
                temperature_celsius=order.modem_temperature_celsius,
                terms=terms.orders.modem_site,
            )
        )
        problems += [f"Non vérifié : {check.item}" for check in checks if check.checked_at is None]
        if problems:
            raise UnableToChangeOrderState(
                "Le local du modem n'est pas prêt : " + " ; ".join(problems) + "."
            )
    _move(order, target=OrderState.IN_PROGRESS, by=by, at=now, note="Travaux commencés.")
    return order


@transaction.atomic
def cancel_order(*, order_id: int, reason: str, by: Any, at: datetime | None = None) -> Order:
    """Cancel before work starts; the fee is the order's activation fees (R-ORD-5), recorded
    for the billing issue to invoice. An order in progress cannot be cancelled."""
    _staff(by)
    now = _now(at)
    order = _locked(order_id)
    rules.check_transition(current=order.state, target=OrderState.CANCELLED)
    if not reason.strip():
        raise UnableToCancelOrder("Indiquez le motif de l'annulation.")
    lines = list(order.lines.all())
    order.cancellation_fee = rules.cancellation_fee(lines=[line.amounts() for line in lines])
    order.cancellation_reason = reason.strip()
    # The FTTH access will not be built: the site is free again (R-ORD-4).
    order.lines.update(ftth_site=None)
    for blocker in order.blockers.filter(resolved_on__isnull=True):
        blocker.resolved_on = max(_day(now), blocker.started_on)
        blocker.resolved_by = by
        blocker.save(update_fields=["resolved_on", "resolved_by"])
    _move(
        order,
        target=OrderState.CANCELLED,
        by=by,
        at=now,
        note=f"{reason.strip()} — frais d'annulation : {order.cancellation_fee} € HT.",
    )
    order.save(update_fields=["cancellation_fee", "cancellation_reason"])
    return order


# --- Facts that push or unblock the plan (R-ORD-3) ---------------------------------------------


def _open_order(order_id: int) -> Order:
    order = _locked(order_id)
    if order.state in (OrderState.DELIVERED, OrderState.CANCELLED):
        raise UnableToRecordOrderFact(
            f"La commande {order.number} est {order.get_state_display().lower()}."
        )
    return order


@transaction.atomic
def record_blocker(
    *,
    order_id: int,
    kind: str,
    started_on: date,
    by: Any,
    note: str = "",
    terms: Terms | None = None,
) -> OrderBlocker:
    """Record why the order waits (CGV art. 9): documents missing, premises not ready, deposit
    unpaid. The planned date moves by the length of the delay (R-ORD-3)."""
    _staff(by)
    order = _open_order(order_id)
    if kind not in BlockerKind.values:
        raise UnableToRecordOrderFact(f"Cause d'attente inconnue : {kind}.")
    if started_on < order.received_date:
        raise UnableToRecordOrderFact("Une cause d'attente ne peut précéder la commande.")
    if order.blockers.filter(kind=kind, resolved_on__isnull=True).exists():
        raise UnableToRecordOrderFact(
            f"« {BlockerKind(kind).label} » est déjà en cours pour cette commande."
        )
    blocker = OrderBlocker.objects.create(
        order=order, kind=kind, started_on=started_on, note=note, recorded_by=by
    )
    _replan(order, as_of=started_on, terms=terms or load_terms())
    return blocker


@transaction.atomic
def resolve_blocker(
    *, blocker_id: int, resolved_on: date, by: Any, terms: Terms | None = None
) -> OrderBlocker:
    """Lift a blocker; the planned date keeps the delay it caused (R-ORD-3)."""
    _staff(by)
    blocker = OrderBlocker.objects.select_related("order").get(pk=blocker_id)
    order = _open_order(blocker.order_id)
    if blocker.resolved_on is not None:
        raise UnableToRecordOrderFact("Cette cause d'attente est déjà levée.")
    if resolved_on < blocker.started_on:
        raise UnableToRecordOrderFact("Une cause d'attente ne peut être levée avant d'exister.")
    blocker.resolved_on = resolved_on
    blocker.resolved_by = by
    blocker.save(update_fields=["resolved_on", "resolved_by"])
    _replan(order, as_of=resolved_on, terms=terms or load_terms())
    return blocker


@transaction.atomic
def record_deposit_paid(
    *, order_id: int, paid_on: date, by: Any, terms: Terms | None = None
) -> Order:
    """The 30 % deposit is paid (R-ORD-2): the "deposit unpaid" blocker is lifted on that day.

    The billing/payments issues call this when the deposit invoice is settled."""
    _staff(by)
    order = _open_order(order_id)
    if order.deposit_paid_on is not None:
        raise UnableToRecordOrderFact("L'acompte est déjà enregistré comme versé.")
    if paid_on < order.received_date:
        raise UnableToRecordOrderFact("L'acompte ne peut être versé avant la commande.")
    order.deposit_paid_on = paid_on
    order.save(update_fields=["deposit_paid_on"])
    for blocker in order.blockers.filter(kind=BlockerKind.DEPOSIT_UNPAID, resolved_on__isnull=True):
        resolve_blocker(blocker_id=blocker.pk, resolved_on=paid_on, by=by, terms=terms)
    return order


@transaction.atomic
def record_modem_site(
    *,
    order_id: int,
    humidity_percent: int | None,
    temperature_celsius: int | None,
    checked_positions: Sequence[int],
    by: Any,
    terms: Terms | None = None,
    at: datetime | None = None,
) -> tuple[str, ...]:
    """Record the modem-site readings and the checklist items seen (internet annex).

    Returns the problems still open (French), empty when the site is ready."""
    _staff(by)
    now = _now(at)
    order = _open_order(order_id)
    checks = {check.position: check for check in order.modem_checks.all()}
    if not checks:
        raise UnableToRecordOrderFact("Cette commande ne comporte pas d'accès internet.")
    unknown = sorted(set(checked_positions) - set(checks))
    if unknown:
        raise UnableToRecordOrderFact(f"Points de contrôle inconnus : {unknown}.")
    order.modem_humidity_percent = humidity_percent
    order.modem_temperature_celsius = temperature_celsius
    order.save(update_fields=["modem_humidity_percent", "modem_temperature_celsius"])
    for position in checked_positions:
        check = checks[position]
        if check.checked_at is None:
            check.checked_at, check.checked_by = now, by
            check.save(update_fields=["checked_at", "checked_by"])
    terms = terms or load_terms()
    problems = rules.modem_site_problems(
        humidity_percent=humidity_percent,
        temperature_celsius=temperature_celsius,
        terms=terms.orders.modem_site,
    )
    unchecked = tuple(
        f"Non vérifié : {check.item}"
        for position, check in sorted(checks.items())
        if check.checked_at is None
    )
    return problems + unchecked


# --- Delivery (R-ORD-7) ------------------------------------------------------------------------


@transaction.atomic
def deliver_line(
    *,
    line_id: int,
    delivered_on: date,
    by: Any,
    line_numbers: Sequence[str] = (),
    serial_numbers: Sequence[str] = (),
    terms: Terms | None = None,
    at: datetime | None = None,
) -> OrderLine:
    """Put an order line into service on `delivered_on` (R-ORD-7).

    A subscription line creates the customer's service (`DeliveredService`), whose delivery
    date starts billing and the minimum commitment: one per mobile line (one number each), one
    per trunk (its channels) or licence line. An equipment line creates one item per serial
    number, lent or sold (R-EQ-1). When every line is delivered, the order is delivered.
    """
    _staff(by)
    terms = terms or load_terms()
    now = _now(at)
    line = OrderLine.objects.select_related("product", "order").get(pk=line_id)
    order = _locked(line.order_id)
    if order.state != OrderState.IN_PROGRESS:
        raise UnableToDeliver(
            f"Seule une commande en cours peut être livrée (état : "
            f"{order.get_state_display().lower()})."
        )
    if line.delivered_on is not None:
        raise UnableToDeliver(f"La ligne {line.position} est déjà livrée.")
    if delivered_on < order.received_date:
        raise UnableToDeliver("La mise en service ne peut précéder la commande.")
    product = line.product
    if product.family == "equipment":
        _deliver_equipment(
            line, delivered_on=delivered_on, serials=serial_numbers, terms=terms, now=now
        )
    else:
        _deliver_services(line, delivered_on=delivered_on, numbers=line_numbers, now=now)
    line.delivered_on, line.delivered_by = delivered_on, by
    line.save(update_fields=["delivered_on", "delivered_by"])
    if not order.lines.filter(delivered_on__isnull=True).exists():
        _move(order, target=OrderState.DELIVERED, by=by, at=now, note="Toutes les lignes livrées.")
    return line


def _deliver_services(
    line: OrderLine, *, delivered_on: date, numbers: Sequence[str], now: datetime
) -> None:
    product = line.product
    numbers = [number.strip() for number in numbers if number.strip()]
    commitment = line.commitment_months or 0
    if product.family == "mobile_plan":
        # One service per mobile line: each has its number, rated on its own (SPEC §5.3).
        if len(numbers) != line.quantity:
            raise UnableToDeliver(
                f"{product.code} : {line.quantity} numéro(s) de ligne attendu(s), "
                f"{len(numbers)} donné(s)."
            )
        units = [(number, 1) for number in numbers]
    else:
        if product.family == "sip_trunk" and len(numbers) != 1:
            raise UnableToDeliver(f"{product.code} : donnez le numéro (ou identifiant) du trunk.")
        if len(numbers) > 1:
            raise UnableToDeliver(f"{product.code} : un seul numéro pour cette ligne.")
        units = [(numbers[0] if numbers else "", line.quantity)]
    for number, quantity in units:
        DeliveredService.objects.create(
            order_line=line,
            customer_id=line.order.customer_id,
            site_id=line.site_id,
            product=product,
            product_code=product.code,
            family=product.family,
            platform=product.platform,
            quantity=quantity,
            line_number=number,
            delivered_on=delivered_on,
            commitment_months=commitment,
            commitment_ends_on=rules.commitment_end(
                delivery_date=delivered_on, commitment_months=commitment
            ),
            monthly_price=line.monthly_price,
            negotiated_monthly_price=line.negotiated_monthly_price,
            access_fee=line.access_fee,
            installation_fee=line.installation_fee,
            created_at=now,
        )


def _deliver_equipment(
    line: OrderLine, *, delivered_on: date, serials: Sequence[str], terms: Terms, now: datetime
) -> None:
    product = line.product
    serials = [serial.strip() for serial in serials if serial.strip()]
    if len(serials) != line.quantity or len(set(serials)) != len(serials):
        raise UnableToDeliver(
            f"{product.code} : {line.quantity} numéro(s) de série distinct(s) attendu(s)."
        )
    taken = DeliveredEquipment.objects.filter(serial_number__in=serials).values_list(
        "serial_number", flat=True
    )
    if taken:
        raise UnableToDeliver(f"Numéro(s) de série déjà livré(s) : {', '.join(sorted(taken))}.")
    prices = prices_in_force(product_code=product.code, on=delivered_on)
    sold = line.equipment_mode == EquipmentMode.SOLD
    for serial in serials:
        DeliveredEquipment.objects.create(
            order_line=line,
            customer_id=line.order.customer_id,
            site_id=line.site_id,
            product=product,
            model_name=product.equipment_model or product.name,
            serial_number=serial,
            mode=line.equipment_mode,
            delivered_on=delivered_on,
            warranty_ends_on=add_months(delivered_on, terms.equipment.warranty_months),
            sale_price=line.sale_price if sold else Decimal(0),
            monthly_rent=Decimal(0)
            if sold
            else line.negotiated_monthly_price
            if line.negotiated_monthly_price is not None
            else line.monthly_price,
            replacement_value=prices.replacement_value,
            created_at=now,
        )


@transaction.atomic
def release_ftth_site(*, service_id: int, released_on: date) -> DeliveredService:
    """The FTTH service of a site has ended: the site may take a new FTTH (R-ORD-4).

    For the contracts issue, when it ends an FTTH service."""
    service = DeliveredService.objects.select_related("order_line").get(pk=service_id)
    if service.ftth_released_on is not None:
        return service
    service.ftth_released_on = released_on
    service.save(update_fields=["ftth_released_on"])
    OrderLine.objects.filter(pk=service.order_line_id).update(ftth_site=None)
    return service


# --- Bank guarantee (R-ORD-6, CGV art. 7) ------------------------------------------------------


@transaction.atomic
def request_bank_guarantee(
    *, customer_id: int, amount: Decimal, requested_on: date, by: Any, note: str = ""
) -> BankGuaranteeRequest:
    """SYRES requires a bank guarantee; until it is provided, no new order (R-ORD-6)."""
    _staff(by)
    if amount <= 0:
        raise UnableToRecordOrderFact("Le montant de la garantie doit être positif.")
    customer = get_customer(customer_id)
    return BankGuaranteeRequest.objects.create(
        customer=customer, amount=amount, requested_on=requested_on, requested_by=by, note=note
    )


@transaction.atomic
def record_bank_guarantee_provided(
    *, request_id: int, provided_on: date, by: Any
) -> BankGuaranteeRequest:
    _staff(by)
    request = BankGuaranteeRequest.objects.select_for_update().get(pk=request_id)
    if request.provided_on is not None or request.withdrawn_on is not None:
        raise UnableToRecordOrderFact("Cette demande de garantie est déjà close.")
    if provided_on < request.requested_on:
        raise UnableToRecordOrderFact("La garantie ne peut être remise avant d'être demandée.")
    request.provided_on = provided_on
    request.save(update_fields=["provided_on"])
    return request


@transaction.atomic
def withdraw_bank_guarantee_request(
    *, request_id: int, withdrawn_on: date, by: Any
) -> BankGuaranteeRequest:
    _staff(by)
    request = BankGuaranteeRequest.objects.select_for_update().get(pk=request_id)
    if request.provided_on is not None or request.withdrawn_on is not None:
        raise UnableToRecordOrderFact("Cette demande de garantie est déjà close.")
    request.withdrawn_on = withdrawn_on
    request.save(update_fields=["withdrawn_on"])
    return request
