"""Benchmark of the monthly billing run (issue 7): invoices/s, PDF step, peak memory.

Creates a fresh PostgreSQL database (`--database`, default `syres_bench_billing` on the server
of DATABASE_URL or 127.0.0.1), migrates it, bulk-inserts N customers with 4 services each
(FTTH access, SIP trunk, two mobile lines; one customer in ten delivered mid-month, pro rata),
rates a month of synthetic usage for their trunks and mobile lines through the real import
(`syres.usage.services.import_usage`), then times `run_billing` for that month: numbering
transactions, then the Factur-X PDF and XML of every invoice in a process pool.

    .venv/bin/python bench/billing_run.py                      # 5,000 customers, 20,000 services
    .venv/bin/python bench/billing_run.py --customers 500 --processes 2

Goal (2-core machine): under 5 minutes and under 2 GiB for 5,000 customers.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg

MONTH = "2026-10"


def _database_url(name: str) -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    server = base.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}", server


def _populate(customers: int, records: int) -> int:
    """Bulk-insert the customers, contracts, services and usage lines; rate the month."""
    import polars as pl
    from django.contrib.auth import get_user_model

    from syres.contracts.models import Contract, Service
    from syres.customers.models import Customer
    from syres.domain.contracts import commitment_end
    from syres.domain.periods import PARIS, Month
    from syres.terms import load_terms
    from syres.usage.models import Line
    from syres.usage.services import import_usage
    from syres.usage.synthetic import (
        Lines,
        mobile_frame,
        voice_frame,
        write_mobile_csv,
        write_voice_csv,
    )

    now = datetime(2026, 9, 1, 9, tzinfo=PARIS)
    staff = get_user_model().objects.create_user(username="bench", is_staff=True)
    Customer.objects.bulk_create(
        Customer(
            kind="company",
            legal_name=f"Client {index:05d} SAS",
            siren=f"{100000000 + index:09d}",
            address_line=f"{index % 90 + 1} avenue de Rodez",
            postcode="12000",
            city="Rodez",
            billing_email=f"compta{index}@client.example",
            payment_method="transfer",
            created_at=now,
            created_by=staff,
        )
        for index in range(customers)
    )
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    Contract.objects.bulk_create(
        Contract(customer_id=pk, started_on=date(2025, 6, 1), created_at=now) for pk in ids
    )
    contracts = dict(Contract.objects.values_list("customer_id", "pk"))
    services = []
    trunks, mobiles = [], []
    for index, customer_id in enumerate(ids):
        delivered = date(2026, 10, 12) if index % 10 == 0 else date(2025, 6, 1)
        trunk = f"+3356510{index:04d}"
        phones = [f"061{index:05d}1", f"061{index:05d}2"]
        trunks.append((trunk, "sewan", 4))
        mobiles += [(phone, "mobile", 1) for phone in phones]
        for kind, code, label, fee, quantity, platform, number in (
            ("internet_access", "FTTH-1G", "Fibre FTTH 1 Gb/s", "49.00", 1, "", ""),
            ("sip_trunk", "TRUNK-SEWAN", "Trunk SIP SEWAN 4 canaux", "48.00", 4, "sewan", trunk),
            ("mobile_plan", "MOBILE-FULL", "Forfait mobile", "19.90", 1, "", phones[0]),
            ("mobile_plan", "MOBILE-FULL", "Forfait mobile", "19.90", 1, "", phones[1]),
        ):
            services.append(
                Service(
                    contract_id=contracts[customer_id],
                    kind=kind,
                    product_code=code,
                    label=f"{label} {number}".strip(),
                    quantity=quantity,
                    monthly_fee=Decimal(fee),
                    platform=platform,
                    phone_number=number,
                    delivery_date=delivered,
                    commitment_months=12,
                    commitment_end=commitment_end(delivery_date=delivered, commitment_months=12),
                )
            )
    Service.objects.bulk_create(services, batch_size=5000)
    Line.objects.bulk_create(
        (Line(identifier=i, platform=p, channels=c) for i, p, c in trunks + mobiles),
        batch_size=5000,
    )
    schema = {"line": pl.String, "platform": pl.String, "channels": pl.Int64}
    lines = Lines(
        trunks=pl.DataFrame(trunks, schema=schema, orient="row"),
        mobiles=pl.DataFrame(mobiles, schema=schema, orient="row"),
    )
    month = Month.parse(MONTH)
    with tempfile.TemporaryDirectory() as folder:
        voice, mobile = Path(folder) / "voice.csv", Path(folder) / "mobile.csv"
        write_voice_csv(voice, voice_frame(records=records, lines=lines, month=month))
        write_mobile_csv(mobile, mobile_frame(records=records // 4, lines=lines, month=month))
        report = import_usage(month=month, paths=[voice, mobile], terms=load_terms(), rated_at=now)
    return report.rated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000, help="4 services each")
    parser.add_argument("--records", type=int, default=1_000_000, help="voice CDRs of the month")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database", default="syres_bench_billing")
    parser.add_argument(
        "--no-pipeline",
        action="store_true",
        help="render after all the numbering (times the PDF step alone)",
    )
    args = parser.parse_args()

    url, _ = _database_url(args.database)
    os.environ["DATABASE_URL"] = url
    os.environ["SYRES_DATA_DIR"] = tempfile.mkdtemp(prefix="syres-bench-billing-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syres.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from syres.billing.services import run_billing
    from syres.domain.periods import Month

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    rated = _populate(args.customers, args.records)
    setup = time.perf_counter() - started

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    report = run_billing(
        period=Month.parse(MONTH),
        as_of=date(2026, 11, 2),
        processes=args.processes,
        pipeline=not args.no_pipeline,
        send=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_self = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    invoices = len(report.issued)
    pdf_bytes = sum(
        path.stat().st_size for path in Path(os.environ["SYRES_DATA_DIR"]).rglob("*.pdf")
    )
    lines = [
        f"customers {args.customers:,}, services {4 * args.customers:,}, "
        f"rated records {rated:,} (set-up {setup:.1f} s)",
        f"invoices issued {invoices:,}, skipped {len(report.skipped)}, "
        f"total incl. VAT {report.total_incl_vat:,.2f} EUR",
        f"whole run: {wall:.1f} s wall, {invoices / wall:.1f} invoices/s",
        f"  numbering transactions: {report.issue_seconds:.1f} s, "
        f"{invoices / report.issue_seconds:.1f} invoices/s",
        f"  PDF + XML ({args.processes} processes"
        f"{'' if args.no_pipeline else ', pipelined: time after the numbering'}): "
        f"{report.render_seconds:.1f} s, "
        f"{report.rendered / report.render_seconds:.1f} invoices/s, "
        f"{pdf_bytes / max(report.rendered, 1) / 1024:.0f} KiB per PDF",
        f"CPU of the run process {cpu_self:.1f} s, "
        f"of the workers {children.ru_utime + children.ru_stime:.1f} s",
        f"peak memory: run process {after.ru_maxrss / 1024:.0f} MiB, "
        f"largest worker {children.ru_maxrss / 1024:.0f} MiB",
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
    ]
    print("\n".join(lines))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
