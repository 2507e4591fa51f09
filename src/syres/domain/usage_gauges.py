"""A line's month of usage against its fair-use limits, as gauges (SPEC §5).

The limits come from the terms file: a SIP trunk has distinct numbers and outgoing hours per
channel (R-SIP-1, R-SIP-2); a mobile line has its voice hours (R-MOB-1), its SMS and their
distinct numbers (R-MOB-2) and its data per zone (R-MOB-3). A gauge warns from the terms'
`portal.usage_warning_share` of its limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from syres.domain.terms import Terms

MOBILE = "mobile"
HOME_ZONE = "home"
BYTES_PER_MB = 1_048_576
SECONDS_PER_HOUR = 3600


class UnableToMeasureUsage(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class LineUsage:
    """What a line used in a month (counts from the rated aggregates and detail)."""

    platform: str
    channels: int
    outgoing_seconds: int = 0
    distinct_numbers: int = 0
    sms: int = 0
    sms_distinct_numbers: int = 0
    data_bytes_by_zone: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Gauge:
    key: str
    label: str
    used: Decimal
    limit: Decimal
    unit: str
    warning_share: Decimal

    @property
    def share(self) -> Decimal:
        return self.used / self.limit

    @property
    def percent(self) -> int:
        """The share in whole percent, rounded down (a gauge never shows 100 % too early)."""
        return int((self.share * 100).to_integral_value(rounding=ROUND_FLOOR))

    @property
    def warning_at(self) -> Decimal:
        """The amount from which the gauge warns."""
        return self.limit * self.warning_share

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    @property
    def warning(self) -> bool:
        return self.share >= self.warning_share


def _mb(value: int) -> Decimal:
    return (Decimal(value) / BYTES_PER_MB).quantize(Decimal("0.1"))


def usage_gauges(*, usage: LineUsage, terms: Terms) -> list[Gauge]:
    """The gauges of one line's month, each used amount against its limit (SPEC §5)."""
    if usage.channels < 1:
        raise UnableToMeasureUsage("une ligne a au moins un canal")
    share = terms.portal.usage_warning_share
    hours = Decimal(usage.outgoing_seconds) / SECONDS_PER_HOUR
    if usage.platform != MOBILE:
        platform = next(
            (each for code, each in terms.platforms.items() if code == usage.platform), None
        )
        if platform is None:
            raise UnableToMeasureUsage(f"plateforme inconnue : {usage.platform}")
        return [
            Gauge(
                key="numbers",
                label="Numéros distincts appelés",
                used=Decimal(usage.distinct_numbers),
                limit=Decimal(platform.distinct_numbers_per_channel * usage.channels),
                unit="numéros",
                warning_share=share,
            ),
            Gauge(
                key="hours",
                label="Heures d'appels sortants",
                used=hours.quantize(Decimal("0.01")),
                limit=Decimal(platform.outgoing_hours_per_channel * usage.channels),
                unit="h",
                warning_share=share,
            ),
        ]
    mobile = terms.mobile
    gauges = [
        Gauge(
            key="hours",
            label="Heures d'appels incluses",
            used=hours.quantize(Decimal("0.01")),
            limit=Decimal(mobile.voice_included_hours),
            unit="h",
            warning_share=share,
        ),
        Gauge(
            key="sms",
            label="SMS envoyés",
            used=Decimal(usage.sms),
            limit=Decimal(mobile.sms_included),
            unit="SMS",
            warning_share=share,
        ),
        Gauge(
            key="sms_numbers",
            label="Destinataires distincts de SMS",
            used=Decimal(usage.sms_distinct_numbers),
            limit=Decimal(mobile.sms_max_distinct_numbers),
            unit="numéros",
            warning_share=share,
        ),
        Gauge(
            key="data_home",
            label="Données en France",
            used=_mb(usage.data_bytes_by_zone.get(HOME_ZONE, 0)),
            limit=Decimal(mobile.home_data_fair_use_mb),
            unit="Mo",
            warning_share=share,
        ),
    ]
    for code, zone in mobile.zones.items():
        gauges.append(
            Gauge(
                key=f"data_{code}",
                label=f"Données — {zone.label}",
                used=_mb(usage.data_bytes_by_zone.get(code, 0)),
                limit=Decimal(zone.data_cap_mb),
                unit="Mo",
                warning_share=share,
            )
        )
    return gauges
