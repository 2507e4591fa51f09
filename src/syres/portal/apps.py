from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "syres.portal"
    label = "portal"
    verbose_name = "Espace client"
