from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.http import HttpRequest

from syres.accounts.models import User
from syres.accounts.services import require_password_change


class _ImposedPasswordForm(AdminPasswordChangeForm):  # type: ignore[type-arg]
    """A password set by a colleague is not personal: the user changes it at next login
    (R-SEC-1)."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit:
            require_password_change(user=user)
        return user


@admin.register(User)
class SyresUserAdmin(UserAdmin):  # type: ignore[type-arg]
    change_password_form = _ImposedPasswordForm
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "must_change_password",
        "password_changed_at",
    )
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "Politique de mot de passe et portail",
            {"fields": ("phone", "customer", "must_change_password", "password_changed_at")},
        ),
    )
    readonly_fields = ("password_changed_at",)
    raw_id_fields = ("customer",)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            require_password_change(user=obj)
