"""The terms file of this installation: `syres.toml` beside this module, or `SYRES_TERMS_FILE`.

`load_terms()` reads and validates it once per process; a bad file stops the program at start
with the file, the key and the reason (`syres.domain.terms.TermsError`).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from syres.domain.terms import Terms, TermsError, parse_terms

SHIPPED_TERMS_FILE = Path(__file__).with_name("syres.toml")

__all__ = [
    "SHIPPED_TERMS_FILE",
    "Terms",
    "TermsError",
    "load_terms",
    "read_terms_file",
    "terms_file",
]


def terms_file() -> Path:
    """The terms file in use: `SYRES_TERMS_FILE` if set, else the shipped one."""
    configured = os.environ.get("SYRES_TERMS_FILE")
    return Path(configured) if configured else SHIPPED_TERMS_FILE


def read_terms_file(path: Path) -> Terms:
    """Read and validate one terms file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TermsError(source=str(path), problems=[("(file)", str(error))]) from error
    return parse_terms(text, source=str(path))


@cache
def load_terms() -> Terms:
    """The validated terms of this installation (read once per process)."""
    return read_terms_file(terms_file())
