from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "syres.catalog"
    label = "catalog"
    verbose_name = "Catalogue"
