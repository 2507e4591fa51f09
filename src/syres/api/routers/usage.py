"""`/v1/usage`: import a month's usage files (SPEC §12), rated at once; rated summaries."""

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from syres.api.auth import TokenAuth
from syres.api.routers.ids import MonthText, QueryId
from syres.contracts import selectors as contracts
from syres.customers import selectors as customers
from syres.domain.periods import Month
from syres.terms import load_terms
from syres.usage import selectors as usage
from syres.usage.services import UnableToImportUsage, import_usage

router = Router(tags=["consommations"])


class ImportOut(Schema):
    period: str
    new_records: int
    already_imported: int
    rejected: int
    rated: int
    line_months: int


class LineMonthOut(Schema):
    line: str
    period: str
    platform: str
    channels: int
    outgoing_calls: int
    outgoing_seconds: int
    distinct_numbers: int
    limit_seconds: int
    limit_numbers: int
    breaches: str
    call_centre_flag: bool
    billable_minutes: int
    billable_sms: int
    billable_mb: int
    sms: int
    data_bytes: int
    amount_voice: Decimal
    amount_sms: Decimal
    amount_data: Decimal
    amount_beyond: Decimal
    amount_if_retroactive: Decimal


@router.post(
    "/usage/imports",
    response=ImportOut,
    auth=[TokenAuth("usage:write")],
    summary="Importer des fichiers de consommation d'un mois (SPEC §12), valorisés aussitôt",
)
def import_files(
    request: HttpRequest,
    month: Annotated[str, Form(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")],
    files: Annotated[list[UploadedFile], File()],
) -> ImportOut:
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, upload in enumerate(files):
            name = Path(upload.name or "").name or f"usage-{index}.csv"
            path = Path(folder) / f"{index:03d}-{name}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            paths.append(path)
        try:
            report = import_usage(
                month=Month.parse(month),
                paths=paths,
                terms=load_terms(),
                rated_at=timezone.now(),
            )
        except UnableToImportUsage as error:
            raise HttpError(422, error.reason) from error
    return ImportOut(
        period=report.period,
        new_records=report.new_records,
        already_imported=report.already_imported,
        rejected=report.rejected,
        rated=report.rated,
        line_months=report.line_months,
    )


@router.get(
    "/usage/{period}/lines",
    response=list[LineMonthOut],
    auth=[TokenAuth("usage:read")],
    summary="Le récapitulatif valorisé de chaque ligne pour un mois (R-SIP-6, R-SIP-7)",
)
@paginate(LimitOffsetPagination)
def rated_summary(
    request: HttpRequest, period: MonthText, customer_id: QueryId | None = None
) -> list[LineMonthOut]:
    rows = usage.line_months(period=period)
    if customer_id is not None:
        customer = customers.get_customer(customer_id)
        rows = rows.filter(line__identifier__in=contracts.usage_lines_of(customer).values())
    return [
        LineMonthOut(
            line=row.line.identifier,
            period=row.period,
            platform=row.platform,
            channels=row.channels,
            outgoing_calls=row.outgoing_calls,
            outgoing_seconds=row.outgoing_seconds,
            distinct_numbers=row.distinct_numbers,
            limit_seconds=row.limit_seconds,
            limit_numbers=row.limit_numbers,
            breaches=row.breaches,
            call_centre_flag=row.call_centre_flag,
            billable_minutes=row.billable_minutes,
            billable_sms=row.billable_sms,
            billable_mb=row.billable_mb,
            sms=row.sms,
            data_bytes=row.data_bytes,
            amount_voice=row.amount_voice,
            amount_sms=row.amount_sms,
            amount_data=row.amount_data,
            amount_beyond=row.amount_beyond,
            amount_if_retroactive=row.amount_if_retroactive,
        )
        for row in rows
    ]
