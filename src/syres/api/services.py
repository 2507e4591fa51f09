"""Writes on API tokens: create (the token is returned once), authenticate, revoke."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from syres.accounts.selectors import get_active_user
from syres.api.models import ApiToken
from syres.api.scopes import SCOPES, unknown_scopes

TOKEN_MARK = "syr"  # noqa: S105 (a public marker, not a secret)


class UnableToCreateToken(Exception):
    pass


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


@dataclass(frozen=True)
class Caller:
    """Who called the API and what the token allows."""

    token_id: int
    username: str
    scopes: frozenset[str]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(*, username: str, name: str, scopes: list[str], now: datetime) -> IssuedToken:
    """Create a token for an active user; the plaintext `syr_<prefix>_<secret>` is shown once."""
    unknown = unknown_scopes(scopes)
    if unknown:
        raise UnableToCreateToken(
            f"droits inconnus : {', '.join(unknown)} (connus : {', '.join(SCOPES)})"
        )
    if not scopes:
        raise UnableToCreateToken("un jeton doit porter au moins un droit")
    user = get_active_user(username=username)
    if user is None:
        raise UnableToCreateToken(f"aucun utilisateur actif « {username} »")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        user=user,
        key_prefix=prefix,
        key_hash=_hash(secret),
        scopes=sorted(set(scopes)),
        created_at=now,
    )
    return IssuedToken(token=token, plaintext=f"{TOKEN_MARK}_{prefix}_{secret}")


def authenticate(*, plaintext: str, now: datetime) -> Caller | None:
    """The caller behind a token, or None when it is malformed, unknown, revoked or its user
    is inactive."""
    mark, _, rest = plaintext.partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != TOKEN_MARK or not prefix or not secret:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_prefix=prefix, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _hash(secret)):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return Caller(
        token_id=token.pk, username=token.user.get_username(), scopes=frozenset(token.scopes)
    )


def revoke_token(*, key_prefix: str, now: datetime) -> bool:
    """Revoke a token by its prefix; False when there is no such active token."""
    return bool(
        ApiToken.objects.filter(key_prefix=key_prefix, revoked_at__isnull=True).update(
            revoked_at=now
        )
    )
