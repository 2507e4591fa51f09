from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "syres.accounts"
    label = "accounts"
    verbose_name = "Comptes et rôles"
