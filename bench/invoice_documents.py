"""Benchmark: Factur-X documents (CII XML + PDF/A-3b + embedding) per second.

    .venv/bin/python bench/invoice_documents.py [--invoices 500] [--workers 2] [--calls 12]

Builds N sample invoice documents (`syres.billing.samples`, mostly monthly invoices with a
call-detail annex), then times each step on one core: the domain document, the CII XML (with
its XSD check), the Typst PDF/A-3b, the factur-x embedding. It then runs the whole pipeline on
`--workers` processes and projects the time for the 5,000 invoices of the issue's billing run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from syres.billing.documents import cii_xml, embed_xml, facturx_pdf, invoice_pdf
from syres.billing.samples import SAMPLE_KINDS, sample_document
from syres.domain.billing import InvoiceDocument
from syres.terms import load_terms

TARGET_INVOICES = 5000
GOAL_S = 300


def kind_of(index: int) -> str:
    # Mostly monthly invoices, as in a billing run; one of each other kind now and then.
    return SAMPLE_KINDS[index % 20] if index % 20 < len(SAMPLE_KINDS) else "monthly"


def build(index: int, calls: int) -> InvoiceDocument:
    return sample_document(kind=kind_of(index), terms=load_terms(), sequence=index + 1, calls=calls)


def timed(label: str, count: int, step: Callable[[int], object]) -> float:
    """Run `step` on every index; print wall-clock and CPU time (the CPU time of this process
    does not grow when other programs share the machine); return the CPU time."""
    started, started_cpu = time.perf_counter(), time.process_time()
    for index in range(count):
        step(index)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(
        f"  {label:<34} wall {elapsed:6.2f} s ({count / elapsed:7.1f} /s)"
        f"   CPU {cpu:6.2f} s ({count / cpu:7.1f} /s, {cpu / count * 1000:5.1f} ms each)"
    )
    return cpu


def whole(args: tuple[int, int]) -> int:
    index, calls = args
    return len(facturx_pdf(build(index, calls)).pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--calls", type=int, default=12, help="billable calls in each annex")
    options = parser.parse_args()
    count, calls = options.invoices, options.calls

    print(f"{count} invoices, {calls} annex calls each; one core, step by step:")
    documents = [build(index, calls) for index in range(count)]
    invoice_pdf(documents[0])  # warm the compiler (template parse, fonts), as a run would
    t_domain = timed("domain documents", count, lambda i: build(i, calls))
    xmls = [b""] * count
    pdfs = [b""] * count

    def xml_step(i: int) -> None:
        xmls[i] = cii_xml(documents[i])

    def pdf_step(i: int) -> None:
        pdfs[i] = invoice_pdf(documents[i])

    def embed_step(i: int) -> None:
        embed_xml(document=documents[i], pdf=pdfs[i], xml=xmls[i])

    t_xml = timed("CII XML + XSD check (drafthorse)", count, xml_step)
    t_pdf = timed("PDF/A-3b (typst)", count, pdf_step)
    t_embed = timed("embedding (factur-x + metadata)", count, embed_step)
    per_invoice = (t_domain + t_xml + t_pdf + t_embed) / count
    print(f"  {'total CPU, one core':<34} {per_invoice * count:6.2f} s ({1 / per_invoice:.1f} /s)")
    sizes = [len(pdf) for pdf in pdfs]
    print(f"  PDF size: median {statistics.median(sizes) / 1024:.0f} KiB")

    workers = options.workers
    started = time.perf_counter()
    # spawn, not fork: the parent already holds a Typst compiler, whose threads do not survive
    # a fork (the children would hang on a lock).
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(whole, [(index, calls) for index in range(count)], chunksize=16)
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    projected = TARGET_INVOICES / rate
    load = os.getloadavg()[0]
    print(
        f"\nWhole pipeline on {workers} processes: {elapsed:.2f} s, {rate:.1f} invoices/s "
        f"(load average {load:.1f} on {os.cpu_count()} cores)"
    )
    print(
        f"Projected for {TARGET_INVOICES} invoices: {projected:.0f} s on {workers} processes "
        f"({TARGET_INVOICES * per_invoice:.0f} s of CPU on one core); goal {GOAL_S} s for the "
        f"whole billing run"
    )
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"Peak memory: {peak_kib / 1024:.0f} MiB (parent), {children_kib / 1024:.0f} MiB (worker)"
    )


if __name__ == "__main__":
    main()
