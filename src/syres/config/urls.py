"""URLs: the staff back office under /admin/, the health check, and each interface's own."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    return redirect("admin:index")


admin.site.site_header = "syres — SYRES Télécom"
admin.site.site_title = "syres"
admin.site.index_title = "Gestion"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/", include("syres.api.urls")),
    path("compte/", include("syres.accounts.urls")),
]
