"""Quotes, orders and delivery: the arithmetic and the rules, without a database.

CGV art. 9 (validity, lead times), art. 10 (30 % deposit), internet annex (one FTTH per site,
modem site, cancellation, 8–12 weeks of fibre construction); SPEC R-ORD-1 … R-ORD-7.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from syres.domain.contracts import commitment_end as contract_commitment_end
from syres.domain.money import ZERO, format_eur, quantize_eur
from syres.domain.periods import Period, add_months
from syres.domain.terms import ModemSite, Orders


class UnableToPlaceOrder(Exception):
    """An order cannot be placed; `reason` is the sentence a user reads."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnableToChangeOrderState(Exception):
    """An order cannot move to the requested state; `reason` is the sentence a user reads."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnableToCancelOrder(UnableToChangeOrderState):
    """An order cannot be cancelled (SPEC R-ORD-5)."""


# --- R-ORD-1: quote validity -------------------------------------------------------------------


def quote_validity(*, quote_date: date, validity_months: int) -> Period:
    """The days a quote can be turned into an order: `[quote date, quote date + N months)`.

    SPEC R-ORD-1 (CGV art. 9: "la durée de validité … est de 1 mois"). Half-open like every
    period of syres: a quote of 15 January can be ordered until 14 February included.
    """
    if validity_months <= 0:
        raise ValueError("validity_months must be positive")
    return Period(quote_date, add_months(quote_date, validity_months))


def check_quote_orderable(*, quote_date: date, validity_months: int, on: date) -> None:
    """Refuse to turn an expired (or not yet dated) quote into an order (SPEC R-ORD-1)."""
    validity = quote_validity(quote_date=quote_date, validity_months=validity_months)
    if on < validity.start:
        raise UnableToPlaceOrder(f"Le devis est daté du {quote_date:%d/%m/%Y}, après la commande.")
    if on not in validity:
        raise UnableToPlaceOrder(
            f"Le devis du {quote_date:%d/%m/%Y} a expiré le {validity.end:%d/%m/%Y} : "
            "établissez un nouveau devis."
        )


# --- R-ORD-2, R-ORD-5: amounts -----------------------------------------------------------------


@dataclass(frozen=True)
class LineAmounts:
    """The unit amounts of a quote or order line, excl. VAT, exact (not rounded)."""

    quantity: int
    monthly_price: Decimal
    access_fee: Decimal = ZERO
    installation_fee: Decimal = ZERO
    sale_price: Decimal = ZERO  # equipment sold only
    negotiated_monthly_price: Decimal | None = None

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError("a line has a positive quantity")

    @property
    def monthly_unit_price(self) -> Decimal:
        """SPEC R-CAT-2: a negotiated price wins over the catalog price."""
        if self.negotiated_monthly_price is not None:
            return self.negotiated_monthly_price
        return self.monthly_price

    @property
    def monthly_total(self) -> Decimal:
        return self.monthly_unit_price * self.quantity

    @property
    def activation_fees(self) -> Decimal:
        """Access plus installation fees of the line ("frais de mise en service")."""
        return (self.access_fee + self.installation_fee) * self.quantity

    @property
    def one_off_total(self) -> Decimal:
        """Access, installation and equipment sold (SPEC R-ORD-2)."""
        return self.activation_fees + self.sale_price * self.quantity


def one_off_total(*, lines: Iterable[LineAmounts]) -> Decimal:
    """The order's one-off total, exact: access, installation, equipment sold (SPEC R-ORD-2)."""
    return sum((line.one_off_total for line in lines), ZERO)


def monthly_total(*, lines: Iterable[LineAmounts]) -> Decimal:
    """The order's recurring total per month, exact, negotiated prices winning (SPEC R-CAT-2)."""
    return sum((line.monthly_total for line in lines), ZERO)


def deposit_due(*, lines: Iterable[LineAmounts], deposit_share: Decimal) -> Decimal:
    """The deposit invoiced at order: share × one-off total, rounded to the cent once.

    SPEC R-ORD-2 (CGV art. 10: "30 % du montant total à la commande").
    """
    return quantize_eur(one_off_total(lines=lines) * deposit_share)


def cancellation_fee(*, lines: Iterable[LineAmounts]) -> Decimal:
    """What cancelling before delivery costs: the activation fees, rounded once (SPEC R-ORD-5).

    Internet annex: "Les frais d'annulation d'une commande avant la livraison sont équivalents
    aux frais de mise en service", read as the access and installation fees of the order.
    """
    return quantize_eur(sum((line.activation_fees for line in lines), ZERO))


# --- R-ORD-3: planned intervention date --------------------------------------------------------

BLOCKER_LABELS = {
    "deposit_unpaid": "Acompte non versé",
    "documents_missing": "Documents administratifs manquants",
    "premises_not_ready": "Locaux non prêts",
}


@dataclass(frozen=True)
class Blocker:
    """A recorded cause of delay (CGV art. 9); open while `resolved_on` is None."""

    kind: str
    started_on: date
    resolved_on: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in BLOCKER_LABELS:
            raise ValueError(f"unknown blocker kind {self.kind!r}")
        if self.resolved_on is not None and self.resolved_on < self.started_on:
            raise ValueError("a blocker cannot be resolved before it started")

    @property
    def label(self) -> str:
        return BLOCKER_LABELS[self.kind]

    def days_until(self, *, as_of: date) -> int:
        end = self.resolved_on if self.resolved_on is not None else as_of
        return max(0, (end - self.started_on).days)


@dataclass(frozen=True)
class InterventionPlan:
    """When SYRES can intervene on site, and why the order waits (SPEC R-ORD-3)."""

    base_date: date  # receipt + lead time (or fibre construction minimum)
    delay_days: int  # days the blockers pushed it
    planned_date: date  # earliest intervention
    latest_date: date  # end of the fibre construction window; = planned_date otherwise
    waiting_reasons: tuple[str, ...]  # open blockers, in French

    @property
    def is_waiting(self) -> bool:
        return bool(self.waiting_reasons)


def blocked_days(*, blockers: Sequence[Blocker], as_of: date) -> int:
    """Days during which at least one blocker held the order (a day counts once).

    Two blockers that overlap delay the work by their union, not by their sum.
    """
    spans = sorted(
        (blocker.started_on, blocker.started_on + timedelta(days=blocker.days_until(as_of=as_of)))
        for blocker in blockers
    )
    merged: list[tuple[date, date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return sum((end - start).days for start, end in merged)


def plan_intervention(
    *,
    received_date: date,
    terms: Orders,
    fibre_construction: bool,
    blockers: Sequence[Blocker],
    as_of: date,
) -> InterventionPlan:
    """The planned intervention date (SPEC R-ORD-3, CGV art. 9 and internet annex).

    Receipt + 45 days; when fibre must be built, a window of 8 to 12 weeks from receipt. Every
    recorded blocker (deposit unpaid, documents missing, premises not ready) pushes the date by
    the length of its delay; an open one counts up to `as_of` and is shown as the reason.
    """
    if fibre_construction:
        base = received_date + timedelta(weeks=terms.fibre_construction_weeks_min)
        latest = received_date + timedelta(weeks=terms.fibre_construction_weeks_max)
    else:
        base = latest = received_date + timedelta(days=terms.lead_time_days)
    delay = blocked_days(blockers=blockers, as_of=as_of)
    reasons = tuple(
        f"{blocker.label} depuis le {blocker.started_on:%d/%m/%Y}"
        for blocker in sorted(blockers, key=lambda blocker: blocker.started_on)
        if blocker.resolved_on is None
    )
    return InterventionPlan(
        base_date=base,
        delay_days=delay,
        planned_date=base + timedelta(days=delay),
        latest_date=latest + timedelta(days=delay),
        waiting_reasons=reasons,
    )


# --- R-ORD-4: one FTTH per site ----------------------------------------------------------------


def check_ftth_for_site(
    *,
    site_name: str,
    site_has_ftth: bool,
    ftth_lines_in_order: int,
    replaces_other_operator: bool,
    replacement_acknowledged: bool,
) -> None:
    """A site holds at most one FTTH access (SPEC R-ORD-4, internet annex).

    A second FTTH for the same site is refused, whether it is already held (or ordered) or
    ordered twice at once. Replacing another operator's access needs the customer's
    acknowledgement that SYRES is not liable for the former provider's fees.
    """
    if site_has_ftth or ftth_lines_in_order > 1:
        raise UnableToPlaceOrder(
            f"Le site « {site_name} » a déjà un accès FTTH : un site ne peut accueillir qu'un "
            "seul accès internet de type FTTH."
        )
    if replaces_other_operator and not replacement_acknowledged:
        raise UnableToPlaceOrder(
            f"L'accès FTTH du site « {site_name} » remplace celui d'un autre opérateur : le "
            "client doit reconnaître que SYRES Télécom n'est pas responsable des frais de son "
            "ancien fournisseur."
        )


# --- R-ORD-6: who may order --------------------------------------------------------------------


def check_customer_may_order(*, overdue_amount: Decimal, bank_guarantee_owed: bool) -> None:
    """No new order while sums are overdue or a required bank guarantee is missing.

    SPEC R-ORD-6 (CGV art. 7: "exiger le règlement de toutes sommes dues … avant la passation
    de toute nouvelle commande"; "garantie bancaire à première demande").
    """
    if overdue_amount > 0:
        raise UnableToPlaceOrder(
            f"Le client doit {format_eur(overdue_amount)} échus et impayés : "
            "aucune nouvelle commande avant leur règlement."
        )
    if bank_guarantee_owed:
        raise UnableToPlaceOrder(
            "SYRES Télécom a demandé une garantie bancaire que le client n'a pas fournie : "
            "aucune nouvelle commande avant sa remise."
        )


# --- Modem site (internet annex) ---------------------------------------------------------------


def modem_site_problems(
    *, humidity_percent: int | None, temperature_celsius: int | None, terms: ModemSite
) -> tuple[str, ...]:
    """What is wrong with the modem's location, in French (internet annex).

    Humidity under the maximum, temperature within the range; a reading not taken is a problem.
    """
    problems: list[str] = []
    if humidity_percent is None:
        problems.append("Humidité non relevée")
    elif humidity_percent >= terms.humidity_max_percent:
        problems.append(
            f"Humidité de {humidity_percent} % : elle doit être inférieure à "
            f"{terms.humidity_max_percent} %"
        )
    if temperature_celsius is None:
        problems.append("Température non relevée")
    elif not terms.temperature_min_celsius <= temperature_celsius <= terms.temperature_max_celsius:
        problems.append(
            f"Température de {temperature_celsius} °C : elle doit être entre "
            f"{terms.temperature_min_celsius} et {terms.temperature_max_celsius} °C"
        )
    return tuple(problems)


# --- State machine -----------------------------------------------------------------------------

RECEIVED = "received"
PLANNED = "planned"
IN_PROGRESS = "in_progress"
DELIVERED = "delivered"
CANCELLED = "cancelled"

STATE_LABELS = {
    RECEIVED: "Reçue",
    PLANNED: "Intervention planifiée",
    IN_PROGRESS: "En cours (travaux commencés)",
    DELIVERED: "Livrée",
    CANCELLED: "Annulée",
}

TRANSITIONS: dict[str, frozenset[str]] = {
    RECEIVED: frozenset({PLANNED, CANCELLED}),
    PLANNED: frozenset({IN_PROGRESS, CANCELLED}),
    IN_PROGRESS: frozenset({DELIVERED}),
    DELIVERED: frozenset(),
    CANCELLED: frozenset(),
}


def check_transition(*, current: str, target: str) -> None:
    """Refuse a state change the order's life does not allow (SPEC R-ORD-5, R-ORD-7).

    received → planned → in progress → delivered; cancelled from received or planned only:
    "Il est impossible d'annuler une commande en cours" (internet annex).
    """
    if current not in TRANSITIONS or target not in TRANSITIONS:
        raise UnableToChangeOrderState(f"État inconnu : {current!r} → {target!r}.")
    if target in TRANSITIONS[current]:
        return
    if target == CANCELLED:
        if current == IN_PROGRESS:
            raise UnableToCancelOrder(
                "Il est impossible d'annuler une commande en cours : les travaux ont commencé."
            )
        raise UnableToCancelOrder(
            f"Une commande à l'état « {STATE_LABELS[current]} » ne peut pas être annulée."
        )
    raise UnableToChangeOrderState(
        f"Une commande à l'état « {STATE_LABELS[current]} » ne peut pas passer à l'état "
        f"« {STATE_LABELS[target]} »."
    )


# --- R-ORD-7: delivery -------------------------------------------------------------------------


def commitment_end(*, delivery_date: date, commitment_months: int) -> date:
    """The first day after the minimum commitment, which runs from delivery (SPEC R-ORD-7).

    One rule for orders and contracts: `syres.domain.contracts.commitment_end` computes it."""
    return contract_commitment_end(delivery_date=delivery_date, commitment_months=commitment_months)
