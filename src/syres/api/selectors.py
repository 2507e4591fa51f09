"""Reads on API tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from syres.api.models import ApiToken


def list_tokens() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user").order_by("created_at", "pk")
