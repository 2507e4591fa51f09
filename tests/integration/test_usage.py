"""The usage app: monthly import into Parquet detail and per-line aggregates, purge (R-DATA-3)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.test import Client

from syres.domain.periods import PARIS, Month
from syres.terms import load_terms
from syres.usage.selectors import line_month, line_months, rated_detail, usage_period
from syres.usage.services import (
    INPUT_VOICE,
    ImportReport,
    UnableToImportUsage,
    import_lines,
    import_usage,
    purge_usage_detail,
    save_line,
)

pytestmark = pytest.mark.django_db
MARCH = Month(2026, 3)
NOW = datetime(2026, 4, 2, 9, 0, tzinfo=PARIS)
HEADER = "call_id,line,start,duration_s,caller,callee,direction,forwarded\n"


def voice_file(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def calls(first: int, count: int, *, line: str = "T1", seconds: int = 61) -> list[str]:
    return [
        f"c{i},{line},2026-03-{2 + i // 500:02d}T09:{i % 60:02d}:00+01:00,{seconds},"
        f"0565000000,01{i:08d},out,0"
        for i in range(first, first + count)
    ]


def do_import(tmp_path: Path, *paths: Path) -> ImportReport:
    return import_usage(
        month=MARCH, paths=list(paths), terms=load_terms(), rated_at=NOW, data_dir=tmp_path / "data"
    )


def test_an_import_stores_detail_and_the_monthly_aggregates_invoicing_reads(tmp_path: Path) -> None:
    save_line(identifier="T1", platform="wazo", channels=1, label="Siège")
    report = do_import(tmp_path, voice_file(tmp_path, "a.csv", calls(0, 200)))

    month = line_month(identifier="T1", period="2026-03")
    assert month is not None
    assert (month.outgoing_calls, month.distinct_numbers, month.limit_numbers) == (200, 200, 199)
    assert month.breaches == "over_numbers"
    assert month.amount_beyond == Decimal("0.04")  # the 200th number: 2 started minutes × 0.02
    assert month.amount_if_retroactive == Decimal("8")  # R-SIP-6: every call, 2 minutes
    assert month.billable_minutes == 2
    detail = rated_detail(period="2026-03", identifier="T1", data_dir=tmp_path / "data")
    assert detail is not None
    assert detail.height == 200
    assert report.rated == 200


def test_importing_the_same_file_twice_rates_nothing_twice(tmp_path: Path) -> None:
    save_line(identifier="T1", platform="sewan", channels=1)
    path = voice_file(tmp_path, "a.csv", calls(0, 50))
    do_import(tmp_path, path)
    first = line_month(identifier="T1", period="2026-03")
    again = do_import(tmp_path, path)
    second = line_month(identifier="T1", period="2026-03")
    assert again.already_imported == 50
    assert again.new_records == 0
    assert first is not None
    assert second is not None
    assert (second.outgoing_calls, second.amount_beyond) == (
        first.outgoing_calls,
        first.amount_beyond,
    )
    assert line_months(period="2026-03").count() == 1


def test_a_month_stored_by_an_earlier_release_takes_a_second_file(tmp_path: Path) -> None:
    """A month's stored records in the types an earlier release wrote (a call's direction as
    text, before it was a category) are merged with a new file's, not refused."""
    save_line(identifier="T1", platform="wazo", channels=1)
    do_import(tmp_path, voice_file(tmp_path, "a.csv", calls(0, 150)))
    stored = tmp_path / "data" / "usage" / "2026-03" / INPUT_VOICE
    earlier = pl.read_parquet(stored)
    earlier.with_columns(pl.col("direction").cast(pl.String)).write_parquet(stored)
    report = do_import(tmp_path, voice_file(tmp_path, "b.csv", calls(150, 60)))
    assert report.new_records == 60
    month = line_month(identifier="T1", period="2026-03")
    assert month is not None
    assert month.outgoing_calls == 210


def test_a_second_file_adds_to_the_month_and_the_limits_count_on_both(tmp_path: Path) -> None:
    save_line(identifier="T1", platform="wazo", channels=1)
    do_import(tmp_path, voice_file(tmp_path, "a.csv", calls(0, 150)))
    do_import(tmp_path, voice_file(tmp_path, "b.csv", calls(150, 60)))
    month = line_month(identifier="T1", period="2026-03")
    assert month is not None
    assert month.outgoing_calls == 210
    assert month.distinct_numbers == 210
    assert month.billable_minutes == 22  # 11 numbers beyond 199, 2 minutes each


def test_records_outside_the_month_are_rejected_with_a_reason(tmp_path: Path) -> None:
    save_line(identifier="T1", platform="sewan", channels=1)
    april = "x1,T1,2026-04-01T00:30:00+02:00,60,0565000000,0145678912,out,0"
    report = do_import(tmp_path, voice_file(tmp_path, "a.csv", [*calls(0, 3), april]))
    assert report.rejected == 1
    text = (tmp_path / "data" / "usage" / "2026-03" / "rejected.csv").read_text(encoding="utf-8")
    assert "hors du mois 2026-03" in text


def test_purge_removes_old_detail_and_keeps_aggregates_r_data_3(tmp_path: Path) -> None:
    save_line(identifier="T1", platform="sewan", channels=1)
    do_import(tmp_path, voice_file(tmp_path, "a.csv", calls(0, 5)))
    terms = load_terms()
    data = tmp_path / "data"
    keep = terms.retention.usage_detail_months
    assert keep == 12
    # March 2026 ends 1 April 2026: its detail is kept until 1 April 2027.
    assert (
        purge_usage_detail(as_of=date(2027, 3, 31), terms=terms, purged_at=NOW, data_dir=data) == []
    )
    purged = purge_usage_detail(as_of=date(2027, 4, 1), terms=terms, purged_at=NOW, data_dir=data)
    assert purged == ["2026-03"]
    assert not (data / "usage" / "2026-03").exists()
    assert rated_detail(period="2026-03", identifier="T1", data_dir=data) is None
    assert line_month(identifier="T1", period="2026-03") is not None
    period = usage_period(period="2026-03")
    assert period is not None
    assert period.detail_purged_at == NOW
    with pytest.raises(UnableToImportUsage, match="purgé"):
        do_import(tmp_path, voice_file(tmp_path, "b.csv", calls(10, 1)))


def test_lines_are_imported_from_a_lines_file(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("line,platform,channels\nT1,sewan,2\nM1,mobile,1\n", encoding="utf-8")
    assert import_lines(path=path) == 2
    path.write_text("line,platform,channels\nT1,wazo,3\n", encoding="utf-8")
    import_lines(path=path)
    save_line(identifier="T1", platform="wazo", channels=3)
    with pytest.raises(UnableToImportUsage, match="plateforme inconnue"):
        save_line(identifier="T9", platform="orange", channels=1)


def test_staff_see_each_line_month_against_its_limits(admin_client: Client, tmp_path: Path) -> None:
    save_line(identifier="T1", platform="wazo", channels=1)
    do_import(tmp_path, voice_file(tmp_path, "a.csv", calls(0, 200)))
    response = admin_client.get("/admin/usage/linemonth/")
    assert response.status_code == 200
    assert "numéros distincts dépassés" in response.text
    assert "200 / 199" in response.text
    detail = admin_client.get(
        f"/admin/usage/linemonth/{line_month(identifier='T1', period='2026-03').pk}/change/"  # type: ignore[union-attr]
    )
    assert detail.status_code == 200
    assert "si rétroactif" in detail.text
