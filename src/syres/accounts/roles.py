"""Staff roles as Django groups, with the permissions that match each one.

Patterns are `app_label.codename`, with shell wildcards; they are resolved against the
permissions that exist when `syres.accounts.services.ensure_roles` runs, so that a role picks up
the models other apps add later when it runs again (the demo loader runs it each time).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    group_name: str
    permissions: tuple[str, ...]


_READ_ALL = ("*.view_*",)

ROLES = (
    Role(
        code="sales",
        group_name="Commercial",
        permissions=(
            *_READ_ALL,
            "customers.add_customer",
            "customers.change_customer",
            "customers.add_site",
            "customers.change_site",
            "customers.add_contact",
            "customers.change_contact",
            "customers.delete_contact",
            "customers.add_filedocument",
            "customers.add_sepamandate",
            "customers.record_change",
            "catalog.add_*",
            "catalog.change_*",
            "orders.*",
        ),
    ),
    Role(
        code="billing",
        group_name="Facturation",
        permissions=(
            *_READ_ALL,
            "customers.decide_subscriptionfile",
            "customers.record_change",
            "customers.add_sepamandate",
            "customers.export_personal_data",
            "customers.add_datatransmission",
            "billing.*",
            "payments.*",
            "contracts.add_termination",
            "contracts.add_suspension",
            "contracts.change_suspension",
        ),
    ),
    Role(
        code="support",
        group_name="Support",
        permissions=(
            *_READ_ALL,
            "customers.add_contact",
            "customers.change_contact",
            "customers.add_datatransmission",
            "equipment.*",
            "contracts.change_*",
            "contracts.add_ticket",
            "contracts.add_suspension",
        ),
    ),
    Role(code="admin", group_name="Administration", permissions=("*.*",)),
)


def role(code: str) -> Role:
    for candidate in ROLES:
        if candidate.code == code:
            return candidate
    raise KeyError(code)
