"""`syres contracts notice` and `syres contracts gtr`, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.functional.test_cli import SYRES, run


def test_notice_prints_the_end_three_months_after_receipt_clamped() -> None:
    """R-END-1: a letter received on 30 Nov 2026 ends the services on 28 Feb 2027."""
    result = run("contracts", "notice", "2026-11-30")
    assert result.returncode == 0, result.stderr
    assert "résiliation effective le 28/02/2027" in result.stdout


def test_gtr_prints_the_deadline_across_easter_monday() -> None:
    """R-GTR-1: reported Friday 3 Apr 2026 16:00 → Tuesday 7 Apr 10:00."""
    result = run("contracts", "gtr", "2026-04-03T16:00")
    assert result.returncode == 0, result.stderr
    assert "avant le 07/04/2026 à 10:00" in result.stdout


def test_gtr_refuses_a_malformed_time() -> None:
    result = run("contracts", "gtr", "vendredi")
    assert result.returncode == 2
    assert "does not match the formats" in result.stderr


def test_take_over_and_apply_ends_run_on_a_fresh_database(tmp_path: Path) -> None:
    """R-END-3: the daily commands are wired to the database and safe to run twice."""
    env = {**os.environ, "SYRES_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    migrate = subprocess.run(
        [*SYRES, "manage", "migrate", "-v", "0"], capture_output=True, text=True, env=env
    )
    assert migrate.returncode == 0, migrate.stderr
    for _ in range(2):
        taken = subprocess.run(
            [*SYRES, "contracts", "take-over"], capture_output=True, text=True, env=env
        )
        assert taken.returncode == 0, taken.stderr
        assert "0 service(s) et 0 équipement(s)" in taken.stdout
        ended = subprocess.run(
            [*SYRES, "contracts", "apply-ends", "--as-of", "2026-12-01"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert ended.returncode == 0, ended.stderr
        assert "01/12/2026 : 0 contrat(s) terminé(s)." in ended.stdout
