"""`syres catalog` and `syres orders`, run as a user runs them, on the demo database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SYRES = [sys.executable, "-m", "syres.cli"]


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SYRES_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [*SYRES, *args], capture_output=True, text=True, check=False, env=env, cwd=data_dir
    )


def test_catalog_sync_prices_and_quotes_from_the_command_line(tmp_path: Path) -> None:
    """R-CAT-1, R-CAT-2: the catalog loads from the terms file and a reload changes nothing;
    the quote commands answer in French (the PDF itself is tested on the demo data)."""
    assert run("manage", "migrate", "--verbosity", "0", data_dir=tmp_path).returncode == 0

    first = run("catalog", "sync", "--as-of", "2026-01-01", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "30 produit(s) créé(s)" in first.stdout
    again = run("catalog", "sync", data_dir=tmp_path)
    assert "0 produit(s) créé(s), 0 mis à jour, 0 nouveau(x) tarif(s)" in again.stdout

    prices = run("catalog", "prices", "--on", "2026-06-01", data_dir=tmp_path)
    assert any(line.split()[:2] == ["MOBILE-FULL", "19.90"] for line in prices.stdout.splitlines())

    unknown = run("orders", "quote-pdf", "DV-1999-00001", data_dir=tmp_path)
    assert unknown.returncode != 0
    assert "Devis inconnu : DV-1999-00001" in unknown.stderr
