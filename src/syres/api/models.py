"""API tokens: only a hash is stored; the token itself is shown once, at creation."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    name = models.CharField("nom", max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name="utilisateur",
    )
    key_prefix = models.CharField("préfixe", max_length=12, unique=True)
    key_hash = models.CharField("empreinte SHA-256", max_length=64)
    scopes = models.JSONField("droits", default=list)
    created_at = models.DateTimeField("créé le")
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
