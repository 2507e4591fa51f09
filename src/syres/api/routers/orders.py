"""`/v1/orders`: orders, their lines and states (R-ORD-*)."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from syres.api.auth import TokenAuth
from syres.api.routers.ids import Id, QueryId
from syres.domain.orders import STATE_LABELS
from syres.orders import selectors as orders

router = Router(tags=["commandes"])
# The states of an order, from the domain: an unknown one is refused (422), not looked for.
StateText = Annotated[
    str,
    Query(pattern=f"^({'|'.join(STATE_LABELS)})?$", description=", ".join(STATE_LABELS)),
]


class OrderLineOut(Schema):
    position: int
    product_code: str
    site_id: int | None
    quantity: int
    monthly_price: Decimal
    negotiated_monthly_price: Decimal | None
    access_fee: Decimal
    installation_fee: Decimal
    delivered_on: date | None


class OrderOut(Schema):
    id: int
    number: str
    customer_id: int
    state: str
    received_date: date
    one_off_total: Decimal
    deposit_amount: Decimal
    deposit_paid_on: date | None
    planned_date: date
    latest_date: date
    intervention_date: date | None


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]


def _order_out(order: Any) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "customer_id": order.customer_id,
        "state": order.state,
        "received_date": order.received_date,
        "one_off_total": order.one_off_total,
        "deposit_amount": order.deposit_amount,
        "deposit_paid_on": order.deposit_paid_on,
        "planned_date": order.planned_date,
        "latest_date": order.latest_date,
        "intervention_date": order.intervention_date,
    }


@router.get(
    "/orders",
    response=list[OrderOut],
    auth=[TokenAuth("orders:read")],
    summary="Commandes, les plus récentes d'abord (filtre : client, état)",
)
@paginate(LimitOffsetPagination)
def list_orders(
    request: HttpRequest, customer_id: QueryId | None = None, state: StateText = ""
) -> list[OrderOut]:
    found = orders.list_orders(customer_id=customer_id, state=state or None)
    return [OrderOut(**_order_out(order)) for order in found]


@router.get(
    "/orders/{order_id}",
    response=OrderDetailOut,
    auth=[TokenAuth("orders:read")],
    summary="Une commande et ses lignes",
)
def get_order(request: HttpRequest, order_id: Id) -> OrderDetailOut:
    order = orders.get_order(order_id=order_id)
    lines = [
        OrderLineOut(
            position=line.position,
            product_code=line.product.code,
            site_id=line.site_id,
            quantity=line.quantity,
            monthly_price=line.monthly_price,
            negotiated_monthly_price=line.negotiated_monthly_price,
            access_fee=line.access_fee,
            installation_fee=line.installation_fee,
            delivered_on=line.delivered_on,
        )
        for line in orders.order_lines_of(order_id=order.pk)
    ]
    return OrderDetailOut(**_order_out(order), lines=lines)
