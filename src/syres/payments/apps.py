from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "syres.payments"
    label = "payments"
    verbose_name = "Paiements et recouvrement"
