"""Money: `Decimal` only, rounded half-up to the cent where an invoice line is made."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
ZERO = Decimal("0")
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"


def quantize_eur(value: Decimal, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round an amount in euros to the cent (the rounding mode is explicit, default half-up).

    Use it once, where an invoice line (or any other document amount) is made; intermediate
    amounts (a call's price, a pro-rata share) stay exact.
    """
    return value.quantize(CENT, rounding=rounding)


def micro_eur_to_decimal(micro_eur: int) -> Decimal:
    """Turn integer micro-euros (the rating engine's unit) into an exact `Decimal` in euros."""
    return (Decimal(micro_eur) * MICRO).normalize() if micro_eur else ZERO


def decimal_to_micro_eur(value: Decimal) -> int:
    """Turn euros into integer micro-euros; refuses amounts finer than a micro-euro."""
    micro = value / MICRO
    if micro != micro.to_integral_value():
        raise ValueError(f"{value} EUR is finer than a micro-euro")
    return int(micro)


def format_eur(value: Decimal) -> str:
    """French display of an amount: `1 234,50 €` (narrow no-break space as thousands separator)."""
    sign = "-" if value < 0 else ""
    units, cents = f"{abs(quantize_eur(value)):.2f}".split(".")
    groups: list[str] = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{NARROW_NBSP.join(groups)},{cents}{NBSP}€"
