"""URLs: the staff back office under /admin/, the health check, and each interface's own."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from syres.portal.staff import dashboard


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "customer_id", None) is not None:
        return redirect("portal:home")
    return redirect("admin:index")


admin.site.site_header = "syres — SYRES Télécom"
admin.site.site_title = "syres"
admin.site.index_title = "Gestion"
admin.site.index_template = "admin/syres_index.html"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health, name="health"),
    path("admin/tableau-de-bord/", dashboard, name="staff_dashboard"),
    path("admin/", admin.site.urls),
    path("api/", include("syres.api.urls")),
    path("compte/", include("syres.accounts.urls")),
    path("portail/", include("syres.portal.urls")),
]
