"""`/v1/payments`: payments received and their recording by an integration (R-PAY-1)."""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from syres.accounts.selectors import get_active_user
from syres.api.auth import TokenAuth, caller_of
from syres.api.routers.ids import MAX_ID, QueryId
from syres.customers import selectors as customers
from syres.payments import selectors as payments
from syres.payments.services import UnableToRecordPayment, record_payment

router = Router(tags=["paiements"])


class PaymentOut(Schema):
    id: int
    customer_id: int
    method: str
    amount: Decimal
    received_on: date
    reference: str


class PaymentIn(Schema):
    customer_id: int = Field(ge=1, le=MAX_ID)
    # A SEPA debit is recorded by its batch, not here.
    method: Literal["transfer", "cheque", "administrative_mandate"]
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    received_on: date
    reference: str = Field("", max_length=140)
    invoice_number: str | None = Field(None, max_length=35)


def _out(payment: Any) -> PaymentOut:
    return PaymentOut(
        id=payment.pk,
        customer_id=payment.customer_id,
        method=payment.method,
        amount=payment.amount,
        received_on=payment.received_on,
        reference=payment.reference,
    )


@router.get(
    "/payments",
    response=list[PaymentOut],
    auth=[TokenAuth("payments:read")],
    summary="Les paiements reçus d'un client",
)
@paginate(LimitOffsetPagination)
def list_payments(request: HttpRequest, customer_id: QueryId) -> list[PaymentOut]:
    customer = customers.get_customer(customer_id)
    return [_out(payment) for payment in payments.payments_of(customer)]


@router.post(
    "/payments",
    response={201: PaymentOut},
    auth=[TokenAuth("payments:write")],
    summary="Enregistrer un virement, un chèque ou un mandat administratif reçu, et l'affecter",
)
def create_payment(request: HttpRequest, payload: PaymentIn) -> Status[PaymentOut]:
    """Allocated to the invoice named first, then to the oldest due (R-PAY-1); recorded in the
    name of the token's user, who must be staff."""
    by = get_active_user(username=caller_of(request).username)
    customer = customers.get_customer(payload.customer_id)
    try:
        payment = record_payment(
            customer=customer,
            method=payload.method,
            amount=payload.amount,
            received_on=payload.received_on,
            reference=payload.reference,
            target_invoice=payload.invoice_number or None,
            by=by,
            at=timezone.now(),
        )
    except UnableToRecordPayment as error:
        raise HttpError(422, str(error)) from error
    return Status(201, _out(payment))
