from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "syres.payments"
    label = "payments"
    verbose_name = "Paiements et recouvrement"

    def ready(self) -> None:
        # R-ORD-6: a customer with overdue sums cannot order. The customers app runs the checks
        # other apps register, without importing them.
        from syres.billing.selectors import register_paid_amounts
        from syres.customers.selectors import register_order_check
        from syres.payments.selectors import overdue_refusal, paid_amounts

        register_order_check("payments.overdue", overdue_refusal)
        # Billing's open and overdue invoices deduct what payments allocated to them.
        register_paid_amounts("payments", paid_amounts)
