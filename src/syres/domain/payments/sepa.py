"""SEPA direct debit rules that need no XML (SPEC R-PAY-1; EPC SDD Core and B2B rulebooks).

The collection date of a debit must leave the debtor the pre-notification period (the invoice
states amount and date) and the bank its minimum lead time in TARGET business days; the
sequence type follows the mandate's history; a return carries an ISO reason code.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Literal

import holidays

from syres.domain.terms import Terms

Scheme = Literal["CORE", "B2B"]
SequenceType = Literal["FRST", "RCUR", "OOFF", "FNAL"]

# ISO 20022 return reason codes a French bank sends back with an unpaid or refunded debit
# (EPC R-transactions), in the words staff read.
RETURN_REASONS: dict[str, str] = {
    "AC01": "Numéro de compte erroné",
    "AC04": "Compte clôturé",
    "AC06": "Compte bloqué",
    "AC13": "Compte du débiteur d'un consommateur (B2B impossible)",
    "AG01": "Prélèvement interdit sur ce compte",
    "AG02": "Code opération invalide",
    "AM04": "Provision insuffisante",
    "AM05": "Opération en double",
    "BE05": "Créancier non reconnu",
    "CNOR": "Banque du créancier non joignable",
    "DNOR": "Banque du débiteur non joignable",
    "FF01": "Format de fichier invalide",
    "MD01": "Pas de mandat valide",
    "MD02": "Données du mandat manquantes ou erronées",
    "MD06": "Remboursement demandé par le débiteur",
    "MD07": "Débiteur décédé",
    "MS02": "Refus du débiteur",
    "MS03": "Raison non communiquée par la banque",
    "RC01": "BIC erroné",
    "RR01": "Identification du débiteur manquante (réglementaire)",
    "RR02": "Nom ou adresse du débiteur manquant (réglementaire)",
    "RR03": "Nom ou adresse du créancier manquant (réglementaire)",
    "RR04": "Raison réglementaire",
    "SL01": "Service spécifique de la banque du débiteur",
}


def return_reason_label(code: str) -> str:
    """The French label of a return reason code; an unknown code is shown as such."""
    return RETURN_REASONS.get(code, f"Motif bancaire {code} (non répertorié)")


@cache
def _target_closed_days(year: int) -> frozenset[date]:
    # TARGET2 closing days (1 Jan, Good Friday, Easter Monday, 1 May, 25 and 26 Dec).
    return frozenset(holidays.financial_holidays("XECB", years=year))


def is_target_business_day(day: date) -> bool:
    """A day the SEPA interbank system settles: Monday to Friday, not a TARGET holiday."""
    return day.isoweekday() <= 5 and day not in _target_closed_days(day.year)


def add_target_business_days(day: date, count: int) -> date:
    """`count` TARGET business days after `day` (`count` ≥ 0; 0 gives the next business day
    on or after `day`)."""
    current = day
    while not is_target_business_day(current):
        current += timedelta(days=1)
    for _ in range(count):
        current += timedelta(days=1)
        while not is_target_business_day(current):
            current += timedelta(days=1)
    return current


def earliest_collection_date(
    *, scheme: Scheme, prenotified_on: date, submitted_on: date, terms: Terms
) -> date:
    """The first date a debit can be collected (R-PAY-1).

    Late enough for the debtor's pre-notification (`payments.sepa_prenotification_days`
    calendar days after the invoice reached them) and for the bank's lead time (the file is
    submitted at least `sepa_core_lead_business_days` / `sepa_b2b_lead_business_days` TARGET
    business days before), on a TARGET business day.
    """
    rules = terms.payments
    lead = (
        rules.sepa_core_lead_business_days
        if scheme == "CORE"
        else rules.sepa_b2b_lead_business_days
    )
    by_notice = prenotified_on + timedelta(days=rules.sepa_prenotification_days)
    by_lead = add_target_business_days(submitted_on, lead)
    return add_target_business_days(max(by_notice, by_lead), 0)


def sequence_type(*, recurrent_mandate: bool, collections_done: int, last: bool) -> SequenceType:
    """The sequence type of a debit (R-PAY-1): OOFF for a one-off mandate, FRST for the first
    collection of a recurrent mandate, FNAL for its announced last one, RCUR otherwise."""
    if not recurrent_mandate:
        return "OOFF"
    if collections_done == 0:
        return "FRST"
    return "FNAL" if last else "RCUR"
