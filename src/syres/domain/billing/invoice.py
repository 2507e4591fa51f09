"""Invoices as documents: kinds, series, totals, VAT, due dates, parties (SPEC R-INV-*).

`InvoiceDocument` is frozen and carries everything a legal French invoice shows (R-INV-4, Code
de commerce L441-9, CGI art. 242 nonies A); `syres.billing.documents` turns it into the Factur-X
PDF and its CII XML without adding any business fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from syres.domain.billing.lines import (
    InvoiceLine,
    LineCategory,
    VatCategory,
    deposit_line,
    late_charge_line,
    month_label,
)
from syres.domain.money import ZERO, quantize_eur
from syres.domain.periods import Month, Period
from syres.domain.terms import Rating, Seller, Terms


class UnableToIssueInvoice(Exception):
    """An invoice that cannot be made as asked; `reason` is shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvoiceKind(StrEnum):
    MONTHLY = "monthly"
    DEPOSIT = "deposit"
    BALANCE = "balance"
    INTERMEDIATE = "intermediate"
    CREDIT_NOTE = "credit_note"

    @property
    def type_code(self) -> str:
        """UNTDID 1001 (EN 16931 BT-3): 386 prepayment invoice, 381 credit note, else 380."""
        return {InvoiceKind.DEPOSIT: "386", InvoiceKind.CREDIT_NOTE: "381"}.get(self, "380")

    @property
    def label(self) -> str:
        return {
            InvoiceKind.MONTHLY: "Facture",
            InvoiceKind.DEPOSIT: "Facture d'acompte",
            InvoiceKind.BALANCE: "Facture de solde",
            InvoiceKind.INTERMEDIATE: "Facture intermédiaire",
            InvoiceKind.CREDIT_NOTE: "Avoir",
        }[self]


class Series(StrEnum):
    """Each series is one unbroken chronological sequence of numbers (R-INV-3)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


def series_of(*, kind: InvoiceKind) -> Series:
    return Series.CREDIT_NOTE if kind is InvoiceKind.CREDIT_NOTE else Series.INVOICE


def series_prefix(*, series: Series, terms: Terms) -> str:
    """The prefix of a series, from the terms file (`invoice_series_prefix`…)."""
    if series is Series.CREDIT_NOTE:
        return terms.invoicing.credit_note_series_prefix
    return terms.invoicing.invoice_series_prefix


def document_number(*, prefix: str, sequence: int) -> str:
    """`FA-000042`: the prefix of the series and the sequence allocated by the issuing
    transaction (R-INV-3). At most 35 characters, letters, digits and `-` (BR-FR-01/02)."""
    if sequence <= 0:
        raise UnableToIssueInvoice(f"numéro de séquence invalide : {sequence}")
    number = f"{prefix}-{sequence:06d}"
    if len(number) > 35 or not all(ch.isalnum() or ch in "-_/+" for ch in number):
        raise UnableToIssueInvoice(f"numéro de facture invalide : {number}")
    return number


class IntermediateReason(StrEnum):
    """Why an intermediate invoice is issued mid-month (R-INV-5, CGV art. 7)."""

    UNUSUAL_CONSUMPTION = "unusual_consumption"
    PAYMENT_INCIDENT = "payment_incident"
    TERMINATION = "termination"
    INSOLVENCY = "insolvency"
    LATE_CHARGES = "late_charges"

    @property
    def label(self) -> str:
        return {
            IntermediateReason.UNUSUAL_CONSUMPTION: "volume inhabituel de consommations",
            IntermediateReason.PAYMENT_INCIDENT: "incident de paiement",
            IntermediateReason.TERMINATION: "résiliation de tout ou partie du contrat",
            IntermediateReason.INSOLVENCY: "procédure collective",
            IntermediateReason.LATE_CHARGES: "pénalités de retard et indemnité forfaitaire",
        }[self]


@dataclass(frozen=True)
class PostalAddress:
    line: str
    postcode: str
    city: str
    country: str = "FR"
    line_two: str = ""


@dataclass(frozen=True)
class Buyer:
    """The customer as printed on the invoice (R-CUST-1, R-CUST-5, R-INV-4).

    `electronic_address` is the address of the French e-invoicing directory (BT-49): by default
    the SIREN under scheme 0225; a natural person without SIREN is reached by e-mail (scheme EM).
    A public administration gets its Chorus Pro service code as buyer reference (BT-10).
    """

    name: str
    address: PostalAddress
    billing_email: str
    siren: str = ""
    siret: str = ""
    vat_number: str = ""
    customer_ref: str = ""
    public_administration: bool = False
    chorus_service_code: str = ""
    engagement_number: str = ""
    electronic_address_override: str = ""

    def __post_init__(self) -> None:
        if self.siren and not (len(self.siren) == 9 and self.siren.isdigit()):
            raise UnableToIssueInvoice(f"SIREN du client invalide : {self.siren}")
        if self.siret and not (self.siret.isdigit() and self.siret.startswith(self.siren)):
            raise UnableToIssueInvoice(f"SIRET {self.siret} incohérent avec le SIREN")
        if self.public_administration and not (self.siret and self.chorus_service_code):
            raise UnableToIssueInvoice(
                "une administration doit avoir un SIRET et un code service Chorus Pro (R-CUST-5)"
            )

    @property
    def is_business(self) -> bool:
        return bool(self.siren)

    @property
    def electronic_address(self) -> tuple[str, str]:
        """(scheme, value) of BT-49."""
        if self.electronic_address_override:
            return ("0225", self.electronic_address_override)
        if self.siren:
            return ("0225", self.siren)
        return ("EM", self.billing_email)


class PaymentMethod(StrEnum):
    SEPA_DIRECT_DEBIT = "sepa_direct_debit"
    TRANSFER = "transfer"

    @property
    def means_code(self) -> str:
        """UNTDID 4461: 59 SEPA direct debit, 58 SEPA credit transfer."""
        return "59" if self is PaymentMethod.SEPA_DIRECT_DEBIT else "58"


@dataclass(frozen=True)
class PaymentMeans:
    """How the customer pays (R-PAY-1): SEPA direct debit under a mandate, or transfer to
    SYRES's account (also how an administrative mandate is paid)."""

    method: PaymentMethod
    creditor_iban: str
    creditor_bic: str
    creditor_id: str = ""
    mandate_ref: str = ""
    mandate_signed_on: date | None = None
    debtor_iban: str = ""

    def __post_init__(self) -> None:
        if self.method is PaymentMethod.SEPA_DIRECT_DEBIT and not (
            self.mandate_ref and self.creditor_id and self.debtor_iban
        ):
            raise UnableToIssueInvoice(
                "prélèvement SEPA : référence de mandat, ICS et IBAN du débiteur requis"
            )

    @property
    def masked_debtor_iban(self) -> str:
        iban = self.debtor_iban.replace(" ", "")
        return f"{iban[:4]}{'*' * max(0, len(iban) - 8)}{iban[-4:]}" if iban else ""


def direct_debit(
    *, terms: Terms, mandate_ref: str, debtor_iban: str, mandate_signed_on: date | None = None
) -> PaymentMeans:
    """SEPA direct debit to SYRES (creditor id from the terms file)."""
    return PaymentMeans(
        method=PaymentMethod.SEPA_DIRECT_DEBIT,
        creditor_iban=terms.seller.iban,
        creditor_bic=terms.seller.bic,
        creditor_id=terms.seller.sepa_creditor_id,
        mandate_ref=mandate_ref,
        mandate_signed_on=mandate_signed_on,
        debtor_iban=debtor_iban,
    )


def bank_transfer(*, terms: Terms) -> PaymentMeans:
    """Transfer to SYRES's IBAN (terms file)."""
    return PaymentMeans(
        method=PaymentMethod.TRANSFER,
        creditor_iban=terms.seller.iban,
        creditor_bic=terms.seller.bic,
    )


@dataclass(frozen=True)
class VatBreakdown:
    """One VAT category and rate: its base and its tax, rounded half-up to the cent once
    (R-INV-2). Category O (outside the scope of VAT) has rate 0 and tax 0 (BR-O-08, BR-O-09)."""

    rate: Decimal
    base: Decimal
    tax: Decimal
    category: VatCategory = VatCategory.STANDARD

    @property
    def exemption_reason(self) -> str:
        return self.category.exemption_reason

    @property
    def exemption_code(self) -> str:
        return self.category.exemption_code


def vat_breakdown(*, lines: Iterable[InvoiceLine]) -> tuple[VatBreakdown, ...]:
    """Group line amounts per VAT category and rate; the tax of each group is
    `quantize_eur(base × rate)`, 0 for category O."""
    bases: dict[tuple[VatCategory, Decimal], Decimal] = {}
    for line in lines:
        key = (line.vat_category, line.vat_rate)
        bases[key] = bases.get(key, ZERO) + line.amount
    return tuple(
        VatBreakdown(
            rate=rate,
            base=base,
            tax=quantize_eur(ZERO if category is VatCategory.OUTSIDE_SCOPE else base * rate),
            category=category,
        )
        for (category, rate), base in sorted(bases.items(), key=lambda kv: kv[0][1], reverse=True)
    )


@dataclass(frozen=True)
class CallDetail:
    """One billable call of the annex (SPEC §5); `amount` is the exact per-call price."""

    started_at: datetime
    line: str
    callee: str
    duration_s: int
    billable_s: int
    amount: Decimal


def is_emergency_number(*, callee: str, rating: Rating) -> bool:
    """15, 17, 18, 112, 116xxx… (R-DEST-2): such calls are never shown on a document."""
    compact = "".join(ch for ch in callee if ch.isdigit() or ch == "+")
    for country in ("+33", "0033"):
        if compact.startswith(country):
            compact = compact[len(country) :]
            break
    digits = compact.lstrip("+")
    if digits in rating.emergency_numbers:
        return True
    return any(digits.startswith(p) and len(digits) == 6 for p in rating.emergency_prefixes)


@dataclass(frozen=True)
class SellerIdentity:
    """SYRES as printed on every document (R-INV-4), from the terms file."""

    legal_name: str
    legal_form: str
    share_capital: Decimal
    siren: str
    vat_number: str
    rcs_city: str
    address: PostalAddress
    email: str
    phone: str
    website: str
    commercial_court: str

    @classmethod
    def from_terms(cls, *, seller: Seller) -> SellerIdentity:
        return cls(
            legal_name=seller.legal_name,
            legal_form=seller.legal_form,
            share_capital=seller.share_capital,
            siren=seller.siren,
            vat_number=seller.vat_number,
            rcs_city=seller.rcs_city,
            address=PostalAddress(
                line=seller.address_line,
                postcode=seller.postcode,
                city=seller.city,
                country=seller.country,
            ),
            email=seller.email,
            phone=seller.phone,
            website=seller.website,
            commercial_court=seller.commercial_court,
        )

    @property
    def legal_mentions(self) -> str:
        """`SARL au capital de 85 000 € — RCS Rodez 441 733 953` (Code de commerce R123-237)."""
        capital = f"{self.share_capital:,.0f}".replace(",", "\u00a0")
        siren = f"{self.siren[:3]} {self.siren[3:6]} {self.siren[6:]}"
        return f"{self.legal_form} au capital de {capital} € — RCS {self.rcs_city} {siren}"


@dataclass(frozen=True)
class LegalNotes:
    """The payment mentions every invoice carries (L441-9 C. com.; BR-FR-05 PMT, PMD, AAB)."""

    early_payment_discount: str  # AAB
    late_penalties: str  # PMD
    recovery_indemnity: str  # PMT
    court: str

    @classmethod
    def from_terms(cls, *, terms: Terms) -> LegalNotes:
        invoicing = terms.invoicing
        rate = (invoicing.late_penalty_annual_rate * 100).normalize()
        indemnity = f"{invoicing.recovery_indemnity:.2f}".replace(".", ",")
        return cls(
            early_payment_discount=invoicing.early_payment_discount,
            late_penalties=(
                f"En cas de retard de paiement, pénalités exigibles dès le lendemain de la date "
                f"d'échéance au taux annuel de {rate:f} % (art. L441-10 du Code de commerce)."
            ),
            recovery_indemnity=(
                f"Indemnité forfaitaire pour frais de recouvrement due en cas de retard de "
                f"paiement : {indemnity} € (art. L441-10 et D441-5 du Code de commerce)."
            ),
            court=(
                f"Tout litige relève de la compétence exclusive du {terms.seller.commercial_court}."
            ),
        )


@dataclass(frozen=True)
class InvoiceReference:
    """The invoice a credit note corrects, or the deposit a balance invoice follows (R-INV-3)."""

    number: str
    issue_date: date
    type_code: str = "380"


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything a legal French invoice or credit note shows (R-INV-4); frozen once made."""

    kind: InvoiceKind
    number: str
    issue_date: date
    seller: SellerIdentity
    buyer: Buyer
    lines: tuple[InvoiceLine, ...]
    payment: PaymentMeans
    notes: LegalNotes
    due_date: date | None
    delivery_date: date | None = None
    billing_period: Period | None = None
    referenced_invoice: InvoiceReference | None = None
    prepaid_amount: Decimal = ZERO
    intermediate_reason: IntermediateReason | None = None
    reason: str = ""
    call_details: tuple[CallDetail, ...] = field(default=())
    direct_debit_date: date | None = None
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if not self.lines:
            raise UnableToIssueInvoice(f"{self.kind.label} {self.number} sans ligne")
        if len({line.vat_category for line in self.lines}) > 1:
            # BR-O-11…14: an invoice with a line outside the scope of VAT has no other category.
            raise UnableToIssueInvoice(
                "une facture hors champ de TVA ne porte aucune ligne soumise à la TVA (BR-O-11)"
            )
        if self.due_date is not None and self.due_date < self.issue_date:
            raise UnableToIssueInvoice("la date d'échéance précède la date de facture")
        if self.kind is InvoiceKind.CREDIT_NOTE and self.referenced_invoice is None:
            raise UnableToIssueInvoice("un avoir doit référencer la facture corrigée (R-INV-3)")
        if self.prepaid_amount < 0 or self.prepaid_amount > self.total_incl_vat:
            raise UnableToIssueInvoice("acompte déduit incohérent avec le total de la facture")

    @property
    def type_code(self) -> str:
        return self.kind.type_code

    @property
    def outside_vat_scope(self) -> bool:
        """Only lines outside the scope of VAT (category O): no VAT identifier is exchanged
        in the e-invoice (BR-O-02), no rate, no tax."""
        return all(line.vat_category is VatCategory.OUTSIDE_SCOPE for line in self.lines)

    @property
    def total_excl_vat(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def vat(self) -> tuple[VatBreakdown, ...]:
        return vat_breakdown(lines=self.lines)

    @property
    def total_vat(self) -> Decimal:
        return sum((rate.tax for rate in self.vat), ZERO)

    @property
    def total_incl_vat(self) -> Decimal:
        return self.total_excl_vat + self.total_vat

    @property
    def amount_due(self) -> Decimal:
        return self.total_incl_vat - self.prepaid_amount

    @property
    def business_process(self) -> str:
        """French billing framework (BT-23): B goods, S services, M both; 4 after a deposit."""
        goods = {line.category.is_goods for line in self.lines}
        letter = "M" if goods == {True, False} else ("B" if goods == {True} else "S")
        return f"{letter}4" if self.kind is InvoiceKind.BALANCE else f"{letter}1"

    @property
    def operation_category(self) -> str:
        """The nature of the operation, a mention of the French e-invoicing reform."""
        return {
            "S": "Prestations de services",
            "B": "Livraisons de biens",
            "M": "Livraisons de biens et prestations de services",
        }[self.business_process[0]]

    @property
    def title(self) -> str:
        return self.kind.label


def due_date_for(
    *, kind: InvoiceKind, issue_date: date, terms: Terms, payment_terms_days: int | None = None
) -> date | None:
    """The due date (R-INV-4): intermediate invoices are payable on receipt (R-INV-5); others
    after `payment_terms_days` (terms file default), never beyond `max_payment_terms_days`;
    a credit note has none."""
    if kind is InvoiceKind.CREDIT_NOTE:
        return None
    if kind is InvoiceKind.INTERMEDIATE:
        return issue_date
    days = terms.invoicing.payment_terms_days if payment_terms_days is None else payment_terms_days
    if not 0 <= days <= terms.invoicing.max_payment_terms_days:
        raise UnableToIssueInvoice(
            f"délai de paiement de {days} jours hors de 0 à "
            f"{terms.invoicing.max_payment_terms_days} jours (L441-10)"
        )
    return issue_date + timedelta(days=days)


def is_unusual_consumption(
    *, month_amount: Decimal, previous_months: Sequence[Decimal], terms: Terms
) -> bool:
    """R-INV-5: the month's usage (excl. VAT) is at least `unusual_consumption_ratio` × the
    average of the previous months and at least `unusual_consumption_floor`. With no history,
    the floor alone decides (a new line has no average to compare with)."""
    invoicing = terms.invoicing
    if month_amount < invoicing.unusual_consumption_floor:
        return False
    if not previous_months:
        return True
    average = sum(previous_months, ZERO) / len(previous_months)
    return month_amount >= invoicing.unusual_consumption_ratio * average


def _document(
    *,
    kind: InvoiceKind,
    number: str,
    issue_date: date,
    buyer: Buyer,
    lines: Sequence[InvoiceLine],
    payment: PaymentMeans,
    terms: Terms,
    payment_terms_days: int | None = None,
    delivery_date: date | None = None,
    billing_period: Period | None = None,
    referenced_invoice: InvoiceReference | None = None,
    prepaid_amount: Decimal = ZERO,
    intermediate_reason: IntermediateReason | None = None,
    reason: str = "",
    call_details: tuple[CallDetail, ...] = (),
) -> InvoiceDocument:
    if kind is not InvoiceKind.CREDIT_NOTE:
        # R-INV-2: the VAT rate is the one in force on the invoice date. A credit note gives
        # back the VAT its invoice charged, at that invoice's rate.
        expected = terms.invoicing.vat_rate_on(day=issue_date)
        wrong = [
            line.label
            for line in lines
            if line.vat_category is VatCategory.STANDARD and line.vat_rate != expected
        ]
        if wrong:
            raise UnableToIssueInvoice(
                f"taux de TVA différent de celui en vigueur le {issue_date:%d/%m/%Y} "
                f"({expected}) : {wrong[0]}"
            )
    due_date = due_date_for(
        kind=kind, issue_date=issue_date, terms=terms, payment_terms_days=payment_terms_days
    )
    debit_date = None
    if payment.method is PaymentMethod.SEPA_DIRECT_DEBIT and due_date is not None:
        # R-PAY-1: the invoice is the debit's pre-notification, sent the days ahead that the
        # SEPA rules ask; an invoice payable on receipt is debited once that delay has run.
        earliest = issue_date + timedelta(days=terms.payments.sepa_prenotification_days)
        debit_date = max(due_date, earliest)
    return InvoiceDocument(
        kind=kind,
        number=number,
        issue_date=issue_date,
        seller=SellerIdentity.from_terms(seller=terms.seller),
        buyer=buyer,
        lines=tuple(lines),
        payment=payment,
        notes=LegalNotes.from_terms(terms=terms),
        due_date=due_date,
        delivery_date=delivery_date,
        billing_period=billing_period,
        referenced_invoice=referenced_invoice,
        prepaid_amount=prepaid_amount,
        intermediate_reason=intermediate_reason,
        reason=reason,
        call_details=call_details,
        direct_debit_date=debit_date,
    )


def monthly_invoice(
    *,
    number: str,
    issue_date: date,
    period: Month,
    buyer: Buyer,
    lines: Sequence[InvoiceLine],
    payment: PaymentMeans,
    terms: Terms,
    call_details: Iterable[CallDetail] = (),
    payment_terms_days: int | None = None,
) -> InvoiceDocument:
    """The monthly invoice of `period` (R-INV-1): usage of `period`, subscriptions of the
    month after. Emergency calls are dropped from the annex (R-DEST-2)."""
    if issue_date < period.next().first_day:
        raise UnableToIssueInvoice(
            f"la facture de {month_label(month=period)} s'émet une fois le mois écoulé"
        )
    covered = Period(period.first_day, period.next().next().first_day)
    return _document(
        kind=InvoiceKind.MONTHLY,
        number=number,
        issue_date=issue_date,
        buyer=buyer,
        lines=lines,
        payment=payment,
        terms=terms,
        payment_terms_days=payment_terms_days,
        billing_period=covered,
        call_details=_shown_calls(call_details, terms),
    )


def _shown_calls(calls: Iterable[CallDetail], terms: Terms) -> tuple[CallDetail, ...]:
    return tuple(
        sorted(
            (
                call
                for call in calls
                if call.billable_s > 0
                and not is_emergency_number(callee=call.callee, rating=terms.rating)
            ),
            key=lambda call: (call.line, call.started_at),
        )
    )


def deposit_invoice(
    *,
    number: str,
    issue_date: date,
    buyer: Buyer,
    order_ref: str,
    one_off_total: Decimal,
    payment: PaymentMeans,
    terms: Terms,
) -> InvoiceDocument:
    """The deposit invoice of an order: `deposit_share` (30 %) of its one-off total (R-ORD-2),
    payable at order (CGV art. 10), type 386."""
    line = deposit_line(
        order_ref=order_ref,
        one_off_total=one_off_total,
        deposit_share=terms.orders.deposit_share,
        vat_rate=terms.invoicing.vat_rate_on(day=issue_date),
    )
    return _document(
        kind=InvoiceKind.DEPOSIT,
        number=number,
        issue_date=issue_date,
        buyer=buyer,
        lines=[line],
        payment=payment,
        terms=terms,
        payment_terms_days=0,
        reason=f"Acompte à la commande {order_ref} (art. 10 des CGV)",
    )


def balance_invoice(
    *,
    number: str,
    issue_date: date,
    delivery_date: date,
    buyer: Buyer,
    order_ref: str,
    lines: Sequence[InvoiceLine],
    deposit: InvoiceDocument,
    payment: PaymentMeans,
    terms: Terms,
) -> InvoiceDocument:
    """The balance invoice after delivery (R-ORD-2): the order's one-off lines in full, less the
    deposit invoiced (incl. VAT, EN 16931 BT-113), framework S4/M4 referencing the deposit;
    payable on receipt (CGV art. 10: "solde à réception de facture après mise à disposition")."""
    if deposit.kind is not InvoiceKind.DEPOSIT:
        raise UnableToIssueInvoice(f"{deposit.number} n'est pas une facture d'acompte")
    if any(line.category in (LineCategory.SUBSCRIPTION, LineCategory.USAGE) for line in lines):
        raise UnableToIssueInvoice("le solde ne porte que sur les montants ponctuels")
    return _document(
        kind=InvoiceKind.BALANCE,
        number=number,
        issue_date=issue_date,
        buyer=buyer,
        lines=lines,
        payment=payment,
        terms=terms,
        payment_terms_days=0,
        delivery_date=delivery_date,
        referenced_invoice=InvoiceReference(
            number=deposit.number, issue_date=deposit.issue_date, type_code=deposit.type_code
        ),
        prepaid_amount=deposit.total_incl_vat,
        reason=f"Solde de la commande {order_ref} après mise en service",
    )


def intermediate_invoice(
    *,
    number: str,
    issue_date: date,
    buyer: Buyer,
    lines: Sequence[InvoiceLine],
    reason: IntermediateReason,
    payment: PaymentMeans,
    terms: Terms,
    call_details: Iterable[CallDetail] = (),
) -> InvoiceDocument:
    """An intermediate invoice, payable on receipt (R-INV-5)."""
    return _document(
        kind=InvoiceKind.INTERMEDIATE,
        number=number,
        issue_date=issue_date,
        buyer=buyer,
        lines=lines,
        payment=payment,
        terms=terms,
        payment_terms_days=None,
        intermediate_reason=reason,
        reason=f"Facture intermédiaire émise en cours de mois : {reason.label} (art. 7 des CGV)",
        call_details=_shown_calls(call_details, terms),
    )


def credit_note(
    *,
    number: str,
    issue_date: date,
    credited: InvoiceReference,
    buyer: Buyer,
    lines: Sequence[InvoiceLine],
    reason: str,
    payment: PaymentMeans,
    terms: Terms,
) -> InvoiceDocument:
    """A credit note correcting an issued invoice, which it references by number and date
    (R-INV-3, R-PAY-2). Amounts are positive; the type (381) carries the sign."""
    if not reason.strip():
        raise UnableToIssueInvoice("un avoir indique son motif")
    if credited.issue_date > issue_date:
        raise UnableToIssueInvoice("un avoir ne peut précéder la facture qu'il corrige")
    return _document(
        kind=InvoiceKind.CREDIT_NOTE,
        number=number,
        issue_date=issue_date,
        buyer=buyer,
        lines=lines,
        payment=payment,
        terms=terms,
        payment_terms_days=None,
        referenced_invoice=credited,
        reason=reason,
    )


def full_credit_note(
    *, number: str, issue_date: date, invoice: InvoiceDocument, reason: str, terms: Terms
) -> InvoiceDocument:
    """A credit note cancelling a whole invoice: its lines, at the VAT rates it charged."""
    lines = [
        InvoiceLine(
            label=line.label,
            category=line.category,
            quantity=line.quantity,
            unit_code=line.unit_code,
            unit_price=line.unit_price,
            base_quantity=line.base_quantity,
            vat_rate=line.vat_rate,
            period=line.period,
            service_ref=line.service_ref,
            vat_category=line.vat_category,
        )
        for line in invoice.lines
    ]
    return credit_note(
        number=number,
        issue_date=issue_date,
        credited=InvoiceReference(
            number=invoice.number, issue_date=invoice.issue_date, type_code=invoice.type_code
        ),
        buyer=invoice.buyer,
        lines=lines,
        reason=reason,
        payment=invoice.payment,
        terms=terms,
    )


@dataclass(frozen=True)
class LateCharge:
    """A penalty or indemnity of a late invoice, as billing receives it from payments."""

    late_invoice_number: str
    label: str
    amount: Decimal
    detail: str = ""


def late_charges_invoice(
    *,
    number: str,
    issue_date: date,
    buyer: Buyer,
    charges: Sequence[LateCharge],
    payment: PaymentMeans,
    terms: Terms,
) -> InvoiceDocument:
    """The invoice of late-payment penalties (L441-10) and recovery indemnities (D441-5;
    R-PAY-3): its own invoice, intermediate and payable on receipt, with only lines outside
    the scope of VAT (EN 16931 category O, BR-O-11), never mixed with a taxed line."""
    if not charges:
        raise UnableToIssueInvoice("aucune pénalité ni indemnité à facturer")
    lines = [
        late_charge_line(
            label=charge.label,
            amount=charge.amount,
            late_invoice_number=charge.late_invoice_number,
            detail=charge.detail,
        )
        for charge in charges
    ]
    return _document(
        kind=InvoiceKind.INTERMEDIATE,
        number=number,
        issue_date=issue_date,
        buyer=buyer,
        lines=lines,
        payment=payment,
        terms=terms,
        intermediate_reason=IntermediateReason.LATE_CHARGES,
        reason=(
            "Pénalités de retard et indemnité forfaitaire pour frais de recouvrement "
            "(art. L441-10 et D441-5 du Code de commerce), hors champ d'application de la TVA"
        ),
    )
