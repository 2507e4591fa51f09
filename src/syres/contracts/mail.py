"""The e-mail announcing a planned maintenance to the customer (CGV art. 15, R-PAY-4).

Built here, sent by `syres.contracts.services.send_maintenance_notices` after the suspension
is committed; the suspension records the sending, so a notice is never sent twice.
"""

from __future__ import annotations

from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from syres.contracts.models import Suspension
from syres.domain.periods import PARIS
from syres.terms import load_terms


def maintenance_notice_email(suspension: Suspension) -> EmailMessage:
    """The notice of one planned maintenance, in French, to the customer's billing address (the
    address the invoices and the dunning letters go to): the service, the window in Paris time
    and the notice staff wrote."""
    service = suspension.service
    customer = service.contract.customer
    seller = load_terms().seller
    start = suspension.start_at.astimezone(PARIS)
    line = f", ligne {service.phone_number}" if service.phone_number else ""
    lines = [
        "Madame, Monsieur,",
        "",
        "Nous vous informons d'une opération de maintenance programmée sur votre service "
        "(conditions générales de vente, article 15). Le service sera suspendu ou perturbé "
        "pendant l'intervention.",
        "",
        f"Service : {service.label}{line} (n° {service.pk})",
        f"Début : le {start:%d/%m/%Y à %H:%M}",
    ]
    if suspension.planned_end_at is not None:
        lines.append(
            f"Fin prévue : le {suspension.planned_end_at.astimezone(PARIS):%d/%m/%Y à %H:%M}"
        )
    lines += [
        "(heure de Paris)",
        "",
        suspension.customer_notice,
        "",
        "Nous vous prions de nous excuser pour la gêne occasionnée.",
        "",
        f"{seller.legal_name} — {seller.email} — {seller.phone}",
    ]
    return EmailMessage(
        subject=f"Maintenance programmée le {start:%d/%m/%Y} — {service.label}",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[customer.billing_email],
        headers={
            "Message-ID": make_msgid(
                idstring=f"maintenance-{suspension.pk}", domain="syres-telecom.invalid"
            ),
            "X-Syres-Maintenance": str(suspension.pk),
        },
    )
