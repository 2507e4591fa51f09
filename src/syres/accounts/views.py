"""The password change page every user is sent to when the policy asks (R-SEC-1)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme

from syres.accounts.services import record_personal_password


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("admin:index")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(admin.site.each_context(self.request))
        if getattr(self.request.user, "must_change_password", False):
            context["title"] = "Choisissez votre mot de passe personnel"
        return context

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        record_personal_password(user=form.user)
        messages.success(self.request, "Votre mot de passe a été changé.")
        return response

    def get_success_url(self) -> str:
        target = self.request.GET.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}
        ):
            return target
        if getattr(self.request.user, "customer_id", None) is not None:
            return str(reverse_lazy("portal:home"))
        return str(super().get_success_url())
