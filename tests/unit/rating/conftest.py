from __future__ import annotations

import pytest

from syres.domain.terms import Terms
from syres.terms import SHIPPED_TERMS_FILE, read_terms_file


@pytest.fixture(scope="session")
def terms() -> Terms:
    return read_terms_file(SHIPPED_TERMS_FILE)
