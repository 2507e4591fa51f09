from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "syres.orders"
    label = "orders"
    verbose_name = "Devis et commandes"
