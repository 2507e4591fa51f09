"""The checks a customer must pass before any new order (R-CUST-3, R-ORD-6).

This app registers its own (the subscription file is accepted, the customer has not ceased);
another app adds its check from its `AppConfig.ready()` without this app importing it, e.g. the
payments app for overdue sums or a required bank guarantee (R-ORD-6):

    from syres.customers.selectors import register_order_check
    register_order_check("payments.overdue", overdue_reason)

A check takes the customer and returns `None` when it does not object, or the reason (French)
why nothing can be ordered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syres.customers.models import Customer

OrderCheck = Callable[["Customer"], str | None]

_CHECKS: dict[str, OrderCheck] = {}


def register_order_check(name: str, check: OrderCheck) -> None:
    """Add (or replace, by name: registering twice is harmless) a check run before an order."""
    _CHECKS[name] = check


def unregister_order_check(name: str) -> None:
    """Remove a check by name (nothing happens if it is not registered)."""
    _CHECKS.pop(name, None)


def registered_order_checks() -> tuple[OrderCheck, ...]:
    return tuple(_CHECKS.values())
