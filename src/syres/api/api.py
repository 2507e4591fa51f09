"""The REST API for integrations (django-ninja) under /api/; OpenAPI at /api/openapi.json."""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from syres.api.auth import InsufficientScope
from syres.api.routers import customers, invoices, orders, payments, platforms, tokens, usage

logger = logging.getLogger("syres.api")

api = NinjaAPI(
    title="syres API",
    version="1",
    description=(
        "API d'intégration de SYRES Télécom. Authentification par jeton (`Authorization: Bearer "
        'syr_…`), chaque opération exige un droit. Erreurs : JSON `{"detail": …}`. Listes '
        "paginées par `limit` et `offset`."
    ),
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, detail: object) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "jeton absent, inconnu ou révoqué")


@api.exception_handler(InsufficientScope)
def _forbidden(request: HttpRequest, exc: InsufficientScope) -> HttpResponse:
    return _error(request, 403, str(exc))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, exc.errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "introuvable")


@api.exception_handler(ObjectDoesNotExist)
def _no_such_object(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return _error(request, 404, "introuvable")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return _error(request, 500, "erreur interne : l'incident est journalisé")


api.add_router("/v1/", tokens.router)
api.add_router("/v1/", platforms.router)
api.add_router("/v1/", customers.router)
api.add_router("/v1/", orders.router)
api.add_router("/v1/", invoices.router)
api.add_router("/v1/", payments.router)
api.add_router("/v1/", usage.router)
