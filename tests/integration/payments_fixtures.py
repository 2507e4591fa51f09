"""Builders for the payments tests: a customer with a mandate and services, invoices to collect,
and camt.054 notifications written as a French bank sends them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from syres.billing import services as billing_services
from syres.contracts import services as contract_services
from syres.customers import services as customer_services
from syres.domain import billing as rules
from syres.domain.periods import Month
from syres.payments import services as payments_services
from syres.terms import load_terms
from tests.integration.customers_fixtures import at

SYRES_IBAN = "FR7630006000011234567890189"


def ftto(customer: Any, *, source: str = "service:ftto") -> Any:
    return contract_services.record_delivered_service(
        customer=customer,
        kind="internet_access",
        product_code="FTTO-100M",
        label="Fibre FTTO 100 Mb/s garantis, GTR 4 h",
        monthly_fee=Decimal("390.00"),
        technology="ftto",
        delivery_date=date(2026, 1, 15),
        commitment_months=36,
        source_ref=source,
        at=at(2026, 1, 15),
    )


def trunk(customer: Any, *, source: str = "service:trunk") -> Any:
    return contract_services.record_delivered_service(
        customer=customer,
        kind="sip_trunk",
        product_code="TRUNK-SEWAN",
        label="Trunk SIP SEWAN, 4 canaux",
        quantity=4,
        monthly_fee=Decimal("48.00"),
        platform="sewan",
        delivery_date=date(2026, 2, 1),
        commitment_months=12,
        source_ref=source,
        at=at(2026, 2, 1),
    )


def mandate(customer: Any, by: Any, *, reference: str = "SYRES-RUM-000042") -> Any:
    return customer_services.record_sepa_mandate(
        customer=customer,
        reference=reference,
        signature_date=date(2026, 1, 10),
        by=by,
        at=at(2026, 1, 10),
    )


def invoice(
    customer: Any,
    excl_vat: str,
    *,
    issue_date: date = date(2026, 10, 1),
    service: Any | None = None,
) -> Any:
    """A monthly invoice issued by billing (period: the month before `issue_date`), one line of
    `excl_vat` (VAT at 20 %: 500.00 gives 600.00), due 30 days after it is issued."""
    terms = load_terms()
    period = Month.of(issue_date).previous()
    line = rules.one_off_line(
        label="Frais de mise en service",
        category=rules.LineCategory.ACCESS_FEE,
        unit_price=Decimal(excl_vat),
        vat_rate=terms.invoicing.vat_rate_on(day=issue_date),
        service_ref=f"service:{service.pk}" if service is not None else "",
    )
    return billing_services.issue_document(
        customer=customer,
        kind=rules.InvoiceKind.MONTHLY,
        issue_date=issue_date,
        source=f"test:{period}",
        period=str(period),
        build=lambda number: rules.monthly_invoice(
            number=number,
            issue_date=issue_date,
            period=period,
            buyer=billing_services.buyer_of(customer),
            lines=[line],
            payment=billing_services.payment_of(customer, terms=terms),
            terms=terms,
        ),
        terms=terms,
        at=at(issue_date.year, issue_date.month, issue_date.day),
    )


@dataclass(frozen=True)
class Entry:
    amount: str
    remittance: str = ""
    end_to_end: str = "NOTPROVIDED"
    direction: str = "CRDT"
    family: str = "RCDT"
    subfamily: str = "ESCT"
    return_reason: str | None = None
    booked_on: date = date(2026, 12, 10)


def camt054(entries: list[Entry], *, ident: str = "C54-20261210-1") -> bytes:
    """A camt.054.001.08 notification of the SYRES account holding `entries`."""
    parts = []
    for entry in entries:
        returned = (
            f"<RtrInf><Rsn><Cd>{entry.return_reason}</Cd></Rsn></RtrInf>"
            if entry.return_reason
            else ""
        )
        party = "Dbtr" if entry.direction == "CRDT" or entry.return_reason else "Cdtr"
        parts.append(
            f"""<Ntry><Amt Ccy="EUR">{entry.amount}</Amt><CdtDbtInd>{entry.direction}</CdtDbtInd>
<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{entry.booked_on.isoformat()}</Dt></BookgDt>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{entry.family}</Cd><SubFmlyCd>{entry.subfamily}</SubFmlyCd>
</Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>{entry.end_to_end}</EndToEndId></Refs>
<Amt Ccy="EUR">{entry.amount}</Amt><CdtDbtInd>{entry.direction}</CdtDbtInd>
<RltdPties><{party}><Pty><Nm>TOTALENERGIES SE</Nm></Pty></{party}></RltdPties>
<RmtInf><Ustrd>{entry.remittance}</Ustrd></RmtInf>{returned}</TxDtls></NtryDtls></Ntry>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>{ident}</MsgId><CreDtTm>2026-12-10T18:05:44Z</CreDtTm>
</GrpHdr><Ntfctn><Id>{ident}-1</Id><CreDtTm>2026-12-10T18:05:44Z</CreDtTm>
<Acct><Id><IBAN>{SYRES_IBAN}</IBAN></Id></Acct>{"".join(parts)}</Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>""".encode()


def transfer(
    customer: Any,
    amount: str,
    *,
    on: date,
    by: Any,
    reference: str = "",
    target_invoice: str | None = None,
) -> Any:
    """A transfer received on `on`, recorded by staff that day (R-PAY-1)."""
    return payments_services.record_payment(
        customer=customer,
        method="transfer",
        amount=Decimal(amount),
        received_on=on,
        reference=reference,
        target_invoice=target_invoice,
        by=by,
        at=at(on.year, on.month, on.day),
    )
