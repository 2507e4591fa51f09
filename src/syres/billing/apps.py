from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "syres.billing"
    label = "billing"
    verbose_name = "Facturation"
