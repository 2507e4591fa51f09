from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "syres.contracts"
    label = "contracts"
    verbose_name = "Contrats et services"
