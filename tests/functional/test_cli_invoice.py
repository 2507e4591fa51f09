"""`syres invoice sample` writes Factur-X documents a user can open."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import facturx


def test_invoice_sample_writes_a_factur_x_pdf_and_its_xml(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "syres.cli",
            "invoice",
            "sample",
            "--kind",
            "credit_note",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (pdf,) = tmp_path.glob("credit_note-AV-*.pdf")
    filename, xml = facturx.get_xml_from_pdf(pdf.read_bytes(), check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == pdf.with_suffix(".xml").read_bytes()
    assert "Avoir AV-" in result.stdout


def test_invoice_sample_refuses_an_unknown_kind(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "syres.cli",
            "invoice",
            "sample",
            "--kind",
            "proforma",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "proforma" in result.stderr
