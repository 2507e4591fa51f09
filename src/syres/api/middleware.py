"""Text with a NUL character is refused at the API's door.

PostgreSQL can neither store nor compare a text holding U+0000, so such a value in a query
parameter or a JSON body would fail deep in a query (a server error). No field of the API
means it: the request is refused at once, as invalid (422), saying where the character is.
(Django's forms refuse it already for the back office and the portal.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"
NUL = "\x00"


class RejectNullCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):  # (the path below any script prefix)
            where = _null_character_in(request)
            if where is not None:
                detail = f"caractère nul (U+0000) refusé : {where}"
                return JsonResponse({"detail": detail}, status=422)
        return self.get_response(request)


def _null_character_in(request: HttpRequest) -> str | None:
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return f"paramètre {name!r}"
    if request.content_type == "multipart/form-data":  # fields and files: the body stays unread
        return _in_form(request)
    if request.body:
        # The API reads any other body as JSON, whatever its declared type: so is it read here.
        try:
            found = _in_json(json.loads(request.body), "corps")
        except ValueError:
            found = None  # not JSON: the API says what is wrong with it
        if found is not None:
            return found
    if request.content_type == "application/x-www-form-urlencoded":
        return _in_form(request)
    return None


def _in_form(request: HttpRequest) -> str | None:
    for name, values in request.POST.lists():
        if NUL in name or any(NUL in value for value in values):
            return f"champ {name!r}"
    return None


def _in_json(value: Any, path: str) -> str | None:
    """The path of the first text (key or value) holding NUL in a parsed JSON document."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _in_json(item, f"{path}[{index}]")) is not None:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                return f"{path} (clé {key!r})"
            if (found := _in_json(item, f"{path}.{key}")) is not None:
                return found
    return None
