"""The import-linter contracts are true, and they do fail when the domain imports Django."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(source_root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), str(REPO_ROOT / ".importlinter"), "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
        cwd=source_root,
        env={"PYTHONPATH": str(source_root / "src"), "PATH": ""},
    )


def test_the_contracts_hold_on_the_code() -> None:
    result = lint(REPO_ROOT)
    assert result.returncode == 0, result.stdout


def test_the_contract_breaks_when_the_domain_imports_django(tmp_path: Path) -> None:
    shutil.copytree(
        REPO_ROOT / "src",
        tmp_path / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    money = tmp_path / "src" / "syres" / "domain" / "money.py"
    money.write_text(
        "from django.conf import settings\n" + money.read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "syres.domain is pure Python" in result.stdout
    assert "syres.domain.money -> django (l.1)" in result.stdout
