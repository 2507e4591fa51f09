"""Who may use the portal: a logged-in portal user, acting for its own customer only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from syres.customers.selectors import get_customer

View = Callable[..., HttpResponse]


def customer_view(view: View) -> View:
    """The view receives the logged-in user's customer as `customer`; every object it reads
    must be looked up through that customer (a test tries other customers' ids on every URL).
    Staff without a customer account is refused: the back office is theirs."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        customer_id = getattr(user, "customer_id", None)
        if customer_id is None:
            raise PermissionDenied("Ce compte n'est pas un compte client.")
        return view(request, *args, customer=get_customer(customer_id), **kwargs)

    return wrapper
