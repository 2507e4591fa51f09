from django.apps import AppConfig


class EquipmentConfig(AppConfig):
    name = "syres.equipment"
    label = "equipment"
    verbose_name = "Équipements"
