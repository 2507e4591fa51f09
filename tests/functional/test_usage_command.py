"""`syres usage lines / import / purge` end to end, on a throw-away SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SYRES = [sys.executable, "-m", "syres.cli"]
HEADER = "call_id,line,start,duration_s,caller,callee,direction,forwarded\n"


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["SYRES_DATA_DIR"] = str(data_dir)
    return subprocess.run([*SYRES, *args], capture_output=True, text=True, check=False, env=env)


def test_usage_commands_import_a_month_then_purge_its_detail(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(data, "manage", "migrate", "--verbosity", "0").returncode == 0
    lines = tmp_path / "lines.csv"
    lines.write_text("line,platform,channels\nT1,sewan,1\n", encoding="utf-8")
    voice = tmp_path / "voice.csv"
    voice.write_text(
        HEADER + "c1,T1,2026-03-02T09:00:00+01:00,61,0565000000,+8613912345678,out,0\n",
        encoding="utf-8",
    )

    added = run(data, "usage", "lines", str(lines))
    imported = run(data, "usage", "import", "--period", "2026-03", str(voice))
    again = run(data, "usage", "import", "--period", "2026-03", str(voice))

    assert added.returncode == 0, added.stderr
    assert "1 ligne(s)" in added.stdout
    assert imported.returncode == 0, imported.stderr
    assert "1 nouveaux enregistrements" in imported.stdout
    assert "0 nouveaux enregistrements, 1 déjà importés" in again.stdout
    assert (data / "usage" / "2026-03" / "rated.parquet").exists()

    kept = run(data, "usage", "purge", "--as-of", "2027-03-31")
    purged = run(data, "usage", "purge", "--as-of", "2027-04-01")
    assert "Rien à purger" in kept.stdout
    assert "2026-03" in purged.stdout
    assert not (data / "usage" / "2026-03").exists()


def test_usage_import_refuses_a_bad_period(tmp_path: Path) -> None:
    voice = tmp_path / "voice.csv"
    voice.write_text(HEADER, encoding="utf-8")
    result = run(tmp_path / "data", "usage", "import", "--period", "March", str(voice))
    assert result.returncode == 2
    assert "YYYY-MM" in result.stderr
