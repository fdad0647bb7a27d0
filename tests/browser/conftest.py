"""One headless Debian chromium per test, launched as the brief asks. Per test, not per module:
Playwright's sync API keeps an event loop running in the main thread while it is open, and Django
refuses database work (a transactional test's flush) under a running loop."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The marks of an end-to-end test: skipped on a developer's machine without chromium; under CI
# (make test installs it) a failure. A transactional database: daphne, another process, reads it.
END_TO_END = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="Debian's chromium is not installed"
    ),
    pytest.mark.django_db(transaction=True),
]


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(fake_openai, django_db_setup):
    """daphne on the test database; turns run inline (eager Celery) with the fake LLM."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.test",
        "SUPPORTDESK_TEST_WORKER": "1",  # the test database, as the test Celery worker uses
        "SUPPORTDESK_TEST_LLM_FROM_ENV": "1",
        "LLM_BASE_URL": fake_openai.base_url,
        "LLM_API_KEY": "test-key",
        "LLM_MODEL": "gpt-4o-mini",
        "LLM_MAX_RETRIES": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "supportdesk.asgi:application"], env=env
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("daphne did not start") from None
            time.sleep(0.3)
    yield base
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def store(server):
    from django.utils import timezone

    from supportdesk.demo.loader import demo_seed
    from tenants.models import WidgetKey

    demo_seed(now=timezone.now(), only=("macrocenter",))
    key = WidgetKey.objects.get(public_key="pk_demo_macrocenter")
    key.allowed_origins = [*key.allowed_origins, server]  # the store adds its own origin
    key.save(update_fields=["allowed_origins"])
    return server
