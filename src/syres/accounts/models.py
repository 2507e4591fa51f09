"""Accounts of people who log in: SYRES staff and customers' users of the portal."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A person who logs in. Staff roles are Django groups (see `syres.accounts.roles`).

    R-SEC-1: `must_change_password` forces a personal password at next login (set when someone
    else chose the password); `password_changed_at` starts the monthly expiry."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="client (compte du portail)",
    )
    phone = models.CharField("téléphone", max_length=20, blank=True)
    must_change_password = models.BooleanField(
        "doit choisir un mot de passe personnel", default=False
    )
    password_changed_at = models.DateTimeField("mot de passe changé le", default=timezone.now)

    class Meta(AbstractUser.Meta):
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
