"""`syres demo` loads customers in every state of the file; `syres customers export` writes
the personal-data archive (R-DATA-1), as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

SYRES = [sys.executable, "-m", "syres.cli"]


def run(*args: str, data_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SYRES_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)  # the embedded SQLite of that data directory
    return subprocess.run(
        [*SYRES, *args], capture_output=True, text=True, check=False, cwd=cwd, env=env
    )


def test_demo_then_export_a_customer_archive(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    loaded = run("demo", "--no-serve", data_dir=data_dir, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "Clients de démonstration : 6 créé(s)" in loaded.stdout

    exported = run("customers", "export", "1", "--out", "x.zip", data_dir=data_dir, cwd=tmp_path)

    assert exported.returncode == 0, exported.stderr
    archive = zipfile.ZipFile(tmp_path / "x.zip")
    data = json.loads(archive.read("donnees.json"))
    assert data["customer"]["legal_name"] == "Fromagerie des Causses SARL"
    assert data["subscription_file"]["status"] == "accepted"
    assert len([name for name in archive.namelist() if name.startswith("pieces/")]) == 3

    missing = run("customers", "export", "999", data_dir=data_dir, cwd=tmp_path)
    assert missing.returncode == 1
    assert "Aucun client n° 999" in missing.stderr
