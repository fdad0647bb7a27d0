import pytest


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Each test gets its own channel layer object.

    channels-redis keeps one receive lock per layer object, bound to the event loop that first
    waits on it; a test whose loop ends while a socket still listens leaves that lock to the
    next test, whose consumers then fail with "bound to a different event loop".
    """
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def tenant(db):
    from tests.factories import TenantFactory

    return TenantFactory()


@pytest.fixture
def other_tenant(db):
    from tests.factories import TenantFactory

    return TenantFactory()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the test Redis, started once for the session."""
    import os
    import subprocess
    import sys
    import time

    from supportdesk.celery import app as celery_app

    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "supportdesk", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--hostname", f"test-{os.getpid()}@%h", "--without-mingle", "--without-gossip"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "supportdesk.settings.test", "SUPPORTDESK_TEST_WORKER": "1"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the test Celery worker did not start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def fake_openai():
    from tests.fake_openai import FakeOpenAI

    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def openai_embeddings(settings, fake_openai):
    """Point the embeddings provider at the fake OpenAI-compatible server."""
    settings.EMBEDDINGS_PROVIDER = "openai"
    settings.EMBEDDINGS_BASE_URL = fake_openai.base_url
    settings.EMBEDDINGS_API_KEY = "test-key"
    settings.EMBEDDINGS_MODEL = "fake-embed-384"
    settings.EMBEDDINGS_TIMEOUT = 5
    settings.EMBEDDINGS_MAX_RETRIES = 0
    return fake_openai
