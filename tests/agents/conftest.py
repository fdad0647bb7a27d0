import pytest


@pytest.fixture
def macrocenter(db):
    """The Macro Center demo store: catalogue, customers, orders, articles (embedded), intents
    routed to the demo agent profiles. Embeddings are memoised, so after the first test this
    costs about a second."""
    from django.utils import timezone

    from knowledge.services import kb_index_pending
    from supportdesk.demo.loader import demo_seed
    from tenants.models import Tenant

    demo_seed(now=timezone.now(), only=("macrocenter",))
    kb_index_pending()
    return Tenant.objects.get(slug="macrocenter")


@pytest.fixture
def llm(settings, fake_openai, monkeypatch):
    """The chat LLM pointed at the fake OpenAI-compatible server, no retries or back-off waits."""
    from agents.providers.openai_compatible import OpenAICompatibleProvider

    monkeypatch.setattr(OpenAICompatibleProvider, "pause", staticmethod(lambda seconds: None))
    settings.LLM_PROVIDERS = [
        {"name": "primary", "base_url": fake_openai.base_url, "api_key": "test-key", "model": "gpt-4o-mini"}
    ]
    settings.LLM_MAX_RETRIES = 0
    settings.LLM_TIMEOUT = 5
    settings.LLM_TRIAGE = False  # the scripts below are the agent's; LLM triage has its own tests
    return fake_openai


@pytest.fixture(autouse=True)
def closed_circuits():
    """Every test starts and ends with the providers' circuits closed. They live in Redis, which
    worker subprocesses share: a circuit a test left open made a later worker test's turn skip
    its LLM when it ran within the circuit's cool-down."""
    from django.core.cache import cache

    keys = [f"llm-circuit:{name}:{part}" for name in ("primary", "fallback") for part in ("failures", "open")]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)
