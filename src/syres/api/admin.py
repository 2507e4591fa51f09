from django.contrib import admin

from syres.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are created with `syres api token create` (the secret is shown once)."""

    list_display = (
        "name",
        "user",
        "key_prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    search_fields = ("name", "key_prefix", "user__username")
    readonly_fields = (
        "name",
        "user",
        "key_prefix",
        "key_hash",
        "scopes",
        "created_at",
        "last_used_at",
    )

    def has_add_permission(self, request: object) -> bool:
        return False
