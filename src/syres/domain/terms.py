"""The terms: every number of the CGV, the operator's policy values and the example prices.

`parse_terms` turns the text of a terms file (TOML) into frozen, typed objects and refuses a
wrong file with the file, the key and the reason (`TermsError`). Reading the file is the
caller's business (`syres.terms.load_terms`); this module does no I/O.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)
from stdnum.fr import siren as stdnum_siren

SIP_PLATFORMS = ("sewan", "openip", "yeastar", "wazo")
PlatformCode = Literal["sewan", "openip", "yeastar", "wazo"]
_KNOWN_REGIONS = frozenset(
    region for regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.values() for region in regions
) - {"001"}


def _number(value: object) -> object:
    # TOML gives int or (with parse_float=Decimal) Decimal; refuse text and booleans so that a
    # quoted price is reported instead of silently converted.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError("must be a number")
    return Decimal(value)


def _country(value: object) -> object:
    if not isinstance(value, str) or value not in _KNOWN_REGIONS:
        raise ValueError(f"{value!r} is not an ISO 3166 country code with a telephone plan")
    return value


Amount = Annotated[Decimal, BeforeValidator(_number), Field(ge=0)]
Share = Annotated[Decimal, BeforeValidator(_number), Field(ge=0, le=1)]
Ratio = Annotated[Decimal, BeforeValidator(_number), Field(gt=0)]
Count = Annotated[StrictInt, Field(ge=0)]
PositiveCount = Annotated[StrictInt, Field(gt=0)]
Text = Annotated[StrictStr, Field(min_length=1)]
Country = Annotated[str, BeforeValidator(_country)]


class _Terms(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Seller(_Terms):
    """The seller's identity printed on every document (CGV preamble, SPEC R-INV-4)."""

    legal_name: Text
    legal_form: Text
    share_capital: Amount
    siren: Text
    vat_number: Text
    rcs_city: Text
    address_line: Text
    postcode: Text
    city: Text
    country: Country
    commercial_court: Text
    email: Text
    phone: Text
    website: Text
    iban: Text
    bic: Text
    sepa_creditor_id: Text

    @model_validator(mode="after")
    def _vat_number_agrees_with_siren(self) -> Seller:
        if not stdnum_siren.is_valid(self.siren):
            raise ValueError(f"siren {self.siren!r} fails its Luhn check")
        expected = "FR" + stdnum_siren.to_tva(self.siren)
        if self.vat_number.replace(" ", "") != expected:
            raise ValueError(f"vat_number {self.vat_number!r} does not match the SIREN: {expected}")
        return self

    @property
    def display_capital(self) -> str:
        return f"{self.share_capital:,.0f}".replace(",", "\u00a0")


class Subscription(_Terms):
    """Account opening (CGV art. 3, SPEC R-CUST-2)."""

    kbis_max_age_months: PositiveCount
    required_documents: tuple[Text, ...]
    upload_max_bytes: PositiveCount
    upload_content_types: tuple[Text, ...]


class Quotes(_Terms):
    """Quotes (CGV art. 9; SPEC R-ORD-1)."""

    validity_months: PositiveCount
    number_prefix: Annotated[StrictStr, Field(pattern=r"^[A-Z]{1,5}$")]
    cgv_reference: Text


class ModemSite(_Terms):
    humidity_max_percent: Count
    temperature_min_celsius: StrictInt
    temperature_max_celsius: StrictInt
    checklist: tuple[Text, ...]


class Orders(_Terms):
    """Deposit and lead times (CGV art. 9, 10; SPEC R-ORD-2, R-ORD-3)."""

    number_prefix: Annotated[StrictStr, Field(pattern=r"^[A-Z]{1,5}$")]
    deposit_share: Share
    lead_time_days: PositiveCount
    fibre_construction_weeks_min: PositiveCount
    fibre_construction_weeks_max: PositiveCount
    modem_site: ModemSite

    @model_validator(mode="after")
    def _weeks_in_order(self) -> Orders:
        if self.fibre_construction_weeks_min > self.fibre_construction_weeks_max:
            raise ValueError("fibre_construction_weeks_min is above fibre_construction_weeks_max")
        return self


class TerminationCause(_Terms):
    code: Text
    label: Text


class Contracts(_Terms):
    """Notice and early termination (CGV art. 16; SPEC R-END-1, R-END-2)."""

    notice_months: PositiveCount
    consumption_estimate_months: PositiveCount
    termination_causes: tuple[TerminationCause, ...]


class Equipment(_Terms):
    """Warranty and returns (CGV art. 6, 13; SPEC R-EQ-2, R-EQ-3)."""

    warranty_months: PositiveCount
    accessory_replacement_values: dict[Text, Amount]


class Disputes(_Terms):
    window_days: PositiveCount


class VatRate(_Terms):
    effective_from: date
    rate: Share


class Invoicing(_Terms):
    """Invoices, VAT, penalties (CGV art. 7, 10; SPEC R-INV-*)."""

    payment_terms_days: Count
    max_payment_terms_days: PositiveCount
    invoice_series_prefix: Text
    credit_note_series_prefix: Text
    late_penalty_annual_rate: Share
    legal_interest_rate: Share
    recovery_indemnity: Amount
    early_payment_discount: Text
    vat_rates: tuple[VatRate, ...] = Field(min_length=1)
    unusual_consumption_ratio: Ratio
    unusual_consumption_floor: Amount

    @model_validator(mode="after")
    def _consistent(self) -> Invoicing:
        if self.payment_terms_days > self.max_payment_terms_days:
            raise ValueError("payment_terms_days is above max_payment_terms_days")
        if self.late_penalty_annual_rate < 3 * self.legal_interest_rate:
            raise ValueError(
                "late_penalty_annual_rate must be at least 3 × legal_interest_rate (L441-10)"
            )
        days = [rate.effective_from for rate in self.vat_rates]
        if days != sorted(set(days)):
            raise ValueError("vat_rates must be in increasing order of effective_from, no repeats")
        if self.invoice_series_prefix == self.credit_note_series_prefix:
            raise ValueError("invoices and credit notes need different series prefixes")
        return self

    def vat_rate_on(self, *, day: date) -> Decimal:
        """The VAT rate in force on `day` (SPEC R-INV-2: the rate of the invoice date)."""
        in_force = [rate for rate in self.vat_rates if rate.effective_from <= day]
        if not in_force:
            raise ValueError(f"no VAT rate in force on {day.isoformat()}")
        return in_force[-1].rate


class Payments(_Terms):
    """SEPA direct debit lead times (SPEC R-PAY-1; EPC SDD Core and B2B rulebooks)."""

    sepa_prenotification_days: PositiveCount
    sepa_core_lead_business_days: PositiveCount
    sepa_b2b_lead_business_days: PositiveCount


DunningAction = Literal["reminder", "formal_notice", "suspend_service", "suspend_all", "terminate"]


class DunningStep(_Terms):
    days_after_due: PositiveCount
    action: DunningAction
    label: Text


class Dunning(_Terms):
    """The dunning schedule (CGV art. 7, 15, 16; SPEC R-PAY-3)."""

    steps: tuple[DunningStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _increasing(self) -> Dunning:
        days = [step.days_after_due for step in self.steps]
        if days != sorted(set(days)):
            raise ValueError("steps must be in strictly increasing order of days_after_due")
        return self


class Security(_Terms):
    """Passwords and PINs (CGV art. 12; SPEC R-SEC-1)."""

    password_max_age_months: PositiveCount
    password_expiry_reminder_days: Count
    password_min_length: PositiveCount
    pin_min_length: PositiveCount
    pin_max_length: PositiveCount


class Portal(_Terms):
    """What the customer portal and the staff dashboard warn about (policy values)."""

    usage_warning_share: Share  # a gauge warns from this share of its limit
    gtr_warning_minutes: PositiveCount  # the dashboard lists tickets this close to their GTR


class Retention(_Terms):
    """How long data is kept (SPEC R-DATA-3)."""

    usage_detail_months: PositiveCount
    invoice_years: PositiveCount


class Support(_Terms):
    """FTTO restore time and business hours (SPEC R-GTR-1)."""

    gtr_hours: PositiveCount
    business_day_start: time
    business_day_end: time
    business_weekdays: tuple[Annotated[StrictInt, Field(ge=1, le=7)], ...] = Field(min_length=1)
    holidays_country: Country

    @model_validator(mode="after")
    def _day_in_order(self) -> Support:
        if self.business_day_start >= self.business_day_end:
            raise ValueError("business_day_start must be before business_day_end")
        return self


class CallCentre(_Terms):
    """Thresholds that flag a trunk for call-centre activity (SPEC R-SIP-7)."""

    max_calls_per_channel_per_business_day: PositiveCount
    short_call_max_seconds: PositiveCount
    max_short_call_share: Share
    min_calls_for_short_share: PositiveCount


class Rating(_Terms):
    """Destination rules (SPEC R-DEST-1, R-DEST-2)."""

    emergency_numbers: tuple[Annotated[StrictStr, Field(pattern=r"^\d{2,6}$")], ...]
    emergency_prefixes: tuple[Annotated[StrictStr, Field(pattern=r"^\d{3}$")], ...]
    free_special_prefixes: tuple[Annotated[StrictStr, Field(pattern=r"^08\d{2}$")], ...]
    home_country: Country
    overseas_regions: tuple[Country, ...]
    call_centre: CallCentre


class Destination(_Terms):
    name: Text
    country: Country


class Platform(_Terms):
    """A wholesale SIP platform and its fair-use limits (platform annexes; SPEC R-SIP-*)."""

    name: Text
    distinct_numbers_per_channel: PositiveCount
    outgoing_hours_per_channel: PositiveCount
    max_call_seconds: PositiveCount | None = None
    includes_us_ca_mobiles: StrictBool
    call_centre_forbidden: StrictBool
    included_destinations: tuple[Destination, ...]

    @property
    def included_countries(self) -> frozenset[str]:
        return frozenset(destination.country for destination in self.included_destinations)


class Zone(_Terms):
    """A mobile roaming zone (mobile annex; SPEC R-MOB-3, R-MOB-4)."""

    label: Text
    data_cap_mb: PositiveCount
    beyond_cap: Literal["bill", "block"]
    voice_included: StrictBool
    countries: tuple[Country, ...]


class Mobile(_Terms):
    voice_included_hours: PositiveCount
    sms_included: PositiveCount
    sms_max_distinct_numbers: PositiveCount
    home_data_fair_use_mb: PositiveCount
    default_zone: Text
    zones: dict[Text, Zone]

    @model_validator(mode="after")
    def _zones_consistent(self) -> Mobile:
        if self.default_zone not in self.zones:
            raise ValueError(f"default_zone {self.default_zone!r} is not one of the zones")
        seen: dict[str, str] = {}
        for zone_code, zone in self.zones.items():
            for country in zone.countries:
                if country in seen:
                    raise ValueError(f"{country} is in zone {seen[country]} and zone {zone_code}")
                seen[country] = zone_code
        return self

    def zone_of(self, *, country: str) -> str:
        """The roaming zone of a country; the default zone for every unlisted one."""
        for zone_code, zone in self.zones.items():
            if country in zone.countries:
                return zone_code
        return self.default_zone


class CountryRate(_Terms):
    fixed: Amount
    mobile: Amount


class Rates(_Terms):
    """Per-minute, per-SMS and per-Mo rates, excl. VAT (demo values in the shipped file)."""

    example_prices: StrictBool
    national_fixed_per_minute: Amount
    national_mobile_per_minute: Amount
    special_per_minute: Amount
    short_number_per_minute: Amount
    directory_per_minute: Amount
    international_fixed_per_minute: Amount
    international_mobile_per_minute: Amount
    sms_national: Amount
    mobile_voice_per_minute: dict[Text, Amount]
    mobile_sms: dict[Text, Amount]
    mobile_data_per_mb: dict[Text, Amount]
    international: dict[Country, CountryRate]


class _Product(_Terms):
    code: Annotated[StrictStr, Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$")]
    name: Text


class _RecurringProduct(_Product):
    """A subscription: recurring price, one-off fees, minimum commitment (SPEC R-CAT-3)."""

    monthly_price: Amount
    access_fee: Amount
    installation_fee: Amount
    commitment_months: Count


class InternetAccess(_RecurringProduct):
    family: Literal["internet_access"]
    technology: Literal["adsl", "vdsl", "sdsl", "ftth", "ftto"]
    target_down_mbps: PositiveCount | None = None
    target_up_mbps: PositiveCount | None = None
    guaranteed_mbps: PositiveCount | None = None
    max_mbps: PositiveCount | None = None
    fibre_construction: StrictBool = False

    @model_validator(mode="after")
    def _rates_match_technology(self) -> InternetAccess:
        # SPEC R-CAT-1: ADSL/VDSL show a target rate only; the others guarantee one.
        if self.technology in ("adsl", "vdsl"):
            if self.guaranteed_mbps is not None:
                raise ValueError(f"{self.technology} cannot guarantee a rate (target only)")
        elif self.guaranteed_mbps is None:
            raise ValueError(f"{self.technology} needs guaranteed_mbps")
        return self


class SipTrunk(_RecurringProduct):
    """A SIP trunk, priced per channel."""

    family: Literal["sip_trunk"]
    platform: PlatformCode


class HostedLicence(_RecurringProduct):
    family: Literal["hosted_licence"]
    platform: PlatformCode
    included_features: tuple[Text, ...]


class LicenceOption(_RecurringProduct):
    family: Literal["licence_option"]
    platform: PlatformCode


class MobilePlan(_RecurringProduct):
    family: Literal["mobile_plan"]


class EquipmentModel(_Product):
    """A model of equipment, lent for the contract or sold (CGV art. 6, 13; SPEC R-EQ-*)."""

    family: Literal["equipment"]
    model: Text
    sale_price: Amount
    monthly_rent: Amount
    replacement_value: Amount
    depreciation_months: PositiveCount
    accessories: tuple[Text, ...]


Product = Annotated[
    InternetAccess | SipTrunk | HostedLicence | LicenceOption | MobilePlan | EquipmentModel,
    Field(discriminator="family"),
]


class Catalog(_Terms):
    example_prices: StrictBool
    prices_effective_from: date
    products: tuple[Product, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> Catalog:
        codes = [product.code for product in self.products]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"product codes used twice: {', '.join(duplicates)}")
        return self


class Terms(_Terms):
    """The whole terms file, validated."""

    schema_version: Literal[1]
    seller: Seller
    subscription: Subscription
    quotes: Quotes
    orders: Orders
    contracts: Contracts
    equipment: Equipment
    disputes: Disputes
    invoicing: Invoicing
    payments: Payments
    dunning: Dunning
    security: Security
    portal: Portal
    retention: Retention
    support: Support
    rating: Rating
    platforms: dict[PlatformCode, Platform]
    mobile: Mobile
    rates: Rates
    catalog: Catalog

    @model_validator(mode="after")
    def _cross_references(self) -> Terms:
        missing = [code for code in SIP_PLATFORMS if code not in self.platforms]
        if missing:
            raise ValueError(f"platforms lacks {', '.join(missing)}")
        for table in ("mobile_voice_per_minute", "mobile_sms", "mobile_data_per_mb"):
            unknown = sorted(set(getattr(self.rates, table)) - set(self.mobile.zones))
            if unknown:
                raise ValueError(f"rates.{table} names unknown zones: {', '.join(unknown)}")
        for zone_code, zone in self.mobile.zones.items():
            if zone.beyond_cap == "block" and zone_code not in self.rates.mobile_data_per_mb:
                raise ValueError(f"rates.mobile_data_per_mb needs a rate for zone {zone_code}")
        return self

    @model_validator(mode="after")
    def _accessories_priced(self) -> Terms:
        # R-EQ-3: a missing accessory is invoiced, so each one named in the catalog needs a value.
        named = {
            name
            for product in self.catalog.products
            if isinstance(product, EquipmentModel)
            for name in product.accessories
        }
        unpriced = sorted(named - set(self.equipment.accessory_replacement_values))
        if unpriced:
            raise ValueError(f"equipment.accessory_replacement_values lacks {', '.join(unpriced)}")
        return self

    def product(self, code: str) -> Product:
        for product in self.catalog.products:
            if product.code == code:
                return product
        raise KeyError(code)


class TermsError(Exception):
    """A terms file that cannot be used; `problems` lists (key, reason) pairs."""

    def __init__(self, *, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [f"{source}: {key}: {reason}" for key, reason in self.problems]
        super().__init__("invalid terms file\n" + "\n".join(lines))


def parse_terms(text: str, *, source: str) -> Terms:
    """Validate the text of a terms file; `source` names it in error messages."""
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise TermsError(source=source, problems=[("(syntax)", str(error))]) from error
    try:
        return Terms.model_validate(raw)
    except ValidationError as error:
        raise TermsError(
            source=source,
            problems=[(_key_of(err["loc"], raw), _reason_of(err)) for err in error.errors()],
        ) from error


def _key_of(loc: Sequence[int | str], raw: Mapping[str, Any]) -> str:
    """`('catalog', 'products', 3, 'internet_access', 'monthly_price')` →
    `catalog.products[3] (code FTTH-1G).monthly_price`."""
    key = ""
    node: Any = raw
    previous_was_index = False
    for part in loc:
        if part == "[key]":  # pydantic's marker for a dict key that failed
            continue
        if isinstance(part, int):
            key += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, Mapping) and "code" in node:
                key += f" (code {node['code']})"
            previous_was_index = True
            continue
        if previous_was_index and isinstance(node, Mapping) and node.get("family") == part:
            previous_was_index = False  # the union's tag, not a key of the file
            continue
        key += f".{part}" if key else part
        node = node.get(part) if isinstance(node, Mapping) else None
        previous_was_index = False
    return key or "(top level)"


def _reason_of(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        return "missing key"
    if error["type"] == "extra_forbidden":
        return "unknown key (misspelt, or not part of this schema)"
    if error["type"] == "union_tag_invalid":
        return (
            f"unknown family {error['input'].get('family')!r}"
            if isinstance(error["input"], Mapping)
            else message
        )
    return message
