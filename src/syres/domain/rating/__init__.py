"""Usage rating (SPEC §5): destinations, SIP trunk limits, mobile voice/SMS/data, with Polars."""

from syres.domain.rating.counters import load_compiled
from syres.domain.rating.destinations import (
    DestinationClass,
    classify_callees,
    classify_national_keys,
    included_for_platform,
    national_number_key,
    national_prefix_table,
    number_plans,
)
from syres.domain.rating.engine import (
    ACTIONS_SCHEMA,
    BYTES_PER_MB,
    LINES_SCHEMA,
    MOBILE_SCHEMA,
    NATIONAL_KEY,
    RATED_COLUMNS,
    REJECTED_SCHEMA,
    VOICE_SCHEMA,
    Overage,
    RatingResult,
    UnableToRateUsage,
    business_dates,
    classify_for_rating,
    micro_to_decimal,
    odd_callees,
    rate_usage,
)
from syres.domain.rating.mcc import MCC_COUNTRY

__all__ = [
    "ACTIONS_SCHEMA",
    "BYTES_PER_MB",
    "LINES_SCHEMA",
    "MCC_COUNTRY",
    "MOBILE_SCHEMA",
    "NATIONAL_KEY",
    "RATED_COLUMNS",
    "REJECTED_SCHEMA",
    "VOICE_SCHEMA",
    "DestinationClass",
    "Overage",
    "RatingResult",
    "UnableToRateUsage",
    "business_dates",
    "classify_callees",
    "classify_for_rating",
    "classify_national_keys",
    "included_for_platform",
    "load_compiled",
    "micro_to_decimal",
    "national_number_key",
    "national_prefix_table",
    "number_plans",
    "odd_callees",
    "rate_usage",
]
