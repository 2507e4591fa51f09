"""Sends a user whose password must change to the change page (R-SEC-1, CGV art. 12).

A first password chosen by someone else, or one older than the terms' period, must be changed
before anything else; in the days before the expiry, each page shows a reminder once a day.
Used by the staff back office and by the portal (any session-authenticated user).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from syres.accounts.selectors import password_age_of

PASSWORD_CHANGE_URL_NAME = "accounts:password_change"  # noqa: S105 (a URL name)
_EXEMPT_URL_NAMES = (PASSWORD_CHANGE_URL_NAME, "admin:logout")
_EXEMPT_PREFIXES = ("/static/", "/healthz")
_REMINDED_ON = "syres_password_reminded_on"


class PasswordPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or self._exempt(request):
            return self.get_response(request)
        if request.path == reverse("admin:password_change"):
            # The admin's own form would not restart the month: use ours.
            return redirect(PASSWORD_CHANGE_URL_NAME)
        now = timezone.now()
        age = password_age_of(user, as_of=now)
        if user.must_change_password or age.expired:
            return redirect(f"{reverse(PASSWORD_CHANGE_URL_NAME)}?next={request.path}")
        today = timezone.localdate(now).isoformat()
        if age.remind and request.session.get(_REMINDED_ON) != today:
            request.session[_REMINDED_ON] = today
            messages.warning(
                request,
                "Votre mot de passe expire le "
                f"{timezone.localtime(age.expires_at):%d/%m/%Y à %H:%M} : "
                "changez-le avant cette date.",
            )
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        if request.path.startswith(_EXEMPT_PREFIXES):
            return True
        return any(request.path == reverse(name) for name in _EXEMPT_URL_NAMES)
