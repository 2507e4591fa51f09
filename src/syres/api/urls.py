from django.urls import path

from syres.api.api import api

urlpatterns = [path("", api.urls)]
