"""Browser tests: Playwright driving Debian's chromium against the live test server.

Playwright's own browser download is not available here; `scripts/test` installs Debian's
`chromium` with apt-get when it is missing. Screenshots go to `$SYRES_SCREENSHOTS_DIR` when set
(`scripts/screenshots` sets it to docs/screenshots), else to the test's temporary directory.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make to
# arrange data are still synchronous, so Django's async guard has to be told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: scripts/test installs Debian's package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[[Page, str], Path]:
    """Save a full-page PNG of the page under a stable name."""
    directory = Path(os.environ.get("SYRES_SCREENSHOTS_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = directory / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def flushable_invoices(live_server: object) -> Iterator[None]:
    """Issued invoices are read-only, deletion included (R-INV-3, database triggers). The
    live-server tests end with a flush: PostgreSQL truncates, which row triggers do not see, but
    SQLite deletes row by row. So on SQLite the no-delete triggers are dropped for the flush,
    after the test, and created again before the next one."""
    from django.db import connection

    migration = importlib.import_module(
        "syres.billing.migrations.0002_counters_and_read_only_invoices"
    )
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        for statement in migration.SQLITE:
            cursor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))
    yield
    with connection.cursor() as cursor:
        for table in ("billing_invoice", "billing_invoiceline", "billing_invoicevat"):
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
