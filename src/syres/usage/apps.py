from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "syres.usage"
    label = "usage"
    verbose_name = "Consommations"
