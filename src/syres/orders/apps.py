from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "syres.orders"
    label = "orders"
    verbose_name = "Devis et commandes"

    def ready(self) -> None:
        # R-ORD-6: a customer owing a bank guarantee cannot order. The customers app runs the
        # checks other apps register, without importing them.
        from syres.customers.selectors import register_order_check
        from syres.orders.selectors import bank_guarantee_refusal

        register_order_check("orders.bank_guarantee", bank_guarantee_refusal)
