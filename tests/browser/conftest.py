"""One headless Debian chromium per test, launched as the brief asks. Per test, not per module:
Playwright's sync API keeps an event loop running in the main thread while it is open, and Django
refuses database work (a transactional test's flush) under a running loop."""

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-dev.txt")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
