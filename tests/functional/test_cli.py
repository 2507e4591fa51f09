"""The `syres` command line, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from syres.terms import SHIPPED_TERMS_FILE

SYRES = [sys.executable, "-m", "syres.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SYRES, *args], capture_output=True, text=True, check=False, cwd=cwd)


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("terms", "serve", "demo", "manage"):
        assert command in result.stdout


def test_terms_check_accepts_the_shipped_file() -> None:
    result = run("terms", "check", str(SHIPPED_TERMS_FILE))
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_terms_check_rejects_a_broken_file_naming_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    text = SHIPPED_TERMS_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace("window_days = 30", "window_days = -30"), encoding="utf-8")
    result = run("terms", "check", str(broken))
    assert result.returncode == 1
    assert "disputes.window_days" in result.stderr
    assert "greater than 0" in result.stderr


def test_a_broken_terms_file_stops_the_start_with_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    text = SHIPPED_TERMS_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace("gtr_hours = 4\n", ""), encoding="utf-8")
    result = subprocess.run(
        [*SYRES, "manage", "check"],
        capture_output=True,
        text=True,
        check=False,
        env={"SYRES_TERMS_FILE": str(broken), "SYRES_DATA_DIR": str(tmp_path), "PATH": ""},
    )
    assert result.returncode != 0
    assert f"{broken}: support.gtr_hours: missing key" in result.stderr
