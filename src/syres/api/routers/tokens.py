"""`/v1/me`: who the token belongs to and what it may do."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from syres.api.auth import TokenAuth, caller_of

router = Router(tags=["jeton"])


class MeOut(Schema):
    username: str
    scopes: list[str]


@router.get("/me", response=MeOut, auth=[TokenAuth("catalog:read")], summary="Le jeton utilisé")
def me(request: HttpRequest) -> MeOut:
    caller = caller_of(request)
    return MeOut(username=caller.username, scopes=sorted(caller.scopes))
