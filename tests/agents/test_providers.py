"""The LLM layer over real HTTP: the official `openai` client against a fake server on loopback."""

import uuid
from decimal import Decimal

import pytest

from agents.providers import circuit, router
from agents.providers.base import AllProvidersFailed, CircuitOpen, ProviderError
from agents.providers.openai_compatible import OpenAICompatibleProvider
from agents.providers.pricing import call_cost
from tests.fake_openai import FakeOpenAI


@pytest.fixture
def sleeps(monkeypatch):
    waited: list[float] = []
    monkeypatch.setattr(OpenAICompatibleProvider, "pause", staticmethod(waited.append))
    return waited


def provider(server, **kwargs) -> OpenAICompatibleProvider:
    values = {"name": f"test-{uuid.uuid4().hex[:8]}", "base_url": server.base_url, "api_key": "k",
              "model": "gpt-4o-mini", "timeout": 5, "max_retries": 2, **kwargs}  # fmt: skip
    return OpenAICompatibleProvider(**values)


def test_a_reply_with_text_and_tool_calls(fake_openai, sleeps):
    fake_openai.script(
        {"content": "Let me check.", "tool_calls": [{"name": "lookup_order", "arguments": {"number": "ORD-1002"}}]}
    )
    response = provider(fake_openai).complete(messages=[{"role": "user", "content": "where is ORD-1002"}], tools=[])
    assert response.content == "Let me check."
    assert [(c.name, c.arguments) for c in response.tool_calls] == [("lookup_order", '{"number": "ORD-1002"}')]
    assert response.tokens_in > 0 and response.tokens_out > 0 and response.model == "gpt-4o-mini"
    assert fake_openai.requests[-1]["body"]["messages"][0]["content"] == "where is ORD-1002"


def test_rate_limits_are_retried_honouring_retry_after(fake_openai, sleeps):
    fake_openai.script({"status": 429, "headers": {"Retry-After": "1"}}, {"content": "done"})
    assert provider(fake_openai).complete(messages=[{"role": "user", "content": "hi"}]).content == "done"
    assert sleeps == [1.0]


def test_server_errors_back_off_with_jitter_then_give_up(fake_openai, sleeps):
    fake_openai.script({"status": 500}, {"status": 502}, {"status": 503})
    llm = provider(fake_openai, backoff_base=0.5)
    with pytest.raises(ProviderError, match="InternalServerError"):
        llm.complete(messages=[{"role": "user", "content": "hi"}])
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0
    assert len(fake_openai.requests) == 3


def test_client_errors_are_not_retried(fake_openai, sleeps):
    fake_openai.script({"status": 400, "message": "bad request"})
    with pytest.raises(ProviderError, match="BadRequestError"):
        provider(fake_openai).complete(messages=[{"role": "user", "content": "hi"}])
    assert len(fake_openai.requests) == 1 and sleeps == []


def test_timeouts_count_as_failures(fake_openai, sleeps):
    fake_openai.script({"delay": 1.5, "content": "too late"})
    with pytest.raises(ProviderError, match="APITimeoutError"):
        provider(fake_openai, timeout=0.3, max_retries=0).complete(messages=[{"role": "user", "content": "hi"}])


def test_repeated_failures_open_the_circuit_for_every_process(fake_openai, sleeps):
    llm = provider(fake_openai, max_retries=0)
    fake_openai.script(*[{"status": 500}] * circuit.FAILURE_THRESHOLD)
    for _ in range(circuit.FAILURE_THRESHOLD):
        with pytest.raises(ProviderError):
            llm.complete(messages=[{"role": "user", "content": "hi"}])
    sent = len(fake_openai.requests)
    with pytest.raises(CircuitOpen):
        provider(fake_openai, name=llm.name).complete(messages=[{"role": "user", "content": "hi"}])
    assert len(fake_openai.requests) == sent  # skipped without a request
    circuit.record_success(llm.name)
    assert provider(fake_openai, name=llm.name).complete(messages=[{"role": "user", "content": "hi"}]).content == "ok"


def test_the_chain_falls_back_to_the_next_provider_then_gives_up(settings, fake_openai, sleeps):
    second = FakeOpenAI().start()
    try:
        settings.LLM_MAX_RETRIES = 0
        settings.LLM_PROVIDERS = [
            {"name": f"p-{uuid.uuid4().hex[:6]}", "base_url": fake_openai.base_url, "api_key": "k", "model": "m1"},
            {"name": f"f-{uuid.uuid4().hex[:6]}", "base_url": second.base_url, "api_key": "k", "model": "m2"},
        ]
        fake_openai.script({"status": 503})
        second.script({"content": "from the fallback"})
        response = router.complete(messages=[{"role": "user", "content": "hi"}])
        assert (response.content, response.model) == ("from the fallback", "m2")

        fake_openai.script({"status": 503})
        second.script({"status": 503})
        with pytest.raises(AllProvidersFailed, match="InternalServerError"):
            router.complete(messages=[{"role": "user", "content": "hi"}])
    finally:
        second.stop()


def test_no_configured_llm_means_the_offline_agent(settings):
    settings.LLM_PROVIDERS = []
    with pytest.raises(AllProvidersFailed, match="no LLM is configured"):
        router.complete(messages=[{"role": "user", "content": "hi"}])


def test_cost_comes_from_the_price_table():
    assert call_cost(model="gpt-4o-mini", tokens_in=1_000_000, tokens_out=1_000_000) == Decimal("0.75")
    assert call_cost(model="gpt-4o-mini-2024-07-18", tokens_in=2000, tokens_out=0) == Decimal("0.0003")
    assert call_cost(model="llama3.1:8b", tokens_in=5000, tokens_out=5000) == Decimal("0")
