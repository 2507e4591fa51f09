"""Reads on quotes, orders and what delivery created (for staff screens and other apps)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet

from syres.customers.selectors import get_customer
from syres.domain import orders as rules
from syres.domain.terms import Terms
from syres.orders.documents import QuoteDocument, QuoteDocumentLine, render_quote_pdf
from syres.orders.models import (
    BankGuaranteeRequest,
    DeliveredEquipment,
    DeliveredService,
    EquipmentMode,
    Order,
    OrderBlocker,
    OrderLine,
    OrderState,
    OrderTransition,
    Quote,
)
from syres.terms import load_terms

__all__ = [
    "OrderState",
    "bank_guarantee_owed",
    "bank_guarantee_refusal",
    "blockers_of",
    "cancelled_orders_with_fee",
    "delivered_equipment",
    "delivered_services",
    "find_quote_by_note",
    "get_order",
    "get_quote",
    "get_quote_by_number",
    "intervention_plan_of",
    "list_quotes",
    "order_lines_of",
    "orders_by_planned_date",
    "orders_in_state",
    "orders_with_one_off_amounts",
    "quote_document",
    "quote_is_orderable",
    "quote_pdf",
    "site_has_ftth",
    "transitions_of",
]


def get_quote(*, quote_id: int) -> Quote:
    return Quote.objects.select_related("customer").get(pk=quote_id)


def get_quote_by_number(*, number: str) -> Quote | None:
    return Quote.objects.filter(number=number.strip().upper()).first()


def find_quote_by_note(*, note: str) -> Quote | None:
    """The first quote with exactly this note (the demo recognises its scenarios by it)."""
    return Quote.objects.filter(note=note).order_by("pk").first()


def list_quotes() -> QuerySet[Quote]:
    """Quotes, newest first."""
    return Quote.objects.select_related("customer").order_by("-quote_date", "-number")


def get_order(*, order_id: int) -> Order:
    return Order.objects.select_related("customer", "quote").get(pk=order_id)


def order_lines_of(*, order_id: int) -> QuerySet[OrderLine]:
    return (
        OrderLine.objects.filter(order_id=order_id)
        .select_related("product", "site")
        .order_by("position")
    )


def transitions_of(*, order_id: int) -> QuerySet[OrderTransition]:
    """The order's life, oldest first: each change dated and attributed."""
    return OrderTransition.objects.filter(order_id=order_id).order_by("at", "pk")


def blockers_of(*, order_id: int) -> QuerySet[OrderBlocker]:
    return OrderBlocker.objects.filter(order_id=order_id).order_by("started_on", "pk")


def orders_in_state(*, state: str) -> QuerySet[Order]:
    """Orders in a state, by planned date (staff screens)."""
    return Order.objects.filter(state=state).order_by("planned_date", "number")


def orders_by_planned_date(*, until: date | None = None) -> QuerySet[Order]:
    """Live orders (not delivered, not cancelled) by planned intervention date."""
    orders = Order.objects.exclude(state__in=[OrderState.DELIVERED, OrderState.CANCELLED])
    if until is not None:
        orders = orders.filter(planned_date__lte=until)
    return orders.order_by("planned_date", "number")


def intervention_plan_of(
    *, order_id: int, as_of: date, terms: Terms | None = None
) -> rules.InterventionPlan:
    """The planned intervention date as of a day, with why the order waits (R-ORD-3)."""
    order = Order.objects.get(pk=order_id)
    terms = terms or load_terms()
    return rules.plan_intervention(
        received_date=order.received_date,
        terms=terms.orders,
        fibre_construction=order.fibre_construction,
        blockers=[
            rules.Blocker(b.kind, started_on=b.started_on, resolved_on=b.resolved_on)
            for b in order.blockers.all()
        ],
        as_of=as_of,
    )


def quote_is_orderable(*, quote_id: int, on: date, terms: Terms | None = None) -> bool:
    """Whether the quote can still become an order on `on` (R-ORD-1) and has not already."""
    quote = Quote.objects.get(pk=quote_id)
    terms = terms or load_terms()
    if Order.objects.filter(quote=quote).exists():
        return False
    try:
        rules.check_quote_orderable(
            quote_date=quote.quote_date, validity_months=terms.quotes.validity_months, on=on
        )
    except rules.UnableToPlaceOrder:
        return False
    return True


def site_has_ftth(*, site_id: int) -> bool:
    """Whether a site holds (or has on order) a SYRES FTTH access (R-ORD-4)."""
    return OrderLine.objects.filter(ftth_site_id=site_id).exists()


def bank_guarantee_owed(*, customer_id: int) -> bool:
    """Whether SYRES asked this customer for a bank guarantee not yet provided (R-ORD-6)."""
    return BankGuaranteeRequest.objects.filter(
        customer_id=customer_id, provided_on__isnull=True, withdrawn_on__isnull=True
    ).exists()


def bank_guarantee_refusal(customer: object) -> str | None:
    """The order check this app registers with the customers app (R-ORD-6): the reason why
    a customer owing a bank guarantee cannot order, or None."""
    customer_id = getattr(customer, "pk", None)
    if customer_id is None or not bank_guarantee_owed(customer_id=customer_id):
        return None
    try:
        rules.check_customer_may_order(overdue_amount=Decimal(0), bank_guarantee_owed=True)
    except rules.UnableToPlaceOrder as error:
        return error.reason
    return None  # pragma: no cover - the rule always refuses an owed guarantee


def delivered_services(
    *, customer_id: int | None = None, delivered_since: date | None = None
) -> QuerySet[DeliveredService]:
    """Services created by delivery (R-ORD-7), for the contracts issue to take over."""
    services = DeliveredService.objects.select_related("order_line__order", "site")
    if customer_id is not None:
        services = services.filter(customer_id=customer_id)
    if delivered_since is not None:
        services = services.filter(delivered_on__gte=delivered_since)
    return services.order_by("delivered_on", "pk")


def delivered_equipment(
    *, customer_id: int | None = None, mode: str | None = None
) -> QuerySet[DeliveredEquipment]:
    """Equipment items handed over at delivery, lent or sold, for the equipment issue."""
    items = DeliveredEquipment.objects.select_related("order_line__order", "product")
    if customer_id is not None:
        items = items.filter(customer_id=customer_id)
    if mode is not None:
        items = items.filter(mode=mode)
    return items.order_by("delivered_on", "serial_number")


def _customer_address(customer: object) -> tuple[str, ...]:
    address_line = str(getattr(customer, "address_line", "") or "")
    city_line = f"{getattr(customer, 'postcode', '')} {getattr(customer, 'city', '')}".strip()
    return tuple(part for part in (address_line, city_line) if part)


def quote_document(*, quote_id: int) -> QuoteDocument:
    """What the quote PDF prints (R-ORD-1, R-ORD-2)."""
    quote = Quote.objects.select_related("created_by").get(pk=quote_id)
    customer = get_customer(quote.customer_id)
    lines = []
    for line in quote.lines.select_related("product", "site").order_by("position"):
        detail = []
        if line.site is not None:
            detail.append(f"Site : {line.site.name}")
        if line.product.platform:
            detail.append(f"Plateforme {line.product.platform.upper()}")
        if line.equipment_mode:
            detail.append(EquipmentMode(line.equipment_mode).label)
        if line.replaces_other_operator:
            detail.append("Remplace l'accès d'un autre opérateur")
        lines.append(
            QuoteDocumentLine(
                position=line.position,
                designation=line.product.name,
                detail=" — ".join(detail),
                amounts=line.amounts(),
                commitment_months=line.commitment_months,
            )
        )
    author = quote.created_by
    return QuoteDocument(
        number=quote.number,
        quote_date=quote.quote_date,
        customer_name=str(customer),
        customer_address=_customer_address(customer),
        customer_siren=customer.siren,
        customer_vat=customer.vat_number,
        author=(author.get_full_name() or author.get_username()),
        lines=tuple(lines),
    )


def quote_pdf(*, quote_id: int, terms: Terms | None = None) -> bytes:
    """The quote as the PDF the customer signs."""
    return render_quote_pdf(document=quote_document(quote_id=quote_id), terms=terms or load_terms())


def order_counts_by_state() -> list[tuple[str, str, int]]:
    """(state, French label, number of orders) for every state, for the staff dashboard."""
    counts = dict(
        Order.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    return [(state.value, str(state.label), counts.get(state.value, 0)) for state in OrderState]


def list_orders(*, customer_id: int | None = None, state: str | None = None) -> QuerySet[Order]:
    """Orders, newest first; only one customer's when `customer_id` is given, only those in
    `state` when it is given."""
    orders = Order.objects.select_related("customer").order_by("-created_at", "-pk")
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    if state is not None:
        orders = orders.filter(state=state)
    return orders


def orders_with_one_off_amounts() -> QuerySet[Order]:
    """Orders not cancelled with a one-off total (deposit at order, balance after delivery,
    R-ORD-2), for the billing run."""
    return (
        Order.objects.filter(one_off_total__gt=0)
        .exclude(state=OrderState.CANCELLED)
        .order_by("received_date", "number")
    )


def cancelled_orders_with_fee() -> QuerySet[Order]:
    """Cancelled orders owing a cancellation fee (R-ORD-5), for the billing run."""
    return Order.objects.filter(state=OrderState.CANCELLED, cancellation_fee__gt=0).order_by(
        "number"
    )
