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
def llm(settings, fake_openai):
    """The chat LLM pointed at the fake OpenAI-compatible server, no retries or back-off waits."""
    settings.LLM_PROVIDERS = [
        {"name": "primary", "base_url": fake_openai.base_url, "api_key": "test-key", "model": "gpt-4o-mini"}
    ]
    settings.LLM_MAX_RETRIES = 0
    settings.LLM_TIMEOUT = 5
    settings.LLM_TRIAGE = False  # the scripts below are the agent's; LLM triage has its own tests
    from django.core.cache import cache

    cache.delete_many(["llm-circuit:primary:failures", "llm-circuit:primary:open"])
    return fake_openai
