"""`syres invoice sample`: write sample Factur-X documents of every kind, to look at or to
check with other tools (veraPDF, a Factur-X reader). No database needed."""

from __future__ import annotations

from pathlib import Path

import click

from syres.billing.documents import UnableToRenderInvoice, facturx_pdf
from syres.billing.samples import SAMPLE_KINDS, sample_document
from syres.terms import load_terms


@click.group(name="invoice")
def invoice_group() -> None:
    """Invoice documents (Factur-X EN 16931)."""


@click.command(name="sample")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(SAMPLE_KINDS),
    help="Kind of document (repeatable); default: every kind.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the PDF and XML files (created if missing).",
)
def sample_command(kinds: tuple[str, ...], out: Path) -> None:
    """Write sample Factur-X PDFs (PDF/A-3b, XML embedded) and their XML to OUT."""
    out.mkdir(parents=True, exist_ok=True)
    terms = load_terms()
    for index, kind in enumerate(kinds or SAMPLE_KINDS):
        # Two numbers per sample: a balance invoice also numbers its deposit.
        document = sample_document(kind=kind, terms=terms, sequence=2 * index + 1)
        try:
            facturx = facturx_pdf(document)
        except UnableToRenderInvoice as error:
            raise click.ClickException(error.reason) from error
        pdf = out / f"{kind}-{facturx.filename}"
        pdf.write_bytes(facturx.pdf)
        pdf.with_suffix(".xml").write_bytes(facturx.xml)
        click.echo(f"{kind}: {pdf} ({document.title} {document.number}, {len(facturx.pdf)} bytes)")


invoice_group.add_command(sample_command)
