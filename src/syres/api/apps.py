from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "syres.api"
    label = "api"
    verbose_name = "API"
