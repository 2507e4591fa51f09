"""Bearer-token authentication with scopes for the REST API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from syres.api.services import Caller, authenticate


class InsufficientScope(Exception):
    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(f"ce jeton n'a pas le droit « {scope} »")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer syr_…`; the token must carry `scope`."""

    openapi_description = "Jeton d'API (`syres api token create`), en `Authorization: Bearer …`."

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        caller = authenticate(plaintext=token, now=timezone.now())
        if caller is None:
            return None
        if self.scope not in caller.scopes:
            raise InsufficientScope(self.scope)
        return caller


def caller_of(request: HttpRequest) -> Caller:
    caller = request.auth  # type: ignore[attr-defined]
    if not isinstance(caller, Caller):  # only reachable if an operation forgot its auth
        raise TypeError("this operation has no token authentication")
    return caller
