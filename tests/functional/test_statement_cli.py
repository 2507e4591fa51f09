"""`syres statement show`, run as staff run it (R-PAY-1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "statements"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syres.cli", *args], capture_output=True, text=True, check=False
    )


def test_statement_show_lists_the_booked_lines_with_the_return_reason() -> None:
    result = run("statement", "show", str(FIXTURES / "camt054_v02_impayes_2026-12-10.xml"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "camt.054:FR7630006000011234567890189:IMP-20261210-000077 "
        "(camt.054.001.02, message NTF-IMP-20261210-000077, 2 ligne(s))"
    )
    assert "prélèvement rejeté (AC04 Compte clôturé) ; réf. FA-2026-000101" in lines[1]
    assert "-118,80\u00a0€" in lines[1]


def test_statement_show_refuses_a_malformed_file_with_the_element(tmp_path: Path) -> None:
    broken = tmp_path / "releve.xml"
    text = (FIXTURES / "camt053_v08_releve_2026-12-09.xml").read_text(encoding="utf-8")
    broken.write_text(text.replace("2210.10", "2210.00"), encoding="utf-8")
    result = run("statement", "show", str(broken))
    assert result.returncode == 1
    assert result.stderr.startswith(
        "Relevé refusé : releve.xml : Document/BkToCstmrStmt/Stmt[1]/Bal : soldes incohérents"
    )
