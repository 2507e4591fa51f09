from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "syres.customers"
    label = "customers"
    verbose_name = "Clients"
