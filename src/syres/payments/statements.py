"""Bank statements: camt.053 (account statement) and camt.054 (debit/credit notification)
read into `syres.domain.payments.statements` objects (SPEC R-PAY-1).

Read: the received credit transfers with their remittance information, the collections of our
direct debits, the returned direct debits with their ISO reason code, and anything else the bank
booked (listed, never matched). Supported: camt.053.001.02 / .08 and camt.054.001.02 / .08, as
French banks send them. A file that is not one of these, or that breaks the structure syres
relies on (missing identifier, amount, date, account, unknown currency, entries that do not add
up to a batch or to the closing balance), is refused whole: `UnableToReadStatement` names the
file, the element and why. Entries not yet booked (status PDNG, INFO) are left out: only booked
money counts. Each statement carries its identifier so the import refuses one it already has.

Parsing uses the standard library's expat (2.4.1 or later resists entity expansion attacks;
external entities are never fetched) and a document type declaration is refused outright.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from syres.domain.money import ZERO, format_eur
from syres.domain.payments.statements import BankStatement, LineKind, StatementLine
from syres.domain.periods import PARIS

SUPPORTED = {
    "camt.053.001.02",
    "camt.053.001.08",
    "camt.054.001.02",
    "camt.054.001.08",
}
_NAMESPACE = re.compile(
    r"^\{urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.(\d{3}\.\d{2})\}Document$"
)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
# Families of ISO bank transaction codes (domain PMNT) seen from the creditor's account.
_ISSUED_DIRECT_DEBITS = "IDDT"
_RECEIVED_CREDIT_TRANSFERS = "RCDT"
_DEBIT_RETURN_SUBFAMILIES = {"UPDD", "PRDD", "RRTN"}


class UnableToReadStatement(Exception):
    """A statement file refused whole; names the file, the element and why."""

    def __init__(self, *, source: str, element: str, reason: str) -> None:
        self.source, self.element, self.reason = source, element, reason
        super().__init__(f"{source} : {element} : {reason}")


@dataclass
class _Node:
    """An element with the readable path staff see in an error (`Stmt[1]/Ntry[3]/Amt`)."""

    element: ET.Element
    path: str


class _Reader:
    def __init__(self, *, source: str, namespace: str) -> None:
        self.source = source
        self.ns = namespace

    def refuse(self, element: str, reason: str) -> UnableToReadStatement:
        return UnableToReadStatement(source=self.source, element=element, reason=reason)

    def _q(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))

    def all(self, node: _Node, name: str) -> Iterator[_Node]:
        for index, child in enumerate(node.element.findall(self._q(name)), start=1):
            yield _Node(child, f"{node.path}/{name}[{index}]")

    def find(self, node: _Node, path: str) -> _Node | None:
        found = node.element.find(self._q(path))
        return None if found is None else _Node(found, f"{node.path}/{path}")

    def need(self, node: _Node, path: str) -> _Node:
        found = self.find(node, path)
        if found is None:
            raise self.refuse(f"{node.path}/{path}", "élément obligatoire absent")
        return found

    def text(self, node: _Node, path: str) -> str | None:
        found = self.find(node, path)
        if found is None or found.element.text is None or not found.element.text.strip():
            return None
        return found.element.text.strip()

    def need_text(self, node: _Node, path: str) -> str:
        value = self.text(node, path)
        if value is None:
            raise self.refuse(f"{node.path}/{path}", "élément obligatoire absent ou vide")
        return value

    def first_text(self, node: _Node, *paths: str) -> str | None:
        for path in paths:
            value = self.text(node, path)
            if value is not None:
                return value
        return None

    def amount(self, node: _Node) -> Decimal:
        """An amount in euros (`Ccy="EUR"`), not negative, at most to the cent."""
        currency = node.element.get("Ccy")
        if currency != "EUR":
            raise self.refuse(node.path, f"devise {currency!r} non prise en charge (EUR seul)")
        raw = (node.element.text or "").strip()
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise self.refuse(node.path, f"montant illisible {raw!r}") from None
        if not value.is_finite() or value < ZERO or value != value.quantize(Decimal("0.01")):
            raise self.refuse(node.path, f"montant invalide {raw!r}")
        return value

    def day(self, node: _Node, path: str) -> date:
        """`…/Dt` or `…/DtTm` (date of the datetime)."""
        text = self.first_text(node, f"{path}/Dt", f"{path}/DtTm")
        if text is None:
            raise self.refuse(f"{node.path}/{path}", "date absente")
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise self.refuse(f"{node.path}/{path}", f"date invalide {text!r}") from None

    def moment(self, node: _Node, path: str) -> datetime:
        text = self.need_text(node, path)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise self.refuse(f"{node.path}/{path}", f"horodatage invalide {text!r}") from None
        # A bank that gives no offset writes its local time: for a French bank, Paris.
        return value if value.tzinfo else value.replace(tzinfo=PARIS)

    def indicator(self, node: _Node) -> Literal["credit", "debit"]:
        value = self.need_text(node, "CdtDbtInd")
        if value not in ("CRDT", "DBIT"):
            raise self.refuse(f"{node.path}/CdtDbtInd", f"sens {value!r} inconnu (CRDT/DBIT)")
        return "credit" if value == "CRDT" else "debit"


def read_statement_file(path: Path) -> tuple[BankStatement, ...]:
    """Read a camt.053 / camt.054 file; refused whole with the reason if it is malformed."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnableToReadStatement(
            source=path.name, element="(fichier)", reason=str(error)
        ) from error
    return parse_statement(data, source=path.name)


def parse_statement(data: bytes, *, source: str) -> tuple[BankStatement, ...]:
    """The statements (camt.053) or notifications (camt.054) of a file, in file order."""
    if _DOCTYPE.search(data):
        raise UnableToReadStatement(
            source=source, element="(document)", reason="déclaration DOCTYPE interdite"
        )
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DOCTYPE (checked above), expat >= 2.4.1
    except ET.ParseError as error:
        raise UnableToReadStatement(
            source=source, element="(document)", reason=f"XML mal formé ({error})"
        ) from error
    match = _NAMESPACE.match(root.tag)
    if not match or f"{match.group(1)}.{match.group(2)}" not in SUPPORTED:
        raise UnableToReadStatement(
            source=source,
            element=root.tag,
            reason="ni camt.053 ni camt.054 en version 001.02 ou 001.08",
        )
    message_type: Literal["camt.053", "camt.054"] = (
        "camt.053" if match.group(1) == "camt.053" else "camt.054"
    )
    version = match.group(2)
    reader = _Reader(source=source, namespace=root.tag[1:].split("}")[0])
    document = _Node(root, "Document")
    body_name, report_name = (
        ("BkToCstmrStmt", "Stmt")
        if message_type == "camt.053"
        else ("BkToCstmrDbtCdtNtfctn", "Ntfctn")
    )
    body = reader.need(document, body_name)
    message_id = reader.need_text(body, "GrpHdr/MsgId")
    reader.moment(body, "GrpHdr/CreDtTm")
    reports = list(reader.all(body, report_name))
    if not reports:
        raise reader.refuse(f"{body.path}/{report_name}", "aucun relevé dans le fichier")
    statements = tuple(
        _statement(
            reader, report, message_type=message_type, version=version, message_id=message_id
        )
        for report in reports
    )
    identifiers = [statement.identifier for statement in statements]
    if len(set(identifiers)) != len(identifiers):
        raise reader.refuse(body.path, "deux relevés du fichier portent le même identifiant")
    return statements


def _statement(
    reader: _Reader,
    report: _Node,
    *,
    message_type: Literal["camt.053", "camt.054"],
    version: str,
    message_id: str,
) -> BankStatement:
    statement_id = reader.need_text(report, "Id")
    created_at = reader.moment(report, "CreDtTm")
    iban = reader.text(report, "Acct/Id/IBAN")
    if iban is None:
        raise reader.refuse(f"{report.path}/Acct/Id/IBAN", "compte sans IBAN")
    currency = reader.text(report, "Acct/Ccy")
    if currency not in (None, "EUR"):
        raise reader.refuse(f"{report.path}/Acct/Ccy", f"compte en {currency} (EUR seul)")
    lines: list[StatementLine] = []
    booked: dict[str, Decimal] = {"credit": ZERO, "debit": ZERO}
    for number, entry in enumerate(reader.all(report, "Ntry"), start=1):
        entry_lines = _entry_lines(reader, entry, number=number)
        for line in entry_lines:
            booked[line.direction] += line.amount
        lines.extend(entry_lines)
    if message_type == "camt.053":
        _check_balances(reader, report, credits=booked["credit"], debits=booked["debit"])
    return BankStatement(
        message_type=message_type,
        version=version,
        message_id=message_id,
        statement_id=statement_id,
        account_iban=iban.replace(" ", ""),
        created_at=created_at,
        lines=tuple(lines),
    )


def _check_balances(reader: _Reader, report: _Node, *, credits: Decimal, debits: Decimal) -> None:
    """Opening booked balance + booked credits − booked debits = closing booked balance."""
    balances: dict[str, Decimal] = {}
    for balance in reader.all(report, "Bal"):
        code = reader.first_text(balance, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        amount = reader.amount(reader.need(balance, "Amt"))
        sign = 1 if reader.indicator(balance) == "credit" else -1
        if code in ("OPBD", "PRCD", "CLBD") and code not in balances:
            balances[code] = sign * amount
    opening = balances.get("OPBD", balances.get("PRCD"))
    closing = balances.get("CLBD")
    if opening is None or closing is None:
        raise reader.refuse(
            f"{report.path}/Bal", "soldes d'ouverture (OPBD/PRCD) et de clôture (CLBD) requis"
        )
    if opening + credits - debits != closing:
        raise reader.refuse(
            f"{report.path}/Bal",
            f"soldes incohérents : {format_eur(opening)} + {format_eur(credits)} − "
            f"{format_eur(debits)} ≠ {format_eur(closing)}",
        )


def _entry_lines(reader: _Reader, entry: _Node, *, number: int) -> list[StatementLine]:
    status = reader.first_text(entry, "Sts/Cd", "Sts")
    if status is None:
        raise reader.refuse(f"{entry.path}/Sts", "statut de l'écriture absent")
    if status != "BOOK":
        return []
    amount = reader.amount(reader.need(entry, "Amt"))
    direction = reader.indicator(entry)
    booking_date = reader.day(entry, "BookgDt")
    value_date = reader.day(entry, "ValDt") if reader.find(entry, "ValDt") is not None else None
    reversal = reader.text(entry, "RvslInd") == "true"
    entry_code = _bank_code(reader, entry)
    entry_info = reader.text(entry, "AddtlNtryInf") or ""
    details = [d for block in reader.all(entry, "NtryDtls") for d in reader.all(block, "TxDtls")]
    if len(details) > 1:
        amounts = [_detail_amount(reader, detail) for detail in details]
        missing = [d.path for d, a in zip(details, amounts, strict=True) if a is None]
        if missing:
            raise reader.refuse(
                missing[0], "montant de transaction absent dans une écriture groupée"
            )
        total = sum((a for a in amounts if a is not None), ZERO)
        if total != amount:
            raise reader.refuse(
                entry.path,
                f"les transactions ({format_eur(total)}) ne font pas le montant de l'écriture "
                f"({format_eur(amount)})",
            )
    lines = []
    for index, detail in enumerate(details or [None], start=1):
        line_amount = amount
        if detail is not None and len(details) > 1:
            line_amount = _detail_amount(reader, detail) or amount
        code = (_bank_code(reader, detail) if detail is not None else None) or entry_code
        end_to_end = reader.text(detail, "Refs/EndToEndId") if detail is not None else None
        if end_to_end == "NOTPROVIDED":
            end_to_end = None
        remittance = entry_info
        name = iban = reason = None
        if detail is not None:
            parts = [
                *(n.element.text or "" for n in reader.all(detail, "RmtInf/Ustrd")),
                *(
                    reader.text(s, "CdtrRefInf/Ref") or ""
                    for s in reader.all(detail, "RmtInf/Strd")
                ),
                reader.text(detail, "AddtlTxInf") or "",
                entry_info,
            ]
            remittance = " ".join(part.strip() for part in parts if part and part.strip())
            party = "Dbtr" if direction == "credit" or reader.find(detail, "RtrInf") else "Cdtr"
            name = reader.first_text(detail, f"RltdPties/{party}/Nm", f"RltdPties/{party}/Pty/Nm")
            iban = reader.text(detail, f"RltdPties/{party}Acct/Id/IBAN")
            reason = reader.text(detail, "RtrInf/Rsn/Cd")
        kind = _kind(direction=direction, code=code, returned=reason is not None, reversal=reversal)
        lines.append(
            StatementLine(
                line_ref=f"{number}" if len(details) <= 1 else f"{number}.{index}",
                kind=kind,
                direction=direction,
                amount=line_amount,
                booking_date=booking_date,
                value_date=value_date,
                end_to_end_id=end_to_end,
                remittance=remittance,
                counterparty_name=name,
                counterparty_iban=iban.replace(" ", "") if iban else None,
                return_reason_code=reason,
                bank_transaction_code=code or "?",
            )
        )
    return lines


def _detail_amount(reader: _Reader, detail: _Node) -> Decimal | None:
    # camt.05x.001.08 gives TxDtls/Amt; 001.02 only AmtDtls (transaction or instructed amount).
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        node = reader.find(detail, path)
        if node is not None:
            return reader.amount(node)
    return None


def _bank_code(reader: _Reader, node: _Node) -> str | None:
    domain = reader.text(node, "BkTxCd/Domn/Cd")
    if domain is None:
        proprietary = reader.text(node, "BkTxCd/Prtry/Cd")
        return f"Prtry:{proprietary}" if proprietary else None
    family = reader.text(node, "BkTxCd/Domn/Fmly/Cd") or "?"
    subfamily = reader.text(node, "BkTxCd/Domn/Fmly/SubFmlyCd") or "?"
    return f"{domain}/{family}/{subfamily}"


def _kind(
    *, direction: Literal["credit", "debit"], code: str | None, returned: bool, reversal: bool
) -> LineKind:
    parts = (code or "").split("/")
    family = parts[1] if len(parts) == 3 and parts[0] == "PMNT" else None
    subfamily = parts[2] if family else None
    if direction == "debit":
        if returned or (family == _ISSUED_DIRECT_DEBITS and subfamily in _DEBIT_RETURN_SUBFAMILIES):
            return LineKind.DEBIT_RETURNED
        return LineKind.OTHER
    if reversal:
        return LineKind.OTHER
    if family == _ISSUED_DIRECT_DEBITS:
        return LineKind.DEBIT_COLLECTED
    # Money in without an ISO domain code (a bank's own code only) is treated as a transfer:
    # it is matched by reference or amount like one, or left over for staff.
    if family == _RECEIVED_CREDIT_TRANSFERS or not code or code.startswith("Prtry:"):
        return LineKind.TRANSFER_RECEIVED
    return LineKind.OTHER
