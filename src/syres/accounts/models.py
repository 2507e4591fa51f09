"""Accounts of people who log in: SYRES staff and customers' users of the portal."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who logs in. Staff roles are Django groups (see `syres.accounts.roles`)."""

    class Meta(AbstractUser.Meta):
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
